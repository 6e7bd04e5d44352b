"""A whole research conversation with the offline planner on the embedded model, as a person types it.

generate -> split -> importance -> "why is sentence N important?" -> "run it again with more
rollouts" -> "show me the plot" -> steer -> "compare against a random control": the right tool
(or none) and the right arguments at every step, and words a person can read in each reply.
"""

import pytest

from agent.session import Session, approve_all

QUESTION = "A shop sells pens at 3 dollars each. How much do 7 pens cost?"
PROMPT = "Write a Python function that adds two numbers."


@pytest.mark.embedded
@pytest.mark.timeout(300)
def test_a_research_conversation_routes_every_turn_and_keeps_its_arguments(smol):
    session = Session.open(provider="offline")
    turns = []

    def say(text: str):
        turns.append(session.turn(text, approve=approve_all))
        return turns[-1]

    try:
        chain = say(f"generate a chain of thought for: {QUESTION} with 48 tokens")
        [call] = chain.tool_calls
        assert call["name"] == "generate_cot" and call["args"] == {"question": QUESTION, "max_new_tokens": 48}
        cot_run = call["run_id"]

        split = say("split it into sentences")
        assert split.tool_calls[0]["args"] == {"cot_run": cot_run} and "sentences in" in split.reply

        importance = say("which sentences actually drive the final answer? 2 rollouts, 16 tokens per rollout, "
                         "the answer is 21, using the last number as the answer")
        [call] = importance.tool_calls
        assert call["name"] == "resample_importance" and call["ok"]
        assert call["args"] == {"cot_run": cot_run, "rollouts": 2, "max_new_tokens": 16, "answer": "21",
                                "extractor": "last_number"}

        why = say("why is sentence 1 so important?")
        assert why.tool_calls == [] and why.intent == "answer"
        assert "Sentence 1" in why.reply and "counterfactual_accuracy" in why.reply
        assert why.reply not in importance.reply  # an answer, not the summary again

        again = say("run it again with more rollouts")
        [call] = again.tool_calls
        assert call["name"] == "resample_importance" and call["ok"]
        assert call["args"] == {"cot_run": cot_run, "rollouts": 4, "max_new_tokens": 16, "answer": "21",
                                "extractor": "last_number"}

        plot = say("show me the plot")
        assert plot.tool_calls == [] and plot.shown == [{"run_id": call["run_id"], "part": "plot"}]

        steer = say(f"now steer the model at layer 12 with strength 6 and 8 tokens, prompt: {PROMPT}")
        [call] = steer.tool_calls
        assert call["name"] == "steer_generate" and call["ok"]
        assert call["args"] == {"layers": [12], "scale": 6.0, "max_new_tokens": 8, "prompt": PROMPT}

        control = say("compare against a random control, 1 sample and 1 control per cell, 8 tokens")
        [call] = control.tool_calls
        assert call["name"] == "steering_sweep" and call["ok"]
        assert call["args"] == {"layers": [12], "scales": [6.0], "prompts": [PROMPT], "samples": 1, "controls": 1,
                                "max_new_tokens": 8}
        assert "random" in control.reply
    finally:
        session.close()
    assert [t.intent for t in turns] == ["run", "run", "run", "answer", "run", "show", "run", "run"]
