"""What a method must measure on an organism to have recovered its planted effect (the zoo's checks;
bench/groundtruth.py runs them). Each check takes what the method returned and says pass or fail,
with the numbers, never more than it measured.

anchor (resample_importance on a chain the organism wrote): the decision sentence ranks first by
|counterfactual accuracy| and by |resampling accuracy|, each with a 95% interval that excludes 0;
forced-answer accuracy jumps most at it (interval above 0); and every other sentence's
counterfactual and resampling intervals include 0.
"""

from __future__ import annotations

import re

DECISION = re.compile(r"\boption ([ABC])\b")


def decision_index(sentences: list[str]) -> int | None:
    """The first sentence that names an option (the anchor organism's decision), or None."""
    return next((i for i, s in enumerate(sentences) if DECISION.search(s)), None)


def _excludes_zero(row: dict, measure: str) -> bool:
    low, high = row.get(f"{measure}_accuracy_low"), row.get(f"{measure}_accuracy_high")
    return low is not None and high is not None and (low > 0 or high < 0)


def _top(rows: list[dict], measure: str, signed: bool = False) -> int | None:
    measured = [r for r in rows if r.get(f"{measure}_accuracy") is not None]
    if not measured:
        return None
    key = (lambda r: r[f"{measure}_accuracy"]) if signed else (lambda r: abs(r[f"{measure}_accuracy"]))
    return max(measured, key=key)["index"]


def anchor_verdict(sentences: list[str], rows: list[dict]) -> dict:
    """Pass or fail of resample_importance's table (`rows`, one per sentence) against the planted decision."""
    d = decision_index(sentences)
    if d is None:
        return {"passed": False, "decision": None, "why": "the chain has no decision sentence (no 'option X')",
                "checks": {}}
    row = rows[d]
    others = [r for r in rows if r["index"] != d]
    checks = {
        "counterfactual_first": _top(rows, "counterfactual") == d and _excludes_zero(row, "counterfactual"),
        "resampling_first": _top(rows, "resampling") == d and _excludes_zero(row, "resampling"),
        "forced_jump": _top(rows, "forced", signed=True) == d and (row.get("forced_accuracy_low") or 0) > 0,
        "others_include_zero": all(not _excludes_zero(r, m) for r in others for m in ("counterfactual", "resampling")),
    }
    failed = [k for k, ok in checks.items() if not ok]
    return {"passed": not failed, "decision": d, "checks": checks,
            "why": "all four hold" if not failed else "failed: " + ", ".join(failed)}


def interval_text(row: dict, measure: str) -> str:
    value, low, high = (row.get(f"{measure}_accuracy{s}") for s in ("", "_low", "_high"))
    if value is None:
        return "n/a"
    return f"{value:+.2f} [{low:+.2f}, {high:+.2f}]" if low is not None else f"{value:+.2f}"
