"""The plain terminal chat that `parley` opens until the Textual app lands.

Free text goes to the agent (the configured provider, offline by default); slash
commands read and correct what it keeps.
"""

from __future__ import annotations

import json
import sys

from backends.core.errors import UsageError

HELP = """Type a request in plain words, e.g. "generate a chain of thought for: What is 17 + 25?".
Commands:
  /tools                 tools with an example request each
  /runs                  the newest runs
  /me                    what Parley believes about you;  /set KEY=VALUE to correct it (e.g. /set expertise=novice)
  /rate SCORE [COMMENT]  rate the last answer 1-5
  /help, /quit"""


def chat(session_id: str | None = None, provider: str | None = None, stdin=None, stdout=None) -> None:
    from agent.session import Session

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty()

    def say(text: str = "") -> None:
        print(text, file=stdout, flush=True)

    convo = Session.open(session_id, provider=provider)
    say(f"Parley (plain terminal chat): session {convo.id}, provider {convo.provider}, "
        f"subject model {convo.settings.model}, data dir {convo.settings.home}")
    say(HELP)
    try:
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
                if line.startswith("/"):
                    say(_command(line, convo))
                else:
                    _turn(convo, line, say, stdout, interactive)
            except UsageError as e:
                say(f"error: {e}")
    finally:
        convo.close()


def _turn(convo, text: str, say, stdout, interactive: bool) -> None:
    from agent.session import deny_all, skip_prediction
    from tui.terminal import StderrProgress, ask_approval, ask_prediction

    bar = StderrProgress()
    stdout.write("parley> ")

    def token(piece: str) -> None:
        stdout.write(piece)
        stdout.flush()

    try:
        convo.turn(
            text,
            approve=ask_approval if interactive else deny_all,
            predict=ask_prediction if interactive else skip_prediction,
            on_token=token,
            on_progress=lambda p: bar(p["done"], p["total"], f"{p['tool']}: {p['note']}"),
        )
    except KeyboardInterrupt:
        convo.stop.set()
        say("\n(stopped)")
    finally:
        bar.close()
    say()


def _command(line: str, convo) -> str:
    from agent.log_rating import rate
    from backends.core.runstore import RunStore
    from tools import REGISTRY

    name, _, rest = line.partition(" ")
    if name == "/help":
        return HELP
    if name == "/tools":
        return "\n".join(f"{t.name} [{t.cost}]: {t.description}\n   e.g. \"{t.examples[0]}\"" for t in REGISTRY.values())
    if name == "/runs":
        runs = RunStore(convo.settings.runs_dir).list(limit=10)
        return "\n".join(f"{r.id} [{r.status}] {(r.meta.get('summary') or '').splitlines()[:1]}" for r in runs) or "no runs yet"
    if name == "/me":
        return json.dumps(convo.user_model.model_dump(), indent=1)
    if name == "/set":
        key, sep, value = rest.partition("=")
        if not sep:
            return "usage: /set KEY=VALUE"
        return json.dumps(convo.correct_user_model(key.strip(), value, source="chat").model_dump(), indent=1)
    if name == "/rate":
        score, _, comment = rest.strip().partition(" ")
        if not score.isdigit():
            return "usage: /rate SCORE [COMMENT]  (score 1-5)"
        event = rate(convo.settings.home, convo.id, int(score), comment=comment or None)
        return f"rated turn {event['turn']}: {event['score']}"
    return f"unknown command {name}; " + HELP.splitlines()[-1].strip()
