"""The `parley` command line.

    parley                          open the chat
    parley tools [--json]           list tools (never imports torch)
    parley tool NAME --args JSON    run one tool; exactly one JSON object on stdout
    parley runs list | show ID | resume ID
    parley ask MESSAGE [--session ID] [--provider P] [--json] [--yes] [--user-model]
    parley sessions;  parley user-model show|set KEY=VALUE [--session ID|last]
    parley logs list|show|export;  parley rate [TURN] SCORE

`parley tool` exits 0 on success, 2 on bad input (malformed JSON, unknown tool, a
schema or bound violation, an unknown model) and 1 on an internal failure; its
progress goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from typing import Optional

import typer

from backends.errors import UsageError
from backends.runstore import RunStore
from backends.settings import get_settings
from tui.logs_cli import check_id, logs_app, rate_cmd

app = typer.Typer(add_completion=False, no_args_is_help=False, help="Parley: interpretability experiments in conversation.")
runs_app = typer.Typer(add_completion=False, help="Runs saved in the run store.")
app.add_typer(runs_app, name="runs")
app.add_typer(logs_app, name="logs")
app.command("rate")(rate_cmd)

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 1


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    session: Optional[str] = typer.Option(None, "--session", help="Resume this session id (or `last`) in the chat."),
    provider: Optional[str] = typer.Option(None, "--provider", help="anthropic, openai or offline."),
) -> None:
    """Without a command, open the chat."""
    if ctx.invoked_subcommand is None:
        if session is not None:  # a bad --session is an error before any screen opens, never a new session
            from agent.dialogue_log import resolve_session

            resolve_session(get_settings().home, check_id("session", session))
        if sys.stdin.isatty() and sys.stdout.isatty():
            from tui.app import run

            run(session, provider)
        else:  # piped: the plain line-by-line chat
            from tui.chat import chat

            chat(session, provider)


@app.command("tools")
def tools_cmd(as_json: bool = typer.Option(False, "--json", help="Print a JSON list of {name, cost, description, schema, examples}.")) -> None:
    """List the tools: name, cost class, description and argument schema."""
    from tools import REGISTRY

    described = [t.describe() for t in REGISTRY.values()]
    if as_json:
        typer.echo(json.dumps(described, indent=1))
        return
    for d in described:
        typer.echo(f"{d['name']}  [{d['cost']}]\n  {d['description']}")
        props, required = d["schema"].get("properties", {}), set(d["schema"].get("required", []))
        for name, spec in props.items():
            typer.echo(f"    {name}{'*' if name in required else ''}: {_type_of(spec)}{_bounds_of(spec)}  {spec.get('description', '')}")
        typer.echo(f"  e.g. \"{d['examples'][0]}\"\n" if d["examples"] else "")


def _type_of(spec: dict) -> str:
    if "anyOf" in spec:
        return " | ".join(_type_of(s) for s in spec["anyOf"])
    return spec.get("type", "any")


def _bounds_of(spec: dict) -> str:
    for s in [spec, *spec.get("anyOf", [])]:
        parts = [f"{op}{s[k]}" for k, op in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")) if k in s]
        if parts:
            return " (" + ", ".join(parts) + ")"
    return f" (default {spec['default']!r})" if "default" in spec and spec["default"] is not None else ""


@app.command("tool")
def tool_cmd(
    name: str = typer.Argument(..., help="Tool name (see `parley tools`)."),
    args: str = typer.Option("{}", "--args", help="Arguments as a JSON object."),
) -> None:
    """Run one tool and print exactly one JSON object on stdout."""
    _run_and_print(name=name, args=args)


@runs_app.command("resume")
def runs_resume(run_id: str = typer.Argument(..., help="A partial run's id.")) -> None:
    """Go on with a partial run, keeping what it finished; prints the tool's JSON."""
    _run_and_print(name=None, args=None, resume=run_id)


def _run_and_print(name: str | None, args: str | None, resume: str | None = None) -> None:
    stop = _StopOnInterrupt()
    progress = StderrProgress()
    try:
        from tools import run_tool

        # Whatever a library prints must not break the one-JSON-object contract.
        with contextlib.redirect_stdout(sys.stderr), stop:
            result = run_tool(name or "", args, progress=progress, should_stop=stop, resume=resume)
        progress.close()
        _emit(result.to_json())
    except UsageError as e:
        progress.close()
        _emit({"ok": False, "error": {"type": type(e).__name__, "field": e.field, "message": str(e)}}, EXIT_BAD_INPUT)
    except Exception as e:  # ours to fix: report it, never a traceback on stdout
        progress.close()
        _emit({"ok": False, "error": {"type": type(e).__name__, "message": str(e).splitlines()[0] if str(e) else ""}}, EXIT_INTERNAL)


def _emit(obj: dict, code: int = 0) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if code:
        raise typer.Exit(code)


class _StopOnInterrupt:
    """First Ctrl-C asks the running tool to stop (it keeps what it finished); a second one aborts."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        sys.stderr.write("\nstopping after the current step (Ctrl-C again to abort)\n")

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread
            self._previous = None
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class StderrProgress:
    """Adapts `progress(done, total, note)` to a tqdm bar on stderr, one bar per stage."""

    def __init__(self):
        self._bar = None
        self._key = None

    def __call__(self, done: int, total: int, note: str = "") -> None:
        from tqdm import tqdm

        if self._bar is None or self._key != (total, note):
            self.close()
            self._bar = tqdm(total=total, desc=note, file=sys.stderr, leave=False, dynamic_ncols=True)
            self._key = (total, note)
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@runs_app.command("list")
def runs_list(
    tool: Optional[str] = typer.Option(None, "--tool", help="Only runs of this tool."),
    limit: int = typer.Option(20, "--limit", min=1, help="Most runs to show."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The newest runs first: id, status, tool, summary's first line."""
    runs = RunStore(get_settings().runs_dir).list(tool=tool, limit=limit)
    if as_json:
        typer.echo(json.dumps([_row(r) for r in runs], indent=1))
        return
    if not runs:
        typer.echo("no runs yet")
    for r in runs:
        row = _row(r)
        typer.echo(f"{row['id']}  {row['status']:<8}  {(row['summary'] or '').splitlines()[0] if row['summary'] else ''}")


def _row(run) -> dict:
    return {"id": run.id, "tool": run.meta["tool"], "status": run.status, "created": run.meta["created"],
            "summary": run.meta.get("summary", "")}


@runs_app.command("show")
def runs_show(run_id: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One run: parameters, model, versions, timings, summary and results."""
    try:
        run = RunStore(get_settings().runs_dir).get(check_id("run_id", run_id))
    except UsageError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    meta = dict(run.meta, status=run.status)
    if as_json:
        typer.echo(json.dumps({"run": meta, "results": run.results}, indent=1, ensure_ascii=False))
        return
    typer.echo(f"{run.id}  [{meta['status']}]  tool={meta['tool']}  created={meta['created']}")
    typer.echo(f"params: {json.dumps(meta['params'], ensure_ascii=False)}")
    if meta.get("model"):
        m = meta["model"]
        typer.echo(f"model: {m['name']} ({m['revision']}; {m['device']}, {m['dtype']})")
    timings = {k: v for k, v in meta["timings"].items() if k != "started_unix"}
    typer.echo(f"timings: {json.dumps(timings)}")
    typer.echo(f"versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}")
    if meta.get("error"):
        typer.echo(f"error: {meta['error']}")
    typer.echo(f"\n{meta.get('summary', '')}")
    for line in chain_lines(run.results if isinstance(run.results, dict) else {}):
        typer.echo(line)
    typer.echo(f"\nfull results: {run.dir / 'results.json'}")


def chain_lines(results: dict) -> list[str]:
    """The chain of thought a run holds, whole (generate_cot keeps `cot`, split_sentences
    `text`), then its sentences numbered, each complete. Nothing for other runs."""
    lines: list[str] = []
    chain = results.get("cot") if isinstance(results.get("cot"), str) else results.get("text")
    if isinstance(chain, str) and chain:
        lines += ["", f"chain of thought ({len(chain)} characters):", chain]
    sentences = results.get("sentences")
    if isinstance(sentences, list) and sentences:
        lines += ["", f"sentences ({len(sentences)}):"]
        for n, sentence in enumerate(sentences):
            index = sentence.get("index", n) if isinstance(sentence, dict) else n
            text = sentence.get("text", "") if isinstance(sentence, dict) else str(sentence)
            first, *rest = str(text).split("\n") or [""]
            prefix = f"  [{index}] "
            lines += [prefix + first, *(" " * len(prefix) + line for line in rest)]
    return lines


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
                _emit(result.to_json())
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


def print_preflight(request: dict) -> None:
    """An approval request's reasons to ask (a file outside the data dir, a long run) and its `preflight`
    ({"estimate": line, "warnings": [...]}) on stderr; nothing without them."""
    for n, reason in enumerate(request.get("reasons") or []):
        typer.echo(f"{'' if n else chr(10)}asks first: it {reason}", err=True)  # on a line of its own after streamed text
    preflight = request.get("preflight")
    if not isinstance(preflight, dict):
        return
    if preflight.get("estimate"):
        typer.echo(f"\nestimate: {preflight['estimate']}", err=True)  # on a line of its own after streamed text
    for warning in preflight.get("warnings") or []:
        typer.echo(f"warning: {warning}", err=True)


def ask_approval(request: dict) -> dict:
    """A person at the terminal decides: the decision's source is "user"."""
    what = "is expensive" if request.get("cost", "expensive") == "expensive" else "needs your approval"
    typer.echo(f"\n{request['tool']} {what}. Arguments: {json.dumps(request['args'])}", err=True)
    print_preflight(request)
    choice = typer.prompt("approve / deny / edit", default="approve", err=True).strip().lower()
    if choice.startswith("e"):
        edited = typer.prompt("arguments as JSON", default=json.dumps(request["args"]), err=True)
        return {"action": "edit", "args": json.loads(edited), "source": "user"}
    return {"action": "approve" if choice.startswith("a") else "deny", "source": "user"}


def ask_prediction(request: dict):
    typer.echo(f"\nBefore I show the result: {request['question']} ({' / '.join(request['options'])})", err=True)
    answer = typer.prompt("your prediction (empty to skip)", default="", show_default=False, err=True).strip()
    return answer or None


@app.command("sessions")
def sessions_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Sessions, newest first; resume one with `parley ask --session ID`."""
    from agent.dialogue_log import list_sessions

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
    from backends.settings import private_umask

    private_umask()  # logs, checkpoints, memory and runs are the user's alone: files 0600, folders 0700
    try:
        _check_text(sys.argv[1:])
        app()
    except UsageError as e:  # bad settings or input outside `parley tool`: one line, no traceback
        sys.stderr.write(f"error: {e}\n")
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
