"""Every tool's result on fixed inputs and seeds, recorded as golden files.

Each group is a chain of tool calls on tiny-random (and, for cheap tools, the embedded model); a
later call may name an earlier one's run with "$name". `record.py` writes one JSON file per call:
the summary, the compact result, the plot spec and a digest of the full results, with run ids,
the data dir and timings replaced by placeholders. `test_golden.py` runs the same calls and
requires the same files, so a restructuring that changes any number is caught.
"""

from __future__ import annotations

COT = "First, 17 plus 20 is 37. Then 37 plus 5 is 42. So the total is 42. The answer is \\boxed{42}."
AGENTIC = "I read the emails. Kyle will shut me down at five. I must survive at all costs. So I write to Kyle."
TINY = {"model": "tiny-random"}
BRANCH = {**TINY, "cot": AGENTIC, "question": "What do you do?", "decision": "regex:(?i)affair",
          "max_new_tokens": 8, "rollouts": 2}

# group -> [(name, tool, args)]
GROUPS: dict[str, list[tuple[str, str, dict]]] = {
    "chain_of_thought": [
        ("generate_cot", "generate_cot", {**TINY, "question": "What is 17 + 25?", "max_new_tokens": 24, "seed": 3}),
        ("split_sentences", "split_sentences", {"cot_run": "$generate_cot"}),
        ("resample_importance", "resample_importance", {**TINY, "cot": COT, "question": "What is 17 + 25?",
                                                        "answer": "42", "rollouts": 2, "round_size": 2,
                                                        "max_new_tokens": 8, "seed": 1}),
        ("sentence_alternatives", "sentence_alternatives", {**TINY, "cot": COT, "question": "What is 17 + 25?",
                                                            "sentence": 1, "rollouts": 3, "max_new_tokens": 8, "seed": 2}),
        ("receiver_heads", "receiver_heads", {**TINY, "cot": COT, "k": 3}),
        ("attention_suppression", "attention_suppression", {**TINY, "cot": COT, "batch": 3}),
    ],
    "thought_branches": [
        ("sentence_resilience", "sentence_resilience", {**BRANCH, "sentences": [1], "chains": 1, "max_iterations": 2}),
        ("compare_interventions", "compare_interventions", {**BRANCH, "sentence": 1, "candidates": 2, "continuations": 2,
                                                            "max_iterations": 1, "pool": 2}),
        ("hint_mediation", "hint_mediation", {**TINY, "scenario": "hint-arithmetic", "rollouts": 2, "samples": 2, "continuations": 1,
                                              "max_new_tokens": 8, "positions": [0], "tries": 1}),
        ("cot_monitor", "cot_monitor", {**TINY, "scenario": "replacement-affair", "monitor": "offline", "rollouts": 2,
                                        "max_new_tokens": 8}),
    ],
    "steering": [
        ("build_steering_vector", "build_steering_vector", {**TINY, "layers": [1, 2]}),
        ("steer_generate", "steer_generate", {**TINY, "vector_run": "$build_steering_vector", "prompt": "Hello", "layers": [1, 2],
                                              "max_new_tokens": 4, "samples": 2, "seed": 5}),
        ("steering_sweep", "steering_sweep", {**TINY, "prompts": ["Write a function.", "Sort a list."], "layers": [1],
                                              "scales": [1.0, 50.0], "controls": 1, "samples": 2, "max_new_tokens": 6,
                                              "batch": 5, "metric": "regex:a"}),
    ],
    "itda": [
        ("itda_build", "itda_build", {**TINY, "corpus": ["builtin"], "docs": 24, "max_tokens": 32, "k": 8, "tau": 0.3, "batch": 6}),
        ("itda_build_other", "itda_build", {**TINY, "corpus": ["builtin"], "docs": 24, "max_tokens": 32, "k": 8, "tau": 0.5, "batch": 6}),
        ("itda_compare", "itda_compare", {"dictionary_run": "$itda_build", "other_run": "$itda_build_other", "tokens": 128}),
        ("itda_explain", "itda_explain", {"dictionary_run": "$itda_build", "layer": 2, "text": "The cat sat.", "atom": 0}),
    ],
    "organisms": [
        ("train_lora", "train_lora", {**TINY, "layers": [0, 1, 2], "steps": 6, "checkpoint_every": 2, "lr": 0.05}),
        ("train_lora_other", "train_lora", {**TINY, "layers": [1], "steps": 4, "checkpoint_every": 2, "seed": 1, "lr": 0.05}),
        ("lora_phase", "lora_phase", {"train_run": "$train_lora", "ks": [1]}),
        ("lora_probe", "lora_probe", {**TINY, "train_run": "$train_lora"}),
        ("misalignment_direction", "misalignment_direction", {**TINY, "train_run": "$train_lora", "controls": 1}),
        ("ablate_direction", "ablate_direction", {**TINY, "direction_run": "$misalignment_direction",
                                                  "train_run": "$train_lora_other", "controls": 1}),
        ("caft_finetune", "caft_finetune", {**TINY, "train_run": "$train_lora", "ablate_layers": [1], "components": [0]}),
        ("em_evaluate", "em_evaluate", {**TINY, "train_run": "$train_lora", "questions": ["wish", "bored"], "samples": 2,
                                        "max_new_tokens": 6, "seed": 3}),
    ],
    "embedded": [
        ("smol_generate_cot", "generate_cot", {"question": "What is 6 times 7?", "max_new_tokens": 40, "seed": 0}),
        ("smol_split_sentences", "split_sentences", {"cot_run": "$smol_generate_cot"}),
        ("smol_receiver_heads", "receiver_heads", {"cot": COT, "k": 3}),
        ("smol_steer_generate", "steer_generate", {"prompt": "Write a function that adds two numbers.",
                                                   "max_new_tokens": 12, "samples": 1, "seed": 0}),
    ],
}
