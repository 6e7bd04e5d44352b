"""The dialogue log: every session, event by event, for humans to evaluate.

One JSONL file per session at `PARLEY_HOME/logs/<session_id>.jsonl`, one event per
line. Each line is written with one `write`, flushed and `os.fsync`ed before `append`
returns, so killing the process loses no event that was logged. Reopening a session
continues its `seq` (a resumed chat, or `parley rate` from another shell, appends).

Every event carries `seq` (1, 2, ... per session), `ts` (ISO 8601, UTC), `session`
and `type`, plus the fields of its type:

    session_start          provider, model, versions, settings (minus secrets), seed
    user_message           turn, text
    assistant_message      turn, text, intent, clarifying, no_match, shown
    tool_call              turn, name, args, run_id, duration_s, status, ok, error
    user_model             turn, snapshot, changes        (every turn: the model after it, and what changed)
    user_model_correction  field, old, new, source        (the user fixed a belief)
    prediction             turn, question, options, answer   (the user's guess first)
    outcome                turn, prediction_seq, actual, correct
    approval               turn, tool, args, decision (approve|deny|edit), edited_args,
                           source (user: a person answered; flag: --yes approved it;
                           automatic: no terminal to ask and no --yes, so it was denied)
    rating                 turn, score (1-5), comment
    error                  turn, kind, message

Secrets never reach the file: before writing, `redact` replaces with "[redacted]"
every exact occurrence of the secrets the log was given, of the values (8+ chars) of
environment variables named `*_API_KEY` or `*_TOKEN`, and of strings shaped like
API keys (`sk-...`, `sk-ant-...`); and the string values under keys that name a
secret (`api_key`, `*_api_key`, `authorization`, `password`, `token`, ...).

`intent` is the offline planner's reading (run, answer, show, clarify, ask); a reply
that asks back instead of answering has `clarifying: true` (intents clarify and ask),
and one where no tool matched the request also `no_match: true` (intent clarify).

A `turn` is one user message and what answered it; `next_turn()` is the turn the
next user message opens. Every rating is kept (the log is append-only) and shown;
in summaries a turn rated twice counts its latest rating, and a prediction with two
outcomes its latest outcome.

This module writes and reads one log. Listing sessions and resolving a `--session`
argument (an id, `last` or `latest`) is in log_sessions.py, rating in log_rating.py,
the JSONL and CSV export in log_export.py, the text people read in log_render.py and
redaction in redaction.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets as _secrets
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.redaction import redact
from backends.core.errors import UsageError

try:  # cross-process appends (a chat and `parley rate` at once) take turns
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

EVENT_TYPES = (
    "session_start",
    "user_message",
    "assistant_message",
    "tool_call",
    "user_model",
    "user_model_correction",
    "prediction",
    "outcome",
    "approval",
    "rating",
    "error",
)
APPROVAL_DECISIONS = ("approve", "deny", "edit")

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")



def _plain(obj: Any) -> Any:
    """JSON-ready: everything not JSON becomes a list (arrays) or a string, so redaction sees it."""
    return json.loads(json.dumps(obj, ensure_ascii=False, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):  # pydantic models (the user model, settings)
        return value.model_dump(mode="json")
    if hasattr(value, "tolist"):  # numpy arrays and tensors
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


# ---------------------------------------------------------------- the log


_ISSUED: set[str] = set()


def new_session_id(home: Path | None = None) -> str:
    """A sortable session id: local time to the second plus 4 random hex digits; never one this process
    gave before, nor one whose log already exists under `home` (a new session must not append to an old one)."""
    while True:
        session_id = f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}-{_secrets.token_hex(2)}"
        if session_id not in _ISSUED and not (home is not None and (logs_dir(home) / f"{session_id}.jsonl").exists()):
            _ISSUED.add(session_id)
            return session_id


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def logs_dir(home: Path) -> Path:
    return Path(home) / "logs"


def check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise UsageError(
            f"session: {session_id!r} is not a session id; allowed letters, digits, '.', '_' and '-'",
            field="session",
        )
    return session_id


def read_events(path: Path) -> list[dict]:
    """The events of one log file; a torn last line (a kill mid-write) is skipped."""
    events = []
    try:
        with open(path, "rb") as f:
            for raw in f:
                try:
                    event = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue
                if isinstance(event, dict):
                    events.append(event)
    except FileNotFoundError:
        return []
    return events


class DialogueLog:
    """Append-only event log of one session (see the module docstring for event types)."""

    def __init__(self, home: Path, session_id: str, secrets: Iterable[str] = ()):
        self.home = Path(home)
        self.session_id = check_session_id(session_id)
        self.path = logs_dir(self.home) / f"{session_id}.jsonl"
        self.secrets = [s for s in secrets if isinstance(s, str) and s]
        self._lock = threading.Lock()
        self._file = None
        self._seq = 0
        self._user_messages = 0
        self._size = 0  # bytes of the file accounted for in _seq
        self._ends_with_newline = True
        self._catch_up()

    # -- reading

    def events(self) -> list[dict]:
        return read_events(self.path)

    def next_turn(self) -> int:
        """The turn the next user message opens: 1 + user messages so far."""
        with self._lock:
            self._catch_up()
            return self._user_messages + 1

    @property
    def last_seq(self) -> int:
        return self._seq

    def _catch_up(self) -> None:
        """Account for bytes other writers (or an earlier process) added since we last looked."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == self._size:
            return
        if size < self._size:  # truncated or replaced: start over
            self._size, self._seq, self._user_messages = 0, 0, 0
        with open(self.path, "rb") as f:
            f.seek(self._size)
            tail = f.read(size - self._size)
        for raw in tail.splitlines():
            try:
                event = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if not isinstance(event, dict):
                continue
            if isinstance(event.get("seq"), int):
                self._seq = max(self._seq, event["seq"])
            if event.get("type") == "user_message":
                self._user_messages += 1
        self._size = size
        self._ends_with_newline = tail.endswith(b"\n") if tail else self._ends_with_newline

    # -- writing

    def append(self, type: str, **fields: Any) -> dict:
        """Write one event (redacted), flushed and fsynced; returns the event as written."""
        if not isinstance(type, str) or not type:
            raise UsageError(f"type: {type!r} is not an event type; allowed {', '.join(EVENT_TYPES)}", field="type")
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._file = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
            if fcntl is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
            try:
                self._catch_up()
                event = {"seq": self._seq + 1, "ts": _now(), "session": self.session_id, "type": type}
                event.update({k: v for k, v in fields.items() if k not in event})
                event = redact(_plain(event), self.secrets)
                line = json.dumps(event, ensure_ascii=False) + "\n"
                data = line.encode("utf-8")
                if not self._ends_with_newline:  # a torn line from a killed writer: start afresh
                    data = b"\n" + data
                self._file.write(data)
                self._file.flush()
                os.fsync(self._file.fileno())
                self._seq = event["seq"]
                self._size += len(data)
                self._ends_with_newline = True
                if type == "user_message":
                    self._user_messages += 1
            finally:
                if fcntl is not None:
                    fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        return event

    def start(self, provider: str, model: str, settings: Any = None, seed: int | None = None, **extra: Any) -> dict:
        """Write `session_start` with package versions and the settings minus secrets."""
        from backends.core.runstore import package_versions

        if settings is not None and hasattr(settings, "model_dump"):
            settings = settings.model_dump(mode="json")
        return self.append(
            "session_start", provider=provider, model=model, versions=package_versions(),
            settings=settings, seed=seed, **extra,
        )

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> "DialogueLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # pragma: no cover - best effort
        try:
            if self._file is not None:
                self._file.close()
        except Exception:
            pass
