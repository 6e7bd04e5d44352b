"""Rate the last answer 1-5, with an optional comment."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class RatingScreen(ModalScreen[dict | None]):
    BINDINGS = [("escape", "cancel", "Cancel")] + [(str(n), f"score({n})", str(n)) for n in range(1, 6)]

    def __init__(self, turn: int) -> None:
        super().__init__()
        self.turn = turn
        self.score: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="rating"):
            yield Label(f"Rate answer {self.turn}: press 1-5, add a comment if you like, then Enter")
            with Horizontal(id="rating-scores"):
                for n in range(1, 6):
                    yield Button(str(n), id=f"score-{n}")
            yield Input(placeholder="comment (optional)", id="rating-comment")

    def action_score(self, n: int) -> None:
        self.score = n
        for button in self.query(Button):
            button.variant = "success" if button.id == f"score-{n}" else "default"
        self.query_one(Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_score(int(event.button.id.removeprefix("score-")))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.score is not None:
            self.dismiss({"score": self.score, "comment": event.value or None})

    def action_cancel(self) -> None:
        self.dismiss(None)
