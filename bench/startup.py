"""Start-up time of `parley tools` next to a bare `python -c pass`, measured in one run.

    python bench/startup.py [--repeats N]

Prints the median wall time of each and their ratio. `parley tools` must not import
torch, so it should answer in about a second.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    parley = shutil.which("parley", path=str(Path(sys.executable).parent))
    parley_cmd = [parley, "tools"] if parley else [sys.executable, "-m", "tui.cli", "tools"]
    wall(parley_cmd, 1)  # warm the file cache once
    base = wall([sys.executable, "-c", "pass"], repeats)
    tools = wall(parley_cmd, repeats)
    print(f"python -c pass : {base * 1000:7.1f} ms (median of {repeats})")
    print(f"parley tools   : {tools * 1000:7.1f} ms (median of {repeats})")
    print(f"ratio          : {tools / base:7.1f}x")


if __name__ == "__main__":
    main()
