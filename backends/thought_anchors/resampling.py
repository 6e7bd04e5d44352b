"""Thought Anchors, black-box: resample a chain of thought at every sentence boundary and measure.

For a chain of thought cut into sentences S_0..S_{N-1}, position i is the prefix that
ends right before S_i (position N: after the last sentence). Rollouts from position i
regenerate S_i and everything after it; the same rollouts serve as R_i for sentence i
and as R_{i+1} for sentence i-1 (docs/methods.md, "Black-box importance"). From each rollout
we keep its text, its answer, its first regenerated sentence and that sentence's cosine
with the original S_i, and which original sentences reappear in it; the metric math is
in backends/thought_anchors/importance.py.

Position N continues the whole chain: when the chain ended on its own, its continuations are
empty or add no answer, so there (only there) an answer is read from the chain plus the
continuation when the continuation alone gives none; otherwise the last sentence could never
be measured. Answers are normalized, a template placeholder ("answer", "...") is no answer,
and equal answers ("1/2", "0.5") become one string (`answers.AnswerClasses`).

Budgets are adaptive: rollouts come in rounds, and a position stops once every
sentence that uses it is settled (`importance.is_settled`) or its cap is reached. The
state is plain JSON, so a stopped run resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from backends.thought_anchors import importance
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.thought_anchors.sentences import SentenceSplit, split_sentences
from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.subject.sampling import SamplingParams, sample_many

ANSWER_CUE = "\n\nTherefore, the final answer is \\boxed{"
THINK_CLOSE = "\n</think>"


def answer_cue(text: str) -> str:
    """The forced-answer cue for a prefix: it closes a thinking block left open first (`</think>`, as
    the paper's code does), so the forced answer is given as the answer, not inside the thinking.
    Read from the prefix itself, which holds the chat template's generation prompt and the chain."""
    return THINK_CLOSE + ANSWER_CUE if text.rfind("<think>") > text.rfind("</think>") else ANSWER_CUE


@dataclass
class Settings:
    rollouts: int = 8  # cap per position
    round_size: int = 4
    adaptive: bool = True
    max_new_tokens: int = 256
    temperature: float = 0.6
    top_p: float = 0.95
    seed: int = 0
    threshold: float = 0.8  # cosine below which a resampled sentence "means something else"
    alpha: float = 1e-9  # Laplace smoothing of answer distributions
    forced: bool = True  # also sample forced answers (prefix closed with answer_cue)
    forced_tokens: int = 16
    n_boot: int = 1000
    equivalence: str = "auto"  # how answers compare: math (math-verify), exact, auto (math where installed)


def prefixes(prompt: str, split: SentenceSplit) -> list[str]:
    """The text each position's rollouts continue: before S_0, ..., before S_{N-1}, after S_{N-1}."""
    n = len(split.sentences)
    return [prompt + split.prefix_before(i) for i in range(n)] + [prompt + split.prefix_after(n - 1)]


def empty_state(n_positions: int) -> dict:
    return {"rounds": 0, "positions": [
        {"texts": [], "answers": [], "first_sentences": [], "similarity": [], "matches": [], "forced": [],
         "forced_texts": []}
        for _ in range(n_positions)
    ]}


class ImportanceRun:
    """One chain of thought's resampling experiment: `advance` samples, `table` measures."""

    def __init__(self, sampler, prompt: str, cot: str, extract: Callable[[str], str | None],
                 reference: str | None, settings: Settings, state: dict | None = None, embed=None,
                 question: str | None = None):
        from backends.thought_anchors.answers import AnswerClasses, normalize_answer, read_answer

        self.sampler, self.prompt, self.settings, self.question = sampler, prompt, settings, question
        self.cot, self.split = cot, split_sentences(cot)
        self.sentences = self.split.texts()
        self.classes = AnswerClasses(settings.equivalence)  # the given answer first: it names its class
        given = self.classes(normalize_answer(reference)) if reference is not None else None
        self.extract = lambda text: self.classes(read_answer(extract(text)))
        self.own_answer = self.extract(cot)
        self.reference = given if reference is not None else self.own_answer
        self.accuracy_against = "correct answer" if reference is not None else "original answer"
        self.state = state or empty_state(len(self.sentences) + 1)
        for position in self.state["positions"]:  # a resumed run: its answers keep their classes
            for answer in [*position["answers"], *position["forced"]]:
                self.classes(answer)
        if embed is None:
            from backends.subject.embedder import embed
        self.embed = embed
        self._original = self.embed(self.sentences) if self.sentences else None

    @property
    def n(self) -> int:
        return len(self.sentences)

    def counts(self) -> list[int]:
        return [len(p["answers"]) for p in self.state["positions"]]

    def positions(self) -> list[importance.PositionRollouts]:
        return [
            importance.PositionRollouts(
                answers=p["answers"], first_sentences=p["first_sentences"], similarity=p["similarity"],
                forced_answers=p["forced"] if self.settings.forced else None, sentence_match=p["matches"],
            )
            for p in self.state["positions"]
        ]

    def settled(self) -> list[bool]:
        positions = self.positions()
        return [importance.is_settled(positions[i], positions[i + 1], self.reference) for i in range(self.n)]

    def active_positions(self) -> list[int]:
        """Positions that still need rollouts: under the cap, and (adaptive) serving an unsettled sentence."""
        counts, cap = self.counts(), self.settings.rollouts
        if not self.settings.adaptive:
            return [p for p, c in enumerate(counts) if c < cap]
        settled = self.settled()
        return [p for p, c in enumerate(counts) if c < cap and (
            (p < self.n and not settled[p]) or (p > 0 and not settled[p - 1]))]

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """Sample rounds until every position is done or `should_stop()`; True when finished.

        A round is one batch (`sample_many`): every position still running and its forced answers, so
        a remote sampler has the whole round in flight at once. A checkpoint after each round: a run
        stopped inside one keeps none of it and resumes from the last finished round."""
        s = self.settings
        texts = prefixes(self.prompt, self.split)
        total = s.rollouts * len(texts)
        params = SamplingParams(temperature=s.temperature, top_p=s.top_p, max_new_tokens=s.max_new_tokens, seed=s.seed)
        while not should_stop():
            active = self.active_positions()
            if not active:
                return True
            rounds, counts = self.state["rounds"], self.counts()
            asked = [(p, min(s.round_size, s.rollouts - counts[p]), params.at("position", p, "round", rounds))
                     for p in active]
            requests = []  # the whole round, one batch: each position's rollouts, then its forced answers
            for p, n, at in asked:
                requests.append((texts[p], n, at))
                if s.forced:
                    requests.append((texts[p] + answer_cue(texts[p]), n,
                                     at.but(max_new_tokens=s.forced_tokens, stop=("}",))))
            batches = sample_many(self.sampler, requests, should_stop=should_stop)
            if any(len(b) < n for b, (_, n, _) in zip(batches, requests)):
                return False  # stopped inside the round: it is sampled again, with the same seeds, on resume
            per = 2 if s.forced else 1
            for k, (p, _, _) in enumerate(asked):
                rollouts, forced = batches[per * k], batches[per * k + 1] if s.forced else []
                self.record(p, [r.text for r in rollouts], [f.text for f in forced])
                progress(sum(self.counts()), total, "rollouts")
            self.state["rounds"] += 1
            on_checkpoint()
        return False

    def result(self) -> dict:
        """Everything measured so far: the importance table, the sentence matrix, the alternatives."""
        table, counts = self.table(), self.counts()
        last = self.state["positions"][-1]
        return {"question": self.question, "cot": self.cot, "sentences": self.sentences, "table": table,
                "matrix": self.matrix(), "reference": self.reference, "accuracy_against": self.accuracy_against,
                "rollouts_used": sum(counts), "fixed_budget": self.settings.rollouts * (self.n + 1),
                "alternatives": [self.alternatives(i) for i in range(self.n)], "sampler": self.sampler.name,
                "equivalence": self.classes.mode, "counts": counts, "rollouts_cap": self.settings.rollouts,
                "no_answer": sum(row["n_no_answer"] for row in table) + counts[-1]
                - sum(a is not None for a in last["answers"]),
                "forced": self.settings.forced}

    def record(self, p: int, continuations: list[str], forced: list[str]) -> None:
        from backends.thought_anchors.answers import read_answer

        position = self.state["positions"][p]
        position.setdefault("forced_texts", [None] * len(position["forced"]))  # a state from before they were kept
        for k, text in enumerate(continuations):
            pieces = split_sentences(text).texts()
            first = pieces[0] if pieces else ""
            answer = self.extract(text)
            if answer is None and p == self.n:  # the chain's end: its own answer stands unless the model adds one
                answer = self.extract(self.split.prefix_after(self.n - 1) + text)
            position["texts"].append(text)
            position["answers"].append(answer)
            position["first_sentences"].append(first)
            if p < self.n and pieces:
                vectors = self.embed(pieces)
                cosines = vectors @ self._original.T  # rollout sentences x original sentences
                position["similarity"].append(float(cosines[0, p]))
                position["matches"].append([bool(x) for x in (cosines.max(axis=0) >= self.settings.threshold)])
            elif p < self.n:
                position["similarity"].append(0.0)
                position["matches"].append(None if text == "" else [False] * self.n)  # empty: left out of the matrix
            else:  # after the last sentence: nothing is regenerated but the answer
                position["similarity"].append(None)
                position["matches"].append([False] * self.n)
            if k < len(forced):
                position["forced"].append(self.classes(read_answer(forced[k])))
                position["forced_texts"].append(forced[k])

    def table(self) -> list[dict]:
        rows = importance.importance_table(self.positions(), self.reference, alpha=self.settings.alpha,
                                           threshold=self.settings.threshold, n_boot=self.settings.n_boot,
                                           seed=self.settings.seed)
        for row, text in zip(rows, self.sentences):
            row["text"] = text
        return rows

    def matrix(self) -> list[list[float | None]]:
        import math

        m = importance.sentence_matrix(self.positions())
        return [[None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v) for v in row] for row in m]

    def alternatives(self, i: int, limit: int = 10) -> list[dict]:
        """What else the model said in place of sentence i, most frequent first."""
        position = self.state["positions"][i]
        groups: dict[str, dict] = {}
        for sentence, cosine in zip(position["first_sentences"], position["similarity"]):
            key = " ".join(sentence.lower().split())
            group = groups.setdefault(key, {"sentence": sentence, "count": 0, "similarity": cosine})
            group["count"] += 1
        ranked = sorted(groups.values(), key=lambda g: -g["count"])
        return ranked[:limit]
