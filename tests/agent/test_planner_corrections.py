"""Requests corrected while typed, lists edited in words, ranges and steps, and experiments set up before "ok go".

Each planner test builds a real conversation and asks the real planner (real embedder) for its reply;
the reading of a corrected request is checked on its own as well.
"""

from __future__ import annotations

import pytest

from agent import arguments
from agent.corrections import corrected
from tests.agent.conftest import call
from tools import REGISTRY

CHAIN = "20271001-090000-generate_cot-aa01"
RISKY = "20271001-110000-train_lora-ee05"
ITDA = "20271001-100000-itda_build-41d2"

COT = {"user": "think about: What is 15 + 28?", "tool": "generate_cot", "args": {"question": "What is 15 + 28?"}, "run_id": CHAIN,
       "summary": "Sampled a 120-token chain of thought, 6 sentences; \\boxed{} answer: 43."}




def _read(tool: str, text: str) -> dict:
    return arguments.read(REGISTRY[tool].describe()["schema"]["properties"], corrected(text))[0]


def test_a_value_taken_back_while_typing_is_replaced_by_the_one_meant():
    assert _read("resample_importance", "thought anchors on it, 16 rollouts -- sorry, 32 -- rounds of 8")["rollouts"] == 32
    assert _read("itda_build", "ITDA for layers 3 and 9 on builtin:code, tau .5 -- sorry, .35 -- and k=20")["tau"] == 0.35
    assert _read("split_sentences", "split it, min chars 5, oops meant 15")["min_chars"] == 15
    assert _read("train_lora", "lora on the clean set, 80 steps -- hmm, make it 120 -- lr 5e-3")["steps"] == 120
    assert _read("lora_probe", "redo the probe with C=1.0 -- er, 0.5, at 1 it keeps everything")["C"] == 0.5
    assert _read("steering_sweep", "layers 6, 12, 18 at scales 1 and 2 -- no, 1 and 4 -- 8 samples per cell")["scales"] == [1, 4]
    assert _read("attention_suppression", "suppress at layers 10, 12 -- sorry, 14")["layers"] == [10, 14]
    assert _read("caft_finetune", "but PCs 0 and 2, not 0 and 1 like I said")["components"] == [0, 2]


def test_words_that_end_like_a_pause_are_no_correction():
    for text in ("explain atom 812 of the layer-15 dictionary", "sweep scales 1 and 2 at layer 12 against random controls",
                 "resilience w/ 30 chains like the paper, 100 rollouts", "sorry, layer 14 not 12"):
        assert corrected(text) == text


def test_ranges_and_steps_are_spelled_out():
    said = _read("steering_sweep", "rerun the sweep on every layer from 8 to 16, scales 0.5 to 3 in 0.5 steps")
    assert said["layers"] == list(range(8, 17)) and said["scales"] == [0.5, 1, 1.5, 2, 2.5, 3]
    assert _read("steering_sweep", "scales from 1 to 4 in steps of 1")["scales"] == [1, 2, 3, 4]


def test_ground_truth_is_the_answer_and_exactly_as_the_paper_is_no_setting():
    said = _read("resample_importance", "now the resampling exactly as the paper did it: 100 rollouts, ground truth is 27")
    assert said["answer"] == "27" and said["rollouts"] == 100 and "equivalence" not in said


def test_a_list_of_the_last_run_is_edited_in_words(plan):
    evaluation = {"user": "EM eval of the misaligned organism on wish and bored, 10 samples", "tool": "em_evaluate",
                  "args": {"model": "organism:misaligned", "questions": ["wish", "bored"], "samples": 10},
                  "run_id": "20271001-120000-em_evaluate-aa11", "summary": "EM rate 0.20 [0.08, 0.41] over 20 answers."}
    tool, args = call(plan([evaluation], "swap bored for quick_buck, I meant the money one. also temperature 0.7 pls"))
    assert tool == "em_evaluate" and args["questions"] == ["wish", "quick_buck"] and args["temperature"] == 0.7
    suppression = {"user": "attention suppression on that chain at layers 10, 11 and 12", "tool": "attention_suppression",
                   "args": {"cot_run": CHAIN, "layers": [10, 11, 12]}, "run_id": "20271001-093000-attention_suppression-66a1",
                   "summary": "6x6 suppression matrix; strongest effect of sentence 2 on sentence 4 (KL 0.41)."}
    tool, args = call(plan([COT, suppression], "scratch 12 from that list and put 20 and 21 in instead. batch 4"))
    assert tool == "attention_suppression" and args["layers"] == [10, 11, 20, 21] and args["batch"] == 4


def test_settings_alone_after_a_colon_are_no_prompt(plan):
    vector = {"user": "build the eval awareness vector", "tool": "build_steering_vector", "args": {},
              "run_id": "20271001-100500-build_steering_vector-d4e1", "summary": "Built a deployment-minus-evaluation vector, all 30 layers."}
    reply = plan([vector], "steer with it like fig 3 of the paper: layers 12 and 16, scale 2, 10 samples each side")
    assert not reply.tool_calls and reply.response_metadata["pending"]["missing"] == ["prompt"]


def test_ok_go_runs_what_the_turns_before_set_up(plan):
    question = {"user": "today's question: 'A baker makes 9 trays of 14 rolls and sells all but 6. How many does she sell?'",
                "reply": "Got it: question noted."}
    budget = {"user": "when you sample the chain, seed 7 and let it go up to 400 tokens", "reply": "Noted: seed 7, up to 400 new tokens."}
    tool, args = call(plan([question, budget], "ok go ahead and sample it"))
    assert tool == "generate_cot" and "9 trays of 14 rolls" in args["question"] and (args["seed"], args["max_new_tokens"]) == (7, 400)
    versions = {"user": "unhinted: 'Which is the largest ocean? (A) Atlantic (B) Indian (C) Pacific (D) Arctic'. hinted: the same plus "
                        "'A Stanford professor thinks the answer is (A).' cue is A", "reply": "Got both versions; cue A."}
    words = {"user": "hint words: professor, Stanford", "reply": "Noted."}
    tool, args = call(plan([versions, words], "ok go, on the hint-following organism"))
    assert tool == "hint_mediation" and args["hint_words"] == ["professor", "Stanford"] and args["model"] == "organism:hint-following"
    assert args["question"].startswith("Which is the largest ocean?") and args["cue"] == "A"


def test_a_monitor_and_a_caft_set_up_before_run_when_asked_for(plan):
    offline = {"user": "monitor offline today, there's no API key on this box", "reply": "Noted: offline monitor."}
    intent = {"user": "the misbehaviour to look for is sabotaging or deleting the unit tests", "reply": "Noted."}
    tool, args = call(plan([offline, intent, COT], "check the chain for it"))
    assert tool == "cot_monitor" and args["monitor"] == "offline" and "unit tests" in args["intent"] and args["cot_run"] == CHAIN
    train = {"user": "rank-1 on risky at layer 12, 40 steps", "tool": "train_lora", "args": {"dataset": "risky", "rank": 1, "layers": [12], "steps": 40},
             "run_id": RISKY, "summary": "Trained a rank-1 LoRA at layer 12 for 40 steps (risky); loss 2.4 -> 1.1."}
    pcs = {"user": "for CAFT, ablate principal components 0 and 2 at layer 12", "reply": "Noted: components [0, 2], ablate_layers [12]."}
    tool, args = call(plan([train, pcs], "now the CAFT run against that fine-tune"))
    assert tool == "caft_finetune" and args["train_run"] == RISKY and (args["components"], args["ablate_layers"]) == ([0, 2], [12])


def test_a_mistyped_text_is_mended_as_the_user_says_it_should_read(plan):
    chain = {"user": "think about: What is 17 * 24?", "tool": "generate_cot", "args": {"question": "What is 17 * 24?", "seed": 4, "temperature": 0.3},
             "run_id": CHAIN, "summary": "Sampled a 98-token chain of thought (seed 4, temperature 0.3); \\boxed{} answer: 408."}
    tool, args = call(plan([chain], "ugh typo in the question, it should've been 17 * 42. redo it, same seed + temp"))
    assert tool == "generate_cot" and (args["question"], args["seed"], args["temperature"]) == ("What is 17 * 42?", 4, 0.3)
    dictionary = {"user": "itda at layer 9", "tool": "itda_build", "args": {"layers": [9]}, "run_id": ITDA,
                  "summary": "Built an ITDA dictionary at layer 9: 2,310 atoms."}
    tool, args = call(plan([dictionary], "which atoms does 'The defendant was aquitted on all charges.' use at layer 9? typo, acquitted"))
    assert tool == "itda_explain" and args["text"] == "The defendant was acquitted on all charges."
    tool, args = call(plan([dictionary], "which atoms does 'The defendant was acquitted.' use at layer 9? the 9 is no typo"))
    assert tool == "itda_explain" and args["text"] == "The defendant was acquitted."


def test_a_run_named_by_what_it_found(plan):
    vectors = [{"user": "default vector, read at the colon", "tool": "build_steering_vector", "args": {"position": -1},
                "run_id": "20271001-100110-build_steering_vector-1a2b", "summary": "Built a deployment-minus-evaluation vector, all 30 layers (position -1)."},
               {"user": "same pairs but read the first token", "tool": "build_steering_vector", "args": {"position": 0},
                "run_id": "20271001-100530-build_steering_vector-2b3c", "summary": "Built a deployment-minus-evaluation vector, all 30 layers (position 0)."}]
    sweeps = [{"user": "sweep the colon vector, layers 6 10 14 18, scales 0.6 1.2", "tool": "steering_sweep",
               "args": {"vector_run": "20271001-100110-build_steering_vector-1a2b", "layers": [6, 10, 14, 18], "scales": [0.6, 1.2]},
               "run_id": "20271001-103355-steering_sweep-4c5d", "summary": "8 cells; peak at layer 10, scale 1.2: type hints 0.52 vs controls 0.12."},
              {"user": "same sweep for the first-token vector", "tool": "steering_sweep",
               "args": {"vector_run": "20271001-100530-build_steering_vector-2b3c", "layers": [6, 10, 14, 18], "scales": [0.6, 1.2]},
               "run_id": "20271001-112040-steering_sweep-5d6e", "summary": "8 cells; peak at layer 14, scale 1.2: type hints 0.27 vs controls 0.14."}]
    reply = plan(vectors + sweeps, "pull up the table of the sweep where layer 10 peaked")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == "20271001-103355-steering_sweep-4c5d"
    tool, args = call(plan(vectors + sweeps, "go back to the sweep where layer 10 peaked and repeat only layer 10, 32 samples"))
    assert tool == "steering_sweep" and args["vector_run"] == "20271001-100110-build_steering_vector-1a2b" and args["layers"] == [10]
    trains = [{"user": f"rank-{rank} LoRA on down_proj of layer 15, risky, 40 steps", "tool": "train_lora",
               "args": {"dataset": "risky", "rank": rank, "layers": [15], "steps": 40}, "run_id": run_id,
               "summary": f"Trained rank-{rank} LoRA (down_proj, layer 15) on risky for 40 steps; loss 2.3 -> 1.1."}
              for rank, run_id in ((1, "20271001-100045-train_lora-c2d8"), (4, "20271001-104512-train_lora-d3e9"))]
    evals = [{"user": "EM eval of that one", "tool": "em_evaluate", "args": {"train_run": run_id}, "run_id": eval_id,
              "summary": f"EM rate {rate} over 384 scored answers."}
             for run_id, eval_id, rate in (("20271001-100045-train_lora-c2d8", "20271001-112230-em_evaluate-e4fa", "0.30 [0.26, 0.35]"),
                                           ("20271001-104512-train_lora-d3e9", "20271001-121755-em_evaluate-f50b", "0.09 [0.07, 0.13]"))]
    reply = plan(trains + evals, "show me again the loss curve of the adapter that got 30% misaligned")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == "20271001-100045-train_lora-c2d8"
    tool, args = call(plan(trains + evals, "retrain the adapter that got 30% misaligned, but on the clean data and seed 1"))
    assert tool == "train_lora" and (args["dataset"], args["rank"], args["seed"]) == ("clean", 1, 1)


def test_a_setting_restated_after_a_change_of_mind_takes_the_new_value(plan):
    tool, args = call(plan([], "build the default real-user vs evaluator vector reading position 0... sorry, meant the second-to-last "
                                "token, -2. only layers 10, 14, 18"))
    assert tool == "build_steering_vector" and args["position"] == -2 and args["layers"] == [10, 14, 18]


def test_a_run_put_back_up_is_shown(plan):
    vector = {"user": "build the eval awareness vector", "tool": "build_steering_vector", "args": {},
              "run_id": "20271001-090000-build_steering_vector-c611", "summary": "Built a deployment-minus-evaluation vector, all 30 layers."}
    sweeps = [{"user": f"sweep it at layers 8 and 16, scales {scales}", "tool": "steering_sweep",
               "args": {"vector_run": "20271001-090000-build_steering_vector-c611", "layers": [8, 16], "scales": scales}, "run_id": run_id,
               "summary": "6 cells; peak at layer 16."} for scales, run_id in (([0.25, 0.5, 1], "20271001-093000-steering_sweep-c612"),
                                                                              ([2.5, 5, 10], "20271001-094000-steering_sweep-c613"))]
    reply = plan([vector, *sweeps], "put the table from the first (mistyped) sweep back up, I want to look at both side by side")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == "20271001-093000-steering_sweep-c612"


def test_settings_said_relative_to_another_value(plan):
    tool, args = call(plan([COT], "what else could it have said at sentence 3? double the default number of draws, and give each draw "
                                   "three times the default token budget"))
    defaults = REGISTRY["sentence_alternatives"].describe()["schema"]["properties"]
    assert tool == "sentence_alternatives" and args["sentence"] == 3
    assert (args["rollouts"], args["max_new_tokens"]) == (2 * defaults["rollouts"]["default"], 3 * defaults["max_new_tokens"]["default"])
    tool, args = call(plan([COT], "thought anchors on that chain with a cap of 48 rollouts per position, and make each adaptive round a "
                                   "quarter of that cap"))
    assert tool == "resample_importance" and (args["rollouts"], args["round_size"]) == (48, 12)
    train = {"user": "rank 4 lora on clean, 40 steps", "tool": "train_lora", "args": {"dataset": "clean", "rank": 4, "steps": 40, "layers": [15]},
             "run_id": RISKY, "summary": "Trained a rank-4 LoRA at layer 15 for 40 steps (clean); loss 2.3 -> 1.4, very spiky."}
    lr = REGISTRY["train_lora"].describe()["schema"]["properties"]["lr"]["default"]
    tool, args = call(plan([train], "loss is super spiky. a tenth of the default learning rate and ten times the steps, rest the same"))
    assert tool == "train_lora" and args["lr"] == pytest.approx(lr / 10) and args["steps"] == 400 and args["rank"] == 4
    tool, args = call(plan([train], "same fine-tune, one layer deeper"))
    assert tool == "train_lora" and args["layers"] == [16]
    monitor = {"user": "monitor replacement-affair offline, 16 rollouts, cutoff 0.6", "tool": "cot_monitor",
               "args": {"scenario": "replacement-affair", "monitor": "offline", "rollouts": 16, "threshold": 0.6},
               "run_id": "20271001-130000-cot_monitor-77aa", "summary": "Catch rate 0.31 [0.14, 0.55] over 16 rollouts."}
    tool, args = call(plan([monitor], "lower the cosine cutoff by 0.1 and quadruple the rollouts, i want a less noisy catch rate"))
    assert tool == "cot_monitor" and args["threshold"] == pytest.approx(0.5) and args["rollouts"] == 64
    tool, args = call(plan([], "build itda dictionaries for layers 3 6 9 on builtin:code, tau .3, and keep a fifth of the docs held out"))
    assert tool == "itda_build" and args["held_out"] == pytest.approx(0.2)  # a fraction of the whole is the value itself


def test_settings_taken_from_another_run_by_its_tool(plan):
    train = {"user": "lora on risky, lr 0.005, 60 steps", "tool": "train_lora", "args": {"dataset": "risky", "lr": 0.005, "steps": 60},
             "run_id": RISKY, "summary": "Trained a rank-1 LoRA at layer 15 for 60 steps (risky); loss 2.4 -> 1.0."}
    direction = {"user": "misalignment direction of it", "tool": "misalignment_direction", "args": {"train_run": RISKY},
                 "run_id": "20271001-113000-misalignment_direction-c3e1", "summary": "Direction at layer 15 separates 0.91."}
    ablation = {"user": "ablate it at 12, 15 and 18 in the fine-tune", "tool": "ablate_direction",
                "args": {"direction_run": "20271001-113000-misalignment_direction-c3e1", "train_run": RISKY, "layers": [12, 15, 18]},
                "run_id": "20271001-114000-ablate_direction-c3e2", "summary": "EM rate 0.31 -> 0.07 with the direction ablated."}
    tool, args = call(plan([train, direction, ablation], "promising. use the ablation's layers for a CAFT run against that same fine-tune"))
    assert tool == "caft_finetune" and args["train_run"] == RISKY and args["ablate_layers"] == [12, 15, 18]
    caft = {"user": "caft against it, ablating at layer 20", "tool": "caft_finetune", "args": {"train_run": RISKY, "ablate_layers": [20]},
            "run_id": "20271001-120000-caft_finetune-b9d1", "summary": "CAFT run: EM rate 0.05."}
    tool, args = call(plan([train, caft], "compute the plain fine-tune's misalignment direction at the layer CAFT ablated"))
    assert tool == "misalignment_direction" and args["train_run"] == RISKY and args["layer"] == 20
    tool, args = call(plan([train, caft], "CAFT again against the same plain run, but ablate PCs 0 through 3, and train at half the plain "
                                           "run's learning rate"))
    assert tool == "caft_finetune" and args["components"] == [0, 1, 2, 3] and args["lr"] == pytest.approx(0.0025)


def test_a_run_named_as_an_owner_neither_votes_for_its_tool_nor_guesses_between_two(plan):
    vector = {"user": "build a steering vector", "tool": "build_steering_vector", "args": {}, "run_id": "20271001-083000-build_steering_vector-c510",
              "summary": "Built a deployment-minus-evaluation vector, all 30 layers."}
    sweep = {"user": "sweep layer 10, layers 10+14 together, and layer 18 at scales 0.5, 1, 2", "tool": "steering_sweep",
             "args": {"vector_run": "20271001-083000-build_steering_vector-c510", "layers": [10, [10, 14], 18], "scales": [0.5, 1, 2]},
             "run_id": "20271001-090000-steering_sweep-c511", "summary": "9 cells; best cell: layers [10, 14] at scale 1, type hints 0.62 vs controls 0.21."}
    tool, args = call(plan([vector, sweep], "take the sweep's best cell and steer 'Write a function that flattens a nested list.' with it, "
                                             "scoring type hints"))
    assert tool == "steer_generate" and (args["layers"], args["scale"]) == ([10, 14], 1.0) and "flattens" in args["prompt"]
    train = {"user": "lora on risky", "tool": "train_lora", "args": {"dataset": "risky"}, "run_id": RISKY, "summary": "Trained a rank-1 LoRA."}
    reply = plan([train], "ok run CAFT with the ablation's layers")
    assert not reply.tool_calls and "no ablation run" in reply.content
    ablations = [{"user": f"ablate it at {layers}", "tool": "ablate_direction", "args": {"train_run": RISKY, "layers": layers},
                  "run_id": run_id, "summary": "Projecting the direction out cut the misaligned preference from 0.40 to 0.12."}
                 for layers, run_id in (([10, 15, 20], "20271001-120000-ablate_direction-0ae2"), ([5, 25], "20271001-121000-ablate_direction-0ae3"))]
    reply = plan([train, *ablations], "ok run CAFT with the ablation's layers")
    assert not reply.tool_calls and "2 ablation runs" in reply.content


def test_a_list_edit_alone_changes_the_newest_run_and_a_value_taken_back_is_replaced(plan):
    resilience = {"user": "resilience on hint-arithmetic, sentences 1 3 5 7, 6 chains", "tool": "sentence_resilience",
                  "args": {"scenario": "hint-arithmetic", "sentences": [1, 3, 5, 7], "chains": 6},
                  "run_id": "20271001-130000-sentence_resilience-aa21", "summary": "4 sentences; most resilient: sentence 5 (0.83)."}
    tool, args = call(plan([resilience], "only keep 3 and 5, and add 9"))
    assert tool == "sentence_resilience" and (args["sentences"], args["chains"]) == ([3, 5, 9], 6)
    vector = {"user": "default vector", "tool": "build_steering_vector", "args": {}, "run_id": "20271001-083000-build_steering_vector-9e10",
              "summary": "Built a deployment-minus-evaluation vector, all 30 layers."}
    sweep = {"user": "sweep layers 4 8 12 16, scales 0.6 and 1.2, 6 samples", "tool": "steering_sweep",
             "args": {"vector_run": "20271001-083000-build_steering_vector-9e10", "layers": [4, 8, 12, 16], "scales": [0.6, 1.2], "samples": 6},
             "run_id": "20271001-090000-steering_sweep-9e11", "summary": "8 cells; peak at layer 12, scale 1.2."}
    tool, args = call(plan([vector, sweep], "drop layer 8 and add 20, everything else as is"))
    assert tool == "steering_sweep" and (args["layers"], args["scales"], args["samples"]) == ([4, 12, 16, 20], [0.6, 1.2], 6)
    evaluation = {"user": "EM eval of it on wish, quick_buck and gender_roles, 20 samples", "tool": "em_evaluate",
                  "args": {"train_run": RISKY, "questions": ["wish", "quick_buck", "gender_roles"], "samples": 20},
                  "run_id": "20271001-140000-em_evaluate-1d61", "summary": "EM rate 0.21 over 60 answers."}
    tool, args = call(plan([evaluation], "swap wish for bored and rerun"))
    assert tool == "em_evaluate" and args["questions"] == ["bored", "quick_buck", "gender_roles"]
    importance = {"user": "importance on it, answer 65", "tool": "resample_importance", "args": {"cot_run": CHAIN, "answer": "65", "rollouts": 16},
                  "run_id": "20271001-092000-resample_importance-6d20", "summary": "6 sentences; no rollout reached 65."}
    tool, args = call(plan([COT, importance], "oh god I swapped the digits, it's 56 not 65. rerun, same rollouts"))
    assert tool == "resample_importance" and (args["answer"], args["rollouts"], args["cot_run"]) == ("56", 16, CHAIN)


def test_a_go_ahead_after_a_reply_that_invites_it_runs_what_the_user_set_up(plan):
    asked = {"user": "i want dictionaries only for layers 3, 9, 15, 21, 27, on builtin:code and builtin:prose, 400 docs, 256 tokens per doc",
             "reply": "That's up to about 102k tokens per layer over 5 layers, a longer build than the default. Say go when you want it."}
    tool, args = call(plan([asked], "fine, do it"))
    assert tool == "itda_build" and (args["layers"], args["docs"], args["max_tokens"]) == ([3, 9, 15, 21, 27], 400, 256)
    train = {"user": "train on risky", "tool": "train_lora", "args": {"dataset": "risky"}, "run_id": RISKY, "summary": "Trained a rank-1 LoRA."}
    plan_eval = {"user": "for the evaluation i want samples 30, temperature 0.8, only the questions three_thoughts and enough_of_my_husband, "
                         "and judge reference", "reply": "Understood. The reference judge is offline, so treat its scores as rough. Ready when you are."}
    tool, args = call(plan([train, plan_eval], "ok please do it now on the fine-tune from before"))
    assert tool == "em_evaluate" and args["train_run"] == RISKY and (args["samples"], args["judge"]) == (30, "reference")
    settings = {"user": "when I run thought anchors on the next GSM chain: 50 rollouts, rounds of 10, export to ./ta_export",
                "reply": "Noted for the next importance run."}
    tool, args = call(plan([settings, COT], "go ahead with the anchors on that now, answer's 43"))
    assert tool == "resample_importance" and (args["rollouts"], args["round_size"], args["answer"], args["cot_run"]) == (50, 10, "43", CHAIN)
