"""Dialogue logs exported for annotators: JSONL byte for byte, or one CSV per session
(one row per event, one column per field) plus `summary.csv`."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.dialogue_log import read_events
from agent.log_render import _summary_row, event_text, session_summary
from agent.log_sessions import session_path, session_paths
from backends.core.errors import UsageError

EXPORT_FORMATS = ("jsonl", "csv")
# The user model's fields, flattened: lists joined by ';', preferences.<name> as pref_<name>
# (tests check these against agent.user_model.UserModel).
USER_MODEL_LISTS = ("goals", "known_concepts", "asked_about", "misconceptions", "open_questions")
USER_MODEL_PREFERENCES = ("detail", "math", "plots", "predict_first", "glossary", "standing")
USER_MODEL_COLUMNS = ("expertise", "background", *USER_MODEL_LISTS, *(f"pref_{p}" for p in USER_MODEL_PREFERENCES),
                      "changes")
# The first five columns are the original ones, in their order; the rest are one field each.
CSV_COLUMNS = ("seq", "ts", "type", "turn", "text", "source", "decision", "score", "comment", "intent", "clarifying",
               "no_match", "correct", *USER_MODEL_COLUMNS)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def csv_row(event: dict) -> list:
    """One event as a CSV row of CSV_COLUMNS: the readable text, then one field per column."""
    e = event
    turn = e.get("turn")
    row = {"seq": e.get("seq"), "ts": e.get("ts"), "type": e.get("type"), "turn": turn, "text": event_text(e)}
    for key in ("source", "decision", "score", "comment", "intent", "correct"):
        row[key] = e.get(key)
    if e.get("type") == "assistant_message":
        row["clarifying"] = bool(e.get("clarifying"))
        row["no_match"] = bool(e.get("no_match"))
    snapshot = e.get("snapshot") if e.get("type") == "user_model" else None
    if isinstance(snapshot, dict):
        for key in ("expertise", "background", *USER_MODEL_LISTS):
            row[key] = snapshot.get(key)
        preferences = snapshot.get("preferences") or {}
        for key in USER_MODEL_PREFERENCES:
            row[f"pref_{key}"] = preferences.get(key)
        row["changes"] = e.get("changes") or []
    return [_cell(row.get(column)) for column in CSV_COLUMNS]


# ---------------------------------------------------------------- export


def export(home: Path, session_ids: Iterable[str] | None, out_dir: Path, fmt: str = "jsonl") -> list[Path]:
    """Copy sessions' logs to `out_dir` as JSONL (byte for byte), or as one CSV each
    (CSV_COLUMNS: seq, ts, type, turn, text, then one column per field: an approval's
    source, a rating's score, a reply's intent and flags, the user model's fields, ...)
    plus `summary.csv` (one row per session)."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"format: {fmt!r} is not a format; allowed {' or '.join(EXPORT_FORMATS)}", field="format")
    ids = list(session_ids) if session_ids else [p.stem for p in session_paths(home)]
    sources = [(sid, session_path(home, sid)) for sid in ids]  # check them all before writing
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summaries = []
    for sid, source in sources:
        target = out_dir / f"{sid}.{fmt}"
        if fmt == "jsonl":
            shutil.copyfile(source, target)
        else:
            events = read_events(source)
            with open(target, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(CSV_COLUMNS)
                for e in events:
                    writer.writerow(csv_row(e))
            summaries.append({**session_summary(events), "session": sid})
        written.append(target)
    if fmt == "csv":
        target = out_dir / "summary.csv"
        columns = list(session_summary([]).keys())
        with open(target, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for s in summaries:
                writer.writerow(_summary_row(s))
        written.append(target)
    return written
