"""Listing runs with 10,000 in the store: the old scan of every folder next to the index, in one run.

    python bench/runs_list.py [--runs N] [--repeats R]

Makes N finished runs in a temporary PARLEY_HOME straight through RunStore, then prints the
median wall time of `RunStore.list(limit=20)` (the index) and `RunStore.scan(limit=20)` (reading
every run.json, as `list` did before the index), of `parley runs list` in a subprocess with
each, of the first list after the index file is deleted (it rebuilds), and the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backends.core import runindex  # noqa: E402
from backends.core.runstore import RunStore  # noqa: E402

# `parley runs list` as it was: RunStore.list reading every folder.
OLD_CLI = "import sys; from backends.core.runstore import RunStore; RunStore.list = RunStore.scan; from tui.cli import main; main()"


def median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="parley-bench-runs-"))
    try:
        store = RunStore(home / "runs")

        def make(i: int) -> None:
            run = store.create("generate_cot", {"question": f"What is {i} + {i}?", "seed": i}, seed=i)
            run.complete({"cot": f"{i} and {i} make {2 * i}."}, summary=f"Sampled a chain of thought {i}.\nline two")

        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:  # the writes wait on fsync: overlap them
            list(pool.map(make, range(opts.runs)))
        made = time.perf_counter() - started
        print(f"made {opts.runs} runs in {made:.1f} s (16 threads)")

        assert [r.id for r in store.list(limit=20)] == [r.id for r in store.scan(limit=20)]
        index_s = median_s(lambda: store.list(limit=20), opts.repeats)
        scan_s = median_s(lambda: store.scan(limit=20), opts.repeats)
        (home / "runs" / runindex.NAME).unlink()
        for extra in ("-wal", "-shm"):
            (home / "runs" / (runindex.NAME + extra)).unlink(missing_ok=True)
        runindex._open.clear()
        started = time.perf_counter()
        store.list(limit=20)
        rebuild_s = time.perf_counter() - started

        env = {**os.environ, "PARLEY_HOME": str(home)}
        parley = shutil.which("parley", path=str(Path(sys.executable).parent))
        new_cmd = [parley] if parley else [sys.executable, "-m", "tui.cli"]

        def cli(cmd: list[str]):
            return lambda: subprocess.run([*cmd, "runs", "list"], check=True, stdout=subprocess.DEVNULL, env=env, cwd=REPO)

        cli(new_cmd)()  # warm the file cache once
        cli_new_s = median_s(cli(new_cmd), opts.repeats)
        cli_old_s = median_s(cli([sys.executable, "-c", OLD_CLI]), opts.repeats)
        print(f"RunStore.list(limit=20), index      : {index_s * 1000:8.1f} ms (median of {opts.repeats})")
        print(f"RunStore.scan(limit=20), every folder: {scan_s * 1000:8.1f} ms   ratio {scan_s / index_s:5.1f}x")
        print(f"first list after deleting the index : {rebuild_s * 1000:8.1f} ms (rebuilds it)")
        print(f"parley runs list, index             : {cli_new_s * 1000:8.1f} ms (median of {opts.repeats})")
        print(f"parley runs list, every folder      : {cli_old_s * 1000:8.1f} ms   ratio {cli_old_s / cli_new_s:5.1f}x")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
