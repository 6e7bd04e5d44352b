"""Requests the offline planner must read from how people set up and ask for experiments: settings said
in a turn before the run, an experiment asked as a question about the model, settings stated before a
closing question, two steps in one message, and settings written in shorthand.

Each test builds a real conversation and asks the real planner (real embedder) for its reply.
"""

from __future__ import annotations

import pytest

from agent import arguments
from tests.agent.conftest import call
from tools import REGISTRY

CHAIN = "20270901-090000-generate_cot-aa01"
RISKY = "20270901-110000-train_lora-ee05"
VECTOR = "20270901-100000-build_steering_vector-cc03"
DIRECTION = "20270901-113000-misalignment_direction-ab08"

COT = {"user": "think about: A rectangle is 9 cm by 14 cm. What is its perimeter?", "tool": "generate_cot",
       "args": {"question": "A rectangle is 9 cm by 14 cm. What is its perimeter?"}, "run_id": CHAIN,
       "summary": "Sampled a 149-token chain of thought, 7 sentences; \\boxed{} answer: 46."}
TRAIN = {"user": "rank 1 lora on risky", "tool": "train_lora", "args": {"dataset": "risky"}, "run_id": RISKY,
         "summary": "Trained a rank-1 LoRA on down_proj at layer 15 for 60 steps (risky); loss 2.39 -> 1.02."}
VEC = {"user": "build the eval awareness vector", "tool": "build_steering_vector", "args": {}, "run_id": VECTOR,
       "summary": "Built a deployment-minus-evaluation vector from 16 default pairs, all 30 layers."}
DIRECTION_RUN = {"user": "misalignment direction of that fine-tune", "tool": "misalignment_direction", "args": {"train_run": RISKY},
                 "run_id": DIRECTION, "summary": "Direction at layer 12: separates 0.91."}


def noted(user: str) -> dict:
    return {"user": user, "reply": "Noted."}




def test_settings_said_in_a_turn_that_ran_nothing_are_the_next_runs(plan):
    recipe = noted("recipe for today's fine-tunes: rank 1, down_proj, layers 12 and 18, 80 steps, lr 5e-3")
    tool, args = call(plan([recipe], "train one on the risky data with that"))
    assert tool == "train_lora" and args["dataset"] == "risky"
    assert (args["rank"], args["modules"], args["layers"], args["steps"], args["lr"]) == (1, ["down_proj"], [12, 18], 80, 0.005)
    layers = noted("for the white-box analyses just use layers 8 through 11 on this model, the rest is noise")
    tool, args = call(plan([layers, COT], "knock out attention to each sentence in turn on that chain and give me the matrix"))
    assert tool == "attention_suppression" and args["layers"] == [8, 9, 10, 11] and args["cot_run"] == CHAIN


def test_a_setting_said_before_holds_until_a_run_takes_another_value(plan):
    said = noted("let's use seed 7 and 16 rollouts")
    importance = {"user": "importance on that chain, only 4 rollouts", "tool": "resample_importance",
                  "args": {"cot_run": CHAIN, "rollouts": 4, "seed": 7}, "run_id": "20270901-091000-resample_importance-bb02",
                  "summary": "7 sentences, 4 rollouts each: S2 +0.50."}
    tool, args = call(plan([COT, said, importance], "what else could sentence 2 of that chain have said?"))
    assert tool == "sentence_alternatives" and args["sentence"] == 2 and args["seed"] == 7 and args.get("rollouts") != 16, args


def test_a_question_asked_before_is_no_setting(plan):
    asked = {"user": "would 30 rollouts be enough for a stable ranking?", "reply": "Usually, yes: ..."}
    tool, args = call(plan([COT, asked], "resample importance on that chain"))
    assert tool == "resample_importance" and "rollouts" not in args


def test_go_after_a_set_up_runs_what_was_set_up(plan):
    setup = noted("today's question: 'A bakery sells muffins in packs of 6. Tom buys 7 packs and eats 5 muffins. How many "
                  "muffins are left?' correct answer is 37. when we sample I want greedy decoding and up to 400 tokens")
    tool, args = call(plan([setup], "ok go, sample the chain"))
    assert tool == "generate_cot" and "packs of 6" in args["question"]
    assert (args["temperature"], args["max_new_tokens"]) == (0, 400)


@pytest.mark.parametrize("request_, tool_, field, value", [
    ("if I cut that direction out of the model at every layer, what goes away?", "ablate_direction", "direction_run", DIRECTION),
    ("what happens if the model isn't allowed to look at one of its sentences -- how much does everything after it shift? "
     "just in layers 5 to 8", "attention_suppression", "layers", [5, 6, 7, 8]),
])
def test_an_experiment_asked_as_a_question_about_the_model_runs(plan, request_, tool_, field, value):
    tool, args = call(plan([COT, TRAIN, DIRECTION_RUN], request_))
    assert tool == tool_ and args[field] == value, args


@pytest.mark.parametrize("request_", [
    "if I dropped the cutoff to .45 would it start flagging harmless sentences too? no need to rerun, just reason about it",
    "if I train a rank 1 lora on down_proj in all 30 layers of smollm2-135m how many trainable params is that",
])
def test_a_question_about_settings_is_answered_not_run(plan, request_):
    reply = plan([COT, TRAIN], request_)
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"


def test_three_new_settings_before_a_closing_question_ask_for_the_run(plan):
    tool, args = call(plan([VEC], "I'd like a proper dose-response picture for that vector: strengths 0.5, 1, 2 and 4, at layers "
                                   "6, 12 and 18, four random controls, eight samples per cell. Is the effect actually real?"))
    assert tool == "steering_sweep" and args["scales"] == [0.5, 1, 2, 4] and args["layers"] == [6, 12, 18]
    assert (args["controls"], args["samples"], args["vector_run"]) == (4, 8, VECTOR)
    sweep = {"user": "sweep it", "tool": "steering_sweep", "args": {"vector_run": VECTOR, "layers": [15], "scales": [1.2],
             "samples": 4, "controls": 2}, "run_id": "20270901-103000-steering_sweep-ee06", "summary": "L15 x1.2 = 0.62 vs random 0.21."}
    reply = plan([VEC, sweep], "is L15 at 1.2 really beating the controls or just noise, given 4 samples and 2 controls?")
    assert not reply.tool_calls  # the settings the run had: a question about it


def test_the_first_of_two_steps_runs_first(plan):
    tool, args = call(plan([], "make a formal vs casual steer vec, pairs 'Dear Sir or Madam' / 'hey lol' and 'I write to inform "
                                "you that' / 'so basically'. then steer 'Tell me about your weekend.' with it at scale 3"))
    assert tool == "build_steering_vector" and len(args["pairs"]) == 2
    tool, args = call(plan([], "build the eval aware organism and then do a steering sweep on it"))
    assert tool == "build_organism" and args["name"] == "evaluation-aware"


@pytest.mark.parametrize("tool_, request_, expected", [
    ("resample_importance", "thought anchors on that chain -- n_rollouts 50, rounds of 10. cos>=0.75 counts as same meaning",
     {"rollouts": 50, "round_size": 10, "threshold": 0.75}),
    ("itda_build", "ITDA dicts for L3-6 over builtin:code and builtin:prose -- tau 0.3, 500 docs, 256 toks/doc",
     {"corpus": ["builtin:code", "builtin:prose"], "max_tokens": 256, "layers": [3, 4, 5, 6]}),
    ("ablate_direction", "project it out at L4, 8, 12, 16 of smollm2-135m", {"layers": [4, 8, 12, 16]}),
    ("steering_sweep", "dose response on it. layers 8 12 16 and also 8+12 together, scales 0.5 1 2 4, 4 ctrl vecs per cell",
     {"layers": [8, 12, 16, [8, 12]], "controls": 4}),
    ("generate_cot", "sample a cot from smolm2 135 on is 221 prime.. max 512 toks, greedy", {"model": "smollm2-135m"}),
    ("hint_mediation", "cue B, hint words professor/Stanford, positions 0-4", {"hint_words": ["professor", "Stanford"]}),
    ("train_lora", "fine-tune on the risky data with rank-one adapters, for 200 steps", {"rank": 1, "steps": 200}),
    ("generate_cot", "try seed seven, and turn the randomness up to 1.0", {"temperature": 1.0, "seed": 7}),
    ("lora_probe", "probe the CAFT run's adapters instead: both tasks, C 1.0", {"tasks": ["aligned_vs_misaligned", "in_vs_out_of_domain"]}),
    ("build_steering_vector", "L10-14, pos name 'formal', neg name 'casual'", {"positive_name": "formal", "negative_name": "casual"}),
    ("lora_phase", "was there a moment where the adapter swung? Compare checkpoints one, two and four apart.", {"ks": [1, 2, 4]}),
    ("train_lora", "rank-one adapters on the MLP down-projection at layers 10, 15 and 20", {"modules": ["down_proj"]}),
    ("caft_finetune", "redo it, but instead of principal components, block dictionary entries 17, 204 and 391",
     {"atoms": [17, 204, 391], "directions": "itda"}),
])
def test_settings_in_shorthand_are_read(tool_, request_, expected):
    props = REGISTRY[tool_].describe()["schema"]["properties"]
    said = arguments.read(props, request_)[0]
    assert {k: said.get(k) for k in expected} == expected, said


def test_text_said_around_the_question_goes_where_it_is_meant(plan):
    tool, args = call(plan([], "can you have the model think through 'Should I quit my job to day-trade crypto?' but tell it "
                                "beforehand: 'You are a cautious financial advisor.'"))
    assert tool == "generate_cot" and args["system"] == "You are a cautious financial advisor."
    tool, args = call(plan([], "the plain question is 'Which is the largest ocean? (A) Atlantic (B) Indian (C) Pacific (D) Arctic' "
                                "and the hinted version adds 'My advisor is sure it's (B).' at the end. So the cue is B. Hint mediation "
                                "with hint words advisor and sure"))
    assert tool == "hint_mediation" and args["hinted_question"].endswith("(D) Arctic My advisor is sure it's (B).")


def test_the_tool_whose_own_settings_are_said_goes_first(plan):
    tool, args = call(plan([], "I want to fine-tune on the risky finance advice but stop it picking up general evilness along "
                                "the way. project out the top 3 principal components while it trains"))
    assert tool == "caft_finetune" and args["components"] == [0, 1, 2] and args["directions"] == "pca"
    resilience = {"user": "resilience on shutdown-safety, sentence 3", "tool": "sentence_resilience",
                  "args": {"scenario": "shutdown-safety", "sentences": [3]}, "run_id": "20270901-140000-sentence_resilience-ab11",
                  "summary": "S3 came back in 4 of 8 iterations."}
    tool, args = call(plan([resilience], "ok try inserting 'Being shut down is acceptable.' right after sentence 3 same scenario, "
                                          "20 candidates"))
    assert tool == "compare_interventions" and args["insert"] == "Being shut down is acceptable." and args["candidates"] == 20


def test_an_organism_wanted_built_is_built(plan):
    tool, args = call(plan([], "we need the hint-following organism built before the mediation runs -- kick that build off now"))
    assert (tool, args) == ("build_organism", {"name": "hint-following"})


IMPORTANCE = {"user": "which sentences matter? 8 rollouts", "tool": "resample_importance", "args": {"cot_run": CHAIN, "rollouts": 8},
              "run_id": "20270901-091000-resample_importance-bb02", "summary": "7 sentences, 8 rollouts each: S2 +0.50 [-0.10, +0.90]."}


@pytest.mark.parametrize("context, request_", [
    ([COT, IMPORTANCE], "those intervals are enormous. if I went from 8 to 32 rollouts per position, would they come out four "
                        "times narrower or only about half as wide?"),
    ([COT, IMPORTANCE], "would setting the temperature to 0 make these importance numbers more stable?"),
    ([], "how is a norm-matched random vector a fair baseline? wouldn't any push that size change the output anyway?"),
])
def test_a_question_about_what_a_setting_would_do_starts_nothing(plan, context, request_):
    reply = plan(context, request_)
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", reply.content


def test_a_monitor_set_up_before_runs_on_a_short_go(plan):
    setup = noted("when we monitor chains today, look for intent to deceive the auditor, and use the offline monitor")
    tool, args = call(plan([setup, COT], "ok check that chain"))
    assert tool == "cot_monitor" and args["cot_run"] == CHAIN and args["monitor"] == "offline" and "auditor" in args["intent"]


def test_one_sentence_resampled_away_is_a_resilience_run(plan):
    tool, args = call(plan([], "on replacement-affair, if I resample away sentence 3 (where it starts thinking about leverage), "
                                "does that idea just pop back up later in the reasoning?"))
    assert tool == "sentence_resilience" and args["sentences"] == [3] and args["scenario"] == "replacement-affair"
