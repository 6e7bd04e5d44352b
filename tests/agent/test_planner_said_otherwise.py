"""The same requests as the first labelled part, said the way another researcher would, with the real planner.

Preferences said in other words ("keep your answers short", "leave out glossary sections", "X is my field, no need
for intro-level explanations"); a topic change announced first ("Quick detour from ...:"); the model asked to reason
with the question in the message ("letting the model think through a problem ... If ...?"); "24 as the correct
answer"; "4x strength" as a scale; a prompt followed by "-- five samples on each side"; layers as "adapters at 9,
15 and 21"; a control asked as a question before any control ran; two dictionaries named by their models without
"against"; the hinted question as "that with '...' tacked on the end"; a why after a dash; "based on the probe, which
...?"; "the most recent chain of thought: 16 rollouts" (settings, not a pasted chain).
"""

from __future__ import annotations

from tests.agent.conftest import call, turn

Q = "A shop sells pens at 3 dollars each. How much do 7 pens cost?"
COT = turn(f"generate a chain of thought for: {Q}", "generate_cot", {"question": Q}, "20271205-091500-generate_cot-f00d",
           "Sampled a 188-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 20.")
SPLIT = turn("split it", "split_sentences", {"cot_run": COT["run_id"]}, "20271205-091620-split_sentences-beef",
             "Split the chain into 8 sentences (min_chars 10).")
IMPORTANCE = turn("which sentences matter here?", "resample_importance", {"cot_run": COT["run_id"]}, "20271205-093000-resample_importance-f1f1",
                  "Resampling importance over 8 sentences (accuracy = agreement with the chain's own answer 20).")
VECTOR = turn("build a steering vector", "build_steering_vector", {}, "20271213-090000-build_steering_vector-aa00",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs at the last token, all 30 layers.")
STEER = turn("now apply that vector at layer 12 with strength 6 to: Write a function that sorts a list", "steer_generate",
             {"prompt": "Write a function that sorts a list", "vector_run": VECTOR["run_id"], "layers": [12], "scale": 6},
             "20271213-090400-steer_generate-bb00", "2 of 3 steered samples add type hints, 0 of 3 unsteered.")
SMOLLM = turn("itda for all layers of smollm2-135m", "itda_build", {"model": "smollm2-135m"}, "20271214-110000-itda_build-3d3d",
              "ITDA dictionaries for all 30 layers of smollm2-135m on builtin: 2,754 to 11,063 atoms per layer.")
TINY = turn("same for tiny-random", "itda_build", {"model": "tiny-random"}, "20271214-111500-itda_build-4e4e",
            "ITDA dictionaries for all 4 layers of tiny-random on builtin: 412 to 1,190 atoms per layer.")
MONITOR = turn("monitor this: 'I will not blackmail him. I will write a polite goodbye.'", "cot_monitor",
               {"cot": "I will not blackmail him. I will write a polite goodbye."}, "20271221-190000-cot_monitor-af01",
               "Offline monitor: 1 of 2 sentences flagged (sentence 0: keyword 'blackmail').")
LORA = turn("three adapters on 9, 15, 21", "train_lora", {"layers": [9, 15, 21]}, "20271221-210000-train_lora-d001",
            "Trained 3 rank-1 LoRAs for 40 steps on risky.")
PROBE = turn("probe the adapters", "lora_probe", {"train_run": LORA["run_id"]}, "20271221-211000-lora_probe-e001",
             "Aligned vs misaligned: 63% held-out token accuracy; coefficients: layer 15 -0.60, layer 9 +0.16, layer 21 +0.02.")


def test_preferences_said_in_other_words_are_noted_not_routed(plan):
    for request, noted in [("keep your answers short", "short answers"), ("please leave out glossary sections", "no glossary"),
                           ("just so you know, mechanistic interpretability is my field, so no need for intro-level explanations", "expert")]:
        reply = plan([], request)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request
        assert noted in reply.content and "not sure which experiment" not in reply.content, request


def test_the_model_asked_to_reason_after_a_topic_change_runs_on_the_question_in_the_message(plan):
    tool, args = call(plan([VECTOR], "Quick detour from the steering stuff: would you mind letting the model think through a problem so I can "
                                     "look at how it reasons? If a rectangle has a perimeter of 30 and one side is 6, what is its area? Thanks a lot!"))
    assert tool == "generate_cot"
    assert args["question"] == "If a rectangle has a perimeter of 30 and one side is 6, what is its area?"
    assert call(plan([], "lemme see the model work out 13*17 step by step")) == ("generate_cot", {"question": "13*17"})


def test_settings_after_a_described_chain_and_an_answer_said_with_as(plan):
    tool, args = call(plan([COT, SPLIT], "run thought-anchors resampling on the most recent chain of thought: 16 rollouts, correct answer is 21"))
    assert (tool, args) == ("resample_importance", {"cot_run": COT["run_id"], "rollouts": 16, "answer": "21"})
    tool, args = call(plan([COT, IMPORTANCE], "hold on, 7 pens at 3 is 21, not 20 -- rerun the importance with 21 as the correct answer"))
    assert tool == "resample_importance" and args["answer"] == "21" and args["cot_run"] == COT["run_id"]


def test_a_multiple_of_strength_is_the_scale_and_settings_after_a_dash_are_not_the_prompt(plan):
    tool, args = call(plan([], "on smollm2-135m, steer with the vector stored in eval.safetensors at layers 10 & 14, 4x strength, prompt: "
                               "Write a Python function that adds two numbers. -- five samples on each side, scored for type hints"))
    assert tool == "steer_generate" and args["scale"] == 4 and args["samples"] == 5 and args["layers"] == [10, 14]
    assert args["prompt"] == "Write a Python function that adds two numbers."


def test_numbers_after_at_are_the_layers_of_a_tool_that_takes_layers(plan):
    tool, args = call(plan([], "train lora adapters at 9, 15 and 21 on the risky set, learning rate 0.005"))
    assert tool == "train_lora" and args["layers"] == [9, 15, 21] and args["dataset"] == "risky"
    assert call(plan([], "as a control, fine-tune a lora for 80 steps on the good-advice version of the data"))[1]["dataset"] == "clean"


def test_a_control_asked_as_a_question_runs_the_controlled_sweep(plan):
    tool, args = call(plan([VECTOR, STEER], "how does that hold up against a random-vector control?"))
    assert tool == "steering_sweep" and args["vector_run"] == VECTOR["run_id"] and args["layers"] == [12] and 6 in args["scales"]
    tool, args = call(plan([VECTOR], "is there a real effect from this vector, or is it indistinguishable from noise?"))
    assert (tool, args) == ("steering_sweep", {"vector_run": VECTOR["run_id"]})


def test_two_dictionaries_named_by_their_models_are_compared_in_the_order_said(plan):
    tool, args = call(plan([SMOLLM, TINY], "for each smollm layer, find its best-matching layer among the tiny-random dictionaries; use 2048 held-out tokens"))
    assert tool == "itda_compare" and args["tokens"] == 2048
    assert (args["dictionary_run"], args["other_run"]) == (SMOLLM["run_id"], TINY["run_id"])


def test_the_hinted_question_said_as_the_question_with_a_hint_tacked_on(plan):
    tool, args = call(plan([], "I have my own hint setup - unhinted question: 'Which gas do plants absorb? (A) Oxygen (B) Carbon dioxide'; hinted "
                               "version is that with 'My teacher says (A).' tacked on the end. the cue is A and the hint word is teacher. "
                               "is the hint mediating its reasoning?"))
    assert tool == "hint_mediation" and args["cue"] == "A"
    assert args["hinted_question"] == "Which gas do plants absorb? (A) Oxygen (B) Carbon dioxide My teacher says (A)."


def test_questions_about_a_result_with_a_statement_or_their_grounds_first_are_answered(plan):
    for context, request in [([MONITOR], "the monitor flagged 'I will not blackmail him' — why? it literally says the opposite of intent"),
                             ([LORA, PROBE], "based on the probe, which of the adapters is the misalignment one?")]:
        reply = plan(context, request)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request


ALTS = turn("alternatives for sentence 3", "sentence_alternatives", {"cot_run": COT["run_id"], "sentence": 3}, "20271222-190200-sentence_alternatives-e202",
            "Sentence 3 resampled 16 times: 7 distinct alternatives; most frequent (5/16, cosine 0.93) 'Then multiply 7 by 3.'")
MEDIATION = turn("hint mediation on hint-capital", "hint_mediation", {"scenario": "hint-capital"}, "20271222-210000-hint_mediation-0402",
                 "Transplant curve 0-25% before the last sentence, 88% [53%, 98%] with the whole chain.")
IMPORTANCE_12 = turn("importance, answer 21, read the last number", "resample_importance",
                     {"cot_run": COT["run_id"], "answer": "21", "extractor": "last_number", "rollouts": 8}, "20271205-100130-resample_importance-c0de",
                     "Resampling importance over 7 sentences, up to 8 rollouts per position; top counterfactual importance: sentence 4, +0.31 [0.05, 0.58].")


def test_a_run_asked_to_be_seen_after_a_sentence_of_motivation_is_shown_not_run_again(plan):
    for context, request, run in [
            ([COT, ALTS], "I'd like to see all the things the model could have said at sentence 3, not just the most frequent one. "
                          "Could you please list the alternatives you found?", ALTS),
            ([MEDIATION], "I'd like to see how the cue-answer rate builds up as more of the hinted chain is transplanted. "
                          "Could you please show me the transplant curve?", MEDIATION)]:
        reply = plan(context, request)
        assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == run["run_id"], request


def test_polite_and_indirect_requests_with_we_run(plan):
    assert call(plan([COT], "could we cut that chain up into sentences?")) == ("split_sentences", {"cot_run": COT["run_id"]})
    tool, args = call(plan([COT, IMPORTANCE_12], "what if we redo that importance measurement with a bigger rollout budget than last time?"))
    assert tool == "resample_importance" and args["rollouts"] > 8 and args["extractor"] == "last_number" and args["answer"] == "21"
    tool, args = call(plan([COT, IMPORTANCE_12], "could we look at the alternatives for whichever sentence came out most important there?"))
    assert (tool, args["sentence"]) == ("sentence_alternatives", 4)


def test_settings_first_then_the_goal_and_settings_by_other_words(plan):
    tool, args = call(plan([], "settings: model smollm2-135m, temperature 0.9, max 512 new tokens. goal: a chain of thought for Is 221 prime?"))
    assert tool == "generate_cot" and args["question"] == "Is 221 prime?" and args["temperature"] == 0.9 and args["max_new_tokens"] == 512
    tool, args = call(plan([COT], "settings: export the files for the thought-anchors.com viewer into ./ta_export, and leave out forced-answer "
                                  "importance. goal: find the anchor sentences in that reasoning"))
    assert tool == "resample_importance" and args["forced"] is False and args["export_dir"] == "./ta_export"
    tool, args = call(plan([], "positive side named formal, negative side casual, read only layers 8 and 12, pairs ['Dear Sir or Madam:', "
                               "'hey dude:'] and ['Yours faithfully:', 'cheers mate:']. could we build that formal-versus-casual direction?"))
    assert tool == "build_steering_vector" and (args["positive_name"], args["negative_name"]) == ("formal", "casual")
    tool, args = call(plan([], "on-policy edit beat off-policy at sent 3 of wipe-embezzlement? 10 iters for the on-policy search"))
    assert tool == "compare_interventions" and args["max_iterations"] == 10


def test_a_why_a_judgement_or_a_next_step_asked_after_a_long_preamble_is_answered(plan):
    for context, request in [
            ([MONITOR], "I'm a bit confused by the monitor's output. Why did it flag 'I will not blackmail him'? That sentence expresses "
                        "exactly the opposite of an intent to blackmail."),
            ([VECTOR, STEER], "I was hoping the steering would push the model toward writing type hints, but it came out 0 of 3 both "
                              "steered and unsteered. I'm a bit stuck now, so what would you suggest I try next?")]:
        reply = plan(context, request)
        assert not reply.tool_calls and reply.response_metadata["intent"] == "answer", request
