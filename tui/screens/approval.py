"""Approve, deny, or edit the arguments of an expensive tool call (edits are validated first)."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from backends.errors import UsageError


class ApprovalScreen(ModalScreen[dict]):
    BINDINGS = [("escape", "deny", "Deny")]

    def __init__(self, request: dict) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        with Vertical(id="approval"):
            yield Label(f"Run the expensive tool `{self.request['tool']}`?", id="approval-title")
            yield Static(self.request.get("description", ""), id="approval-description")
            args = json.dumps(self.request["args"])
            yield TextArea(args if len(args) < 70 else json.dumps(self.request["args"], indent=2), id="approval-args")
            yield Static("", id="approval-error")
            with Horizontal(id="approval-buttons"):
                yield Button("Approve", id="approve", variant="success")
                yield Button("Run with edited arguments", id="edit", variant="primary")
                yield Button("Deny", id="deny", variant="error")

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
