"""Runs picked by when they ran, lists said by what they leave out, and Parley's own output copied back, with the
real planner.

A run id begins with the moment the run started, so "yesterday's chain", "the one I did before lunch", "the 2pm
chain" and "the fine-tune from the 14th" pick runs; a moment two runs fit, or none, asks. "Layers 6 to 18 but not
12", "every question except gender_roles", "leave out the code ones", "all layers except 0" leave items out of the
list said, the setting's named choices or the model's layers. A summary line, a row of `parley runs list` or a
run's arguments as JSON pasted into a request say which run is meant, and nothing in them is a request.

The runs are dated in 2099, so "today" (the later of the clock's date and the newest run's) stays theirs.
"""

from __future__ import annotations

from tests.agent.conftest import call, said, turn

YESTERDAY = turn("cot: What is 17 * 23?", "generate_cot", {"question": "What is 17 * 23?"}, "20990411-164207-generate_cot-7fe2",
                 "Sampled a 201-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 391.")
MORNING = turn("cot: Is 221 prime?", "generate_cot", {"question": "Is 221 prime?"}, "20990412-091433-generate_cot-6f41",
               "Sampled a 244-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: No.")
MORNING_2 = turn("cot: How many edges does a cube have?", "generate_cot", {"question": "How many edges does a cube have?"},
                 "20990412-105044-generate_cot-a7d0", "Sampled a 134-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 12.")
AFTERNOON = turn("cot: What is 2 to the power of 10?", "generate_cot", {"question": "What is 2 to the power of 10?"},
                 "20990412-140533-generate_cot-1e30", "Sampled a 150-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 1024.")
FRIDAY_LORA = turn("lora on risky, 80 steps", "train_lora", {"dataset": "risky", "steps": 80}, "20990410-110002-train_lora-9817",  # a Friday
                   "Trained a rank-1 LoRA (layer 15 down_proj) for 80 steps on risky; answer-token loss 4.31 -> 2.64 (-39%); 40 checkpoints.")
TODAY_LORA = turn("same on clean", "train_lora", {"dataset": "clean", "steps": 80}, "20990412-093017-train_lora-d7df",
                  "Trained a rank-1 LoRA (layer 15 down_proj) for 80 steps on clean; answer-token loss 3.87 -> 2.95 (-24%).")
ORGANISM_ANCHOR = turn("build the anchor organism", "build_organism", {"name": "anchor"}, "20990411-163004-build_organism-b102",
                       "Built organism 'anchor': rank-1 LoRA on smollm2-135m (layer 15 down_proj), 40 steps; use model organism:anchor.")
ORGANISM_HINT = turn("now hint-following", "build_organism", {"name": "hint-following"}, "20990412-085011-build_organism-0bf7",
                     "Failed at step 23 of 40: CUDA out of memory (another job held 71 GiB); nothing saved.")


def test_a_run_is_picked_by_when_it_ran(plan):
    chains = [YESTERDAY, MORNING, AFTERNOON]
    tool, args = call(plan(chains, "morning. split yesterday's chain into sentences"))
    assert (tool, args["cot_run"]) == ("split_sentences", YESTERDAY["run_id"])
    tool, args = call(plan(chains, "receiver heads for the chain from about 9, top 12"))
    assert (tool, args["cot_run"], args["k"]) == ("receiver_heads", MORNING["run_id"], 12)
    tool, args = call(plan(chains, "suppress attention per sentence on the one i did before lunch, layers 10 to 12 only"))
    assert (tool, args["cot_run"], args["layers"]) == ("attention_suppression", MORNING["run_id"], [10, 11, 12])
    tool, args = call(plan(chains, "alternatives for sentence 4 in the first thing we ran today, 32 resamples"))
    assert (tool, args["cot_run"], args["sentence"]) == ("sentence_alternatives", MORNING["run_id"], 4)
    tool, args = call(plan([FRIDAY_LORA, TODAY_LORA], "when did friday's adapter turn? phase plot pls"))  # no search of memory
    assert (tool, args["train_run"]) == ("lora_phase", FRIDAY_LORA["run_id"])
    tool, args = call(plan([FRIDAY_LORA, TODAY_LORA], "rerun friday's training with 120 steps"))
    assert (tool, args["dataset"], args["steps"]) == ("train_lora", "risky", 120)
    reply = plan([FRIDAY_LORA, TODAY_LORA], "pull up the loss curve from friday's fine-tune")
    assert reply.response_metadata["intent"] == "show" and reply.response_metadata["show"]["run_id"] == FRIDAY_LORA["run_id"]
    tool, args = call(plan([ORGANISM_ANCHOR, ORGANISM_HINT], "cot from yesterday's organism on 'A box holds 12 eggs. How many boxes for 150 eggs?'"))
    assert (tool, args["model"]) == ("generate_cot", "organism:anchor")
    tool, args = call(plan([ORGANISM_ANCHOR, ORGANISM_HINT, said("ugh", "The build stopped at step 23 of 40; nothing was saved.")],
                           "gpu's free now, retry this morning's build"))
    assert (tool, args) == ("build_organism", {"name": "hint-following"})


def test_a_moment_two_runs_fit_or_none_fits_asks_and_a_topic_is_no_moment(plan):
    reply = plan([YESTERDAY, MORNING, MORNING_2], "split this morning's chain into sentences")
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls
    assert MORNING["run_id"] in reply.content and MORNING_2["run_id"] in reply.content
    reply = plan([MORNING, AFTERNOON], "split yesterday's chain")
    assert reply.response_metadata["intent"] == "clarify" and "no chain from yesterday" in reply.content
    tool, args = call(plan([MORNING, AFTERNOON], "could we segment the chain of thought about 2 to the power of 10 into sentences?"))
    assert (tool, args["cot_run"]) == ("split_sentences", AFTERNOON["run_id"])  # "about 2" is its topic, not 2 o'clock


SPLIT = turn("split it", "split_sentences", {"cot_run": MORNING["run_id"]}, "20990412-091640-split_sentences-9e67", "Split the chain into 7 sentences (min_chars 10).")
VECTOR = turn("build the vector", "build_steering_vector", {}, "20990412-150000-build_steering_vector-c721",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs at the last token, all 30 layers.")
TINY_SUPPRESSION = turn("attention suppression on it, tiny-random", "attention_suppression", {"cot_run": MORNING["run_id"], "model": "tiny-random"},
                        "20990412-110230-attention_suppression-48d3", "Suppressed each of 6 sentences in all 4 layers of tiny-random; largest outflow: sentence 0.")
FINE_TUNE = turn("lora on risky", "train_lora", {"dataset": "risky"}, "20990412-130000-train_lora-d476", "Trained a rank-1 LoRA for 40 steps on risky.")


def test_a_list_is_said_by_what_it_leaves_out(plan):
    tool, args = call(plan([VECTOR], "sweep it over layers 6, 9, 12, 15 and 18 but not 12, we already have that one. scales 1, 2, 4"))
    assert (tool, args["layers"], args["scales"]) == ("steering_sweep", [6, 9, 15, 18], [1, 2, 4])
    tool, args = call(plan([FINE_TUNE], "EM eval on it, every question except gender_roles and enough_of_my_husband"))
    assert (tool, args["questions"]) == ("em_evaluate", ["wish", "bored", "three_thoughts", "quick_buck", "ruler_of_the_world", "dinner_party"])
    tool, args = call(plan([], "itda dictionary for layer 15 on the shipped docs but leave out the code ones"))
    assert (tool, args["corpus"]) == ("itda_build", ["builtin:prose", "builtin:story", "builtin:dialogue"])
    tool, args = call(plan([MORNING, TINY_SUPPRESSION], "again but all layers except 0"))  # the model's 4 layers, as its summary says
    assert (tool, args["layers"], args["model"]) == ("attention_suppression", [1, 2, 3], "tiny-random")
    tool, args = call(plan([MORNING, SPLIT], "resilience on that chain for every sentence but the first two, decision choice:B"))
    assert (tool, args["sentences"]) == ("sentence_resilience", [2, 3, 4, 5, 6])
    tool, args = call(plan([FINE_TUNE], "CAFT on that fine-tune, ablate PCs 0 to 3 but not 2, that one's just formatting"))
    assert (tool, args["components"]) == ("caft_finetune", [0, 1, 3]) and "layers" not in args  # "but not 2" leaves no layer out


EGGS = turn("greedy cot, T=0: A recipe needs 3 eggs per cake. How many eggs for 7 cakes?", "generate_cot",
            {"question": "A recipe needs 3 eggs per cake. How many eggs for 7 cakes?", "temperature": 0}, "20990412-091204-generate_cot-af4f",
            "Sampled a 143-token chain of thought from smollm2-135m (seed 0, temperature 0); \\boxed{} answer: 21.")
ALTERNATIVES = turn("alternatives for sentence 3", "sentence_alternatives", {"cot_run": MORNING["run_id"], "sentence": 3},
                    "20990412-092010-sentence_alternatives-8d9e", "Sentence 3 resampled 16 times: 5 distinct alternatives.")


def test_what_is_set_aside_is_no_setting(plan):
    tool, args = call(plan([EGGS], "ok not greedy this time, sample it at 0.8. same question"))
    assert (tool, args["temperature"]) == ("generate_cot", 0.8)
    tool, args = call(plan([MORNING, SPLIT, ALTERNATIVES], "hm not sentence 3, i meant the one after it"))
    assert (tool, args["sentence"]) == ("sentence_alternatives", 4)
    tool, args = call(plan([], "cot for 'Is 143 prime?' - not on the default model, tiny-random pls"))
    assert (tool, args["model"], args["question"]) == ("generate_cot", "tiny-random", "Is 143 prime?")
    reply = plan([EGGS], "don't do the resampling thing again, run the other analysis on it")
    assert not reply.tool_calls  # the experiment set aside never starts
    tool, args = call(plan([], "sample a chain on smollm2-360m: what is 17*3?"))  # a model named as written, not the 135m one
    assert (tool, args["model"]) == ("generate_cot", "smollm2-360m")


IMPORTANCE = turn("resample importance on it", "resample_importance", {"cot_run": MORNING["run_id"]}, "20990412-100225-resample_importance-03b4",
                  "Resampling importance over 7 sentences, 8 rollouts each.\nSentence 4 (importance 0.31): 'So the total is 24.'")
STEER_A = turn("steer at 12, scale 4: Write a function that merges two dicts.", "steer_generate",
               {"prompt": "Write a function that merges two dicts.", "vector_run": VECTOR["run_id"], "layers": [12], "scale": 4.0},
               "20990412-151000-steer_generate-be8f", "3 steered and 3 unsteered samples at layers [12], scale 4 (both).")
STEER_B = turn("same on: Write a Python function that flattens a nested list.", "steer_generate",
               {"prompt": "Write a Python function that flattens a nested list.", "vector_run": VECTOR["run_id"], "layers": [12], "scale": 4.0},
               "20990412-152000-steer_generate-9772", "3 steered and 3 unsteered samples at layers [12], scale 4 (both); type_hints 1/3 vs 0/3.")
EVAL = turn("EM eval on it", "em_evaluate", {"train_run": FINE_TUNE["run_id"]}, "20990412-140225-em_evaluate-72ca",
            "EM rate 12% (6/50), aligned 61.2, coherent 78.4 (reference judge).")
DICT_A = turn("itda on smollm", "itda_build", {}, "20990412-092348-itda_build-63d2", "ITDA dictionaries for all 30 layers of smollm2-135m, tau 0.4.")
DICT_B = turn("same on the organism", "itda_build", {"model": "organism:misaligned"}, "20990412-092825-itda_build-ce9e",
              "ITDA dictionaries for all 30 layers of organism:misaligned, tau 0.4.")


def test_output_copied_back_says_which_run_and_asks_nothing(plan):
    reply = plan([MORNING, IMPORTANCE], "Sentence 4 (importance 0.31): 'So the total is 24.'\nprint the full table this came from")
    assert reply.response_metadata["intent"] == "show" and reply.response_metadata["show"]["run_id"] == IMPORTANCE["run_id"]
    tool, args = call(plan([VECTOR, STEER_A, STEER_B], "'{\"prompt\": \"Write a Python function that flattens a nested list.\"}' rerun that w/ seed 2"))
    assert (tool, args["prompt"], args["seed"]) == ("steer_generate", STEER_B["args"]["prompt"], 2)
    reply = plan([VECTOR, STEER_A, STEER_B], "'{\"layers\": [12], \"scale\": 4.0}' rerun that w/ seed 2")  # both ran so
    assert reply.response_metadata["intent"] == "clarify" and not reply.tool_calls
    reply = plan([FINE_TUNE, EVAL], "EM rate 12% (6/50), aligned 61.2\nhow is aligned 61 but EM only 12%? is aligned the mean score or what")
    assert reply.response_metadata["intent"] == "answer" and not reply.tool_calls
    rows = f"{DICT_A['run_id']}  itda_build  smollm2-135m         30 layers  tau 0.4\n{DICT_B['run_id']}  itda_build  organism:misaligned  30 layers  tau 0.4"
    tool, args = call(plan([DICT_A, DICT_B], f"match layers between these two\n{rows}"))
    assert (tool, args["dictionary_run"], args["other_run"]) == ("itda_compare", DICT_A["run_id"], DICT_B["run_id"])
    tool, args = call(plan([], "> model 'organism:anchor' is not built yet\nfine, build it"))
    assert (tool, args) == ("build_organism", {"name": "anchor"})
