"""The dialogs by keyboard alone: Tab, arrows, Enter and Esc, with the focus visible."""

import asyncio
import json
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button, Input, Static, TextArea

import tui.app
from tui.screens.approval import ApprovalScreen
from tui.screens.rating import RatingScreen

REQUEST = {"tool": "costly_probe_test", "args": {"rollouts": 16},
           "description": "An expensive test tool.",
           "preflight": {"estimate": "5 positions x 16 rollouts = 80 rollouts of up to 512 tokens (~41,000 tokens); "
                                     "time unknown until a first run on this model",
                         "warnings": ["the extractor 'boxed' finds no answer in the chain itself"],
                         "blocking": None, "numbers": {"rollouts": 80, "tokens": 40960, "seconds": None}}}


class Host(App):
    """A bare app with the real stylesheet that opens one dialog and keeps what it returns."""

    CSS_PATH = Path(tui.app.__file__).with_name("app.tcss")

    def __init__(self, screen) -> None:
        super().__init__()
        self.dialog, self.results = screen, []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def drive(screen, steps, size=(100, 30)):
    """Run `steps(pilot, app)` against a host showing `screen`; return what the dialog returned."""
    async def scenario():
        app = Host(screen)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await steps(pilot, app)
            await pilot.pause()
            return app.results

    return asyncio.run(asyncio.wait_for(scenario(), timeout=20))


@pytest.fixture
def probe(costly_tool):
    return costly_tool


def test_approve_has_the_focus_on_open_and_enter_approves():
    async def steps(pilot, app):
        focused = app.screen.focused
        assert isinstance(focused, Button) and focused.id == "approve"
        assert focused.styles.text_style.bold and focused.styles.text_style.reverse  # the focus shows
        await pilot.press("enter")

    assert drive(ApprovalScreen(REQUEST), steps) == [{"action": "approve"}]


def test_arrows_and_tab_move_between_buttons_and_enter_presses_the_focused_one():
    async def steps(pilot, app):
        await pilot.press("right")
        assert app.screen.focused.id == "edit"
        await pilot.press("right")
        assert app.screen.focused.id == "deny"
        await pilot.press("right")  # round again
        assert app.screen.focused.id == "approve"
        await pilot.press("left")
        assert app.screen.focused.id == "deny"
        await pilot.press("tab")  # past the last button, back to the arguments
        assert isinstance(app.screen.focused, TextArea)
        await pilot.press("tab", "tab", "tab")
        assert app.screen.focused.id == "deny"
        assert not app.screen.query_one("#approve").styles.text_style.reverse  # only the focused one stands out
        await pilot.press("shift+tab")
        assert app.screen.focused.id == "edit"
        await pilot.press("right", "enter")

    assert drive(ApprovalScreen(REQUEST), steps) == [{"action": "deny"}]


def test_escape_denies():
    async def steps(pilot, app):
        await pilot.press("escape")

    assert drive(ApprovalScreen(REQUEST), steps) == [{"action": "deny"}]


def test_arguments_are_edited_by_keyboard_then_run(probe):
    async def steps(pilot, app):
        await pilot.press("e")  # from the buttons to the arguments
        area = app.screen.focused
        assert isinstance(area, TextArea) and area.text == '{"rollouts": 16}'
        await pilot.press("end", "left", "backspace", "backspace", "3")  # arrows and typing reach the text
        assert area.text == '{"rollouts": 3}'
        await pilot.press("tab", "right", "enter")  # to Approve, then "Run with edited arguments"

    assert drive(ApprovalScreen(REQUEST), steps) == [{"action": "edit", "args": {"rollouts": 3}}]


def test_bad_edited_arguments_keep_the_dialog_open_with_the_error(probe):
    async def steps(pilot, app):
        await pilot.press("e", "end", "left", "backspace", "backspace", "x", "tab", "right", "enter")  # not JSON
        assert isinstance(app.screen, ApprovalScreen)
        assert "malformed JSON" in str(app.screen.query_one("#approval-error", Static).render())
        await pilot.press("escape")

    assert drive(ApprovalScreen(REQUEST), steps) == [{"action": "deny"}]


def test_the_preflight_estimate_and_warnings_are_shown_above_the_arguments():
    async def steps(pilot, app):
        screen = app.screen
        estimate = screen.query_one("#approval-estimate", Static)
        assert str(estimate.render()).startswith("Estimate: 5 positions x 16 rollouts = 80 rollouts")
        [warning] = screen.query(".preflight-warning")
        assert "finds no answer in the chain itself" in str(warning.render())
        assert warning.styles.color != estimate.styles.color  # in the warning colour
        area = screen.query_one(TextArea)
        assert estimate.region.y < warning.region.y < area.region.y
        await pilot.press("escape")

    drive(ApprovalScreen(REQUEST), steps)


def test_without_a_preflight_the_dialog_shows_no_estimate():
    async def steps(pilot, app):
        assert not app.screen.query("#approval-estimate") and not app.screen.query(".preflight-warning")
        await pilot.press("escape")

    drive(ApprovalScreen({k: v for k, v in REQUEST.items() if k != "preflight"}), steps)


def test_a_rating_by_keyboard_only():
    async def steps(pilot, app):
        assert app.screen.focused.id == "score-1"
        await pilot.press("right", "right", "right")
        focused = app.screen.focused
        assert focused.id == "score-4" and focused.styles.text_style.reverse
        await pilot.press("enter")  # picks 4, moves to the comment
        assert isinstance(app.screen.focused, Input) and app.screen.score == 4
        await pilot.press(*"ok 2")  # digits are typed, not taken as scores
        await pilot.press("enter")

    assert drive(RatingScreen(3), steps) == [{"score": 4, "comment": "ok 2"}]


def test_number_keys_pick_a_score_and_escape_cancels():
    async def steps(pilot, app):
        await pilot.press("5")
        assert app.screen.score == 5 and isinstance(app.screen.focused, Input)
        await pilot.press("left")  # in the comment the arrows move the cursor, not the score
        assert isinstance(app.screen.focused, Input)
        await pilot.press("enter")

    assert drive(RatingScreen(1), steps) == [{"score": 5, "comment": None}]

    async def cancel(pilot, app):
        await pilot.press("escape")

    assert drive(RatingScreen(1), cancel) == [None]


def test_enter_in_the_comment_without_a_score_says_to_pick_one():
    async def steps(pilot, app):
        app.screen.query_one(Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, RatingScreen) and app.screen.focused.id == "score-1"
        assert "Pick a score" in str(app.screen.query_one("#rating-hint", Static).render())
        await pilot.press("2", "enter")

    assert drive(RatingScreen(1), steps) == [{"score": 2, "comment": None}]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 48)])
def test_all_five_rating_buttons_fit_inside_the_dialog(size):
    async def steps(pilot, app):
        dialog = app.screen.query_one("#rating").content_region
        buttons = list(app.screen.query("#rating-scores Button").results(Button))
        assert [b.label.plain for b in buttons] == ["1", "2", "3", "4", "5"]
        for button in buttons:
            region = button.region
            assert region.width >= 5, (button.id, region)
            assert dialog.contains_region(region), (button.id, region, dialog)
            assert app.screen.region.contains_region(region)
        await pilot.press("escape")

    drive(RatingScreen(1), steps, size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_approval_buttons_fit_and_can_be_reached(size):
    async def steps(pilot, app):
        dialog = app.screen.query_one("#approval").region
        for button in app.screen.query("#approval-buttons Button").results(Button):
            button.focus()
            await pilot.pause()
            assert dialog.contains_region(button.region), (button.id, button.region, dialog)
        await pilot.press("escape")

    drive(ApprovalScreen(REQUEST), steps, size=size)


def test_the_edited_arguments_json_is_what_the_request_held():
    screen = ApprovalScreen(REQUEST)

    async def steps(pilot, app):
        assert json.loads(app.screen.query_one(TextArea).text) == REQUEST["args"]
        await pilot.press("escape")

    drive(screen, steps)



def test_a_cheap_call_that_asks_first_says_why_and_esc_denies():
    request = {"tool": "build_steering_vector", "cost": "cheap", "args": {"save_to": "/etc/x.pt"},
               "description": "Steering: the mean difference ...",
               "reasons": ["writes outside the data dir: /etc/x.pt (save_to)"]}

    async def steps(pilot, app):
        texts = [str(w.render()) for w in app.screen.query(Static)]
        assert "Run `build_steering_vector`?" in texts  # not called expensive
        assert "Asks first: it writes outside the data dir: /etc/x.pt (save_to)" in texts
        await pilot.press("escape")

    assert drive(ApprovalScreen(request), steps) == [{"action": "deny"}]
