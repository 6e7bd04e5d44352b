"""The user model, shown and editable: a change goes to the agent and the log."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Switch

EXPERTISE = ("novice", "practitioner", "expert")
DETAIL = ("brief", "normal", "detailed")


class UserModelPanel(Vertical):
    """Each field edits one key of the user model (`agent.user_model.set_field` names)."""

    class Edited(Message):
        def __init__(self, key: str, value: str) -> None:
            super().__init__()
            self.key = key
            self.value = value

    def compose(self) -> ComposeResult:
        yield Label("What I believe about you", classes="panel-title")
        yield Label("expertise")
        yield Select([(e, e) for e in EXPERTISE], allow_blank=False, value="practitioner", id="um-expertise")
        yield Label("detail")
        yield Select([(d, d) for d in DETAIL], allow_blank=False, value="normal", id="um-detail")
        yield Label("ask me to predict first")
        yield Switch(value=False, id="um-predict")
        yield Label("known concepts (comma-separated)")
        yield Input(id="um-known")
        yield Label("goals (comma-separated)")
        yield Input(id="um-goals")

    def show(self, model: dict) -> None:
        """Show the agent's current beliefs (the app ignores the change events this causes)."""
        self.query_one("#um-expertise", Select).value = model["expertise"]
        self.query_one("#um-detail", Select).value = model["preferences"]["detail"]
        predict = model["preferences"]["predict_first"]
        self.query_one("#um-predict", Switch).value = model["expertise"] == "novice" if predict is None else predict
        self.query_one("#um-known", Input).value = ", ".join(model["known_concepts"])
        self.query_one("#um-goals", Input).value = ", ".join(model["goals"])

    def _edit(self, key: str, value: str) -> None:
        self.post_message(self.Edited(key, value))

    def on_select_changed(self, event: Select.Changed) -> None:
        key = {"um-expertise": "expertise", "um-detail": "preferences.detail"}[event.select.id]
        self._edit(key, str(event.value))

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self._edit("preferences.predict_first", "true" if event.value else "false")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._edit({"um-known": "known_concepts", "um-goals": "goals"}[event.input.id], event.value)
