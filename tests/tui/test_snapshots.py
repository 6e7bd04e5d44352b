"""Snapshot tests (pytest-textual-snapshot): the main screen, a result with a plot, the approval dialog.

Update the baselines after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

from pathlib import Path

import pytest
from textual.app import App

import tui.app

from tui.app import ParleyApp
from tui.screens.approval import ApprovalScreen
from tui.screens.run_detail import RunScreen

SENTENCES = ["First, add 17 and 25.", "That gives 42.", "So the answer is \\boxed{42}."]


class ScreenApp(App):
    """A bare app that opens one screen, so the snapshot holds only that screen."""

    CSS_PATH = Path(tui.app.__file__).with_name("app.tcss")

    def __init__(self, screen) -> None:
        super().__init__()
        self._first = screen

    def on_mount(self) -> None:
        self.push_screen(self._first)


@pytest.fixture
def fixed_session_id(monkeypatch):
    monkeypatch.setenv("PARLEY_PROVIDER", "offline")
    monkeypatch.setenv("PARLEY_MODEL", "tiny-random")
    monkeypatch.setattr("agent.session.new_session_id", lambda: "20260101-000000-demo")


def test_main_screen(snap_compare, fixed_session_id):
    async def ready(pilot):
        app = pilot.app
        while app.convo is None or not app.query_one("#prompt").has_focus:
            await pilot.pause(0.05)
        prompt = app.query_one("#prompt")
        prompt.cursor_blink = False  # a blinking cursor made the picture depend on timing
        prompt.value = "generate a chain of thought for: Is 91 prime?"
        await pilot.pause()

    assert snap_compare(ParleyApp(), terminal_size=(120, 36), run_before=ready)


def test_a_result_with_a_plot(snap_compare):
    from tools.plots import bar

    result = {"n_sentences": 3, "sentences": [{"index": i, "start": 0, "end": len(s), "text": s} for i, s in enumerate(SENTENCES)]}
    plot = bar("Characters per sentence", [f"S{i}" for i in range(3)], [len(s) for s in SENTENCES],
               xlabel="sentence", ylabel="characters")
    screen = RunScreen("20260101-000000-split_sentences-demo", "3 sentences in 64 characters.", result, plot)
    assert snap_compare(ScreenApp(screen), terminal_size=(110, 40))


def test_the_approval_dialog(snap_compare):
    request = {"tool": "steering_sweep", "args": {"layers": [10, 12], "scales": [0.2, 0.6], "rollouts": 16},
               "description": "Sweep steering scales at chosen layers against norm-matched random vectors."}
    assert snap_compare(ScreenApp(ApprovalScreen(request)), terminal_size=(100, 30))
