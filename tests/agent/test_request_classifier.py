"""The request classifier: a second opinion on what a request asks for, learned from labelled requests.

Real planner, real embedder, the classifier fitted on agent/labelled_requests (kept in the model cache).
Each conversation here is one the rules alone read wrong (checked: `_by_rules`), so each test can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from agent import request_classifier, second_opinion
from bench.planner import messages_for, planner
from tests.agent.test_planner_followups import CHAIN, COT, IMPORTANCE, STEER, TRAIN_RISKY, VEC

MONITOR = {"user": "monitor that chain for blackmail intent", "tool": "cot_monitor", "args": {"cot_run": CHAIN, "intent": "blackmail"},
           "run_id": "20270801-120000-cot_monitor-ee11", "summary": "Flagged 2 of 6 sentences (S3, S5) at threshold 0.5."}


@pytest.fixture(scope="module")
def p():
    return planner()


def _read(reply):
    if reply.tool_calls:
        return reply.tool_calls[0]["name"], reply.tool_calls[0]["args"]
    return reply.response_metadata.get("intent"), reply.response_metadata.get("show") or {}


@pytest.mark.parametrize("context, request_, intent", [
    ([COT], "redo it for the other question", "clarify"),  # there is no other question
    ([VEC, STEER], "so negative scale = pushing it toward 'being evaluated', right? that's why it says 'for this test'?", "answer"),
])
def test_the_classifier_overrules_the_rules_where_it_is_much_surer(p, context, request_, intent):
    messages = messages_for({"context": context, "request": request_})
    assert _read(p._by_rules(messages, p.read(messages)))[0] != intent  # the rules alone start a tool
    assert _read(p.plan(messages))[0] == intent


def test_a_show_it_reads_shows_the_run_that_holds_it(p):
    messages = messages_for({"context": [COT, MONITOR], "request": "let me see which sentences it flagged"})
    assert _read(p._by_rules(messages, p.read(messages)))[0] == "cot_monitor"  # the rules alone run the monitor again
    reply = p.plan(messages)
    assert _read(reply) == ("show", {"run_id": MONITOR["run_id"], "part": "text"}) and not reply.tool_calls


@pytest.mark.parametrize("context, request_, tool, args", [
    ([COT], "resample sentence 0 of that cot 64 times", "sentence_alternatives", {"sentence": 0, "rollouts": 64, "cot_run": CHAIN}),
    ([TRAIN_RISKY], "make the L1 weaker, C=1", "lora_probe", {"C": 1.0, "train_run": TRAIN_RISKY["run_id"]}),
])
def test_a_tool_it_reads_gets_the_arguments_the_words_and_the_conversation_give(p, context, request_, tool, args):
    reply = p.plan(messages_for({"context": context, "request": request_}))
    assert _read(reply) == (tool, args)


def test_too_few_words_to_learn_from_are_left_to_the_rules(p):
    reply = p.plan(messages_for({"context": [COT, IMPORTANCE], "request": "thanks!"}))
    assert _read(reply)[0] == "answer"


def test_it_never_starts_an_expensive_tool_by_itself(p):
    tools = [t["name"] for t in p.tools]
    classes = ["answer", "clarify", "run:resample_importance", "show"]
    sure = request_classifier.RequestClassifier(tools, classes, np.zeros((4, 0)), np.zeros(4))
    sure.probabilities = lambda *a: {"answer": 1e-6, "clarify": 1e-6, "run:resample_importance": 1.0, "show": 1e-6}  # sure of it
    messages = messages_for({"context": [COT], "request": "and the hexagon one, what do you make of it"})
    turn = p.read(messages)
    reply = second_opinion.review(p, messages, p._by_rules(messages, turn), sure, turn)
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    assert "`resample_importance`" in reply.content.splitlines()[1]  # asked about first


def _small_training(tmp_path, monkeypatch) -> tuple[list[str], object, object]:
    """Forty labelled requests as the training files, and a fresh model cache: (their lines, their folder, the cache)."""
    source = (request_classifier.TRAINING / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    training = tmp_path / "labelled"
    training.mkdir()
    (training / "part.jsonl").write_text("\n".join(source) + "\n", encoding="utf-8")
    monkeypatch.setattr(request_classifier, "TRAINING", training)
    monkeypatch.setattr(request_classifier, "_FITTED", {})
    return source, training, tmp_path / "models"


def test_the_fit_is_kept_in_the_model_cache_and_redone_when_the_labelled_requests_change(tmp_path, monkeypatch):
    source, training, cache = _small_training(tmp_path, monkeypatch)
    fitted = request_classifier.load(cache)
    saved = list(cache.glob("request-classifier-*.npz"))
    assert len(saved) == 1
    request_classifier._FITTED.clear()  # a new process: read from the cache, not fitted again
    with monkeypatch.context() as fitting:
        fitting.setattr(request_classifier.RequestClassifier, "fit", None)
        again = request_classifier.load(cache)
    assert again.classes == fitted.classes and np.array_equal(again.coef, fitted.coef)
    request_classifier._FITTED.clear()
    (training / "part.jsonl").write_text("\n".join(source[:30]) + "\n", encoding="utf-8")
    request_classifier.load(cache)
    assert [p.name for p in cache.glob("request-classifier-*.npz")] != [saved[0].name]  # fitted anew; the old fit removed
    assert len(list(cache.glob("request-classifier-*.npz"))) == 1


def test_the_fit_is_redone_when_the_code_that_reads_requests_changes(tmp_path, monkeypatch):
    _, _, cache = _small_training(tmp_path, monkeypatch)
    request_classifier.load(cache)
    saved = [p.name for p in cache.glob("request-classifier-*.npz")]
    request_classifier._FITTED.clear()  # a new process, whose shorthand reader spells out one word more
    expand = request_classifier.routing.expand
    monkeypatch.setattr(request_classifier.routing, "expand", lambda text: expand(text).replace("vector", "steering vector"))
    request_classifier.load(cache)
    assert [p.name for p in cache.glob("request-classifier-*.npz")] != saved  # the same training files, fitted anew


def test_the_fit_reaches_the_same_weights_when_the_embeddings_differ_in_the_last_digits():
    # Another CPU embeds the requests a little differently (about 1e-7). A fit stopped short of the optimum
    # turned such noise into log-odds a tenth of a nat apart, enough to move requests across OVERRULE.
    cases = request_classifier._cases()[:600]
    tools = sorted({c["expect"]["tool"] for c in cases if c["expect"].get("tool")})
    x = request_classifier.features([c["request"] for c in cases], [c["context"][-1]["user"] if c.get("context") else "" for c in cases],
                                    [[t["tool"] for t in c.get("context", []) if t.get("tool")] for c in cases], tools)
    labels = [request_classifier.label(c["expect"]) for c in cases]
    noisy = x + np.random.default_rng(0).normal(0.0, 1e-6, x.shape).astype(np.float32)
    log_odds = [x.astype(np.float64) @ coef.T + intercept for _, coef, intercept in (request_classifier.solve(x, labels),
                                                                                      request_classifier.solve(noisy, labels))]
    assert np.abs(log_odds[0] - log_odds[1]).max() < 1e-2
