"""One run: its summary, a table of its result, and its plot."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static


def result_rows(result: dict) -> tuple[list[str], list[list[str]]]:
    """A table for a result: its first list of records, else its scalar fields."""
    for value in result.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for row in value for k in row))
            return columns, [[_cell(row.get(c)) for c in columns] for row in value[:200]]
    return ["field", "value"], [[k, _cell(v)] for k, v in result.items()]


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:77] + "..."


class RunScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Close")]

    def __init__(self, run_id: str, summary: str, result: dict, plot: dict | None) -> None:
        super().__init__()
        self.run_id, self.summary, self.result, self.plot = run_id, summary, result, plot

    def compose(self) -> ComposeResult:
        from tui.widgets.plot import PlotView

        with Vertical(id="run-detail"):
            yield Label(f"run {self.run_id}   (Esc closes)", classes="panel-title")
            with VerticalScroll(id="run-body"):
                yield Static(self.summary, id="run-summary")
                yield DataTable(id="run-table", zebra_stripes=True)
                if self.plot:
                    yield PlotView(self.plot, id="run-plot")

    def on_mount(self) -> None:
        columns, rows = result_rows(self.result)
        table = self.query_one(DataTable)
        table.add_columns(*columns)
        table.add_rows(rows)
