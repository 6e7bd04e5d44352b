"""The runs of this session; selecting one opens its result table and plot."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, ListItem, ListView


class RunsPanel(Vertical):
    class Selected(Message):
        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Label("Runs of this session", classes="panel-title")
        yield ListView(id="runs-list")

    def add_run(self, run_id: str, tool: str, status: str) -> None:
        item = ListItem(Label(f"{tool} [{status}]\n{run_id}"), name=run_id)
        self.query_one(ListView).append(item)

    def clear(self) -> None:
        self.query_one(ListView).clear()

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        if event.item.name:
            self.post_message(self.Selected(event.item.name))
