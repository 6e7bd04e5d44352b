"""A finished run beneath the reply: its long parts (the chain of thought, every sentence,
every row) in collapsible blocks, complete, and its plot inline."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Markdown

from tools import present


class ResultView(Vertical):
    DEFAULT_CSS = """
    ResultView { height: auto; margin: 0 0 1 0; }
    ResultView Collapsible { margin: 0; padding: 0; border: none; background: $boost; }
    ResultView Markdown { margin: 0; padding: 0 1; }
    ResultView PlotView { height: 14; }
    """

    def __init__(self, runs_dir: Path, run_id: str, tool: str) -> None:
        super().__init__(classes="result-view")
        self.run_id, self.tool = run_id, tool
        self.parts, self.plot = [], None
        try:
            from backends.core.runstore import RunStore

            run = RunStore(runs_dir).get(run_id)
            self.parts = present.long_parts(tool, run.results or {})
            self.plot = run.meta.get("plot")
        except Exception:  # an old or missing run: the summary above still says what happened
            pass

    def compose(self) -> ComposeResult:
        from tui.widgets.plot import PlotView

        for title, body in self.parts:
            # The chain just generated is what was asked for: it opens; longer lists stay folded.
            opened = self.tool == "generate_cot" and title.startswith("Chain of thought")
            yield Collapsible(Markdown(body), title=title, collapsed=not opened)
        if self.plot:
            yield PlotView(self.plot)
