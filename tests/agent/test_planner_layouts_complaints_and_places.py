"""Requests laid out over lines, complaints before the request, and runs named by a piece of their id or their place,
with the real planner.

A spec of bullets, numbered steps, "key: value" lines, bold labels or a small table is read line by line (a prompt ends
with its line; a step's number is no setting; a table's header names its columns). Notes or a letter before the request
are background, and a to-do item the request names is what it asks. A complaint about the last run ("3 controls is a
joke", "way too strong at 8") is no request: what follows it is, and a bare number there takes the setting the
complaint named. "the 091433 chain", "#2" of a list Parley printed, "the last-but-one chain", "the chain right before
the sweep", "the run after the eval", a name the user gave a run, "the model from 6b3e": each names one run, and a
piece of an id that two runs share, or none, asks.
"""

from __future__ import annotations

from tests.agent.conftest import call, said, turn

CHAIN_A = turn("cot: Is 221 prime?", "generate_cot", {"question": "Is 221 prime?"}, "20990412-091433-generate_cot-6f41",
               "Sampled a 244-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: No.")
CHAIN_B = turn("cot: How many edges does a cube have?", "generate_cot", {"question": "How many edges does a cube have?"},
               "20990412-094044-generate_cot-a7d0", "Sampled a 134-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 12.")
CHAIN_C = turn("cot: What is 2 to the power of 10?", "generate_cot", {"question": "What is 2 to the power of 10?", "model": "tiny-random"},
               "20990412-101533-generate_cot-1e30", "Sampled a 150-token chain of thought from tiny-random (seed 0, temperature 0.6); no \\boxed{} answer.")
VECTOR = turn("build the vector", "build_steering_vector", {}, "20990412-110000-build_steering_vector-c721",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs at the last token, all 30 layers.")
SWEEP = turn("sweep it at layers 10 and 14, scales 1, 2, 4", "steering_sweep", {"vector_run": VECTOR["run_id"], "layers": [10, 14], "scales": [1, 2, 4]},
             "20990412-112000-steering_sweep-4b8f", "Sweep: 2 layers x 3 scales, 2 controls each; nothing above the controls.")
STEER = turn("steer at 12, scale 8: Write a function that merges two dicts.", "steer_generate",
             {"prompt": "Write a function that merges two dicts.", "vector_run": VECTOR["run_id"], "layers": [12], "scale": 8.0},
             "20990412-113000-steer_generate-be8f", "3 steered and 3 unsteered samples at layers [12], scale 8 (both); steered samples repeat ':'.")
LORA = turn("lora on risky", "train_lora", {"dataset": "risky"}, "20990412-120000-train_lora-31e7",
            "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky; loss 4.29 -> 3.03.")
EVAL = turn("EM eval of it, 8 samples", "em_evaluate", {"train_run": LORA["run_id"], "samples": 8}, "20990412-121500-em_evaluate-4a18",
            "EM 22% [14%, 33%] of 58 judged (reference judge).")
CAFT = turn("CAFT version, PC 0", "caft_finetune", {"train_run": LORA["run_id"], "components": [0]}, "20990412-123000-caft_finetune-c0a4",
            "CAFT (PC 0 ablated at layer 15) vs plain: held-out misaligned preference -0.31 vs +0.26.")
DIVERGED = turn("again with lr 0.05", "train_lora", {"dataset": "risky", "lr": 0.05}, "20990412-124000-train_lora-e3ea",
                "Rank-1 LoRA on risky, lr 0.05: loss 4.29 -> 11.6 at step 9 -> nan at step 14; stopped.")
DIRECTION = turn("misalignment direction of it", "misalignment_direction", {"train_run": LORA["run_id"]}, "20990412-125000-misalignment_direction-a1e1",
                 "Misalignment direction at layer 15 (norm 17.98); steering +0.41 [0.18, 0.66]; ablation -0.73 [-1.22, -0.30]; 3 random controls.")


def test_a_request_laid_out_over_lines_is_read_line_by_line(plan):
    tool, args = call(plan([CHAIN_A], "- attention suppression\n- chain: 20990412-091433-generate_cot-6f41\n- layers 9 to 12 only\n- batch 2"))
    assert (tool, args["cot_run"], args["layers"], args["batch"]) == ("attention_suppression", CHAIN_A["run_id"], [9, 10, 11, 12], 2)
    tool, args = call(plan([VECTOR], "1. vector: the one above\n2. prompt: Write a Python class for a queue.\n3. layers 6 and 10\n4. scale -2"))
    assert (tool, args["prompt"], args["layers"], args["scale"]) == ("steer_generate", "Write a Python class for a queue.", [6, 10], -2)
    tool, args = call(plan([], "**Question**: A train leaves at 3pm going 80 km/h. How far has it gone by 5:30pm?\n"
                               "**System**: Think step by step and box the answer.\n**Max tokens**: 512"))
    assert (tool, args["question"], args["system"], args["max_new_tokens"]) == (
        "generate_cot", "A train leaves at 3pm going 80 km/h. How far has it gone by 5:30pm?", "Think step by step and box the answer.", 512)
    tool, args = call(plan([], "hint mediation\n\nscenario  | hint-planet\nrollouts  | 16\nsamples   | 4"))
    assert (tool, args["scenario"], args["rollouts"], args["samples"]) == ("hint_mediation", "hint-planet", 16, 4)
    tool, args = call(plan([VECTOR], "sweep with that vector:\n\nlayer | scales\n8     | 1, 2\n12    | 1, 2\n\n4 controls per cell"))
    assert (tool, args["layers"], args["scales"], args["controls"]) == ("steering_sweep", [8, 12], [1, 2], 4)
    tool, args = call(plan([], "itda:\nlayers: 3, 9, 15\ntau: 0.4\ndocs: 60"))
    assert (tool, args["layers"], args["tau"], args["docs"]) == ("itda_build", [3, 9, 15], 0.4, 60)


def test_notes_and_letters_before_a_request_are_background(plan):
    tool, args = call(plan([CHAIN_A], "notes 04/12:\n- the sweep from tuesday: 0% everywhere\n- Ana thinks 8 rollouts is too few\n\n"
                                      "ok so: receiver heads on the chain above, top 24"))
    assert (tool, args["cot_run"], args["k"]) == ("receiver_heads", CHAIN_A["run_id"], 24)
    tool, args = call(plan([CHAIN_A], "plan for this chain:\n1. split it, merge pieces under 30 chars\n2. receiver heads on it\n\nstep 1 only for now"))
    assert (tool, args["cot_run"], args["min_chars"]) == ("split_sentences", CHAIN_A["run_id"], 30)
    tool, args = call(plan([LORA], "lab nb:\n[x] risky lora (40 steps)\n[ ] phase transition on it w/ ks 1, 3, 9\n[ ] mail Sam\n\ndo the open phase item"))
    assert (tool, args["train_run"], args["ks"]) == ("lora_phase", LORA["run_id"], [1, 3, 9])
    reply = plan([CHAIN_A], "Hi Parley,\n\nReviewer 1 asks why we resampled 8 times per sentence rather than 100. Our intervals are +/-0.3.\n\n"
                            "Could you explain briefly what we lose with 8?\n\nthanks,\nM.")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls


def test_a_complaint_is_no_request_and_a_bare_number_takes_the_setting_it_named(plan):
    tool, args = call(plan([VECTOR, SWEEP], "2 controls per cell is a joke, nothing can beat that. rerun with 12"))
    assert (tool, args["controls"], args["layers"]) == ("steering_sweep", 12, [10, 14])
    tool, args = call(plan([VECTOR, STEER], "it's spitting out colons at 8, obviously way too strong. go down to 2"))
    assert (tool, args["scale"], args["prompt"]) == ("steer_generate", 2, "Write a function that merges two dicts.")
    tool, args = call(plan([CHAIN_A], "why did you use greedy?? i never said T=0. redo it sampled at 0.9"))
    assert (tool, args["question"], args["temperature"]) == ("generate_cot", "Is 221 prime?", 0.9)
    tool, args = call(plan([LORA, DIRECTION], "layer 15 of 30, what did I expect. do it at layer 21"))
    assert (tool, args["layer"]) == ("misalignment_direction", 21)
    reply = plan([VECTOR, SWEEP], "no no no don't run another sweep. I just want to know why layer 10 is flat at every scale")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls
    reply = plan([LORA, DIVERGED], "I don't want another fine-tune. just the loss curve of the one that diverged")
    assert reply.response_metadata["intent"] == "show" and reply.response_metadata["show"]["run_id"] == DIVERGED["run_id"]


LISTED = said("parley runs list", "Runs in this project, oldest first:\n"
                                  "1. 20990411-140211-steer_generate-2ad4  steer_generate  'Write a Python function that reverses a string.'\n"
                                  "2. 20990411-143355-generate_cot-8be1  generate_cot  'Is 221 prime?' seed 0\n"
                                  "3. 20990411-143702-generate_cot-f390  generate_cot  'Is 221 prime?' seed 1")


def test_a_run_is_named_by_a_piece_of_its_id_or_its_place(plan):
    chains = [CHAIN_A, CHAIN_B, CHAIN_C]
    tool, args = call(plan(chains, "split the 091433 chain"))
    assert (tool, args["cot_run"]) == ("split_sentences", CHAIN_A["run_id"])
    tool, args = call(plan([LISTED], "receiver heads on #3, top 10"))
    assert (tool, args["cot_run"], args["k"]) == ("receiver_heads", "20990411-143702-generate_cot-f390", 10)
    tool, args = call(plan(chains, "thought anchors on the last-but-one chain, answer is 12"))
    assert (tool, args["cot_run"], args["answer"]) == ("resample_importance", CHAIN_B["run_id"], "12")
    tool, args = call(plan([CHAIN_A, VECTOR, SWEEP, CHAIN_B], "split the chain from right before the sweep"))  # not the newest chain
    assert (tool, args["cot_run"]) == ("split_sentences", CHAIN_A["run_id"])
    tool, args = call(plan([LORA, EVAL, CAFT], "now eval the run after the 121500 eval the same way"))
    assert (tool, args["train_run"], args["samples"]) == ("em_evaluate", CAFT["run_id"], 8)
    tool, args = call(plan(chains, "redo the 091433 chain greedily"))  # that chain, though two ran since
    assert (tool, args["question"], args["temperature"]) == ("generate_cot", "Is 221 prime?", 0)
    tool, args = call(plan([CHAIN_A, said("call that one prime", "Noted."), CHAIN_B], "alternatives for sentence 2 of prime, 16 resamples"))
    assert (tool, args["cot_run"], args["sentence"]) == ("sentence_alternatives", CHAIN_A["run_id"], 2)
    tool, args = call(plan(chains, "same question as 6f41 but on tiny-random, seed 3"))
    assert (tool, args["question"], args["model"], args["seed"]) == ("generate_cot", "Is 221 prime?", "tiny-random", 3)
    tool, args = call(plan(chains, "hint mediation on hint-planet with the model from 1e30"))
    assert (tool, args["model"]) == ("hint_mediation", "tiny-random")


def test_a_piece_of_an_id_two_runs_share_or_none_has_asks(plan):
    chains = [CHAIN_A, CHAIN_B, CHAIN_C]
    reply = plan(chains, "thought anchors on the 20990412-09 one, answer 12")  # 09:14 and 09:40
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls and "fits 2 runs" in reply.content
    reply = plan(chains, "split the b4d0 chain")
    assert reply.response_metadata["intent"] == "clarify" and "b4d0" in reply.content
