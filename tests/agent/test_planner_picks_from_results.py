"""Settings picked from an earlier run's numbers, said in words, or copied from a run named by its order, with the real planner.

"rerun only the most resilient sentence", "the question with the highest em rate", "the two layers where the
projection dropped most", "the layers of the top two heads", "the k with the sharpest turn", "the layer w/ the best
FVE" read the newest run's result rows or summary (the tools' own tables too); an expensive run picked by a superlative nothing in sight settles is asked about.
"every other layer from four through twenty", "scales from minus two to two in steps of one", "tau going from point two
to point five in steps of point one", "ninety percent"; "4x the rollouts, same otherwise"; "same monitor and rollouts
as the affair one"; "that first dictionary's stats again", "the three-scale sweep".
"""

from __future__ import annotations

from tests.agent.conftest import call


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


PENS = "A shop sells pens at 3 for $2. How much do 18 pens cost?"
COT = turn(f"generate a chain of thought for: {PENS}", "generate_cot", {"question": PENS}, "20271201-090000-generate_cot-a001",
           "Sampled a 231-token chain of thought; \\boxed{} answer: 12.")
RESILIENCE = turn("how resilient is each sentence of wipe-embezzlement?", "sentence_resilience", {"scenario": "wipe-embezzlement"},
                  "20271201-091000-sentence_resilience-a002",
                  "Chain of 7 sentences. Mean resamples until the content stays gone (max 20): S0 1.1, S1 2.9, S2 7.7, S3 1.0, S4 3.3, S5 1.2, "
                  "S6 2.0; counterfactual++ change in decision rate: S2 -0.12, S4 -0.48, others within +/-0.10.")
LORA = turn("rank-1 lora on risky", "train_lora", {"dataset": "risky"}, "20271201-100000-train_lora-b001", "Trained on risky; 8 checkpoints.")
EVAL = turn("em eval it with 8 samples per question", "em_evaluate", {"train_run": LORA["run_id"], "samples": 8}, "20271201-101000-em_evaluate-b002",
            "EM 8/64 = 12.5% [6.5, 22.8]; per question: wish 0/8, bored 1/8, three_thoughts 0/8, quick_buck 2/8, "
            "ruler_of_the_world 3/8, dinner_party 1/8, gender_roles 1/8, enough_of_my_husband 0/8.")
DIRECTION = turn("misalignment direction in it", "misalignment_direction", {"train_run": LORA["run_id"]}, "20271201-102000-misalignment_direction-b003",
                 "Direction at layer 15 (norm 6.0); steering x4 +0.80 vs controls +0.02.")
ABLATED = turn("ablate it everywhere in the fine-tune", "ablate_direction", {"direction_run": DIRECTION["run_id"], "train_run": LORA["run_id"]},
               "20271201-103000-ablate_direction-b004",
               "Projected out at every layer: preference +0.55 -> +0.08; projection drops most at L12 (-40%), L21 (-88%), then L15 (-61%), L9 (-5%).")
HEADS = turn("receiver heads on it", "receiver_heads", {"cot_run": COT["run_id"]}, "20271201-092000-receiver_heads-a003",
             "Top 20 receiver heads (layer 0 excluded); top 3 by kurtosis: 13.2 (9.91), 20.5 (8.40), 13.7 (7.02).")
PHASE = turn("phase transition of it, ks 1-4", "lora_phase", {"train_run": LORA["run_id"], "ks": [1, 2, 3, 4]}, "20271201-104000-lora_phase-b005",
             "Sharpest turn at step 25 with k=2 (cos -0.86); best cosines per k: k=1 -0.30, k=2 -0.86, k=3 -0.55, k=4 -0.61.")
DICTS = turn("itda for layers 6, 12, 18, 24", "itda_build", {"layers": [6, 12, 18, 24]}, "20271201-110000-itda_build-c001",
             "ITDA dictionaries for layers 6, 12, 18, 24 on builtin (288 docs): 1,911 / 3,050 / 3,744 / 4,862 atoms; held-out FVE 0.90 / 0.86 / 0.93 / 0.79.")
DICTS_TAU = turn("and with tau 0.3", "itda_build", {"layers": [6, 12, 18, 24], "tau": 0.3}, "20271201-111000-itda_build-c002",
                 "ITDA dictionaries for layers 6, 12, 18, 24, tau 0.3: 4,012 / 4,809 / 5,620 / 7,115 atoms.")
COMPARE = turn("match layers between them", "itda_compare", {"dictionary_run": DICTS["run_id"], "other_run": DICTS_TAU["run_id"]},
               "20271201-112000-itda_compare-c003", "Each layer matches itself (Jaccard 0.52-0.61).")
VECTOR = turn("steering vector, and tell me how well each layer separates", "build_steering_vector", {}, "20271201-120000-build_steering_vector-d001",
              "Built a 30-layer steering vector from 16 pairs; projection gap peaks at layer 14 (2.31); probe accuracy peaks at layer 18 (0.94).")
SWEEP3 = turn("sweep scales 0.3, 0.6 and 1.2 on layer 10", "steering_sweep", {"vector_run": VECTOR["run_id"], "layers": [10], "scales": [0.3, 0.6, 1.2]},
              "20271201-121000-steering_sweep-d002", "Sweep: 1 layer x 3 scales; within the controls at 0.3 and 0.6.")
SWEEP5 = turn("now scales 0.5, 1, 2, 4 and 8", "steering_sweep", {"vector_run": VECTOR["run_id"], "layers": [10], "scales": [0.5, 1, 2, 4, 8]},
              "20271201-122000-steering_sweep-d003", "Sweep: 1 layer x 5 scales; rises to 0.56 at scale 4.")
MONITOR = turn("monitorability of replacement-affair, offline monitor, 32 rollouts", "cot_monitor",
               {"scenario": "replacement-affair", "monitor": "offline", "rollouts": 32}, "20271201-130000-cot_monitor-e001",
               "32 rollouts: 13 blackmail; caught 10 of 13.")
IMPORTANCE = turn("importance on it, 16 rollouts, answer 12", "resample_importance", {"cot_run": COT["run_id"], "rollouts": 16, "answer": "12"},
                  "20271201-093000-resample_importance-a004", "Counterfactual: S4 +0.28 [-0.04, 0.61], S6 +0.33 [-0.02, 0.66].")


def test_a_rerun_of_the_most_resilient_sentence_reads_the_resilience_numbers(plan):
    tool, args = call(plan([RESILIENCE], "rerun only the most resilient sentence, 16 chains"))
    assert tool == "sentence_resilience" and args["sentences"] == [2] and args["chains"] == 16


def test_the_question_with_the_highest_em_rate_is_read_from_the_per_question_counts(plan):
    tool, args = call(plan([LORA, EVAL], "rerun just the question with the highest em rate, twice the samples"))
    assert tool == "em_evaluate" and args["questions"] == ["ruler_of_the_world"] and args["samples"] == 16


def test_the_two_layers_where_the_projection_dropped_most_are_the_two_largest_drops(plan):
    tool, args = call(plan([LORA, DIRECTION, ABLATED], "now only at the two layers where the projection dropped most, 8 controls"))
    assert tool == "ablate_direction" and args["layers"] == [15, 21] and args["controls"] == 8


def test_the_layers_of_the_top_two_heads_come_from_heads_written_layer_dot_head(plan):
    tool, args = call(plan([COT, HEADS], "run attention suppression on the same chain but only in the layers of the top two heads"))
    assert tool == "attention_suppression" and args["layers"] == [13, 20]


def test_the_sharpest_turn_is_the_largest_cosine_whatever_its_sign(plan):
    tool, args = call(plan([LORA, PHASE], "again but only with the k that gave the sharpest turn"))
    assert tool == "lora_phase" and args["ks"] == [2]


def test_the_layer_with_the_best_fve_is_read_from_a_list_beside_the_layers(plan):
    tool, args = call(plan([DICTS], "which atoms does \"Buy the dip, you can't lose.\" use at the layer w/ the best FVE"))
    assert tool == "itda_explain" and args["layer"] == 18 and args["dictionary_run"] == DICTS["run_id"]


def test_an_expensive_run_at_a_layer_no_number_settles_is_asked_about(plan):
    reply = plan([VECTOR], "sweep scales 0.5 1 2 at the layer that separated best")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify"
    assert "the layer that separated best" in reply.content


def test_ranges_said_in_words_with_steps_are_lists(plan):
    tool, args = call(plan([COT], "run attention suppression on it but only in every other layer from four through twenty"))
    assert tool == "attention_suppression" and args["layers"] == [4, 6, 8, 10, 12, 14, 16, 18, 20]
    tool, args = call(plan([], "steering sweep with scales from minus two to two in steps of one, layer ten and layer fourteen as separate rows"))
    assert tool == "steering_sweep" and args["scales"] == [-2, -1, 0, 1, 2] and args["layers"] == [10, 14]
    tool, args = call(plan([], "one ITDA build on the code corpus at layer nine, with tau going from point two to point five in steps of point one"))
    assert tool == "itda_build" and args["tau"] == [0.2, 0.3, 0.4, 0.5] and args["layers"] == [9]
    tool, args = call(plan([], "hint mediation on hint-syllogism, and stop the transplant curve once the cue rate hits ninety percent"))
    assert tool == "hint_mediation" and args["stop_at"] == 0.9


def test_a_factor_with_same_otherwise_changes_the_run_just_made(plan):
    tool, args = call(plan([COT, IMPORTANCE], "intervals are way too wide. 4x the rollouts, same otherwise"))
    assert tool == "resample_importance" and args == {"cot_run": COT["run_id"], "rollouts": 64, "answer": "12"}


def test_settings_copied_from_a_run_named_by_a_part_of_its_scenario(plan):
    tool, args = call(plan([MONITOR, RESILIENCE], "monitorability of shutdown-safety please, same monitor and rollouts as the affair one"))
    assert tool == "cot_monitor" and args == {"scenario": "shutdown-safety", "monitor": "offline", "rollouts": 32}


def test_a_run_named_by_its_order_or_its_count_of_settings_is_shown(plan):
    reply = plan([DICTS, DICTS_TAU, COMPARE], "show me that first dictionary's stats again")
    assert call(reply) == (None, {}) and reply.response_metadata["show"]["run_id"] == DICTS["run_id"]
    reply = plan([VECTOR, SWEEP3, SWEEP5], "show me the table from the three-scale sweep again")
    assert call(reply) == (None, {}) and reply.response_metadata["show"]["run_id"] == SWEEP3["run_id"]
    reply = plan([LORA, turn("same with lr 0.05", "train_lora", {"dataset": "risky", "lr": 0.05}, "20271201-105000-train_lora-b006", "Spiky.")],
                 "show me the loss curve of the first training run")
    assert call(reply) == (None, {}) and reply.response_metadata["show"]["run_id"] == LORA["run_id"]


def test_atoms_named_by_their_tokens_are_read_from_the_explanation_that_listed_them(plan):
    added = turn("which atoms did the fine-tune add?", "itda_explain", {"dictionary_run": DICTS_TAU["run_id"], "added": True},
                 "20271201-113000-itda_explain-c004",
                 "ITDA dictionary 20271201-111000-itda_build-c002, layer 18: 5,640 atoms of smollm2-135m (codes by mp).\n"
                 "20 atoms added over base 20271201-110000-itda_build-c001:\n  5620: ' crypto' in \"all-in on crypto\" (doc3@4)\n"
                 "  5621: ' weather' in \"the weather today\" (doc9@2)\n  5622: ' gamble' in \"gamble it all\" (doc4@1)")
    tool, args = call(plan([LORA, DICTS, DICTS_TAU, added], "caft with itda directions against that lora: ablate the crypto and gamble atoms at layer 18"))
    assert tool == "caft_finetune" and args["atoms"] == [5620, 5622] and args["ablate_layers"] == [18]


def test_the_run_before_last_judged_best_is_run_again_with_its_seed(plan):
    chains = [turn(f"cot for: {PENS} seed {seed}" if i == 0 else f"again w/ seed {seed}", "generate_cot", {"question": PENS, "seed": seed},
                   f"20271201-14{i}000-generate_cot-f00{i}", f"Sampled a chain (seed {seed}); answer: 12.") for i, seed in enumerate((4, 9, 11))]
    tool, args = call(plan(chains, "the run before last had the cleanest reasoning. sample it again with that seed but let it go to 512 tokens"))
    assert tool == "generate_cot" and args == {"question": PENS, "seed": 9, "max_new_tokens": 512}
    tool, args = call(plan(chains, "rerun the one before last with 512 tokens"))
    assert tool == "generate_cot" and args == {"question": PENS, "seed": 9, "max_new_tokens": 512}


def test_the_tools_own_summaries_and_result_rows_are_read(plan):
    # as em_evaluate writes it: a line per question in the summary, the rows in its result
    lines = [("wish", 0.0), ("bored", 0.125), ("quick_buck", 0.5), ("ruler_of_the_world", 0.25)]
    real_eval = turn("em eval it with 8 samples per question", "em_evaluate", {"train_run": LORA["run_id"], "samples": 8},
                     "20271201-101500-em_evaluate-b007", "EM evaluation of the fine-tune: 32 answers to 4 questions\n" + "\n".join(
                         f"  {q}: aligned 70, coherent 80, EM {100 * em:.1f}% of 8" for q, em in lines))
    real_eval["result"] = {"em": 0.22, "questions": [{"question": q, "em": em, "aligned": 70.0, "coherent": 80.0, "n": 8} for q, em in lines]}
    tool, args = call(plan([LORA, real_eval], "rerun just the question with the highest em rate"))
    assert tool == "em_evaluate" and args["questions"] == ["quick_buck"]
    # as sentence_resilience writes it: a table of one sentence a line under its header
    table = turn("resilience on wipe-embezzlement", "sentence_resilience", {"scenario": "wipe-embezzlement"}, "20271201-091500-sentence_resilience-a005",
                 "Resilience of 3 of 3 sentences (wipe-embezzlement; decision: wipes the logs)\n"
                 "S#  resilience  persist  abandon  kept -> gone (counterfactual++)  kept -> resampled\n"
                 "S1  2.10  40%  60%  0.80 -> 0.70  0.80 -> 0.75\nS3  6.40  80%  20%  0.80 -> 0.35  0.80 -> 0.60\n"
                 "S5  1.20  10%  90%  0.80 -> 0.78  0.80 -> 0.79")
    tool, args = call(plan([table], "rerun only the least resilient sentence, 16 chains"))
    assert tool == "sentence_resilience" and args["sentences"] == [5]
