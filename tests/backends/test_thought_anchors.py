"""The resampling experiment end to end, with a scripted sampler whose answer distributions are known."""

import random

from backends.answers import boxed_answer
from backends.sampling import Rollout
from backends.thought_anchors import ANSWER_CUE, ImportanceRun, Settings, prefixes

COT = "First, I add the tens: 10 + 20 is 30. Then the ones give 12, so 42. The answer is \\boxed{42}."


class ScriptedSampler:
    """Before the anchor sentence ("Then the ones...") answers are a coin flip between 41 and 42;
    once it is in the prefix the answer is always 42."""

    name = "scripted"

    def __init__(self):
        self.calls = []

    def sample(self, prefix, n, *, seed=0, stop=None, **kwargs):
        self.calls.append((prefix, n))
        rng = random.Random(seed)
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
    calls = []
    assert not first.advance(should_stop=lambda: (calls.append(1) or len(calls)) > 3)
    partial = sum(first.counts())
    assert 0 < partial < 16 * 4
    resumed = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", settings, state=first.state)
    assert resumed.advance()
    assert resumed.counts() == [16] * 4


def test_alternatives_are_counted_most_frequent_first():
    run = ImportanceRun(ScriptedSampler(), "Q\n", COT, boxed_answer, "42", Settings(rollouts=16, adaptive=False, n_boot=20))
    run.advance()
    alternatives = run.alternatives(1)
    assert sum(a["count"] for a in alternatives) == 16
    assert alternatives[0]["count"] >= alternatives[-1]["count"]
    same = next(a for a in alternatives if a["sentence"].startswith("Then the ones"))
    assert same["similarity"] > 0.99
