"""The pre-flight check before approval: its estimate rides in the approval request, and a call
that cannot succeed is stopped before anyone is asked, without a run."""

import pytest

from agent.dialogue_log import DialogueLog
from agent.session import Session
from backends.core.runstore import RunStore
from backends.core.settings import get_settings


@pytest.fixture
def checked_tool():
    """An expensive test tool whose pre-flight answer the test sets; yields (calls run, the answer)."""
    from tools import REGISTRY
    from tools.registry import ToolArgs, ToolOutput, register

    class Args(ToolArgs):
        rollouts: int = 4

    ran, answer = [], {}

    def check(args, settings):
        if "raise" in answer:
            raise RuntimeError(answer["raise"])
        return answer | {"numbers": {"rollouts": args.rollouts}}

    @register("checked_probe_test", description="An expensive test tool with a pre-flight check.", args=Args,
              cost="expensive", examples=("run the checked probe test",), preflight=check)
    def probe(args, ctx) -> ToolOutput:
        ran.append(args.rollouts)
        return ToolOutput(summary=f"probed with {args.rollouts} rollouts", result={"rollouts": args.rollouts})

    yield ran, answer
    del REGISTRY["checked_probe_test"]


def _events(session, kind: str) -> list[dict]:
    return [e for e in DialogueLog(get_settings().home, session.id).events() if e["type"] == kind]


def test_a_blocking_preflight_stops_the_call_before_approval_and_makes_no_run(tiny):
    session = Session.open(provider="offline")
    asked = []
    try:
        made = session.turn("generate a chain of thought for: What is 6 times 7? using tiny-random with 24 tokens")
        cot_run = made.tool_calls[0]["run_id"]
        turn = session.turn("Which sentences of it matter? Use tiny-random",
                            approve=lambda request: asked.append(request) or {"action": "approve"})
    finally:
        session.close()
    assert asked == []  # nobody was asked
    [call] = turn.tool_calls
    assert call["name"] == "resample_importance" and call["args"]["cot_run"] == cot_run
    assert call["ok"] is False and call["run_id"] is None
    assert "finds no answer in this chain" in turn.reply and "every importance would be n/a" in turn.reply
    assert [r.meta["tool"] for r in RunStore(get_settings().runs_dir).list()] == ["generate_cot"]
    failed = [e for e in _events(session, "tool_call") if e["name"] == "resample_importance"]
    assert len(failed) == 1 and failed[0]["ok"] is False and failed[0]["run_id"] is None
    assert failed[0]["error"].startswith("resample_importance: the extractor 'boxed' finds no answer in this chain")
    [approval] = _events(session, "approval")
    assert approval["decision"] == "blocked"  # answered by the check, not by a person


def test_the_estimate_and_warnings_ride_in_the_approval_request(checked_tool):
    ran, answer = checked_tool
    answer.update(estimate="16 rollouts; time unknown until a first run on this model", warnings=["mind the gap"])
    session = Session.open(provider="offline")
    asked = []
    try:
        session.turn("run checked_probe_test with 16 rollouts",
                     approve=lambda request: asked.append(request) or {"action": "approve"})
        answer.clear()
        answer["raise"] = "no store"
        session.turn("run checked_probe_test with 8 rollouts",
                     approve=lambda request: asked.append(request) or {"action": "approve"})
    finally:
        session.close()
    assert ran == [16, 8]
    first, second = (request["preflight"] for request in asked)
    assert first["estimate"] == "16 rollouts; time unknown until a first run on this model"
    assert first["warnings"] == ["mind the gap"] and first["blocking"] is None and first["numbers"]["rollouts"] == 16
    # a check that fails never blocks: it becomes a warning, and the user decides
    assert second["warnings"] == ["pre-flight check failed: no store"] and second["blocking"] is None


def test_a_blocking_check_on_a_test_tool_returns_a_preflight_error(checked_tool):
    ran, answer = checked_tool
    answer.update(estimate="4 rollouts", blocking="checked_probe_test: it cannot succeed")
    session = Session.open(provider="offline")
    try:
        turn = session.turn("run checked_probe_test", approve=lambda request: pytest.fail("asked for approval"))
    finally:
        session.close()
    assert ran == [] and turn.tool_calls[0]["ok"] is False
    assert "`checked_probe_test` was not started" in turn.reply and "it cannot succeed" in turn.reply
    [event] = _events(session, "tool_call")
    assert event["ok"] is False and event["error"] == "checked_probe_test: it cannot succeed"
