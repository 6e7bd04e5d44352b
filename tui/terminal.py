"""What the plain command line shows and asks: one JSON object on stdout, progress on
stderr, and the approval and prediction questions put to a person at the terminal.

Shared by `parley tool`, `parley runs resume`, `parley ask` and the plain chat; nothing
here imports torch.
"""

from __future__ import annotations

import json
import re
import sys

import typer

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 1


def emit(obj: dict, code: int = 0) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if code:
        raise typer.Exit(code)


class StderrProgress:
    """Adapts `progress(done, total, note)` to a tqdm bar on stderr, one bar per stage.

    A stage is the note without its numbers: "steps (loss 2.14)" then "steps (loss 1.90)" is one
    stage whose description changes, so its rate and time left stay meaningful."""

    def __init__(self):
        self._bar = None
        self._key = None

    def __call__(self, done: int, total: int, note: str = "") -> None:
        from tqdm import tqdm

        key = (total, re.sub(r"-?\d[\d.,]*", "#", note))
        if self._bar is None or self._key != key or done < self._bar.n:
            self.close()
            self._bar = tqdm(total=total, desc=note, file=sys.stderr, leave=False, dynamic_ncols=True)
            self._key = key
        elif note != self._bar.desc:
            self._bar.set_description_str(note, refresh=False)
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


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
