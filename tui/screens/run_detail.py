"""One run: its summary, a table of its result (rounded, the plotted metric first), and its plot."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Markdown

from tools import present


def result_rows(result: dict, tool: str = "") -> tuple[list[str], list[list[str]]]:
    """A table for a result: its records (rounded numbers, intervals in one cell), else its scalar fields."""
    rows = present.records(result)
    if rows:
        return present.table(rows[:500], tool, text_width=70)
    return ["field", "value"], [[k, present.clip_words(present.fmt(v), 70)] for k, v in result.items()
                                if not isinstance(v, (dict, list)) or len(str(v)) < 200]


class RunScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Close")]

    def __init__(self, run_id: str, summary: str, result: dict, plot: dict | None, tool: str = "") -> None:
        super().__init__()
        self.run_id, self.summary, self.result, self.plot, self.tool = run_id, summary, result, plot, tool

    def compose(self) -> ComposeResult:
        from tui.widgets.plot import PlotView

        with Vertical(id="run-detail"):
            yield Label(f"run {self.run_id}   (Esc closes; arrows scroll the table)", classes="panel-title")
            with VerticalScroll(id="run-body"):
                yield Markdown(present.summary_markdown(self.summary), id="run-summary")
                yield DataTable(id="run-table", zebra_stripes=True)
                if self.plot:
                    yield PlotView(self.plot, id="run-plot")

    def on_mount(self) -> None:
        columns, rows = result_rows(self.result, self.tool)
        table = self.query_one(DataTable)
        table.add_columns(*columns)
        table.add_rows(rows)
        table.focus()
