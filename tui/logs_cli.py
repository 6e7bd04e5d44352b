"""`parley logs ...` and `parley rate`: read, export and rate dialogue logs.

    parley logs list [--json]                          sessions, newest first
    parley logs show SESSION [--json]                  a readable transcript and its summary
    parley logs export [SESSION...] [--session ID] --out DIR [--format jsonl|csv]
    parley rate [TURN] SCORE [--session ID] [--comment TEXT]

SESSION may be `last` or `latest` (the newest session); every session argument goes
through `agent.log_sessions.resolve_session`. Bad input exits 2 with one `error: ...`
line on stderr.
Nothing here imports torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from backends.core.errors import UsageError

logs_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Dialogue logs: list, show, export.")

EXIT_BAD_INPUT = 2


def _home() -> Path:
    from backends.core.settings import get_settings

    return get_settings().home


def _fail(e: UsageError) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


MAX_ID = 255  # a run or session id, a model name
MAX_PATH = 4096


def check_id(field: str, value: str | None, limit: int = MAX_ID) -> str | None:
    """An id as typed: at most `limit` characters; a one-line UsageError that never echoes a long one."""
    if value is not None and len(value) > limit:
        raise UsageError(f"{field}: too long (max {limit})", field=field)
    return value


def _resolve(home: Path, session: str | None) -> str:
    from agent.log_sessions import resolve_session

    return resolve_session(home, check_id("session", session))


def _out_dir(out: Path) -> Path:
    """--out: a folder (made if missing); a file there, a NUL or an overlong name is a one-line error."""
    text = str(out)
    check_id("--out", text, MAX_PATH)
    if "\0" in text or any(len(part) > MAX_ID for part in text.split("/")):
        raise UsageError(f"--out: not a usable folder name (at most {MAX_ID} characters a name, no NUL)", field="out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file, not a folder; give a folder to write the logs into", field="out")
    return out


@logs_app.command("list")
def logs_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON list of sessions.")) -> None:
    """Sessions, newest first: id, started, provider, turns, last event."""
    from agent.log_sessions import list_sessions

    try:
        sessions = list_sessions(_home())
    except UsageError as e:
        _fail(e)
    if as_json:
        typer.echo(json.dumps(sessions, indent=1, ensure_ascii=False))
        return
    if not sessions:
        typer.echo("no sessions yet")
    for s in sessions:
        typer.echo(
            f"{s['session']}  started {s['started'] or '-'}  {s['provider'] or '-'}  "
            f"{s['turns']} turn{'' if s['turns'] == 1 else 's'}  last {s['last_event'] or '-'}"
        )


@logs_app.command("show")
def logs_show(
    session: str = typer.Argument(..., help="A session id (see `parley logs list`), or `last` / `latest`."),
    as_json: bool = typer.Option(False, "--json", help="Print {session, events, summary} as JSON."),
) -> None:
    """A session's transcript: turns, messages, tool calls, ratings, predictions; then its summary."""
    from agent.dialogue_log import read_events
    from agent.log_render import session_summary
    from agent.log_sessions import session_path

    try:
        home = _home()
        session = _resolve(home, session)
        events = read_events(session_path(home, session))
    except UsageError as e:
        _fail(e)
    summary = session_summary(events)
    if as_json:
        typer.echo(json.dumps({"session": session, "events": events, "summary": summary}, indent=1, ensure_ascii=False))
        return
    for line in transcript(events):
        typer.echo(line)
    typer.echo("")
    typer.echo(format_summary(summary))


def _indent(text: str, prefix: str) -> str:
    lines = str(text).splitlines() or [""]
    pad = " " * len(prefix)
    return "\n".join([prefix + lines[0], *(pad + line for line in lines[1:])])


_LABELS = {"user_model": "user model", "user_model_correction": "user-model correction"}


def _clip(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def transcript(events: list[dict]) -> list[str]:
    """Readable lines, grouped by turn."""
    from agent.log_render import event_text, rating_history_text, reply_flags

    lines: list[str] = []
    current = None
    rated: dict = {}  # every score given to a turn so far, in order
    for e in events:
        t, turn = e.get("type"), e.get("turn")
        if t == "session_start":
            lines.append(
                f"session {e.get('session')}  started {e.get('ts')}  provider {e.get('provider')}  "
                f"model {e.get('model')}  seed {e.get('seed')}"
            )
            continue
        if turn is not None and turn != current:
            current = turn
            lines.append(f"\n[turn {turn}]")
        seq = f"#{e.get('seq')} "
        if t == "user_message":
            lines.append(_indent(e.get("text", ""), f"  {seq}user: "))
        elif t == "assistant_message":
            flags = reply_flags(e)
            lines.append(_indent(e.get("text", ""), f"  {seq}assistant{' (' + ', '.join(flags) + ')' if flags else ''}: "))
        elif t == "tool_call":
            status = e.get("status") or ("ok" if e.get("ok") else "FAILED" if e.get("ok") is False else "?")
            if e.get("ok") is False:
                status = f"FAILED ({status})" if status not in ("FAILED", "failed") else "FAILED"
            line = f"  {seq}tool {e.get('name')} {_clip(json.dumps(e.get('args', {}), ensure_ascii=False))}  [{status}]"
            line += f"  run {e['run_id']}" if e.get("run_id") else ""
            line += f"  {e['duration_s']}s" if e.get("duration_s") is not None else ""
            line += f"\n      error: {e['error']}" if e.get("error") else ""
            lines.append(line)
        elif t == "rating":
            scores = rated.setdefault(turn if turn is not None else f"seq {e.get('seq')}", [])
            scores.append(e.get("score"))
            again = f"  [turn {turn} {rating_history_text(scores)}]" if len(scores) > 1 else ""
            lines.append(_indent(event_text(e) + again, f"  {seq}rating: "))
        elif t in ("prediction", "outcome", "error"):
            lines.append(f"  {seq}{t}: {event_text(e)}")
        else:  # approval, user_model, user_model_correction, and any later kind
            lines.append(f"  {seq}{_LABELS.get(t, t)}: {_clip(event_text(e))}")
    return lines


def format_summary(s: dict) -> str:
    tools = ", ".join(f"{name} x{n}" for name, n in s["tools_used"].items()) or "none"
    from agent.log_render import rating_history_text

    rating = f"{s['mean_rating']:.2f} from {s['ratings']} rating{'' if s['ratings'] == 1 else 's'}" if s["ratings"] else "no ratings"
    history = s.get("rating_history") or {}
    if s.get("rating_events", 0) > s["ratings"]:
        rating += f" ({s['rating_events']} given; a turn rated again counts its last)"
    rerated = [f"    turn {turn}: {rating_history_text(scores)}" for turn, scores in history.items() if len(scores) > 1]
    sources = ", ".join(f"{k} x{n}" for k, n in (s.get("approval_sources") or {}).items()) or "none"
    clarifying = f"{s.get('clarifying_replies', 0)} ({s.get('no_match_replies', 0)} where no tool matched)"
    accuracy = (
        f"{s['prediction_accuracy']:.0%} right of {s['outcomes']} checked" if s["prediction_accuracy"] is not None else "none checked"
    )
    return "\n".join([
        "summary",
        f"  turns: {s['turns']}",
        f"  tools used: {tools}; {s['tool_failures']} failed",
        f"  mean rating: {rating}",
        *rerated,
        f"  approvals (decision, source): {sources}",
        f"  clarifying replies: {clarifying}",
        f"  user-model snapshots: {s.get('user_model_snapshots', 0)}",
        f"  predictions: {s['predictions']} ({accuracy})",
        f"  user-model corrections: {s['user_model_corrections']}",
        f"  errors: {s['errors']}",
    ])


@logs_app.command("export")
def logs_export(
    sessions: Optional[List[str]] = typer.Argument(None, help="Session ids (or `last` / `latest`); default all."),
    session_option: Optional[List[str]] = typer.Option(None, "--session", help="A session id, or `last`; repeatable."),
    out: Path = typer.Option(..., "--out", help="Folder to write into (created if missing)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (copies of the logs) or csv (one per session + summary.csv)."),
) -> None:
    """Write sessions' logs to a folder, as JSONL or CSV; prints the files written."""
    from agent.log_export import export

    try:
        home = _home()
        named = [*(sessions or []), *(session_option or [])]
        ids = [_resolve(home, s) for s in named] if named else None
        written = export(home, ids, _out_dir(out), fmt=fmt)
    except UsageError as e:
        _fail(e)
    except OSError as e:  # a folder that cannot be made or written (no permission, a file in the way)
        _fail(UsageError(f"--out: cannot write the logs there ({e.strerror or type(e).__name__})", field="out"))
    for path in written:
        typer.echo(str(path))


def _whole(name: str, value: str, allowed: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{name}: {value!r} is not a whole number; allowed {allowed}", field=name) from None


def rate_cmd(
    numbers: List[str] = typer.Argument(..., metavar="[TURN] SCORE", help="The score 1-5, optionally after the turn it rates."),
    turn_option: Optional[int] = typer.Option(None, "--turn", help="The turn to rate; default the last assistant turn."),
    session: Optional[str] = typer.Option(None, "--session", help="Session id, or `last`; default the latest session."),
    comment: Optional[str] = typer.Option(None, "--comment", help="Why this score."),
) -> None:
    """Rate an assistant turn 1-5: `parley rate 4` rates the last turn, `parley rate 3 4` turn 3."""
    from agent.log_rating import rate

    try:
        if len(numbers) > 2:
            raise UsageError(f"score: expected [TURN] SCORE, got {len(numbers)} values", field="score")
        score = _whole("score", numbers[-1], "1 to 5")
        turn = _whole("turn", numbers[0], "an answered turn") if len(numbers) == 2 else None
        if turn is not None and turn_option is not None and turn != turn_option:
            raise UsageError(f"turn: given twice ({turn} and --turn {turn_option}); give one", field="turn")
        turn = turn if turn is not None else turn_option
        home = _home()
        event = rate(home, _resolve(home, session), score, turn=turn, comment=comment)
    except UsageError as e:
        _fail(e)
    typer.echo(f"rated turn {event['turn']} of session {event['session']}: {event['score']}/5")
