"""Thought Anchors black-box importance: the metric math (METHODS.md, "Black-box importance").

Position i holds the rollouts that start right before sentence i (S_i removed and
regenerated); position N starts after the last sentence. For sentence i, R_i is
position i and R_{i+1} position i+1, so one set of rollouts per position serves both.

- resampling importance:      acc(R_{i+1}) - acc(R_i);        KL(P_{R_i} || P_{R_{i+1}})
- counterfactual importance:  split R_i into D (first regenerated sentence has cosine
  < threshold with S_i: it means something else) and S (the same):
                              acc(D) - acc(R_{i+1});          KL(P_D || P_{R_{i+1} ∪ S}); 0 when D is empty
- forced-answer importance:   the resampling differences on answers forced right after each prefix
- side statistics: different-trajectories fraction |D| / |R_i|; overdeterminedness
  (share of duplicate regenerated sentences)
- sentence-to-sentence matrix: M[i, j] = matchrate(R_{i+1}, S_j) - matchrate(R_i, S_j)

Rollouts without an extractable answer (None) are left out of accuracies and answer
distributions and counted instead. Every importance value gets a 95% percentile
bootstrap interval, resampling the rollouts of each position independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class PositionRollouts:
    answers: list[str | None]  # normalized answer of each rollout; None: none extractable
    first_sentences: list[str]  # the regenerated first sentence of each rollout
    similarity: list[float | None]  # cosine of that sentence with the original S_i
    forced_answers: list[str | None] | None = None  # answers forced right after the prefix
    sentence_match: list[list[bool]] | None = None  # per rollout, per original sentence j: S_j reappears

    def subset(self, rows) -> "PositionRollouts":
        pick = lambda xs: None if xs is None else [xs[r] for r in rows]  # noqa: E731
        return PositionRollouts(pick(self.answers), pick(self.first_sentences), pick(self.similarity),
                                None if self.forced_answers is None else [self.forced_answers[r] for r in rows if r < len(self.forced_answers)],
                                pick(self.sentence_match))


def accuracy(answers: list[str | None], reference: str | None) -> float | None:
    """Share of rollouts with an answer that give the reference answer (None if none has one)."""
    given = [a for a in answers if a is not None]
    if reference is None or not given:
        return None
    return sum(a == reference for a in given) / len(given)


def answer_distribution(answers: list[str | None], alpha: float, support: list[str]) -> np.ndarray:
    """P over `support` with Laplace smoothing alpha; rollouts without an answer are left out."""
    counts = np.array([sum(a == s for a in answers) for s in support], dtype=float) + alpha
    total = counts.sum()
    return counts / total if total > 0 else np.full(len(support), 1.0 / max(len(support), 1))


def kl(p_answers: list[str | None], q_answers: list[str | None], alpha: float) -> float | None:
    """KL(P || Q) between two answer distributions on their shared support."""
    support = sorted({a for a in [*p_answers, *q_answers] if a is not None})
    if not support or not any(a is not None for a in p_answers) or not any(a is not None for a in q_answers):
        return None
    p, q = answer_distribution(p_answers, alpha, support), answer_distribution(q_answers, alpha, support)
    mask = p > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(q[mask]))))


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def different(pos: PositionRollouts, threshold: float) -> list[int]:
    """Rows of R_i whose regenerated first sentence means something else (set D)."""
    return [r for r, s in enumerate(pos.similarity) if s is not None and s < threshold]


def resampling_importance(pos_i: PositionRollouts, pos_next: PositionRollouts, reference, alpha: float) -> dict:
    return {"accuracy": _diff(accuracy(pos_next.answers, reference), accuracy(pos_i.answers, reference)),
            "kl": kl(pos_i.answers, pos_next.answers, alpha)}


def counterfactual_importance(pos_i: PositionRollouts, pos_next: PositionRollouts, reference, alpha: float,
                              threshold: float = 0.8) -> dict:
    d_rows = different(pos_i, threshold)
    if not d_rows:
        return {"accuracy": 0.0, "kl": 0.0, "n_different": 0}
    d = [pos_i.answers[r] for r in d_rows]
    s = [a for r, a in enumerate(pos_i.answers) if r not in set(d_rows)]
    return {"accuracy": _diff(accuracy(d, reference), accuracy(pos_next.answers, reference)),
            "kl": kl(d, pos_next.answers + s, alpha), "n_different": len(d_rows)}


def forced_answer_importance(pos_i: PositionRollouts, pos_next: PositionRollouts, reference, alpha: float) -> dict:
    if not pos_i.forced_answers or not pos_next.forced_answers:
        return {"accuracy": None, "kl": None}
    return {"accuracy": _diff(accuracy(pos_next.forced_answers, reference), accuracy(pos_i.forced_answers, reference)),
            "kl": kl(pos_i.forced_answers, pos_next.forced_answers, alpha)}


def overdeterminedness(pos: PositionRollouts) -> float:
    """Share of regenerated first sentences that repeat another one (after case and space folding)."""
    sentences = [" ".join(s.lower().split()) for s in pos.first_sentences]
    return 0.0 if not sentences else 1.0 - len(set(sentences)) / len(sentences)


def sentence_matrix(positions: list[PositionRollouts]) -> list[list[float]]:
    """M[i][j] = matchrate(R_{i+1}, S_j) - matchrate(R_i, S_j); NaN where a position has no match data."""
    n = len(positions) - 1

    def rate(pos: PositionRollouts, j: int) -> float:
        rows = pos.sentence_match or []
        return float(np.mean([row[j] for row in rows])) if rows else float("nan")

    return [[rate(positions[i + 1], j) - rate(positions[i], j) for j in range(n)] for i in range(n)]


def bootstrap_interval(stat: Callable[[PositionRollouts, PositionRollouts], float | None], pos_i: PositionRollouts,
                       pos_next: PositionRollouts, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> tuple:
    """Percentile interval of `stat`, resampling each position's rollouts with replacement."""
    rng = np.random.default_rng(seed)
    n_i, n_next = len(pos_i.answers), len(pos_next.answers)
    if not n_i or not n_next:
        return (None, None)
    values = []
    for _ in range(n_boot):
        value = stat(pos_i.subset(rng.integers(0, n_i, n_i)), pos_next.subset(rng.integers(0, n_next, n_next)))
        if value is not None:
            values.append(value)
    if not values:
        return (None, None)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (float(low), float(high))


def importance_table(positions: list[PositionRollouts], reference: str | None, alpha: float = 1e-9,
                     threshold: float = 0.8, n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """One row per sentence with every importance value, its interval, and the side statistics."""
    measures = {
        "resampling": lambda a, b: resampling_importance(a, b, reference, alpha),
        "counterfactual": lambda a, b: counterfactual_importance(a, b, reference, alpha, threshold),
        "forced": lambda a, b: forced_answer_importance(a, b, reference, alpha),
    }
    rows = []
    for i in range(len(positions) - 1):
        pos_i, pos_next = positions[i], positions[i + 1]
        row = {"index": i}
        for name, measure in measures.items():
            point = measure(pos_i, pos_next)
            for kind in ("accuracy", "kl"):
                row[f"{name}_{kind}"] = point[kind]
                if kind == "accuracy" or n_boot <= 200:
                    low, high = bootstrap_interval(lambda a, b, m=measure, k=kind: m(a, b)[k], pos_i, pos_next,
                                                   n_boot=n_boot, seed=seed + i)
                else:  # KL intervals are slower to bootstrap: a smaller resample keeps tables quick
                    low, high = bootstrap_interval(lambda a, b, m=measure, k=kind: m(a, b)[k], pos_i, pos_next,
                                                   n_boot=200, seed=seed + i)
                row[f"{name}_{kind}_low"], row[f"{name}_{kind}_high"] = low, high
        n_different = len(different(pos_i, threshold))
        row.update(
            n_rollouts=len(pos_i.answers),
            n_no_answer=sum(a is None for a in pos_i.answers),
            n_different=n_different,
            different_trajectories_fraction=n_different / len(pos_i.answers) if pos_i.answers else None,
            overdeterminedness=overdeterminedness(pos_i),
            accuracy_before=accuracy(pos_i.answers, reference),
            accuracy_after=accuracy(pos_next.answers, reference),
        )
        rows.append(row)
    return rows


def is_settled(pos_i: PositionRollouts, pos_next: PositionRollouts, reference: str | None, width: float = 0.1,
               unimportant: float = 0.05, min_rollouts: int = 8, threshold: float = 0.8, alpha: float = 1e-9) -> bool:
    """Enough rollouts for sentence i: its counterfactual-accuracy interval is narrower than `width`,
    or lies within ±`unimportant` of 0, with at least `min_rollouts` on both sides.

    Without a reference answer, the KL interval plays the same role."""
    if len(pos_i.answers) < min_rollouts or len(pos_next.answers) < min_rollouts:
        return False
    kind = "accuracy" if reference is not None else "kl"
    low, high = bootstrap_interval(
        lambda a, b: counterfactual_importance(a, b, reference, alpha, threshold)[kind], pos_i, pos_next, n_boot=200)
    if low is None:
        return True  # nothing measurable will appear with more of the same
    return (high - low) < width or (-unimportant <= low and high <= unimportant)
