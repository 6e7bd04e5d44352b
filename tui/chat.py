"""The plain terminal chat that `parley` opens until the Textual app lands.

It has no language model behind it yet (the agent arrives with its own issue): it
runs tools by command and shows their summaries, so the whole tool layer can be used
interactively today.
"""

from __future__ import annotations

import json
import shlex
import sys

from backends.errors import UsageError
from backends.runstore import RunStore
from backends.settings import get_settings

HELP = """Commands:
  /tools                       list tools with an example request each
  /tool NAME {json args}       run a tool, e.g. /tool generate_cot {"question": "What is 17 + 25?", "seed": 1}
  /split                       split the last chain of thought into sentences
  /runs                        the newest runs
  /show RUN_ID                 one run's summary and result
  /help, /quit
Free-text requests need the agent, which is not built yet: use /tool for now."""


def chat(stdin=None, stdout=None) -> None:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    settings = get_settings()
    say = lambda text="": print(text, file=stdout, flush=True)  # noqa: E731
    say(f"Parley (plain terminal chat). Subject model: {settings.model}; data dir: {settings.home}")
    say(HELP)
    last_cot_run: str | None = None
    while True:
        stdout.write("\nyou> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            say()
            return
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            return
        try:
            reply, run = _handle(line, settings, last_cot_run)
        except UsageError as e:
            reply, run = f"error: {e}", None
        except Exception as e:  # keep the session alive; the run store marked the run failed
            reply, run = f"internal error: {type(e).__name__}: {e}", None
        if run is not None and run.tool == "generate_cot":
            last_cot_run = run.run_id
        say(reply)


def _handle(line: str, settings, last_cot_run: str | None):
    from tools import REGISTRY, run_tool
    from tui.cli import StderrProgress

    if line == "/help":
        return HELP, None
    if line == "/tools":
        return "\n".join(f"{t.name} [{t.cost}]: {t.description}\n   e.g. \"{t.examples[0]}\"" for t in REGISTRY.values()), None
    if line == "/runs":
        runs = RunStore(settings.runs_dir).list(limit=10)
        return "\n".join(f"{r.id} [{r.status}] {(r.meta.get('summary') or '').splitlines()[0:1]}" for r in runs) or "no runs yet", None
    if line.startswith("/show"):
        parts = shlex.split(line)
        if len(parts) != 2:
            return "usage: /show RUN_ID", None
        run = RunStore(settings.runs_dir).get(parts[1])
        return f"{run.id} [{run.status}]\n{run.meta.get('summary', '')}", None
    if line == "/split":
        if last_cot_run is None:
            return "no chain of thought yet in this session: run generate_cot first", None
        line = f'/tool split_sentences {{"cot_run": "{last_cot_run}"}}'
    if line.startswith("/tool"):
        _, _, rest = line.partition(" ")
        name, _, args = rest.strip().partition(" ")
        if not name:
            return "usage: /tool NAME {json args}", None
        progress = StderrProgress()
        try:
            result = run_tool(name, args.strip() or "{}", progress=progress)
        finally:
            progress.close()
        shown = json.dumps(result.result, ensure_ascii=False)
        shown = shown if len(shown) < 1500 else shown[:1500] + " ..."
        return f"{result.summary}\n(run {result.run_id})\n{shown}", result
    return "I can't read free text yet (the agent comes next). " + HELP.splitlines()[2].strip(), None
