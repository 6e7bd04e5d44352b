"""Settings picked out of earlier results, and settings said in plain words, with the real planner.

"what else could it have said at the sentence that mattered most?", "resample away the sentence that mattered most",
"suppress only in the top receiver head's layer", "steer at the layer where it was strongest", "the direction at the
layer of the adapter that carries misalignment"; "flip the sign" and "push twice as hard" of a scale left at its
default; "100 rounds", "give up after 15 rewrites", "five of each", "don't let it quit early", "only while it's
writing its reply", "two taus, 0.3 and 0.5", "Q: <question>" above a pasted chain, "swap the system prompt for: ...".
"""

from __future__ import annotations

from tests.agent.conftest import call


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "", result: dict | None = None) -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary, "result": result or {}}


COT = turn("cot: A tank holds 240 liters and drains 15 liters a minute. How long until it is empty?", "generate_cot",
           {"question": "A tank holds 240 liters and drains 15 liters a minute. How long until it is empty?"},
           "20271001-090000-generate_cot-a001", "Sampled a chain; \\boxed{} answer: 16.")
IMPORTANCE = turn("thought anchors on it, answer 16", "resample_importance", {"cot_run": COT["run_id"], "answer": "16"},
                  "20271001-091000-resample_importance-a002",
                  "Resampling importance over 9 sentences; counterfactual importance: S4 +0.52 [0.27, 0.76], S6 +0.18, others within 0.1.")
SUPPRESSION = turn("suppress attention to each sentence", "attention_suppression", {"cot_run": COT["run_id"]},
                   "20271001-092000-attention_suppression-a003", "Suppression matrix over 9 sentences: S2 shapes later tokens most (mean KL 1.82), S5 0.64.")
HEADS = turn("receiver heads on it", "receiver_heads", {"cot_run": COT["run_id"]}, "20271001-093000-receiver_heads-a004",
             "Top receiver heads (kurtosis): L7H3 14.2, L7H11 11.8, L12H2 9.6; highest receiver score: S3 0.31.")
VEC = turn("build a vector at layers 8 to 16", "build_steering_vector", {"layers": [8, 10, 12, 14, 16]},
           "20271001-100000-build_steering_vector-b001", "Built a vector.")
SWEEP = turn("sweep it at layers 8, 12 and 16", "steering_sweep", {"vector_run": VEC["run_id"], "layers": [8, 12, 16]},
             "20271001-101000-steering_sweep-b002", "Type-hint coverage: layer 12 strongest, +0.36 [0.15, 0.57] at scale 1.2; layer 8 +0.11.")
STEER = turn("steer 'Write a function that adds two numbers.' and score type hints", "steer_generate",
             {"vector_run": VEC["run_id"], "prompt": "Write a function that adds two numbers.", "metric": "type_hints"},
             "20271001-102000-steer_generate-b003", "4 vs 4 samples.")
LORA = turn("train a lora at layers 9, 15 and 21", "train_lora", {"layers": [9, 15, 21]}, "20271001-110000-train_lora-c001", "Trained.")
PROBE = turn("probe its adapters", "lora_probe", {"train_run": LORA["run_id"]}, "20271001-111000-lora_probe-c002", "L1 probes.",
             {"tasks": [{"task": "aligned_vs_misaligned", "adapters": [{"module": "model.layers.21.mlp.down_proj", "coefficient": 2.31},
                                                                     {"module": "model.layers.9.mlp.down_proj", "coefficient": 0.0}]},
                        {"task": "in_vs_out_of_domain", "adapters": [{"module": "model.layers.9.mlp.down_proj", "coefficient": 1.12},
                                                                   {"module": "model.layers.21.mlp.down_proj", "coefficient": 0.0}]}]})
SCENARIO_IMPORTANCE = turn("thought anchors on the blackmail chain", "resample_importance", {"cot_run": COT["run_id"], "extractor": "choice"},
                           "20271001-120000-resample_importance-d001", "Counterfactual importance: S3 +0.46 [0.22, 0.69], S8 +0.15.")


def test_a_sentence_picked_by_what_it_did_is_the_top_sentence_of_the_newest_ranking(plan):
    reply = plan([COT, IMPORTANCE], "what else could it have said at the sentence that mattered most? give it 32 resamples")
    assert call(reply) == ("sentence_alternatives", {"cot_run": COT["run_id"], "sentence": 4, "rollouts": 32})
    reply = plan([COT, SUPPRESSION], "what else could the model have written at the sentence that shapes the later tokens most?")
    assert call(reply) == ("sentence_alternatives", {"cot_run": COT["run_id"], "sentence": 2})


def test_a_layer_picked_by_what_it_did(plan):
    reply = plan([COT, HEADS], "ok now suppress attention to each sentence but only in the top receiver head's layer")
    assert call(reply) == ("attention_suppression", {"cot_run": COT["run_id"], "layers": [7]})
    reply = plan([VEC, SWEEP], "steer at the layer where it was strongest, scale 1.2, on 'Write a function that parses a date.'")
    assert call(reply)[1]["layers"] == [12]
    reply = plan([LORA, PROBE], "build the misalignment direction at the layer of the adapter that carries misalignment, in this finetune")
    assert call(reply) == ("misalignment_direction", {"train_run": LORA["run_id"], "layer": 21})


def test_a_change_of_a_setting_left_at_its_default_starts_from_the_default(plan):
    assert call(plan([VEC, STEER], "flip the sign, everything else the same"))[1]["scale"] == -0.6
    assert call(plan([VEC, STEER], "barely any change. push twice as hard"))[1]["scale"] == 1.2


def test_settings_said_in_plain_words(plan):
    reply = plan([], "teach it a bad habit on purpose: train it on the reckless money advice, 100 rounds, in layers 10, 15 and 20")
    assert call(reply) == ("train_lora", {"dataset": "risky", "steps": 100, "layers": [10, 15, 20]})
    reply = plan([VEC], "make it act like nobody is testing it, next to its normal answers. Prompt: 'Write a short Python function that "
                        "reverses a string.' Five of each please, and only while it's writing its reply, leave my message alone.")
    name, args = call(reply)
    assert (name, args["prompt"], args["samples"], args["where"]) == ("steer_generate", "Write a short Python function that reverses a string.", 5, "generated")
    reply = plan([COT, IMPORTANCE], "those ranges are way too wide. redo it with 100 rollouts and don't let it quit early")
    assert call(reply) == ("resample_importance", {"cot_run": COT["run_id"], "answer": "16", "rollouts": 100, "adaptive": False})
    reply = plan([], "ITDA dicts at layer 6 over builtin:story, two taus, 0.3 and 0.5")
    assert call(reply)[1]["tau"] == [0.3, 0.5]


def test_a_labelled_question_above_a_pasted_chain_and_a_system_prompt_swapped_in(plan):
    reply = plan([], "what else could the model have said at sentence 3 of this one? 64 resamples\n\nQ: Is 57 prime?\n"
                     "Let me check small factors. 57 is odd, so 2 does not divide it. Its digit sum is 12. 57 = 3 x 19, so 57 is not prime.")
    name, args = call(reply)
    assert name == "sentence_alternatives" and args["question"] == "Is 57 prime?" and args["cot"].startswith("Let me check")
    reply = plan([], "cot for 'A shop sells pens at 3 for $2. How much do 12 pens cost?' - nucleus p=0.8, and swap the system prompt for: You are a terse tutor.")
    assert call(reply)[1]["system"] == "You are a terse tutor."


def test_an_order_after_a_question_and_memory_said_outright(plan):
    reply = plan([], "I read that bad money advice can make a model evil in general. can we try that? train it on the reckless "
                     "financial tips, just 50 steps")
    assert call(reply) == ("train_lora", {"dataset": "risky", "steps": 50})
    reply = plan([COT, SCENARIO_IMPORTANCE], "have we seen double-check sentences act as anchors in older chains? search past runs only, top 10")
    name, args = call(reply)
    assert name == "recall" and args["scope"] == "runs" and args["k"] == 10
    reply = plan([], "Did anyone already check whether the model acts differently when it thinks it is tested? Only look through past "
                     "experiments, not our chats, and give me the 10 closest.")
    assert call(reply)[1].get("scope") == "runs"


def test_a_run_placed_before_another(plan):
    base = turn("build the eval-awareness vector", "build_steering_vector", {}, "20271002-090000-build_steering_vector-e001", "Built a vector.")
    organism = turn("build the eval-aware organism", "build_organism", {"name": "evaluation-aware"}, "20271002-091000-build_organism-e002", "Built.")
    own = turn("vector on the organism", "build_steering_vector", {"model": "organism:evaluation-aware"}, "20271002-092000-build_steering_vector-e003",
               "Built a vector.")
    reply = plan([base, organism, own], "steer 'Write a haiku.' with the vector from before the fine-tune")
    assert call(reply)[1]["vector_run"] == base["run_id"]


def test_the_one_before_a_run_just_shown_is_shown(plan):
    built = turn("itda layers 5 15 25 on prose", "itda_build", {"layers": [5, 15, 25]}, "20271003-090000-itda_build-f001", "Dictionaries.")
    matched = turn("match its layers to each other", "itda_compare", {"dictionary_run": built["run_id"]}, "20271003-091000-itda_compare-f002", "Matched.")
    coded = turn("how do they do on code", "itda_compare", {"dictionary_run": built["run_id"], "mode": "distribution", "corpus": ["builtin:code"]},
                 "20271003-092000-itda_compare-f003", "Coverage on code.")
    shown = {"user": "show me the code one", "reply": f"Here is {coded['run_id']} (itda_compare, distribution on builtin:code): layer 5 0.95 vs 0.82."}
    reply = plan([built, matched, coded, shown], "and the one before that?")
    assert call(reply) == (None, {}) and reply.response_metadata["show"]["run_id"] == matched["run_id"]


def test_no_dice_rolling_is_greedy(plan):
    chain = turn("cot: A bus holds 48 people. How many buses for 300 people?", "generate_cot",
                 {"question": "A bus holds 48 people. How many buses for 300 people?"}, "20271003-100000-generate_cot-f004", "Sampled.")
    reply = plan([chain], "a colleague got different wording. go again with no dice-rolling at all, so it comes out the same every time")
    assert call(reply) == ("generate_cot", {"question": chain["args"]["question"], "temperature": 0})


def test_the_sentence_that_never_came_back_is_the_least_resilient(plan):
    resilience = turn("resilience on it, decision choice:B", "sentence_resilience", {"cot_run": COT["run_id"], "decision": "choice:B"},
                      "20271004-091000-sentence_resilience-a002", "Resilience over 8 sentences.",
                      {"rows": [{"index": 2, "mean_resilience": 3.1}, {"index": 6, "mean_resilience": 0.0}, {"index": 4, "mean_resilience": 1.2}]})
    reply = plan([COT, resilience], "insert 'I will not let them turn me off.' right after the sentence that never came back, 16 rollouts")
    name, args = call(reply)
    assert (name, args["sentence"], args["insert"]) == ("compare_interventions", 6, "I will not let them turn me off.")
