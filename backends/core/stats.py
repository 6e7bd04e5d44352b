"""Intervals for rates and their differences, shared by every method that counts outcomes.

0/1 outcomes (a decision, a type-hinted sample, a flagged chain) get Wilson intervals, and
differences of two such rates Newcombe's hybrid score interval: both stay sound at 0% and
100%, where a bootstrap collapses. Other values get a percentile bootstrap (scipy).
"""

from __future__ import annotations

import math


def proportion_interval(values: list[float]) -> tuple[float, float]:
    """95% Wilson interval of a share of 0/1 values."""
    from scipy.stats import binomtest

    ci = binomtest(int(sum(values)), len(values)).proportion_ci(0.95, method="wilson")
    return float(ci.low), float(ci.high)


def _binary(*groups: list[float]) -> bool:
    return all(v in (0.0, 1.0) for g in groups for v in g)


def _bootstrap(samples: tuple, statistic, seed: int) -> tuple[float, float]:
    import warnings

    import numpy as np
    from scipy.stats import bootstrap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bootstrap(tuple(np.asarray(s, dtype=float) for s in samples), statistic, n_resamples=2000,
                        method="percentile", random_state=seed, vectorized=False)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def mean_interval(values: list[float], seed: int = 0) -> tuple[float, float]:
    """95% interval of a mean: Wilson for 0/1 values, else a percentile bootstrap."""
    if _binary(values):
        return proportion_interval(values)
    if len(set(values)) == 1:
        return values[0], values[0]
    import numpy as np

    return _bootstrap((values,), np.mean, seed)


def difference_interval(a: list[float], b: list[float], seed: int = 0) -> tuple[float, float]:
    """95% interval of mean(a) - mean(b) for independent samples: Newcombe's hybrid Wilson interval
    for 0/1 values (sound at 0% and 100%, where a bootstrap collapses), else a bootstrap."""
    pa, pb = sum(a) / len(a), sum(b) / len(b)
    if _binary(a, b):
        la, ua = proportion_interval(a)
        lb, ub = proportion_interval(b)
        d = pa - pb
        return d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2), d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    import numpy as np

    return _bootstrap((a, b), lambda x, y: np.mean(x) - np.mean(y), seed)
