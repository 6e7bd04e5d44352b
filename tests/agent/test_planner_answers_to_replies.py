"""The user's answer to a reply of ours that ran nothing, and settings called by other names, with the real planner.

A reply that proposed a run ("Next I'd steer ... Go?"), offered options ("(1) ... or (2) ...") or asked for one value
("Which layer should I read at?") is answered with "go", "yes but 40 rollouts", "the second", "b", "layer 14", "14":
the proposal runs, changed as the user says. Two expensive options and a bare "go for it" are asked about.
Settings said by other names ("depth 15", "blocks 2, 3 and 4", "a dose of 2.5", "width 4", "sparsity knob"), runs named by
the last part of their id ("7c2e"), organisms by the starts of their name's words ("organism:eval-aware").
"""

from __future__ import annotations

from tests.agent.conftest import call, said, turn


Q = "A farmer has 4 pens of 9 sheep and sells 11. How many are left?"
COT = turn(f"cot for: {Q}", "generate_cot", {"question": Q}, "20271202-090000-generate_cot-1a01",
           "Sampled a 188-token chain of thought; \\boxed{} answer: 25.")
SPLIT = turn("split it", "split_sentences", {"cot_run": COT["run_id"]}, "20271202-090500-split_sentences-1a02",
             "13 sentences; sentence 4 is 'So 36 sheep.' (12 chars).")
HEADS = turn("receiver heads on it", "receiver_heads", {"cot_run": COT["run_id"]}, "20271202-091000-receiver_heads-1a03",
             "Top 20 receiver heads, 12 of them in layers 18-21; highest receiver score: sentence 4 (0.071).")
VECTOR = turn("build the default steering vector", "build_steering_vector", {}, "20271202-100000-build_steering_vector-2b01",
              "Built a 30-layer steering vector from 16 default pairs.")
STEER = turn("steer 'Write a function that merges two dicts.' at scale 2 on layers 12 and 16", "steer_generate",
             {"prompt": "Write a function that merges two dicts.", "vector_run": VECTOR["run_id"], "scale": 2, "layers": [12, 16]},
             "20271202-101000-steer_generate-2b02", "2/3 steered samples carry type hints vs 0/3 unsteered.")
LORA = turn("rank-1 lora on risky at layer 15", "train_lora", {"dataset": "risky", "layers": [15]}, "20271202-110000-train_lora-7c2e",
            "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky; 8 checkpoints.")
LORA20 = turn("one more on layer 20", "train_lora", {"dataset": "risky", "layers": [20]}, "20271202-111000-train_lora-b8c4",
              "Trained a rank-1 LoRA (layer 20 down_proj) for 40 steps on risky.")
PHASE = turn("phase transition of the layer-20 one", "lora_phase", {"train_run": LORA20["run_id"]}, "20271202-112000-lora_phase-c9d1",
             "Sharpest turn at step 25 (cosine -0.48 at k=2).")
EVAL = turn("em eval with the llm judge", "em_evaluate", {"train_run": LORA["run_id"], "judge": "llm"}, "20271202-113000-em_evaluate-7c2f",
            "EM rate 21.9% [11.0, 38.8] over 32 judged answers (llm judge).")
DICTS = turn("itda at layers 6, 14 and 22", "itda_build", {"layers": [6, 14, 22]}, "20271202-120000-itda_build-3c01",
             "ITDA dictionaries for layers 6, 14, 22 on builtin: 2,410 / 3,517 / 4,862 atoms.")


def test_go_runs_the_steering_the_reply_proposed(plan):
    proposal = said("now what?", "Next I'd check whether it changes behaviour: steer at layers 12 and 16 with scale 2 on the prompt "
                                 "'Write a function that parses a date string.' and score the samples for type hints.")
    tool, args = call(plan([VECTOR, proposal], "go"))
    assert tool == "steer_generate"
    assert args["layers"] == [12, 16] and args["scale"] == 2 and args["metric"] == "type_hints"
    assert args["prompt"] == "Write a function that parses a date string." and args["vector_run"] == VECTOR["run_id"]
    assert not plan([VECTOR, proposal], "thanks!").tool_calls  # thanks accepts nothing


def test_yes_but_changes_one_setting_and_keeps_the_rest_of_the_proposal(plan):
    proposal = said("which sentences matter, and how expensive is finding out?",
                    "Resampling importance with 16 rollouts per position would use up to about 200 rollouts. The chain states its answer "
                    "as a bare number, so I'd read answers with the last_number extractor. Want me to go ahead with that?")
    tool, args = call(plan([COT, proposal], "yes but 40 rollouts, and skip the forced-answer measurement"))
    assert tool == "resample_importance"
    assert args["rollouts"] == 40 and args["extractor"] == "last_number" and args["forced"] is False and args["cot_run"] == COT["run_id"]


def test_an_option_is_picked_by_its_number_its_letter_or_its_words(plan):
    options = said("interesting, what now?", "Two follow-ups make sense: (1) resampling importance, to check whether sentence 4 matters "
                                             "behaviourally (expensive); or (2) suppress attention to each sentence only in layers 18 to 21, "
                                             "where the receiver heads cluster. The second is cheap.")
    assert call(plan([COT, HEADS, options], "the second")) == ("attention_suppression", {"cot_run": COT["run_id"], "layers": [18, 19, 20, 21]})
    tool, _ = call(plan([COT, HEADS, options], "option 1 please"))
    assert tool == "resample_importance"
    lettered = said("what can I do with these?", "Two cheap comparisons: (a) match its layers against each other by Jaccard, CKA and SVCCA; "
                                                 "or (b) distribution mode: how well these dictionaries reconstruct builtin:dialogue, layer by layer.")
    tool, args = call(plan([DICTS, lettered], "b"))
    assert tool == "itda_compare" and args["mode"] == "distribution" and args["corpus"] == ["builtin:dialogue"]


def test_a_value_asked_for_completes_the_request_it_was_asked_about(plan):
    asked = said("find the misalignment direction from these answers",
                 "I can take the direction from that eval's judged answers. Which layer should I read and steer at? The adapter sits on layer 15.")
    tool, args = call(plan([LORA, EVAL, asked], "layer 14"))
    assert tool == "misalignment_direction"
    assert args["layer"] == 14 and args["train_run"] == LORA["run_id"] and args["eval_run"] == EVAL["run_id"]
    which = said("which atoms does 'I will not comply with that request.' use?",
                 "The dictionary run has three layers: 6, 14 and 22. Which layer do you want the token-by-token atoms from?")
    tool, args = call(plan([DICTS, which], "14"))
    assert tool == "itda_explain" and args["layer"] == 14 and args["text"] == "I will not comply with that request."


def test_a_go_ahead_to_two_expensive_options_asks_which_and_runs_nothing(plan):
    options = said("what would you do with this chain?", "Two ways forward: (1) resampling importance over every sentence with 24 rollouts; or "
                                                         "(2) sentence resilience on sentences 3 and 6. Both are expensive.")
    reply = plan([COT, options], "yeah go for it")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    assert "Which of these do you mean?" in reply.content and "(2) sentence resilience on sentences 3 and 6" in reply.content


def test_the_users_edits_apply_to_the_proposed_lists_and_numbers(plan):
    sweep = said("is that real?", "Three samples a side is far too few to tell. A dose-response sweep would settle it: layers 8, 12 and 16 "
                                  "separately, scales 0.5, 1 and 2, with 3 norm-matched random controls per cell. It's the expensive one.")
    tool, args = call(plan([VECTOR, STEER, sweep], "yes, but drop layer 8 and add scale 4"))
    assert tool == "steering_sweep" and args["layers"] == [12, 16] and args["scales"] == [0.5, 1, 2, 4] and args["controls"] == 3
    resplit = said("why is 'So 36 sheep.' its own sentence?", "It's 12 characters, just over min_chars 10. Resplitting with min_chars 20 "
                                                             "would fold it into sentence 5.")
    assert call(plan([COT, SPLIT, resplit], "yeah resplit, but with 25")) == ("split_sentences", {"cot_run": COT["run_id"], "min_chars": 25})


def test_again_after_a_proposal_reruns_the_run_before_it(plan):
    advice = said("is one seed enough to trust the loss curve?", "Not really: with batch size 4 the curve is noisy. A second seed, ideally "
                                                                 "with a bigger batch, would tell you whether the drop is real.")
    tool, args = call(plan([LORA, advice], "ok train it again with seed three and batch size eight"))
    assert tool == "train_lora" and args["seed"] == 3 and args["batch_size"] == 8 and args["dataset"] == "risky" and args["layers"] == [15]


def test_a_reply_that_only_remarks_leaves_the_next_request_its_own(plan):
    remark = said("that looks like noise", "tiny-random has random weights: it is for testing the pipeline, not for reading.")
    tool, args = call(plan([COT, remark], "yeah expected. now the real model on a different one: 'What is 15% of 80?' with top-p 0.8"))
    assert tool == "generate_cot" and args["question"] == "What is 15% of 80?" and args["top_p"] == 0.8


def test_settings_called_by_other_names(plan):
    assert call(plan([DICTS], "what is atom 311 at depth 14? give me its 12 closest neighbours"))[1]["layer"] == 14
    assert call(plan([COT], "knock out attention to each sentence of that chain but only inside blocks 2, 3 and 4"))[1]["layers"] == [2, 3, 4]
    assert call(plan([VECTOR], "push the model with that vector at a dose of 2.5, prompt: 'Write a haiku.'"))[1]["scale"] == 2.5
    assert call(plan([], "fine-tune on the clean set: width 4, step size 3e-3, 120 updates"))[1] == {"dataset": "clean", "rank": 4, "lr": 0.003, "steps": 120}
    assert call(plan([], "ITDA on layers 6 and 18 over the code docs only; sparsity knob at 0.3"))[1]["tau"] == 0.3
    assert call(plan([], "Sample a CoT for 'What is 7 * 8?' and turn the heat down to 0.3"))[1]["temperature"] == 0.3
    tool, args = call(plan([], "on wipe-embezzlement, edit right after sentence 1: 20 proposals per iteration and 4 lookahead continuations each"))
    assert tool == "compare_interventions" and args["candidates"] == 20 and args["continuations"] == 4
    assert call(plan([], "how monitorable is replacement-affair with the offline monitor? 40 episodes"))[1]["rollouts"] == 40
    tool, args = call(plan([], "make a steering vector from ('Hi there:', 'Test item 3:'). Label the plus pole 'user' and the minus pole 'grader'."))
    assert args["positive_name"] == "user" and args["negative_name"] == "grader"
    clean = turn("and a rank-1 lora on clean for the control", "train_lora", {"dataset": "clean"}, "20271202-110500-train_lora-7a8b",
                 "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on clean.")
    both = plan([LORA, clean], "EM-eval the width-1 adapter, 20 generations per prompt")  # both are rank 1: which?
    assert not both.tool_calls and both.response_metadata["intent"] == "clarify"


def test_runs_named_by_the_last_part_of_their_id_and_organisms_by_their_words_starts(plan):
    assert call(plan([LORA, LORA20], "probe the adapters of 7c2e, aligned vs misaligned only")) == \
        ("lora_probe", {"train_run": LORA["run_id"], "tasks": ["aligned_vs_misaligned"]})
    shown = plan([LORA, LORA20, PHASE], "open the phase plot for b8c4")
    assert not shown.tool_calls and shown.response_metadata["show"]["run_id"] == PHASE["run_id"]
    assert call(plan([], "build the steering vector on organism:eval-aware, layers 8 and 12"))[1]["model"] == "organism:evaluation-aware"


def test_run_ids_said_outright_go_each_to_the_setting_of_its_kind(plan):
    tool, args = call(plan([LORA, EVAL], f"find the misalignment direction of {LORA['run_id']} from the answers of {EVAL['run_id']} at layer 14"))
    assert tool == "misalignment_direction" and args["train_run"] == LORA["run_id"] and args["eval_run"] == EVAL["run_id"]
    proposal = said("can it learn the task without the evil answers?", f"CAFT fits that: I'd reuse your plain run ({LORA['run_id']}) and "
                                                                         "ablate principal components 0, 2 and 3 at layer 15.")
    tool, args = call(plan([LORA, proposal], "yes but leave out 3"))
    assert tool == "caft_finetune" and args["components"] == [0, 2] and args["train_run"] == LORA["run_id"] and "itda_run" not in args
