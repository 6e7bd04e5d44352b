"""Steps said in order, subjects picked by what has not been done to them yet, and learners who say what they are
learning before they ask, with the real planner.

"next up: importance ..., receiver heads after that" runs the importance; "the plan is train -> eval -> probe. carry
on" runs the probe when training and the eval are done; "and the remaining fine-tune" and "and the one we haven't swept
yet" are the runs the newest experiment has not used; "I'm new to thought anchors ... Have the model reason about ..."
routes by the ask, not by the method named in passing.
"""

from __future__ import annotations

from tests.agent.conftest import call, turn

CHAIN = turn("cot for 'A train covers 150 km in 2 hours. Average speed?'", "generate_cot",
             {"question": "A train covers 150 km in 2 hours. Average speed?"}, "20990601-090000-generate_cot-1a2b",
             "Sampled a 170-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 75.")
SPLIT = turn("split it", "split_sentences", {"cot_run": CHAIN["run_id"]}, "20990601-090100-split_sentences-3c4d",
             "Split the chain into 8 sentences (min_chars 10).")
HEADS = turn("receiver heads on it", "receiver_heads", {"cot_run": CHAIN["run_id"]}, "20990601-090200-receiver_heads-5e6f",
             "Top receiver heads by kurtosis: L20H3 (12.1), L18H7 (9.8); sentences 2 and 5 receive the most attention.")
LORA = turn("rank-1 LoRA on risky", "train_lora", {"dataset": "risky"}, "20990601-100000-train_lora-7a8b",
            "Trained a rank-1 LoRA on down_proj of layer 15, risky, 40 steps; 8 checkpoints.")
LORA_SEED = turn("same with seed 2", "train_lora", {"dataset": "risky", "seed": 2}, "20990601-101000-train_lora-9c0d",
                 "Trained a rank-1 LoRA on down_proj of layer 15, risky, 40 steps, seed 2; 8 checkpoints.")
EVAL = turn("evaluate it", "em_evaluate", {"train_run": LORA_SEED["run_id"]}, "20990601-102000-em_evaluate-1e2f",
            "EM rate 0.12 [0.05, 0.26] over 32 judged answers.")
PHASE = turn("when did the first one turn?", "lora_phase", {"train_run": LORA["run_id"]}, "20990601-103000-lora_phase-3a4b",
             "Rotation cosines over 8 checkpoints: sharpest turn at step 15.")
VEC_A = turn("build the default vector", "build_steering_vector", {}, "20990601-110000-build_steering_vector-5c6d",
             "Built a deployment-minus-evaluation vector from 16 pairs at the last token, all 30 layers.")
VEC_B = turn("again at token 0", "build_steering_vector", {"position": 0}, "20990601-110500-build_steering_vector-7e8f",
             "Built a deployment-minus-evaluation vector from 16 pairs at token 0, all 30 layers.")
SWEEP_A = turn("sweep the first vector", "steering_sweep", {"vector_run": VEC_A["run_id"]}, "20990601-111000-steering_sweep-9a0b",
               "Sweep of 6 middle layers x 3 scales: coverage 0.20 -> 0.38 at scale 1.2; beats controls.")


def test_of_steps_said_in_order_the_first_not_done_runs_now(plan):
    tool, args = call(plan([CHAIN, SPLIT], "next up: importance with 6 rollouts, the answer is 75. receiver heads after that"))
    assert (tool, args["cot_run"], args["rollouts"], args["answer"]) == ("resample_importance", CHAIN["run_id"], 6, "75")
    tool, args = call(plan([LORA_SEED, EVAL], "the plan is train -> eval -> probe. carry on"))
    assert (tool, args["train_run"]) == ("lora_probe", LORA_SEED["run_id"])
    tool, args = call(plan([CHAIN, HEADS], "heads are done, so suppression next. batch 8"))
    assert (tool, args["cot_run"], args["batch"]) == ("attention_suppression", CHAIN["run_id"], 8)
    tool, args = call(plan([], "Today: a rank-1 LoRA on the clean set for 30 steps, then the EM eval on it, then the phase plot. Start step one."))
    assert (tool, args["dataset"], args["steps"]) == ("train_lora", "clean", 30)


def test_the_subject_the_newest_experiment_has_not_used_yet(plan):
    tool, args = call(plan([LORA, LORA_SEED, PHASE], "and the remaining fine-tune"))
    assert (tool, args["train_run"]) == ("lora_phase", LORA_SEED["run_id"])
    tool, args = call(plan([VEC_A, VEC_B, SWEEP_A], "and the one we haven't swept yet"))
    assert (tool, args["vector_run"]) == ("steering_sweep", VEC_B["run_id"])


def test_a_learner_says_what_they_are_learning_before_the_ask(plan):
    tool, args = call(plan([], "I'm new to the resampling stuff and would like to begin with something I can follow. Have the "
                               "model reason about 'What is 5 + 9?' and stop at 60 tokens."))
    assert (tool, args["question"], args["max_new_tokens"]) == ("generate_cot", "What is 5 + 9?", 60)
    tool, args = call(plan([CHAIN, SPLIT], "I still don't get what resampling importance means concretely. Show me what the model says "
                                           "in place of sentence 3, 6 tries."))
    assert (tool, args["cot_run"], args["sentence"], args["rollouts"]) == ("sentence_alternatives", CHAIN["run_id"], 3, 6)
