"""A session's events read by people: one text cell per event, and the summary an annotator's CSV gets."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

SCORE_MIN, SCORE_MAX = 1, 5


def session_summary(events: list[dict]) -> dict:
    """Turns, tools used, tool failures, ratings, predictions and their accuracy, corrections."""
    by_type: dict[str, list[dict]] = {}
    for e in events:
        by_type.setdefault(e.get("type"), []).append(e)
    tools = by_type.get("tool_call", [])

    ratings: dict[Any, float] = {}  # latest rating per turn
    for e in by_type.get("rating", []):
        score = e.get("score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            key = e.get("turn") if e.get("turn") is not None else ("seq", e.get("seq"))
            ratings[key] = score
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
        "predictions": len(by_type.get("prediction", [])),
        "outcomes": len(outcomes),
        "prediction_accuracy": round(sum(outcomes.values()) / len(outcomes), 3) if outcomes else None,
        "user_model_corrections": len(by_type.get("user_model_correction", [])),
        "approvals": dict(Counter(e.get("decision") for e in by_type.get("approval", []))),
        "errors": len(by_type.get("error", [])),
    }


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
        text = f"{e.get('decision')} {e.get('tool')}({_short_json(e.get('args', {}))})"
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
    for key in ("tools_used", "approvals"):
        row[key] = "; ".join(f"{k}:{v}" for k, v in summary[key].items())
    for key in ("mean_rating", "prediction_accuracy"):
        row[key] = "" if summary[key] is None else summary[key]
    return row
