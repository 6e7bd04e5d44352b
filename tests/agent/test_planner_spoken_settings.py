"""Settings said the way researchers type them, in real conversations with the real planner: numbers in words and
shorthand ("a quarter of 2048 toks", "2 dozen resamples", "2^5 rollouts", "a thousand tokens", "lyrs eight through
twelve", "every 4th layer from 4 up to 20", "tau in {0.3, 0.4, 0.5}"), one setting as a multiple of another ("alpha
twice the rank"), changes relative to the run before ("C a tenth of what it was", "C ten times bigger", "seed+1",
"shift every layer three deeper", "temp back to the default", "sampling back to defaults"), layers counted in the
model ("the last three layers", "the middle six"), and the runs such requests name ("the first of those", "the
layer-12 results", "the eval of the seed-2 fine-tune", "same rollouts as the ladder").
"""

from __future__ import annotations

from agent import arguments
from tests.agent.conftest import call
from tools import REGISTRY


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def read(tool: str, text: str) -> dict:
    return arguments.read(REGISTRY[tool].describe()["schema"]["properties"], text)[0]


def test_numbers_said_in_words_and_shorthand_are_read():
    assert read("generate_cot", "cap it at a thousand tokens")["max_new_tokens"] == 1000
    assert read("sentence_alternatives", "alts: 2 dozen resamples, 0.9 temp") == {"rollouts": 24, "temperature": 0.9}
    assert read("resample_importance", "1k tokens, 2^5 rollouts, non adaptive") == {"max_new_tokens": 1000, "rollouts": 32, "adaptive": False}
    assert read("build_steering_vector", "steering vec, lyrs eight through twelve")["layers"] == [8, 9, 10, 11, 12]
    assert read("sentence_resilience", "cap iterations at fifteen, similarity .65") == {"max_iterations": 15, "similarity": 0.65}
    assert read("steering_sweep", "scales a quarter, a half, one; 4 controls") == {"scales": [0.25, 0.5, 1.0], "controls": 4}
    assert read("itda_build", "itda for every 4th layer from 4 up to 20, tau in {0.3, 0.4, 0.5}, keep 20% of docs out") == {
        "layers": [4, 8, 12, 16, 20], "tau": [0.3, 0.4, 0.5], "held_out": 0.2}
    assert read("lora_phase", "checkpoint offsets k ∈ {1,2,4,8}") == {"ks": [1, 2, 4, 8]}
    assert read("hint_mediation", "positions 0 thru 6, 2^4 transplant rollouts, a couple continuations each") == {
        "positions": [0, 1, 2, 3, 4, 5, 6], "rollouts": 16, "continuations": 2}
    assert read("lora_probe", "which adapters tell misaligned answers apart from aligned ones") == {"tasks": ["aligned_vs_misaligned"]}
    assert read("split_sentences", "chunk it and don't glue the short bits together") == {"min_chars": 0}
    assert read("caft_finetune", "ablate only the third component")["components"] == [2]


def test_a_setting_said_as_a_multiple_of_another_takes_that_value(plan):
    assert call(plan([], "lora rnk 4, alpha twice the rank, q_proj+v_proj, 200 steps at 1e-4, on the clean set")) == (
        "train_lora", {"rank": 4, "alpha": 8, "modules": ["q_proj", "v_proj"], "steps": 200, "lr": 0.0001, "dataset": "clean"})
    assert call(plan([], "cot frm tiny-random, no sampling, a quarter of 2048 toks. Q: Is 2^10 more than 1000?"))[1]["max_new_tokens"] == 512


def test_a_change_said_relative_to_the_run_before_takes_it_from_that_run(plan):
    cot = turn("cot, T=1.2, 1024 toks, seed 5: How many positive divisors does 360 have?", "generate_cot",
               {"question": "How many positive divisors does 360 have?", "temperature": 1.2, "max_new_tokens": 1024, "seed": 5},
               "20270702-091410-generate_cot-6c1e", "Sampled a 1024-token chain of thought (seed 5, temperature 1.2); no answer.")
    assert call(plan([cot], "too noisy. seed+1, temp back to the default, half the toks")) == (
        "generate_cot", {"question": cot["args"]["question"], "temperature": 0.6, "max_new_tokens": 512, "seed": 6})
    greedy = turn("cot, greedy, top-p .8, 192 toks: What is 7/8 as a percentage?", "generate_cot",
                  {"question": "What is 7/8 as a percentage?", "temperature": 0, "top_p": 0.8, "max_new_tokens": 192},
                  "20270702-093000-generate_cot-77aa", "Sampled a 160-token chain of thought (seed 0, temperature 0); \\boxed{} answer: 87.5%.")
    assert call(plan([greedy], "sampling back to defaults, but double the token budget, seed 9")) == (
        "generate_cot", {"question": "What is 7/8 as a percentage?", "temperature": 0.6, "top_p": 0.95, "max_new_tokens": 384, "seed": 9})
    lora = turn("3 rank-1 loras on risky", "train_lora", {"dataset": "risky"}, "20270716-090000-train_lora-c1d5", "Trained.")
    probe = turn("probe it, C 0.1", "lora_probe", {"train_run": lora["run_id"], "C": 0.1}, "20270716-093000-lora_probe-aa01",
                 "Nothing separates: every adapter's coefficient is 0.")
    assert call(plan([lora, probe], "too sparse, nothing survived. C ten times bigger")) == ("lora_probe", {"train_run": lora["run_id"], "C": 1.0})
    assert call(plan([lora, probe], "again, C a tenth of what it was, seed 7")) == ("lora_probe", {"train_run": lora["run_id"], "C": 0.01, "seed": 7})
    vector = turn("build vector", "build_steering_vector", {}, "20270904-083000-build_steering_vector-f255", "Built.")
    sweep = turn("sweep layers 10 14 18, 8 samples", "steering_sweep", {"vector_run": vector["run_id"], "layers": [10, 14, 18], "samples": 8},
                 "20270904-090000-steering_sweep-0a0a", "Nothing beats the controls.")
    assert call(plan([vector, sweep], "effect seems to live deeper. shift every layer three deeper, half as many samples")) == (
        "steering_sweep", {"vector_run": vector["run_id"], "layers": [13, 17, 21], "samples": 4})


def test_layers_counted_in_the_model_or_the_run(plan):
    lora = turn("lora on risky", "train_lora", {"dataset": "risky"}, "20270624-090000-train_lora-e2e8", "Trained.")
    direction = turn("misalignment direction of it", "misalignment_direction", {"train_run": lora["run_id"]},
                     "20270624-093000-misalignment_direction-690d", "Direction at layer 15.")
    assert call(plan([lora, direction], "now ablate that direction in the fine-tune, at the middle six layers, 8 controls")) == (
        "ablate_direction", {"direction_run": direction["run_id"], "train_run": lora["run_id"], "layers": [12, 13, 14, 15, 16, 17], "controls": 8})
    vector = turn("eval-awareness vector, layers 8 to 12", "build_steering_vector", {"layers": [8, 9, 10, 11, 12]},
                  "20270601-090000-build_steering_vector-ab12", "Built.")
    assert call(plan([vector], "redo it w/ only the last three layers, read one token before the colon")) == (
        "build_steering_vector", {"layers": [27, 28, 29], "position": -2})
    built = turn("itda layers 5 15 25", "itda_build", {"layers": [5, 15, 25]}, "20270615-090000-itda_build-f1eb", "Built 3 dictionaries.")
    more = turn("continue them on organism:misaligned", "itda_build", {"base_run": built["run_id"], "model": "organism:misaligned"},
                "20270615-093000-itda_build-c2ca", "Continued 3 dictionaries.")
    assert call(plan([built, more], "list the atoms the fine-tune added at the deepest layer, 20 rows")) == (
        "itda_explain", {"dictionary_run": more["run_id"], "added": True, "layer": 25, "top": 20})


def test_runs_named_by_order_and_description(plan):
    chains = [turn(f"cot seed {s}: Is 143 prime?", "generate_cot", {"question": "Is 143 prime?", "seed": s}, f"20270706-09{s}000-generate_cot-a10{s}",
                   f"Sampled a chain (seed {s}).") for s in range(3)]
    assert call(plan(chains, "receiver heads on the first of those, top 10 heads, use the other two for split-half")) == (
        "receiver_heads", {"cot_run": chains[0]["run_id"], "k": 10, "more_cot_runs": [chains[1]["run_id"], chains[2]["run_id"]]})
    first = turn("lora layer 15", "train_lora", {"layers": [15]}, "20271010-090000-train_lora-8178", "Trained (seed 0).")
    second = turn("seed 2", "train_lora", {"layers": [15], "seed": 2}, "20271010-093000-train_lora-2029", "Trained (seed 2).")
    evals = [turn("em eval the first", "em_evaluate", {"train_run": first["run_id"]}, "20271010-100000-em_evaluate-ba75", "EM rate 3%."),
             turn("and the second", "em_evaluate", {"train_run": second["run_id"]}, "20271010-103000-em_evaluate-e69b", "EM rate 15.6%.")]
    reply = plan([first, second, *evals], "what did the eval of the seed-2 fine-tune say again? just show it")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == evals[1]["run_id"]
    assert "15.6%" in reply.content
    layer12 = turn("misalignment direction, layer 12", "misalignment_direction", {"layer": 12}, "20271009-090000-misalignment_direction-6550",
                   "Direction at layer 12 (norm 4.2).")
    layer20 = turn("and layer 20", "misalignment_direction", {"layer": 20}, "20271009-093000-misalignment_direction-1641", "Direction at layer 20.")
    assert plan([layer12, layer20], "open the layer-12 results again?").response_metadata["show"]["run_id"] == layer12["run_id"]
    ladder = turn("cot: A 10 m ladder leans against a wall ...", "generate_cot", {"question": "A 10 m ladder leans against a wall, its foot 6 m out. How high?"},
                  "20270609-090211-generate_cot-c11b", "Sampled (seed 0).")
    marbles = turn("and one for the marbles problem", "generate_cot", {"question": "Tom has three times as many marbles as Ann. Together 48. Ann?"},
                   "20270609-090540-generate_cot-a544", "Sampled (seed 0).")
    importance = turn("which sentences of the ladder chain matter? answer 8, 16 rollouts", "resample_importance",
                      {"cot_run": ladder["run_id"], "answer": "8", "rollouts": 16}, "20270609-091430-resample_importance-6006", "S3 +0.4.")
    alts = turn("alternatives at sentence 5, 32 resamples", "sentence_alternatives", {"cot_run": ladder["run_id"], "sentence": 5, "rollouts": 32},
                "20270609-092110-sentence_alternatives-c288", "5 alternatives.")
    assert call(plan([ladder, marbles, importance, alts], "now importance on the marbles chain, answer fixed at 12, same rollouts as the ladder")) == (
        "resample_importance", {"cot_run": marbles["run_id"], "answer": "12", "rollouts": 16})


def test_a_follow_up_after_a_reaction_reruns_with_the_change(plan):
    first = turn("misalignment direction at layer 9, 5 random controls", "misalignment_direction", {"layer": 9, "controls": 5},
                 "20270905-090605-misalignment_direction-d37c", "Nothing beats the controls at layer 9.")
    again = turn("try 15", "misalignment_direction", {"layer": 15, "controls": 5}, "20270905-092754-misalignment_direction-108e",
                 "Steering at layer 15 beats 4 of 5 controls.")
    assert call(plan([first, again], "better. and at 18?")) == ("misalignment_direction", {"layer": 18, "controls": 5})
    cot = turn("have it think through: A shop sells pens at 3 for $2. How much do 12 pens cost?", "generate_cot",
               {"question": "A shop sells pens at 3 for $2. How much do 12 pens cost?"}, "20270803-090614-generate_cot-d3e1", "Sampled (seed 0).")
    assert call(plan([cot], "ok good. same, seed 2 - curious if the slip comes back")) == (
        "generate_cot", {"question": cot["args"]["question"], "seed": 2})
    importance = turn("importance with answer 720, temp 0.7", "resample_importance", {"cot_run": cot["run_id"], "answer": "720", "temperature": 0.7},
                      "20270825-091549-resample_importance-aa5d", "Nothing significant at 8 rollouts.")
    assert call(plan([cot, importance], "ugh. again with 32 then")) == (
        "resample_importance", {"cot_run": cot["run_id"], "answer": "720", "temperature": 0.7, "rollouts": 32})


def test_a_question_about_settings_is_answered_without_running(plan):
    cot = turn("cot: A train travels 180 km in 2.5 hours. What is its average speed?", "generate_cot",
               {"question": "A train travels 180 km in 2.5 hours. What is its average speed?"}, "20270531-122011-generate_cot-af46", "Sampled.")
    importance = turn("anchors, 16 rollouts, no early stopping", "resample_importance", {"cot_run": cot["run_id"], "rollouts": 16, "adaptive": False},
                      "20270531-122733-resample_importance-8e71", "Resampling importance over 9 sentences; S4 +0.31.")
    reply = plan([cot, importance], "if i went to the paper's 100 per position how many rollouts is that for these nine sentences")
    assert not reply.tool_calls and "1000" in reply.content
    assert not plan([], "diff between counterfactual and forced-answer importance, one line?").tool_calls
    assert not plan([], "resample_importance q: with rollouts=100 and round size 10, does adaptive mode ever stop a position before 100?").tool_calls


def test_settings_said_by_what_they_do_are_read():
    assert read("steer_generate", "push the opposite way, only while it writes its answer (leave the prompt alone)")["where"] == "generated"
    assert read("steering_sweep", "steer only the user's message tokens, not what it generates")["where"] == "prompt"
    assert "where" not in read("steer_generate", "same prompt and layers but scale 4")  # the prompt there is the text
    assert read("cot_monitor", "use the transparent keyword+embedding monitor instead of an LLM judge")["monitor"] == "offline"
    assert read("sentence_resilience", "as many resampling chains per sentence as the paper used") == {"chains": 30}
    assert read("receiver_heads", "keep only the best ten") == {"k": 10}
    assert read("resample_importance", "make every position spend its full budget (no early exit)") == {"adaptive": False}
    assert read("itda_build", "hold back a fifth of the documents") == {"held_out": 0.2}


def test_a_list_said_relative_to_the_run_before_is_scaled_item_by_item(plan):
    vector = turn("build the eval-awareness vector", "build_steering_vector", {}, "20270609-091500-build_steering_vector-26d7", "Built.")
    sweep = turn("sweep it at layers 10 and 14, 8 samples", "steering_sweep", {"vector_run": vector["run_id"], "layers": [10, 14], "samples": 8},
                 "20270609-094200-steering_sweep-4845", "Scales 0.3, 0.6, 1.2 with 2 controls: nothing beats them.")
    assert call(plan([vector, sweep], "rerun that dose-response with every multiplier doubled, twice as many random baselines per cell, and steer "
                                      "only the user's message tokens, not what it generates")) == (
        "steering_sweep", {"vector_run": vector["run_id"], "layers": [10, 14], "samples": 8, "scales": [0.6, 1.2, 2.4], "controls": 4, "where": "prompt"})
