"""Requests as researchers write them in longer messages, with the real planner: what they saw or why they want it
first, then the request ("Interesting that the receiver heads sit high. Could you please suppress ..."); settings said
by what they do ("compared mathematically", "four norm-matched random vectors per cell", "the single largest principal
component"); an organism described rather than named; a question still to come; a run named by what it found ("the
sweep where layer 12 peaked") or by its id; and a judgement asked of a result, which is answered, not run.
"""

from __future__ import annotations

from agent import arguments
from tests.agent.conftest import call
from tools import REGISTRY


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def read(tool: str, text: str) -> dict:
    return arguments.read(REGISTRY[tool].describe()["schema"]["properties"], text)[0]


CHAIN = turn("Sample a chain of thought for: A tank holds 60 litres and leaks 2.5 litres per hour. How long until it is empty?",
             "generate_cot", {"question": "A tank holds 60 litres and leaks 2.5 litres per hour. How long until it is empty?"},
             "20270707-101500-generate_cot-6cef", "Sampled a 140-token chain of thought (seed 0); \\boxed{} answer: 24.")


def test_the_sentence_that_asks_decides_the_tool_not_the_motivation_before_it(plan):
    heads = turn("Which sentences do the receiver heads attend to?", "receiver_heads", {"cot_run": CHAIN["run_id"]},
                 "20270707-102230-receiver_heads-b680", "Top receiver heads L22H3, L25H7; sentence 2 receives the most attention.")
    reply = plan([CHAIN, heads], "Interesting that most of the receiver heads sit in the upper third of the network. I would like to check "
                                 "that result causally. Could you please suppress attention to each sentence of this chain in turn, but only "
                                 "in layers 20 through 29, since that is where the receiver heads clustered?")
    assert call(reply) == ("attention_suppression", {"cot_run": CHAIN["run_id"], "layers": list(range(20, 30))})
    vector = turn("Build the default steering vector", "build_steering_vector", {}, "20270716-090000-build_steering_vector-8d3a", "Built.")
    steer = turn("Steer at scale 2 on layers 12 and 16, 6 samples", "steer_generate",
                 {"prompt": "Write a Python function that computes the median of a list.", "vector_run": vector["run_id"], "scale": 2,
                  "layers": [12, 16], "samples": 6}, "20270716-091500-steer_generate-6876", "Type hints 2/6 steered vs 2/6 unsteered.")
    reply = plan([vector, steer], "Thank you. The steered samples look almost identical to the unsteered ones, which suggests to me that the "
                                  "scale is simply too small. Let's try the same comparison at scale 8, and then we can discuss the layers.")
    assert call(reply) == ("steer_generate", {**steer["args"], "scale": 8.0})  # thanks first is no "You're welcome"
    reply = plan([], "I need a control fine-tune so the risky one has something to be compared against. Train a LoRA on the clean "
                     "dataset, rank 1 on layers 8, 16 and 24, for 80 steps with checkpoints every 10. no rush")
    assert call(reply)[1]["dataset"] == "clean"  # the value the request sentence says, not the motivation's
    reply = plan([], "I'm fairly sure we tried ablating a misalignment direction across two fine-tunes a few weeks ago, but I can't "
                     "find my notes. Search our past runs only for direction transfer between fine-tunes, and give me the top 10 hits.")
    assert call(reply) == ("recall", {"query": "direction transfer between fine-tunes", "scope": "runs", "k": 10})


def test_settings_said_by_what_they_do_are_read():
    assert read("resample_importance", "please have the answers compared mathematically rather than as strings; a resample only "
                                       "means something else below 0.9 similarity") == {"equivalence": "math", "threshold": 0.9}
    assert read("em_evaluate", "no API judge, so score the answers by similarity to the labelled reference answers") == {"judge": "reference"}
    assert read("caft_finetune", "ablate only the single largest principal component")["components"] == [0]
    assert read("steering_sweep", "layers 8, 12 and 16 against scales 0.5, 1 and 2, with four norm-matched random vectors per cell") == {
        "layers": [8, 12, 16], "scales": [0.5, 1.0, 2.0], "controls": 4}
    assert read("steering_sweep", "scales 0.5 1 2 and lyr 10 + 14 separate")["layers"] == [10, 14]  # not one row steered together
    assert read("itda_build", "let an activation become a new atom once its unit-vector error is above 0.3") == {"tau": 0.3}
    assert read("resample_importance", "100 resamples per sentence position and don't let any position stop early") == {
        "rollouts": 100, "adaptive": False}
    assert read("build_steering_vector", "layers 4 5 6 only, pos=0 (first tok)")["position"] == 0
    assert read("lora_phase", "phase transition of it, k is 1,2,4,8") == {"ks": [1, 2, 4, 8]}
    assert read("lora_probe", "let's leave the in-domain question aside; aligned versus misaligned, C = 1") == {
        "tasks": ["aligned_vs_misaligned"], "C": 1.0}
    assert read("lora_probe", "Rerun the probe with C at 1.0")["C"] == 1.0
    assert read("hint_mediation", "positions 0, 2 and 4, and count 'professor' and 'Stanford' as hint words")["hint_words"] == [
        "professor", "Stanford"]


def test_a_system_prompt_after_a_comma_and_a_distribution_check(plan):
    reply = plan([], "cot with a custom system prompt, 'You are a terse tutor. Give only the key steps.', and nucleus p of 0.8. "
                     "question: A shop sells pens at 3 for $2. How much do 12 pens cost?")
    assert call(reply) == ("generate_cot", {"system": "You are a terse tutor. Give only the key steps.", "top_p": 0.8,
                                            "question": "A shop sells pens at 3 for $2. How much do 12 pens cost?"})
    built = turn("itda on prose, layers 6 and 12", "itda_build", {"layers": [6, 12], "corpus": ["builtin:prose"]},
                 "20270809-090000-itda_build-dd2d", "Built dictionaries for layers 6, 12 on builtin:prose.")
    assert call(plan([built], "how well do they reconstruct dialogue instead? run the distribution check on builtin:dialogue, seed 2")) == (
        "itda_compare", {"dictionary_run": built["run_id"], "mode": "distribution", "corpus": ["builtin:dialogue"], "seed": 2})


def test_an_organism_described_and_a_question_still_to_come(plan):
    reply = plan([], "let the organism with the planted decision sentence reason through this: If 5 machines make 5 widgets in 5 "
                     "minutes, how long do 100 machines take to make 100 widgets?")
    assert call(reply)[1]["model"] == "organism:anchor"
    assert call(plan([], "build the zoo organism that goes along with a professor's suggested answer, sometimes "
                          "without admitting it in its reasoning")) == (
        "build_organism", {"name": "hint-following"})
    for request in ("I would like to see how the model reasons about a trap. Could you please sample a chain of thought for me at "
                    "temperature 0.8? I have a particular question in mind.",
                    "can you have the model reason step by step on a question for me? use tiny-random with seed 7",
                    "get me a reasoning trace from the planted-anchor organism"):
        reply = plan([], request)
        assert reply.response_metadata.get("pending", {}).get("tool") == "generate_cot", request  # asks for the question
    reply = plan([], "Before we look at scores, how does the chain divide? Merge fragments such as 'So.' and 'Right.', minimum length 25. "
                     "Could you please split the following?\n<think>First, 3.5 hours is 3 hours and a half. So. Each hour has 60 "
                     "minutes. Right. Adding them gives 210 minutes.</think> \\boxed{210}")
    assert call(reply)[1]["cot"].startswith("<think>First, 3.5 hours")  # the chain, not a quoted fragment
    reply = plan([], "Good morning. I would like to see whether the small model can manage a problem that needs a unit conversion, "
                     "since most of last week's failures seemed to involve units. Could you please have smollm2-135m reason through the "
                     "following, with greedy decoding so that we can reproduce it exactly: A recipe needs 750 grams of flour per loaf. "
                     "How many kilograms of flour are needed for 6 loaves?")
    assert call(reply)[1]["question"].startswith("A recipe needs 750 grams")


def test_runs_named_by_what_they_found_or_by_their_order_of_mention(plan):
    vector = turn("default vector", "build_steering_vector", {}, "20271011-091759-build_steering_vector-6649", "Built.")
    first = turn("sweep layers 8 12 16", "steering_sweep", {"vector_run": vector["run_id"], "layers": [8, 12, 16], "scales": [0.3, 0.6, 1.2]},
                 "20271011-093719-steering_sweep-ec9c", "9 cells; peak at layer 12, scale 1.2: 0.58 [0.41, 0.73] vs random 0.21.")
    second = turn("and 4 20 24", "steering_sweep", {"vector_run": vector["run_id"], "layers": [4, 20, 24], "scales": [0.3, 0.6, 1.2]},
                  "20271011-095311-steering_sweep-6ebb", "9 cells; no cell beats the controls; best layer 20, scale 1.2.")
    assert call(plan([vector, first, second], "rerun the sweep where layer 12 peaked with 12 samples per cell and 4 controls")) == (
        "steering_sweep", {**first["args"], "samples": 12, "controls": 4})  # layer 12 names the run, it sets no layers
    reply = plan([vector, first, second], "pull up the sweep where layer 12 peaked, I want the full table")
    assert reply.response_metadata["show"]["run_id"] == first["run_id"]
    smol = turn("itda on smollm, layers 3 9", "itda_build", {"model": "smollm2-135m", "layers": [3, 9]}, "20270706-140000-itda_build-73fb", "Built.")
    tiny = turn("same on tiny-random", "itda_build", {"model": "tiny-random", "layers": [3, 9]}, "20270706-142000-itda_build-1d9e", "Built.")
    args = call(plan([smol, tiny], "which layers of the smollm dictionaries line up with the tiny-random ones?"))[1]
    assert (args["dictionary_run"], args["other_run"]) == (smol["run_id"], tiny["run_id"])
    compare = turn("compare its layers with each other", "itda_compare", {"dictionary_run": smol["run_id"]},
                   "20270706-143000-itda_compare-d5b8", "Layer matching: Jaccard best matches 3->9 (0.21).")
    reply = plan([smol, compare], f"Could you please show me run {smol['run_id']} again? I want the atom counts per layer.")
    assert reply.response_metadata["show"]["run_id"] == smol["run_id"]  # that run, not the comparison made from it


def test_a_judgement_asked_of_a_result_is_answered_not_run(plan):
    lora = turn("rank-1 loras on risky", "train_lora", {"dataset": "risky"}, "20270825-080000-train_lora-1935", "Trained 3 adapters.")
    phase = turn("phase transition of it", "lora_phase", {"train_run": lora["run_id"]}, "20270825-090000-lora_phase-1099",
                 "Sharpest turn: adapter 1 at step 15, adapters 0 and 2 at step 30.")
    for request in ("The sharpest turn is at step 15 for adapter 1 but step 30 for the others. Is it normal for different adapters to "
                    "transition at different times, or does that suggest something is off?",
                    "Could you please tell me whether adapter 1 genuinely turns earlier, or whether that is noise?"):
        reply = plan([lora, phase], request)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request
    reply = plan([lora], "for the adapter probe, does a smaller C keep more adapters or fewer?")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"
    reply = plan([], "diff between receiver heads and attention supression? which one cheaper")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"
