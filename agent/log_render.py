"""A session's events read by people: one text cell per event, and the summary an annotator's CSV gets."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

SCORE_MIN, SCORE_MAX = 1, 5

# Who decided an approval, in words (a log from before `source` was logged has none).
SOURCE_WORDS = {
    "user": "by the user",
    "flag": "by --yes",
    "automatic": "automatically (no terminal to ask, no --yes)",
}


def session_summary(events: list[dict]) -> dict:
    """Turns, tools used, tool failures, ratings, predictions and their accuracy, corrections,
    approvals by decision and by source, clarifying replies.

    `ratings` counts rated turns and `mean_rating` takes each turn's last rating;
    `rating_events` counts every rating given and `rating_history` lists each turn's
    scores in order (the last counts)."""
    by_type: dict[str, list[dict]] = {}
    for e in events:
        by_type.setdefault(e.get("type"), []).append(e)
    tools = by_type.get("tool_call", [])

    ratings: dict[Any, float] = {}  # latest rating per turn
    history: dict[Any, list] = {}  # every rating per turn, in order
    for e in by_type.get("rating", []):
        score = e.get("score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            key = e.get("turn") if e.get("turn") is not None else f"seq {e.get('seq')}"
            ratings[key] = score
            history.setdefault(key, []).append(score)
    replies = by_type.get("assistant_message", [])
    approvals = by_type.get("approval", [])
    outcomes: dict[Any, bool] = {}  # latest outcome per prediction
    for e in by_type.get("outcome", []):
        key = e.get("prediction_seq") if e.get("prediction_seq") is not None else ("seq", e.get("seq"))
        outcomes[key] = bool(e.get("correct"))
    turns = max(
        [len(by_type.get("user_message", []))]
        + [e["turn"] for e in by_type.get("assistant_message", []) if isinstance(e.get("turn"), int)]
    )
    return {
        "session": events[0].get("session") if events else None,
        "turns": turns,
        "tools_used": dict(Counter(e.get("name") for e in tools)),
        "tool_calls": len(tools),
        "tool_failures": sum(1 for e in tools if e.get("ok") is False or e.get("status") == "failed"),
        "mean_rating": round(sum(ratings.values()) / len(ratings), 3) if ratings else None,
        "ratings": len(ratings),
        "rating_events": sum(len(scores) for scores in history.values()),
        "rating_history": history,
        "predictions": len(by_type.get("prediction", [])),
        "outcomes": len(outcomes),
        "prediction_accuracy": round(sum(outcomes.values()) / len(outcomes), 3) if outcomes else None,
        "user_model_corrections": len(by_type.get("user_model_correction", [])),
        "approvals": dict(Counter(e.get("decision") for e in approvals)),
        "approval_sources": dict(Counter(f"{e.get('decision')} {e.get('source') or 'unknown'}" for e in approvals)),
        "clarifying_replies": sum(1 for e in replies if _clarifying(e)),
        "no_match_replies": sum(1 for e in replies if _no_match(e)),
        "user_model_snapshots": len(by_type.get("user_model", [])),
        "errors": len(by_type.get("error", [])),
    }


def _clarifying(event: dict) -> bool:
    """A reply that asks back: flagged, or (older logs) an intent of clarify or ask."""
    return bool(event.get("clarifying")) or event.get("intent") in ("clarify", "ask")


def _no_match(event: dict) -> bool:
    return bool(event.get("no_match")) or event.get("intent") == "clarify"


def reply_flags(event: dict) -> list[str]:
    """The words a transcript puts beside a reply: clarifying, no match."""
    return [word for word, on in (("clarifying", _clarifying(event)), ("no match", _no_match(event))) if on]


def rating_history_text(scores: list) -> str:
    """'4/5', or 'rated 2/5, then 4/5 (the last counts)'."""
    marks = [f"{s}/{SCORE_MAX}" for s in scores]
    return marks[0] if len(marks) == 1 else f"rated {', then '.join(marks)} (the last counts)"


def _short_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def event_text(event: dict) -> str:
    """One readable cell for an event: the message, the tool call, the rating, ..."""
    t, e = event.get("type"), event
    if t in ("user_message", "assistant_message"):
        return str(e.get("text", ""))
    if t == "tool_call":
        text = f"{e.get('name')}({_short_json(e.get('args', {}))})"
        status = e.get("status") or ("ok" if e.get("ok") else "failed" if e.get("ok") is False else "")
        text += f" -> {status}" if status else ""
        text += f" run {e['run_id']}" if e.get("run_id") else ""
        text += f" in {e['duration_s']}s" if e.get("duration_s") is not None else ""
        text += f"; error: {e['error']}" if e.get("error") else ""
        return text
    if t == "user_model":
        return _short_json(e.get("snapshot"))
    if t == "user_model_correction":
        text = f"{e.get('field')}: {_short_json(e.get('old'))} -> {_short_json(e.get('new'))}"
        return text + (f" ({e['source']})" if e.get("source") else "")
    if t == "prediction":
        text = str(e.get("question", ""))
        if e.get("options"):
            text += f" options: {' | '.join(map(str, e['options']))}"
        return text + f"; answer: {e.get('answer')}"
    if t == "outcome":
        verdict = "correct" if e.get("correct") else "wrong"
        return f"prediction #{e.get('prediction_seq')}: actual {e.get('actual')} ({verdict})"
    if t == "approval":
        who = SOURCE_WORDS.get(e.get("source"), f"by {e['source']}" if e.get("source") else "")
        call = f"{e.get('tool')}({_short_json(e.get('args', {}))})"
        text = f"{e.get('decision')} {who}: {call}" if who else f"{e.get('decision')} {call}"
        return text + (f" edited to {_short_json(e['edited_args'])}" if e.get("edited_args") is not None else "")
    if t == "rating":
        return f"{e.get('score')}/{SCORE_MAX}" + (f" {e['comment']}" if e.get("comment") else "")
    if t == "error":
        return f"{e.get('kind')}: {e.get('message')}"
    if t == "session_start":
        return f"provider {e.get('provider')}, model {e.get('model')}, seed {e.get('seed')}"
    rest = {k: v for k, v in e.items() if k not in ("seq", "ts", "session", "type", "turn")}
    return _short_json(rest)


def _summary_row(summary: dict) -> dict:
    row = dict(summary)
    for key in ("tools_used", "approvals", "approval_sources"):
        row[key] = "; ".join(f"{k}:{v}" for k, v in summary[key].items())
    row["rating_history"] = "; ".join(f"turn {k}: {' -> '.join(map(str, v))}" for k, v in summary["rating_history"].items())
    for key in ("mean_rating", "prediction_accuracy"):
        row[key] = "" if summary[key] is None else summary[key]
    return row
