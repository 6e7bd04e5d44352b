"""`parley tools` and `parley tool`: list the tools, run one.

    parley tools [--json]           list tools (never imports torch)
    parley tool NAME --args JSON    run one tool; exactly one JSON object on stdout

`parley tool` (and `parley runs resume`, through `run_and_print`) exits 0 on success,
2 on bad input and 1 on an internal failure; its progress goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys

import typer

from backends.core.errors import UsageError
from tui.terminal import EXIT_BAD_INPUT, EXIT_INTERNAL, StderrProgress, emit


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


def tool_cmd(
    name: str = typer.Argument(..., help="Tool name (see `parley tools`)."),
    args: str = typer.Option("{}", "--args", help="Arguments as a JSON object."),
) -> None:
    """Run one tool and print exactly one JSON object on stdout."""
    run_and_print(name=name, args=args)


def run_and_print(name: str | None, args: str | None, resume: str | None = None) -> None:
    stop = _StopOnInterrupt()
    progress = StderrProgress()
    try:
        from tools import run_tool

        # Whatever a library prints must not break the one-JSON-object contract.
        with contextlib.redirect_stdout(sys.stderr), stop:
            result = run_tool(name or "", args, progress=progress, should_stop=stop, resume=resume)
        progress.close()
        emit(result.to_json())
    except UsageError as e:
        progress.close()
        emit({"ok": False, "error": {"type": type(e).__name__, "field": e.field, "message": str(e)}}, EXIT_BAD_INPUT)
    except Exception as e:  # ours to fix: report it, never a traceback on stdout
        progress.close()
        emit({"ok": False, "error": {"type": type(e).__name__, "message": str(e).splitlines()[0] if str(e) else ""}}, EXIT_INTERNAL)


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
