"""Rate the last answer 1-5, with an optional comment.

Usable by keyboard alone: keys 1-5 pick a score; Left/Right move between the score buttons and
Enter picks the focused one; the comment then has the focus and Enter there submits; Esc cancels.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class RatingScreen(ModalScreen[dict | None]):
    AUTO_FOCUS = "#score-1"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("left", "move(-1)", "Previous score", show=False),
        Binding("right", "move(1)", "Next score", show=False),
    ] + [Binding(str(n), f"score({n})", str(n), show=False) for n in range(1, 6)]
    # Five buttons fit the dialog at any width it has (80 columns, less padding and border).
    DEFAULT_CSS = """
    RatingScreen #rating-scores Button { width: 7; min-width: 7; }
    RatingScreen #rating-scores Button:focus { text-style: bold reverse; }
    RatingScreen #rating-hint { color: $warning; height: auto; }
    RatingScreen #rating Label { width: 1fr; }
    """

    def __init__(self, turn: int) -> None:
        super().__init__()
        self.turn = turn
        self.score: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="rating"):
            yield Label(f"Rate answer {self.turn}: press 1-5 (or ←/→ and Enter), add a comment if you like, then Enter; "
                        "Esc cancels", markup=False)
            with Horizontal(id="rating-scores"):
                for n in range(1, 6):
                    yield Button(str(n), id=f"score-{n}")
            yield Input(placeholder="comment (optional)", id="rating-comment")
            yield Static("", id="rating-hint")

    def action_score(self, n: int) -> None:
        self.score = n
        for button in self.query("#rating-scores Button").results(Button):
            button.variant = "success" if button.id == f"score-{n}" else "default"
        self.query_one("#rating-hint", Static).update("")
        self.query_one(Input).focus()

    def action_move(self, step: int) -> None:
        """Left/Right: the previous or next score (in the comment the arrows move the cursor)."""
        buttons = list(self.query("#rating-scores Button").results(Button))
        focused = self.focused
        at = buttons.index(focused) if focused in buttons else (0 if step > 0 else len(buttons))
        buttons[(at + step) % len(buttons)].focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_score(int(event.button.id.removeprefix("score-")))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.score is None:  # nothing to submit yet: say so, and go back to the scores
            self.query_one("#rating-hint", Static).update("Pick a score first: 1-5, or ←/→ and Enter.")
            self.query_one("#score-1", Button).focus()
            return
        self.dismiss({"score": self.score, "comment": event.value or None})

    def action_cancel(self) -> None:
        self.dismiss(None)
