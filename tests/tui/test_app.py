"""Pilot tests: a researcher's whole session in the Textual app, offline, on tiny-random."""

import asyncio
import json

import pytest
from textual.widgets import Input, Select

from agent.dialogue_log import DialogueLog
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tui.app import ParleyApp
from tui.screens.approval import ApprovalScreen
from tui.screens.rating import RatingScreen
from tui.screens.run_detail import RunScreen
from tui.widgets.chat import MessageView, PredictionPrompt, ToolCallBlock
from tui.widgets.job import JobProgress


@pytest.fixture(autouse=True)
def offline_tiny(monkeypatch):
    monkeypatch.setenv("PARLEY_PROVIDER", "offline")
    monkeypatch.setenv("PARLEY_MODEL", "tiny-random")
    monkeypatch.setenv("PARLEY_APPROVE_TOKENS_OVER", "8192")  # the 8000-token jobs stopped with Esc here run unasked


async def until(pilot, condition, seconds: float = 60.0, step: float = 0.05):
    for _ in range(int(seconds / step)):
        if condition():
            return
        await pilot.pause(step)
    raise AssertionError(f"timed out waiting for {condition}")


async def send(pilot, app, text: str) -> None:
    prompt = app.query_one("#prompt", Input)
    prompt.focus()
    prompt.value = text
    shown = len(app.query(MessageView))
    await pilot.press("enter")
    await until(pilot, lambda: len(app.query(MessageView)) > shown)  # the message went in


async def open_first_run(pilot, app) -> None:
    """Split a short chain, then open its run from the side panel by keyboard."""
    await send(pilot, app, 'split_sentences "First we add. Then we multiply by four. Finally we check."')
    await until(pilot, lambda: not app.busy)
    runs = app.query_one("#runs-list")
    runs.focus()
    runs.index = 0
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, RunScreen))


def _events(app) -> list[dict]:
    return DialogueLog(get_settings().home, app.convo.id).events()


def test_a_whole_session_in_the_app(tiny, costly_tool):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None and app.query_one("#prompt").has_focus)

            # 1. a request that runs a tool; the progress bar moves; typing works during the job
            await send(pilot, app, "generate a chain of thought for: Is 91 prime? with 600 tokens")
            await until(pilot, lambda: app.query_one(JobProgress).progress > 5)
            await pilot.press("h", "i")
            assert app.query_one("#prompt", Input).value == "hi"
            await until(pilot, lambda: not app.busy)
            [block] = app.query(ToolCallBlock)
            assert "complete" in str(block.title) and "generate_cot" in str(block.title)
            app.query_one("#prompt", Input).value = ""

            # 2. an expensive tool: the approval dialog, answered with edited arguments
            await send(pilot, app, "run costly_probe_test with 16 rollouts")
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            app.screen.query_one("TextArea").text = json.dumps({"rollouts": 3})
            await pilot.click("#edit")
            await until(pilot, lambda: not app.busy)
            assert costly_tool == [3]
            assert "probed with 3 rollouts" in app.query(MessageView).last().text

            # 3. a rating with a comment
            await pilot.press("ctrl+r")
            await until(pilot, lambda: isinstance(app.screen, RatingScreen))
            await pilot.press("4")
            app.screen.query_one(Input).value = "clear enough"
            await pilot.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, RatingScreen))

            # 4. a user-model edit in the side panel
            app.query_one("#um-expertise", Select).value = "expert"
            await until(pilot, lambda: app.convo.user_model.expertise == "expert")

            # 5. a job cancelled with Esc keeps its partial result
            await send(pilot, app, "generate a chain of thought for: Count to a thousand. with 8000 tokens")
            await until(pilot, lambda: app.query_one(JobProgress).progress > 5)
            await pilot.press("escape")
            await until(pilot, lambda: not app.busy, seconds=10)
            events = _events(app)
        return events

    events = asyncio.run(scenario())
    types = [e["type"] for e in events]
    assert types.count("user_message") == 3 and types.count("assistant_message") == 3
    calls = [e for e in events if e["type"] == "tool_call"]
    assert [c["name"] for c in calls] == ["generate_cot", "costly_probe_test", "generate_cot"]
    assert calls[-1]["status"] == "partial"
    assert RunStore(get_settings().runs_dir).get(calls[-1]["run_id"]).status == "partial"
    [approval] = [e for e in events if e["type"] == "approval"]
    assert approval["decision"] == "edit" and approval["edited_args"] == {"rollouts": 3}
    [rating] = [e for e in events if e["type"] == "rating"]
    assert rating["score"] == 4 and rating["comment"] == "clear enough" and rating["turn"] == 2
    [correction] = [e for e in events if e["type"] == "user_model_correction"]
    assert correction["field"] == "expertise" and correction["new"] == "expert" and correction["source"] == "tui"


def test_a_prediction_is_answered_inline_before_the_result(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            app.query_one("#um-expertise", Select).value = "novice"
            await until(pilot, lambda: app.convo.user_model.expertise == "novice")
            await send(pilot, app, "generate a chain of thought for: Is 91 prime? with 10 tokens")
            await until(pilot, lambda: len(app.query(PredictionPrompt)) == 1)
            await pilot.click("#option-1")  # "no"
            await until(pilot, lambda: not app.busy)
            return _events(app)

    events = asyncio.run(scenario())
    prediction = next(e for e in events if e["type"] == "prediction")
    outcome = next(e for e in events if e["type"] == "outcome")
    assert prediction["answer"] == "no" and outcome["prediction_seq"] == prediction["seq"]


def test_a_tool_that_raises_leaves_the_app_running_and_says_so(tiny, exploding_tool):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await send(pilot, app, f"please run {exploding_tool}")
            await until(pilot, lambda: not app.busy)
            block = app.query_one(ToolCallBlock)
            assert "failed" in str(block.title)
            assert "boom inside the tool" in app.query(MessageView).last().text
            await send(pilot, app, 'split_sentences "One step here. Then another step."')
            await until(pilot, lambda: not app.busy)
            assert "2 sentences" in app.query(MessageView).last().text

    asyncio.run(scenario())


def test_selecting_a_run_opens_its_table_and_plot(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await open_first_run(pilot, app)
            table = app.screen.query_one("#run-table")
            assert table.row_count == 3
            assert app.screen.plot and app.screen.plot["kind"] == "bar"
            await pilot.press("escape")

    asyncio.run(scenario())


def test_sessions_resume_from_the_list_with_their_history(tiny):
    async def first():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await send(pilot, app, 'split_sentences "One step here. Then another step."')
            await until(pilot, lambda: not app.busy)
            return app.convo.id

    async def second(session_id):
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            assert app.convo.id != session_id
            await pilot.press("ctrl+o")
            await until(pilot, lambda: app.screen.__class__.__name__ == "SessionsScreen")
            names = [item.name for item in app.screen.query("ListItem")]
            assert session_id in names
            app.screen.query_one("ListView").index = names.index(session_id)
            await pilot.press("enter")
            await until(pilot, lambda: app.convo is not None and app.convo.id == session_id and len(app.query(ToolCallBlock)) == 1)
            assert "complete" in str(app.query_one(ToolCallBlock).title)
            await pilot.press("ctrl+s")
            await pilot.pause(0.2)
            exported = get_settings().home / "exports" / session_id
            assert (exported / f"{session_id}.jsonl").exists() and (exported / "summary.csv").exists()

    session_id = asyncio.run(first())
    asyncio.run(second(session_id))


def test_help_lists_keys_tools_and_the_offline_limits_and_ctrl_n_starts_afresh(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            first = app.convo.id
            await pilot.press("f1")
            await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen")
            text = app.screen.query_one("Markdown").source
            assert "Ctrl+R" in text and "`generate_cot`" in text and "cannot follow free-form reasoning" in text
            await pilot.press("escape")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: app.convo is not None and app.convo.id != first)

    asyncio.run(scenario())
