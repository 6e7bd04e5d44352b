"""The resampling experiment end to end, with a scripted sampler whose answer distributions are known."""

import random

import pytest

from backends.thought_anchors.answers import boxed_answer
from backends.subject.sampling import Rollout
from backends.thought_anchors.resampling import ANSWER_CUE, ImportanceRun, Settings, answer_cue, prefixes

COT = "First, I add the tens: 10 + 20 is 30. Then the ones give 12, so 42. The answer is \\boxed{42}."


class ScriptedSampler:
    """Before the anchor sentence ("Then the ones...") answers are a coin flip between 41 and 42;
    once it is in the prefix the answer is always 42."""

    name = "scripted"

    def __init__(self):
        self.calls = []

    def sample(self, prefix, n, params, **kwargs):
        self.calls.append((prefix, n))
        rng = random.Random(params.seed)
        determined = "so 42." in prefix
        out = []
        for _ in range(n):
            answer = "42" if determined or rng.random() < 0.5 else "41"
            if prefix.endswith(ANSWER_CUE):
                out.append(Rollout(text=answer, n_tokens=1, finish_reason="stop"))
            else:
                opener = rng.choice(["Then the ones give 12, so 42.", "Next I count apples in a basket."])
                out.append(Rollout(text=f"{opener} The answer is \\boxed{{{answer}}}.", n_tokens=12, finish_reason="eos"))
        return out


def test_prefixes_rebuild_the_text_before_and_after_each_sentence():
    run = ImportanceRun(ScriptedSampler(), "PROMPT ", COT, boxed_answer, None, Settings())
    texts = prefixes("PROMPT ", run.split)
    assert len(texts) == run.n + 1 == 4
    assert texts[0] == "PROMPT " and texts[-1] == "PROMPT " + COT
    assert texts[2] == "PROMPT First, I add the tens: 10 + 20 is 30. Then the ones give 12, so 42. "


def test_the_anchor_sentence_is_found_and_determined_positions_stop_early():
    sampler = ScriptedSampler()
    run = ImportanceRun(sampler, "Q: 10 + 32?\n", COT, boxed_answer, "42",
                        Settings(rollouts=48, round_size=8, adaptive=True, n_boot=200))
    assert run.advance()
    counts = run.counts()
    # The last position serves only sentence 2, after the anchor: settled at the first check.
    # Positions 0-2 serve a sentence whose answer is still a coin flip before it: more rollouts.
    assert counts[3] == 8 and min(counts[:3]) > 8
    assert sum(counts) < 48 * 4  # fewer than the fixed budget
    table = run.table()
    anchor = table[1]  # "Then the ones give 12, so 42."
    assert anchor["resampling_accuracy"] > 0.3 and anchor["accuracy_after"] == 1.0
    assert table[2]["resampling_accuracy"] == 0.0
    assert run.accuracy_against == "correct answer"


def test_without_a_correct_answer_accuracy_is_agreement_with_the_original_answer():
    run = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, None, Settings(rollouts=8, adaptive=False, n_boot=50))
    assert run.reference == "42" and run.accuracy_against == "original answer"


def test_a_stopped_experiment_resumes_from_its_state():
    settings = Settings(rollouts=16, round_size=8, adaptive=False, n_boot=50)
    first = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings)
    rounds = []
    assert not first.advance(should_stop=lambda: len(rounds) >= 1, on_checkpoint=lambda: rounds.append(1))
    assert first.counts() == [8] * 4  # the first round, whole
    resumed = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings, state=first.state)
    assert resumed.advance()
    assert resumed.counts() == [16] * 4
    whole = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings)
    whole.advance()
    assert resumed.state == whole.state


def test_a_stop_inside_a_round_keeps_none_of_it_and_the_resumed_run_is_the_same():
    settings = Settings(rollouts=16, round_size=8, adaptive=False, n_boot=50)
    first = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings)
    calls = []
    assert not first.advance(should_stop=lambda: (calls.append(1) or len(calls)) > 3)  # inside round 0's batch
    assert first.counts() == [0] * 4 and first.state["rounds"] == 0
    resumed = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings, state=first.state)
    assert resumed.advance()
    whole = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings)
    whole.advance()
    assert resumed.state == whole.state


def test_alternatives_are_counted_most_frequent_first():
    run = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", Settings(rollouts=16, adaptive=False, n_boot=20))
    run.advance()
    alternatives = run.alternatives(1)
    assert sum(a["count"] for a in alternatives) == 16
    assert alternatives[0]["count"] >= alternatives[-1]["count"]
    same = next(a for a in alternatives if a["sentence"].startswith("Then the ones"))
    assert same["similarity"] > 0.99


class EndedChain:
    """A chain that ended on its own: from after its last sentence the model adds nothing (empty
    continuations); before that, it answers 42 once the anchor is in the prefix, else 41."""

    name = "ended"

    def __init__(self):
        self.forced_prefixes = []

    def sample(self, prefix, n, params, **kwargs):
        if prefix.endswith(ANSWER_CUE):
            self.forced_prefixes.append(prefix)
            return [Rollout("42", 1, "stop")] * n
        if prefix.rstrip().endswith("\\boxed{42}."):
            return [Rollout("", 0, "eos")] * n
        answer = "42" if "so 42." in prefix else "41"
        return [Rollout(f"Next I count apples in a basket. The answer is \\boxed{{{answer}}}.", 12, "eos")] * n


def test_after_a_chain_that_ended_on_its_own_the_answer_is_read_from_the_chain():
    run = ImportanceRun(EndedChain(), "Q\n", COT, boxed_answer, "42", Settings(rollouts=4, adaptive=False, n_boot=20))
    assert run.advance()
    assert run.state["positions"][-1]["texts"] == [""] * 4
    assert run.state["positions"][-1]["answers"] == ["42"] * 4  # the chain plus the (empty) continuation
    last = run.table()[-1]
    assert last["accuracy_after"] == 1.0 and last["resampling_accuracy"] == 0.0 and last["counterfactual_accuracy"] == 0.0
    # only there: before the last sentence a continuation without an answer stays without one
    run.record(1, ["I give up."], [])
    assert run.state["positions"][1]["answers"][-1] is None


def test_the_forced_cue_closes_an_open_think_block_first():
    assert answer_cue("<|assistant|><think>\nFirst.") == "\n</think>" + ANSWER_CUE
    assert answer_cue("<think>\nFirst.</think>\nSo.") == ANSWER_CUE  # closed already: the answer part
    assert answer_cue("Plain prompt. First.") == ANSWER_CUE
    sampler = EndedChain()
    run = ImportanceRun(sampler, "<|assistant|><think>\n", COT, boxed_answer, "42",
                        Settings(rollouts=1, adaptive=False, n_boot=10))
    run.advance()
    assert len(sampler.forced_prefixes) == 4
    assert all(p.endswith("\n</think>\n\nTherefore, the final answer is \\boxed{") for p in sampler.forced_prefixes)
    assert all(p.count("</think>") == 1 for p in sampler.forced_prefixes)


def test_placeholder_answers_count_as_no_answer():
    run = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", Settings(rollouts=4, n_boot=10))
    run.record(0, ["Hmm. So \\boxed{answer}.", "So \\boxed{your answer}.", "So \\boxed{...}.", "So \\boxed{42}."],
               ["answer", "...", " ", "42"])
    position = run.state["positions"][0]
    assert position["answers"] == [None, None, None, "42"]
    assert position["forced"] == [None, None, None, "42"] and position["forced_texts"][0] == "answer"


def test_equal_answers_written_apart_are_one_answer_with_math_verify():
    pytest.importorskip("math_verify")
    run = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "0.5", Settings(rollouts=4, n_boot=10))
    run.record(0, [f"So \\boxed{{{a}}}." for a in ("1/2", "2/4", "\\frac{1}{2}", "0.50")], ["1/2", "1/3"])
    assert run.classes.mode == "math" and run.reference == "0.5"
    assert run.state["positions"][0]["answers"] == ["0.5"] * 4 and run.state["positions"][0]["forced"] == ["0.5", "1/3"]
    exact = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "0.5",
                          Settings(rollouts=4, n_boot=10, equivalence="exact"))
    exact.record(0, [f"So \\boxed{{{a}}}." for a in ("1/2", "2/4", "\\frac{1}{2}", "0.50")], [])
    assert exact.state["positions"][0]["answers"] == ["1/2", "2/4", "1/2", "0.5"]
