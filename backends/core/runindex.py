"""The run store's index: one SQLite row per run, so listing runs reads no other run's folder.

`runs/index.sqlite` (WAL, owner-only) holds per run: id, tool, created, status as last
written (a dead run's `running` is corrected when a run is read, not here) and the mtime of
the run.json it came from. Every write of a run.json updates its row; a row only moves
forward (an older run.json never overwrites a newer row). Summaries, params and results
stay in run.json: the index holds nothing a run file does not, and no free text.

The folders are the truth. `sync` costs one directory listing: it adds rows for folders the
index lacks (runs made by an older Parley, a crash between the two writes, a deleted index)
and drops rows whose folder is gone. Any SQLite error makes the caller fall back to reading
every folder, so a broken index slows listing down and never loses a run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

NAME = "index.sqlite"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, tool TEXT NOT NULL, created TEXT NOT NULL, "
    "status TEXT NOT NULL, mtime_ns INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS runs_by_tool ON runs (tool, created DESC, id DESC)",
)
_UPSERT = (
    "INSERT INTO runs (id, tool, created, status, mtime_ns) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET tool = excluded.tool, created = excluded.created, status = excluded.status, "
    "mtime_ns = excluded.mtime_ns "
    "WHERE excluded.mtime_ns >= runs.mtime_ns"
)

_open: dict[tuple[int, str], tuple[sqlite3.Connection, threading.Lock]] = {}
_open_lock = threading.Lock()


def _connect(root: Path) -> tuple[sqlite3.Connection, threading.Lock]:
    """One connection per process and store, shared by its threads under a lock."""
    key = (os.getpid(), str(root))
    with _open_lock:
        if key not in _open:
            path = root / NAME
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # owner-only before SQLite opens it
            os.close(fd)
            conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # the folders are the truth: a lost row is re-added by sync
            for statement in _SCHEMA:
                conn.execute(statement)
            _open[key] = (conn, threading.Lock())
        return _open[key]


def _row(meta: dict, mtime_ns: int) -> tuple:
    return (meta["id"], str(meta.get("tool") or ""), str(meta.get("created") or ""), str(meta.get("status") or ""),
            mtime_ns)


def put(root: Path, meta: dict, mtime_ns: int) -> None:
    """Record one run as its run.json now says (called right after each write of it)."""
    try:
        conn, lock = _connect(root)
        with lock:
            conn.execute(_UPSERT, _row(meta, mtime_ns))
    except (sqlite3.Error, OSError):
        pass  # the next `sync` adds what this missed


def _is_run_folder(entry: os.DirEntry) -> bool:
    return not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)


def sync(root: Path) -> int:
    """Make the index match the folders; return how many rows changed. Raises sqlite3.Error."""
    conn, lock = _connect(root)
    with os.scandir(root) as entries:
        folders = {e.name for e in entries if _is_run_folder(e)}
    with lock:
        known = {row[0] for row in conn.execute("SELECT id FROM runs")}
    missing, gone = folders - known, known - folders
    rows = []
    for name in missing:
        path = root / name / "run.json"
        try:
            mtime_ns = path.stat().st_mtime_ns
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a folder being created right now, or not a run
        if isinstance(meta, dict) and meta.get("id") == name:
            rows.append(_row(meta, mtime_ns))
    if rows or gone:
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(_UPSERT, rows)
                conn.executemany("DELETE FROM runs WHERE id = ?", [(name,) for name in gone])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    return len(rows) + len(gone)


def ids(root: Path, tool: str | None = None) -> Iterator[str]:
    """Run ids, newest first (by created, then id), of one tool or all. Raises sqlite3.Error."""
    conn, lock = _connect(root)
    where, params = ("WHERE tool = ?", (tool,)) if tool is not None else ("", ())
    with lock:
        found = [row[0] for row in conn.execute(f"SELECT id FROM runs {where} ORDER BY created DESC, id DESC", params)]
    return iter(found)
