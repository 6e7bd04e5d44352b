"""The Thought Anchors metric math against scripted rollouts with known answer distributions.

Each test builds the positions a sampler would have produced (answers, first sentences and
their cosine with the original sentence, forced answers, sentence matches) and asserts the
number worked out by hand.
"""

import math

import numpy as np
import pytest

from backends.thought_anchors.importance import (
    PositionRollouts, accuracy, answer_distribution, bootstrap_interval, counterfactual_importance,
    different_trajectories_fraction, forced_answer_importance, importance_table, is_settled, kl, overdeterminedness,
    resampling_importance, sentence_matrix,
)

TINY = 1e-9  # the math code's smoothing


def pos(answers, similarity=None, forced=None, firsts=None, match=None):
    return PositionRollouts(answers=answers, first_sentences=firsts or [f"s{k}" for k in range(len(answers))],
                            similarity=similarity or [0.9] * len(answers), forced_answers=forced, sentence_match=match)


def kl_by_hand(p, q):
    return sum(pk * math.log(pk / qk) for pk, qk in zip(p, q))


# --- accuracy and answer distributions ---

def test_rollouts_without_an_answer_are_counted_not_scored():
    before = pos(["42", None, None, "41"])
    assert accuracy(before.answers, "42") == 0.5  # 1 of the 2 with an answer, not 1 of 4
    assert accuracy([None, None], "42") is None and accuracy(["42"], None) is None
    [row] = importance_table([before, pos(["42"] * 4)], "42", n_boot=50)
    assert row["n_rollouts"] == 4 and row["n_no_answer"] == 2
    assert row["accuracy_before"] == 0.5 and row["accuracy_after"] == 1.0 and row["resampling_accuracy"] == 0.5


def test_answer_distribution_is_laplace_smoothed_over_the_shared_support():
    assert answer_distribution(["1", None, "1", "2"], 0.0, ["1", "2", "3"]).tolist() == [2 / 3, 1 / 3, 0.0]
    assert answer_distribution(["1", None, "1", "2"], 1.0, ["1", "2", "3"]) == pytest.approx([3 / 6, 2 / 6, 1 / 6])


def test_kl_matches_the_hand_computed_value_with_smoothing():
    # support ["41", "42"]; alpha 1: P = (2+1, 2+1)/6, Q = (0+1, 4+1)/6
    assert kl(["42", "41", "42", "41"], ["42"] * 4, 1.0) == pytest.approx(0.5 * math.log(1.8), rel=1e-12)
    a = TINY  # a vanished answer costs about log(1/alpha): the math code's sharp KL
    p, q = [(2 + a) / (4 + 2 * a)] * 2, [a / (4 + 2 * a), (4 + a) / (4 + 2 * a)]
    assert kl(["42", "41", "42", "41"], ["42"] * 4, a) == pytest.approx(kl_by_hand(p, q), rel=1e-9)
    assert kl(["42"] * 3, ["42"] * 5, TINY) == 0.0
    assert kl([None, None], ["42"], 1.0) is None


# --- resampling importance ---

def test_resampling_importance_is_the_accuracy_gain_from_keeping_the_sentence():
    before = pos(["42", "41", "42", "40"])  # half right
    after = pos(["42"] * 4)  # all right
    result = resampling_importance(before, after, "42", alpha=1.0)
    assert result["accuracy"] == 0.5
    # support ["40", "41", "42"]: P = (1+1, 1+1, 2+1)/7, Q = (1, 1, 5)/7
    assert result["kl"] == pytest.approx(kl_by_hand([2 / 7, 2 / 7, 3 / 7], [1 / 7, 1 / 7, 5 / 7]), rel=1e-12)


def test_resampling_accuracy_needs_a_reference_but_its_kl_does_not():
    result = resampling_importance(pos(["1", "2"]), pos(["2", "2"]), None, alpha=1.0)
    assert result["accuracy"] is None and result["kl"] > 0


# --- counterfactual importance ---

def test_counterfactual_ignores_similar_resamples():
    before = pos(["1", "1", "2", "2"], similarity=[0.95, 0.9, 0.8, 0.99])  # all mean the same (0.8 is not < 0.8)
    after = pos(["2", "2", "2", "2"])
    assert resampling_importance(before, after, "2", TINY)["accuracy"] == 0.5
    assert counterfactual_importance(before, after, "2", TINY) == {"accuracy": 0.0, "kl": 0.0, "n_different": 0}


def test_counterfactual_uses_only_resamples_that_mean_something_else():
    # D = rows 0 and 1 (cosine < 0.8), both wrong; R_{i+1} is all right
    before = pos(["1", "1", "2", "2"], similarity=[0.3, 0.5, 0.9, 0.95])
    after = pos(["2", "2", "2", "2"])
    result = counterfactual_importance(before, after, "2", alpha=1.0)
    assert result["accuracy"] == -1.0 and result["n_different"] == 2
    # P_D over ["1", "2"] = (2+1, 0+1)/4; R_{i+1} ∪ S has six "2": Q = (0+1, 6+1)/8
    assert result["kl"] == pytest.approx(0.75 * math.log(6) + 0.25 * math.log(2 / 7), rel=1e-12)


def test_counterfactual_accuracy_with_a_mixed_dissimilar_set():
    before = pos(["2", "1", "1", "2"], similarity=[0.1, 0.2, 0.7, 0.95])  # D = rows 0-2: one of three right
    after = pos(["2", "2", "2", "1"])  # three of four right
    result = counterfactual_importance(before, after, "2", alpha=1.0, threshold=0.8)
    assert result["accuracy"] == pytest.approx(1 / 3 - 3 / 4, abs=1e-15) and result["n_different"] == 3
    # P_D = (2+1, 1+1)/5 over ["1", "2"]; R_{i+1} ∪ S = 2,2,2,1,2: Q = (1+1, 4+1)/7
    assert result["kl"] == pytest.approx(kl_by_hand([3 / 5, 2 / 5], [2 / 7, 5 / 7]), rel=1e-12)
    assert counterfactual_importance(before, after, "2", alpha=1.0, threshold=0.15)["n_different"] == 1


# --- forced-answer importance ---

def test_forced_answer_importance_uses_the_forced_answers():
    before = pos(["2"] * 4, forced=["1", "1", "1", "2"])
    after = pos(["2"] * 4, forced=["2", "2", "2", "2"])
    result = forced_answer_importance(before, after, "2", 1.0)
    assert result["accuracy"] == 0.75
    # P = (3+1, 1+1)/6, Q = (0+1, 4+1)/6 over ["1", "2"]
    assert result["kl"] == pytest.approx(2 / 3 * math.log(4) + 1 / 3 * math.log(2 / 5), rel=1e-12)


def test_without_forced_answers_the_forced_fields_are_none():
    assert forced_answer_importance(pos(["2"]), pos(["2"]), "2", TINY) == {"accuracy": None, "kl": None}
    [row] = importance_table([pos(["2"] * 4), pos(["2"] * 4)], "2", n_boot=20)
    assert all(row[f"forced_{k}{s}"] is None for k in ("accuracy", "kl") for s in ("", "_low", "_high"))


# --- side statistics ---

def test_side_statistics():
    before = pos(["1"] * 4, similarity=[0.1, 0.9, 0.2, 0.95], firsts=["So x.", "So x.", "Then y.", "so  X."])
    assert different_trajectories_fraction(before) == 0.5
    assert overdeterminedness(before) == 0.25  # word for word, as analyze_rollouts.py: "so  X." is another sentence
    [row] = importance_table([before, pos(["1"] * 4)], "1", n_boot=20)
    assert row["n_different"] == 2 and row["different_trajectories_fraction"] == 0.5
    assert row["overdeterminedness"] == 0.25


def test_side_statistics_drop_rollouts_without_an_answer_first_as_the_reference_does():
    # 4 rollouts, one without an answer: 1 of the 3 answered is different (the unanswered one, different
    # too, does not count): 1/3, not 2/4; its first sentence is no duplicate either.
    before = pos(["1", None, "1", "2"], similarity=[0.1, 0.2, 0.9, 0.95], firsts=["A.", "B.", "B.", "C."])
    assert different_trajectories_fraction(before) == pytest.approx(1 / 3)
    assert overdeterminedness(before) == 0.0
    [row] = importance_table([before, pos(["1"] * 4)], "1", n_boot=20)
    assert row["n_different"] == 1 and row["n_no_answer"] == 1
    nothing = pos([None, None], similarity=[0.1, 0.9])
    assert different_trajectories_fraction(nothing) is None and overdeterminedness(nothing) is None


def test_counterfactual_is_null_when_the_next_position_has_no_answer():
    # D has answers and S has answers, but R_{i+1} has none: the KL is not taken against S alone
    before = pos(["41", "42", "42"], similarity=[0.1, 0.95, 0.9])
    result = counterfactual_importance(before, pos([None, None]), "42", TINY)
    assert result["accuracy"] is None and result["kl"] is None
    assert counterfactual_importance(pos(["42"], similarity=[0.9]), pos([None]), "42", TINY)["kl"] is None
    [row] = importance_table([before, pos([None, None])], "42", n_boot=20)
    assert row["counterfactual_kl"] is None and row["counterfactual_kl_low"] is None
    assert row["counterfactual_accuracy"] is None
    assert counterfactual_importance(before, pos(["42"]), "42", TINY)["kl"] > 0  # with an answer there: measured


# --- sentence-to-sentence matrix ---

def test_sentence_matrix_is_the_match_rate_gained_by_keeping_each_sentence():
    F, T = False, True
    p0 = pos(["1"] * 2, match=[[F, F, F], [F, T, F]])  # match rates (0, 0.5, 0)
    p1 = pos(["1"] * 2, match=[[T, T, F], [F, T, T]])  # (0.5, 1, 0.5)
    p2 = pos(["1"] * 2, match=[[T, T, T], [T, T, F]])  # (1, 1, 0.5)
    p3 = pos(["1"] * 2, match=[[F, F, F], [F, F, F]])
    m = np.array(sentence_matrix([p0, p1, p2, p3]))
    assert m[0, 1] == 0.5 and m[0, 2] == 0.5 and m[1, 2] == 0.0
    assert np.isnan(m[np.tril_indices(3)]).all()  # S_j for j <= i is in the prefix: no effect to measure


def test_sentence_matrix_is_nan_where_match_data_is_missing():
    m = sentence_matrix([pos(["1"]), pos(["1"], match=[[True, True]]), pos(["1"])])
    assert math.isnan(m[0][1])


# --- uncertainty ---

def test_bootstrap_intervals_contain_the_estimate_are_seeded_and_collapse_when_all_agree():
    before, after = pos(["1", "2", "1", "2", "2", "1", "2", "2"]), pos(["2"] * 8)
    stat = lambda a, b: resampling_importance(a, b, "2", TINY)["accuracy"]  # noqa: E731
    low, high = bootstrap_interval(stat, before, after, n_boot=500, seed=3)
    assert low <= stat(before, after) == 0.375 <= high and high - low > 0.1
    assert bootstrap_interval(stat, before, after, n_boot=500, seed=3) == (low, high)
    assert bootstrap_interval(stat, before, after, n_boot=500, seed=4) != (low, high)
    assert bootstrap_interval(stat, pos(["2"] * 8), after, n_boot=100) == (0.0, 0.0)
    assert bootstrap_interval(stat, pos(["1"] * 8), after, n_boot=100) == (1.0, 1.0)
    assert bootstrap_interval(stat, pos([]), after) == (None, None)


def test_a_bootstrap_draw_keeps_each_rollouts_fields_together():
    original = pos(["1", "2", "3"], similarity=[0.1, 0.2, 0.3], firsts=["a", "b", "c"], forced=["x", "y"])
    draw = original.resample(np.random.default_rng(0))
    rows = {("1", 0.1, "a"), ("2", 0.2, "b"), ("3", 0.3, "c")}
    assert set(zip(draw.answers, draw.similarity, draw.first_sentences)) <= rows and len(draw.answers) == 3
    assert len(draw.forced_answers) == 2 and set(draw.forced_answers) <= {"x", "y"}


def test_the_table_gives_every_importance_an_interval_around_it():
    before = pos(["1", "2"] * 5, similarity=[0.2, 0.9] * 5, forced=["1", "2", "2", "2"] * 2)
    after = pos(["2", "2", "1", "2", "2"] * 2, forced=["2"] * 8)
    [row] = importance_table([before, after], "2", alpha=1.0, n_boot=200, seed=1)
    assert row["resampling_accuracy"] == pytest.approx(0.8 - 0.5) and row["counterfactual_accuracy"] == pytest.approx(-0.8)
    assert row["forced_accuracy"] == 0.25 and row["n_different"] == 5
    for name in ("resampling", "counterfactual", "forced"):
        for kind in ("accuracy", "kl"):
            assert row[f"{name}_{kind}_low"] <= row[f"{name}_{kind}"] <= row[f"{name}_{kind}_high"]
    assert importance_table([before, after], "2", alpha=1.0, n_boot=200, seed=1) == [row]


# --- adaptive budgets ---

def test_settled_when_the_answer_is_already_determined_not_when_noisy():
    determined = pos(["2"] * 8, similarity=[0.2] * 8)
    assert is_settled(determined, pos(["2"] * 8), "2")
    noisy = pos(["1", "2"] * 4, similarity=[0.2] * 8)
    noisy_next = pos(["2", "1", "1", "2", "1", "2", "2", "1"])
    assert not is_settled(noisy, noisy_next, "2")
    assert not is_settled(pos(["2"] * 4), pos(["2"] * 4), "2")  # too few rollouts yet


def test_settled_when_clearly_unimportant_even_if_not_yet_precise():
    before = pos(["2"] * 39 + ["1"], similarity=[0.2] * 40)  # counterfactual accuracy -1/40, interval about [-0.075, 0]
    after = pos(["2"] * 40)
    assert not is_settled(before, after, "2", width=0.01, unimportant=0.01)
    assert is_settled(before, after, "2", width=0.01, unimportant=0.2)


def test_without_a_reference_settling_uses_the_kl_interval():
    assert is_settled(pos(["7"] * 8, similarity=[0.2] * 8), pos(["7"] * 8), None)
    assert not is_settled(pos(["1", "2"] * 4, similarity=[0.2] * 8), pos(["2", "1", "3", "2"] * 2), None)
