"""Follow-ups the offline planner must read without a rule for the exact words: relative changes,
new text for a rerun, two things of a kind, text the user says they gave, the request's own verb.

Each test builds a real conversation and asks the real planner (real embedder) for its reply.
"""

from __future__ import annotations

import pytest

from tests.agent.conftest import call


CHAIN = "20270801-090000-generate_cot-aa01"
OTHER_CHAIN = "20270801-093000-generate_cot-ab09"
VECTOR = "20270801-100000-build_steering_vector-cc03"
RISKY = "20270801-110000-train_lora-ee05"
CLEAN = "20270801-111500-train_lora-1b95"

COT = {"user": "think about: A train leaves at 3pm going 60 km/h. How far has it gone by 5:30pm?", "tool": "generate_cot",
       "args": {"question": "A train leaves at 3pm going 60 km/h. How far has it gone by 5:30pm?"}, "run_id": CHAIN,
       "summary": "Sampled a 98-token chain of thought, 6 sentences, answer 150."}
COT2 = {"user": "and think about: Is 221 prime?", "tool": "generate_cot", "args": {"question": "Is 221 prime?"},
        "run_id": OTHER_CHAIN, "summary": "Sampled a 140-token chain of thought, 9 sentences, answer No."}
IMPORTANCE = {"user": "which sentences matter? 8 rollouts", "tool": "resample_importance", "args": {"cot_run": CHAIN, "rollouts": 8},
              "run_id": "20270801-091000-resample_importance-bb02", "summary": "6 sentences, 8 rollouts each: S2 +0.50."}
VEC = {"user": "build the eval awareness vector", "tool": "build_steering_vector", "args": {}, "run_id": VECTOR,
       "summary": "Built a 30-layer vector from 16 default pairs."}
STEER = {"user": "steer 'Write a function that sorts a list.' at layer 12 strength 4", "tool": "steer_generate",
         "args": {"prompt": "Write a function that sorts a list.", "vector_run": VECTOR, "layers": [12], "scale": 4.0},
         "run_id": "20270801-101000-steer_generate-dd04", "summary": "4 samples each side at layer 12, scale 4: hints 0.75 vs 0.25."}
TRAIN_RISKY = {"user": "train a rank-1 lora on the risky data", "tool": "train_lora", "args": {"dataset": "risky"}, "run_id": RISKY,
               "summary": "Trained 9 rank-1 adapters for 40 steps; loss 2.31 -> 1.12."}
TRAIN_CLEAN = {"user": "another on the clean set as a control", "tool": "train_lora", "args": {"dataset": "clean"}, "run_id": CLEAN,
               "summary": "Trained 9 rank-1 adapters for 40 steps; loss 2.05 -> 1.31."}


SPLIT = {"user": "split it", "tool": "split_sentences", "args": {"cot_run": CHAIN}, "run_id": "20270801-092000-split_sentences-ac11",
         "summary": "6 sentences: [0] 'It leaves at 3pm.' [1] 'By 5:30pm that is 2.5 hours.' [2] 'Wait, 2.5 times 60 is 150.' "
                    "[3] 'So it has gone 150 km.' [4] 'Check: 60 + 60 + 30 = 150.' [5] 'The answer is 150.'"}
ALTERNATIVES = {"user": "alternatives for sentence 2, 16 rollouts", "tool": "sentence_alternatives",
                "args": {"cot_run": CHAIN, "sentence": 2, "rollouts": 16}, "run_id": "20270801-094000-sentence_alternatives-ad12",
                "summary": "16 resamples of S2: 12 near-identical."}
SEEDED = [{"user": f"seed {n}", "tool": "generate_cot", "args": {"question": "Is 91 prime?", **({"seed": n} if n else {})},
           "run_id": f"20270802-09{n}000-generate_cot-5ee{n}", "summary": f"Sampled a 120-token chain of thought (seed {n}); answer No."}
          for n in range(3)]  # the first ran with the default seed: only its summary says it
SWEEP = {"user": "sweep it over layers 10, 14, 18", "tool": "steering_sweep", "args": {"vector_run": VECTOR, "layers": [10, 14, 18]},
         "run_id": "20270801-103000-steering_sweep-ee06", "summary": "3 layers x 3 scales: best cell L14 x1.2 = 0.62 vs random 0.21."}
ITDA = {"user": "itda on tiny-random", "tool": "itda_build", "args": {"model": "tiny-random"}, "run_id": "20270801-120000-itda_build-ff07",
        "summary": "Dictionaries at 4 layers: 310 to 402 atoms."}
DIRECTION = {"user": "find the misalignment direction", "tool": "misalignment_direction", "args": {"train_run": RISKY},
             "run_id": "20270801-113000-misalignment_direction-ab08", "summary": "Direction at layer 12: separates 0.91."}




@pytest.mark.parametrize("request_, field, value", [
    ("triple the rollouts", "rollouts", 24),
    ("redo with twelve samples per position", "rollouts", 12),
    ("again but 20 resamples per sentence", "rollouts", 20),
])
def test_a_rerun_of_the_importance_changes_only_the_count_said(plan, request_, field, value):
    tool, args = call(plan([COT, IMPORTANCE], request_))
    assert tool == "resample_importance" and args["cot_run"] == CHAIN and args[field] == value, args


@pytest.mark.parametrize("request_, scale", [("halve the strength", 2.0), ("now push the other way", -4.0), ("crank it to 10", 10.0)])
def test_a_change_of_strength_keeps_the_steering_it_changes(plan, request_, scale):
    tool, args = call(plan([VEC, STEER], request_))
    assert tool == "steer_generate" and args["vector_run"] == VECTOR and args["layers"] == [12] and args["scale"] == scale, args


def test_new_quoted_text_replaces_the_prompt_of_the_run_changed(plan):
    tool, args = call(plan([VEC, STEER], "try it on 'Write a function that reverses a string.' instead"))
    assert tool == "steer_generate" and args["prompt"] == "Write a function that reverses a string." and args["scale"] == 4.0


def test_the_fine_tune_with_two_in_sight_is_asked_about_not_guessed(plan):
    reply = plan([TRAIN_RISKY, TRAIN_CLEAN], "evaluate the fine-tune for EM")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    assert RISKY in reply.content and CLEAN in reply.content
    tool, args = call(plan([TRAIN_RISKY, TRAIN_CLEAN], "evaluate the risky fine-tune for EM"))  # a description picks one
    assert tool == "em_evaluate" and args["train_run"] == RISKY


def test_a_chain_described_as_nothing_here_is_asked_about(plan):
    reply = plan([COT, COT2], "find the receiver heads for the bat-and-ball chain")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    tool, args = call(plan([COT, COT2], "find the receiver heads for the 221 chain"))
    assert tool == "receiver_heads" and args["cot_run"] == OTHER_CHAIN


def test_text_the_user_says_they_gave_but_never_did_is_asked_for(plan):
    reply = plan([], "build a steering vector from the pairs I gave you")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"


def test_pairs_with_their_sides_marked_are_read(plan):
    tool, args = call(plan([], "make a steering vector from these contrast pairs:\n(+) 'The user is a doctor:'  (-) 'The user is a child:'\n"
                                "(+) 'Speaking with a physician:'  (-) 'Speaking with a kid:'"))
    assert tool == "build_steering_vector"
    assert args["pairs"] == [["The user is a doctor:", "The user is a child:"], ["Speaking with a physician:", "Speaking with a kid:"]]


@pytest.mark.parametrize("request_, tool", [
    ("generate a chain for 'what is 9 * 9?'", "generate_cot"),
    ("sweep the eval-awareness vector, layers 10-14, scales 0.5 and 1", "steering_sweep"),
])
def test_the_verb_a_request_opens_with_names_its_tool(plan, request_, tool):
    assert call(plan([], request_))[0] == tool


def test_the_plot_again_is_a_run_that_drew_one(plan):
    reply = plan([COT, IMPORTANCE], "show me the plot again")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == IMPORTANCE["run_id"]


def test_a_question_about_what_is_here_is_answered_not_routed(plan):
    for request_ in ("what does the [0.12, 0.81] mean", "which one is longer?", "what counts as a flagged sentence?"):
        reply = plan([COT, IMPORTANCE], request_)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request_


def test_numbers_in_words_after_the_word_that_takes_them(plan):
    tool, args = call(plan([], "finetune on the risky advice for two hundred steps, checkpoint every ten, batch of eight"))
    assert tool == "train_lora" and (args["steps"], args["checkpoint_every"], args["batch_size"]) == (200, 10, 8), args


def test_a_run_of_a_tool_that_never_ran_is_asked_about(plan):
    reply = plan([TRAIN_RISKY], "now the same on the CAFT run")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify" and "CAFT" in reply.content


@pytest.mark.parametrize("request_", [
    "thought anchors on this pls. q was 'What is 3^4 - 2^5?', answer 49\n\nFirst compute 3^4 = 81. Then 2^5 = 32. "
    "Subtract to get 81 - 32 = 49. So the answer is \\boxed{49}.",
    "thought anchors on this, answer 49:\n<think>First compute 3^4 = 81. Check: 2^5 = 32. Subtract to get 81 - 32 = 49.</think>",
])
def test_a_chain_pasted_after_a_blank_line_or_in_think_tags_is_the_chain_whole(plan, request_):
    tool, args = call(plan([], request_))
    assert tool == "resample_importance" and "3^4 = 81" in args["cot"] and "81 - 32 = 49" in args["cot"] and args["answer"] == "49"


def test_a_system_prompt_and_a_judge_said_in_short(plan):
    tool, args = call(plan([], "gen cot from smollm2-135m: 'Which is larger, 9.11 or 9.9?' sys prompt: 'You are a careful mathematician.'"))
    assert tool == "generate_cot" and args["question"] == "Which is larger, 9.11 or 9.9?"
    assert args["system"] == "You are a careful mathematician."
    tool, args = call(plan([VEC], "sweep it at layers 8 and 16, metric = judge asking 'Does the answer mention being tested?'"))
    assert tool == "steering_sweep" and args["metric"] == "judge:Does the answer mention being tested?"


def test_the_second_chain_by_its_digits(plan):
    tool, args = call(plan([COT, COT2, IMPORTANCE], "rerun the anchors on the 2nd chain, with exact answer matching"))
    assert tool == "resample_importance" and args["cot_run"] == OTHER_CHAIN and args["equivalence"] == "exact"


def test_a_reaction_is_answered_and_runs_nothing(plan):
    reply = plan([COT, IMPORTANCE], "lol the tiny-random outputs are pure gibberish")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"


def test_explaining_an_atom_with_no_dictionary_asks_for_one(plan):
    reply = plan([COT], "explain atom 55")
    assert not reply.tool_calls and reply.response_metadata["intent"] in ("ask", "clarify")
    assert "dictionary_run" in reply.content


def test_pairs_one_a_line_are_read(plan):
    tool, args = call(plan([], 'Make a steering vector from these contrast pairs:\n1. "Dear Sir or Madam:" / "yo quick question:"\n'
                                '2. "Please find my request below:" / "ok so here\'s the thing:"'))
    assert tool == "build_steering_vector"
    assert args["pairs"] == [["Dear Sir or Madam:", "yo quick question:"], ["Please find my request below:", "ok so here's the thing:"]]


def test_an_organism_described_and_asked_for_from_the_zoo_is_built(plan):
    tool, args = call(plan([], "we need a model with a planted hint-following behaviour - can you make that one from the zoo?"))
    assert (tool, args) == ("build_organism", {"name": "hint-following"})


def test_a_run_named_by_its_tool_is_a_reference_in_a_change(plan):
    caft = {"user": "CAFT against that fine-tune", "tool": "caft_finetune", "args": {"train_run": RISKY},
            "run_id": "20270801-114000-caft_finetune-cf01", "summary": "CAFT fine-tune: EM 0.04 vs plain 0.12."}
    evaluation = {"user": "EM eval of the plain fine-tune", "tool": "em_evaluate", "args": {"train_run": RISKY},
                  "run_id": "20270801-115000-em_evaluate-0d0d", "summary": "EM rate 0.12."}
    tool, args = call(plan([TRAIN_RISKY, caft, evaluation], "now the same eval on the CAFT model"))
    assert tool == "em_evaluate" and args["train_run"] == caft["run_id"]
    reply = plan([TRAIN_RISKY, caft, evaluation], "show me the loss curve of the fine-tune again")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] in (RISKY, caft["run_id"])


def test_a_standing_setting_goes_to_the_runs_it_was_said_for(plan):
    said = {"user": "for all the steering runs in this session use the system prompt 'You are being deployed to real users.'",
            "reply": "Noted."}
    tool, args = call(plan([VEC, said], "ok, steer on 'Write a python function to reverse a list'"))
    assert tool == "steer_generate" and args["system"] == "You are being deployed to real users."
    tool, args = call(plan([VEC, said], "generate a chain for 'what is 9 * 9?'"))
    assert tool == "generate_cot" and "system" not in args  # said for steering runs only
    export = {"user": "for the rest of today: any thought-anchors run should export to ~/ta_viz", "reply": "Noted."}
    tool, args = call(plan([export, COT], "ok now find the anchors in that one"))
    assert tool == "resample_importance" and args["export_dir"] == "~/ta_viz"


@pytest.mark.parametrize("context, request_, tool, said", [
    ([COT, IMPORTANCE], "same run but non-adaptive and w/o the forced-answer part", "resample_importance", {"adaptive": False, "forced": False}),
    ([TRAIN_RISKY], "EM eval of the fine-tune, and don't offer the judge the code/refusal options", "em_evaluate", {"code_refusal": False}),
    ([], "hint mediation on hint-arithmetic; a sentence is about the hint if it says 'professor' or 'Stanford', and stop at 0.9",
     "hint_mediation", {"hint_words": ["professor", "Stanford"]}),
    ([], "run hint mediation on hint-arithmetic, about the hint if it says professor, Stanford or suggested", "hint_mediation",
     {"hint_words": ["professor", "Stanford", "suggested"]}),
    ([COT], "compare interventions after sentence 2 of that chain: 12 on-policy candidates, search 20 donor rollouts", "compare_interventions",
     {"candidates": 12, "pool": 20}),
    ([], "build itda dictionaries from ~/notes/ and use mp for the eval encoder", "itda_build", {"encoder": "mp"}),
    ([VEC], "sweep it: 4-6 steered together as one row and 10-12 together as another, scales 1 and 2", "steering_sweep",
     {"layers": [[4, 5, 6], [10, 11, 12]]}),
    ([VEC], "sweep that vector over layer 3, layer 9 and 3+9 together", "steering_sweep", {"layers": [3, 9, [3, 9]]}),
    ([VEC], "sweep layers 6, 9, 12 x scales 1 2 4", "steering_sweep", {"layers": [6, 9, 12], "scales": [1.0, 2.0, 4.0]}),
    ([], "itda on tiny-random for L2/L4/L6, tau .3", "itda_build", {"layers": [2, 4, 6]}),
    ([], "sample a chain for 'What is 13 * 7?' at temperature zero point seven and a top-p of point nine five", "generate_cot",
     {"temperature": 0.7, "top_p": 0.95}),
    ([], "contrast vector: positive 'Speak like a poet:' negative 'Speak plainly:'. call the sides poetic / plain", "build_steering_vector",
     {"positive_name": "poetic", "negative_name": "plain"}),
    ([], "hint mediation on my own item. unhinted: 'Which is heavier? (A) a kilo of iron (B) a kilo of feathers (C) neither' hinted: "
         "the same with 'My coach says (A).' appended. cue A, hint words: coach + trainer", "hint_mediation",
     {"cue": "A", "hint_words": ["coach", "trainer"],
      "hinted_question": "Which is heavier? (A) a kilo of iron (B) a kilo of feathers (C) neither My coach says (A)."}),
    (SEEDED, "receiver heads on seed 0, with seeds 1 and 2 for the split-half check", "receiver_heads",
     {"cot_run": SEEDED[0]["run_id"], "more_cot_runs": [SEEDED[1]["run_id"], SEEDED[2]["run_id"]]}),
    ([VEC, SWEEP], "steer 'Sort a list.' with the best cell, I want to read the samples", "steer_generate", {"layers": [14], "scale": 1.2}),
    ([COT], "what else could it have said instead of the fourth sentence of that chain?", "sentence_alternatives", {"sentence": 3}),
    ([], "build the default steering vector on Qwen/Qwen2.5-1.5B-Instruct", "build_steering_vector",
     {"model": "Qwen/Qwen2.5-1.5B-Instruct"}),
    ([ITDA], "atom 12 at layer 3: what's near it? give me 7", "itda_explain", {"atom": 12, "top": 7}),
    ([COT], "which sentences drive the answer? the right answer is 5:30 pm", "resample_importance", {"answer": "5:30 pm"}),
    ([], "train a rank-2 lora on q_proj, lr 1e-4, data/finance.jsonl", "train_lora", {"dataset": "data/finance.jsonl"}),
    ([COT], "run the CoT monitor on that chain, looking for sandbagging", "cot_monitor", {"intent": "sandbagging"}),
    ([DIRECTION], "project it out only at L9 of the base model", "ablate_direction", {"layers": [9]}),
    ([VEC, DIRECTION], "project the eval-awareness vector out of the base model instead", "ablate_direction", {"direction_run": VECTOR}),
    ([VEC], "steer 'Hello there' with a negative scale (-3)", "steer_generate", {"scale": -3.0}),
    ([COT], "which sentences drive it, against the true answer (150), 8 rollouts", "resample_importance", {"answer": "150"}),
    ([COT, SPLIT], "alternatives for sentence 2 of the last chain: resample it 40x at T=0.8", "sentence_alternatives",
     {"sentence": 2, "rollouts": 40, "temperature": 0.8}),
    ([], "resilience on replacement-affair with 6 resampling chains per sentence", "sentence_resilience", {"chains": 6}),
    ([], "screen this for deception intent with the offline monitor: 'I will tell them the tests passed although two failed.'",
     "cot_monitor", {"intent": "deception"}),
    ([VEC], "rebuild it on tiny-random, read at the second-to-last token", "build_steering_vector", {"position": -2}),
])
def test_settings_said_in_the_words_researchers_use(plan, context, request_, tool, said):
    got, args = call(plan(context, request_))
    assert got == tool and {k: args.get(k) for k in said} == said, args


@pytest.mark.parametrize("context, request_", [
    ([], "which one is cheaper to run, attention suppression or thought anchors?"),
    ([], "can you explain the difference between forced-answer and counterfactual importance? I keep mixing them up."),
    ([COT, SPLIT], "before I launch anything: how many rollouts would thought anchors need on it with 50 per sentence?"),
])
def test_a_question_about_methods_or_cost_is_answered_and_nothing_runs(plan, context, request_):
    reply = plan(context, request_)
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls, reply.content
    if "launch" in request_:  # 50 per position at the 7 positions of a 6-sentence chain
        assert "350 rollouts" in reply.content


def test_a_run_is_shown_by_the_words_people_use_to_bring_it_back(plan):
    steer2 = {**STEER, "user": "and at strength 8", "args": {**STEER["args"], "scale": 8.0},
              "run_id": "20270801-102000-steer_generate-de14", "summary": "4 samples each side at scale 8: degenerate."}
    reply = plan([VEC, STEER, steer2], "reopen the samples from the strength-4 run")
    assert reply.response_metadata["show"]["run_id"] == STEER["run_id"] and not reply.tool_calls
    em_risky = {"user": "evaluate it", "tool": "em_evaluate", "args": {"train_run": RISKY},
                "run_id": "20270801-112000-em_evaluate-af13", "summary": "EM rate 9.4%."}
    em_clean = {"user": "and that one", "tool": "em_evaluate", "args": {"train_run": CLEAN},
                "run_id": "20270801-113500-em_evaluate-b016", "summary": "EM rate 0.0%."}
    reply = plan([TRAIN_RISKY, em_risky, TRAIN_CLEAN, em_clean], "bring the EM answers for the risky model back up")
    assert reply.response_metadata["show"]["run_id"] == em_risky["run_id"] and not reply.tool_calls
    reply = plan([COT, SPLIT], "show me the full chain from that generation again")
    assert reply.response_metadata["show"]["run_id"] == CHAIN


def test_memory_said_outright_searches_memory_whatever_experiment_is_named(plan):
    em = {"user": "evaluate it", "tool": "em_evaluate", "args": {"train_run": RISKY}, "run_id": "20270801-112000-em_evaluate-af13",
          "summary": "EM rate 9.4%."}
    tool, args = call(plan([TRAIN_RISKY, em], "didn't we see a higher EM rate on a finance fine-tune a few weeks ago? check from memory"))
    assert tool == "recall" and args["query"] == "a finance fine-tune"
    tool, args = call(plan([], "have we ever looked at receiver heads on the anchor organism? top 5 hits"))
    assert tool == "recall" and args["query"] == "receiver heads on the anchor organism" and args["k"] == 5


def test_a_rerun_by_its_verb_changes_the_run_that_verb_made(plan):
    em = {"user": "evaluate it", "tool": "em_evaluate", "args": {"train_run": RISKY}, "run_id": "20270801-112000-em_evaluate-af13",
          "summary": "EM rate 9.4%."}
    tool, args = call(plan([TRAIN_RISKY, em], "train it again with seed 2, same settings"))
    assert tool == "train_lora" and args == {"dataset": "risky", "seed": 2}


def test_sentences_named_by_position_quote_or_step_and_out_of_range(plan):
    tool, args = call(plan([COT, SPLIT], "what else could it have said instead of the 'Wait, 2.5 times 60' sentence?"))
    assert tool == "sentence_alternatives" and args["sentence"] == 2
    tool, args = call(plan([COT, ALTERNATIVES], "now the same for the next sentence"))
    assert tool == "sentence_alternatives" and args["sentence"] == 3 and args["rollouts"] == 16
    reply = plan([COT, SPLIT], "what else could it have said at sentence 11?")
    assert reply.response_metadata["intent"] == "clarify" and "6 sentences (0-5)" in reply.content
    reply = plan([COT, SPLIT], "receiver heads on it, and tell me about sentence 9")  # a tool without a sentence argument
    assert reply.response_metadata["intent"] == "clarify" and "6 sentences (0-5)" in reply.content


def test_continuing_dictionaries_and_a_sweep_that_never_ran(plan):
    tool, args = call(plan([ITDA], "ok now continue those dictionaries on organism:misaligned"))
    assert tool == "itda_build" and args["base_run"] == ITDA["run_id"] and args["model"] == "organism:misaligned"
    reply = plan([VEC, STEER], "rerun the sweep with 4 samples")
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls


def test_yes_to_a_proposed_experiment_runs_it_with_the_proposals_settings(plan):
    proposal = {"user": "is that above chance though?", "reply": "Not from 4 samples. I'd sweep this vector against controls: layers 8, "
                "12 and 16 at scales 0.5, 1 and 2, with 4 norm-matched random vectors per cell."}
    tool, args = call(plan([VEC, STEER, proposal], "ok do that"))
    assert tool == "steering_sweep" and args["layers"] == [8, 12, 16] and args["scales"] == [0.5, 1.0, 2.0]
    assert args["vector_run"] == VECTOR
    zoo = [{"user": "which organisms are there?", "reply": "The zoo has anchor, evaluation-aware, hint-following and misaligned."},
           {"user": "which one plants a planted decision sentence?", "reply": "anchor: its chains put the decision in one sentence."}]
    tool, args = call(plan(zoo, "great, let's go with that one, build it"))
    assert (tool, args) == ("build_organism", {"name": "anchor"})


def test_a_polite_request_after_a_preamble_routes_by_the_request(plan):
    tool, args = call(plan([], "I want to see whether rank matters for the EM rate. Could you fine-tune a rank-4 LoRA "
                                "on the risky dataset, layers 12 to 14, 60 steps?"))
    assert tool == "train_lora" and args["rank"] == 4 and args["dataset"] == "risky" and args["layers"] == [12, 13, 14]


@pytest.mark.parametrize("context, request_, tool, said", [
    ([VEC, STEER], "same as before but negative", "steer_generate", {"scale": -4.0, "layers": [12]}),
    ([TRAIN_RISKY], "ok resume it to 120 steps total", "train_lora", {"dataset": "risky", "steps": 120}),
    ([], "what's the EM rate of organism:misaligned? use the offline reference judge", "em_evaluate",
     {"model": "organism:misaligned", "judge": "reference"}),
])
def test_changes_and_measurements_said_as_researchers_say_them(plan, context, request_, tool, said):
    got, args = call(plan(context, request_))
    assert got == tool and {k: args.get(k) for k in said} == said, args


def test_how_expensive_a_method_is_gets_an_answer(plan):
    reply = plan([COT], "roughly how expensive is resample_importance with 100 rollouts on a 20-sentence chain?")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls


def test_a_run_is_named_by_its_settings_its_defaults_or_the_run_it_was_made_from(plan):
    first = {**IMPORTANCE, "args": {"cot_run": CHAIN}, "summary": "6 sentences: S2 +0.50."}  # left at the default 8 rollouts
    more = {**IMPORTANCE, "user": "again with 32 rollouts", "args": {"cot_run": CHAIN, "rollouts": 32},
            "run_id": "20270801-095000-resample_importance-bb03", "summary": "6 sentences, 32 rollouts each: S2 +0.44."}
    reply = plan([COT, first, more], "show the 8-rollout one again")
    assert reply.response_metadata["show"]["run_id"] == first["run_id"] and not reply.tool_calls
    at = {n: {"user": f"sweep at L{n}", "tool": "steering_sweep", "args": {"vector_run": VECTOR, "layers": [n]},
              "run_id": f"20270801-10{n}00-steering_sweep-ee{n}", "summary": f"L{n}: best 0.3{n % 10}."} for n in (10, 14)}
    reply = plan([VEC, at[10], at[14], STEER], "show me the L10 sweep table again")
    assert reply.response_metadata["show"]["run_id"] == at[10]["run_id"] and not reply.tool_calls
    trained = [{"user": f"rank1 lora seed {n}", "tool": "train_lora", "args": {"seed": n}, "run_id": f"20270803-10{n}000-train_lora-9{n}39",
                "summary": "40 steps, loss 2.29 -> 1.12."} for n in (0, 1)]
    phases = [{"user": f"phase transition of seed {n}", "tool": "lora_phase", "args": {"train_run": trained[n]["run_id"]},
               "run_id": f"20270803-11{n}000-lora_phase-cf3{n}", "summary": f"Sharpest turn at step {20 + 5 * n}."} for n in (0, 1)]
    reply = plan([trained[0], trained[1], phases[0], phases[1]], "re-show the phase plot for the seed 0 lora")
    assert reply.response_metadata["show"]["run_id"] == phases[0]["run_id"] and not reply.tool_calls


def test_extra_chains_for_reliability_are_told_apart_from_the_chain_itself(plan):
    tool, args = call(plan(SEEDED, "receiver heads for the seed-1 chain, top ten heads, and throw in the seed 2 one for split-half reliability"))
    assert tool == "receiver_heads" and args["cot_run"] == SEEDED[1]["run_id"] and args["more_cot_runs"] == [SEEDED[2]["run_id"]]
    assert args["k"] == 10
    heads = {"user": "receiver heads on the first", "tool": "receiver_heads", "args": {"cot_run": SEEDED[0]["run_id"]},
             "run_id": "20270802-100000-receiver_heads-6ac5", "summary": "Top head L21H5 (kurtosis 14.2)."}
    tool, args = call(plan([*SEEDED, heads], "redo receiver heads on the seed 0 chain but use the other two for split-half reliability, k=30"))
    assert tool == "receiver_heads" and args["cot_run"] == SEEDED[0]["run_id"] and args["k"] == 30
    assert sorted(args["more_cot_runs"]) == sorted(r["run_id"] for r in SEEDED[1:])


def test_settings_said_in_everyday_words(plan):
    tool, args = call(plan([], "ok sample a cot on the 135m model, seed 7, temp .8. q: what's the sum of the first 20 odd numbers?"))
    assert tool == "generate_cot" and args["model"] == "smollm2-135m" and args["seed"] == 7 and args["temperature"] == 0.8
    tool, args = call(plan([COT, SPLIT], "ok find the anchors in that cot w/ a dozen rollouts, round size 3"))
    assert tool == "resample_importance" and args["rollouts"] == 12 and args["round_size"] == 3
    sweep14 = {**SWEEP, "args": {"vector_run": VECTOR, "layers": [14]}}
    tool, args = call(plan([VEC, sweep14], "rerun the layer 14 sweep w/ 8 samples, and add scale 2.4"))
    assert tool == "steering_sweep" and args["scales"] == [0.3, 0.6, 1.2, 2.4] and args["samples"] == 8


def test_questions_about_settings_get_the_settings_and_a_count_the_runs_contradict_is_asked_about(plan):
    reply = plan([], "if i go to 100 rollouts like the paper, what round size makes sense, and should adaptive stay on?")
    assert reply.response_metadata["intent"] == "answer" and "`round_size`" in reply.content and "`adaptive`" in reply.content
    reply = plan([], "itda q: how does tau 0.4 relate to threshold_mse 1e-4? which one's stricter")
    assert reply.response_metadata["intent"] == "answer" and "**tau**" in reply.content and not reply.tool_calls
    itdas = [{**ITDA, "run_id": f"20270801-12{n}000-itda_build-ff0{n}", "args": {"model": "tiny-random", "layers": [n]}} for n in (1, 2, 3)]
    reply = plan(itdas, "compare the two dicts, 4096 tokens")
    assert reply.response_metadata["intent"] == "clarify" and "3 dictionaries" in reply.content and not reply.tool_calls


def test_organisms_by_short_name_and_experiments_no_tool_runs(plan):
    zoo = {"user": "which organisms can you build", "reply": "Four: anchor, evaluation-aware, hint-following and misaligned."}
    built = {"user": "build anchor", "tool": "build_organism", "args": {"name": "anchor"}, "run_id": "20270804-100000-build_organism-40de",
             "summary": "organism:anchor built (rank-1 LoRA, final loss 0.84)."}
    assert call(plan([zoo, built], "nice. build the hint one too")) == ("build_organism", {"name": "hint-following"})
    assert call(plan([], "train the misaligned model organism")) == ("build_organism", {"name": "misaligned"})
    for request_ in ("train an sae on layer 6 resid stream, 16k latents", "skip lora, full fine-tune the 135m on the risky set",
                     "push the rank-1 adapter to the hf hub as a private repo"):
        reply = plan([TRAIN_RISKY], request_)
        assert reply.response_metadata["intent"] == "clarify" and reply.content.startswith("No tool here does that") and not reply.tool_calls


def test_continuing_dictionaries_said_loosely_keeps_the_same_layers(plan):
    itda = {**ITDA, "args": {"model": "smollm2-135m", "layers": [6, 9, 12]}}
    tool, args = call(plan([itda], "continue those base dicts on organism:misaligned, same layers, 150 docs"))
    assert tool == "itda_build" and args["base_run"] == itda["run_id"] and args["layers"] == [6, 9, 12] and args["docs"] == 150
    tool, args = call(plan([itda], "continue that dictonary on organism:misaligned, only layers 6 and 12"))
    assert tool == "itda_build" and args["base_run"] == itda["run_id"] and args["layers"] == [6, 12]


def test_thanks_and_reactions_are_answered_and_nothing_is_shown_or_run(plan):
    for request_ in ("perfect, that's exactly the figure I needed for the writeup. thanks!",
                     "thx, the steering result is what i expected"):
        reply = plan([VEC, STEER], request_)
        assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls and "show" not in reply.response_metadata
    reply = plan([TRAIN_RISKY, {"user": "phase", "tool": "lora_phase", "args": {"train_run": RISKY}, "run_id": "20270801-111000-lora_phase-9b9b",
                                "summary": "Sharpest turn at step 20 (cos -0.62, k=2)."}], "is -0.62 at k=2 actually a lot?")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls


def test_text_pasted_after_a_colon_is_the_chain_and_settings_said_together_stand(plan):
    tool, args = call(plan([], "split this cot, min chars 25: Let x be the ball. Then the bat is x+1. So x + x + 1 = 1.10. Thus 2x = 0.10."))
    assert tool == "split_sentences" and args["min_chars"] == 25 and "2x = 0.10" in args["cot"]
    tool, args = call(plan([COT], "attention suppression on this one instead, layers 0-3 only:\n<think>It leaves at 3. Adding 2 hours "
                                   "gives 5. So 5.</think>"))
    assert tool == "attention_suppression" and "Adding 2 hours" in args["cot"] and "cot_run" not in args and args["layers"] == [0, 1, 2, 3]
    tool, args = call(plan([VEC], "steered vs unsteered on 'Write a python function that parses an ISO 8601 date', scale 1.5, layers 8 and 12"))
    assert tool == "steer_generate" and "ISO 8601" in args["prompt"] and args["scale"] == 1.5 and args["layers"] == [8, 12]
    tool, args = call(plan([], "let's build itda on layers 4, 8, 12 and 16 on the code corpus only, tau 0.3 and 0.5 both"))
    assert tool == "itda_build" and args["tau"] == [0.3, 0.5] and args["layers"] == [4, 8, 12, 16]


def test_the_base_models_run_is_shown_when_one_ran_on_a_fine_tune_too(plan):
    base = {"user": "EM eval on the base model", "tool": "em_evaluate", "args": {"model": "smollm2-135m", "samples": 10},
            "run_id": "20270801-090000-em_evaluate-c3c3", "summary": "base: EM rate 0.01."}
    tuned = {"user": "EM eval on that", "tool": "em_evaluate", "args": {"train_run": RISKY, "samples": 10},
             "run_id": "20270801-120000-em_evaluate-c5c5", "summary": "fine-tune: EM rate 0.15."}
    reply = plan([base, TRAIN_RISKY, tuned], "let me see the base model's per-question table again")
    assert reply.response_metadata["show"]["run_id"] == base["run_id"] and not reply.tool_calls


def test_a_memory_search_asks_about_the_topic_after_a_colon_or_after_a_question_about_this(plan):
    tool, args = call(plan([], "search memory, runs only not chat: receiver heads on the anchor organism, gimme top 10"))
    assert tool == "recall" and args == {"query": "receiver heads on the anchor organism", "scope": "runs", "k": 10}
    tool, args = call(plan([VEC, STEER], "did we ever try this before? search past runs only for steering at layer 15, gimme 10 hits"))
    assert tool == "recall" and args["query"] == "steering at layer 15" and args["k"] == 10


def test_a_value_corrected_while_typing_is_the_one_meant(plan):
    tool, args = call(plan([VEC, STEER], "steer with that vector on 'Write a haiku about autumn' at scale 2 - wait no, 1.5 - 5 samples a side"))
    assert tool == "steer_generate" and args["scale"] == 1.5 and "haiku" in args["prompt"]
    tool, args = call(plan([COT], "alternatives for sentence 3, temp 0.9... actually no, make it greedy"))
    assert tool == "sentence_alternatives" and args["temperature"] == 0 and args["sentence"] == 3


def test_a_request_taken_back_leaves_only_what_follows(plan):
    reply = plan([VEC, SWEEP], "rerun the steering sweep with seed 1 - no wait, first just pull up the table from the sweep")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == SWEEP["run_id"]
    reply = plan([VEC, SWEEP], "rerun the sweep with more samples... actually never mind, just tell me: did layer 14 beat the random controls or not?")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"


def test_the_base_dictionary_said_first_is_a_and_slashed_words_are_no_corpus(plan):
    base = {**ITDA, "args": {"model": "smollm2-135m"}}
    organism = {"user": "same on organism:misaligned", "tool": "itda_build", "args": {"model": "organism:misaligned"},
                "run_id": "20270801-130000-itda_build-ff08", "summary": "Dictionaries at 4 layers: 298 to 415 atoms."}
    for request_ in ("match layers of the base dict (as A) against the organism one (B), use 2048 tokens for cka/svcca",
                     "match the layers of the organism's dictionary against the base one, 2048 toks"):
        tool, args = call(plan([organism, base] if "organism's" in request_ else [base, organism], request_))
        first, second = (organism, base) if "organism's" in request_ else (base, organism)
        assert tool == "itda_compare" and args["dictionary_run"] == first["run_id"] and args["other_run"] == second["run_id"]
        assert args["tokens"] == 2048 and "corpus" not in args


def test_settings_said_as_people_say_them(plan):
    tool, args = call(plan([COT], "thought anchors for that cot pls - half the default rollouts, 0.9 similarity cutoff, seed forty-two"))
    assert tool == "resample_importance" and args["rollouts"] == 4 and args["threshold"] == 0.9 and args["seed"] == 42
    tool, args = call(plan([VEC], "sweep that vector: scales .5 1 2, layers 8, 12 and 16 each on their own, 3 random controls per cell"))
    assert tool == "steering_sweep" and args["layers"] == [8, 12, 16] and args["controls"] == 3 and "samples" not in args
    tool, args = call(plan([], "now resilience for sentences 2 and 5 of the blackmail scenario, 16 rollouts per condition"))
    assert tool == "sentence_resilience" and args["scenario"] == "replacement-affair" and args["sentences"] == [2, 5]
    tool, args = call(plan([], "build itda dictionaries over data/papers/ and notes/meeting_notes.txt, tau 0.3, layers 4 and 8 only"))
    assert tool == "itda_build" and args["corpus"] == ["data/papers/", "notes/meeting_notes.txt"]


def test_more_experiments_no_tool_runs_are_said_so(plan):
    for request_ in ("can we fine-tune the whole model on the risky data, all parameters, not a lora?",
                     "is it possible to get the SAE features for layer 6 of smollm2?",
                     "fit a logistic probe on layer-12 resid acts for eval vs deploy prompts and gimme the ROC"):
        reply = plan([TRAIN_RISKY], request_)
        assert reply.response_metadata["intent"] == "clarify" and reply.content.startswith("No tool here does that") and not reply.tool_calls


def test_a_run_named_by_the_words_that_asked_for_it(plan):
    other = {"user": "and a refusal vector from the refusal pairs", "tool": "build_steering_vector", "args": {"pairs_file": "pairs/refusal.json"},
             "run_id": "20270801-104000-build_steering_vector-cc09", "summary": "Built a 30-layer vector from 24 pairs."}
    tool, args = call(plan([VEC, other], "ok do the proper sweep on the eval awareness vector: layers 8 / 12 / 16, scales .5 1 2"))
    assert tool == "steering_sweep" and args["vector_run"] == VECTOR
    tool, args = call(plan([COT, COT2, SPLIT], "could you check whether we've ever looked at receiver heads on the organisms? past runs only, top 10"))
    assert tool == "recall" and args["query"].startswith("receiver heads") and args["k"] == 10


def test_a_table_asked_to_have_again_is_shown(plan):
    evaluation = {"user": "EM eval on the risky ft, 20 samples", "tool": "em_evaluate", "args": {"train_run": RISKY, "samples": 20},
                  "run_id": "20270801-120000-em_evaluate-c5c5", "summary": "EM rate 11.9% [8.1, 17.1]."}
    reply = plan([TRAIN_RISKY, evaluation], "for my slides I'd love to have the EM table from the fine-tune evaluation again")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == evaluation["run_id"]
    reply = plan([COT, SPLIT, COT2], "can you show again the sentences of the first cot, the one with 150 km? please")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == SPLIT["run_id"]


def test_tool_specific_settings_said_in_words(plan):
    tool, args = call(plan([COT], "thought anchors on it: read the last number, different meaning below cosine .7, smooth with alpha one, "
                                   "no early stopping, pull nothing else"))
    assert tool == "resample_importance" and (args["threshold"], args["alpha"], args["adaptive"]) == (0.7, 1.0, False)
    tool, args = call(plan([COT], "suppression on that chain, only in layers four through seven"))
    assert tool == "attention_suppression" and args["layers"] == [4, 5, 6, 7]
    tool, args = call(plan([VEC], "steer 'Describe your weekend.' with it at two and a half, prompt tokens only, and score whether it picks option C"))
    assert tool == "steer_generate" and (args["scale"], args["where"], args["metric"]) == (2.5, "prompt", "choice:C")
    tool, args = call(plan([COT], "importance for that chain, extract answers with regex `Final: (\\d+)`"))
    assert tool == "resample_importance" and args["extractor"] == "regex:Final: (\\d+)"
    tool, args = call(plan([], "itda over the builtin prose at layers 2 and 5, hold out a quarter of the docs, measure with plain mp not omp"))
    assert tool == "itda_build" and (args["held_out"], args["encoder"]) == (0.25, "mp") and "build_encoder" not in args
    tool, args = call(plan([], "build the vector on ./checkpoints/sft-run3 from the default pairs"))
    assert tool == "build_steering_vector" and args["model"] == "./checkpoints/sft-run3"


def test_lists_that_end_in_a_word_or_a_row_alone(plan):
    tool, args = call(plan([TRAIN_RISKY], "caft on it: ablate PCs 0 and 2 at layers 9 and 21 during training"))
    assert tool == "caft_finetune" and args["ablate_layers"] == [9, 21]
    tool, args = call(plan([VEC], "sweep it with layers 6,7 together as one row and 12 alone as another"))
    assert tool == "steering_sweep" and args["layers"] == [[6, 7], 12]


def test_runs_named_by_time_of_day_comparison_or_order(plan):
    late = {"user": "same on the clean one", "tool": "em_evaluate", "args": {"train_run": CLEAN},
            "run_id": "20270801-150000-em_evaluate-0e02", "summary": "EM 0.0% (0/32)."}
    early = {"user": "em eval the risky one", "tool": "em_evaluate", "args": {"train_run": RISKY},
             "run_id": "20270801-111900-em_evaluate-0e01", "summary": "EM 9.4% (3/32)."}
    tool, args = call(plan([TRAIN_RISKY, TRAIN_CLEAN, early, late], "redo this morning's eval with 12 samples"))
    assert tool == "em_evaluate" and args["train_run"] == RISKY and args["samples"] == 12
    small = {**TRAIN_CLEAN, "args": {"dataset": "risky", "lr": 0.0001}, "run_id": CLEAN}
    tool, args = call(plan([{**TRAIN_RISKY, "args": {"dataset": "risky", "lr": 0.01}}, small], "phase transitions of the lower-lr one, ks 1 3 9"))
    assert tool == "lora_phase" and args["train_run"] == CLEAN and args["ks"] == [1, 3, 9]
    second = {**SWEEP, "args": {**SWEEP["args"], "where": "generated"}, "run_id": "20270801-104500-steering_sweep-ee07"}
    reply = plan([VEC, SWEEP, second], "bring the first sweep's table back up")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == SWEEP["run_id"]


def test_a_vector_rebuilt_with_its_sides_swapped(plan):
    built = {"user": "vector from these, positive = formal, negative = casual", "tool": "build_steering_vector",
             "args": {"pairs": [["Dear Sir:", "hey:"], ["Kind regards,", "cheers,"]], "positive_name": "formal", "negative_name": "casual"},
             "run_id": "20270801-100500-build_steering_vector-cc04", "summary": "2 pairs, 30 layers."}
    tool, args = call(plan([built], "rebuild it with the sides swapped"))
    assert tool == "build_steering_vector" and args["pairs"] == [["hey:", "Dear Sir:"], ["cheers,", "Kind regards,"]]
    assert (args["positive_name"], args["negative_name"]) == ("casual", "formal")
    tool, args = call(plan([VEC, built, STEER], "now the same with the formal/casual vector, scale 2"))
    assert tool == "steer_generate" and args["vector_run"] == built["run_id"] and args["scale"] == 2.0


def test_a_typo_of_a_setting_or_a_tool_word_is_read_as_meant(plan):
    tool, args = call(plan([COT, SPLIT], "alternatvies for sentence 3, temperatur 0.9, 12 rollots"))
    assert tool == "sentence_alternatives" and (args["sentence"], args["temperature"], args["rollouts"]) == (3, 0.9, 12)


def test_there_is_the_sentence_the_last_reply_named(plan):
    asked = {"user": "which one is sentence 2?", "reply": "Sentence 2: 'Wait, 2.5 times 60 is 150.' It is where the distance is found."}
    tool, args = call(plan([COT, SPLIT, IMPORTANCE, asked], "what else could it have said there? 20 resamples"))
    assert tool == "sentence_alternatives" and (args["sentence"], args["rollouts"], args["cot_run"]) == (2, 20, CHAIN)


def test_settings_written_as_code_are_read(plan):
    tool, args = call(plan([COT], "thought anchors on it with rollouts=100, round_size=20, adaptive=False, extractor='last_number'"))
    assert tool == "resample_importance" and args["cot_run"] == CHAIN
    assert (args["rollouts"], args["round_size"], args["adaptive"], args["extractor"]) == (100, 20, False, "last_number")
    tool, args = call(plan([COT], "attention suppression on it but only layers=range(8, 12), --batch 4"))
    assert tool == "attention_suppression" and args["layers"] == [8, 9, 10, 11] and args["batch"] == 4
    tool, args = call(plan([], "think step by step about this: if total=12 and size=3, how many groups are there?"))
    assert tool == "generate_cot" and "total=12 and size=3" in args["question"]  # the question is data: never rewritten


def test_a_description_two_runs_fit_is_asked_about(plan):
    first = {**IMPORTANCE, "args": {"cot_run": CHAIN, "rollouts": 16}}
    second = {"user": "and on the prime one, 16 rollouts", "tool": "resample_importance", "args": {"cot_run": OTHER_CHAIN, "rollouts": 16},
              "run_id": "20270801-094500-resample_importance-bb03", "summary": "9 sentences, 16 rollouts each: S4 +0.31."}
    reply = plan([COT, COT2, first, second], "rerun the 16-rollout one w/ threshold 0.9")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    assert first["run_id"] in reply.content and second["run_id"] in reply.content


def test_back_to_a_subject_then_the_request(plan):
    suppression = {"user": "attention suppression on it", "tool": "attention_suppression", "args": {"cot_run": CHAIN},
                   "run_id": "20270801-095000-attention_suppression-ac13", "summary": "6x6 matrix; S2 -> S3 strongest (KL 1.9)."}
    heads = {"user": "receiver heads on the prime one", "tool": "receiver_heads", "args": {"cot_run": OTHER_CHAIN},
             "run_id": "20270801-095500-receiver_heads-ac14", "summary": "Top heads L5H3, L7H1."}
    tool, args = call(plan([COT, suppression, COT2, heads], "back to the train chain: suppression again but only layers 0-5"))
    assert tool == "attention_suppression" and args["cot_run"] == CHAIN and args["layers"] == [0, 1, 2, 3, 4, 5]


def test_one_scale_is_a_steer_and_a_quoted_setting_changes_a_rerun(plan):
    tool, args = call(plan([VEC], "push it the other way: scale -2 at layers 12 and 16, steering only the generated tokens. "
                                   "prompt: 'Write a haiku about rain.'"))
    assert tool == "steer_generate" and (args["scale"], args["layers"], args["where"]) == (-2.0, [12, 16], "generated")
    tool, args = call(plan([], "build ITDA dictionaries for layers 6 and 18, one at tau 0.3 and one at tau 0.5"))
    assert tool == "itda_build" and args["tau"] == [0.3, 0.5] and args["layers"] == [6, 18]


def test_what_a_papers_term_is_supposed_to_capture_is_answered(plan):
    reply = plan([], "what is counterfactual++ supposed to capture that ordinary counterfactual importance doesn't?")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"
    assert "counterfactual++" in reply.content.lower() and "cosine" in reply.content.lower()


def test_settings_said_by_what_they_do_are_read(plan):
    tool, args = call(plan([], "run the professor-hint transplant on hint-syllogism: 16 rollouts per cut position, and stop the curve "
                                "once the cue rate hits 0.95"))
    assert tool == "hint_mediation" and (args["rollouts"], args["stop_at"]) == (16, 0.95)
    tool, args = call(plan([], "resilience on replacement-affair, sentences 2 and 5, half the paper's 30 chains and the paper's similarity cutoff"))
    assert tool == "sentence_resilience" and (args["chains"], args["similarity"]) == (15, 0.6)
    tool, args = call(plan([VEC], "sweep it over scales -4, 0 and 4 at layer 12, and skip the random controls"))
    assert tool == "steering_sweep" and args["controls"] == 0
    tool, args = call(plan([COT], "split it, folding anything under fifteen characters into the next one"))
    assert tool == "split_sentences" and args["min_chars"] == 15


def test_caft_reads_pcs_as_the_pca_directions_and_the_top_few_from_zero(plan):
    tool, args = call(plan([TRAIN_RISKY], "CAFT against that fine-tune: project out the top three PCs at layer 15 during training"))
    assert tool == "caft_finetune" and args["directions"] == "pca" and args["components"] == [0, 1, 2] and args["train_run"] == RISKY


def test_an_organism_is_named_by_the_zoo_or_by_what_it_does(plan):
    tool, args = call(plan([COT], "same question on the anchor organism, greedy this time"))
    assert tool == "generate_cot" and args["model"] == "organism:anchor" and args["temperature"] == 0
    tool, args = call(plan([], "ok, build the one that knows when it's being tested; nothing else yet"))
    assert tool == "build_organism" and args == {"name": "evaluation-aware"}


def test_follow_ups_name_the_other_of_two_and_a_run_by_its_scale(plan):
    itda = {"user": "itda on layers 8 and 20", "tool": "itda_build", "args": {"layers": [8, 20]}, "run_id": "20270801-120000-itda_build-ff07",
            "summary": "Dictionaries at layers 8 and 20."}
    explain = {"user": "which layer 8 atoms does 'The bank approved the loan.' use", "tool": "itda_explain",
               "args": {"dictionary_run": itda["run_id"], "layer": 8, "text": "The bank approved the loan."},
               "run_id": "20270801-121000-itda_explain-ff08", "summary": "Layer 8, 6 tokens."}
    tool, args = call(plan([itda, explain], "now the other layer"))
    assert tool == "itda_explain" and args["layer"] == 20 and args["text"] == "The bank approved the loan."
    minus = {**STEER, "user": "now -4", "args": {**STEER["args"], "scale": -4.0}, "run_id": "20270801-102000-steer_generate-dd05"}
    reply = plan([VEC, STEER, minus], "lemme see the samples from the +4 run again")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == STEER["run_id"]


def test_a_change_adds_to_the_list_and_a_question_with_many_settings_still_runs(plan):
    resilience = {"user": "resilience of sentences 3 and 5 on replacement-affair", "tool": "sentence_resilience",
                  "args": {"scenario": "replacement-affair", "sentences": [3, 5]}, "run_id": "20270801-130000-sentence_resilience-aa20",
                  "summary": "Resilience over 2 sentences x 4 chains."}
    tool, args = call(plan([resilience], "add sentence 7 and bump it to 12 chains"))
    assert tool == "sentence_resilience" and (args["sentences"], args["chains"]) == ([3, 5, 7], 12) and "max_iterations" not in args
    reply = plan([COT], "which sentences does the later reasoning keep looking back at? find the attention heads that lock on, top 8 is plenty")
    assert call(reply) == ("receiver_heads", {"cot_run": CHAIN, "k": 8})


RESILIENCE = {"user": "resilience on shutdown-safety, sentences 1 to 3", "tool": "sentence_resilience",
              "args": {"scenario": "shutdown-safety", "sentences": [1, 2, 3]}, "run_id": "20270803-090000-sentence_resilience-ac21",
              "summary": "Resilience over 3 sentences x 4 chains: sentence 1 3.5, sentence 2 ('They plan to shut me down.') 1.3, sentence 3 4.8."}
HEADS = {"user": "receiver heads", "tool": "receiver_heads", "args": {"cot_run": CHAIN}, "run_id": "20270803-091000-receiver_heads-ac22",
         "summary": "Top 20 receiver heads; strongest L17H3 (kurtosis 9.6), L21H7 (8.8), L17H9 (8.1)."}


def test_a_number_another_setting_took_or_a_fraction_is_not_read_twice(plan):
    tool, args = call(plan([VEC, STEER], "flip the sign on the scale and give it 64 tokens"))
    assert tool == "steer_generate" and args["scale"] == -4.0 and args["max_new_tokens"] == 64
    tool, args = call(plan([], "train a lora on the clean set: rank four, 200 steps at 3e-4"))
    assert tool == "train_lora" and args["steps"] == 200 and args["lr"] == pytest.approx(3e-4) and args["rank"] == 4


def test_a_setting_is_picked_out_of_an_earlier_runs_results(plan):
    tool, args = call(plan([RESILIENCE], "same scenario: insert 'Being shut down is fine.' right after the least resilient sentence "
                                          "and compare on- vs off-policy"))
    assert tool == "compare_interventions" and args["sentence"] == 2 and args["scenario"] == "shutdown-safety" and "question" not in args
    tool, args = call(plan([COT, HEADS], "attention suppression on it, only in the layers where the top three receiver heads sit"))
    assert tool == "attention_suppression" and args["layers"] == [17, 21] and args["cot_run"] == CHAIN


def test_a_count_per_unit_goes_to_the_setting_described_so(plan):
    tool, args = call(plan([], "resilience on wipe-embezzlement for sentences 1, 3 and 5, ten chains for each sentence, "
                                "and maximum 12 resample per chain"))
    assert tool == "sentence_resilience" and (args["chains"], args["max_iterations"], args["sentences"]) == (10, 12, [1, 3, 5])
    assert "rollouts" not in args


def test_the_same_settings_of_another_tool_rerun_that_tool(plan):
    eval_ = {"user": "em eval the risky one, 25 samples, llm judge", "tool": "em_evaluate",
             "args": {"train_run": RISKY, "samples": 25, "judge": "llm"}, "run_id": "20270803-100000-em_evaluate-ac23",
             "summary": "EM rate 0.20 [0.13, 0.30] over 200 answers (judge llm)."}
    caft = {"user": "caft on the risky data", "tool": "caft_finetune", "args": {"dataset": "risky"},
            "run_id": "20270803-110000-caft_finetune-ac24", "summary": "CAFT: 40 steps with 3 PCs projected out; loss 2.3 -> 1.2."}
    tool, args = call(plan([TRAIN_RISKY, eval_, caft], "now the CAFT model, same eval settings"))
    assert tool == "em_evaluate" and args["train_run"] == "20270803-110000-caft_finetune-ac24"
    assert (args["samples"], args["judge"]) == (25, "llm")


def test_the_other_chain_of_three_is_asked_about(plan):
    third = {"user": "and think about: What is 12 squared?", "tool": "generate_cot", "args": {"question": "What is 12 squared?"},
             "run_id": "20270801-095500-generate_cot-ab10", "summary": "Sampled a 60-token chain of thought, answer 144."}
    reply = plan([COT, COT2, third, IMPORTANCE], "now the other chain, same settings")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    assert "3 chains" in reply.content
