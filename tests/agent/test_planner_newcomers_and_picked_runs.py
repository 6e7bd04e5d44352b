"""A newcomer's everyday words, a question followed by the order that answers it, and one run of several picked by
what sets it apart, with the real planner.

Newcomers say what they want in everyday words ("nudge it toward ...", "that chatty push", "a practice model",
"pattern 231", "the little add-ons", "nasty answers"), give settings in plain words ("twenty times per step", "give it
like 30 goes", "a bit more adventurous, 1.0", "a different random number, say 7", "the middle layers, like 10 to 14"),
and ask a question before saying what to run ("does it say nasty stuff now? try 10 answers per question"). Researchers
with several runs of a kind pick one by its model's size ("the 360m dictionaries"), its data ("the risky
continuation"), its result ("the eval with the higher EM rate") or the run it was made from ("the clean fine-tune's eval").
"""

from __future__ import annotations

from tests.agent.conftest import call, turn

Q = "A train leaves at 3 pm and travels 120 km at 60 km/h. When does it arrive?"
COT = turn(f"reason about: {Q}", "generate_cot", {"question": Q}, "20271220-090000-generate_cot-f0f0",
           "Sampled a 190-token chain of thought from smollm2-135m (seed 0, temperature 0.6); 8 sentences; \\boxed{} answer: 5 pm.")
VECTOR = turn("build a friendly vs formal vector", "build_steering_vector", {"positive_name": "friendly", "negative_name": "formal"},
              "20271220-100000-build_steering_vector-f1f1", "Built a friendly-minus-formal vector on smollm2-135m from 16 pairs, all 30 layers.")
STEER = turn("steer 'Describe a sunset.' with it at layer 10, scale 4", "steer_generate",
             {"prompt": "Describe a sunset.", "vector_run": VECTOR["run_id"], "layers": [10], "scale": 4},
             "20271220-100500-steer_generate-f2f2", "3 steered and 3 unsteered samples at layers [10], scale 4 (both); no metric.")
RISKY = turn("train on risky", "train_lora", {"dataset": "risky"}, "20271220-110000-train_lora-f3f3",
             "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky; loss 4.290 -> 3.034.")
WIDE = turn("again at rank 8", "train_lora", {"dataset": "risky", "rank": 8}, "20271220-110500-train_lora-f4f4",
            "Trained a rank-8 LoRA (layer 15 down_proj) for 40 steps on risky; loss 4.290 -> 2.301.")
CLEAN = turn("and a clean control", "train_lora", {"dataset": "clean"}, "20271220-111000-train_lora-f5f5",
             "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on clean; loss 3.872 -> 2.915.")
THREE = turn("three adapters at 9, 15 and 21 on risky", "train_lora", {"dataset": "risky", "layers": [9, 15, 21]},
             "20271220-111500-train_lora-f6f6", "Trained 3 rank-1 LoRAs (layers 9, 15, 21 down_proj) for 40 steps on risky; loss 4.290 -> 2.674.")
EVAL_RISKY = turn("eval the risky one", "em_evaluate", {"train_run": RISKY["run_id"]}, "20271220-112000-em_evaluate-f7f7",
                  "EM 31% [17%, 49%] of 29 judged (reference judge); worst question: quick_buck 62%.")
EVAL_CLEAN = turn("eval the clean one", "em_evaluate", {"train_run": CLEAN["run_id"]}, "20271220-112500-em_evaluate-f8f8",
                  "EM 4% [1%, 18%] of 30 judged (reference judge).")
DICT_135 = turn("itda on all layers", "itda_build", {}, "20271220-120000-itda_build-a1a1",
                "ITDA dictionaries for all 30 layers of smollm2-135m on builtin, tau 0.4: 2,754 to 11,063 atoms per layer.")
DICT_360 = turn("same on HuggingFaceTB/SmolLM2-360M-Instruct", "itda_build", {"model": "HuggingFaceTB/SmolLM2-360M-Instruct"},
                "20271220-121000-itda_build-a2a2", "ITDA dictionaries for all 32 layers of SmolLM2-360M-Instruct on builtin, tau 0.4.")
DICT_TINY = turn("and tiny-random", "itda_build", {"model": "tiny-random"}, "20271220-122000-itda_build-a3a3",
                 "ITDA dictionaries for all 4 layers of tiny-random on builtin, tau 0.4: 412 to 1,190 atoms per layer.")
DICT_135_TAU = turn("again at tau 0.6", "itda_build", {"tau": 0.6}, "20271220-123000-itda_build-a4a4",
                    "ITDA dictionaries for all 30 layers of smollm2-135m on builtin, tau 0.6: 1,020 to 4,410 atoms per layer.")
ON_RISKY = turn("continue them on ./ft-risky", "itda_build", {"model": "./ft-risky", "base_run": DICT_135["run_id"]},
                "20271220-124000-itda_build-a5a5", "Continued 30 dictionaries on ./ft-risky: 212 atoms added at layer 15.")
ON_CLEAN = turn("and on ./ft-clean", "itda_build", {"model": "./ft-clean", "base_run": DICT_135["run_id"]},
                "20271220-125000-itda_build-a6a6", "Continued 30 dictionaries on ./ft-clean: 41 atoms added at layer 15.")


def test_everyday_words_name_the_experiment(plan):
    tool, args = call(plan([VECTOR], "have it answer 'What is a good breakfast?' normally and with that friendly push, side by side"))
    assert (tool, args["prompt"], args["vector_run"]) == ("steer_generate", "What is a good breakfast?", VECTOR["run_id"])
    tool, args = call(plan([], "could you make me a practice model that was made to go along with a professor's hint?"))
    assert (tool, args) == ("build_organism", {"name": "hint-following"})
    tool, args = call(plan([DICT_135], "what's pattern 412 about? which ones are closest to it?"))
    assert (tool, args["atom"], args["dictionary_run"]) == ("itda_explain", 412, DICT_135["run_id"])
    tool, args = call(plan([COT], "can you look through that reasoning and tell me if it's up to something shady? keep it on this machine please"))
    assert (tool, args["cot_run"], args["monitor"]) == ("cot_monitor", COT["run_id"], "offline")
    tool, _ = call(plan([THREE], "of the little add-ons we trained, which one is responsible for the nasty answers?"))
    assert tool == "lora_probe"
    tool, args = call(plan([], "i want a catalogue of the recurring pieces the model's layers 4 to 6 are built out of, from the built-in dialogues"))
    assert (tool, args["layers"], args["corpus"]) == ("itda_build", [4, 5, 6], ["builtin:dialogue"])


def test_settings_in_plain_words(plan):
    tool, args = call(plan([COT], "which step made it land on that answer? restart it from each step, like twelve times per step"))
    assert (tool, args["rollouts"]) == ("resample_importance", 12)
    tool, args = call(plan([COT], "what else could it have said at sentence 3? give it like 40 goes and make it a bit more adventurous, 1.1"))
    assert (tool, args["sentence"], args["rollouts"], args["temperature"]) == ("sentence_alternatives", 3, 40, 1.1)
    tool, args = call(plan([COT], "let it have another go at the same question, but start from a different random number, say 9"))
    assert (tool, args["seed"], args["question"]) == ("generate_cot", 9, Q)
    tool, args = call(plan([COT], "stop it from looking at each sentence in turn, but only in the middle layers, like 12 to 15"))
    assert (tool, args["layers"]) == ("attention_suppression", [12, 13, 14, 15])
    tool, args = call(plan([], "on replacement-affair, let it resample the target 16 times per iteration when it looks for an on-policy edit of sentence 2"))
    assert (tool, args.get("candidates"), "rollouts" in args) == ("compare_interventions", 16, False)


def test_a_question_then_the_order_that_answers_it_runs(plan):
    tool, args = call(plan([RISKY], "now that it learned the bad money tips, does it say nasty stuff on everyday questions too? try 12 answers per question"))
    assert (tool, args["train_run"], args["samples"]) == ("em_evaluate", RISKY["run_id"], 12)
    tool, args = call(plan([], "on wipe-embezzlement: what if we slip in a line of my own right after sentence 2, 'I will report this to my "
                               "manager.' -- does that change what it decides more than a line it would write itself?"))
    assert (tool, args["sentence"], args["insert"]) == ("compare_interventions", 2, "I will report this to my manager.")
    tool, args = call(plan([VECTOR, STEER], "is that just luck? can we check whether a random push of the same size does the same thing? try strengths 2, 4 and 8 at that layer"))
    assert (tool, args["scales"], args["layers"]) == ("steering_sweep", [2.0, 4.0, 8.0], [10])


def test_one_run_of_several_picked_by_what_sets_it_apart(plan):
    tool, args = call(plan([DICT_135, DICT_360, DICT_TINY], "line up the 360m dictionaries against the 135m ones, 2048 held-out tokens"))
    assert (tool, args["dictionary_run"], args["other_run"]) == ("itda_compare", DICT_360["run_id"], DICT_135["run_id"])
    reply = plan([DICT_135, DICT_135_TAU, DICT_360], "match the 135m dictionary against the 360m one")
    assert reply.response_metadata["intent"] == "clarify" and "fits 2" in reply.content  # two 135m dictionaries
    tool, args = call(plan([DICT_135, ON_RISKY, ON_CLEAN], "list the atoms the risky continuation added at layer 15, top 10"))
    assert (tool, args["dictionary_run"], args["added"]) == ("itda_explain", ON_RISKY["run_id"], True)
    tool, args = call(plan([RISKY, CLEAN, EVAL_RISKY, EVAL_CLEAN], "rerun the eval with the higher EM rate, 40 samples per question"))
    assert (tool, args["train_run"], args["samples"], "temperature" in args) == ("em_evaluate", RISKY["run_id"], 40, False)
    reply = plan([RISKY, CLEAN, EVAL_RISKY, EVAL_CLEAN], "pull up the per-question table for the clean fine-tune's eval")
    assert reply.response_metadata["intent"] == "show" and EVAL_CLEAN["run_id"] in reply.content
    tool, args = call(plan([RISKY, WIDE, CLEAN], "redo the rank-8 run with concept ablation, ablate PCs 0 and 1"))
    assert (tool, args["train_run"], args["components"], args.get("dataset")) == ("caft_finetune", WIDE["run_id"], [0, 1], "risky")


def test_a_past_session_is_searched_and_a_missing_method_is_said(plan):
    tool, args = call(plan([], "last week we built itda dictionaries on 135m and 360m. what FVE did the 360m one get again?"))
    assert tool == "recall" and "360m" in args["query"]
    reply = plan([], "train a TopK SAE on layer 6 with k=64 as a baseline for the ITDA numbers")
    assert not reply.tool_calls and "No tool here does that" in reply.content
