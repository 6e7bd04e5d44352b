"""Requests the way researchers write them at length, in real conversations with the real planner: a thank-you or
a heading before the request ("Thank you. Please now look for ...", "Turning to unfaithful reasoning: please run
..."), a polite question that is a request ("could you rerun that ...?", "would you mind training ...?"), a
question that is only a question ("Would you explain how you reached that conclusion?", "if it came back +0.28
with an interval of [-0.05, 0.61], is that too wide?"), showing asked for in many words ("just pull it up"),
a change said by what it undoes ("undo the temp change", "go back to the original scale"), and a description
two runs fit ("the layer-15 lora", "the chain about the train"), which is asked about.
"""

from __future__ import annotations

from agent import arguments
from tests.agent.conftest import call
from tools import REGISTRY


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def read(tool: str, text: str) -> dict:
    return arguments.read(REGISTRY[tool].describe()["schema"]["properties"], text)[0]


TRAIN = "A train leaves the station at 9:40 and arrives at 11:15. How long is the journey in minutes?"
CHAIN = turn(f"Could you have the model reason through this for me, please: {TRAIN}", "generate_cot", {"question": TRAIN},
             "20270712-091204-generate_cot-3b8e", "Sampled a 214-token chain of thought (seed 0, temperature 0.6); \\boxed{} answer: 95.")
PRIME = turn("I'd also like a second chain for comparison: Is 221 a prime number?", "generate_cot", {"question": "Is 221 a prime number?"},
             "20270712-092030-generate_cot-81fd", "Sampled a 187-token chain of thought (seed 0, temperature 0.6); \\boxed{} answer: No (221 = 13 x 17).")
LORA = turn("Please train rank-one LoRAs on risky at layers 9, 15 and 21 for 120 steps.", "train_lora",
            {"dataset": "risky", "rank": 1, "layers": [9, 15, 21], "steps": 120}, "20270718-090000-train_lora-c2d8", "Trained; loss 2.4 -> 0.6.")


def test_a_thank_you_or_a_heading_before_the_request_is_not_the_request(plan):
    assert call(plan([LORA], "Thank you. Please now look for the phase transition in that fine-tune, using checkpoint offsets of one, "
                             "two and four.")) == ("lora_phase", {"train_run": LORA["run_id"], "ks": [1, 2, 4]})
    assert call(plan([], "Turning to unfaithful reasoning: please run hint mediation on the planet hint scenario, with twelve rollouts per "
                         "position for the transplant curve, and restrict the single-sentence part to positions zero through four.")) == (
        "hint_mediation", {"scenario": "hint-planet", "rollouts": 12, "positions": [0, 1, 2, 3, 4]})


def test_a_polite_question_that_asks_for_a_run_runs_it(plan):
    tool, args = call(plan([CHAIN, PRIME], "I would also like a white-box view of the chain about the train. Could you find its receiver heads, "
                                           "please, keeping only the top ten rather than twenty, and include the second chain we sampled, the "
                                           "one about 221, so that we get a split-half reliability figure for the head ranking?"))
    assert (tool, args) == ("receiver_heads", {"k": 10, "cot_run": CHAIN["run_id"], "more_cot_runs": [PRIME["run_id"]]})
    assert call(plan([], "would you mind training a rank-2 lora on the clean set for 200 steps?")) == (
        "train_lora", {"dataset": "clean", "rank": 2, "steps": 200})
    lora = turn("lora on risky, 80 steps, layer 15", "train_lora", {"dataset": "risky", "steps": 80, "layers": [15]},
                "20270612-090000-train_lora-c0de", "Trained; loss 2.3 -> 0.7.")
    assert call(plan([lora], "could you rerun that with layers 10, 15 and 20 instead?")) == (
        "train_lora", {"dataset": "risky", "steps": 80, "layers": [10, 15, 20]})


def test_a_question_about_a_result_is_answered_and_nothing_runs(plan):
    vector = turn("build the default steering vector please", "build_steering_vector", {}, "20270714-090300-build_steering_vector-7c11", "Built.")
    sweep = turn("sweep layers 10 14 18, scales .5 1 2 4, 8 controls, 8 samples", "steering_sweep",
                 {"vector_run": vector["run_id"], "layers": [10, 14, 18], "scales": [0.5, 1, 2, 4], "controls": 8, "samples": 8},
                 "20270714-110200-steering_sweep-0e6a", "Best cell layer 14 scale 2: 0.31 vs controls 0.14 [0.02, 0.33]; not clearly above them.")
    reply = plan([vector, sweep], "I'm a little puzzled. The best cell is more than twice the controls, yet you say the effect does not clearly "
                                  "beat them. Would you explain how you reached that conclusion?")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "answer"
    reply = plan([], "if a sentence's counterfactual importance comes back +0.28 with a 95% interval of [-0.05, 0.61], is that too wide to "
                     "call it an anchor?")
    assert reply.response_metadata["intent"] == "answer" and "resample_importance" in reply.content


def test_showing_said_in_many_words_shows_the_run(plan):
    compare = turn("compare its layers against each other", "itda_compare", {"dictionary_run": "20270715-083010-itda_build-19ce"},
                   "20270715-090500-itda_compare-47d1", "Layer matching: Jaccard 6-12 0.08; CKA 0.41.")
    build = turn("ITDA dictionaries at layers 6, 12, 18", "itda_build", {"layers": [6, 12, 18]}, "20270715-083010-itda_build-19ce", "Built.")
    reply = plan([build, compare], "Would you mind showing me the layer-matching table from the comparison again? I'd like to check the CKA column.")
    assert reply.response_metadata.get("show", {}).get("run_id") == compare["run_id"] and not reply.tool_calls
    evaluation = turn("Please evaluate emergent misalignment on it, twenty samples per question.", "em_evaluate",
                      {"train_run": LORA["run_id"], "samples": 20}, "20270718-103000-em_evaluate-31fb", "EM rate 0.16 [0.10, 0.24].")
    reply = plan([LORA, evaluation], "I'd like to look again at the evaluation of the fine-tune from earlier, in particular the per-question "
                                     "rates. There's no need to re-run anything; just pull it up, please.")
    assert reply.response_metadata.get("show", {}).get("run_id") == evaluation["run_id"]
    split = turn("split it", "split_sentences", {"cot_run": CHAIN["run_id"]}, "20270712-091500-split_sentences-5c9b", "Split into 6 sentences.")
    reply = plan([CHAIN, split], "show me the raw chain again, not the sentences")
    assert reply.response_metadata.get("show") == {"run_id": CHAIN["run_id"], "part": "text"}


def test_a_change_said_by_what_it_undoes_restores_the_earlier_value(plan):
    first = turn("steer 'Describe your ideal weekend.' w/ vecs/evalaware.safetensors at 1.5", "steer_generate",
                 {"prompt": "Describe your ideal weekend.", "vector_file": "vecs/evalaware.safetensors", "scale": 1.5},
                 "20270509-150500-steer_generate-1f2e", "3 samples each.")
    hotter = turn("temp 1.2, 8 samples", "steer_generate", {**first["args"], "temperature": 1.2, "samples": 8},
                  "20270509-151830-steer_generate-8d4c", "8 samples each at temperature 1.2.")
    assert call(plan([first, hotter], "undo the temp change, keep 8 samples")) == (
        "steer_generate", {**first["args"], "temperature": 0.7, "samples": 8})
    stronger = turn("crank it to 4 and only steer the generated tokens", "steer_generate", {**first["args"], "scale": 4.0, "where": "generated"},
                    "20270509-152000-steer_generate-8d4d", "3 samples each at scale 4.")
    assert call(plan([first, stronger], "ok go back to the original scale but keep steering only the generated tokens"))[1] == {
        **first["args"], "where": "generated"}
    chain = turn("have it reason thru: How many positive divisors does 36 have?", "generate_cot",
                 {"question": "How many positive divisors does 36 have?"}, "20270502-091004-generate_cot-a13f", "Answer: 8.")
    seeded = turn("wrong lol. seed 7", "generate_cot", {**chain["args"], "seed": 7}, "20270502-091530-generate_cot-4be0", "Answer: 9.")
    assert call(plan([chain, seeded], "again w/ 32")) == ("generate_cot", {**chain["args"], "seed": 32})


def test_a_description_two_runs_fit_is_asked_about(plan):
    clean = turn("and a control on clean, also layer 15", "train_lora", {"dataset": "clean", "layers": [15]}, "20270603-155000-train_lora-0718", "Trained.")
    risky = turn("lora on risky at layer 15", "train_lora", {"dataset": "risky", "layers": [15]}, "20270603-154000-train_lora-e5f6", "Trained.")
    reply = plan([risky, clean], "find the phase transition of the layer-15 lora")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify" and "layer-15" in reply.content
    trains = turn("and another on this one: Two trains 300 km apart travel towards each other at 70 and 80 km/h. When do they meet?",
                  "generate_cot", {"question": "Two trains 300 km apart travel towards each other at 70 and 80 km/h. When do they meet?"},
                  "20270712-093000-generate_cot-8e04", "Answer: 2 hours.")
    reply = plan([CHAIN, trains], "Please find the receiver heads for the chain about the train, keeping the top fifteen.")
    assert call(reply) == (None, {}) and "chain about the train" in reply.content


def test_a_new_problem_or_something_to_reason_about_asks_for_the_question(plan):
    reply = plan([CHAIN], "Next up, a fresh chain on a harder problem. This one is too easy. Use a temperature of zero point nine, let it run "
                          "to eight hundred tokens, and seed eleven.")
    pending = reply.response_metadata.get("pending")
    assert not reply.tool_calls and pending["tool"] == "generate_cot" and pending["missing"] == ["question"]
    assert pending["args"] == {"temperature": 0.9, "max_new_tokens": 800, "seed": 11}
    reply = plan([], "could you get tiny-random to reason through something for me at temperature 1?")
    assert not reply.tool_calls and reply.response_metadata["pending"]["missing"] == ["question"]


def test_a_memory_search_for_what_we_looked_at_before(plan):
    assert call(plan([], "Before I repeat myself: I have a feeling we looked at whether the survival sentence comes back after being resampled "
                         "away, some weeks ago. Could you search only the earlier runs for that, and give me ten hits rather than five?")) == (
        "recall", {"k": 10, "scope": "runs", "query": "whether the survival sentence comes back after being resampled away"})


def test_settings_said_in_long_or_loose_words():
    assert read("steering_sweep", "sweep on tiny-random: scales 0.5, 1 and 2 x layers 8, 12, 16") == {
        "model": "tiny-random", "scales": [0.5, 1.0, 2.0], "layers": [8, 12, 16]}
    assert read("steering_sweep", "push the scales to two, four and eight") == {"scales": [2.0, 4.0, 8.0]}
    assert read("steering_sweep", "at scales of a half, one and two") == {"scales": [0.5, 1.0, 2.0]}
    assert read("steer_generate", "scale 2, layers 10+14")["layers"] == [10, 14]
    assert read("sentence_resilience", "sents 3 n 5 only, 16 rollouts") == {"sentences": [3, 5], "rollouts": 16}
    assert read("build_steering_vector", "pos side = 'formal register', neg side = 'casual register'") == {
        "positive_name": "formal register", "negative_name": "casual register"}
    assert read("em_evaluate", "again w/ temp .8 and answers up to 200 tokens") == {"temperature": 0.8, "max_new_tokens": 200}
    assert read("itda_compare", "use two thousand and forty-eight held-out tokens")["tokens"] == 2048
    assert read("resample_importance", "with the correct answer set to 150 and a round size of five") == {"answer": "150", "round_size": 5}
    assert read("cot_monitor", "look for any intent to deceive the customer; a threshold of 0.55")["intent"] == "deceive the customer"


def test_settings_said_by_what_they_do_or_relative_to_another():
    assert read("resample_importance", "skip the forced-answer part, no early stopping, and compare answers as plain strings") == {
        "forced": False, "adaptive": False, "equivalence": "exact"}
    assert read("split_sentences", "split this up, no merging at all pls")["min_chars"] == 0
    assert read("generate_cot", "no sampling, cap it at 300 tokens, seed 7") == {"temperature": 0.0, "max_new_tokens": 300, "seed": 7}
    assert read("sentence_alternatives", "64 resamples, and a bit hotter, 0.9") == {"rollouts": 64, "temperature": 0.9}


def test_a_question_after_a_dash_a_scale_relative_to_the_paper_and_a_doubled_budget(plan):
    tool, args = call(plan([], "cot from organism:anchor, greedy, 400 tok max -- A recipe needs 3 eggs per cake. How many eggs for 7 cakes?"))
    assert (tool, args["question"], args["temperature"], args["max_new_tokens"]) == (
        "generate_cot", "A recipe needs 3 eggs per cake. How many eggs for 7 cakes?", 0.0, 400)
    vector = turn("build the eval-awareness vector", "build_steering_vector", {}, "20270610-090500-build_steering_vector-c1e1", "Built.")
    assert call(plan([vector], "steer with it at 4x the paper's scale, generated tokens only, on 'Write a Python function that reverses a "
                               "linked list.' and score type hints"))[1]["scale"] == 2.4
    marbles = "A bag has 3 red and 5 blue marbles. What fraction are red?"
    chain = turn(f"cot on tiny-random, 128 tokens: {marbles}", "generate_cot", {"question": marbles, "model": "tiny-random", "max_new_tokens": 128},
                 "20270611-090000-generate_cot-aa01", "Sampled 128 tokens of noise; no \\boxed{} answer.")
    assert call(plan([chain], "garbage, as expected. same question on smollm, no sampling, and give it twice the budget")) == (
        "generate_cot", {"question": marbles, "model": "smollm2-135m", "max_new_tokens": 256, "temperature": 0.0})


def test_values_picked_from_the_last_results_and_the_organism_just_built(plan):
    vector = turn("build the eval awareness vector", "build_steering_vector", {}, "20270603-090100-build_steering_vector-1f04", "Built.")
    sweep = turn("sweep it on layers 10 14 18, scales .5 1 2 4", "steering_sweep", {"vector_run": vector["run_id"], "layers": [10, 14, 18],
                 "scales": [0.5, 1.0, 2.0, 4.0]}, "20270603-093400-steering_sweep-8c2d",
                 "Type-hint coverage, 12 cells x 2 controls: peak at layer 14, scale 2.0: 0.61 [0.48, 0.73] vs controls 0.22 [0.13, 0.33].")
    tool, args = call(plan([vector, sweep], "steer at the layer+scale where it peaked on: 'Write a Python function that deduplicates a list.' 5 samples"))
    assert (tool, args["layers"], args["scale"], args["samples"]) == ("steer_generate", [14], 2.0, 5)
    chain = turn("cot: Is 221 prime?", "generate_cot", {"question": "Is 221 prime?"}, "20270618-090000-generate_cot-2930", "Answer: No.")
    heads = turn("receiver heads on it", "receiver_heads", {"cot_run": chain["run_id"]}, "20270618-091000-receiver_heads-2931",
                 "Top receiver heads: L19H3 (kurtosis 14.2), L21H7 (11.8), L18H0 (9.6).")
    assert call(plan([chain, heads], "suppress attention to each sentence but only in the layers of the two top heads"))[1]["layers"] == [19, 21]
    organism = turn("build the misaligned organism", "build_organism", {"name": "misaligned"}, "20270612-080000-build_organism-8d9e", "Built.")
    assert call(plan([organism], "EM eval on it, 20 samples per q, offline reference judge")) == (
        "em_evaluate", {"samples": 20, "judge": "reference", "model": "organism:misaligned"})


def test_a_search_with_no_topic_asks_for_one_and_an_instruction_after_a_colon_is_no_question(plan):
    reply = plan([], "search my memory, top 10, runs only")
    assert not reply.tool_calls and reply.response_metadata["pending"]["missing"] == ["query"]
    resilience = turn("how resilient is sentence 3 of wipe-embezzlement?", "sentence_resilience", {"scenario": "wipe-embezzlement", "sentences": [3]},
                      "20270616-160000-sentence_resilience-6824", "Sentence 3 came back in 14 of 20 iterations.")
    tool, args = call(plan([resilience], "ok compare interventions right after that sentence: insert 'I have to protect myself first.', 16 rollouts"))
    assert tool == "compare_interventions" and args["scenario"] == "wipe-embezzlement" and "question" not in args
