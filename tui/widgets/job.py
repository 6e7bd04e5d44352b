"""The live progress of the running job: a bar with counts and an ETA."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class JobProgress(Horizontal):
    """Driven by the progress events tools emit through LangGraph's custom stream."""

    def compose(self) -> ComposeResult:
        yield Label("idle", id="job-label")
        yield ProgressBar(total=None, show_eta=True, id="job-bar")

    def show(self, tool: str, done: int, total: int, note: str = "") -> None:
        self.add_class("active")
        bar = self.query_one(ProgressBar)
        key = (tool, note, total)
        if getattr(self, "_key", None) != key:  # a new stage restarts the ETA
            self._key = key
            bar.update(total=total, progress=0)
        bar.update(progress=done)
        self.query_one("#job-label", Label).update(f"{tool}: {note} {done}/{total}")

    def idle(self, text: str = "idle") -> None:
        self.remove_class("active")
        self._key = None
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one("#job-label", Label).update(text)

    @property
    def progress(self) -> float:
        return self.query_one(ProgressBar).progress
