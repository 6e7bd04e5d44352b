"""Keys, tools with an example request each, and what the offline provider can and cannot do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

KEYS = """| key | does |
| --- | --- |
| Enter | send the message (Up/Down: input history) |
| Esc | stop the running turn or job; finished work is kept (the run is marked partial) |
| Ctrl+R | rate the last answer 1-5, with a comment |
| Ctrl+N | start a new session |
| Ctrl+O | resume a session from a list |
| Ctrl+S | export this session's log (JSONL and CSV) to PARLEY_HOME/exports |
| F1 | this help |
| Ctrl+Q | quit |
"""

OFFLINE = """**The offline provider** needs no network or key. It picks a tool by matching your message to
the tools' example requests, fills arguments from what you wrote ("16 rollouts", "seed 3",
"question: ...", "split it") and explains results from each tool's summary, adapted to what it
believes you know. It cannot follow free-form reasoning, chain several tools from one request,
or answer questions beyond the tools' summaries: an LLM provider (ANTHROPIC_API_KEY or
OPENAI_API_KEY) adds those."""


def help_markdown() -> str:
    from tools import REGISTRY

    tools = "\n".join(f"| `{t.name}` | {t.cost} | {t.examples[0] if t.examples else ''} |" for t in REGISTRY.values())
    return (f"# Parley\n\n## Keys\n\n{KEYS}\n## Tools\n\n| tool | cost | example request |\n| --- | --- | --- |\n"
            f"{tools}\n\n## Providers\n\n{OFFLINE}\n")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Close"), ("f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(help_markdown())
