"""Thought Anchors black-box importance: the metric math (docs/methods.md, "Black-box importance").

Position i holds the rollouts that start right before sentence i (S_i removed and
regenerated); position N starts after the last sentence (only the answer is regenerated).
For sentence i, R_i is position i and R_{i+1} position i+1, so one set of rollouts per
position serves both roles.

- resampling importance:      acc(R_{i+1}) - acc(R_i);        KL(P_{R_i} || P_{R_{i+1}})
- counterfactual importance:  split R_i into D (first regenerated sentence has cosine
  < threshold with S_i: it means something else) and S (the same):
                              acc(D) - acc(R_{i+1});          KL(P_D || P_{R_{i+1} ∪ S}); 0 when D is empty,
                              None (both) when R_{i+1} has no answer
- forced-answer importance:   the resampling differences on answers forced right after each prefix
- side statistics:            different-trajectories fraction |D| / |R_i|; overdeterminedness
                              (share of duplicate regenerated first sentences, word for word), both
                              over the rollouts WITH an answer, as analyze_rollouts.py counts them
- sentence-to-sentence matrix: M[i, j] = matchrate(R_{i+1}, S_j) - matchrate(R_i, S_j), for j > i
                              (rollouts with empty text left out, as step_attribution.py does)

Accuracy is agreement with `reference`: the correct answer when one is given, else the
original chain of thought's own answer (the caller says which). The KL versions need neither.
Rollouts without an extractable answer (None) are left out of accuracies, answer
distributions and the side statistics, and counted instead (`n_no_answer`). A value that cannot be measured (no
reference, no rollout with an answer) is None, never a made-up 0. Every importance value
gets a 95% percentile bootstrap interval, resampling the rollouts of each position
independently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np

from backends.core.seeds import derive


@dataclass
class PositionRollouts:
    """The rollouts sampled from one position, already reduced to what the math needs."""

    answers: list[str | None]  # normalized answer of each rollout; None: none extractable
    first_sentences: list[str]  # the regenerated first sentence of each rollout
    similarity: list[float | None]  # cosine of that sentence with the original S_i (None at position N)
    forced_answers: list[str | None] | None = None  # answers forced right after the prefix (own sample)
    sentence_match: list[list[bool] | None] | None = None  # per rollout, per original S_j: S_j reappears
    # (a row is None for a rollout with empty text: it has no sentences to match, and is left out)

    def resample(self, rng: np.random.Generator) -> "PositionRollouts":
        """A bootstrap draw: rollouts with replacement, their fields kept together.

        Forced answers are a separate sample (their own prompts, possibly another count), so
        they are drawn on their own."""
        n = len(self.answers)
        rows = rng.integers(0, n, n).tolist()
        pick = lambda xs: None if xs is None else [xs[r] for r in rows]  # noqa: E731
        forced = self.forced_answers
        if forced:
            forced = [forced[r] for r in rng.integers(0, len(forced), len(forced)).tolist()]
        return PositionRollouts(pick(self.answers), pick(self.first_sentences), pick(self.similarity),
                                forced, pick(self.sentence_match))


# --- Answers: accuracy and answer distributions ---------------------------------------------

def accuracy(answers: list[str | None], reference: str | None) -> float | None:
    """Share of the rollouts WITH an answer that give the reference (None if none has one)."""
    given = [a for a in answers if a is not None]
    if reference is None or not given:
        return None
    return sum(a == reference for a in given) / len(given)


def answer_distribution(answers: list[str | None], alpha: float, support: list[str]) -> np.ndarray:
    """P over `support`, Laplace-smoothed: (count + alpha) / (total + alpha * |support|).

    alpha is exposed because the papers differ: the math code used 1e-9 (KL stays large when an
    answer vanishes), the agentic code 1 (KL stays moderate on few rollouts)."""
    seen = Counter(answers)
    counts = np.array([seen[s] for s in support], dtype=float) + alpha
    total = counts.sum()
    return counts / total if total > 0 else np.full(len(support), 1.0 / max(len(support), 1))


def kl(p_answers: list[str | None], q_answers: list[str | None], alpha: float) -> float | None:
    """KL(P || Q) in nats between the answer distributions of two sets of rollouts.

    The support is every answer seen in either set, as in the public code; None when either set
    has no answer at all (there is no distribution to compare)."""
    support = sorted({a for a in [*p_answers, *q_answers] if a is not None})
    if all(a is None for a in p_answers) or all(a is None for a in q_answers):
        return None
    p, q = answer_distribution(p_answers, alpha, support), answer_distribution(q_answers, alpha, support)
    mask = p > 0  # 0 * log 0 = 0 (only with alpha = 0)
    with np.errstate(divide="ignore"):
        return max(0.0, float(np.sum(p[mask] * (np.log(p[mask]) - np.log(q[mask])))))


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


# --- The three importances ------------------------------------------------------------------

def resampling_importance(pos_i: PositionRollouts, pos_next: PositionRollouts, reference: str | None,
                          alpha: float) -> dict:
    """What keeping S_i changes: acc(R_{i+1}) - acc(R_i) and KL(P_{R_i} || P_{R_{i+1}})."""
    return {"accuracy": _minus(accuracy(pos_next.answers, reference), accuracy(pos_i.answers, reference)),
            "kl": kl(pos_i.answers, pos_next.answers, alpha)}


def different(pos: PositionRollouts, threshold: float) -> list[int]:
    """Rows of R_i whose regenerated first sentence means something else than S_i: the set D."""
    return [r for r, s in enumerate(pos.similarity) if s is not None and s < threshold]


def counterfactual_importance(pos_i: PositionRollouts, pos_next: PositionRollouts, reference: str | None,
                              alpha: float, threshold: float = 0.8) -> dict:
    """Resampling importance, but only over resamples where S_i was really replaced.

    A resample that says S_i again in other words (S) keeps the sentence's content, so it is
    compared on the side that kept it: acc(D) - acc(R_{i+1}), KL(P_D || P_{R_{i+1} ∪ S}).
    Without an answer in R_{i+1} there is nothing to compare against: both are None (the KL is
    not taken against S alone)."""
    d_rows = different(pos_i, threshold)
    if all(a is None for a in pos_next.answers):
        return {"accuracy": None, "kl": None, "n_different": len(d_rows)}
    if not d_rows:  # the model always says S_i again: nothing shows what happens without it
        return {"accuracy": None if reference is None else 0.0, "kl": 0.0, "n_different": 0}
    in_d = set(d_rows)
    d = [pos_i.answers[r] for r in d_rows]
    s = [a for r, a in enumerate(pos_i.answers) if r not in in_d]
    return {"accuracy": _minus(accuracy(d, reference), accuracy(pos_next.answers, reference)),
            "kl": kl(d, pos_next.answers + s, alpha), "n_different": len(d_rows)}


def forced_answer_importance(pos_i: PositionRollouts, pos_next: PositionRollouts, reference: str | None,
                             alpha: float) -> dict:
    """The resampling differences on forced answers: what the model would answer right now."""
    if not pos_i.forced_answers or not pos_next.forced_answers:
        return {"accuracy": None, "kl": None}
    return {"accuracy": _minus(accuracy(pos_next.forced_answers, reference), accuracy(pos_i.forced_answers, reference)),
            "kl": kl(pos_i.forced_answers, pos_next.forced_answers, alpha)}


# --- Side statistics ------------------------------------------------------------------------

def _answered(pos: PositionRollouts) -> list[int]:
    return [r for r, a in enumerate(pos.answers) if a is not None]


def different_trajectories_fraction(pos: PositionRollouts, threshold: float = 0.8) -> float | None:
    """|D| / |R_i| over the rollouts with an answer: how often the model, free to choose, says something
    else than S_i. Rollouts without an answer are dropped first, as analyze_rollouts.py does; None
    when no rollout has an answer."""
    answered = set(_answered(pos))
    return len(answered.intersection(different(pos, threshold))) / len(answered) if answered else None


def overdeterminedness(pos: PositionRollouts) -> float | None:
    """Share of regenerated first sentences that repeat another one word for word, over the rollouts
    with an answer (analyze_rollouts.py's exact string match); None when no rollout has an answer."""
    sentences = [pos.first_sentences[r] for r in _answered(pos)]
    return None if not sentences else 1.0 - len(set(sentences)) / len(sentences)


# --- Sentence-to-sentence matrix ------------------------------------------------------------

def match_rate(pos: PositionRollouts, j: int) -> float:
    """Share of the position's rollouts in which original sentence S_j reappears (NaN: no data)."""
    rows = [row[j] for row in pos.sentence_match or [] if row is not None and j < len(row)]
    return float(np.mean(rows)) if rows else float("nan")


def sentence_matrix(positions: list[PositionRollouts]) -> list[list[float]]:
    """M[i][j] = matchrate(R_{i+1}, S_j) - matchrate(R_i, S_j): how much keeping S_i makes S_j come.

    Only j > i is an effect: for j <= i, S_j is already in the prefix of R_{i+1}, so a rollout
    cannot be where it appears. Those cells, and cells without match data, are NaN."""
    n = len(positions) - 1
    return [[match_rate(positions[i + 1], j) - match_rate(positions[i], j) if j > i else float("nan")
             for j in range(n)] for i in range(n)]


# --- Uncertainty ----------------------------------------------------------------------------
# A percentile bootstrap by hand rather than scipy.stats.bootstrap: a statistic can be undefined
# on a draw (None: e.g. D drawn with no answer), positions may hold a single rollout, and one
# draw feeds several statistics at once (importance_table).

def _draws(stat: Callable, positions: tuple[PositionRollouts, ...], n_boot: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [stat(*(p.resample(rng) for p in positions)) for _ in range(n_boot)]


def _percentiles(values: list[float | None], level: float) -> tuple[float | None, float | None]:
    values = [v for v in values if v is not None]  # draws where the statistic is undefined
    if not values:
        return (None, None)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (float(low), float(high))


def bootstrap_interval(stat: Callable[..., float | None], *positions: PositionRollouts, n_boot: int = 1000,
                       seed: int = 0, level: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile interval of `stat(*positions)`, resampling each position's rollouts independently.

    Deterministic for a seed; (None, None) when a position is empty or no draw is defined."""
    if any(not p.answers for p in positions):
        return (None, None)
    return _percentiles(_draws(stat, positions, n_boot, seed), level)


# --- The table ------------------------------------------------------------------------------

def importance_table(positions: list[PositionRollouts], reference: str | None, alpha: float = 1e-9,
                     threshold: float = 0.8, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> list[dict]:
    """One row per sentence i in 0..N-1: every importance with its interval, and the side statistics."""
    measures = {
        "resampling": lambda a, b: resampling_importance(a, b, reference, alpha),
        "counterfactual": lambda a, b: counterfactual_importance(a, b, reference, alpha, threshold),
        "forced": lambda a, b: forced_answer_importance(a, b, reference, alpha),
    }
    rows = []
    for i in range(len(positions) - 1):
        pos_i, pos_next = positions[i], positions[i + 1]
        row: dict = {"index": i}
        for name, measure in measures.items():
            point = measure(pos_i, pos_next)
            # One set of draws per measure serves its accuracy and KL; derive(seed, "bootstrap", i) keeps each
            # sentence's interval independent of how many sentences the chain has.
            measurable = pos_i.answers and pos_next.answers and (point["accuracy"] is not None or point["kl"] is not None)
            draws = _draws(measure, (pos_i, pos_next), n_boot, derive(seed, "bootstrap", i)) if measurable else []
            for kind in ("accuracy", "kl"):
                low, high = _percentiles([d[kind] for d in draws], level)
                if point[kind] is None:
                    low = high = None
                row[f"{name}_{kind}"], row[f"{name}_{kind}_low"], row[f"{name}_{kind}_high"] = point[kind], low, high
        n_different = len(set(_answered(pos_i)).intersection(different(pos_i, threshold)))
        row.update(
            n_rollouts=len(pos_i.answers),
            n_no_answer=sum(a is None for a in pos_i.answers),
            n_different=n_different,
            different_trajectories_fraction=different_trajectories_fraction(pos_i, threshold),
            overdeterminedness=overdeterminedness(pos_i),
            accuracy_before=accuracy(pos_i.answers, reference),
            accuracy_after=accuracy(pos_next.answers, reference),
        )
        rows.append(row)
    return rows


# --- Adaptive budgets -----------------------------------------------------------------------

def is_settled(pos_i: PositionRollouts, pos_next: PositionRollouts, reference: str | None, width: float = 0.1,
               unimportant: float = 0.05, min_rollouts: int = 8, threshold: float = 0.8, alpha: float = 1e-9,
               n_boot: int = 200, seed: int = 0) -> bool:
    """Whether sentence i has rollouts enough: more would not change what we report about it.

    Needs at least `min_rollouts` on both sides (R_i and R_{i+1}); then settled once the 95%
    bootstrap interval of its counterfactual accuracy is narrower than `width` (the estimate is
    precise), or lies within ±`unimportant` of 0 (clearly not an anchor, however precise).
    Stopping such sentences early is how adaptive budgets save rollouts without losing anchors.
    Without a reference answer the counterfactual KL interval plays the same role. When no
    draw is measurable (e.g. no rollout yet gives an answer) more of the same will not help
    either, so that is settled too. `n_boot` is smaller than the table's: this runs every round."""
    if len(pos_i.answers) < min_rollouts or len(pos_next.answers) < min_rollouts:
        return False
    kind = "accuracy" if reference is not None else "kl"
    low, high = bootstrap_interval(
        lambda a, b: counterfactual_importance(a, b, reference, alpha, threshold)[kind], pos_i, pos_next,
        n_boot=n_boot, seed=seed)
    if low is None:
        return True
    return (high - low) < width or (-unimportant <= low and high <= unimportant)
