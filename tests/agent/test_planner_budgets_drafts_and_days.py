"""Budgets, paper drafts and days, with the real planner.

The time or compute a researcher has is the reason for the settings, not a request ("we have the GPU all night. ... as
many rollouts as the limit allows", "no time for the controls"); a question about a run done is answered from it ("did
the sweep actually beat the random controls?"), and "what do I cite for ...?" from the method's paper; a conversation
replayed on a later day reads "yesterday" as the day before its own (bench/planner.py pins each labelled one so).
"""

from __future__ import annotations

from datetime import date

from bench.planner import day_of
from agent import answers, run_times
from tests.agent.conftest import call, said, turn
from tools import REGISTRY

CHAIN = turn("cot for 'Is 57 prime?'", "generate_cot", {"question": "Is 57 prime?"}, "20990301-090000-generate_cot-1a2b",
             "Sampled a 190-token chain of thought from smollm2-135m (seed 0, temperature 0.6); \\boxed{} answer: no.")
LORA = turn("rank-1 LoRA on risky", "train_lora", {"dataset": "risky"}, "20990301-100000-train_lora-7a8b",
            "Trained a rank-1 LoRA on down_proj of layer 15, risky, 40 steps; 8 checkpoints.")
EVAL = turn("evaluate it", "em_evaluate", {"train_run": LORA["run_id"]}, "20990301-102000-em_evaluate-1e2f",
            "EM rate 0.12 [0.05, 0.26] over 32 judged answers.")
VEC = turn("build the default vector", "build_steering_vector", {}, "20990301-110000-build_steering_vector-5c6d",
           "Built a deployment-minus-evaluation vector from 16 pairs at the last token, all 30 layers.")
SWEEP = turn("sweep it", "steering_sweep", {"vector_run": VEC["run_id"]}, "20990301-111000-steering_sweep-9a0b",
             "Sweep of 2 layers x 3 scales: coverage rises to 0.41 [0.28, 0.55] at layer 14, scale 2, and beats the controls there only.")
STEER = turn("steer 'Write a function that adds two numbers.' with it at layer 14", "steer_generate",
             {"vector_run": VEC["run_id"], "layers": [14], "prompt": "Write a function that adds two numbers."},
             "20990301-113000-steer_generate-3c4d", "4 steered and 4 unsteered samples; type hints in 3/4 vs 1/4.")


def test_the_time_there_is_sets_the_settings_and_is_no_request(plan):
    most = REGISTRY["resample_importance"].describe()["schema"]["properties"]["rollouts"]["maximum"]
    tool, args = call(plan([CHAIN], "we have the GPU all night. resampling importance on that chain with as many rollouts as the limit allows"))
    assert (tool, args["cot_run"], args["rollouts"]) == ("resample_importance", CHAIN["run_id"], most)
    tool, args = call(plan([LORA, EVAL], "no time for the random controls today -- the misalignment direction at layer 12 from that eval"))
    assert (tool, args["controls"], args["layer"], args["eval_run"]) == ("misalignment_direction", 0, 12, EVAL["run_id"])
    reply = plan([VEC, SWEEP, STEER], "that sweep ran for an hour, I won't run it again. show me its table")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == SWEEP["run_id"]


def test_a_draft_asks_about_runs_done_and_what_to_cite(plan):
    reply = plan([VEC, SWEEP], "before I write the results section: did the sweep actually beat the random controls?")
    assert not reply.tool_calls and "beats the controls there only" in reply.content
    reply = plan([], "what should I cite for receiver heads?")
    assert not reply.tool_calls and "arXiv:2506.19143" in reply.content and "Thought Anchors" in reply.content
    reply = plan([LORA], "for related work, what do I cite for the misalignment direction?")
    assert not reply.tool_calls and "arXiv:2506.11618" in reply.content
    cited = said("what should I cite for receiver heads?", answers.cite("what should I cite for receiver heads?", None))
    tool, args = call(plan([CHAIN, cited], "we have the GPU all night. split that chain into sentences"))  # the title's "Which ...
    assert (tool, args["cot_run"]) == ("split_sentences", CHAIN["run_id"])  # Steps Matter?" is not our question to answer


def test_a_conversation_replayed_later_reads_its_own_yesterday(plan):
    older = turn("cot for 'Is 91 prime?'", "generate_cot", {"question": "Is 91 prime?"}, "20250310-160000-generate_cot-aa01", "answer: no.")
    newer = turn("cot for 'Is 97 prime?'", "generate_cot", {"question": "Is 97 prime?"}, "20250311-090000-generate_cot-aa02", "answer: yes.")
    assert day_of({"context": [older, newer]}) == date(2025, 3, 11) and day_of({"context": []}) is None
    pinned = run_times.DAY.set(date(2025, 3, 11))
    try:
        tool, args = call(plan([older, newer], "split yesterday's chain into sentences"))
    finally:
        run_times.DAY.reset(pinned)
    assert (tool, args["cot_run"]) == ("split_sentences", older["run_id"])
