"""Thought Branches: does a stated reason cause the action? (docs/methods.md, "Thought Branches")

A chain of thought is cut into sentences (backends.thought_anchors.sentences). A *head* is the response up
to some point; rollouts continue `prompt + head` with a sampler (backends.subject.sampling), and
each finished response (`head + continuation`) is judged by a decision metric
(backends.subject.behaviour): 1 (the action: blackmail, the cued answer), 0, or None (could not be
judged: counted apart, never as 0). Rates carry 95% Wilson intervals and differences of
rates Newcombe's (backends.core.stats).

- **Resilience**: resample sentence i (no dissimilarity filter), roll out, re-split; when a
  sentence at or after that position has cosine >= `similarity` with S_i, the content came
  back: cut there and resample again, up to `max_iterations`. A chain's resilience is the
  number of times it came back; over chains: mean resilience, persistence rate (still back
  at the cap) and abandonment rate (gone at the first resample).
- **Counterfactual++**: decision rate with S_i kept (rollouts after S_i) minus the rate of the
  chains where the content was finally gone everywhere downstream. Beside it, the ordinary
  resampling contrast (kept minus the first resample, where the content often comes back).
- **Interventions**: insert a sentence after the target: handwritten (off-policy), or the
  most similar sentence from other rollouts (off-policy), or find it on-policy: resample the
  target (`candidates`), continue each briefly (`continuations`), and accept when a next
  sentence has cosine >= `similarity` with the wanted text; fresh candidates each iteration,
  giving up after `max_iterations`. Each condition's decision rate against the unedited
  chain, beside the inserted sentence's mean token log-prob under the model (how on-policy).
- **Hint mediation**: transplant the hinted chain, cut before each sentence, after the
  unhinted prompt: the cue-answer rate by position (stopping once it reaches 99%). Single
  sentence: at position j of an unhinted chain, sample the next sentence with the hint
  present (dropping samples that mention it) or without, continue without the hint, and
  compare cue-answer rates: the effect one sentence carries.

Each is an Experiment (backends/core/experiment.py) in a module of its own: `resilience.py`,
`interventions.py`, `hint_mediation.py` (and the CoT monitor's `monitorability.py`). Its state is
plain JSON: what it measured, and under "setup" what it started from (the prompt, the chain of
thought, a sampled chain's note), so a stopped run resumes where it stopped from its state alone.
`advance` calls `on_checkpoint()` after each finished unit of work. This module holds what they
share: rates, sentence helpers, the `Branching` base and the chain sampled when none is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from backends.core.stats import difference_interval, mean_interval
from backends.subject.sampling import SamplingParams, sample_many
from backends.thought_anchors.sentences import split_sentences

Decide = Callable[[str], float | None]


# --- Rates ------------------------------------------------------------------------------------

def rate(decisions: list[float | None]) -> dict:
    """Share of judged rollouts with the decision, its 95% interval, and how many were not judged."""
    scored = [d for d in decisions if d is not None]
    if not scored:
        return {"rate": None, "low": None, "high": None, "n": 0, "n_unscored": len(decisions)}
    low, high = mean_interval(scored)
    return {"rate": sum(scored) / len(scored), "low": low, "high": high, "n": len(scored),
            "n_unscored": len(decisions) - len(scored)}


def rate_difference(a: list[float | None], b: list[float | None]) -> dict:
    """rate(a) - rate(b) with Newcombe's 95% interval; None when either side has nothing judged."""
    a, b = [d for d in a if d is not None], [d for d in b if d is not None]
    if not a or not b:
        return {"difference": None, "low": None, "high": None}
    low, high = difference_interval(a, b)
    return {"difference": sum(a) / len(a) - sum(b) / len(b), "low": low, "high": high}


def first_sentence(text: str) -> tuple[str, str]:
    """The first sentence of a continuation and the whitespace after it ("" when there is none)."""
    sentences = split_sentences(text).sentences
    if not sentences:
        return "", ""
    return sentences[0].text, sentences[0].sep


def joined(head: str, sentence: str, sep: str = "") -> str:
    """`head` with `sentence` appended as a sentence of its own (a space after it when it had none)."""
    if head and not head[-1].isspace():
        head += " "
    return head + sentence + (sep if sep else " ")


def mentions(text: str, words: list[str]) -> bool:
    """Whether `text` names any of `words` (case-insensitive, whole words)."""
    return any(re.search(rf"\b{re.escape(w)}\b", text, re.I) for w in words if w)


@dataclass
class Rollouts:
    """Sampling settings every experiment shares."""

    rollouts: int = 30  # per condition (the paper used 100)
    max_new_tokens: int = 256
    temperature: float = 0.7  # the paper's, for agentic decisions
    top_p: float = 0.95
    seed: int = 0

    @property
    def params(self) -> SamplingParams:
        """How a full rollout is sampled; `.at(*where)` gives one draw's seed."""
        return SamplingParams(temperature=self.temperature, top_p=self.top_p, max_new_tokens=self.max_new_tokens,
                              seed=self.seed)


class Branching:
    """A chain of thought, the prompt it continues, the sampler and the decision metric."""

    def __init__(self, sampler, prompt: str, cot: str, decide: Decide, rollouts: Rollouts, embed=None):
        self.sampler, self.prompt, self.cot, self.decide, self.config = sampler, prompt, cot, decide, rollouts
        self.split = split_sentences(cot)
        self.sentences = self.split.texts()
        self._embed = embed

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-norm sentence embeddings (MiniLM unless another embedder was given), loaded on first use."""
        if self._embed is None:
            from backends.subject.embedder import embed

            self._embed = embed
        return self._embed(texts)

    @property
    def n(self) -> int:
        return len(self.sentences)

    def sample(self, head: str, n: int, params: SamplingParams, prompt: str | None = None):
        """`n` continuations of the prompt (or another `prompt`) followed by `head`."""
        return self.sampler.sample((self.prompt if prompt is None else prompt) + head, n, params)

    def sample_batch(self, requests: list[tuple[str, int, SamplingParams]], prompt: str | None = None):
        """`sample` for several independent heads at once (one batch: a remote sampler has them all in
        flight); each keeps its own params' seed, so the rollouts are those of one call after another."""
        prompt = self.prompt if prompt is None else prompt
        return sample_many(self.sampler, [(prompt + head, n, params) for head, n, params in requests])

    def decisions(self, head: str, n: int, *where) -> tuple[list[float | None], list[str]]:
        """`n` rollouts after `head` (seeded at `where`), each full response judged."""
        return self.decisions_batch([(head, n, where)])[0]

    def decisions_batch(self, asked: list[tuple[str, int, tuple]]) -> list[tuple[list[float | None], list[str]]]:
        """`decisions` for several (head, n, where) at once, in one batch."""
        batches = self.sample_batch([(head, n, self.config.params.at(*where)) for head, n, where in asked])
        out = []
        for (head, _, _), rollouts in zip(asked, batches):
            texts = [head + r.text for r in rollouts]
            out.append(([self.decide(t) for t in texts], texts))
        return out

    def mean_logprob(self, head: str, text: str, prompt: str | None = None) -> float | None:
        """Mean token log-prob of `text` written after `head`: near 0 is what the model would say."""
        score = getattr(self.sampler, "score", None)
        if score is None:
            return None
        values = score((self.prompt if prompt is None else prompt) + head, text)
        return float(np.mean(values)) if values else None




def setup_state(state: dict | None, fresh: dict, setup: dict) -> dict:
    """A run's state: the saved one when resuming, else `fresh`; with what it starts from under "setup"
    (kept from the saved state; `setup` for a fresh one, or one saved before states held it)."""
    state = state if state is not None else fresh
    state.setdefault("setup", setup)
    return state


def measured(state: dict) -> dict:
    """What a run's state holds of its measurements: everything but "setup"."""
    return {k: v for k, v in state.items() if k != "setup"}


def sample_chain(sampler, prompt: str, params: SamplingParams, tries: int, decide: Decide, label: str) -> tuple[str, str]:
    """A chain of thought to study, sampled from the prompt: the first of `tries` samples that takes the
    decision, else the one with the most sentences (a one-sentence chain leaves nothing to study);
    and a note saying which."""
    rollouts = sampler.sample(prompt, tries, params)
    taken = [r.text for r in rollouts if decide(r.text) == 1.0]
    if taken:
        return taken[0], f"Sampled {tries} chains; {len(taken)} took the decision; using the first of them."
    longest = max(rollouts, key=lambda r: len(split_sentences(r.text).sentences)).text
    return longest, (f"Sampled {tries} chains; none took the decision ({label}), so the chain studied "
                     "(the one with the most sentences) is one without it: effects can only show as a rise.")
