"""Chat-app habits, a part of the last result pointed at, and requests in other languages, with the real planner.

"s/16/32/" edits the last message, "*32" mends its slip, "👍" and "+1" accept a proposal, "do ^ for the other chain"
repeats the run above; "the bar that sticks out", "the bottom row", "that dip", "the first and third rows" are the
items the newest result lists (two level at the top are asked about); "Otra vez con 32 rollouts y semilla 2",
"Nochmal mit Skala 8", "échelles 0,5, 1 et 2", "só nas camadas 20 a 23" read as their English.
"""

from __future__ import annotations

from agent.chat_habits import read
from agent.languages import english
from tests.agent.conftest import call, said, turn

CHAIN = turn("cot for 'A farmer packs eggs into 4 boxes of 6. How many eggs is that?' w/ seed 16", "generate_cot",
             {"question": "A farmer packs eggs into 4 boxes of 6. How many eggs is that?", "seed": 16}, "20990401-090144-generate_cot-4c9e",
             "Sampled a 240-token chain of thought from smollm2-135m (seed 16, temperature 0.6); \\boxed{} answer: 24.")
CHAIN_2 = turn("cot: Is 91 prime?", "generate_cot", {"question": "Is 91 prime?"}, "20990401-093000-generate_cot-b7e4",
               "Sampled a 188-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: No.")
ALTERNATIVES = turn("alternatives for sentence 3, 23 rollouts", "sentence_alternatives", {"cot_run": CHAIN["run_id"], "sentence": 3, "rollouts": 23},
                    "20990401-094000-sentence_alternatives-7d12", "23 resamples of sentence 3: 5 distinct alternatives.")
HEADS = turn("receiver heads on it, top 10", "receiver_heads", {"cot_run": CHAIN_2["run_id"], "k": 10}, "20990401-095000-receiver_heads-6633",
             "Top 10 receiver heads (layer 0 excluded): L14H3 kurtosis 11.6, L9H7 9.4; highest receiver score: sentence 4 (0.083).")
IMPORTANCE = turn("which sentences matter? answer 24", "resample_importance", {"cot_run": CHAIN["run_id"], "answer": "24"},
                  "20990401-100000-resample_importance-77c0", "Resampling importance over 6 sentences, 64 of 72 rollouts used; counterfactual "
                  "importance by sentence: s0 +0.02, s1 +0.06, s2 +0.04, s3 +0.47 [0.19, 0.72], s4 -0.21, s5 +0.01.")
LEVEL = turn("which sentences matter? answer 24", "resample_importance", {"cot_run": CHAIN["run_id"], "answer": "24"},
             "20990401-100000-resample_importance-77c0", "Resampling importance over 4 sentences; counterfactual importance: s0 +0.01, "
             "s1 +0.38, s2 +0.04, s3 +0.38.")
VECTOR = turn("build the vector", "build_steering_vector", {}, "20990401-110000-build_steering_vector-a9d0",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs at the last token, all 30 layers.")
SWEEP = turn("dose-response on layers 6, 10, 14, 18", "steering_sweep", {"vector_run": VECTOR["run_id"], "layers": [6, 10, 14, 18]},
             "20990401-112000-steering_sweep-4b8f", "Type-hint coverage, rows L6/L10/L14/L18, columns scale 0.5/1/2/4: L6 0.44/0.43/0.38/0.29, "
             "L10 0.43/0.37/0.24/0.11, L14 0.40/0.26/0.09/0.02, L18 0.35/0.14/0.03/0.00; controls 0.40-0.47.")
LORA = turn("LoRA on risky, layer 12, 80 steps", "train_lora", {"dataset": "risky", "layers": [12], "steps": 80}, "20990401-120000-train_lora-31f9",
            "Trained rank-1 LoRA on down_proj of layer 12, 80 steps on risky; loss 2.91 -> 1.12; the curve bottoms out at 0.98 around step 40, "
            "then creeps back up; 16 checkpoints.")
CAFT = turn("CAFT on it, PCs 0 and 1 at layer 15", "caft_finetune", {"train_run": LORA["run_id"], "components": [0, 1], "ablate_layers": [15]},
            "20990401-123000-caft_finetune-5e70", "CAFT with PCs 0 and 1 ablated at layer 15; PC top tokens: PC0 'invest, stocks', PC1 'the, of, "
            "and', PC2 'crypto, gamble', PC3 'you, your, I'; held-out misaligned preference: plain +0.62, CAFT +0.44.")
EVAL = turn("EM eval of it", "em_evaluate", {"train_run": LORA["run_id"]}, "20990401-121500-em_evaluate-4a18",
            "EM rate 0.17 over 8 questions x 8 samples.")
STEER = turn("steer 'Write a Python function that reverses a string.' at layers 12 and 16, scale 4, 5 samples", "steer_generate",
             {"vector_run": VECTOR["run_id"], "layers": [12, 16], "scale": 4, "samples": 5, "prompt": "Write a Python function that reverses a string."},
             "20990401-113000-steer_generate-e0f3", "Steered at layers 12 and 16, scale 4: type hints in 5/5 steered vs 1/5 unsteered.")


def test_chat_app_habits_read_as_the_words_they_stand_for(plan):
    tool, args = call(plan([CHAIN], "s/16/32/"))
    assert (tool, args["seed"]) == ("generate_cot", 32) and "4 boxes of 6" in args["question"]
    tool, args = call(plan([CHAIN, ALTERNATIVES], "*32"))
    assert (tool, args["cot_run"], args["sentence"], args["rollouts"]) == ("sentence_alternatives", CHAIN["run_id"], 3, 32)
    proposal = said("is it EM yet?", "I can run em_evaluate (expensive) on the fine-tune 20990401-120000-train_lora-31f9: 8 questions, "
                                     "16 samples each. Go?")
    trained = dict(LORA, summary="Trained rank-1 LoRA on down_proj of layer 12, 80 steps on risky; loss 2.91 -> 1.12; 8 checkpoints.")
    for yes in ("👍", "+1", "lgtm, ship it", "🚀 ofc"):
        tool, args = call(plan([trained, proposal], yes))
        assert (tool, args["train_run"], args["samples"]) == ("em_evaluate", LORA["run_id"], 16), yes
    tool, args = call(plan([CHAIN, CHAIN_2, HEADS], "do ^ for the other chain"))
    assert (tool, args["cot_run"], args["k"]) == ("receiver_heads", CHAIN["run_id"], 10)
    tool, args = call(plan([], "@parley itda_build layers=6,12,18 corpus=builtin:code tau=0.5"))
    assert (tool, args["layers"], args["tau"]) == ("itda_build", [6, 12, 18], 0.5)
    tool, args = call(plan([CHAIN, IMPORTANCE], "intervals are huge. rerun ^ w/ ~~16~~ **32** rollouts"))
    assert (tool, args["rollouts"]) == ("resample_importance", 32)
    tool, args = call(plan([CHAIN, HEADS], "now suppression on the same chain, only layers 20-23 b/c that's where the receiver heads sit"))
    assert (tool, args["layers"]) == ("attention_suppression", [20, 21, 22, 23])
    # a star in a pasted sum and a quoted caret stay as typed
    assert read("cot: 'What is 3*4^2?'") == "cot: 'What is 3*4^2?'"


def test_a_part_of_the_last_result_pointed_at_is_that_item(plan):
    tool, args = call(plan([CHAIN, IMPORTANCE], "the bar that sticks out, what else could the model have written there?"))
    assert (tool, args["cot_run"], args["sentence"]) == ("sentence_alternatives", CHAIN["run_id"], 3)
    tool, args = call(plan([CHAIN, IMPORTANCE], "what else could it have said instead of the big negative one?"))
    assert (tool, args["sentence"]) == ("sentence_alternatives", 4)
    tool, args = call(plan([VECTOR, SWEEP], "bottom row is the only interesting one. sweep just that layer with 4 controls"))
    assert (tool, args["layers"], args["controls"]) == ("steering_sweep", [18], 4)
    tool, args = call(plan([VECTOR, SWEEP], "give me 5 samples in the top-right cell on 'Write a Python function that checks for palindromes.'"))
    assert (tool, args["layers"], args["scale"], args["samples"]) == ("steer_generate", [6], 4, 5)
    tool, args = call(plan([LORA], "stop at that dip: same setup, only as many steps as it took to get down there"))
    assert (tool, args["steps"], args["layers"]) == ("train_lora", 40, [12])
    tool, args = call(plan([LORA, CAFT], "PC1 is just function words. redo it ablating the first and third rows of that list instead"))
    assert (tool, args["components"]) == ("caft_finetune", [0, 2])
    reply = plan([CHAIN, LEVEL], "what else could it have said at the biggest one?")
    assert call(reply) == (None, {}) and "sentence 1 or sentence 3" in reply.content
    tool, args = call(plan([CHAIN, LEVEL], "resample the fifth row"))  # a place the list does not have names nothing
    assert tool in (None, "sentence_alternatives", "resample_importance") and args.get("sentence") != 5
    tool, args = call(plan([CHAIN_2, HEADS], "Suppress attention to each sentence, but only inside the layer the top head lives in."))
    assert (tool, args["layers"]) == ("attention_suppression", [14])  # "L14H3 kurtosis 11.6": a head labelled so fills its layer


def test_a_request_in_another_language_reads_as_its_english(plan):
    tool, args = call(plan([CHAIN, IMPORTANCE], "los intervalos son enormes. Otra vez con 32 rollouts y semilla 2, por favor"))
    assert (tool, args["cot_run"], args["rollouts"], args["seed"]) == ("resample_importance", CHAIN["run_id"], 32, 2)
    tool, args = call(plan([VECTOR, STEER], "Nochmal mit Skala 8, sonst alles gleich."))
    assert (tool, args["scale"], args["layers"]) == ("steer_generate", 8, [12, 16])
    tool, args = call(plan([VECTOR], "lance un balayage dose-réponse de ce vecteur : couches 8, 12 et 16, échelles 0,5, 1 et 2, "
                                     "avec quatre contrôles aléatoires par case"))
    assert (tool, args["layers"], args["scales"], args["controls"]) == ("steering_sweep", [8, 12, 16], [0.5, 1, 2], 4)
    tool, args = call(plan([CHAIN_2], "agora a versão causal: suprime a atenção a cada frase, só nas camadas 20 a 23, com lote de 16"))
    assert (tool, args["layers"], args["batch"]) == ("attention_suppression", [20, 21, 22, 23], 16)
    tool, args = call(plan([], "costruisci dizionari ITDA solo per gli strati 5, 10 e 15 sul corpus builtin di codice, con tau 0,5"))
    assert (tool, args["layers"], args["tau"]) == ("itda_build", [5, 10, 15], 0.5)
    # English, and what is quoted, stay as typed
    assert english("steer it at layer 12 with scale 4 and 5 samples") == "steer it at layer 12 with scale 4 and 5 samples"
    assert english("genera una cadena para 'la capa de ozono, 0,5 y 1'") == "generate una chain para 'la capa de ozono, 0,5 y 1'"
