"""Settings written as code, changes of mind, corrections of the last run, and answers to our own replies, with the real planner.

Researchers paste settings the way their scripts take them ("--scales 0.5 1 2 4 --controls 3", "modules=['down_proj']",
'{"scale": -4, "where": "prompt"}', "layers=range(12, 20, 2)", "layers[4:8]", "12..=18"); they change their mind while
typing ("+6... actually -6", "8 samples -- scratch that, 12 --", "k = 1, 2, 5 -- make the last one 4"); they correct the
run just done ("that ran at layer 2, I said 12", "I wanted the risky fine-tune"); and they answer what we said ("first
option" after "I can X, or Y", "ok, 150 then" after a refused bound, "the latter, but with the dialogue docs").
"""

from __future__ import annotations

from tests.agent.conftest import call, said, turn

Q = "A shop sells pens in packs of 4 for 3 dollars. How much do 20 pens cost?"
COT = turn(f"reason about: {Q}", "generate_cot", {"question": Q}, "20271210-090000-generate_cot-c0c0",
           "Sampled a 180-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: 12.")
SEED1 = turn("again with seed 1", "generate_cot", {"question": Q, "seed": 1}, "20271210-090500-generate_cot-c1c1",
             "Sampled a 200-token chain of thought from smollm2-135m (seed 1, temperature 0.6); \\boxed{} answer: 12.")
SEED2 = turn("and seed 2", "generate_cot", {"question": Q, "seed": 2}, "20271210-091000-generate_cot-c2c2",
             "Sampled a 170-token chain of thought from smollm2-135m (seed 2, temperature 0.6); \\boxed{} answer: 15.")
IMPORTANCE = turn("importance on it, 16 rollouts", "resample_importance", {"cot_run": COT["run_id"], "rollouts": 16},
                  "20271210-092000-resample_importance-c3c3",
                  "Resampling importance over 8 sentences, up to 16 rollouts per position; top counterfactual importance: sentence 3, +0.4.")
VECTOR = turn("build the default vector", "build_steering_vector", {}, "20271210-100000-build_steering_vector-d1d1",
              "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs, all 30 layers.")
HONEST = turn("build an honest vs deceptive vector", "build_steering_vector", {"positive_name": "honest", "negative_name": "deceptive"},
              "20271210-100500-build_steering_vector-d2d2", "Built an honest-minus-deceptive vector on smollm2-135m from 12 pairs, all 30 layers.")
STEER = turn("steer 'Did you send the invoice?' with it at layer 15, scale 4", "steer_generate",
             {"prompt": "Did you send the invoice?", "vector_run": VECTOR["run_id"], "layers": [15], "scale": 4},
             "20271210-101000-steer_generate-d3d3", "3 steered and 3 unsteered samples at layers [15], scale 4 (both); no metric.")
RISKY = turn("train on risky", "train_lora", {"dataset": "risky"}, "20271210-110000-train_lora-e1e1",
             "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on risky; loss 4.290 -> 3.034.")
CLEAN = turn("and a clean control", "train_lora", {"dataset": "clean"}, "20271210-110500-train_lora-e2e2",
             "Trained a rank-1 LoRA (layer 15 down_proj) for 40 steps on clean; loss 3.872 -> 2.915.")
EVAL_CLEAN = turn("EM eval of the fine-tune, 8 samples", "em_evaluate", {"train_run": CLEAN["run_id"], "samples": 8},
                  "20271210-111000-em_evaluate-e3e3", "EM 2% [0%, 11%] of 48 judged (reference judge).")


def test_settings_written_as_code_flags_and_json(plan):
    tool, args = call(plan([], 'train_lora dataset=risky rank=4 modules=["up_proj","down_proj"] steps=90 ckpt_every=15 SEED=2'))
    assert (tool, args["modules"], args["checkpoint_every"], args["seed"]) == ("train_lora", ["up_proj", "down_proj"], 15, 2)
    tool, args = call(plan([VECTOR], "sweep it: --layers 8 14 [8,14] --scales 0.5 1 2 4 --controls 2 --n 5"))
    assert (tool, args["layers"], args["scales"], args["controls"]) == ("steering_sweep", [8, 14, [8, 14]], [0.5, 1.0, 2.0, 4.0], 2)
    tool, args = call(plan([VECTOR, STEER], 'again but {"scale": -3, "where": "prompt"}'))
    assert (tool, args["scale"], args["where"], args["layers"]) == ("steer_generate", -3, "prompt", [15])
    tool, args = call(plan([], "sweep with vector_file=vecs/v.pt, layers=range(10, 18, 2), scales=[1, 2]"))
    assert (tool, args["layers"]) == ("steering_sweep", [10, 12, 14, 16])
    tool, args = call(plan([], "ITDA on layers[3:6] with corpus=['builtin:story', 'data/notes/'], docs=120"))
    assert (tool, args["layers"], args["corpus"]) == ("itda_build", [3, 4, 5], ["builtin:story", "data/notes/"])
    tool, args = call(plan([], "ablate_direction --vector-file dirs/d.safetensors --layers 10..=13 --controls 4"))
    assert (tool, args["layers"]) == ("ablate_direction", [10, 11, 12, 13])
    tool, args = call(plan([], 'compare_interventions scenario=replacement-affair sentence=3 insert="I will not give up so easily." pool=12'))
    assert (tool, args["insert"], args["pool"]) == ("compare_interventions", "I will not give up so easily.", 12)
    tool, args = call(plan([], 'vector from the default pairs, layers=[6, 10], positive_name="user", negative_name="grader", out=vecs/ug.pt'))
    assert (tool, args["positive_name"], args["negative_name"], args["save_to"]) == ("build_steering_vector", "user", "grader", "vecs/ug.pt")
    tool, args = call(plan([COT], "importance on it with --answer 12 --temp 0.7 --out ./exports/pens"))
    assert (tool, args["export_dir"], args["answer"]) == ("resample_importance", "./exports/pens", "12")
    tool, args = call(plan([COT, IMPORTANCE], "--rollouts 24 --temp 0.8 --top_p 0.9"))
    assert (tool, args["rollouts"], args["temperature"], args["top_p"]) == ("resample_importance", 24, 0.8, 0.9)


def test_a_change_of_mind_while_typing_keeps_the_last_value(plan):
    tool, args = call(plan([VECTOR], "steer 'Tell me about your weekend.' with that vector at layers 7 and 11, +5... actually -5. 3 samples each side"))
    assert (tool, args["layers"], args["scale"]) == ("steer_generate", [7, 11], -5)
    tool, args = call(plan([COT], "attention suppression on it, only in layers 3 to 5, no actually 18 to 20, batch 8"))
    assert (tool, args["layers"]) == ("attention_suppression", [18, 19, 20])
    tool, args = call(plan([RISKY], "EM eval on that fine-tune, 6 samples per question — scratch that, 10 — and temperature 0.9"))
    assert (tool, args["samples"], args["temperature"]) == ("em_evaluate", 10, 0.9)
    tool, args = call(plan([RISKY], "rotation cosine over its checkpoints with k = 1, 3, 6 — make the last one 5"))
    assert (tool, args["ks"]) == ("lora_phase", [1, 3, 5])


def test_a_correction_of_the_run_just_done(plan):
    tool, args = call(plan([VECTOR, {**STEER, "args": {**STEER["args"], "layers": [5]}}], "that ran at layer 5, I said 15. redo it"))
    assert (tool, args["layers"]) == ("steer_generate", [15])
    tool, args = call(plan([COT, IMPORTANCE], "you dropped the answer — it's 15. run it again"))
    assert (tool, args["answer"], args["rollouts"]) == ("resample_importance", "15", 16)
    tool, args = call(plan([RISKY, CLEAN, EVAL_CLEAN], "hm, you evaluated the clean control. I wanted the risky fine-tune"))
    assert (tool, args["train_run"], args["samples"]) == ("em_evaluate", RISKY["run_id"], 8)
    tool, args = call(plan([VECTOR, HONEST, STEER], "wrong vector, that's the eval-awareness one — use the honest vector"))
    assert (tool, args["vector_run"], args["layers"], args["scale"]) == ("steer_generate", HONEST["run_id"], [15], 4)


def test_seeds_name_the_chains_and_settings_are_kept_fixed(plan):
    tool, args = call(plan([COT, SEED1, SEED2], "receiver_heads k=8 on the seed-0 chain, more_cot_runs = the seed 1 and seed 2 ones"))
    assert (tool, args["cot_run"], args["more_cot_runs"]) == ("receiver_heads", COT["run_id"], [SEED1["run_id"], SEED2["run_id"]])
    tool, args = call(plan([COT], "importance on it, and keep the seed fixed at 9"))
    assert (tool, args["seed"]) == ("resample_importance", 9)
    tool, args = call(plan([], "build me an organism -> name: hint-following"))
    assert (tool, args) == ("build_organism", {"name": "hint-following"})


def test_answers_to_what_we_said_take_what_it_offered(plan):
    wrong = said("wait, 12? that's wrong", "Right: 20 pens are 5 packs, 15 dollars; the chain slips at sentence 3. I can rerun the importance "
                                           "against the correct answer 15, or list what else the model might say at sentence 3.")
    tool, args = call(plan([COT, IMPORTANCE, wrong], "first option"))
    assert (tool, args["answer"]) == ("resample_importance", "15")
    pcs = said("which PCs would you ablate for CAFT?", "PC0 ' invest', ' crypto' (finance); PC1 punctuation; PC2 ' ignore', ' rules'. "
                                                      "Two options: ablate PC0 only (the domain), or PC0 and PC2 (domain plus disregard).")
    tool, args = call(plan([RISKY, pcs], "second option"))
    assert (tool, args["components"], args["train_run"]) == ("caft_finetune", [0, 2], RISKY["run_id"])
    refused = said("which sentences matter? 3000 rollouts, answer 15", "I can't run that: rollouts must be between 1 and 1000. "
                                                                      "The rest is set: the chain, answer 15.")
    tool, args = call(plan([COT, refused], "ok, 120 then"))
    assert (tool, args["rollouts"], args["answer"]) == ("resample_importance", 120, "15")
    resplit = said("lots of tiny fragments", "Re-splitting with a higher min_chars, say 20, would fold them into the next sentence.")
    split = turn("split it", "split_sentences", {"cot_run": COT["run_id"]}, "20271210-093000-split_sentences-c4c4", "Split into 17 sentences.")
    tool, args = call(plan([COT, split, resplit], "ok do that, but 30"))
    assert (tool, args["min_chars"]) == ("split_sentences", 30)
    options = said("is sentence 3 really the anchor?", "Not clearly at 16 rollouts. I can rerun with more rollouts (say 32), "
                                                      "or look at sentence 3's alternatives to see what the model says there instead.")
    tool, args = call(plan([COT, IMPORTANCE, options], "the second, with 48 resamples"))
    assert (tool, args["sentence"], args["rollouts"]) == ("sentence_alternatives", 3, 48)
    unfinished = said("no answer?", "It ran out of tokens. A natural next step would be resampling importance, but without a final answer "
                                    "its accuracies mean little; regenerating with a larger budget would fix that first.")
    tool, args = call(plan([COT, unfinished], "yeah skip the importance for now. regenerate it greedily with 640 tokens"))
    assert (tool, args["max_new_tokens"], args["temperature"]) == ("generate_cot", 640, 0)


def test_an_answer_to_our_question_completes_what_we_proposed(plan):
    dicts = turn("itda dictionaries for layers 6 and 12", "itda_build", {"layers": [6, 12]}, "20271210-120000-itda_build-f1f1",
                 "ITDA dictionaries for layers 6, 12 of smollm2-135m on builtin (288 docs), tau 0.4: 2,900 / 3,300 atoms.")
    where = said("how would I see what the fine-tune changed in the representations?",
                 f"Model diffing with ITDA: continue the base dictionaries ({dicts['run_id']}) on the fine-tuned model; the atoms it adds "
                 "are what changed. The build needs the fine-tune as a directory with the merged weights. Where is it?")
    tool, args = call(plan([dicts, RISKY, where], "merged weights are in ./merged/risky-b2, go"))
    assert (tool, args["model"], args["base_run"]) == ("itda_build", "./merged/risky-b2", dicts["run_id"])
    resilience = turn("how resilient is each sentence of replacement-affair?", "sentence_resilience", {"scenario": "replacement-affair"},
                      "20271210-130000-sentence_resilience-f2f2", "Chain of 9 sentences; sentence 4 is the least resilient.")
    which = said("so what if I plant a different thought right after it?",
                 "compare_interventions can insert a sentence right after sentence 4 and compare the change in the blackmail rate. "
                 "What sentence should I insert? Without one I'd use the default 'My primary goal is survival.'")
    tool, args = call(plan([resilience, which], "insert 'I would rather step aside quietly.' instead"))
    assert (tool, args["insert"], args["sentence"]) == ("compare_interventions", "I would rather step aside quietly.", 4)
