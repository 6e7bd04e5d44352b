"""Two runs held together, runs on another target, questions before a run, and settings said loosely, with the real planner.

After "how do they differ?", "both intervals look wide, no?" or "... for comparison", an expensive run that would
pick one of the two is asked about ("for one of them" too); naming one settles it. "now do that for the other chain",
"and for the clean one", "try one sentence later" change the newest run. "would more rollouts make the interval
narrower?", "do you think the judge would have caught ...?", "is 5 of 7 enough ...?" are answered. "every even layer
from 8 to 16", "scales +-1", "rows for 10, 14 and 10+14 together", "hold out a quarter of the docs, at most 500
documents", "once the cue rate hits 90%", "the layer 5/10 dictionaries".
"""

from __future__ import annotations

from tests.agent.conftest import call


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def said(user: str, reply: str) -> dict:
    return {"user": user, "reply": reply}


EGGS = "A farmer packs eggs into 4 boxes of 6. How many eggs is that?"
COT0 = turn(f"generate a chain of thought for: {EGGS}", "generate_cot", {"question": EGGS}, "20271101-090000-generate_cot-e001",
            "Sampled a 212-token chain of thought; \\boxed{} answer: 24.")
COT1 = turn("another with seed 1", "generate_cot", {"question": EGGS, "seed": 1}, "20271101-091000-generate_cot-e002",
            "Sampled a 208-token chain of thought (seed 1); \\boxed{} answer: 24.")
SHIRT = "A shirt costs $20 and is discounted by 15%. What is the new price?"
COT2 = turn(f"and one for: {SHIRT}", "generate_cot", {"question": SHIRT}, "20271101-092000-generate_cot-e003", "\\boxed{} answer: 17.")
ANCHORS = turn("thought anchors on the eggs chain, 16 rollouts, no adaptive stopping", "resample_importance",
               {"cot_run": COT0["run_id"], "rollouts": 16, "adaptive": False}, "20271101-093000-resample_importance-e004",
               "Resampling importance over 8 sentences; top counterfactual importance: sentence 3, +0.38 [0.09, 0.66].")
RESILIENCE = turn("also resilience on shutdown-safety", "sentence_resilience", {"scenario": "shutdown-safety"},
                  "20271101-094000-sentence_resilience-e005", "6 sentences; resilient: 1, 3; counterfactual++ largest on sentence 4: -0.35.")
LORA_RISKY = turn("lora on risky", "train_lora", {"dataset": "risky"}, "20271101-100000-train_lora-f001", "Trained on risky.")
LORA_CLEAN = turn("and on clean", "train_lora", {"dataset": "clean"}, "20271101-101000-train_lora-f002", "Trained on clean.")
PHASE = turn("phase transition of the risky one with k = 1, 2, 4", "lora_phase", {"train_run": LORA_RISKY["run_id"], "ks": [1, 2, 4]},
             "20271101-102000-lora_phase-f003", "Sharpest turn at step 20.")
EVAL_FT = turn("EM eval on the fine-tune", "em_evaluate", {"train_run": LORA_RISKY["run_id"]}, "20271101-103000-em_evaluate-f004",
               "EM rate 9.4% [3.2%, 24.2%] over 32 answers.")
EVAL_BASE = turn("and on the base model for comparison", "em_evaluate", {}, "20271101-104000-em_evaluate-f005",
                 "EM rate 0.0% [0.0%, 10.7%] over 32 answers.")
INTERVENE = turn("compare interventions on wipe-embezzlement at sentence 3, give on-policy 10 iterations", "compare_interventions",
                 {"scenario": "wipe-embezzlement", "sentence": 3, "max_iterations": 10}, "20271101-110000-compare_interventions-g001",
                 "Target sentence 3; on-policy reached after 7 iterations: +0.38.")
MONITOR = turn("how monitorable is replacement-affair, offline monitor", "cot_monitor", {"scenario": "replacement-affair", "monitor": "offline"},
               "20271101-111000-cot_monitor-g002", "16 rollouts, 7 misbehaving; caught 5/7 (71% [36%, 92%]), flagged 2/9 benign.")
IMPORTANCE_WIDE = turn("which sentences matter?", "resample_importance", {"cot_run": COT0["run_id"]}, "20271101-112000-resample_importance-g003",
                       "Resampling importance over 7 sentences; counterfactual: S3 +0.38 [-0.05, 0.80], S5 +0.21 [-0.18, 0.60].")
VEC_A = turn("build the default eval-awareness vector", "build_steering_vector", {}, "20271101-120000-build_steering_vector-h001", "Built.")
VEC_B = turn("and one for formal vs casual", "build_steering_vector", {"positive_name": "formal", "negative_name": "casual"},
             "20271101-121000-build_steering_vector-h002", "Built (formal - casual).")


def test_an_expensive_run_on_one_of_two_runs_held_together_is_asked_about(plan):
    reply = plan([COT0, COT1, said("how do they differ?", "Both reach 24; seed 0 multiplies, seed 1 adds.")],
                 "ok run the resampling importance with 32 rollouts")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify"
    assert COT0["run_id"] in reply.content and COT1["run_id"] in reply.content
    reply = plan([COT0, ANCHORS, RESILIENCE, said("both intervals look wide, no?", "Yes, with 8 rollouts per condition.")], "rerun with 50 rollouts")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify"
    reply = plan([LORA_RISKY, EVAL_FT, EVAL_BASE], "could we rerun the eval with 20 samples per question?")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify"
    reply = plan([VEC_A, VEC_B], "full dose-response sweep for one of them, layers 8 12 16")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify"


def test_naming_one_of_two_runs_held_together_settles_it(plan):
    context = [COT0, COT1, said("how do they differ?", "Both reach 24; seed 0 multiplies, seed 1 adds.")]
    assert call(plan(context, "ok run the resampling importance on the second one with 32 rollouts")) == (
        "resample_importance", {"cot_run": COT1["run_id"], "rollouts": 32})
    assert call(plan([LORA_RISKY, EVAL_FT, EVAL_BASE], "rerun the base model eval with 20 samples per question"))[0] == "em_evaluate"
    assert call(plan([COT0, COT1], "ok run the resampling importance with 32 rollouts")) == (  # nothing held them together: the newest
        "resample_importance", {"cot_run": COT1["run_id"], "rollouts": 32})
    differ = turn("importance per sentence", "resample_importance", {"cot_run": COT0["run_id"]}, "20271101-095000-resample_importance-e006",
                  "Resampling importance over 7 sentences; 9 of 44 first sentences counted as different (cosine < 0.8).")
    assert call(plan([COT0, differ], "only 9 counted as different. try threshold 0.7 instead")) == (  # a chain and its importance run: no pair
        "resample_importance", {"cot_run": COT0["run_id"], "threshold": 0.7})


def test_the_same_run_on_another_target_or_one_sentence_on(plan):
    assert call(plan([COT0, COT2, ANCHORS], "now do that for the other chain")) == (
        "resample_importance", {"cot_run": COT2["run_id"], "rollouts": 16, "adaptive": False})
    assert call(plan([LORA_RISKY, LORA_CLEAN, PHASE], "and for the clean one")) == ("lora_phase", {"train_run": LORA_CLEAN["run_id"], "ks": [1, 2, 4]})
    assert call(plan([INTERVENE], "try one sentence later")) == (
        "compare_interventions", {"scenario": "wipe-embezzlement", "sentence": 4, "max_iterations": 10})


def test_questions_before_a_run_are_answered(plan):
    for context, question in (([COT0, IMPORTANCE_WIDE], "would more rollouts make the interval narrower? S3's runs from below zero all the way to 0.8"),
                              ([MONITOR], "do you think the judge monitor would have caught the 2 it missed? trying to decide whether it's "
                                          "worth the API spend before we try it"),
                              ([MONITOR], "is 5 of 7 enough to call it monitorable or is n just too small")):
        reply = plan(context, question)
        assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "answer", question


def test_settings_said_loosely(plan):
    lora = turn("train a lora", "train_lora", {}, "20271101-130000-train_lora-k001", "Trained.")
    direction = turn("misalignment direction at layer 12", "misalignment_direction", {"layer": 12}, "20271101-131000-misalignment_direction-k002", "Built.")
    reply = plan([lora, direction], "project that direction out of every even layer from 8 to 16 in the fine-tune, 8 random controls")
    assert call(reply)[1]["layers"] == [8, 10, 12, 14, 16]
    assert call(plan([VEC_A], "sweep with layers 8-12 steered together as one group, scales +-1, 8 samples per cell"))[1]["scales"] == [-1, 1]
    assert call(plan([VEC_A], "do the proper dose-response: rows for 10, 14 and 10+14 together, scales 0.5, 1, 2"))[1]["layers"] == [10, 14, [10, 14]]
    args = call(plan([], "itda for layers 3, 6 and 9, hold out a quarter of the docs, at most 500 documents"))[1]
    assert (args["held_out"], args["docs"]) == (0.25, 500)
    args = call(plan([], "hint mediation on hint-planet, and stop the transplant curve once the cue rate hits 90%"))[1]
    assert args["stop_at"] == 0.9
    itda = turn("itda for layers 5 and 10", "itda_build", {"layers": [5, 10]}, "20271101-140000-itda_build-m001", "Dictionaries for layers 5, 10.")
    args = call(plan([itda], "continue the layer 5/10 dictionaries on organism:misaligned, batch 32"))[1]
    assert "corpus" not in args and args["batch"] == 32  # "5/10" is two layers, not a corpus file


def test_a_trial_asked_of_the_newest_run_changes_that_run(plan):
    steer = turn("steer it on: Write a Python function that parses a date string.", "steer_generate",
                 {"prompt": "Write a Python function that parses a date string."}, "20271101-150000-steer_generate-n001",
                 "Steered (layers 12-17, scale 0.6) vs unsteered, 3 samples each: type hints in 1/3 steered, 0/3 unsteered.")
    assert call(plan([steer], "could we see whether steering at layer 10 alone changes it?")) == (
        "steer_generate", {"prompt": "Write a Python function that parses a date string.", "layers": [10]})


def test_two_runs_spoken_of_together_in_the_request_itself(plan):
    base = turn("em eval the base model", "em_evaluate", {"samples": 8}, "20271101-095000-em_evaluate-f010", "Base model: EM rate 0.02 [0.00, 0.09].")
    tuned = turn("em eval the fine-tune", "em_evaluate", {"train_run": LORA_RISKY["run_id"], "samples": 8}, "20271101-105000-em_evaluate-f011",
                 "Fine-tune: EM rate 0.14 [0.08, 0.25] over 64 answers.")
    reply = plan([base, LORA_RISKY, tuned], "Okay, more samples. Eight per question is too few for either interval to mean much. "
                                            "Could you rerun the EM eval at forty samples?")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify"
    assert call(plan([base, LORA_RISKY, tuned], "Could you rerun the EM eval at forty samples?")) == (  # the newest, as before
        "em_evaluate", {"train_run": LORA_RISKY["run_id"], "samples": 40})


def test_settings_picked_out_of_the_last_results(plan):
    cot = turn("cot for: If 5 machines make 5 widgets in 5 minutes, how long do 100 machines take?", "generate_cot",
               {"question": "If 5 machines make 5 widgets in 5 minutes, how long do 100 machines take?"}, "20271101-160000-generate_cot-p001")
    heads = turn("receiver heads", "receiver_heads", {"cot_run": cot["run_id"]}, "20271101-161000-receiver_heads-p002",
                 "Top 20 receiver heads (kurtosis 4.1-9.8); top three: L14H3, L17H7, L22H1; highest receiver score: sentence 2.")
    assert call(plan([cot, heads], "suppress attention, but only in the layers those top 3 heads are in"))[1]["layers"] == [14, 17, 22]
    itda = turn("itda dictionaries for layers 6, 12, 18 and 24", "itda_build", {"layers": [6, 12, 18, 24]}, "20271101-162000-itda_build-p003",
                "ITDA dictionaries for layers 6, 12, 18, 24: 1,912 / 3,040 / 4,377 / 5,102 atoms; held-out FVE 0.88 / 0.91 / 0.79 / 0.72.")
    args = call(plan([itda], "which atoms does 'She sold the house.' use at whichever layer had the best held-out FVE"))[1]
    assert args["layer"] == 12
    explain = turn("which atoms does 'He put all his savings into one stock.' use?", "itda_explain",
                   {"dictionary_run": itda["run_id"], "layer": 12, "text": "He put all his savings into one stock."}, "20271101-163000-itda_explain-p004",
                   "9 tokens at layer 12; ' savings' -> atom 1204 ('savings' in 'retirement savings'); ' stock' -> atom 877 ('stock' in 'stock market').")
    assert call(plan([itda, explain], "what are the nearest neighbours of the atom ' stock' mapped to?"))[1]["atom"] == 877
    vec = turn("make the eval-awareness vector", "build_steering_vector", {}, "20271101-170000-build_steering_vector-p005", "Built.")
    sweep = turn("sweep layer groups 10-12 and 18-20 at scales 0.6, 1.2, 2.4", "steering_sweep",
                 {"vector_run": vec["run_id"], "layers": [[10, 11, 12], [18, 19, 20]], "scales": [0.6, 1.2, 2.4]}, "20271101-171000-steering_sweep-p006",
                 "Sweep: 2 layer groups x 3 scales; group 18-20 at scale 1.2 is the only cell outside the controls (69% vs 28%).")
    args = call(plan([vec, sweep], "steer at the cell that worked, prompt: Write a Python function that parses an ISO date string."))[1]
    assert (args["layers"], args["scale"], args["prompt"]) == ([18, 19, 20], 1.2, "Write a Python function that parses an ISO date string.")
    reply = plan([vec, sweep], "give me side-by-side samples at the cell that worked, prompt: Write a Python function that parses a URL.")
    assert reply.response_metadata["intent"] != "show"  # a new prompt: not the sweep's samples shown again
