"""The checkpoint store over a long offline session: bytes per turn stay flat.

    python bench/checkpoints.py [--turns 1000] [--every 4]

Runs `--turns` offline turns in one session in a throwaway PARLEY_HOME: a cheap tool
turn (`split_sentences "A. B."`, one run) every `--every` turns, answered questions
("what does counterfactual importance mean?") between. After each turn it reads the size
of `sessions.sqlite` and its write-ahead log, and prints at 100, 500 and 1,000 turns: the
store's size, the bytes it grew per turn over the last hundred turns, how many
checkpoints the session holds, and the seconds per turn over those hundred turns. Before
pruning, 752 such turns made a 10.63 GB store (each step's checkpoint a full copy of the
history, all kept).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def store_bytes(home: Path) -> int:
    return sum((home / n).stat().st_size for n in ("sessions.sqlite", "sessions.sqlite-wal") if (home / n).exists())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--every", type=int, default=4, help="a tool turn every N turns")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="parley-bench-checkpoints-"))
    os.environ["PARLEY_HOME"] = str(home)
    os.environ.setdefault("PARLEY_CONFIG", str(home / "none.toml"))
    from agent.session import Session

    session = Session.open(provider="offline")
    session.warm()
    marks = sorted({m for m in (100, 500, 1000, args.turns) if m <= args.turns})
    sizes, times = [0], [time.perf_counter()]
    print(f"{'turns':>6} {'store MB':>9} {'bytes/turn':>11} {'checkpoints':>12} {'s/turn':>7}  (last 100 turns)")
    try:
        for i in range(1, args.turns + 1):
            text = 'split_sentences "A. B."' if i % args.every == 1 else "what does counterfactual importance mean?"
            session.turn(text)
            sizes.append(store_bytes(home))
            times.append(time.perf_counter())
            if i in marks:
                back = min(100, i - 1)
                with sqlite3.connect(home / "sessions.sqlite") as conn:
                    kept = conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = ?", (session.id,)).fetchone()[0]
                print(f"{i:>6} {sizes[i] / 2**20:>9.2f} {(sizes[i] - sizes[i - back]) / back:>11.0f} {kept:>12} "
                      f"{(times[i] - times[i - back]) / back:>7.3f}", flush=True)
    finally:
        session.close()
    print(f"data dir: {home}")


if __name__ == "__main__":
    main()
