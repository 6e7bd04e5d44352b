"""One Parley at a time per session.

Two processes on one session both append to its log and both write checkpoints from
what they read before the other's turn, so the last one wins and the graph state no
longer matches the log. A Session holds `PARLEY_HOME/locks/<session>.lock` (an
exclusive `flock`, released by the kernel even after kill -9) from open to close; a
second Parley waits up to WAIT_S seconds, saying so on stderr, then refuses.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import Callable

from backends.core.errors import UsageError
from backends.core.filelock import hold

WAIT_S = 5.0  # how long a second Parley waits for the session (PARLEY_SESSION_WAIT overrides)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class SessionLock:
    def __init__(self, path: Path, fd: int):
        self.path, self._fd = path, fd

    @classmethod
    def acquire(cls, home: Path, session_id: str, wait_s: float | None = None,
                on_wait: Callable[[str], None] = _say) -> "SessionLock":
        """Hold the session's lock, waiting up to `wait_s` with one message through `on_wait`;
        a UsageError naming --session when another process keeps it."""
        if wait_s is None:
            try:
                wait_s = float(os.environ.get("PARLEY_SESSION_WAIT", WAIT_S))
            except ValueError:
                wait_s = WAIT_S
        folder = Path(home) / "locks"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{session_id}.lock"
        fd = hold(path, wait_s, lambda busy: on_wait(
            f"session {session_id} is busy in another Parley{_holder(busy)}; waiting up to {wait_s:g} s..."), poll_s=0.1)
        if fd is None:
            raise UsageError(f"--session: session {session_id} is busy in another Parley{_holder_of(path)}; "
                             "try again when it finishes", field="session")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _holder_of(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return ""
    try:
        return _holder(fd)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """" (pid N)" from the lock file, or "" while its holder has not written it yet."""
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f" (pid {text})" if text.isdigit() else ""
