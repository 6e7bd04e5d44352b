"""What a person reads after a tool runs, checked on the rendered screen: line structure and
a table, the chain of thought, prediction feedback, focus after a view closes, queued messages."""

import asyncio
import re

import pytest
from textual.widgets import Collapsible, Input, Select

from tests.tui.screen import screen_text
from tests.tui.test_app import _events, open_first_run, send, until
from tui.app import ParleyApp
from tui.screens.approval import ApprovalScreen
from tui.screens.run_detail import RunScreen
from tui.widgets.chat import MessageView, PredictionPrompt, ToolCallBlock
from tui.widgets.result import ResultView

CHAIN = r"First, add 17 and 25. That gives 42. So the answer is \boxed{42}."


@pytest.fixture(autouse=True)
def offline_tiny(monkeypatch):
    monkeypatch.setenv("PARLEY_PROVIDER", "offline")
    monkeypatch.setenv("PARLEY_MODEL", "tiny-random")
    monkeypatch.setenv("PARLEY_APPROVE_TOKENS_OVER", "8192")  # the 8000-token jobs stopped with Esc here run unasked


def test_an_importance_result_reads_as_lines_and_a_rounded_table(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await send(pilot, app, f'resample_importance with 2 rollouts, max 8 tokens, answer 42: "{CHAIN}"')
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            app.screen.query_one("#approve").press()
            await until(pilot, lambda: not app.busy, seconds=90)
            await pilot.pause(0.3)
            return screen_text(app)

    text = asyncio.run(scenario())
    lines = text.splitlines()
    assert any("Thought Anchors importance for 3 sentences" in line for line in lines)
    # each summary line starts a screen line of its own, not run together into one paragraph
    assert any(line.strip().startswith("Rollouts with no extractable answer") for line in lines)
    assert any(re.search(r"│ #\s+│ counterfactual\s+│ resampling", line) for line in lines)  # a table header
    rows = [line for line in lines if re.match(r"\s*│ [0-2]\s+│", line)]
    assert len(rows) == 3 and "That gives 42." in rows[1]
    assert not re.search(r"\d\.\d{5,}", text)  # numbers rounded, never 4.978083906861741


def test_the_chain_of_thought_shows_after_generation(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await send(pilot, app, "generate a chain of thought for: Is 91 prime? with 24 tokens")
            await until(pilot, lambda: not app.busy and len(app.query(ResultView)) == 1)
            await pilot.pause(0.3)
            view = app.query_one(ResultView)
            [block] = [c for c in view.query(Collapsible) if str(c.title).startswith("Chain of thought")]
            cot = app.convo.state["runs"][-1]
            from backends.core.runstore import RunStore

            whole = RunStore(app.convo.settings.runs_dir).get(cot["run_id"]).results["cot"]
            return block.collapsed, screen_text(app), whole

    collapsed, text, whole = asyncio.run(scenario())
    assert not collapsed  # the chain just generated is open, not hidden behind a click
    first_words = " ".join(whole.split()[:3])
    assert first_words and first_words in " ".join(text.split())


async def novice_generation_asks_a_prediction(pilot, app) -> None:
    """A novice (predictions on) asks for a short chain: the prediction question appears."""
    await until(pilot, lambda: app.convo is not None)
    app.query_one("#um-expertise", Select).value = "novice"
    await until(pilot, lambda: app.convo.user_model.expertise == "novice")
    await send(pilot, app, "generate a chain of thought for: Is 91 prime? with 10 tokens")
    await until(pilot, lambda: len(app.query(PredictionPrompt)) == 1)


def test_a_prediction_is_marked_right_or_wrong_with_a_running_score(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await novice_generation_asks_a_prediction(pilot, app)
            await pilot.click("#option-0")  # "yes": tiny-random never writes \boxed{} in 10 tokens
            await until(pilot, lambda: not app.busy)
            await pilot.pause(0.2)
            question = str(app.query_one(PredictionPrompt).query_one(".question").render())
            return question, str(app.query_one("#score").render()), app.query(MessageView).last().text

    question, score, reply = asyncio.run(scenario())
    assert "you predicted yes; actual no: wrong" in " ".join(question.split())
    assert score == "predictions: 0 of 1 right"
    assert "You predicted **yes**; it was **no**" in reply


def test_a_count_already_on_screen_is_not_asked_for(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await novice_generation_asks_a_prediction(pilot, app)
            await pilot.click("#option-skip")
            await until(pilot, lambda: not app.busy)
            await send(pilot, app, "split it into sentences")
            await until(pilot, lambda: not app.busy)
            return len(app.query(PredictionPrompt)), [c["tool"] for c in app.convo.state["runs"]]

    prompts, tools = asyncio.run(scenario())
    assert tools == ["generate_cot", "split_sentences"]
    assert prompts == 1  # the generation's summary gave the sentence count: no question about it


def test_focus_returns_to_the_message_box_when_the_run_view_closes(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await open_first_run(pilot, app)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, RunScreen))
            await pilot.press("h", "i")
            return app.query_one("#prompt", Input).value, isinstance(app.screen, RunScreen)

    typed, reopened = asyncio.run(scenario())
    assert typed == "hi" and not reopened


def test_a_message_sent_while_a_reply_runs_is_queued_then_sent(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await send(pilot, app, "generate a chain of thought for: Count to a thousand. with 8000 tokens")
            await until(pilot, lambda: app.busy and len(app.query(ToolCallBlock)) == 1)
            await send(pilot, app, 'split_sentences "One step. Two steps."')
            queued = [m for m in app.query(MessageView) if m.has_class("queued")]
            label = " ".join(screen_text(app).split())
            await pilot.press("escape")  # the long job stops (kept as partial); the queued message goes next
            await until(pilot, lambda: not app.busy and len(app.convo.state.get("runs", [])) == 2, seconds=90)
            return len(queued), label, _events(app), [m.has_class("queued") for m in app.query(MessageView)]

    queued, label, events, still = asyncio.run(scenario())
    assert queued == 1 and "queued: sent when the current reply ends" in label
    assert [e["text"] for e in events if e["type"] == "user_message"][1] == 'split_sentences "One step. Two steps."'
    assert not any(still)


def test_a_run_that_cannot_succeed_is_stopped_before_approval(tiny):
    async def scenario():
        app = ParleyApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.convo is not None)
            await send(pilot, app, "generate a chain of thought for: Is 91 prime? with 12 tokens")
            await until(pilot, lambda: not app.busy)
            asked = []
            await send(pilot, app, "which sentences of it matter? use 16 rollouts")
            while app.busy:  # tiny-random's chain has no \boxed{} answer: every importance would be n/a
                asked.append(isinstance(app.screen, ApprovalScreen))
                await pilot.pause(0.05)
            blocks = app.query(ToolCallBlock)
            return any(asked), str(blocks.last().title), app.query(MessageView).last().text, app.convo.state["runs"]

    asked, title, reply, runs = asyncio.run(scenario())
    assert not asked and "resample_importance" in title and "[not started" in title
    assert "was not started" in reply and "extractor" in reply
    assert [r["tool"] for r in runs] == ["generate_cot"]  # no run made, nothing sampled
