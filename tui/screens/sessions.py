"""Sessions, newest first: pick one to resume."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ListItem, ListView


class SessionsScreen(ModalScreen[str | None]):
    BINDINGS = [("escape", "dismiss(None)", "Close")]

    def __init__(self, sessions: list[dict]) -> None:
        super().__init__()
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions"):
            yield Label("Resume a session (Enter), or Esc", classes="panel-title")
            yield ListView(*[
                ListItem(Label(f"{s['session']}  {s.get('provider') or '?'}  {s.get('turns', 0)} turns"), name=s["session"])
                for s in self.sessions
            ])

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        self.dismiss(event.item.name)
