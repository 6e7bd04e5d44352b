"""Approve, deny, or edit the arguments of an expensive tool call, or of a cheap one that asks first
(it writes outside the data dir, reads outside it and the working directory, or runs long; the
request's `reasons` say which). Edits are validated first.

Usable by keyboard alone: Approve has the focus on open; Tab and Shift+Tab move between the
arguments and the buttons, Left and Right between the buttons, Enter presses the focused one,
`e` goes to the arguments to edit them, Esc denies. The pre-flight estimate and its warnings,
when the request has them, stand above the arguments.
"""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from backends.core.errors import UsageError


class ApprovalScreen(ModalScreen[dict]):
    AUTO_FOCUS = "#approve"
    BINDINGS = [
        Binding("escape", "deny", "Deny"),
        Binding("left", "move(-1)", "Previous button", show=False),
        Binding("right", "move(1)", "Next button", show=False),
        Binding("e", "edit_args", "Edit arguments", show=False),
    ]
    DEFAULT_CSS = """
    ApprovalScreen #approval { overflow-y: auto; }
    ApprovalScreen #approval-buttons Button:focus { text-style: bold reverse; }
    ApprovalScreen .preflight { height: auto; margin-bottom: 1; }
    ApprovalScreen .preflight-warning { color: $warning; }
    ApprovalScreen .preflight-blocking { color: $error; text-style: bold; }
    ApprovalScreen #approval-keys { color: $text-muted; height: auto; }
    """

    def __init__(self, request: dict) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        with Vertical(id="approval"):
            cheap = self.request.get("cost") == "cheap"
            yield Label(f"Run {'' if cheap else 'the expensive tool '}`{self.request['tool']}`?", id="approval-title", markup=False)
            yield Static(self.request.get("description", ""), id="approval-description", markup=False)
            for reason in self.request.get("reasons") or []:  # why a cheap tool asks: a file outside the data dir, a long run
                yield Static(f"Asks first: it {reason}", classes="preflight preflight-warning", markup=False)
            checked = self.request.get("preflight") or {}
            if checked.get("estimate"):
                yield Static(f"Estimate: {checked['estimate']}", id="approval-estimate", classes="preflight", markup=False)
            for warning in checked.get("warnings") or []:
                yield Static(f"Warning: {warning}", classes="preflight preflight-warning", markup=False)
            if checked.get("blocking"):
                yield Static(f"Will not succeed: {checked['blocking']}", classes="preflight preflight-blocking", markup=False)
            args = json.dumps(self.request["args"])
            yield TextArea(args if len(args) < 70 else json.dumps(self.request["args"], indent=2), id="approval-args")
            yield Static("", id="approval-error")
            with Horizontal(id="approval-buttons"):
                yield Button("Approve", id="approve", variant="success")
                yield Button("Run with edited arguments", id="edit", variant="primary")
                yield Button("Deny", id="deny", variant="error")
            yield Static("Tab: arguments/buttons  ←/→: buttons  Enter: press  e: edit arguments  Esc: deny",
                         id="approval-keys", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "approve":
            self.dismiss({"action": "approve"})
        elif event.button.id == "deny":
            self.dismiss({"action": "deny"})
        else:
            self._submit_edit()

    def _submit_edit(self) -> None:
        from tools import get_tool
        from tools.registry import parse_args

        text = self.query_one(TextArea).text
        try:
            args = parse_args(get_tool(self.request["tool"]), text)
        except UsageError as e:  # stay open and say what is wrong
            self.query_one("#approval-error", Static).update(f"[b red]{e}[/]")
            return
        self.dismiss({"action": "edit", "args": args.model_dump(mode="json", exclude_unset=True)})

    def action_deny(self) -> None:
        self.dismiss({"action": "deny"})

    def action_move(self, step: int) -> None:
        """Left/Right: the previous or next button (the arguments keep their arrows for the cursor)."""
        buttons = list(self.query("#approval-buttons Button").results(Button))
        focused = self.focused
        at = buttons.index(focused) if focused in buttons else (0 if step > 0 else len(buttons))
        buttons[(at + step) % len(buttons)].focus()

    def action_edit_args(self) -> None:
        self.query_one(TextArea).focus()
