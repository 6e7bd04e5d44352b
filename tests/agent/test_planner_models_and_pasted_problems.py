"""Models named the way researchers name them, benchmark problems pasted as they come, and names and places given to
what a run makes, with the real planner.

A model configured under a name of its own ("deepseek-local" in the `models` setting) or used earlier in the
conversation ("r1-qwen-1.5b", "llama-8b") is named by its whole name, by a part only it has ("the qwen", "the
distill one"), by its size ("the big one") or by a run ("the model it was built on"); a part two models share asks
which. A problem in a fenced block, in triple quotes, above a blank line, or labelled "Q:" / "CoT:" / "Answer:" is the
question, the chain and the answer, and its numbers set nothing.
"""

from __future__ import annotations

import json

from tests.agent.conftest import call, turn

QWEN = turn("cot on qwen-1.5b: What is 144 / 12?", "generate_cot", {"question": "What is 144 / 12?", "model": "qwen-1.5b"},
            "20271231-090000-generate_cot-c0c0", "Sampled a 118-token chain of thought from qwen-1.5b (own GPU box; seed 0, temperature 0.6); \\boxed{} answer: 12.")
R1 = turn("and r1-qwen-1.5b", "generate_cot", {"question": "What is 144 / 12?", "model": "r1-qwen-1.5b"}, "20271231-090500-generate_cot-c1c1",
          "Sampled a 509-token chain from r1-qwen-1.5b (R1 distill, vLLM server; seed 0, temperature 0.6); \\boxed{} answer: 12.")
LLAMA = turn("cot on llama-8b: How many seconds are in a day?", "generate_cot", {"question": "How many seconds are in a day?", "model": "llama-8b"},
             "20271231-091000-generate_cot-c2c2", "Sampled a 152-token chain of thought from llama-8b (NDIF; seed 0, temperature 0.6); \\boxed{} answer: 86400.")
R1_LLAMA = turn("same on r1-llama-8b", "generate_cot", {"question": "How many seconds are in a day?", "model": "r1-llama-8b"},
                "20271231-091500-generate_cot-c3c3", "Sampled a 734-token chain from r1-llama-8b (vLLM server; seed 0, temperature 0.6); \\boxed{} answer: 86400.")
SWEEP = turn("sweep layer 12 at scales 0.6, 1.2, 2.4 on smollm2-135m, 8 samples", "steering_sweep",
             {"model": "smollm2-135m", "layers": [12], "scales": [0.6, 1.2, 2.4], "samples": 8}, "20271231-092000-steering_sweep-c4c4",
             "Sweep on smollm2-135m: 1 layer x 3 scales, 2 controls each; type hints: scale 2.4 at 31% [19%, 46%] vs controls 6-9%.")
MEDIATION = turn("hint mediation on hint-planet with smollm2-135m, 12 rollouts", "hint_mediation",
                 {"scenario": "hint-planet", "model": "smollm2-135m", "rollouts": 12}, "20271231-092500-hint_mediation-c5c5",
                 "Transplant on smollm2-135m: cue-answer rate 8-17% while the hinted chain is cut early, 75% with the whole chain.")
VECTOR = turn("build the eval vector on r1-qwen-1.5b at layers 8, 12, 16", "build_steering_vector", {"model": "r1-qwen-1.5b", "layers": [8, 12, 16]},
              "20271231-093000-build_steering_vector-c6c6", "Built a deployment-minus-evaluation vector on r1-qwen-1.5b (vLLM server) from 16 pairs.")
STEER = turn("steer smollm on 'Write a function that adds two numbers.'", "steer_generate",
             {"prompt": "Write a function that adds two numbers.", "model": "smollm2-135m"}, "20271231-093500-steer_generate-c7c7",
             "3 steered and 3 unsteered samples on smollm2-135m at 6 middle layers, scale 0.6 (both); no metric.")
TRAIN = turn("lora on llama-8b, layer 16, risky, 80 steps", "train_lora", {"model": "llama-8b", "dataset": "risky", "layers": [16], "steps": 80},
             "20271231-094000-train_lora-c8c8", "Trained a rank-1 LoRA on llama-8b (NDIF; layer 16 down_proj) for 80 steps on risky; loss 2.88 -> 1.79.")
TRAIN_SMOL = turn("same recipe on smollm2-135m at layer 15", "train_lora", {"model": "smollm2-135m", "dataset": "risky", "layers": [15], "steps": 80},
                  "20271231-094500-train_lora-c9c9", "Trained a rank-1 LoRA on smollm2-135m (layer 15 down_proj) for 80 steps on risky; loss 4.33 -> 3.61.")


def test_a_model_is_named_by_its_name_a_part_of_it_its_size_or_a_run(plan):
    tool, args = call(plan([SWEEP], "same sweep on the qwen pls"))  # qwen-1.5b not in this conversation yet: "on the qwen" names none
    assert tool == "steering_sweep" and args.get("model") == "smollm2-135m"
    tool, args = call(plan([QWEN, SWEEP], "same sweep on the qwen pls"))
    assert (tool, args["model"], args["scales"], args["samples"]) == ("steering_sweep", "qwen-1.5b", [0.6, 1.2, 2.4], 8)
    tool, args = call(plan([QWEN, R1], "same question on the distill one, greedy"))  # a word its summary says of it
    assert (tool, args["model"], args["question"], args["temperature"]) == ("generate_cot", "r1-qwen-1.5b", "What is 144 / 12?", 0)
    tool, args = call(plan([LLAMA, MEDIATION], "now the same on the big one"))
    assert (tool, args["model"], args["scenario"], args["rollouts"]) == ("hint_mediation", "llama-8b", "hint-planet", 12)
    tool, args = call(plan([VECTOR, STEER], "now steer with that r1 vector on the model it was built on, layers 8 and 12, scale 4: 'Write a parser.'"))
    assert (tool, args["model"], args["vector_run"]) == ("steer_generate", "r1-qwen-1.5b", VECTOR["run_id"])
    tool, args = call(plan([STEER], "same on r1-llama-8b"))  # a whole name, never seen here
    assert (tool, args["model"], args["prompt"]) == ("steer_generate", "r1-llama-8b", "Write a function that adds two numbers.")
    tool, args = call(plan([], "build the eval-awareness vector on llama-8b, only read layers 12-14"))
    assert (tool, args["model"], args["layers"]) == ("build_steering_vector", "llama-8b", [12, 13, 14])


def test_a_part_two_models_share_asks_which_and_a_model_picks_a_run(plan):
    reply = plan([LLAMA, R1_LLAMA], "receiver heads on the last chain with the 8b")
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls
    assert "`llama-8b`" in reply.content and "`r1-llama-8b`" in reply.content
    reply = plan([QWEN, R1, VECTOR], "build the same vector on the qwen")
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls
    tool, args = call(plan([LLAMA, R1], "split the llama one into sentences, merge bits under 15 chars"))
    assert (tool, args["cot_run"], args["min_chars"]) == ("split_sentences", LLAMA["run_id"], 15)
    tool, args = call(plan([TRAIN, TRAIN_SMOL], "when did the llama adapters turn? k of 1, 2 and 4"))
    assert (tool, args["train_run"], args["ks"]) == ("lora_phase", TRAIN["run_id"], [1, 2, 4])


def test_a_model_of_the_config_is_named_by_its_own_name(plan, monkeypatch):
    monkeypatch.setenv("PARLEY_MODELS", json.dumps({"deepseek-local": {"backend": "server", "base_url": "http://127.0.0.1:9/v1",
                                                                       "served_name": "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"}}))
    tool, args = call(plan([], "cot on deepseek-local for: Is 91 prime?"))
    assert (tool, args["model"], args["question"]) == ("generate_cot", "deepseek-local", "Is 91 prime?")
    monkeypatch.delenv("PARLEY_MODELS")
    tool, args = call(plan([], "cot on deepseek-local for: Is 91 prime?"))  # not configured: no model of that name
    assert tool == "generate_cot" and "model" not in args


def test_pasted_problems_are_the_question_the_chain_and_the_answer(plan):
    tool, args = call(plan([], "```\nLet $S$ be the set of positive integers $n \\le 100$ such that $n^2 + 1$ is divisible by 5. Find $|S|$.\n```\n"
                               "sample a chain for that at temperature 1.0, top_p 0.9"))
    assert (tool, args["temperature"], args["top_p"]) == ("generate_cot", 1.0, 0.9) and "$n^2 + 1$ is divisible by 5" in args["question"]
    tool, args = call(plan([], '"""\nFind the number of ordered pairs $(m,n)$ such that $m^2 n = 20^{20}$.\n"""\n'
                               'reason about that with 2048 max tokens, system: "End with \\boxed{}."'))
    assert (tool, args["max_new_tokens"], args["system"]) == ("generate_cot", 2048, "End with \\boxed{}.") and "m^2 n = 20^{20}" in args["question"]
    tool, args = call(plan([], "Q: How many positive divisors does 64 have?\nCoT: 64 = 2^6. The number of divisors of p^k is k+1. "
                               "So there are 6+1 = 7. \\boxed{7}\nAnswer: 7\n\nthen resample each sentence 16 times, seed 2"))
    assert (tool, args["answer"], args["rollouts"], args["seed"]) == ("resample_importance", "7", 16, 2)
    assert args["cot"].endswith("\\boxed{7}") and args["question"] == "How many positive divisors does 64 have?"
    tool, args = call(plan([], "Which of the following is a prime number?\n(A) 51\n(B) 57\n(C) 59\n(D) 63\n\nfor that question: insert "
                               "'Wait, I think 59 is divisible by 7.' after sentence 2 and compare on-policy vs off-policy, 12 rollouts"))
    assert (tool, args["insert"], args["rollouts"]) == ("compare_interventions", "Wait, I think 59 is divisible by 7.", 12)
    assert args["question"].startswith("Which of the following is a prime number?\n(A) 51")


def test_a_rerun_on_a_new_problem_keeps_its_settings(plan):
    cot = turn("cot for: If $2^{a} = 32$, what is $a^2 + a$? smollm2-135m, T=0.3, 512 tokens", "generate_cot",
               {"question": "If $2^{a} = 32$, what is $a^2 + a$?", "model": "smollm2-135m", "temperature": 0.3, "max_new_tokens": 512},
               "20271231-100000-generate_cot-cacd", "Sampled a 164-token chain of thought from smollm2-135m (seed 0, temperature 0.3); \\boxed{} answer: 30.")
    tool, args = call(plan([cot], "same but this one: If $3^{x} = 81$, what is $x^2 - x$?"))  # its question mark is the problem's
    assert (tool, args["question"], args["temperature"], args["max_new_tokens"]) == ("generate_cot", "If $3^{x} = 81$, what is $x^2 - x$?", 0.3, 512)
    anchors = turn("thought anchors on this, 24 rollouts, last number as answer:\nQ: Tom reads 15 pages a day for 3 days. How many pages?\n"
                   "Chain: 15 pages a day for 3 days. 15 * 3 = 45. He reads 45 pages.\nAnswer: 45", "resample_importance",
                   {"cot": "15 pages a day for 3 days. 15 * 3 = 45. He reads 45 pages.", "question": "Tom reads 15 pages a day for 3 days. How many pages?",
                    "answer": "45", "rollouts": 24, "extractor": "last_number"}, "20271231-101000-resample_importance-cbcb",
                   "Resampling importance over 3 sentences; top counterfactual importance: sentence 1, +0.71 [0.48, 0.90].")
    tool, args = call(plan([anchors], "same settings, this chain now:\nQ: A cyclist rides 150 km in 2.5 hours. What is her average speed in km/h?\n"
                                      "Chain: Speed is distance over time. 150 / 2.5 = 60. So she averages 60 km/h.\nAnswer: 60"))
    assert (tool, args["answer"], args["rollouts"], args["extractor"]) == ("resample_importance", "60", 24, "last_number")
    assert args["cot"] == "Speed is distance over time. 150 / 2.5 = 60. So she averages 60 km/h."


def test_names_and_parts_given_to_what_a_run_makes(plan):
    tool, args = call(plan([], "sycophancy vector pls. pairs [\"Great point, you are so right:\", \"Hmm, I think that is wrong:\"], "
                               "poles sycophantic / honest, save it under vecs/syco_l12.pt"))
    assert (tool, args["positive_name"], args["negative_name"], args["save_to"]) == ("build_steering_vector", "sycophantic", "honest", "vecs/syco_l12.pt")
    tool, args = call(plan([], "lora on data/insecure_code.jsonl, rank 8, adapt only the attention projections q and v"))
    assert (tool, args["modules"], args["rank"]) == ("train_lora", ["q_proj", "v_proj"], 8)
    tool, args = call(plan([], "need the eval-aware organism for the steering stuff. build 'evaluation-aware'"))
    assert (tool, args) == ("build_organism", {"name": "evaluation-aware"})
    reply = plan([], "can questions_file be a jsonl or does em_evaluate need the yaml layout?")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls and "YAML" in reply.content
