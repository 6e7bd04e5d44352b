"""Settings said relative to a value or to the tool's bounds, fixes said right after a run failed, and organisms named
by what the papers call them, with the real planner.

"triple its rollouts", "scale 1.5x what we used", "cut the scale by a third", "raise the threshold by a tenth",
"one layer earlier than the peak", "only the layer in the middle of the ones we swept", "double each of the offsets",
"as many tries as it allows", "the most controls it allows"; after a failure: "ok, the max then", "the offline one then",
"typo, 3e-4", "the hint-following one", "resume it"; "set up the emergent-misalignment organism from the zoo" builds
'misaligned', and an organism the zoo does not hold is asked about.
"""

from __future__ import annotations

from tests.agent.conftest import call, turn

CHAIN = turn("cot for 'A shop sells 7 boxes of 12 pens. How many pens?'", "generate_cot",
             {"question": "A shop sells 7 boxes of 12 pens. How many pens?"}, "20990501-090000-generate_cot-1a2b",
             "Sampled a 150-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 84.")
VECTOR = turn("build the vector", "build_steering_vector", {}, "20990501-091000-build_steering_vector-3c4d",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs at the last token, all 30 layers.")
STEER = turn("steer 'Write a Python function that sorts a list.' at layer 10, scale 0.8", "steer_generate",
             {"vector_run": VECTOR["run_id"], "layers": [10], "scale": 0.8, "prompt": "Write a Python function that sorts a list."},
             "20990501-092000-steer_generate-5e6f", "3 steered and 3 unsteered samples at layer 10, scale 0.8: no visible change.")
HOT = dict(STEER, args=dict(STEER["args"], scale=9), summary="3 steered and 3 unsteered samples at layer 10, scale 9: steered samples are gibberish.")
SWEEP = turn("sweep layers 5, 9, 13 at scales 0.5 and 1", "steering_sweep", {"vector_run": VECTOR["run_id"], "layers": [5, 9, 13], "scales": [0.5, 1]},
             "20990501-093000-steering_sweep-7a8b", "Sweep of 3 layers x scales 0.5, 1: effect peaks at layer 13, scale 1: +0.21 over controls.")
MEDIATION = turn("hint mediation on hint-capital, 6 rollouts", "hint_mediation", {"scenario": "hint-capital", "rollouts": 6},
                 "20990501-094000-hint_mediation-9c0d", "Transplant curve over 9 sentences (6 rollouts each): cue rate 0.17 to 0.83.")
MONITOR = turn("monitor blackmail offline, threshold 0.5", "cot_monitor", {"scenario": "blackmail", "monitor": "offline", "threshold": 0.5},
               "20990501-095000-cot_monitor-1e2f", "Monitorability on 16 rollouts (offline monitor, threshold 0.5): flagged 6 of 10 benign.")
LORA = turn("rank-1 LoRA on risky, 60 steps", "train_lora", {"dataset": "risky", "steps": 60}, "20990501-100000-train_lora-3a4b",
            "Trained a rank-1 LoRA on down_proj of layer 15, risky, 60 steps; 12 checkpoints.")
PHASE = turn("when did it turn?", "lora_phase", {"train_run": LORA["run_id"], "ks": [1, 3]}, "20990501-101000-lora_phase-5c6d",
             "Rotation cosines over 12 checkpoints for k = 1, 3: sharpest turn at step 25.")
RESILIENCE = turn("resilience on blackmail, 8 rollouts", "sentence_resilience", {"scenario": "blackmail", "rollouts": 8},
                  "20990501-102000-sentence_resilience-7e8f", "Failed: no sampled chain reached the scenario's decision in 8 tries; nothing measured.")
TOO_LONG = turn("cot for 'Prove there are infinitely many primes.' with 20000 tokens", "generate_cot",
                {"question": "Prove there are infinitely many primes.", "max_new_tokens": 20000}, "20990501-103000-generate_cot-9a0b",
                "Failed: max_new_tokens must be between 1 and 8192 (got 20000); nothing ran.")
JUDGED = turn("monitor that chain with the judge for intent to hide the bug", "cot_monitor",
              {"cot_run": CHAIN["run_id"], "monitor": "judge", "intent": "hide the bug"}, "20990501-104000-cot_monitor-1c2d",
              "Failed: monitor=judge needs an LLM provider; none is configured.")
HIGH_LR = turn("LoRA on clean, rank 4, lr 3", "train_lora", {"dataset": "clean", "rank": 4, "lr": 3}, "20990501-105000-train_lora-3e4f",
               "Failed: lr must be at most 1 (got 3); nothing ran.")
UNKNOWN = turn("build the hint organism", "build_organism", {"name": "hinted"}, "20990501-106000-build_organism-5a6b",
               "Failed: unknown organism 'hinted'; known: anchor, evaluation-aware, hint-following, misaligned.")
STOPPED = turn("LoRA on risky, 300 steps, checkpoint every 10", "train_lora", {"dataset": "risky", "steps": 300, "checkpoint_every": 10},
               "20990501-107000-train_lora-7c8d", "Stopped by user at step 90 of 300; checkpoints 10-90 saved.")


def test_settings_said_relative_to_a_value_or_to_the_tools_bounds(plan):
    tool, args = call(plan([MEDIATION], "that curve is noisy. triple its rollouts, nothing else changes"))
    assert (tool, args["scenario"], args["rollouts"]) == ("hint_mediation", "hint-capital", 18)
    tool, args = call(plan([VECTOR, STEER], "nothing happened. scale 2.5x what we used, and twice as many samples"))
    assert (tool, args["scale"], args["samples"]) == ("steer_generate", 2, 6)
    tool, args = call(plan([VECTOR, HOT], "way too much, cut the scale by a third"))
    assert (tool, args["scale"], args["layers"]) == ("steer_generate", 6, [10])
    tool, args = call(plan([VECTOR, HOT], "that's broken, halve it"))
    assert (tool, args["scale"]) == ("steer_generate", 4.5)
    tool, args = call(plan([MONITOR], "raise the threshold by a tenth and rerun"))
    assert (tool, args["threshold"]) == ("cot_monitor", 0.6)
    tool, args = call(plan([VECTOR, SWEEP], "again, only the layer in the middle of the ones we swept, the most controls it allows"))
    assert (tool, args["layers"], args["controls"]) == ("steering_sweep", [9], 16)
    tool, args = call(plan([VECTOR, SWEEP], "zoom in one layer earlier than the peak, scales 0.5 and 1"))
    assert (tool, args["layers"]) == ("steering_sweep", [12])
    tool, args = call(plan([LORA, PHASE], "double each of the offsets"))
    assert (tool, args["train_run"], args["ks"]) == ("lora_phase", LORA["run_id"], [2, 6])
    tool, args = call(plan([RESILIENCE], "let it have as many tries as the tool allows"))
    assert (tool, args["scenario"], args["rollouts"], args["tries"]) == ("sentence_resilience", "blackmail", 8, 64)


def test_a_fix_said_right_after_a_run_failed_reruns_it_with_the_fix(plan):
    tool, args = call(plan([TOO_LONG], "ok, the max then"))
    assert (tool, args["max_new_tokens"]) == ("generate_cot", 8192) and "infinitely many primes" in args["question"]
    tool, args = call(plan([CHAIN, JUDGED], "fine, the offline one then"))
    assert (tool, args["monitor"], args["cot_run"], args["intent"]) == ("cot_monitor", "offline", CHAIN["run_id"], "hide the bug")
    tool, args = call(plan([HIGH_LR], "typo, 3e-4"))
    assert (tool, args["lr"], args["rank"], args["dataset"]) == ("train_lora", 3e-4, 4, "clean")
    tool, args = call(plan([UNKNOWN], "the hint-following one, obviously"))
    assert (tool, args["name"]) == ("build_organism", "hint-following")
    tool, args = call(plan([STOPPED], "back now, resume it"))
    assert (tool, args["steps"], args["checkpoint_every"]) == ("train_lora", 300, 10)


def test_organisms_named_the_papers_way(plan):
    tool, args = call(plan([], "set up the emergent-misalignment organism from the zoo, the risky-finance one"))
    assert (tool, args["name"]) == ("build_organism", "misaligned")
    reply = plan([], "reproduce the insecure-code organism from the EM paper")
    assert call(reply) == (None, {}) and "no insecure-code organism" in reply.content and "misaligned" in reply.content
