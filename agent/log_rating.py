"""Ratings of assistant turns, appended to a session's dialogue log (`parley rate`, /rate, the app)."""

from __future__ import annotations

from pathlib import Path

from agent.dialogue_log import DialogueLog, read_events
from agent.log_render import SCORE_MAX, SCORE_MIN
from agent.log_sessions import resolve_session, session_path
from backends.core.errors import UsageError


def rate(home: Path, session_id: str | None, score: int, turn: int | None = None, comment: str | None = None) -> dict:
    """Append a `rating` (1 to 5) of one assistant turn: by default the session's
    latest (`session_id` None, `last` or `latest`) and its last assistant turn. Every
    rating is kept; summaries count a turn's last. Bad input is a one-line UsageError."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise UsageError(f"score: {score!r} is not a whole number; allowed {SCORE_MIN} to {SCORE_MAX}", field="score")
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise UsageError(f"score: {score} is out of range; allowed {SCORE_MIN} to {SCORE_MAX}", field="score")
    session_id = resolve_session(home, session_id)
    events = read_events(session_path(home, session_id))
    answered = sorted({e["turn"] for e in events if e.get("type") == "assistant_message" and isinstance(e.get("turn"), int)})
    if not answered:
        raise UsageError(f"turn: session {session_id} has no assistant turn yet; nothing to rate", field="turn")
    if turn is None:
        turn = answered[-1]
    elif isinstance(turn, bool) or not isinstance(turn, int) or turn not in answered:
        allowed = f"{answered[0]} to {answered[-1]}" if len(answered) > 1 else str(answered[0])
        if answered != list(range(answered[0], answered[-1] + 1)):
            allowed = ", ".join(map(str, answered))
        raise UsageError(f"turn: {turn} is not an answered turn of session {session_id}; allowed {allowed}", field="turn")
    with DialogueLog(home, session_id) as log:
        return log.append("rating", turn=turn, score=score, comment=comment)
