"""Snapshot tests (pytest-textual-snapshot): the main screen, the run view, the approval and rating
dialogs, each at 80x24, 120x40 and 160x48.

Update the baselines after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

from pathlib import Path

import pytest
from textual.app import App

import tui.app

from tui.app import ParleyApp
from tui.screens.approval import ApprovalScreen
from tui.screens.rating import RatingScreen
from tui.screens.run_detail import RunScreen

SENTENCES = ["First, add 17 and 25.", "That gives 42.", "So the answer is \\boxed{42}."]
SIZES = [(80, 24), (120, 40), (160, 48)]
sizes = pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])


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
    monkeypatch.setattr("agent.session.new_session_id", lambda home=None: "20260101-000000-demo")


@sizes
def test_main_screen(snap_compare, fixed_session_id, size):
    async def ready(pilot):
        app = pilot.app
        for _ in range(1200):  # a session that fails to open must fail the test, not hang it
            if app.convo is not None and app.query_one("#prompt").has_focus:
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError("the session did not open within a minute")
        prompt = app.query_one("#prompt")
        prompt.cursor_blink = False  # a blinking cursor made the picture depend on timing
        prompt.value = "generate a chain of thought for: Is 91 prime?"
        await pilot.pause()

    assert snap_compare(ParleyApp(), terminal_size=size, run_before=ready)


IMPORTANCE = [
    {"index": 0, "counterfactual_accuracy": 0.0412, "counterfactual_accuracy_low": -0.2, "counterfactual_accuracy_high": 0.28,
     "resampling_accuracy": 0.0625, "forced_accuracy": 0.0, "counterfactual_kl": 0.1183, "different_trajectories_fraction": 0.75,
     "n_rollouts": 16, "n_no_answer": 2, "text": SENTENCES[0]},
    {"index": 1, "counterfactual_accuracy": 4.978083906861741 / 10, "counterfactual_accuracy_low": 0.21,
     "counterfactual_accuracy_high": 0.71, "resampling_accuracy": 0.3125, "forced_accuracy": 0.5, "counterfactual_kl": 1.2907,
     "different_trajectories_fraction": 0.5, "n_rollouts": 16, "n_no_answer": 0, "text": SENTENCES[1]},
    {"index": 2, "counterfactual_accuracy": None, "counterfactual_accuracy_low": None, "counterfactual_accuracy_high": None,
     "resampling_accuracy": None, "forced_accuracy": 1.0, "counterfactual_kl": None, "different_trajectories_fraction": None,
     "n_rollouts": 16, "n_no_answer": 16, "text": SENTENCES[2]},
]


@sizes
def test_the_run_view(snap_compare, size):
    from tools.plots import bar

    plot = bar("Counterfactual importance per sentence", [f"S{i}" for i in range(3)], [0.0412, 0.4978, 0.0],
               xlabel="sentence", ylabel="accuracy change", highlight=[1])
    summary = ("Thought Anchors importance for 3 sentences (48 rollouts of a fixed budget of 64; accuracy against the correct answer: 42).\n"
               "Rollouts with no extractable answer: 18.\nMost important by counterfactual accuracy (95% interval):\n"
               "  S1 +0.50 [+0.21, +0.71]  resampling +0.31  KL +1.29  \"That gives 42.\"")
    screen = RunScreen("20260101-000000-resample_importance-demo", summary, {"table": IMPORTANCE}, plot,
                       tool="resample_importance")
    assert snap_compare(ScreenApp(screen), terminal_size=size)


@sizes
def test_the_approval_dialog(snap_compare, size):
    request = {"tool": "steering_sweep", "args": {"layers": [10, 12], "scales": [0.2, 0.6], "samples": 4},
               "description": "Sweep steering scales at chosen layers against norm-matched random vectors.",
               "preflight": {"estimate": "2 layers x 2 scales x 4 prompts x 4 samples = 64 generations of up to 128 tokens; "
                                         "about 2 min at 70 tokens/s measured on smollm2-135m, cpu",
                             "warnings": ["the vector was built on another model (tiny-random)"]}}
    assert snap_compare(ScreenApp(ApprovalScreen(request)), terminal_size=size)


@sizes
def test_the_rating_dialog(snap_compare, size):
    assert snap_compare(ScreenApp(RatingScreen(3)), terminal_size=size)
