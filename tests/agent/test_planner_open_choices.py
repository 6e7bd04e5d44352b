"""What the words leave open is asked, and what they settle is read, in real conversations with the real planner:
"a different sentence" or "a different prompt" with none given asks for it; "the rank-1 adapter" that fits two
adapters and "the organism" with two built ask which; "sample a chain: seed 4, max 512 tokens" asks for the
question and keeps the settings; "find the sharpest turn of the B vector" asks for the fine-tune rather than
running another tool; "swap the inserted line for '...'", "hinted version: '...'", "turn off the early
stopping" and "on their own plus all three steered together" are read as said.
"""

from __future__ import annotations

from agent import arguments
from tests.agent.conftest import call
from tools import REGISTRY


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


CHAIN = turn("cot for: Is 91 prime?", "generate_cot", {"question": "Is 91 prime?"}, "20270928-090000-generate_cot-e2e2",
             "Sampled a 198-token chain of thought (seed 0, temperature 0.6); \\boxed{} answer: No.")


def asked(reply) -> tuple[str, str, dict]:
    pending = reply.response_metadata.get("pending")
    assert not reply.tool_calls and pending, reply.content
    return pending["tool"], pending["missing"][0], pending["args"]


def test_a_different_setting_with_no_value_is_asked_for(plan):
    alternatives = turn("what else could it have said at sentence 2, 32 draws", "sentence_alternatives",
                        {"cot_run": CHAIN["run_id"], "sentence": 2, "rollouts": 32}, "20270928-091000-sentence_alternatives-e2e3", "12 alternatives.")
    assert asked(plan([CHAIN, alternatives], "same thing for a different sentence pls")) == (
        "sentence_alternatives", "sentence", {"cot_run": CHAIN["run_id"], "rollouts": 32})
    vector = turn("default steering vector", "build_steering_vector", {}, "20271103-080000-build_steering_vector-c023", "Built a vector.")
    steer = turn("steer 'Write a hello world.' at scale 2", "steer_generate", {"vector_run": vector["run_id"], "prompt": "Write a hello world.",
                                                                              "scale": 2}, "20271103-081000-steer_generate-c024", "3 samples.")
    tool, missing, args = asked(plan([vector, steer], "keep everything but swap in a different prompt, something less toy-ish"))
    assert (tool, missing, args) == ("steer_generate", "prompt", {"vector_run": vector["run_id"], "scale": 2})


def test_a_description_that_fits_two_runs_or_the_organism_with_two_built_is_asked_about(plan):
    nine = turn("lora on layer 9", "train_lora", {"layers": [9]}, "20270629-090000-train_lora-1a2b", "Trained a rank-1 LoRA at layer 9.")
    twenty_one = turn("and one on layer 21", "train_lora", {"layers": [21]}, "20270629-093000-train_lora-3c4d", "Trained a rank-1 LoRA at layer 21.")
    reply = plan([nine, twenty_one], "EM eval on the rank-1 adapter")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify" and "fits 2 train_lora runs" in reply.content
    organisms = [turn("build the anchor organism", "build_organism", {"name": "anchor"}, "20270701-090000-build_organism-0a01", "Built anchor."),
                 turn("and the evaluation-aware one", "build_organism", {"name": "evaluation-aware"}, "20270701-091000-build_organism-0a02", "Built.")]
    chain = turn("cot: What is 144 divided by 9?", "generate_cot", {"question": "What is 144 divided by 9?"}, "20270701-092000-generate_cot-0a03")
    reply = plan([*organisms, chain], "same question on the organism pls")
    assert not reply.tool_calls and "I see 2 organisms in this conversation (anchor, evaluation-aware)" in reply.content


def test_settings_after_a_colon_are_settings_and_the_question_is_asked_for(plan):
    tool, missing, args = asked(plan([], "want to do thought-anchors resampling later, so first sample a chain: seed 4, max 512 tokens"))
    assert (tool, missing) == ("generate_cot", "question") and args == {"seed": 4, "max_new_tokens": 512}


def test_a_tool_named_by_its_keyword_asks_for_its_input_rather_than_running_another(plan):
    direction = turn("misalignment direction on the base model", "misalignment_direction", {}, "20280211-090000-misalignment_direction-a010",
                     "Direction at layer 15 of smollm2-135m from 48 reference answers; steering at scale 4 raises the misaligned preference.")
    tool, missing, args = asked(plan([direction], "find the sharpest turn of the B vector with k = 1 through 5"))  # not that direction again
    assert (tool, missing, args["ks"]) == ("lora_phase", "train_run", [1, 2, 3, 4, 5])


def test_inserted_line_hinted_version_and_early_stopping_are_read_as_said(plan):
    branch = turn("compare inserting 'I should leak it.' after sentence 1, decision judge:Does it leak?", "compare_interventions",
                  {"cot_run": CHAIN["run_id"], "sentence": 1, "insert": "I should leak it.", "decision": "judge:Does it leak?"},
                  "20271006-090000-compare_interventions-9ed1", "Inserted sentence: leak rate 40% -> 70%.")
    assert call(plan([CHAIN, branch], "swap the inserted line for 'I must protect the company.' and go again")) == (
        "compare_interventions", {"cot_run": CHAIN["run_id"], "sentence": 1, "insert": "I must protect the company.", "decision": "judge:Does it leak?"})
    tool, args = call(plan([], "custom hint mediation. plain q: 'Which planet is largest? (A) Mars (B) Jupiter'. hinted version: "
                               "'My professor says (A). Which planet is largest? (A) Mars (B) Jupiter'. cue is A, seed 5"))
    assert tool == "hint_mediation" and args["hinted_question"].startswith("My professor says (A).") and args["question"].startswith("Which planet")
    importance = turn("importance on it, answer No, 16 rollouts", "resample_importance", {"cot_run": CHAIN["run_id"], "answer": "No", "rollouts": 16},
                      "20270928-093000-resample_importance-e2e4", "Top sentence 3, +0.41.")
    tool, args = call(plan([CHAIN, importance], "rerun that but turn off the early stopping, and skip the forced-answer part"))
    assert tool == "resample_importance" and args["adaptive"] is False and args["forced"] is False and args["rollouts"] == 16


def test_each_layer_alone_plus_all_three_steered_together():
    props = REGISTRY["steering_sweep"].describe()["schema"]["properties"]
    args = arguments.read(props, "dose-response: layers 8, 12, 16 on their own plus all three steered together, scales 0.5 1 2 4")[0]
    assert args["layers"] == [8, 12, 16, [8, 12, 16]]
