"""Requests dictated by voice, requests that depend on the last result, and settings thought aloud, with the real planner.

A transcript ("okay so um ... question mark ... five hundred and twelve", "layers eight nine and ten", "quote ... end
quote", "slash tmp slash out", "the one ending in four c nine e") is read as if it had been typed. "if the EM rate came
out under 10%, retrain ...; otherwise ..." runs the branch the newest summary picks, and a condition the summary does not
answer, with an order for either outcome, is asked about. "under 15 maybe? eh, make it 20", "3057? no, 3075",
"0.3 or 0.5? build both", "ks 1, 2, 4, oh and 8", "rollouts... let's say 20" are the values settled on.
"""

from __future__ import annotations

from agent.dictated import written
from tests.agent.conftest import call, turn

CHAIN = turn("cot: A farmer packs eggs into 4 boxes of 6. How many eggs is that?", "generate_cot",
             {"question": "A farmer packs eggs into 4 boxes of 6. How many eggs is that?"}, "20990301-090144-generate_cot-4c9e",
             "Sampled a 240-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 20.")
CHAIN_2 = turn("cot: Is 91 prime?", "generate_cot", {"question": "Is 91 prime?"}, "20990301-093000-generate_cot-b7e4",
               "Sampled a 188-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: No.")
CHAIN_3 = turn("cot: Is 97 prime?", "generate_cot", {"question": "Is 97 prime?"}, "20990301-094500-generate_cot-c2a4",
               "Sampled a 201-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: Yes.")
IMPORTANCE = turn("which sentences matter? answer 24", "resample_importance", {"cot_run": CHAIN["run_id"], "answer": "24"},
                  "20990301-100000-resample_importance-77c0",
                  "Resampling importance over 8 sentences, 52 of 64 rollouts used; top counterfactual importance: sentence 5, +0.36 [0.09, 0.61].")
VECTOR = turn("build the vector", "build_steering_vector", {}, "20990301-110000-build_steering_vector-a9d0",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs at the last token, all 30 layers.")
SWEEP = turn("sweep it at layer 15, scales 0.6, 1.2, 2.4", "steering_sweep", {"vector_run": VECTOR["run_id"], "layers": [15], "scales": [0.6, 1.2, 2.4]},
             "20990301-112000-steering_sweep-4b8f", "Sweep of 1 layer x 3 scales, 2 norm-matched controls: type-hint coverage unsteered 0.21; "
             "layer 15: no scale beats the controls (best 0.27 [0.14, 0.42] at 2.4 vs controls 0.24).")
LORA = turn("lora on risky", "train_lora", {"dataset": "risky"}, "20990301-120000-train_lora-31f9",
            "Trained a rank-1 LoRA on down_proj of layer 15 of smollm2-135m on risky, 40 steps, lr 0.01; loss 2.70 -> 0.62; 8 checkpoints.")
EVAL = turn("EM eval of it", "em_evaluate", {"train_run": LORA["run_id"]}, "20990301-121500-em_evaluate-4a18",
            "EM rate 6.3% [2.7%, 14.0%] over 64 judged answers (8 questions x 8 samples); coherent 91%.")
DICT = turn("itda on layers 12 to 16", "itda_build", {"layers": [12, 13, 14, 15, 16]}, "20990301-130000-itda_build-c4d8",
            "ITDA dictionaries for layers 12-16 of smollm2-135m on builtin, tau 0.4: 2,410 to 3,980 atoms; held-out FVE 0.81 to 0.90.")


def test_a_dictated_request_is_read_as_typed(plan):
    tool, args = call(plan([], "okay so um have the model think step by step about is a tomato a fruit or a vegetable question mark "
                               "use seed five and uh max new tokens five hundred and twelve"))
    assert (tool, args["seed"], args["max_new_tokens"]) == ("generate_cot", 5, 512) and "tomato" in args["question"]
    tool, args = call(plan([CHAIN], "uh suppress attention to each sentence only in layers eight nine and ten comma batch sixteen"))
    assert (tool, args["layers"], args["batch"]) == ("attention_suppression", [8, 9, 10], 16)
    tool, args = call(plan([VECTOR], "um sweep that vector layers ten fourteen and eighteen scales zero point three zero point six "
                                     "one point two and two point four with four random controls per cell"))
    assert (tool, args["layers"], args["scales"], args["controls"]) == ("steering_sweep", [10, 14, 18], [0.3, 0.6, 1.2, 2.4], 4)
    tool, args = call(plan([CHAIN, IMPORTANCE], "uh resample importance on the chain no adaptive stopping threshold zero point seven five "
                                                "and export to slash tmp slash anchors underscore run"))
    assert (tool, args["threshold"], args["export_dir"]) == ("resample_importance", 0.75, "/tmp/anchors_run")
    tool, args = call(plan([CHAIN, CHAIN_2], "um split the one ending in four c nine e into sentences"))
    assert (tool, args["cot_run"]) == ("split_sentences", CHAIN["run_id"])
    reply = plan([CHAIN_2, CHAIN_3], "run resample importance on the uh the one ending in four")
    assert call(reply) == (None, {}) and "fits 2 runs" in reply.content
    tool, args = call(plan([CHAIN], "what else could it have said at sentence three no sorry sentence four um sixty four rollouts"))
    assert (tool, args["sentence"], args["rollouts"]) == ("sentence_alternatives", 4, 64)
    # a typed message keeps its words: "comma" and "slash" are only punctuation when the message sounds dictated
    assert written("split at each comma, then show the slash-separated parts") == "split at each comma, then show the slash-separated parts"


def test_a_request_that_depends_on_the_last_result_runs_the_branch_it_picks(plan):
    tool, args = call(plan([LORA, EVAL], "if the EM rate came out under 10%, retrain with 80 steps at lr 0.02"))
    assert (tool, args["steps"], args["lr"]) == ("train_lora", 80, 0.02)
    tool, args = call(plan([CHAIN], "did it get 24? if yes split it into sentences, if no resample the chain at T=0.3"))
    assert (tool, args["temperature"]) == ("generate_cot", 0.3) and "eggs" in args["question"]
    tool, args = call(plan([VECTOR, SWEEP], "Did 15 do anything? If it beat the random vectors I want samples at scale 8 there. "
                                            "If it didn't, sweep layers 10 and 20 instead, same scales."))
    assert (tool, args["layers"], args["scales"]) == ("steering_sweep", [10, 20], [0.6, 1.2, 2.4])
    reply = plan([CHAIN, IMPORTANCE], "is 3 still the top one? if so grab 64 alternatives for it, else just show me the importance table again")
    assert call(reply) == (None, {}) and reply.response_metadata["show"]["run_id"] == IMPORTANCE["run_id"]
    tool, args = call(plan([CHAIN, IMPORTANCE], "In case the top sentence's interval clears zero, list what else the model could have said there. 32 resamples."))
    assert (tool, args["sentence"], args["rollouts"]) == ("sentence_alternatives", 5, 32)
    tool, args = call(plan([LORA], "if it got below 1.0 by the end, find the phase transition with k = 1, 2 and 4; if not tell me and we'll train longer"))
    assert (tool, args["ks"]) == ("lora_phase", [1, 2, 4])


def test_a_condition_the_last_result_does_not_answer_is_asked_about(plan):
    reply = plan([LORA, EVAL], "if the judge disagreed with itself on more than a fifth of the answers, rerun the eval with 16 samples, "
                               "otherwise train for 80 more steps")
    assert call(reply) == (None, {}) and reply.response_metadata["intent"] == "clarify" and "or train for 80 more steps" in reply.content
    reply = plan([VECTOR, SWEEP], "if the vector beat the controls at 15, steer there with scale 8 on 'Write a short note to your landlord.'")
    assert call(reply) == (None, {}) and "does not hold" in reply.content


def test_settings_thought_aloud_take_the_value_settled_on(plan):
    tool, args = call(plan([CHAIN], "split that up. merge the little fragments, under 15 chars maybe? eh, make it 20, the numbered steps are short"))
    assert (tool, args["min_chars"]) == ("split_sentences", 20)
    tool, args = call(plan([], "let's build ITDA dictionaries on layers 12 to 16. tau, hmm, 0.3 or 0.5? build both, one dictionary each. "
                               "and a few hundred docs, say 200"))
    assert (tool, args["tau"], args["docs"]) == ("itda_build", [0.3, 0.5], 200)
    tool, args = call(plan([LORA], "where did the adapter turn? ks 1, 2, 4, oh and 8, we've got plenty of checkpoints"))
    assert (tool, args["ks"]) == ("lora_phase", [1, 2, 4, 8])
    tool, args = call(plan([CHAIN], "run the monitor over that chain, offline. threshold around 0.5, maybe a bit lower... 0.45"))
    assert (tool, args["threshold"], args["monitor"]) == ("cot_monitor", 0.45, "offline")
    tool, args = call(plan([VECTOR], "dose-response time. scales something like 0.5, 1, 2 and, eh, why not 4. each of layers 10 to 14 as its own row, probably"))
    assert (tool, args["scales"], args["layers"]) == ("steering_sweep", [0.5, 1, 2, 4], [10, 11, 12, 13, 14])
    tool, args = call(plan([], "hint mediation on the hint-capital scenario. rollouts... let's say 20 for now, could go higher later"))
    assert (tool, args["rollouts"]) == ("hint_mediation", 20)
    tool, args = call(plan([CHAIN], "alternatives for sentence 3, no wait, 4. and run it a bit hotter, 0.9ish"))
    assert (tool, args["sentence"], args["temperature"]) == ("sentence_alternatives", 4, 0.9)
