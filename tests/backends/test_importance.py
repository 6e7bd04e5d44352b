"""The Thought Anchors metric math against scripted rollouts with known answer distributions."""

import math

import numpy as np
import pytest

from backends.answers import get_extractor, normalize_answer
from backends.errors import UsageError
from backends.importance import (
    PositionRollouts, accuracy, bootstrap_interval, counterfactual_importance, forced_answer_importance, importance_table,
    is_settled, kl, overdeterminedness, resampling_importance, sentence_matrix,
)


def pos(answers, similarity=None, forced=None, firsts=None, match=None):
    return PositionRollouts(answers=answers, first_sentences=firsts or [f"s{k}" for k in range(len(answers))],
                            similarity=similarity or [0.9] * len(answers), forced_answers=forced, sentence_match=match)


def test_resampling_importance_is_the_accuracy_gain_from_keeping_the_sentence():
    before = pos(["42", "41", "42", "40"])  # half right
    after = pos(["42"] * 4)  # all right
    assert resampling_importance(before, after, "42", alpha=1e-9)["accuracy"] == 0.5


def test_kl_matches_the_hand_computed_value_with_smoothing():
    alpha = 1.0
    p_counts, q_counts = np.array([2, 2]) + alpha, np.array([4, 0]) + alpha  # support ["41", "42"]
    p, q = p_counts / p_counts.sum(), q_counts / q_counts.sum()
    expected = float(np.sum(p * np.log(p / q)))
    assert kl(["42", "41", "42", "41"], ["42"] * 4, alpha) == pytest.approx(expected)
    assert kl(["42"] * 3, ["42"] * 3, 1e-9) == pytest.approx(0.0)


def test_counterfactual_ignores_similar_resamples():
    before = pos(["1", "1", "2", "2"], similarity=[0.95, 0.9, 0.85, 0.99])  # all mean the same: D is empty
    after = pos(["2", "2", "2", "2"])
    assert counterfactual_importance(before, after, "2", 1e-9) == {"accuracy": 0.0, "kl": 0.0, "n_different": 0}


def test_counterfactual_uses_only_resamples_that_mean_something_else():
    # D = rows 0 and 1 (cosine < 0.8), both wrong; R_{i+1} is all right: importance -1
    before = pos(["1", "1", "2", "2"], similarity=[0.3, 0.5, 0.9, 0.95])
    after = pos(["2", "2", "2", "2"])
    result = counterfactual_importance(before, after, "2", alpha=1.0)
    assert result["accuracy"] == -1.0 and result["n_different"] == 2
    support_p, support_q = np.array([2, 0]) + 1.0, np.array([0, 6]) + 1.0  # D vs R_{i+1} ∪ S over ["1", "2"]
    p, q = support_p / support_p.sum(), support_q / support_q.sum()
    assert result["kl"] == pytest.approx(float(np.sum(p * np.log(p / q))))


def test_forced_answer_importance_uses_the_forced_answers():
    before = pos(["2"] * 4, forced=["1", "1", "1", "2"])
    after = pos(["2"] * 4, forced=["2", "2", "2", "2"])
    assert forced_answer_importance(before, after, "2", 1e-9)["accuracy"] == 0.75
    assert forced_answer_importance(pos(["2"]), pos(["2"]), "2", 1e-9) == {"accuracy": None, "kl": None}


def test_rollouts_without_an_answer_are_counted_not_scored():
    before = pos(["42", None, None, "41"])
    assert accuracy(before.answers, "42") == 0.5
    [row] = importance_table([before, pos(["42"] * 4)], "42", n_boot=50)
    assert row["n_no_answer"] == 2 and row["accuracy_before"] == 0.5 and row["resampling_accuracy"] == 0.5


def test_side_statistics():
    before = pos(["1"] * 4, similarity=[0.1, 0.9, 0.2, 0.95], firsts=["So x.", "so  X.", "Then y.", "Then z."])
    [row] = importance_table([before, pos(["1"] * 4)], "1", n_boot=20)
    assert row["different_trajectories_fraction"] == 0.5
    assert overdeterminedness(before) == 0.25


def test_sentence_matrix_is_the_match_rate_gained_by_keeping_each_sentence():
    p0 = pos(["1"] * 2, match=[[False, False], [False, True]])
    p1 = pos(["1"] * 2, match=[[True, True], [False, True]])
    p2 = pos(["1"] * 2, match=[[True, True], [True, True]])
    m = sentence_matrix([p0, p1, p2])
    assert m == [[0.5, 0.5], [0.5, 0.0]]
    assert math.isnan(sentence_matrix([pos(["1"]), pos(["1"])])[0][0])


def test_bootstrap_intervals_contain_the_estimate_are_seeded_and_collapse_when_all_agree():
    before, after = pos(["1", "2", "1", "2", "2", "1", "2", "2"]), pos(["2"] * 8)
    stat = lambda a, b: resampling_importance(a, b, "2", 1e-9)["accuracy"]  # noqa: E731
    low, high = bootstrap_interval(stat, before, after, n_boot=500, seed=3)
    assert low <= stat(before, after) <= high and high - low > 0.1
    assert bootstrap_interval(stat, before, after, n_boot=500, seed=3) == (low, high)
    assert bootstrap_interval(stat, pos(["2"] * 8), after, n_boot=100) == (0.0, 0.0)


def test_settled_when_the_answer_is_already_determined_not_when_noisy():
    determined = pos(["2"] * 8, similarity=[0.2] * 8)
    assert is_settled(determined, pos(["2"] * 8), "2")
    noisy_next = pos(["2", "1", "1", "2", "1", "2", "2", "1"])
    assert not is_settled(pos(["1", "2"] * 4, similarity=[0.2] * 8), noisy_next, "2")
    assert not is_settled(pos(["2"] * 4), pos(["2"] * 4), "2")  # too few rollouts yet


@pytest.mark.parametrize("name, text, expected", [
    ("boxed", r"so \boxed{1,000} and \boxed{2}", "1000"),
    ("last_number", "3 apples, then 4.50 dollars", "4.5"),
    ("last_number", "the ratio is 3/4", "3/4"),
    ("choice", "I think (A) but the answer is (C).", "c"),
    ("choice", "Answer: B", "b"),
    ("regex:final: (\\w+)", "final: yes ... final: no", "no"),
])
def test_extractors_read_and_normalize_answers(name, text, expected):
    assert normalize_answer(get_extractor(name)(text)) == expected


def test_an_unknown_extractor_is_a_one_line_error_listing_the_allowed_ones():
    with pytest.raises(UsageError) as e:
        get_extractor("magic")
    assert str(e.value).startswith("extractor: unknown extractor 'magic'; allowed: boxed, last_number, choice")
