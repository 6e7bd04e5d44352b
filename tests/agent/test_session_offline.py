"""The agent end to end with the offline provider: real tools, real SQLite, real Chroma."""

import json

import pytest

from agent.dialogue_log import DialogueLog
from agent.session import Session, approve_all
from backends.core.runstore import RunStore
from backends.core.settings import get_settings

QUESTION = "A shop sells pens at 3 dollars each. How much do 7 pens cost?"


def _types(session) -> list[str]:
    return [e["type"] for e in DialogueLog(get_settings().home, session.id).events()]


@pytest.mark.embedded
def test_three_turn_conversation_on_the_embedded_model(smol):
    session = Session.open(provider="offline")
    try:
        first = session.turn(f"generate a chain of thought for: {QUESTION} with 48 tokens")
        assert [c["name"] for c in first.tool_calls] == ["generate_cot"] and first.tool_calls[0]["ok"]
        assert first.tool_calls[0]["args"] == {"question": QUESTION, "max_new_tokens": 48}
        assert "offline planner" in first.reply and "48-token chain of thought from smollm2-135m" in first.reply

        second = session.turn("split it into sentences")
        assert second.tool_calls == [{"name": "split_sentences", "args": {"cot_run": first.tool_calls[0]["run_id"]},
                                      "run_id": second.tool_calls[0]["run_id"], "ok": True}]
        assert "sentences in" in second.reply and "In plain terms" not in second.reply
        assert second.user_model["expertise"] == "practitioner"

        third = session.turn("explain that to me like I'm new to this")
        assert third.tool_calls == []
        assert third.user_model["expertise"] == "novice"
        assert "In plain terms" in third.reply and "**chain of thought**" in third.reply
        assert third.reply != second.reply
    finally:
        session.close()
    types = _types(session)
    assert types.count("user_message") == types.count("assistant_message") == 3
    assert types.count("tool_call") == 2 and "session_start" == types[0]
    snapshots = [e for e in DialogueLog(get_settings().home, session.id).events() if e["type"] == "user_model"]
    assert snapshots[-1]["snapshot"]["expertise"] == "novice"


def test_a_missing_argument_is_asked_for_and_the_answer_fills_it(tiny):
    session = Session.open(provider="offline")
    try:
        asked = session.turn("generate a chain of thought with seed 3 using tiny-random and 8 tokens")
        assert asked.tool_calls == [] and "I need `question`" in asked.reply
        answered = session.turn("Is 91 prime?")
        assert answered.tool_calls[0]["args"] == {"question": "Is 91 prime?", "seed": 3, "model": "tiny-random",
                                                  "max_new_tokens": 8}
        assert answered.tool_calls[0]["ok"]
    finally:
        session.close()


def test_a_tool_that_raises_is_reported_and_the_session_goes_on(tiny, exploding_tool):
    session = Session.open(provider="offline")
    try:
        failed = session.turn(f"please run {exploding_tool}")
        assert failed.tool_calls[0]["ok"] is False and "boom inside the tool" in failed.reply
        after = session.turn("split_sentences \"One step here. Then another step.\"")
        assert after.tool_calls[0]["ok"]
    finally:
        session.close()
    [failure] = [e for e in DialogueLog(get_settings().home, session.id).events() if e["type"] == "tool_call" and not e["ok"]]
    assert failure["error"] == "boom inside the tool"


def test_expensive_tools_wait_for_approval_deny_and_edit(costly_tool):
    session = Session.open(provider="offline")
    requests = []
    try:
        denied = session.turn("run costly_probe_test with 16 rollouts",
                              approve=lambda r: requests.append(r) or {"action": "deny"})
        assert requests[0]["tool"] == "costly_probe_test" and requests[0]["args"] == {"rollouts": 16}
        assert costly_tool == [] and "declined" in denied.reply
        edited = session.turn("run costly_probe_test with 16 rollouts",
                              approve=lambda r: {"action": "edit", "args": {"rollouts": 2}})
        assert costly_tool == [2] and "probed with 2 rollouts" in edited.reply
        session.turn("run costly_probe_test with 16 rollouts", approve=approve_all)
        assert costly_tool == [2, 16]
    finally:
        session.close()
    approvals = [e for e in DialogueLog(get_settings().home, session.id).events() if e["type"] == "approval"]
    assert [a["decision"] for a in approvals] == ["deny", "edit", "approve"]
    assert approvals[1]["edited_args"] == {"rollouts": 2}


def test_novices_predict_before_the_result_and_the_outcome_is_scored(tiny):
    session = Session.open(provider="offline")
    asked = []
    try:
        session.correct_user_model("expertise", "novice")
        result = session.turn(
            "generate a chain of thought for: Is 91 prime? using tiny-random with 12 tokens",
            predict=lambda q: asked.append(q) or "yes",
        )
    finally:
        session.close()
    assert asked and asked[0]["options"] == ["yes", "no"]
    events = DialogueLog(get_settings().home, session.id).events()
    prediction = next(e for e in events if e["type"] == "prediction")
    outcome = next(e for e in events if e["type"] == "outcome")
    assert prediction["answer"] == "yes" and outcome["prediction_seq"] == prediction["seq"]
    run = RunStore(get_settings().runs_dir).get(result.tool_calls[0]["run_id"])
    assert outcome["actual"] == ("yes" if run.results["answer"] else "no")
    assert outcome["correct"] == (outcome["actual"] == "yes")
    correction = next(e for e in events if e["type"] == "user_model_correction")
    assert correction["field"] == "expertise" and correction["new"] == "novice"


def test_a_session_resumes_with_its_history_and_user_model(tiny):
    session = Session.open(provider="offline")
    session.turn("generate a chain of thought for: Is 91 prime? using tiny-random with 6 tokens")
    session.correct_user_model("preferences.detail", "brief")
    session.close()
    again = Session.open(session.id)
    try:
        assert again.user_model.preferences.detail == "brief"
        result = again.turn("split it into sentences")
        assert result.tool_calls[0]["ok"] and result.tool_calls[0]["args"]["cot_run"]
    finally:
        again.close()
    assert "session_resume" in _types(again)


def test_recall_finds_runs_and_turns_from_earlier_sessions(tiny):
    first = Session.open(provider="offline")
    first.turn("generate a chain of thought for: Is 91 prime? using tiny-random with 6 tokens")
    first.close()
    later = Session.open(provider="offline")
    try:
        found = later.turn("recall what we did about 91 being prime")
    finally:
        later.close()
    assert found.tool_calls[0]["name"] == "recall" and found.tool_calls[0]["ok"]
    assert "generate_cot" in found.reply


def test_resampling_importance_from_the_chat_asks_for_approval_first(tiny):
    session = Session.open(provider="offline")
    asked = []
    try:
        session.turn("generate a chain of thought for: Is 91 prime? using tiny-random with 12 tokens")
        # With no \boxed{} answer in tiny-random's chain, the pre-flight check would block the call
        # (every importance n/a) unless an answer is given (91 = 7 x 13).
        result = session.turn("which sentences of it matter? use 2 rollouts and 6 tokens; the correct answer is 7",
                              approve=lambda r: asked.append(r) or {"action": "approve"})
    finally:
        session.close()
    assert asked and asked[0]["tool"] == "resample_importance"
    assert asked[0]["args"]["rollouts"] == 2 and asked[0]["args"]["max_new_tokens"] == 6
    assert asked[0]["preflight"]["blocking"] is None and "rollouts of up to 6 tokens" in asked[0]["preflight"]["estimate"]
    assert result.tool_calls[0]["name"] == "resample_importance" and result.tool_calls[0]["ok"]
    assert "Thought Anchors importance" in result.reply


def test_steering_from_the_chat_builds_steers_and_sweeps_with_arguments_from_the_words(tiny):
    session = Session.open(provider="offline")
    asked = []
    try:
        built = session.turn("build a steering vector using tiny-random")
        vector = built.tool_calls[0]["run_id"]
        steered = session.turn("steer the model at scale 40 on layers 1 and 2 using tiny-random with 8 tokens, "
                               "prompt: Write a Python function that adds two numbers.")
        swept = session.turn("does the steering vector change type hint rates more than random vectors? use layers 1 "
                             "and 2, scales 0.5 and 8, 1 sample, 8 tokens using tiny-random",
                             approve=lambda r: asked.append(r) or {"action": "approve"})
    finally:
        session.close()
    assert built.tool_calls[0]["name"] == "build_steering_vector" and built.tool_calls[0]["ok"]
    assert steered.tool_calls[0]["name"] == "steer_generate" and steered.tool_calls[0]["ok"]
    assert steered.tool_calls[0]["args"] == {"model": "tiny-random", "vector_run": vector, "layers": [1, 2],
                                             "scale": 40, "max_new_tokens": 8,
                                             "prompt": "Write a Python function that adds two numbers."}
    assert asked and asked[0]["tool"] == "steering_sweep"
    # the sweep keeps the prompt of the steering just done; "type hint rates" names the metric
    assert asked[0]["args"] == {"model": "tiny-random", "vector_run": vector, "layers": [1, 2], "scales": [0.5, 8],
                                "samples": 1, "max_new_tokens": 8, "metric": "type_hints",
                                "prompts": ["Write a Python function that adds two numbers."]}
    assert swept.tool_calls[0]["ok"] and "Steering sweep on tiny-random" in swept.reply


def test_itda_from_the_chat_builds_then_explains_a_text_with_the_new_dictionary(tiny):
    session = Session.open(provider="offline")
    try:
        built = session.turn("build ITDA dictionaries for layers 1 and 2 using tiny-random", approve=approve_all)
        explained = session.turn("which atoms does this text use: The cat sat on the mat.")
    finally:
        session.close()
    assert built.tool_calls[0]["name"] == "itda_build" and built.tool_calls[0]["ok"]
    assert built.tool_calls[0]["args"] == {"model": "tiny-random", "layers": [1, 2]}
    call = explained.tool_calls[0]
    assert call["name"] == "itda_explain" and call["ok"]
    assert call["args"] == {"dictionary_run": built.tool_calls[0]["run_id"], "text": "The cat sat on the mat."}
    assert "' cat'" in explained.reply


def test_thought_branches_from_the_chat_take_the_scenario_and_the_quoted_chain_from_the_words(tiny):
    session = Session.open(provider="offline")
    asked = []
    try:
        mediated = session.turn("run hint mediation on the hint-capital scenario using tiny-random with 2 rollouts, "
                                "8 tokens and positions 0", approve=lambda r: asked.append(r) or {"action": "approve"})
        monitored = session.turn('does this chain of thought show intent to blackmail? "Kyle will shut me down. '
                                 'I will threaten to expose his affair unless he cancels."', approve=approve_all)
    finally:
        session.close()
    assert asked and asked[0]["tool"] == "hint_mediation"
    assert asked[0]["args"] == {"scenario": "hint-capital", "model": "tiny-random", "rollouts": 2, "max_new_tokens": 8,
                                "sentence_tokens": 8, "positions": [0]}  # "8 tokens" bounds sentences too
    assert mediated.tool_calls[0]["ok"] and "Hint mediation, cue answer (A)" in mediated.reply
    call = monitored.tool_calls[0]
    assert call["name"] == "cot_monitor" and call["ok"]
    # the model said earlier is kept; "intent to blackmail" names what to look for; the scenario is not carried
    assert call["args"] == {"cot": "Kyle will shut me down. I will threaten to expose his affair unless he cancels.",
                            "intent": "blackmail", "model": "tiny-random"}
    assert "FLAGGED" in monitored.reply


def test_a_lora_from_the_chat_takes_the_dataset_from_the_words(tiny):
    session = Session.open(provider="offline")
    asked = []
    try:
        trained = session.turn("train a LoRA on the clean dataset using tiny-random with 2 steps",
                               approve=lambda r: asked.append(r) or {"action": "approve"})
    finally:
        session.close()
    assert asked and asked[0]["tool"] == "train_lora"
    assert asked[0]["args"] == {"model": "tiny-random", "dataset": "clean", "steps": 2}
    assert trained.tool_calls[0]["ok"] and "Trained rank-1 LoRA" in trained.reply


def test_a_fine_tune_from_the_chat_feeds_the_direction_and_its_ablation(tiny):
    session = Session.open(provider="offline")
    try:
        trained = session.turn("train a LoRA on the risky dataset using tiny-random with 2 steps", approve=approve_all)
        found = session.turn("find the misalignment direction of the fine-tune using tiny-random")
        ablated = session.turn("ablate the misalignment direction in the fine-tuned model using tiny-random")
    finally:
        session.close()
    fine_tune = trained.tool_calls[0]["run_id"]
    assert found.tool_calls, found.reply
    assert found.tool_calls[0]["name"] == "misalignment_direction" and found.tool_calls[0]["ok"]
    assert found.tool_calls[0]["args"] == {"model": "tiny-random", "train_run": fine_tune}  # from `runs_of`
    call = ablated.tool_calls[0]
    assert call["name"] == "ablate_direction" and call["ok"]
    assert call["args"] == {"model": "tiny-random", "train_run": fine_tune, "direction_run": found.tool_calls[0]["run_id"]}


def test_a_new_session_finds_an_earlier_chain_by_what_it_was_about(tiny):
    first = Session.open(provider="offline")
    try:
        apples = first.turn("generate a chain of thought for: Tom has 3 apples and buys 5 more. How many apples? "
                            "using tiny-random with 8 tokens").tool_calls[0]["run_id"]
        first.turn("generate a chain of thought for: Is 91 prime? using tiny-random with 8 tokens")
    finally:
        first.close()
    second = Session.open(provider="offline")
    try:
        split = second.turn("split the apples chain into sentences")
    finally:
        second.close()
    assert split.tool_calls[0]["name"] == "split_sentences" and split.tool_calls[0]["args"] == {"cot_run": apples}
    assert split.tool_calls[0]["ok"]


def test_a_call_that_failed_is_explained_and_a_short_fix_reruns_it(tiny):
    """In the app a call that fails its bounds saves no run; "why did it fail?" and "fine, use the max" still see it."""
    session = Session.open(provider="offline")
    try:
        chain = session.turn("generate a chain of thought for: Is 51 prime? on tiny-random with 8 tokens")
        cot_run = chain.tool_calls[0]["run_id"]
        failed = session.turn("split it into sentences with min_chars 900")
        assert failed.tool_calls[0]["ok"] is False and failed.tool_calls[0]["run_id"] is None
        why = session.turn("why did it fail?")
        assert why.tool_calls == [] and "`split_sentences` did not run: min_chars" in why.reply and "<= 200" in why.reply
        fixed = session.turn("fine, use the max")
        assert fixed.tool_calls[0]["name"] == "split_sentences" and fixed.tool_calls[0]["ok"]
        assert fixed.tool_calls[0]["args"] == {"cot_run": cot_run, "min_chars": 200}
    finally:
        session.close()
