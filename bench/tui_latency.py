"""Key-to-screen latency of the Textual app, idle and while a job runs, measured in one run.

    python bench/tui_latency.py [--keys N] [--tokens N]

Types N keys into the message box and times each one from the key press until the
input shows it and the screen has refreshed; then starts a generate_cot job on
tiny-random (the agent runs in a worker thread) and types N more keys while it runs.
Prints the median and 95th percentile of both, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def _type(pilot, app, n: int) -> list[float]:
    """Send keys the way the terminal driver does; time each until the screen after it is drawn."""
    from textual import events
    from textual.widgets import Input

    prompt = app.query_one("#prompt", Input)
    prompt.focus()
    await pilot.pause()
    latencies = []
    for i in range(n):
        key = "abcdefghij"[i % 10]
        expected = prompt.value + key
        drawn = asyncio.Event()
        started = time.perf_counter()
        app._driver.send_message(events.Key(key, key))
        while prompt.value != expected:
            await asyncio.sleep(0.0005)
        app.call_after_refresh(drawn.set)
        await drawn.wait()
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)  # a fast typist, not a flood
    prompt.value = ""
    return latencies


async def measure(keys: int, tokens: int) -> tuple[list[float], list[float]]:
    from tui.app import ParleyApp
    from tui.widgets.job import JobProgress

    app = ParleyApp()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.convo is None:
            await pilot.pause(0.05)
        idle = await _type(pilot, app, keys)
        prompt = app.query_one("#prompt")
        prompt.value = f"generate a chain of thought for: Count to a thousand. with {tokens} tokens"
        await pilot.press("enter")
        while app.query_one(JobProgress).progress < 5:
            await pilot.pause(0.05)
        busy = await _type(pilot, app, keys)
        if not app.busy:
            raise SystemExit("the job ended before the typing did: " + app.query("MessageView").last().text[-300:])
        app.action_stop()
        while app.busy:
            await pilot.pause(0.05)
    return idle, busy


def _row(name: str, values: list[float]) -> str:
    p95 = sorted(values)[int(0.95 * (len(values) - 1))]
    return f"{name:<22}: median {statistics.median(values) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--tokens", type=int, default=4000)
    args = parser.parse_args()
    os.environ.setdefault("PARLEY_HOME", tempfile.mkdtemp(prefix="parley-bench-"))
    os.environ["PARLEY_PROVIDER"] = "offline"
    os.environ["PARLEY_MODEL"] = "tiny-random"
    idle, busy = asyncio.run(measure(args.keys, args.tokens))
    print(_row("idle", idle))
    print(_row("while a job runs", busy))
    print(f"{'ratio (median)':<22}: {statistics.median(busy) / statistics.median(idle):6.2f}x")


if __name__ == "__main__":
    main()
