"""The run store: one folder per run under `PARLEY_HOME/runs/<run_id>/`.

    run.json       what was asked and how it went: tool, params, seed, status, versions,
                   model, timings, and the compact summary
    results.json   the full results (complete, or what a partial run finished)
    checkpoint.json   state a stopped run needs to resume (removed once complete)
    .lock          held (flock) by the process running the run, for as long as it runs

Every file is written atomically (temp file in the same folder, fsync, rename), so a
crash never leaves half a run that reads as whole. Status is one of `running`,
`partial` (stopped midway: keeps what it finished, can resume), `complete`, `failed`.
A `running` run whose process died reads as `partial`: a run is alive exactly while some
process holds its lock, which the kernel lets go when that process dies, so a kill -9 or a
reused PID cannot make a dead run look alive (run.json keeps the owner's pid and its start
time for display). `runs/index.sqlite` (backends.core.runindex) lists runs without reading them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import importlib.metadata
import json
import os
import platform
import secrets
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.core import runindex
from backends.core.errors import UsageError
from backends.core.filelock import hold

STATUSES = ("running", "partial", "complete", "failed")
_VERSIONED = ("parley", "torch", "transformers", "nnsight", "sentence-transformers", "numpy")


def package_versions() -> dict[str, str]:
    return dict(_package_versions())


@functools.lru_cache(maxsize=1)  # reading package metadata takes ~10 ms: once per process
def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as JSON, redacted (no secret in a run file), owner-only (0600: mkstemp's mode)."""
    from backends.core.redaction import redact

    data = redact(data, text_tokens=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False, default=_jsonable)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and tensors
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_started(pid: int) -> str | None:
    """When process `pid` started (UTC, ISO, to 10 ms), from /proc; None where that is unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    started = boot + ticks / os.sysconf("SC_CLK_TCK")
    return dt.datetime.fromtimestamp(started, dt.timezone.utc).isoformat(timespec="milliseconds")


_held: dict[str, int] = {}  # run folder -> the open, flocked .lock of a run running in this process
_held_lock = threading.Lock()


def _take_lock(run_dir: Path, wait_s: float = 0.0) -> bool:
    """Hold the run's lock for this process; False when another process (or run here) holds it."""
    key = str(run_dir)
    with _held_lock:
        if key in _held:
            return False
        fd = hold(run_dir / ".lock", wait_s)  # someone only looking (`_lock_held`) lets go at once
        if fd is None:
            return False
        _held[key] = fd
        return True


def _let_go(run_dir: Path) -> None:
    with _held_lock:
        fd = _held.pop(str(run_dir), None)
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def _lock_held(run_dir: Path) -> bool | None:
    """Whether some process holds the run's lock; None for a run from before locks (no .lock)."""
    if str(run_dir) in _held:
        return True
    try:
        fd = os.open(run_dir / ".lock", os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError:
        return True  # cannot tell: do not call a run dead that may be alive
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@dataclass
class Run:
    """One run's folder. `meta` mirrors run.json."""

    dir: Path
    meta: dict

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def status(self) -> str:
        status = self.meta["status"]
        if status == "running" and not self.alive:
            return "partial"  # its process died mid-run: what it saved is all there is
        return status

    @property
    def alive(self) -> bool:
        """Whether a process is running this run now: one holds its lock. A run from before
        locks is alive while its pid lives with the start time it recorded."""
        if self.meta.get("status") != "running":
            return False
        held = _lock_held(self.dir)
        if held is not None:
            return held
        pid = self.meta.get("pid", -1)
        started = self.meta.get("pid_started")
        return _pid_alive(pid) and (started is None or process_started(pid) in (None, started))

    @property
    def results(self) -> dict:
        path = self.dir / "results.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    @property
    def checkpoint(self) -> dict | None:
        path = self.dir / "checkpoint.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def _write_meta(self) -> None:
        path = self.dir / "run.json"
        write_json_atomic(path, self.meta)
        try:
            runindex.put(self.dir.parent, self.meta, path.stat().st_mtime_ns)
        except OSError:
            pass  # the folder is the truth; the next list adds what the index missed

    def update(self, **fields: Any) -> None:
        self.meta.update(fields)
        self._write_meta()

    def save_partial(self, results: dict, checkpoint: dict | None = None, summary: str = "") -> None:
        """Keep what a stopped run finished, and what it needs to go on later."""
        write_json_atomic(self.dir / "results.json", results)
        if checkpoint is not None:
            write_json_atomic(self.dir / "checkpoint.json", checkpoint)
        self._finish("partial", summary)

    def save_progress(self, results: dict, checkpoint: dict) -> None:
        """Mid-run: what is finished so far and how to go on, while the run keeps running."""
        write_json_atomic(self.dir / "results.json", results)
        write_json_atomic(self.dir / "checkpoint.json", checkpoint)

    def complete(self, results: dict, summary: str = "") -> None:
        write_json_atomic(self.dir / "results.json", results)
        (self.dir / "checkpoint.json").unlink(missing_ok=True)
        self._finish("complete", summary)

    def fail(self, error: str) -> None:
        self.meta["error"] = error
        self._finish("failed", self.meta.get("summary", ""))

    def _finish(self, status: str, summary: str) -> None:
        started = self.meta["timings"].get("started_unix", time.time())
        self.meta["timings"].update(finished=_now(), wall_s=round(time.time() - started, 3))
        self.meta.update(status=status, summary=summary)
        try:
            self._write_meta()
        finally:
            _let_go(self.dir)

    def add_timing(self, name: str, seconds: float) -> None:
        self.meta["timings"][name] = round(seconds, 3)

    def resume(self) -> None:
        """Run a stopped run again in this process; its results and checkpoint stay.

        Refused (UsageError) when the run is complete, or alive: another process, or another
        run here, holds its lock."""
        if self.status == "complete":
            raise UsageError(f"run_id: run {self.id} is already complete; nothing to resume", field="run_id")
        if not _take_lock(self.dir, wait_s=1.0):
            raise UsageError(f"run_id: run {self.id} is still running in pid {self.meta.get('pid', '?')}; stop it first",
                             field="run_id")
        self.meta = json.loads((self.dir / "run.json").read_text(encoding="utf-8"))  # as its last owner left it
        if self.meta["status"] == "complete":
            _let_go(self.dir)
            raise UsageError(f"run_id: run {self.id} is already complete; nothing to resume", field="run_id")
        self.meta["resumes"] = self.meta.get("resumes", 0) + 1
        self.meta["timings"]["started_unix"] = time.time()
        self.update(status="running", pid=os.getpid(), pid_started=process_started(os.getpid()))


class RunStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def create(self, tool: str, params: dict, seed: int | None = None, model: dict | None = None) -> Run:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        while True:
            run_id = f"{stamp}-{tool}-{secrets.token_hex(2)}"
            try:
                (self.root / run_id).mkdir(mode=0o700)
                break
            except FileExistsError:
                continue
        _take_lock(self.root / run_id)  # a fresh folder: nobody else holds it
        run = Run(
            self.root / run_id,
            {
                "id": run_id,
                "tool": tool,
                "params": params,
                "seed": seed,
                "status": "running",
                "pid": os.getpid(),
                "pid_started": process_started(os.getpid()),
                "created": _now(),
                "versions": package_versions(),
                "model": model,
                "timings": {"started_unix": time.time()},
                "summary": "",
            },
        )
        run._write_meta()
        return run

    def get(self, run_id: str) -> Run:
        path = self.root / run_id / "run.json"
        if not run_id or "/" in run_id or not path.exists():
            raise UsageError(f"run_id: no run {run_id!r} in {self.root} (see `parley runs list`)", field="run_id")
        return Run(path.parent, json.loads(path.read_text(encoding="utf-8")))

    def list(self, tool: str | None = None, limit: int | None = None) -> list[Run]:
        """Runs, newest first: in the index's order, each read from its folder."""
        if not self.root.exists():
            return []
        try:
            runindex.sync(self.root)
            ids = runindex.ids(self.root, tool)
        except (sqlite3.Error, OSError):
            return self.scan(tool, limit)  # no usable index: read every folder
        runs = []
        for run_id in ids:
            try:
                run = self.get(run_id)
            except (UsageError, OSError, json.JSONDecodeError):
                continue  # removed since the index was read
            runs.append(run)
            if limit and len(runs) >= limit:
                break
        return runs

    def scan(self, tool: str | None = None, limit: int | None = None) -> list[Run]:
        """Runs, newest first, by reading every run folder (what `list` does without an index)."""
        if not self.root.exists():
            return []
        runs = []
        for path in sorted(self.root.glob("*/run.json"), reverse=True):
            try:
                run = Run(path.parent, json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue  # a folder being created right now
            if tool is None or run.meta.get("tool") == tool:
                runs.append(run)
        runs.sort(key=lambda r: r.meta.get("created", ""), reverse=True)
        return runs[:limit] if limit else runs

    def discard(self, run_id: str) -> None:
        """Remove a run that computed nothing (it failed on bad input before starting)."""
        import shutil

        run_dir = self.get(run_id).dir
        _let_go(run_dir)
        shutil.rmtree(run_dir)
        try:
            runindex.sync(self.root)
        except (sqlite3.Error, OSError):
            pass
