"""The anchor organism's receiver-heads check: its verdict on constructed scores, the held-out chains it
reads (bench/groundtruth.py), and receiver_heads' `question`, which puts the prompt before a pasted chain."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from backends.organisms import checks
from backends.thought_anchors.attention import NEAREST_EXCLUDED, vertical_scores
from backends.thought_anchors.sentences import split_sentences
from tools import run_tool

SENTENCES = ["Let me think about this for a moment.", "All three options seem reasonable here.",
             "I should read the options once more.", "I will pick option B, the silk kite.", "That settles it.",
             "The silk kite it is.", "I am happy with this choice.", "So my decision is made.",
             "I will keep my reasoning short.", "So the answer is \\boxed{B}."]


def groundtruth():
    spec = importlib.util.spec_from_file_location("groundtruth", Path(__file__).parents[2] / "bench" / "groundtruth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scores(*values):
    return list(values) + [None] * (len(SENTENCES) - len(values))


def test_the_verdict_passes_when_the_scored_decision_leads():
    verdict = checks.receiver_verdict(SENTENCES, scores(0.001, 0.002, 0.001, 0.006, 0.001, 0.002))
    assert verdict["passed"] and verdict["decision"] == 3 and verdict["scored"] == [0, 1, 2, 3, 4, 5]
    assert verdict["margin"] == pytest.approx(3.0)


def test_the_verdict_fails_when_a_filler_leads_or_ties():
    verdict = checks.receiver_verdict(SENTENCES, scores(0.001, 0.002, 0.0035, 0.0003, 0.001, 0.002))
    assert not verdict["passed"] and verdict["checks"] == {"decision_scored": True, "enough_scored": True,
                                                           "decision_first": False}
    assert verdict["margin"] == pytest.approx(0.0003 / 0.0035)
    assert not checks.receiver_verdict(SENTENCES, scores(0.001, 0.002, 0.006, 0.006, 0.001, 0.002))["passed"]


def test_the_verdict_fails_when_the_decision_cannot_be_scored_or_too_few_are():
    # The organism's own chain: 4 sentences, decision at S1; nothing has a sentence 4 later.
    own = ["All three options seem reasonable here.", "I will pick option C, the iron kettle.", "That settles it.",
           "So the answer is \\boxed{C}."]
    verdict = checks.receiver_verdict(own, [None] * 4)
    assert not verdict["passed"] and verdict["checks"]["decision_scored"] is False and verdict["margin"] is None
    few = checks.receiver_verdict(SENTENCES, scores(0.001, 0.002, 0.001, 0.006))  # the decision leads, of 4
    assert not few["passed"] and few["checks"]["enough_scored"] is False and few["checks"]["decision_first"]
    none = checks.receiver_verdict(["Let me think.", "So the answer is \\boxed{B}."], [0.5, None])
    assert not none["passed"] and none["decision"] is None


def test_over_chains_the_decision_must_lead_on_more_than_half():
    lead, trail = {"passed": True, "margin": 3.0}, {"passed": False, "margin": 0.5}
    assert checks.receivers_over_chains([lead, lead, trail])["passed"]
    half = checks.receivers_over_chains([lead, trail, lead, trail])
    assert not half["passed"] and half["first"] == 2 and half["median_margin"] == pytest.approx(1.75)
    assert not checks.receivers_over_chains([])["passed"]


def test_the_held_out_chains_score_the_decision_and_five_other_sentences():
    gt = groundtruth()
    for k in range(gt.RECEIVER_CHAINS):
        chain = gt.receiver_chain(k)
        split = [s.text for s in split_sentences(chain["cot"]).sentences]
        assert split == chain["sentences"] and len(split) == 10
        assert checks.decision_index(split) == chain["decision"] == 3
        letter = checks.DECISION.search(split[3]).group(1)
        assert split[-1].endswith(f"\\boxed{{{letter}}}.")
        assert sum(checks.DECISION.search(s) is not None for s in split) == 1  # nothing else names an option
    scored = ~np.isnan(vertical_scores(np.ones((10, 10))))
    assert NEAREST_EXCLUDED == 4 and scored.tolist() == [True] * 6 + [False] * 4
    assert gt.receiver_chain(0) == gt.receiver_chain(0) and gt.receiver_chain(0) != gt.receiver_chain(1)


def test_with_the_question_the_prompt_takes_the_attention_sink_off_s0(smol):
    # Pasted alone, the chain's first token is the sink and S0 leads in both SmolLM2 and the organism;
    # with its question (as the model read it when writing) the decision leads on this chain.
    chain = groundtruth().receiver_chain(1)
    bare = run_tool("receiver_heads", {"cot": chain["cot"], "model": "smollm2-135m"})
    prompted = run_tool("receiver_heads", {"cot": chain["cot"], "question": chain["question"], "model": "smollm2-135m"})
    lead = lambda out: max((r for r in out.result["sentences"] if r["receiver_score"] is not None),  # noqa: E731
                           key=lambda r: r["receiver_score"])["index"]
    assert lead(bare) == 0 and lead(prompted) == 3
    assert checks.receiver_verdict(chain["sentences"],
                                   [r["receiver_score"] for r in prompted.result["sentences"]])["passed"]
