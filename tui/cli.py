"""The `parley` command line.

    parley                          open the chat
    parley tools [--json]           list tools (never imports torch)
    parley tool NAME --args JSON    run one tool; exactly one JSON object on stdout
    parley runs list | show ID | resume ID
    parley ask MESSAGE [--session ID] [--provider P] [--json] [--yes] [--user-model]
    parley sessions;  parley user-model show|set KEY=VALUE [--session ID|last]
    parley logs list|show|export;  parley rate [TURN] SCORE
    parley organisms list | build NAME [--yes] | show NAME

`parley tool` exits 0 on success, 2 on bad input (malformed JSON, unknown tool, a
schema or bound violation, an unknown model) and 1 on an internal failure; its
progress goes to stderr.

The command groups live in modules of their own: tools_cli (tools, tool), runs_cli
(runs), logs_cli (logs, rate); what they print and ask at the terminal is in terminal.
"""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from backends.core.errors import UsageError
from backends.core.settings import get_settings
from tui.logs_cli import check_id, logs_app, rate_cmd
from tui.organisms_cli import organisms_app
from tui.runs_cli import runs_app
from tui.terminal import EXIT_BAD_INPUT, StderrProgress, ask_approval, ask_prediction, emit, print_preflight
from tui.tools_cli import tool_cmd, tools_cmd

app = typer.Typer(add_completion=False, no_args_is_help=False, help="Parley: interpretability experiments in conversation.")
app.add_typer(runs_app, name="runs")
app.add_typer(logs_app, name="logs")
app.add_typer(organisms_app, name="organisms")
app.command("rate")(rate_cmd)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    session: Optional[str] = typer.Option(None, "--session", help="Resume this session id (or `last`) in the chat."),
    provider: Optional[str] = typer.Option(None, "--provider", help="anthropic, openai or offline."),
) -> None:
    """Without a command, open the chat."""
    if ctx.invoked_subcommand is None:
        if session is not None:  # a bad --session is an error before any screen opens, never a new session
            from agent.log_sessions import resolve_session

            resolve_session(get_settings().home, check_id("session", session))
        if sys.stdin.isatty() and sys.stdout.isatty():
            from tui.app import run

            run(session, provider)
        else:  # piped: the plain line-by-line chat
            from tui.chat import chat

            chat(session, provider)


app.command("tools")(tools_cmd)
app.command("tool")(tool_cmd)


# --- the agent, one turn at a time -------------------------------------------------------------


@app.command("ask")
def ask_cmd(
    message: Optional[str] = typer.Argument(None, help="What to ask; omit with --user-model to only print it."),
    session: Optional[str] = typer.Option(None, "--session", help="Resume this session id (or `last`); default: a new one."),
    provider: Optional[str] = typer.Option(None, "--provider", help="anthropic, openai or offline (default: by the keys set)."),
    as_json: bool = typer.Option(False, "--json", help="Print {session, reply, tool_calls, user_model} as JSON."),
    yes: bool = typer.Option(False, "--yes", help="Approve expensive tools without asking."),
    show_user_model: bool = typer.Option(False, "--user-model", help="Print what Parley believes about you."),
) -> None:
    """Run one agent turn without the full-screen interface."""
    from agent.session import Session, approve_all, deny_all, skip_prediction

    if not message and not show_user_model:
        raise UsageError("message: say something, or pass --user-model to print the user model", field="message")
    convo = Session.open(check_id("session", session), provider=provider)
    interactive = sys.stdin.isatty() and not as_json

    def approve_flagged(request: dict) -> dict:  # --yes: say what it will cost, then approve
        print_preflight(request)
        return approve_all(request)

    streamed = []

    def token(text: str) -> None:
        streamed.append(text)
        if not as_json:
            sys.stdout.write(text)
            sys.stdout.flush()

    bar = StderrProgress()
    try:
        if message:
            result = convo.turn(
                message,
                approve=approve_flagged if yes else (ask_approval if interactive else deny_all),
                predict=ask_prediction if interactive else skip_prediction,
                on_token=token,
                on_progress=lambda p: bar(p["done"], p["total"], f"{p['tool']}: {p['note']}"),
            )
            bar.close()
            if as_json:
                emit(result.to_json())
            elif not streamed:
                typer.echo(result.reply)
            else:
                typer.echo("")
        if show_user_model:
            model = convo.user_model.model_dump()
            typer.echo(json.dumps({"session": convo.id, "user_model": model}, indent=1) if as_json and not message
                       else "user model: " + json.dumps(model, indent=1))
        sys.stdout.flush()  # the reply's last line before the session line on a shared terminal
        sys.stderr.write(f"session: {convo.id}\n")
    finally:
        bar.close()
        convo.close()


@app.command("sessions")
def sessions_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Sessions, newest first; resume one with `parley ask --session ID`."""
    from agent.log_sessions import list_sessions

    rows = list_sessions(get_settings().home)
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    if not rows:
        typer.echo("no sessions yet")
    for row in rows:
        typer.echo(f"{row['session']}  {row.get('provider') or '?':<9}  {row.get('turns', 0)} turns  last {row.get('last_event') or ''}")


user_model_app = typer.Typer(add_completion=False, help="What Parley believes about you: read it, correct it.")
app.add_typer(user_model_app, name="user-model")


@user_model_app.command("show")
def user_model_show(session: str = typer.Option("last", "--session", help="Session id, or `last`.")) -> None:
    from agent.session import Session

    convo = Session.open(check_id("session", session), provider="offline")  # reading needs no LLM
    try:
        typer.echo(json.dumps(convo.user_model.model_dump(), indent=1))
    finally:
        convo.close()


@user_model_app.command("set")
def user_model_set(
    assignments: list[str] = typer.Argument(..., help="KEY=VALUE, e.g. expertise=novice preferences.detail=brief"),
    session: str = typer.Option("last", "--session", help="Session id, or `last`."),
) -> None:
    """Correct the user model; the change is logged and the agent sees it next turn."""
    from agent.session import Session

    convo = Session.open(check_id("session", session), provider="offline")  # a correction needs no LLM
    try:
        for item in assignments:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"user model: expected KEY=VALUE, got {item!r}", field="user_model")
            model = convo.correct_user_model(key, value)
        typer.echo(json.dumps(model.model_dump(), indent=1))
    finally:
        convo.close()


def _check_text(argv: list[str]) -> None:
    """Arguments are text: bytes that are not UTF-8 (a stray binary paste) are a one-line error."""
    for n, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"arguments: argument {n} is not valid UTF-8 text", field="arguments") from None


def main() -> None:
    from backends.core.settings import private_umask

    private_umask()  # logs, checkpoints, memory and runs are the user's alone: files 0600, folders 0700
    try:
        _check_text(sys.argv[1:])
        app()
    except UsageError as e:  # bad settings or input outside `parley tool`: one line, no traceback
        sys.stderr.write(f"error: {e}\n")
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
