"""Sessions found by their dialogue logs: list them, and resolve what a `--session` names.

A `--session` argument anywhere (`ask`, `rate`, `logs show|export`, `user-model`) goes
through `resolve_session`: a session id, or `last` / `latest` for the newest session.
"""

from __future__ import annotations

from pathlib import Path

from agent.dialogue_log import check_session_id, logs_dir, read_events
from backends.core.errors import UsageError

LATEST_NAMES = ("last", "latest")


def session_paths(home: Path) -> list[Path]:
    root = logs_dir(home)
    return sorted(root.glob("*.jsonl")) if root.is_dir() else []


def session_path(home: Path, session_id: str) -> Path:
    """The log of an existing session; a one-line UsageError if there is none."""
    check_session_id(session_id)
    path = logs_dir(home) / f"{session_id}.jsonl"
    if not path.is_file():
        raise UsageError(
            f"session: no session {session_id!r} in {logs_dir(home)} (see `parley logs list`)", field="session"
        )
    return path


def list_sessions(home: Path) -> list[dict]:
    """Sessions newest first: session, started, provider, model, turns, events, last_event."""
    rows = []
    for path in session_paths(home):
        events = read_events(path)
        start = next((e for e in events if e.get("type") == "session_start"), {})
        rows.append({
            "session": path.stem,
            "started": start.get("ts") or (events[0].get("ts") if events else None),
            "provider": start.get("provider"),
            "model": start.get("model"),
            "turns": sum(1 for e in events if e.get("type") == "user_message"),
            "events": len(events),
            "last_event": events[-1].get("ts") if events else None,
        })
    rows.sort(key=lambda r: (r["started"] or "", r["session"]), reverse=True)
    return rows


def latest_session(home: Path) -> str:
    sessions = list_sessions(home)
    if not sessions:
        raise UsageError(f"session: no sessions yet in {logs_dir(home)}", field="session")
    return sessions[0]["session"]


def resolve_session(home: Path, session: str | None) -> str:
    """What a `--session` argument names: an existing session's id; `last`, `latest` or
    nothing means the newest session. A one-line UsageError when there is none."""
    if session is None or (isinstance(session, str) and session.strip().lower() in LATEST_NAMES):
        return latest_session(home)
    session_path(home, session)
    return session
