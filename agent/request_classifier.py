"""What a request asks for, learned from labelled requests: a second opinion beside the planner's rules.

The offline planner's rules (offline.py) are written by hand, one mechanism at a time; on requests
nobody tuned them on they route about four in five right. A classifier trained on the labelled
requests (agent/labelled_requests/*.jsonl: a conversation, the request, what must happen) makes
different mistakes, so the two together do better than either: the classifier overrules the rules
only when it is much surer of its own choice than of theirs (`overrules`).

The classifier is a logistic regression (scikit-learn) over the embedder's vector of the request
(its own words, shorthand spelled out), the vector of the user's previous message, the tools that
have run (and the newest), whether the request is a question, and its length. Its labels are
"run:<tool>", "answer", "show" and "clarify". Fitting takes about half a minute (embedding some
two thousand requests); the fit is kept in the model cache, keyed by the training requests and the
very texts the embedder reads of them, so later sessions load it in a fraction of a second and a
change to how requests are read refits it. The tools it knows are those
of its training files: a tool registered later (a test's, a plugin's) is left to the rules.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from agent import arguments, routing

TRAINING = Path(__file__).with_name("labelled_requests")
FEATURES_VERSION = 3  # 3: fitted to the optimum (solve), so an older fit in the cache is not reused
PREVIOUS_WEIGHT = 0.5  # the previous message says less about this request than the request itself
C = 30.0  # inverse regularisation, chosen by leaving one labelled part out at a time
# How much surer than of the rules' choice the classifier must be of its own to overrule them, in nats
# (log P(its label) - log P(the rules' label)). Chosen on two parts written blind after the others.
OVERRULE = 2.0
_LOCK = threading.Lock()
_FITTED: dict[str, "RequestClassifier"] = {}


def label(expect: dict) -> str:
    return f"run:{expect['tool']}" if expect["intent"] == "run" else expect["intent"]


def embedded(requests: list[str], previous: list[str]) -> tuple[list[str], list[str]]:
    """The texts the embedder reads: the request's own words with shorthand spelled out, and the previous message."""
    return [routing.expand(arguments.own_words(r)) for r in requests], [routing.expand(p) for p in previous]


def features(requests: list[str], previous: list[str], ran: list[list[str]], tools: list[str]) -> np.ndarray:
    """One row per request: what it says, what was said before it, and what has run."""
    from backends.subject.embedder import embed

    said, before = (embed(texts) for texts in embedded(requests, previous))
    context = np.zeros((len(requests), 2 * len(tools) + 3), dtype=np.float32)
    for i, (request, names) in enumerate(zip(requests, ran)):
        for name in names:
            if name in tools:
                context[i, tools.index(name)] = 1.0
        if names and names[-1] in tools:
            context[i, len(tools) + tools.index(names[-1])] = 1.0
        context[i, -3] = float(bool(names))
        context[i, -2] = float("?" in request)
        context[i, -1] = min(len(request), 400) / 400
    return np.hstack([said, PREVIOUS_WEIGHT * before, context])


def _previous(case: dict) -> str:
    return case["context"][-1]["user"] if case.get("context") else ""


def _cases() -> list[dict]:
    cases = []
    for path in sorted(TRAINING.glob("*.jsonl")):
        cases += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return cases


def solve(x: np.ndarray, labels: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The regression's classes, weights and intercepts, fitted to the optimum.

    In float64 and by Newton-CG to a tight tolerance: lbfgs at its default tolerance stopped up to two
    nats short of the optimum, so embeddings that differ in the seventh digit on another CPU moved some
    requests across OVERRULE. Newton-CG reaches it in about 13 steps (two seconds), and a 1e-6 change in
    the features then moves no log-odds by more than 1e-3."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, solver="newton-cg", tol=1e-8, max_iter=1000).fit(x.astype(np.float64), labels)
    return list(model.classes_), model.coef_, model.intercept_


class RequestClassifier:
    def __init__(self, tools: list[str], classes: list[str], coef: np.ndarray, intercept: np.ndarray):
        self.tools, self.classes, self.coef, self.intercept = tools, classes, coef, intercept

    @classmethod
    def fit(cls, cases: list[dict]) -> "RequestClassifier":
        tools = sorted({c["expect"]["tool"] for c in cases if c["expect"].get("tool")}
                       | {t["tool"] for c in cases for t in c.get("context", []) if t.get("tool")})

        x = features([c["request"] for c in cases], [_previous(c) for c in cases],
                     [[t["tool"] for t in c.get("context", []) if t.get("tool")] for c in cases], tools)
        return cls(tools, *solve(x, [label(c["expect"]) for c in cases]))

    def probabilities(self, request: str, previous: str, ran: list[str]) -> dict[str, float]:
        z = features([request], [previous], [ran], self.tools)[0] @ self.coef.T + self.intercept
        p = np.exp(z - z.max())
        return dict(zip(self.classes, (p / p.sum()).tolist()))

    def overrules(self, rules: str, request: str, previous: str, ran: list[str], margin: float = OVERRULE) -> str | None:
        """Its own label where it is much surer of it than of the rules' label (by `margin` in log odds), else None."""
        p = self.probabilities(request, previous, ran)
        best = max(p, key=p.get)
        if best == rules or np.log(p[best]) - np.log(max(p.get(rules, 0.0), 1e-9)) <= margin:
            return None
        return best


def fit_key(cases: list[dict]) -> str:
    """What a fit is kept under: the training requests and the texts the embedder reads of them, so a change to
    how requests are read (typos mended, shorthand spelled out) refits it too (about 0.2 s for 2,700 requests)."""
    said, before = embedded([c["request"] for c in cases], [_previous(c) for c in cases])
    return hashlib.sha256(json.dumps([FEATURES_VERSION, C, cases, said, before]).encode()).hexdigest()[:16]


def load(cache: Path) -> RequestClassifier:
    """The classifier: from the model cache when its training files are unchanged, else fitted now."""
    cases = _cases()
    key = fit_key(cases)
    with _LOCK:
        if key in _FITTED:
            return _FITTED[key]
        path = cache / f"request-classifier-{key}.npz"
        try:
            with np.load(path, allow_pickle=False) as f:
                fitted = RequestClassifier(f["tools"].tolist(), f["classes"].tolist(), f["coef"], f["intercept"])
        except (OSError, ValueError, KeyError):
            fitted = RequestClassifier.fit(cases)
            buffer = io.BytesIO()
            np.savez(buffer, tools=np.array(fitted.tools), classes=np.array(fitted.classes), coef=fitted.coef, intercept=fitted.intercept)
            cache.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cache, suffix=".tmp", delete=False) as tmp:  # written whole, then renamed
                tmp.write(buffer.getvalue())
            os.replace(tmp.name, path)
            for old in cache.glob("request-classifier-*.npz"):  # fits of earlier training files
                if old != path:
                    old.unlink(missing_ok=True)
        _FITTED[key] = fitted
        return fitted


if __name__ == "__main__":  # `make run` and `make test` fit it once, before anything waits for it
    from backends.core.settings import get_settings

    load(get_settings().models_dir)
