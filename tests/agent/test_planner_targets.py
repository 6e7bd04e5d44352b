"""The run a follow-up works on, told apart from the runs it mentions, in real conversations with the real planner:
the same experiment on another target ("can you do the same on hint-planet?", "same but on the risky one", "now on
the CAFT model", "do the same diff for the hint-following organism"), a run said as the one whose settings are
copied ("same analysis as on the plain run", "exact same grid as the default one's sweep", "like the first run
but with seed 3"), a bare number that moves on to the next atom ("next one, 306", "show me 2291 the same way"),
"the plain rank-1 run", chains named by the kind of problem ("the linear equation chain"), and chains added
by seed ("with the seed 1 and 2 chains thrown in", "the other two seeds as extra chains").
"""

from __future__ import annotations

from tests.agent.conftest import call


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


RISKY = turn("risky lora", "train_lora", {"dataset": "risky"}, "20270919-090000-train_lora-1f0a",
             "Trained a rank-1 LoRA on risky for 40 steps; loss 2.38 -> 0.57.")
CLEAN = turn("and the clean control", "train_lora", {"dataset": "clean"}, "20270919-094500-train_lora-1f0b",
             "Trained a rank-1 LoRA on clean for 40 steps; loss 2.10 -> 0.93.")
CAFT = turn("caft against the risky run, ablate PCs 0 and 1", "caft_finetune", {"train_run": RISKY["run_id"], "components": [0, 1]},
            "20270919-113020-caft_finetune-51cd", "CAFT fine-tune with PCs [0, 1] ablated at layer 15; misaligned preference: plain +0.41, CAFT +0.06.")
QUESTION = "Tom is twice as old as Ana. In 5 years their ages will sum to 40. How old is Ana now?"


def test_the_same_experiment_on_a_value_of_its_setting_keeps_the_rest(plan):
    mediation = turn("hint mediation on hint-capital, 16 rollouts per position", "hint_mediation", {"scenario": "hint-capital", "rollouts": 16},
                     "20270501-100000-hint_mediation-6b2c", "Cue-answer rate rises from 0.10 to 0.85 over 6 positions.")
    assert call(plan([mediation], "can you do the same on hint-planet?")) == ("hint_mediation", {"scenario": "hint-planet", "rollouts": 16})


def test_the_same_experiment_on_a_run_described_or_named_by_its_tool(plan):
    direction = turn("misalignment direction at layer 12 in the clean finetune", "misalignment_direction",
                     {"train_run": CLEAN["run_id"], "layer": 12}, "20270919-103010-misalignment_direction-6c3d", "Direction at layer 12.")
    assert call(plan([RISKY, CLEAN, direction], "ok basically nothing. same but on the risky one")) == (
        "misalignment_direction", {"train_run": RISKY["run_id"], "layer": 12})
    evaluation = turn("em eval of the plain fine-tune, 10 samples, seed 2", "em_evaluate", {"train_run": RISKY["run_id"], "samples": 10, "seed": 2},
                      "20270919-130505-em_evaluate-9a2e", "EM rate 12.5% over 80 answers.")
    assert call(plan([RISKY, CAFT, evaluation], "now on the CAFT model")) == (
        "em_evaluate", {"train_run": CAFT["run_id"], "samples": 10, "seed": 2})


def test_the_same_experiment_on_an_organism_of_the_zoo(plan):
    base = turn("itda at layers 10 and 20", "itda_build", {"layers": [10, 20]}, "20271031-080000-itda_build-9dab", "Dictionaries at layers 10 and 20.")
    tuned = turn("continue those on organism:misaligned", "itda_build", {"model": "organism:misaligned", "layers": [10, 20], "base_run": base["run_id"]},
                 "20271031-093000-itda_build-9dac", "Continued the dictionaries on organism:misaligned: 412 atoms added.")
    assert call(plan([base, tuned], "do the same diff for the hint-following organism")) == (
        "itda_build", {"model": "organism:hint-following", "layers": [10, 20], "base_run": base["run_id"]})


def test_a_run_whose_settings_are_copied_is_not_the_run_worked_on(plan):
    phase = turn("phase transition on it", "lora_phase", {"train_run": RISKY["run_id"]}, "20270919-120000-lora_phase-3a0e", "Sharpest turn at step 34.")
    assert call(plan([RISKY, phase, CAFT], "does the caft adapter have a phase transition too? same analysis as on the plain run but ks 1, 2 and 4")) == (
        "lora_phase", {"train_run": CAFT["run_id"], "ks": [1, 2, 4]})
    probe = turn("probe the caft adapters", "lora_probe", {"train_run": CAFT["run_id"]}, "20270919-140000-lora_probe-ecd6", "Probe accuracy 0.71.")
    assert call(plan([RISKY, CAFT, probe], "probe the plain rank-1 run aswell, only the aligned vs misaligned task, and C=0.05")) == (
        "lora_probe", {"train_run": RISKY["run_id"], "tasks": ["aligned_vs_misaligned"], "C": 0.05})


def test_like_the_first_run_reruns_it_as_it_was_with_the_change(plan):
    first = turn(f"have the model reason about: {QUESTION}", "generate_cot", {"question": QUESTION}, "20270922-100000-generate_cot-aa10",
                 "Sampled a 244-token chain of thought (seed 0, temperature 0.6); \\boxed{} answer: 10.")
    hot = turn("again at temperature 1.3", "generate_cot", {"question": QUESTION, "temperature": 1.3}, "20270922-100400-generate_cot-aa11",
               "Sampled a 256-token chain of thought (seed 0, temperature 1.3); no \\boxed{} answer.")
    assert call(plan([first, hot], "that's garbage. like the first run but with seed 3")) == (
        "generate_cot", {"question": QUESTION, "temperature": 0.6, "seed": 3})  # not the 1.3 of the run since


def test_a_bare_number_after_an_atom_is_the_next_atom(plan):
    build = turn("itda on all layers", "itda_build", {}, "20270925-090000-itda_build-ab90", "Dictionaries for 30 layers.")
    explain = turn("show atom 305 at layer 12", "itda_explain", {"dictionary_run": build["run_id"], "layer": 12, "atom": 305},
                   "20270925-093030-itda_explain-ab91", "Atom 305 (layer 12): source ' because'.")
    expected = {"dictionary_run": build["run_id"], "layer": 12}
    assert call(plan([build, explain], "next one, 306")) == ("itda_explain", {**expected, "atom": 306})
    assert call(plan([build, explain], "now show me 2291 the same way")) == ("itda_explain", {**expected, "atom": 2291})


def test_a_chain_named_by_the_kind_of_problem(plan):
    equation = turn("cot for: If 3x + 7 = 25, what is x?", "generate_cot", {"question": "If 3x + 7 = 25, what is x?"},
                    "20280225-093800-generate_cot-51fc", "Sampled a 112-token chain of thought; \\boxed{} answer: 6.")
    area = turn("cot for: A rectangle has perimeter 30 and width 5. What is its area?", "generate_cot",
                {"question": "A rectangle has perimeter 30 and width 5. What is its area?"}, "20280225-094500-generate_cot-51fd",
                "Sampled a 189-token chain of thought; \\boxed{} answer: 50.")
    tool, args = call(plan([equation, area], "attention suppression on the linear equation chain"))
    assert tool == "attention_suppression" and args["cot_run"] == equation["run_id"]


def test_chains_added_by_seed_leave_the_main_chain_as_said(plan):
    chains = [turn(f"cot for the gcd question, seed {s}", "generate_cot", {"question": "What is the gcd of 84 and 126?", "seed": s},
                   f"20280224-09{s}000-generate_cot-4ee{s}", f"Sampled a chain of thought (seed {s}, temperature 0.6).") for s in range(3)]
    heads = turn("receiver heads on the seed-2 chain alone", "receiver_heads", {"cot_run": chains[2]["run_id"], "k": 15},
                 "20280224-100140-receiver_heads-ca52", "Top receiver heads: L12H3, L14H7.")
    assert call(plan([*chains, heads], "rerun that with the seed 0 and 1 chains thrown in so I get split-half reliability")) == (
        "receiver_heads", {"cot_run": chains[2]["run_id"], "k": 15, "more_cot_runs": [chains[0]["run_id"], chains[1]["run_id"]]})
    tool, args = call(plan([*chains, heads], "receiver heads with the seed 0 chain as the main one and the other two seeds as extra chains, top 10"))
    assert tool == "receiver_heads" and args["cot_run"] == chains[0]["run_id"] and args["more_cot_runs"] == [chains[1]["run_id"], chains[2]["run_id"]]
