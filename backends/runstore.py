"""The run store: one folder per run under `PARLEY_HOME/runs/<run_id>/`.

    run.json       what was asked and how it went: tool, params, seed, status, versions,
                   model, timings, and the compact summary
    results.json   the full results (complete, or what a partial run finished)
    checkpoint.json   state a stopped run needs to resume (removed once complete)

Every file is written atomically (temp file in the same folder, fsync, rename), so a
crash never leaves half a run that reads as whole. Status is one of `running`,
`partial` (stopped midway: keeps what it finished, can resume), `complete`, `failed`.
A `running` run whose process died reads as `partial`.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.errors import UsageError

STATUSES = ("running", "partial", "complete", "failed")
_VERSIONED = ("parley", "torch", "transformers", "nnsight", "sentence-transformers", "numpy")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as JSON, redacted (no secret in a run file), owner-only (0600: mkstemp's mode)."""
    from backends.redaction import redact

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
        if status == "running" and not _pid_alive(self.meta.get("pid", -1)):
            return "partial"  # its process died mid-run: what it saved is all there is
        return status

    @property
    def results(self) -> dict:
        path = self.dir / "results.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    @property
    def checkpoint(self) -> dict | None:
        path = self.dir / "checkpoint.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def _write_meta(self) -> None:
        write_json_atomic(self.dir / "run.json", self.meta)

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
        self._write_meta()

    def add_timing(self, name: str, seconds: float) -> None:
        self.meta["timings"][name] = round(seconds, 3)

    def resume(self) -> None:
        """Mark a partial run running again in this process; its results and checkpoint stay."""
        if self.status == "complete":
            raise UsageError(f"run_id: run {self.id} is already complete; nothing to resume", field="run_id")
        self.meta["resumes"] = self.meta.get("resumes", 0) + 1
        self.meta["timings"]["started_unix"] = time.time()
        self.update(status="running", pid=os.getpid())


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
        run = Run(
            self.root / run_id,
            {
                "id": run_id,
                "tool": tool,
                "params": params,
                "seed": seed,
                "status": "running",
                "pid": os.getpid(),
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
        """Runs, newest first."""
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

        shutil.rmtree(self.get(run_id).dir)
