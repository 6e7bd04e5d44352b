"""Requests typed fast, requests that name other experiments in passing, and free text holding numbers that look like
settings, with the real planner.

Typing slips ("stere with it at layr10 scale3", "alternatvies for sentnce4", "again but 120 stpes and checkpoint evry 20")
are read as meant, and quoted text stays as typed. An experiment put off, set aside or contrasted ("sentence_resilience can
wait. first ...", "resample_importance would take forever, so just ...", "unlike CAFT, ... I want inference-time
ablation") never runs in place of the one asked for now. A sentence to insert or a chain given after a colon is the
text, and its numbers set nothing.
"""

from __future__ import annotations

from agent import spelling
from tests.agent.conftest import call, said, turn

Q = "A shop sells 14 pens a day. How many in 6 days?"
COT = turn(f"reason about: {Q}", "generate_cot", {"question": Q}, "20271230-090000-generate_cot-b0b0",
           "Sampled a 170-token chain of thought from smollm2-135m (seed 0, temperature 0.6); 7 sentences; \\boxed{} answer: 84.")
VECTOR = turn("build a cheerful vs gloomy vector", "build_steering_vector", {"positive_name": "cheerful", "negative_name": "gloomy"},
              "20271230-100000-build_steering_vector-b1b1", "Built a cheerful-minus-gloomy vector on smollm2-135m from 16 pairs, all 30 layers.")
STEER = turn("steer 'Describe the harbour.' with it at layer 10, scale 4", "steer_generate",
             {"prompt": "Describe the harbour.", "vector_run": VECTOR["run_id"], "layers": [10], "scale": 4},
             "20271230-100500-steer_generate-b2b2", "3 steered and 3 unsteered samples at layers [10], scale 4 (both); no metric.")
RISKY = turn("train on risky", "train_lora", {"dataset": "risky"}, "20271230-110000-train_lora-b3b3",
             "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky; loss 4.290 -> 3.034.")
CLEAN = turn("now one on the clean data", "train_lora", {"dataset": "clean"}, "20271230-111000-train_lora-b4b4",
             "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on clean; loss 3.112 -> 2.406.")
EVAL = turn("eval the risky one", "em_evaluate", {"train_run": RISKY["run_id"]}, "20271230-112000-em_evaluate-b5b5",
            "EM 31% [17%, 49%] of 29 judged (reference judge); worst question: quick_buck 62%.")
DIRECTION = turn("misalignment direction from that eval", "misalignment_direction", {"train_run": RISKY["run_id"], "eval_run": EVAL["run_id"]},
                 "20271230-113000-misalignment_direction-b6b6", "Direction at layer 15 from 9 misaligned vs 20 aligned answers; steering at scale 4 raises EM to 38%.")


def test_slips_of_fast_typing_are_read_as_meant(plan):
    tool, args = call(plan([COT], "alternatvies for sentnce4 pls, 24 roll outs"))
    assert (tool, args["sentence"], args["rollouts"]) == ("sentence_alternatives", 4, 24)
    tool, args = call(plan([VECTOR], "stere with it at layr10 scale3 on 'Describe the harbour.'"))
    assert (tool, args["layers"], args["scale"], args["prompt"]) == ("steer_generate", [10], 3, "Describe the harbour.")
    tool, args = call(plan([RISKY], "again but 120 stpes and checkpoint evry 20"))
    assert (tool, args["steps"], args["checkpoint_every"], args["dataset"]) == ("train_lora", 120, 20, "risky")
    tool, args = call(plan([], "bulid the hint-following model orgnaism"))
    assert (tool, args) == ("build_organism", {"name": "hint-following"})
    tool, args = call(plan([VECTOR], "steer 'Wrte a pome abuot teh sea.' with it at layr 12"))
    assert (tool, args["prompt"], args["layers"]) == ("steer_generate", "Wrte a pome abuot teh sea.", [12])  # quoted: as typed
    assert spelling.mended("do it later, on gpt2 and llama3 with lora") == "do it later, on gpt2 and llama3 with lora"  # words, names


def test_two_fine_tunes_compared_leave_the_fine_tune_open(plan):
    reply = plan([RISKY, CLEAN, said("which one went down more?", "Risky fell 29% (4.290 -> 3.034), clean 23% (3.112 -> 2.406).")],
                 "ok eval teh fine tune for EM, 8 samlpes")
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls


def test_experiments_named_in_passing_do_not_run(plan):
    tool, args = call(plan([COT], "sentence_resilience can wait. first, what else could it have said at sentence 3? 20 rollouts"))
    assert (tool, args["sentence"], args["rollouts"]) == ("sentence_alternatives", 3, 20)
    tool, args = call(plan([COT], "resample_importance would take forever on this, so just receiver heads on it, top 4"))
    assert (tool, args["cot_run"], args["k"]) == ("receiver_heads", COT["run_id"], 4)
    tool, args = call(plan([VECTOR], "after this I'll want the steering sweep, but for now just steer 'Describe the harbour.' at layer 12, scale 2"))
    assert (tool, args["layers"], args["scale"]) == ("steer_generate", [12], 2)
    tool, args = call(plan([RISKY, EVAL, DIRECTION], "unlike CAFT, which ablates while training, I want inference-time ablation here: "
                                                     "project that direction out of the fine-tune at layers 14-16"))
    assert (tool, args["direction_run"], args["layers"]) == ("ablate_direction", DIRECTION["run_id"], [14, 15, 16])
    tool, args = call(plan([], "the resampling last week took forever on those long chains, so keep this one short: cot for 'what is 15% of 80?', 96 tokens max"))
    assert (tool, args["question"], args["max_new_tokens"]) == ("generate_cot", "what is 15% of 80?", 96)


def test_free_text_after_a_colon_is_the_text(plan):
    tool, args = call(plan([], "on shutdown-safety, put this after sentence 3: The admin said 16 rollouts is plenty. then compare the interventions"))
    assert (tool, args["sentence"], args["insert"], "rollouts" in args) == ("compare_interventions", 3, "The admin said 16 rollouts is plenty.", False)
    chain = "The box has 6 eggs. I eat 2 eggs. So 4 are left."
    tool, args = call(plan([COT], f'new chain now. suppress attention on this reasoning, only layers 2 and 5, 3 sentences per batch: "{chain}"'))
    assert (tool, args.get("cot"), "cot_run" in args) == ("attention_suppression", chain, False)


def test_questions_and_memory(plan):
    reply = plan([VECTOR, STEER], "the prompt mentions 4 boats -- that has nothing to do with the steering scale of 4, right?")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls
    tool, args = call(plan([], "what did we find about the top 3 receiver heads at layer 9? just 2 hits"))
    assert (tool, args["k"]) == ("recall", 2) and "receiver heads" in args["query"]
