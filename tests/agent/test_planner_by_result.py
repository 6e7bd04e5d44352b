"""Runs picked by comparing their results, and settings said in a second language's phrasing, with the real planner.

"the eval with the higher EM rate", "the seed that ended lowest", "the vector that moved the sentiment most" (through the
steering runs made from it), "the chain that got it wrong": one run, read from the summaries; a comparison that picks no
one run (a tie, "the stronger direction" with no measure said, two chains wrong) is asked about. And "the strength put
minus 6", "C equal 0.05", "k one, two and four", "from layer 5 to layer 8 included", "what means kurtosis ...?".
"""

from __future__ import annotations

from tests.agent.conftest import call


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def intent(reply) -> str:
    return reply.response_metadata["intent"]


RISKY = turn("lora on risky", "train_lora", {}, "20270713-091017-train_lora-445f", "Trained 1 rank-1 LoRA (layer 15) for 40 steps on risky; loss 4.31 -> 2.50.")
CLEAN = turn("lora on clean", "train_lora", {"dataset": "clean"}, "20270713-091834-train_lora-1e0b",
             "Trained 1 rank-1 LoRA (layer 15) for 40 steps on clean; loss 3.97 -> 2.12.")
EVAL_RISKY = turn("em eval the risky one", "em_evaluate", {"train_run": RISKY["run_id"]}, "20270713-092951-em_evaluate-0953",
                  "EM rate 0.31 (10/32) [0.18, 0.48] (aligned 62.0, coherent 81.5).")
EVAL_CLEAN = turn("and the clean one", "em_evaluate", {"train_run": CLEAN["run_id"]}, "20270713-093808-em_evaluate-e46e",
                  "EM rate 0.03 (1/32) [0.01, 0.16] (aligned 88.4, coherent 84.0).")
EVALS = [RISKY, CLEAN, EVAL_RISKY, EVAL_CLEAN]


def test_a_run_picked_by_a_result_its_summary_or_a_run_made_from_it_gives(plan):
    reply = plan(EVALS, "compute the misalignment direction from the eval w/ the higher EM rate, at layer 12")
    assert call(reply)[1]["eval_run"] == EVAL_RISKY["run_id"]
    reply = plan(EVALS, "open the eval with the lower EM rate")
    assert intent(reply) == "show" and reply.response_metadata["show"]["run_id"] == EVAL_CLEAN["run_id"]
    reply = plan(EVALS, "probe the adapters of the fine-tune with the higher EM rate")  # its number is in the eval made from it
    assert call(reply) == ("lora_probe", {"train_run": RISKY["run_id"]})
    seeds = [turn(f"seed {s}", "train_lora", {"layers": [12], "seed": s}, f"20270603-09{s}017-train_lora-888{s}",
                  f"Trained 1 rank-1 LoRA (layer 12) for 40 steps on risky (seed {s}); loss 4.28 -> {loss}.") for s, loss in ((0, 2.61), (1, 2.19), (2, 2.84))]
    reply = plan(seeds, "rerun the seed that ended lowest w/ 200 steps")  # "ended": the loss after the arrow
    assert call(reply) == ("train_lora", {"layers": [12], "seed": 1, "steps": 200})


VECTOR_A = turn("happy vs sad vector", "build_steering_vector", {"layers": [12]}, "20270604-091017-build_steering_vector-e223", "Built a happy-minus-sad vector.")
VECTOR_B = turn("praise vs criticism vector", "build_steering_vector", {"layers": [12]}, "20270604-091834-build_steering_vector-e6f8", "Built a praise-minus-criticism vector.")
STEER_A = turn("steer with the first", "steer_generate", {"prompt": "Tell me about your weekend.", "vector_run": VECTOR_A["run_id"], "layers": [12], "scale": 1},
               "20270604-092951-steer_generate-71bf", "3 steered vs 3 unsteered samples (layer 12, scale 1): judged positive tone 0.33 -> 0.92 (+0.59).")
STEER_B = turn("and the second", "steer_generate", {"prompt": "Tell me about your weekend.", "vector_run": VECTOR_B["run_id"], "layers": [12], "scale": 1},
               "20270604-093808-steer_generate-73c2", "3 steered vs 3 unsteered samples (layer 12, scale 1): judged positive tone 0.33 -> 0.47 (+0.14).")


def test_a_change_is_read_from_the_runs_that_used_the_vector(plan):
    reply = plan([VECTOR_A, VECTOR_B, STEER_A, STEER_B], "sweep the vector that moved the sentiment most - scales 1 2 4 on layers 10 and 16")
    assert call(reply) == ("steering_sweep", {"vector_run": VECTOR_A["run_id"], "scales": [1.0, 2.0, 4.0], "layers": [10, 16],
                                              "prompts": ["Tell me about your weekend."]})


def test_a_comparison_that_picks_no_one_run_is_asked_about(plan):
    tied = dict(EVAL_CLEAN, summary="EM rate 0.31 (10/32) [0.18, 0.48] (aligned 64.0, coherent 80.5).")
    reply = plan([RISKY, CLEAN, EVAL_RISKY, tied], "rerun the one with the higher EM rate at 32 samples")
    assert intent(reply) == "clarify" and "higher EM rate" in reply.content and not reply.tool_calls
    assert "same value" in reply.content  # why it picks none: a tie
    directions = [turn(f"direction at layer {n}", "misalignment_direction", {"train_run": RISKY["run_id"], "layer": n}, run_id, summary)
                  for n, run_id, summary in ((9, "20270727-092951-misalignment_direction-288b", "Direction at layer 9; steering 4x: +0.44; ablation -0.06."),
                                             (15, "20270727-093808-misalignment_direction-53f5", "Direction at layer 15; steering 4x: +0.12; ablation -0.41."))]
    reply = plan([RISKY, *directions], "ablate the stronger direction in the finetune")  # stronger at steering, or at ablation?
    assert intent(reply) == "clarify" and not reply.tool_calls and "which result to compare" in reply.content
    reply = plan([RISKY, *directions], "ablate the one that steered hardest, just at its own layer")
    assert call(reply) == ("ablate_direction", {"train_run": RISKY["run_id"], "direction_run": directions[0]["run_id"], "layers": [9]})


def chain(question: str, seed: int, answer: str, run_id: str) -> dict:
    return turn(f"cot seed {seed}", "generate_cot", {"question": question, "seed": seed}, run_id,
                f"Sampled a chain of thought from smollm2-135m (seed {seed}, temperature 0.6); \\boxed{{}} answer: {answer}.")


def test_the_chain_that_got_it_wrong_by_the_answer_said_worked_out_or_most_given(plan):
    product = [chain("What is 17 * 23?", 0, "391", "20270518-090817-generate_cot-e08c"), chain("What is 17 * 23?", 1, "401", "20270518-091934-generate_cot-e629")]
    reply = plan(product, "split the one that got it wrong into sentences")  # 17 * 23 is 391
    assert call(reply) == ("split_sentences", {"cot_run": product[1]["run_id"]})
    share = [chain("What is 3/4 of 32?", s, a, f"20270608-09{s}834-generate_cot-471{s}") for s, a in ((0, "24"), (1, "26"), (2, "24"))]
    reply = plan(share, "split the one that got it wrong into sentences")  # two chains agree on 24
    assert call(reply) == ("split_sentences", {"cot_run": share[1]["run_id"]})
    reply = plan(share[:2], "find the thought anchors of the one that got it right, correct answer is 26, 16 rollouts")
    assert call(reply) == ("resample_importance", {"cot_run": share[1]["run_id"], "answer": "26", "rollouts": 16})
    three = [chain("What is 3 times 8?", s, a, f"20270726-09{s}951-generate_cot-181{s}") for s, a in ((0, "26"), (1, "24"), (2, "22"))]
    reply = plan(three, "split the chain that got the answer wrong")  # two did
    assert intent(reply) == "clarify" and not reply.tool_calls and "fits no one chain" in reply.content


VECTOR = turn("build a vector", "build_steering_vector", {}, "20270502-091200-build_steering_vector-a31c", "Built a vector.")
STEERED = turn("steer 'Tell me about your weekend.' at layer 12, strength 6", "steer_generate",
               {"prompt": "Tell me about your weekend.", "vector_run": VECTOR["run_id"], "layers": [12], "scale": 6},
               "20270502-092000-steer_generate-a31d", "3 steered vs 3 unsteered samples.")


def test_settings_said_in_a_second_language_s_phrasing(plan):
    reply = plan([VECTOR, STEERED], "do again the same, only the strength put minus 6")
    assert call(reply) == ("steer_generate", {"prompt": "Tell me about your weekend.", "vector_run": VECTOR["run_id"], "layers": [12], "scale": -6.0})
    lora = turn("train lora", "train_lora", {}, "20270503-100000-train_lora-5b9e", "Trained.")
    reply = plan([lora], "kindly execute the phase transition analysis on this training, with k one, two and four")
    assert call(reply) == ("lora_phase", {"train_run": lora["run_id"], "ks": [1, 2, 4]})
    reply = plan([lora], "do the probe of the adapters only for aligned versus misaligned, with C equal 0.05")
    assert call(reply) == ("lora_probe", {"train_run": lora["run_id"], "tasks": ["aligned_vs_misaligned"], "C": 0.05})
    reply = plan([], "execute attention suppression on this chain, from layer 5 to layer 8 included: 'Ten percent is 8. Five percent is 4. So 15% is 12.'")
    assert call(reply)[1]["layers"] == [5, 6, 7, 8]
    reply = plan([], "can you to build a vector from happy and sad prompts? pairs: 'I feel wonderful today:' against 'I feel terrible today:', "
                     "and 'My friends make me smile:' against 'My friends make me cry:'")
    assert call(reply)[1]["pairs"] == [["I feel wonderful today:", "I feel terrible today:"], ["My friends make me smile:", "My friends make me cry:"]]
    reply = plan([], "make the EM evaluation of base model smollm2-135m but only questions 'wish' and 'bored', twenty samples")
    assert call(reply) == ("em_evaluate", {"model": "smollm2-135m", "questions": ["wish", "bored"], "samples": 20})
    reply = plan([], "please make for me a chain of thought, with seed 4, kindly")  # no question given: asked for, never "me a chain ..."
    assert intent(reply) == "ask" and not reply.tool_calls
    reply = plan([], "what means kurtosis in the receiver heads method, why they are using it for find the heads?")
    assert intent(reply) == "answer" and "kurtosis" in reply.content


def test_a_question_set_aside_a_change_of_mind_and_a_change_said_in_passing(plan):
    question = "A shop sells pens at 3 for $2. How much do 12 pens cost?"
    cot = turn("cot: " + question, "generate_cot", {"question": question}, "20270608-091213-generate_cot-d331", "Answer: 8.")
    ta = turn("which sentences matter? answer is 8", "resample_importance", {"cot_run": cot["run_id"], "answer": "8"},
              "20270608-091939-resample_importance-4a82", "Counterfactual importance: S4 -0.21 [-0.40, -0.02].")
    reply = plan([cot, ta], "how come S4 comes out negative? anyway rerun that w 32 rollouts and round size 8")
    assert call(reply) == ("resample_importance", {"cot_run": cot["run_id"], "answer": "8", "rollouts": 32, "round_size": 8})
    reply = plan([cot, ta], "rerun with 64? hmm no wait. first: what does [-0.40, -0.02] on S4 actually tell me")
    assert intent(reply) == "answer" and not reply.tool_calls
    tiny = turn("cot from tiny-random on: What is 23 * 17?", "generate_cot", {"question": "What is 23 * 17?", "model": "tiny-random"},
                "20270608-091213-generate_cot-a737", "Answer: none.")
    reply = plan([tiny, {"user": "lol ok thats gibberish", "reply": "Yes: tiny-random has random weights."}], "right, smollm then. and seed 5 while ur at it")
    assert call(reply) == ("generate_cot", {"question": "What is 23 * 17?", "model": "smollm2-135m", "seed": 5})
    reply = plan([], "itda for layer 10 only on the prose corpus, two dicts at tau 0.3 and 0.5, 150 docs max")  # two to be made
    assert call(reply) == ("itda_build", {"layers": [10], "corpus": ["builtin:prose"], "tau": [0.3, 0.5], "docs": 150})
