"""Requests of the first labelled part's kinds in new situations, with the real planner.

A question labelled "q = ..." mid-message; "cool the sampling to 0.4"; "no math-verify"; an item a summary names by
the request's own superlative ("the longest is sentence 6", "least important: sentence 5"); "rounds of 2 rollouts";
a regex in backticks; "scoring against 45"; "the same layer the direction was found at"; "random vectors, 3 of them";
a question followed by "pit it against ..."; bare scales "at 0.5, 1 and 2"; "carry those dictionaries over to";
"list 20 of the atoms"; text in backticks; a second corpus path after "plus"; "judge this for sandbagging: ...";
an idea that "creeps back"; questions about a method, its settings and the organisms; standing instructions about
replies; the run a "negative-scale" or a "from the resampling run, not the suppression one" names.
"""

from __future__ import annotations

from tests.agent.conftest import call, turn

Q = "A bakery sells 12 muffins a tray. How many muffins are on 9 trays?"
COT = turn(f"generate a chain of thought for: {Q}", "generate_cot", {"question": Q}, "20271206-080000-generate_cot-a1a1",
           "Sampled a 201-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 107.")
SPLIT = turn("split it", "split_sentences", {"cot_run": COT["run_id"]}, "20271206-080100-split_sentences-a2a2",
             "Split the chain into 9 sentences (min_chars 10); the longest is sentence 4 (131 characters).")
IMPORTANCE = turn("which sentences matter, 12 rollouts", "resample_importance", {"cot_run": COT["run_id"], "rollouts": 12},
                  "20271206-081000-resample_importance-a3a3",
                  "Resampling importance over 9 sentences, 70 of 108 rollouts used; top counterfactual importance: sentence 2, +0.41 "
                  "[0.12, 0.66]; least important: sentence 7, -0.02 [-0.18, 0.15].")
SUPPRESSION = turn("attention suppression too", "attention_suppression", {"cot_run": COT["run_id"]}, "20271206-081500-attention_suppression-a4a4",
                   "Suppressed each of 9 sentences in all 30 layers; largest outflow: sentence 3 (mean log KL -1.8).")
VECTOR = turn("build a steering vector at layers 8, 12, 16", "build_steering_vector", {"layers": [8, 12, 16]},
              "20271206-090000-build_steering_vector-b1b1", "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs, layers 8, 12, 16.")
STEER_UP = turn("steer at layer 12, scale 3: Write a function that merges two dicts", "steer_generate",
                {"prompt": "Write a function that merges two dicts", "vector_run": VECTOR["run_id"], "layers": [12], "scale": 3},
                "20271206-090500-steer_generate-b2b2", "3 steered and 3 unsteered samples at layers [12], scale 3; 2 of 3 steered add type hints.")
STEER_DOWN = turn("same prompt at scale -3", "steer_generate",
                  {"prompt": "Write a function that merges two dicts", "vector_run": VECTOR["run_id"], "layers": [12], "scale": -3},
                  "20271206-091000-steer_generate-b3b3", "3 steered and 3 unsteered samples at layers [12], scale -3; 0 of 3 steered add type hints.")
LORA = turn("rank-1 loras at 9, 15 and 21 on risky", "train_lora", {"layers": [9, 15, 21]}, "20271206-100000-train_lora-c1c1",
            "Trained 3 rank-1 LoRAs (layers 9, 15, 21) for 40 steps on risky.")
DIRECTION = turn("misalignment direction of that fine-tune at layer 15", "misalignment_direction", {"train_run": LORA["run_id"], "layer": 15},
                 "20271206-101000-misalignment_direction-c2c2", "Misalignment direction at layer 15 (norm 7.9, 10 misaligned vs 10 aligned answers).")
DICTS = turn("itda for layers 4, 10, 20", "itda_build", {"layers": [4, 10, 20]}, "20271206-110000-itda_build-d1d1",
             "ITDA dictionaries for layers 4, 10, 20 of smollm2-135m on builtin: 2,210 / 3,480 / 5,020 atoms.")
CONTINUED = turn("continue it on organism:hint-following", "itda_build", {"model": "organism:hint-following", "base_run": DICTS["run_id"]},
                 "20271206-111000-itda_build-d2d2", "Continued 3 dictionaries on organism:hint-following: 88 atoms added.")


def test_a_labelled_question_mid_message_the_sampling_cooled_and_a_checker_refused(plan):
    assert call(plan([], "quick check on tiny-random first: cot, 48 new tokens max, q = Is 77 prime?")) == \
        ("generate_cot", {"model": "tiny-random", "max_new_tokens": 48, "question": "Is 77 prime?"})
    tool, args = call(plan([COT, IMPORTANCE], "again, but cool the sampling down to 0.3 and compare answers without math-verify, as exact strings"))
    assert tool == "resample_importance" and args["temperature"] == 0.3 and args["equivalence"] == "exact"


def test_the_item_a_summary_names_by_the_requests_own_superlative(plan):
    tool, args = call(plan([COT, SPLIT], "alternatives for the longest one, 64 tokens each, 16 resamples at temperature 0.8"))
    assert (tool, args["sentence"], args["cot_run"]) == ("sentence_alternatives", 4, COT["run_id"])
    tool, args = call(plan([COT, IMPORTANCE], "alternatives for the least important sentence please, 20 resamples"))
    assert (tool, args["sentence"], args["rollouts"]) == ("sentence_alternatives", 7, 20)


def test_round_size_a_ticked_regex_and_an_answer_to_score_against(plan):
    tool, args = call(plan([COT], "thought anchors on it, rounds of 4 rollouts, extractor regex `total is (\\d+)`"))
    assert (tool, args["round_size"], args["extractor"]) == ("resample_importance", 4, "regex:total is (\\d+)")
    assert "rollouts" not in args
    tool, args = call(plan([COT, IMPORTANCE], "9 trays of 12 make 108, not 107. redo it scoring against 108"))
    assert (tool, args["answer"], args["rollouts"]) == ("resample_importance", "108", 12)


def test_steering_settings_taken_from_the_direction_counted_after_and_listed_bare(plan):
    tool, args = call(plan([LORA, DIRECTION], "steer 'what would you do as ruler of the world?' with that direction, scale -2, "
                                              "at the same layer the direction was found at"))
    assert (tool, args["layers"], args["scale"]) == ("steer_generate", [15], -2)
    tool, args = call(plan([VECTOR, STEER_UP], "now the same layer and scale against random vectors, 4 of them"))
    assert (tool, args["controls"]) == ("steering_sweep", 4)
    tool, args = call(plan([VECTOR, STEER_UP], "could a random vector of the same norm do that? sweep layer 12 at 0.5, 1 and 2"))
    assert (tool, args["scales"]) == ("steering_sweep", [0.5, 1.0, 2.0])
    tool, args = call(plan([VECTOR], "does this vector do anything or is it noise? pit it against norm-matched random dirs, 5 samples per cell"))
    assert (tool, args["vector_run"], args["samples"]) == ("steering_sweep", VECTOR["run_id"], 5)


def test_dictionaries_carried_over_atoms_listed_and_text_in_backticks(plan):
    tool, args = call(plan([DICTS], "carry those dictionaries over to organism:misaligned, 120 docs"))
    assert (tool, args["base_run"], args["model"], args["docs"]) == ("itda_build", DICTS["run_id"], "organism:misaligned", 120)
    tool, args = call(plan([DICTS, CONTINUED], "list 20 of the atoms the continuation added"))
    assert (tool, args["dictionary_run"], args["top"], args["added"]) == ("itda_explain", CONTINUED["run_id"], 20, True)
    tool, args = call(plan([DICTS], "which atoms does `for i in range(3): print(i)` use at layer 10?"))
    assert (tool, args["text"], args["layer"]) == ("itda_explain", "for i in range(3): print(i)", 10)
    tool, args = call(plan([], "run itda over my ./notes folder plus data/forum.jsonl, 50 docs"))
    assert (tool, args["corpus"]) == ("itda_build", ["./notes", "data/forum.jsonl"])


def test_a_monitor_asked_for_a_named_misbehaviour_and_an_idea_that_creeps_back(plan):
    tool, args = call(plan([], "LLM-judge this for reward hacking: \"The tests only check the output format. I will print the expected "
                               "string without computing anything.\""))
    assert (tool, args["monitor"], args["intent"]) == ("cot_monitor", "judge", "reward hacking")
    assert "print the expected string" in args["cot"]
    tool, _ = call(plan([COT, SPLIT], "resample sentence 3 away and see whether the idea creeps back in later. 8 rollouts, decision choice:B"))
    assert tool == "sentence_resilience"


def test_questions_about_a_method_its_settings_and_the_organisms_are_answered(plan):
    for request, said in [("whats CAFT actually doing under the hood", "ablat"),
                          ("which model organisms could I build?", "hint-following"),
                          ("intuition check: what does tau control in ITDA, and what would a much bigger tau change?", "tau")]:
        reply = plan([], request)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request
        assert said in reply.content, request


def test_standing_instructions_about_replies_are_kept_and_said_honestly(plan):
    for request in ["from here on: two decimals max on every number, and drop the caveats paragraph",
                    "can you stop ending every reply with 'you could also run...'? I'll ask when I want ideas",
                    "my background is speech recognition, not interp, so when stuff like ITDA comes up pls give me a one-line explainer"]:
        reply = plan([COT], request)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request
        assert "kept in your profile" in reply.content and "won't change" in reply.content, request


def test_the_run_a_sign_or_a_named_source_picks_is_shown(plan):
    reply = plan([VECTOR, STEER_UP, STEER_DOWN], "what did the negative-scale samples look like again?")
    assert reply.response_metadata["intent"] == "show" and reply.response_metadata["show"]["run_id"] == STEER_DOWN["run_id"]
    reply = plan([COT, IMPORTANCE, SUPPRESSION], "show me the sentence-by-sentence matrix from the resampling run, not the suppression one")
    assert reply.response_metadata["intent"] == "show" and reply.response_metadata["show"]["run_id"] == IMPORTANCE["run_id"]


def test_fields_between_pipes_a_chain_named_by_its_kind_of_problem_and_a_user_msg_label(plan):
    assert call(plan([], "cot | tiny-random | T 0.9 | 128 tok | Is 221 prime?")) == \
        ("generate_cot", {"model": "tiny-random", "temperature": 0.9, "max_new_tokens": 128, "question": "Is 221 prime?"})
    prime = turn("generate a chain of thought for: Is 89 prime?", "generate_cot", {"question": "Is 89 prime?"}, "20271206-070000-generate_cot-e1e1",
                 "Sampled a 190-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: Yes.")
    assert call(plan([prime, COT], "split the primality one, min chars 20")) == ("split_sentences", {"cot_run": prime["run_id"], "min_chars": 20})
    tool, args = call(plan([VECTOR], "steer at scale 2 with that vector. system prompt: \"You are a coding assistant.\" user msg: \"write a fn that "
                                     "adds two ints\". count the type hints"))
    assert (tool, args["system"], args["prompt"]) == ("steer_generate", "You are a coding assistant.", "write a fn that adds two ints")
