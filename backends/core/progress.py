"""The progress and cancellation contract of long backend functions.

A long function takes `progress(done, total, note)` and `should_stop()`; when
`should_stop()` turns true it returns what it finished so far, marked partial.
Tools adapt these to LangGraph's custom stream (TUI) or a stderr bar (CLI).
"""

from __future__ import annotations

from typing import Callable

Progress = Callable[[int, int, str], None]
ShouldStop = Callable[[], bool]


def no_progress(done: int, total: int, note: str = "") -> None:
    pass


def never_stop() -> bool:
    return False
