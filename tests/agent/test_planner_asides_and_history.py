"""Settings told in passing, numbers as researchers write them, and runs named by their place in the history,
with the real planner.

"the paper used 100 rollouts", "the overnight run crashed at batch 64": what others did sets nothing; "she said to use
seed 7" is advice taken. "1,500 new tokens", "every fifth layer from 0 to 25", "a few times, say 12". "undo that, back
to 16 rollouts", "undo that last change", "two more layers on the end", "2.0 and 4.0 added to the scales", "one fewer
control than the direction run", "try it on the one before", "now do to the organism what we did to the base with the
ablation", "the seed-two chain", "the tau point two dictionary"; a question, then an order.
"""

from __future__ import annotations

from tests.agent.conftest import call


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def intent(reply) -> str:
    return reply.response_metadata["intent"]


COT = turn("cot: What is 3/4 of 32?", "generate_cot", {"question": "What is 3/4 of 32?"}, "20270901-090000-generate_cot-a001",
           "Sampled a chain; \\boxed{} answer: 24.")
IMP16 = turn("thought anchors, answer 24, 16 rollouts", "resample_importance", {"cot_run": COT["run_id"], "answer": "24", "rollouts": 16},
             "20270901-092000-resample_importance-a003", "Importance over 9 sentences.")
IMP32 = turn("again w 32 rollouts, no forced answers", "resample_importance", {"cot_run": COT["run_id"], "answer": "24", "rollouts": 32, "forced": False},
             "20270901-093000-resample_importance-a004", "Importance over 9 sentences.")
VEC = turn("build a vector", "build_steering_vector", {}, "20270901-100000-build_steering_vector-b001", "Built a vector.")
ST1 = turn("steer 'Write a haiku.' at 0.6", "steer_generate", {"prompt": "Write a haiku.", "vector_run": VEC["run_id"]},
           "20270901-101000-steer_generate-b002", "3 vs 3 samples.")
ST2 = turn("scale 3", "steer_generate", {"prompt": "Write a haiku.", "vector_run": VEC["run_id"], "scale": 3.0}, "20270901-102000-steer_generate-b003",
           "3 vs 3 samples.")
SUPPRESSED = turn("suppress attention in layers 0 to 5", "attention_suppression", {"cot_run": COT["run_id"], "layers": [0, 1, 2, 3, 4, 5]},
                  "20270901-103000-attention_suppression-c001", "Suppression matrix 9x9.")
SWEEP = turn("sweep it at layers 10 and 14", "steering_sweep", {"vector_run": VEC["run_id"], "layers": [10, 14], "scales": [0.5, 1.0]},
             "20270901-104000-steering_sweep-c002", "Sweep 2 layers x 2 scales.")
L0 = turn("lora on risky, seed 0", "train_lora", {"seed": 0}, "20270901-110000-train_lora-d001", "Trained.")
L1 = turn("same with seed 1", "train_lora", {"seed": 1}, "20270901-111000-train_lora-d002", "Trained.")
DIRECTION = turn("misalignment direction of the seed-1 one at layer 14 with 5 controls", "misalignment_direction",
                 {"train_run": L1["run_id"], "layer": 14, "controls": 5}, "20270901-112000-misalignment_direction-d004", "Direction at layer 14.")
SEEDS = [turn(f"cot: Is 2^11 - 1 prime? seed {s}", "generate_cot", {"question": "Is 2^11 - 1 prime?", "seed": s},
              f"20270902-0902{s}0-generate_cot-f00{s}", "Sampled.") for s in (1, 2, 3)]
DICTS = [turn(f"itda at layer 12 with tau {t}", "itda_build", {"layers": [12], "tau": t}, f"20270901-12{i}000-itda_build-e00{i}", "Dictionary.")
         for i, t in enumerate((0.2, 0.4))]


def test_what_others_did_or_said_sets_nothing_but_advice_taken_does(plan):
    reply = plan([COT], "The paper used 100 rollouts per sentence, far too many for us. Could you find the thought anchors of that chain "
                        "with 16 rollouts, answer 24? Mira ran it with seed 0 and got noise.")
    assert call(reply) == ("resample_importance", {"cot_run": COT["run_id"], "answer": "24", "rollouts": 16})
    reply = plan([COT], "Can you run attention suppression on it in layers 3 to 5, batch 8? The overnight run crashed at batch 64, so let's be careful.")
    assert call(reply) == ("attention_suppression", {"cot_run": COT["run_id"], "layers": [3, 4, 5], "batch": 8})
    reply = plan([], "My supervisor suggested a first question: 'What is 6 * 7?'. Could you sample a chain of thought for it? She said to use seed 7.")
    assert call(reply) == ("generate_cot", {"question": "What is 6 * 7?", "seed": 7})


def test_numbers_written_as_researchers_write_them(plan):
    assert call(plan([], "cot for 'What is 12 * 13?', allow 1,500 new tokens")) == ("generate_cot", {"question": "What is 12 * 13?", "max_new_tokens": 1500})
    assert call(plan([VEC], "build the vector again reading every fifth layer from 0 to 25"))[1]["layers"] == [0, 5, 10, 15, 20, 25]
    reply = plan([COT], "which sentences mattered for its answer? try each sentence a few times, say 12, answer 24")
    assert call(reply) == ("resample_importance", {"cot_run": COT["run_id"], "answer": "24", "rollouts": 12})


def test_a_change_undone_or_counted_on_top_of_the_last_run(plan):
    reply = plan([COT, IMP16, IMP32], "32 didnt help. undo that, back to 16 rollouts but keep forced off")
    assert call(reply) == ("resample_importance", {"cot_run": COT["run_id"], "answer": "24", "rollouts": 16, "forced": False})
    reply = plan([VEC, ST1, ST2], "undo that last change")  # the scale the run before had (its default)
    assert call(reply) == ("steer_generate", {"prompt": "Write a haiku.", "vector_run": VEC["run_id"], "scale": 0.6})
    reply = plan([COT, SUPPRESSED], "again with two more layers on the end")
    assert call(reply) == ("attention_suppression", {"cot_run": COT["run_id"], "layers": [0, 1, 2, 3, 4, 5, 6, 7]})
    reply = plan([VEC, SWEEP], "rerun the sweep with 2.0 and 4.0 added to the scales")
    assert call(reply)[1]["scales"] == [0.5, 1.0, 2.0, 4.0]
    reply = plan([L0, L1, DIRECTION], "ablate that direction in the seed-0 fine-tune at layers 12 to 16, one fewer control than the direction run")
    assert call(reply) == ("ablate_direction", {"train_run": L0["run_id"], "direction_run": DIRECTION["run_id"], "layers": [12, 13, 14, 15, 16], "controls": 4})


def test_runs_named_by_their_place_or_a_setting_spelled_out(plan):
    reply = plan([L0, L1, DIRECTION], "meh. try it on the one before, the seed-0 fine-tune")
    assert call(reply) == ("misalignment_direction", {"train_run": L0["run_id"], "layer": 14, "controls": 5})
    reply = plan(SEEDS, "pull up the seed-two chain again")
    assert intent(reply) == "show" and reply.response_metadata["show"]["run_id"] == SEEDS[1]["run_id"] and not reply.tool_calls
    reply = plan(DICTS, "display the tau point two dictionary")
    assert intent(reply) == "show" and reply.response_metadata["show"]["run_id"] == DICTS[0]["run_id"] and not reply.tool_calls


BASE_DIRECTION = turn("misalignment direction on the base at layer 15", "misalignment_direction", {"layer": 15},
                      "20270903-090000-misalignment_direction-g001", "Direction at layer 15.")
ABLATED = turn("project it out at 13-17 with 5 controls", "ablate_direction",
               {"direction_run": BASE_DIRECTION["run_id"], "layers": [13, 14, 15, 16, 17], "controls": 5}, "20270903-091000-ablate_direction-g002", "Ablated.")
ORGANISM = turn("build the misaligned organism", "build_organism", {"name": "misaligned"}, "20270903-092000-build_organism-g003", "Built.")
EVAL = turn("em eval it, 8 samples", "em_evaluate", {"model": "organism:misaligned", "samples": 8}, "20270903-093000-em_evaluate-g004", "EM rate 0.25.")


def test_what_was_done_to_one_subject_done_to_another(plan):
    reply = plan([BASE_DIRECTION, ABLATED, ORGANISM, EVAL], "now do to the organism what we did to the base with the ablation")
    assert call(reply) == ("ablate_direction", {"direction_run": BASE_DIRECTION["run_id"], "layers": [13, 14, 15, 16, 17], "controls": 5,
                                                "model": "organism:misaligned"})


def test_a_question_then_an_order_runs_and_a_read_asked_for_runs_nothing(plan):
    reply = plan([], "I read that a narrow fine-tune can make a model broadly misaligned. can we try that? train it on the risky dataset, 50 steps")
    assert call(reply) == ("train_lora", {"dataset": "risky", "steps": 50})
    reply = plan([VEC, SWEEP], "Layer 10 beats the controls at 1 but not at 0.5. Is that plausible? Not asking you to rerun anything, I just want your read.")
    assert intent(reply) == "answer" and not reply.tool_calls
