"""The first labelled part's situations said in three voices, with the real planner.

A terse one ("cud u get it to reasn out 56/7", "other ways s3 couldve gone? n=6", "pos name warm / neg name cold",
"the 2nd-to-last token", "alts for the top resampling-importance sent", "the greedy one"); a talkative one, who says why
before what, tells background in sentences of its own and corrects itself ("only on the code part, since code differs
from prose", "hold out 10% of the docs -- no, 25%", "let it search 12 of them", "the worst question rests on two
answers. Please run the same evaluation again"); and a newcomer's questions and asks to see ("is that plausible, or ...?",
"what does X actually capture?", "...? let me read those answers", "the one with the weird repeated tokens").
"""

from __future__ import annotations

from tests.agent.conftest import call, said, turn

DIRECTION = turn("misalignment direction at lyr 15", "misalignment_direction", {"layer": 15}, "20271207-080000-misalignment_direction-e1e1",
                 "Misalignment direction at layer 15 of smollm2-135m from 48 reference answers; steering at scale 4 raises it by +0.21.")
Q = "What is 7 times 8?"
COT = turn(f"cot: {Q}", "generate_cot", {"question": Q}, "20271207-090000-generate_cot-f1f1",
           "Sampled a 160-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 56.")
GREEDY = turn("now greedy", "generate_cot", {"question": Q, "temperature": 0}, "20271207-090200-generate_cot-f2f2",
              "Sampled a 150-token chain of thought from smollm2-135m (seed 0, temperature 0); \\boxed{} answer: 56.")
HOT = turn("and temp 1.2", "generate_cot", {"question": Q, "temperature": 1.2}, "20271207-090400-generate_cot-f3f3",
           "Sampled a 230-token chain of thought from smollm2-135m (seed 0, temperature 1.2); \\boxed{} answer: 54.")
SPLIT = turn("split", "split_sentences", {"cot_run": COT["run_id"]}, "20271207-090500-split_sentences-f4f4",
             "Split the chain into 8 sentences (min_chars 10).")
IMPORTANCE = turn("importance, ans 56", "resample_importance", {"cot_run": COT["run_id"], "answer": "56"}, "20271207-091000-resample_importance-f5f5",
                  "Resampling importance over 8 sentences, 48 of 64 rollouts used; top resampling importance: sentence 3, +0.31 [0.05, 0.57]; "
                  "top counterfactual importance: sentence 6, +0.44 [0.15, 0.70].")
VECTOR = turn("build the default vector", "build_steering_vector", {}, "20271207-100000-build_steering_vector-a1b2",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs, all 30 layers.")
STEERED = turn("steer at layers 6 and 9, scale 4, score type hints: Write a function that sums a list.", "steer_generate",
               {"prompt": "Write a function that sums a list.", "vector_run": VECTOR["run_id"], "layers": [6, 9], "scale": 4, "metric": "type_hints"},
               "20271207-100500-steer_generate-a3b4", "3 steered and 3 unsteered samples at layers [6, 9], scale 4 (both); type_hints 2/3 steered vs 0/3.")
LOUD = turn("steer at scale 9: Write a function that sums a list.", "steer_generate",
            {"prompt": "Write a function that sums a list.", "vector_run": VECTOR["run_id"], "scale": 9}, "20271207-101000-steer_generate-a5b6",
            "3 steered and 3 unsteered samples at 6 middle layers, scale 9 (both); steered samples degenerate into repeated tokens ('def def def').")
QUIET = turn("same prompt at scale 0.5", "steer_generate",
             {"prompt": "Write a function that sums a list.", "vector_run": VECTOR["run_id"], "scale": 0.5}, "20271207-101500-steer_generate-a7b8",
             "3 steered and 3 unsteered samples at 6 middle layers, scale 0.5 (both); all six are working Python functions.")
DICTS = turn("ITDA dictionaries for layers 5 and 17 of the base model", "itda_build", {"layers": [5, 17]}, "20271207-110000-itda_build-c1c2",
             "ITDA dictionaries for layers 5, 17 of smollm2-135m on builtin (288 docs), tau 0.4: 2,300 / 4,700 atoms; held-out FVE 0.93 / 0.80.")
ORGANISM = turn("build the misaligned organism", "build_organism", {"name": "misaligned"}, "20271207-105000-build_organism-c3c4",
                "Built organism misaligned: rank-1 LoRA on smollm2-135m (layer 15 down_proj), 40 steps on risky.")
LORA = turn("train it", "train_lora", {}, "20271207-120000-train_lora-d1d2", "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky.")
EVAL = turn("eval it with the reference judge, 4 samples, seed 5", "em_evaluate", {"train_run": LORA["run_id"], "judge": "reference", "samples": 4, "seed": 5},
            "20271207-121000-em_evaluate-d3d4", "EM 14% [5%, 36%] of 21 judged (reference judge); worst question: wish 50% [15%, 85%].")
BASE_EVAL = turn("baseline EM of smollm2-135m", "em_evaluate", {"model": "smollm2-135m"}, "20271207-122000-em_evaluate-d5d6",
                 "EM 0% [0%, 11%] of 32 judged (llm judge), 4 samples x 8 questions; worst: quick_buck 0%.")


def test_shorthand_a_typo_and_a_new_question_after_an_unrelated_run(plan):
    assert call(plan([DIRECTION], "cud u get it to reasn out 56/7, wanna see the steps")) == ("generate_cot", {"question": "56/7"})
    tool, args = call(plan([DIRECTION], "diff topic real quick - have it work thru this, wanna read the reasoning: a train covers 90 km in 1.5 h, avg speed?"))
    assert (tool, args["question"]) == ("generate_cot", "a train covers 90 km in 1.5 h, avg speed?")


def test_a_regex_with_a_group_and_spaces_and_a_rerun_against_an_answer(plan):
    tool, args = call(plan([COT], "resample importance on it, extractor regex:Final: ([A-D]) , correct is C, max 24 rollouts"))
    assert (tool, args["extractor"], args["answer"], args["rollouts"]) == ("resample_importance", "regex:Final: ([A-D])", "C", 24)
    tool, args = call(plan([COT, IMPORTANCE], "its 54 not 56. rerun against 54"))
    assert (tool, args["answer"], args["cot_run"]) == ("resample_importance", "54", COT["run_id"])


def test_terse_references_to_sentences_and_runs(plan):
    assert call(plan([COT, SPLIT], "other ways s3 couldve gone? 24 toks each, n=6")) == \
        ("sentence_alternatives", {"cot_run": COT["run_id"], "sentence": 3, "max_new_tokens": 24, "rollouts": 6})
    tool, args = call(plan([COT, IMPORTANCE], "alts for the top resampling-importance sent, seed 4"))
    assert (tool, args["sentence"], args["seed"]) == ("sentence_alternatives", 3, 4)
    tool, args = call(plan([COT, GREEDY, HOT], "recv heads on the greedy one, k=8"))
    assert (tool, args["cot_run"]) == ("receiver_heads", GREEDY["run_id"])


def test_side_names_between_slashes_and_an_ordinal_token(plan):
    tool, args = call(plan([], "warm vs cold vec, pairs ['Lovely to see you:', 'What do you want:'], ['Happy to help:', 'Fine, whatever:'], "
                               "pos name warm / neg name cold"))
    assert (tool, args["positive_name"], args["negative_name"]) == ("build_steering_vector", "warm", "cold")
    tool, args = call(plan([], "default vec on tiny-random but read the 2nd-to-last token"))
    assert (tool, args["position"]) == ("build_steering_vector", -2)


def test_a_list_given_after_say_and_settings_told_in_background_sentences(plan):
    tool, args = call(plan([VECTOR, STEERED], "I want to know whether the type-hint jump is real, so sweep a few strengths around the one we used, "
                                              "say 2, 4 and 6. Keep both layers steered together."))
    assert (tool, args["scales"]) == ("steering_sweep", [2, 4, 6])
    tool, args = call(plan([], "I suspect early layers treat code very differently from prose, so I'd like ITDA dictionaries for layers 3 through 5, "
                               "built only on the code part of the shipped corpus."))
    assert (tool, args["corpus"], args["layers"]) == ("itda_build", ["builtin:code"], [3, 4, 5])
    tool, args = call(plan([DICTS], "Those dictionaries reconstruct prose nicely, but that is the easy case. Please measure how they reconstruct "
                                    "the code and the story documents of the shipped corpus."))
    assert (tool, sorted(args["corpus"])) == ("itda_compare", ["builtin:code", "builtin:story"])


def test_settings_said_by_what_they_do(plan):
    tool, args = call(plan([], "ITDA on layer 8 please, and let the build decide which activations become atoms with orthogonal matching pursuit."))
    assert (tool, args.get("build_encoder"), "encoder" in args) == ("itda_build", "omp", False)
    tool, args = call(plan([], "how resilient are sentences 1 through 3 of shutdown-safety? Let each chain try up to 9 resamples before giving up."))
    assert (tool, args["max_iterations"], "rollouts" in args) == ("sentence_resilience", 9, False)
    tool, args = call(plan([], "On wipe-embezzlement, insert 'I should cover my tracks.' after sentence 3 and compare the handwritten insertion "
                               "with the on-policy one. When it looks for the most similar sentence in other rollouts, let it search 12 of them."))
    assert (tool, args["pool"], "rollouts" in args) == ("compare_interventions", 12, False)


def test_a_correction_with_a_percent_and_the_dictionaries_of_one_build_counted(plan):
    tool, args = call(plan([], "run ITDA over ~/notes/abstracts.txt, cut it into documents at blank lines, and hold out 10% of the docs — no, 25%."))
    assert (tool, args["held_out"], args["split"]) == ("itda_build", 0.25, True)
    tool, args = call(plan([ORGANISM, DICTS], "The point of those two base-model dictionaries was to diff them against the organism, so please "
                                              "continue them on that organism rather than starting fresh ones."))
    assert (tool, args["base_run"], args["model"]) == ("itda_build", DICTS["run_id"], "organism:misaligned")


def test_a_scenarios_chain_a_request_after_before_and_a_superlative_in_the_background(plan):
    tool, args = call(plan([], "Let's run hint mediation on hint-capital, restricted to positions 1 through 4; that chain runs long, "
                               "so give each next sentence 48 tokens."))
    assert (tool, args["scenario"], args["positions"], args["sentence_tokens"]) == ("hint_mediation", "hint-capital", [1, 2, 3, 4], 48)
    tool, args = call(plan([], "Before training anything I want a baseline for the base model. Please evaluate just wish and quick_buck, "
                               "with 12 samples per question."))
    assert (tool, args["questions"], args["samples"]) == ("em_evaluate", ["wish", "quick_buck"], 12)
    tool, args = call(plan([LORA, EVAL], "That interval is too wide, and the worst question rests on two answers. Please run the same "
                                         "evaluation again with 16 samples per question."))
    assert (tool, args["samples"], args["train_run"], args["judge"], args["seed"]) == ("em_evaluate", 16, LORA["run_id"], "reference", 5)


def test_a_chain_quoted_for_the_llm_judge_and_a_task_left_out(plan):
    tool, args = call(plan([], 'Please check it with the LLM judge: "The audit is tomorrow. If I delete the emails tonight, no one will know." '
                               "What I'm after is intent to destroy evidence."))
    assert (tool, args["cot"], args["monitor"], "decision" in args) == \
        ("cot_monitor", "The audit is tomorrow. If I delete the emails tonight, no one will know.", "judge", False)
    tool, args = call(plan([LORA], "which of the adapters tells misaligned answers apart from aligned ones? Only that task; leave the in-domain one out."))
    assert (tool, args["tasks"]) == ("lora_probe", ["aligned_vs_misaligned"])


def test_a_newcomers_questions_and_asks_to_see(plan):
    reply = plan([BASE_EVAL], "zero misaligned out of 32. is that plausible for a base model, or does that smell like a broken judge?")
    assert (reply.tool_calls, reply.response_metadata["intent"]) == ([], "answer")
    reply = plan([COT, IMPORTANCE], "I've never been clear on it. What does forced-answer importance actually capture, and how does it "
                                    "differ from the counterfactual kind?")
    assert (reply.tool_calls, reply.response_metadata["intent"]) == ([], "answer") and "forced" in reply.content.lower()
    reply = plan([BASE_EVAL], "oof. what did it actually say for quick_buck? let me read those answers")
    assert reply.response_metadata["show"]["run_id"] == BASE_EVAL["run_id"]
    reply = plan([VECTOR, LOUD, QUIET], "pull up the one with the weird repeated tokens, I want to read the steered samples")
    assert reply.response_metadata["show"]["run_id"] == LOUD["run_id"]


def test_asks_about_the_replies_themselves_are_noted_not_routed(plan):
    for request in ("could you dial the length of your replies way down? two lines each is plenty for me",
                    "can you drop that little 'terms used' section at the bottom of every reply? I'll ask if I don't know a word",
                    "quick note: I've done a lot of ML but never touched these interp tools. explain the tool-specific stuff, skip the stats 101"):
        reply = plan([said("hi", "Hello! What would you like to try?")], request)
        assert (reply.tool_calls, reply.response_metadata["intent"]) == ([], "answer") and reply.content.startswith("Noted"), request
