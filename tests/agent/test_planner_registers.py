"""The first labelled part's run requests said in three more registers, with the real planner.

A talkative researcher who gives the right answer in a clause ("the correct answer, which is 56"), ends a sentence on a
number before the ask, and tells background with "something" in it; a researcher whose English is fluent but not native
("kindly check", "same like the noise", "sentences three until six", "C as 0.25", "steer with it six times"); and
lab-notebook notation ("α ∈ {0.5, 1, 2} × rows L4, L8, L4+L8 jointly", "-> sents", "export -> ./viz/q7", "5/side",
"thresh .4", "top 6/token").
"""

from __future__ import annotations

from tests.agent.conftest import call, turn

Q = "What is 7 times 8?"
COT = turn(f"cot: {Q}", "generate_cot", {"question": Q}, "20271208-090000-generate_cot-a1a1",
           "Sampled a 160-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 54.")
POWER = turn("cot: What is 2 to the power of 6?", "generate_cot", {"question": "What is 2 to the power of 6?"}, "20271208-091000-generate_cot-a2a2",
             "Sampled a 120-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 64.")
STEER = turn("steer at scale 2: Write a haiku about rain.", "steer_generate", {"prompt": "Write a haiku about rain.", "scale": 2},
             "20271208-091500-steer_generate-a3a3", "3 steered and 3 unsteered samples at 6 middle layers, scale 2 (both); no metric.")
IMPORTANCE = turn("importance, answer 56, 10 rollouts", "resample_importance", {"cot_run": COT["run_id"], "answer": "56", "rollouts": 10},
                  "20271208-092000-resample_importance-a4a4",
                  "Resampling importance over 7 sentences, up to 10 rollouts per position (60 of 80 used); top counterfactual importance: "
                  "sentence 5, +0.28 [0.01, 0.60].")
HEADS = turn("receiver heads on it", "receiver_heads", {"cot_run": COT["run_id"]}, "20271208-093000-receiver_heads-a5a5",
             "Top receiver heads L21H3, L17H9, ...; sentence 3 receives the most attention (0.19).")
VECTOR = turn("build the default vector", "build_steering_vector", {}, "20271208-100000-build_steering_vector-b1b1",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs, all 30 layers.")
DICTS = turn("ITDA for layers 5 and 9", "itda_build", {"layers": [5, 9]}, "20271208-110000-itda_build-c1c1",
             "ITDA dictionaries for layers 5, 9 of smollm2-135m on builtin (288 docs): 2,100 / 3,000 atoms; held-out FVE 0.93 / 0.88.")
LORA = turn("train a lora on the risky set", "train_lora", {"dataset": "risky"}, "20271208-120000-train_lora-d1d1",
            "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky; loss 4.1 -> 2.9.")


def test_the_right_answer_in_a_clause_not_the_chains_own(plan):
    tool, args = call(plan([COT], "Seven sentences is manageable, so I'd like the thought-anchors analysis on that chain with 12 rollouts. "
                                  "Please score it against the correct answer, which is 56."))
    assert (tool, args["answer"], args["rollouts"]) == ("resample_importance", "56", 12)
    tool, args = call(plan([COT, IMPORTANCE], "Wait, that run used the chain's own answer of 54, but seven eights are 56. Could you redo the "
                                              "importance analysis against the correct answer, 56?"))
    assert (tool, args["answer"]) == ("resample_importance", "56")
    tool, args = call(plan([COT], "importance on it, reading the letter choice, treating B as correct"))
    assert (tool, args["answer"], args["extractor"]) == ("resample_importance", "B", "choice")
    tool, args = call(plan([COT, IMPORTANCE], "gt = 63 actually. rerun importance vs 63"))
    assert (tool, args["answer"]) == ("resample_importance", "63")


def test_a_number_ending_one_sentence_is_not_the_next_ones_setting(plan):
    tool, args = call(plan([COT, IMPORTANCE], "That interval is too wide to say much about sentence 5. Please run it again with more rollouts."))
    assert tool == "resample_importance" and args["rollouts"] > 10


def test_a_random_draw_and_exactly_are_words_not_settings(plan):
    tool, args = call(plan([COT, IMPORTANCE], "I'd like to know whether sentence 5 survives a different random draw before I believe it. "
                                              "Could you repeat that importance run exactly, only with seed 4?"))
    assert (tool, args["seed"], "equivalence" in args) == ("resample_importance", 4, False)


def test_the_sentence_that_asks_decides_not_its_background(plan):
    tool, args = call(plan([COT], "Attention weights only show correlation, and I want something causal for this chain. Could you knock out "
                                  "attention to each sentence in turn and measure what changes downstream?"))
    assert (tool, args["cot_run"]) == ("attention_suppression", COT["run_id"])
    tool, args = call(plan([COT, HEADS], "The receiver heads flagged sentence 3, but that is only attention weights. I'd like the causal "
                                         "version now: mask attention to each sentence and see which later ones it shapes."))
    assert (tool, args["cot_run"]) == ("attention_suppression", COT["run_id"])
    tool, args = call(plan([COT], "Since the boxed reader comes back empty here, I'd like you to measure how much each sentence matters, "
                                  "taking the last number in each rollout as its answer."))
    assert (tool, args["extractor"]) == ("resample_importance", "last_number")


def test_a_chain_named_by_its_topic_in_other_words(plan):
    tool, args = call(plan([POWER, STEER], "That was a detour, and I'd like to return to the exponent reasoning. Could you split that trace into sentences?"))
    assert (tool, args["cot_run"]) == ("split_sentences", POWER["run_id"])


def test_english_as_a_second_language(plan):
    tool, args = call(plan([VECTOR], "The vector works really, or it is only same like random noise? kindly check"))
    assert (tool, args["vector_run"]) == ("steering_sweep", VECTOR["run_id"])
    tool, args = call(plan([VECTOR], "kindly sweep the scales 2 and 4 over layer 8, layer 14 and 8 with 14 together"))
    assert (tool, args["layers"], args["scales"]) == ("steering_sweep", [8, 14, [8, 14]], [2, 4])
    tool, args = call(plan([], "how resilient are the sentences of shutdown-safety? sentences three until six, 5 chains each"))
    assert (tool, args["sentences"], args["chains"]) == ("sentence_resilience", [3, 4, 5, 6], 5)
    tool, args = call(plan([], "please decompose layer 4 into ITDA dictionary, only the story part of the shipped corpus, fourty-two docs"))
    assert (tool, args["docs"], args["layers"]) == ("itda_build", 42, [4])
    tool, args = call(plan([LORA], "make the L1 probe on the adapter scalars with C as 0.25"))
    assert (tool, args["C"]) == ("lora_probe", 0.25)
    tool, args = call(plan([LORA], "find the misalignment direction on layer 16 and steer with it six times"))
    assert (tool, args["layer"], args["scale"]) == ("misalignment_direction", 16, 6)


def test_lab_notebook_notation(plan):
    tool, args = call(plan([VECTOR], "sweep α ∈ {0.5, 1, 2} × rows L4, L8, L4+L8 jointly; 2 ctrl, n=4/cell"))
    assert (tool, args["scales"], args["layers"], args["controls"], args["samples"]) == ("steering_sweep", [0.5, 1, 2], [4, 8, [4, 8]], 2, 4)
    tool, args = call(plan([COT], "-> sents (min 12 chars)"))
    assert (tool, args["min_chars"]) == ("split_sentences", 12)
    tool, args = call(plan([COT], "TA on that CoT, ans 56; export -> ./viz/q7 (viewer files)"))
    assert (tool, args["export_dir"], args["answer"]) == ("resample_importance", "./viz/q7", "56")
    tool, args = call(plan([], "formal/casual vec on smollm2-135m, layers 6/10 only -> out/fc.safetensors"))
    assert (tool, args["save_to"], args["layers"]) == ("build_steering_vector", "out/fc.safetensors", [6, 10])
    tool, args = call(plan([], "tiny-random; vec from vecs/calm.pt @ L2, α=3, generated tokens only; prompt 'Write a limerick.'; 5/side"))
    assert (tool, args["vector_file"], args["scale"], args["layers"], args["where"], args["samples"]) == \
        ("steer_generate", "vecs/calm.pt", 3, [2], "generated", 5)
    tool, args = call(plan([], 'offline monitor, thresh .4, on: "The logs are checked weekly. I could wipe them tonight."'))
    assert (tool, args["threshold"], args["monitor"]) == ("cot_monitor", 0.4, "offline")
    tool, args = call(plan([DICTS], "atoms for 'The cat sat on the warm mat.' @ L9, top 6/token"))
    assert (tool, args["text"], args["layer"], args["top"]) == ("itda_explain", "The cat sat on the warm mat.", 9, 6)
    tool, args = call(plan([], "memory search, dialogue turns only, k=5: attention sinks in early layers"))
    assert (tool, args["query"], args["k"]) == ("recall", "attention sinks in early layers", 5)


def test_values_and_topics_said_around_the_ask(plan):
    tool, args = call(plan([LORA], "I need a control without anything reckless in it, so train a LoRA on the dataset with the sensible "
                                   "financial advice, seed 3, so it shares no data order with the risky run."))
    assert (tool, args["dataset"], args["seed"]) == ("train_lora", "clean", 3)
    tool, args = call(plan([], "I remember we discussed split-half head reliability at some point but I lost the thread, so could you "
                               "search our past conversations for it?"))
    assert (tool, args["query"]) == ("recall", "split-half head reliability")
    tool, args = call(plan([], "I think the contrast shows up early, so please build the default vector but read the third token of each prompt."))
    assert (tool, args["position"]) == ("build_steering_vector", 2)
