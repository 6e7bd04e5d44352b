"""An exclusive `flock` on a file, held as an open descriptor: the kernel lets go when the
holder closes it or dies (even by kill -9), so a lock can never outlive its process.
Runs (`runs/<id>/.lock`) and sessions (`locks/<session>.lock`) both use it."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Callable


def hold(path: Path, wait_s: float = 0.0, on_busy: Callable[[int], None] | None = None, poll_s: float = 0.05) -> int | None:
    """Take the lock on `path` (created 0600), waiting up to `wait_s`; the open descriptor, or None
    when someone else keeps it. `on_busy(fd)` is called once, the first time it has to wait."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline, told = time.monotonic() + max(wait_s, 0.0), False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            if on_busy is not None and not told:
                on_busy(fd)
                told = True
            time.sleep(poll_s)
