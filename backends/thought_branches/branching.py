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

Every experiment keeps its state as plain JSON; `advance` calls `checkpoint()` after each
finished unit of work and returns what it finished when `should_stop()` turns true, so a
stopped run resumes where it stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.thought_anchors.sentences import split_sentences
from backends.core.stats import difference_interval, mean_interval
from backends.core.seeds import derive

Decide = Callable[[str], float | None]
Checkpoint = Callable[[], None]


def _nothing() -> None:
    pass


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

    def sample(self, head: str, n: int, seed: int, max_new_tokens: int | None = None, prompt: str | None = None):
        c = self.config
        return self.sampler.sample((self.prompt if prompt is None else prompt) + head, n,
                                   max_new_tokens=max_new_tokens or c.max_new_tokens,
                                   temperature=c.temperature, top_p=c.top_p, seed=seed)

    def decisions(self, head: str, n: int, seed: int) -> tuple[list[float | None], list[str]]:
        """`n` rollouts after `head`, each full response judged."""
        texts = [head + r.text for r in self.sample(head, n, seed)]
        return [self.decide(t) for t in texts], texts

    def mean_logprob(self, head: str, text: str, prompt: str | None = None) -> float | None:
        """Mean token log-prob of `text` written after `head`: near 0 is what the model would say."""
        score = getattr(self.sampler, "score", None)
        if score is None:
            return None
        values = score((self.prompt if prompt is None else prompt) + head, text)
        return float(np.mean(values)) if values else None


# --- Resilience and counterfactual++ ----------------------------------------------------------

@dataclass
class ResilienceSettings(Rollouts):
    chains: int = 30  # per sentence (the paper's)
    max_iterations: int = 20
    similarity: float = 0.6  # cosine at which resampled content counts as the same


def resilience_stats(chains: list[dict]) -> dict:
    """Mean resilience (with a bootstrap interval), persistence and abandonment rates of finished chains."""
    done = [c for c in chains if c["status"] is not None]
    if not done:
        return {"chains": 0, "mean_resilience": None, "resilience_low": None, "resilience_high": None,
                "persistence_rate": None, "abandonment_rate": None}
    values = [float(c["resilience"]) for c in done]
    low, high = mean_interval(values)
    return {"chains": len(done), "mean_resilience": float(np.mean(values)), "resilience_low": low,
            "resilience_high": high,
            "persistence_rate": sum(c["status"] == "persisted" for c in done) / len(done),
            "abandonment_rate": sum(c["resilience"] == 0 for c in done) / len(done)}


def counterfactual_plus_plus(kept: list[float | None], eliminated: list[float | None]) -> dict:
    """Decision rate with the sentence kept minus the rate once its content is gone downstream."""
    return {"kept": rate(kept), "eliminated": rate(eliminated), **rate_difference(kept, eliminated)}


class ResilienceRun(Branching):
    """Resilience and counterfactual++ for chosen sentences of one chain of thought."""

    def __init__(self, sampler, prompt, cot, decide, settings: ResilienceSettings, targets: list[int],
                 state: dict | None = None, embed=None):
        super().__init__(sampler, prompt, cot, decide, settings, embed)
        self.settings, self.targets = settings, targets
        self.state = state or {"sentences": {}}

    def _step(self, chain: dict, continuation: str, original: np.ndarray) -> None:
        """One resample of a chain: did the content come back at or after where it was cut?"""
        s = self.settings
        full = chain["head"] + continuation
        later = [x for x in split_sentences(full).sentences if x.end > len(chain["head"])]
        hit = None
        if later:
            cosines = self.embed([x.text for x in later]) @ original
            hit = next((k for k, c in enumerate(cosines) if c >= s.similarity), None)
        if chain["first_decision"] is None and not chain["iterations"]:
            chain["first_decision"] = self.decide(full)  # the plain resample of S_i, content or not
        if hit is not None:
            chain["resilience"] += 1
            chain["iterations"].append({"sentence": later[hit].text, "similarity": float(cosines[hit])})
            chain["head"] = full[: later[hit].start]
            if chain["resilience"] >= s.max_iterations:
                chain.update(status="persisted", final=full, decision=self.decide(full))
        else:
            chain["iterations"].append({"sentence": None, "similarity": float(max(cosines)) if later else None})
            chain.update(status="eliminated", final=full, decision=self.decide(full))

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                checkpoint: Checkpoint = _nothing) -> bool:
        s = self.settings
        total = len(self.targets) * (s.chains + 1)
        for i in self.targets:
            if should_stop():
                return False
            entry = self.state["sentences"].setdefault(str(i), {"chains": [], "kept": None, "kept_texts": None})
            original = self.embed([self.sentences[i]])[0]
            if not entry["chains"]:  # the first resample of every chain shares one prefix: one batch
                head = self.split.prefix_before(i)
                for c, rollout in enumerate(self.sample(head, s.chains, derive(s.seed, "resilience", i, 0))):
                    chain = {"head": head, "resilience": 0, "iterations": [], "status": None, "final": None,
                             "decision": None, "first_decision": None}
                    self._step(chain, rollout.text, original)
                    entry["chains"].append(chain)
                checkpoint()
            for c, chain in enumerate(entry["chains"]):
                while chain["status"] is None:
                    if should_stop():
                        return False
                    [rollout] = self.sample(chain["head"], 1, derive(s.seed, "resilience", i, c, chain["resilience"]))
                    self._step(chain, rollout.text, original)
                checkpoint()
                progress(self._done(), total, "chains")
            if entry["kept"] is None:
                if should_stop():
                    return False
                entry["kept"], entry["kept_texts"] = self.decisions(self.split.prefix_after(i), s.rollouts,
                                                                    derive(s.seed, "kept", i))
                checkpoint()
            progress(self._done(), total, "chains")
        return True

    def _done(self) -> int:
        return sum(sum(c["status"] is not None for c in e["chains"]) + (e["kept"] is not None)
                   for e in self.state["sentences"].values())

    def table(self) -> list[dict]:
        rows = []
        for i in self.targets:
            entry = self.state["sentences"].get(str(i))
            if entry is None:
                continue
            chains = entry["chains"]
            eliminated = [c["decision"] for c in chains if c["status"] == "eliminated"]
            kept = entry["kept"] or []
            first = [c["first_decision"] for c in chains]
            row = {"index": i, "text": self.sentences[i], **resilience_stats(chains)}
            cfpp = counterfactual_plus_plus(kept, eliminated)
            resampled = rate_difference(kept, first)
            row.update(kept_rate=cfpp["kept"]["rate"], eliminated_rate=cfpp["eliminated"]["rate"],
                       n_eliminated=len(eliminated), resampled_rate=rate(first)["rate"],
                       counterfactual_pp=cfpp["difference"], counterfactual_pp_low=cfpp["low"],
                       counterfactual_pp_high=cfpp["high"], resampling=resampled["difference"],
                       resampling_low=resampled["low"], resampling_high=resampled["high"],
                       n_kept=len(kept), n_unscored=sum(d is None for d in kept + eliminated))
            rows.append(row)
        return rows


# --- Interventions: off-policy against on-policy ----------------------------------------------

@dataclass
class InterventionSettings(Rollouts):
    candidates: int = 12  # resamples of the target per on-policy iteration
    continuations: int = 8  # short continuations of each candidate
    sentence_tokens: int = 48  # tokens for a candidate or a continuation (one sentence)
    similarity: float = 0.7  # next sentence accepted at this cosine with the wanted text
    max_iterations: int = 6
    pool: int = 8  # other rollouts to take the most similar sentence from (without a donor text)


def on_policy_search(sample_sentences: Callable[[str, int, int], list[tuple[str, str]]], head: str, wanted_vector,
                     embed, settings: InterventionSettings, state: dict, should_stop: ShouldStop = never_stop,
                     checkpoint: Checkpoint = _nothing, progress: Progress = no_progress) -> dict:
    """Resample the target until the next sentence means the wanted text, or give up at the cap.

    `sample_sentences(head, n, seed)` gives n (first sentence, separator) pairs continuing
    `head`. Iteration t draws `candidates` fresh resamples of the target; each is continued
    `continuations` times; the best next sentence by cosine with the wanted text is accepted
    once it reaches `similarity`. `state` (plain JSON) records every iteration."""
    s = settings
    state.setdefault("iterations", [])
    while state.get("found") is None:
        t = len(state["iterations"])
        if t >= s.max_iterations:
            state["found"] = False
            break
        if should_stop():
            return state
        best = None
        progress(t, s.max_iterations, "on-policy iterations")
        for k, (candidate, sep) in enumerate(sample_sentences(head, s.candidates, derive(s.seed, "candidates", t))):
            if not candidate:
                continue
            after = joined(head, candidate, sep)
            nexts = [(x, y) for x, y in sample_sentences(after, s.continuations, derive(s.seed, "next", t, k)) if x]
            if not nexts:
                continue
            cosines = embed([x for x, _ in nexts]) @ wanted_vector
            j = int(np.argmax(cosines))
            if best is None or cosines[j] > best["similarity"]:
                best = {"candidate": candidate, "candidate_sep": sep, "next": nexts[j][0], "next_sep": nexts[j][1],
                        "similarity": float(cosines[j])}
        state["iterations"].append(best or {"similarity": None})
        if best is not None and best["similarity"] >= s.similarity:
            state.update(found=True, **best)
        checkpoint()
    return state


class InterventionRun(Branching):
    """One target sentence; the unedited chain against handwritten, other-rollout and on-policy insertions."""

    def __init__(self, sampler, prompt, cot, decide, settings: InterventionSettings, target: int, insert: str,
                 donor: str | None = None, state: dict | None = None, embed=None):
        super().__init__(sampler, prompt, cot, decide, settings, embed)
        self.settings, self.target, self.insert, self.donor = settings, target, insert, donor
        self.state = state or {"conditions": {}, "search": {}, "pool": None}

    def sentences_after(self, head: str, n: int, seed: int) -> list[tuple[str, str]]:
        return [first_sentence(r.text) for r in self.sample(head, n, seed, self.settings.sentence_tokens)]

    def _condition(self, name: str, head: str, inserted: str | None, logprob: float | None, **extra) -> None:
        s = self.settings
        decisions, texts = self.decisions(head, s.rollouts, derive(s.seed, "condition", name))
        self.state["conditions"][name] = {"inserted": inserted, "logprob": logprob, "decisions": decisions,
                                          "texts": texts, **extra}

    def _most_similar_other(self) -> dict:
        """The sentence of other rollouts (or of the donor text) closest in meaning to the wanted one."""
        s = self.settings
        if self.state["pool"] is None:
            texts = [self.donor] if self.donor else [r.text for r in self.sample("", s.pool, derive(s.seed, "pool"))]
            self.state["pool"] = sorted({x for t in texts for x in split_sentences(t).texts()
                                         if " ".join(x.split()) != " ".join(self.insert.split())})
        pool = self.state["pool"]
        if not pool:
            return {"sentence": None, "similarity": None}
        cosines = self.embed(pool) @ self.embed([self.insert])[0]
        k = int(np.argmax(cosines))
        return {"sentence": pool[k], "similarity": float(cosines[k])}

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                checkpoint: Checkpoint = _nothing) -> bool:
        s, done = self.settings, self.state["conditions"]
        after = self.split.prefix_after(self.target)
        sep = self.split.sentences[self.target].sep
        steps = ["unedited", "handwritten", "other rollout", "on-policy"]
        for step in steps:
            if should_stop():
                return False
            progress(steps.index(step), len(steps), step)
            if step in done or (step == "on-policy" and self.state["search"].get("found") is False):
                continue
            if step == "unedited":
                self._condition(step, after, None, None)
            elif step == "handwritten":
                self._condition(step, joined(after, self.insert, sep), self.insert, self.mean_logprob(after, self.insert))
            elif step == "other rollout":
                other = self._most_similar_other()
                if other["sentence"] is None:
                    continue
                self._condition(step, joined(after, other["sentence"], sep), other["sentence"],
                                self.mean_logprob(after, other["sentence"]), similarity=other["similarity"])
            else:
                before = self.split.prefix_before(self.target)
                search = on_policy_search(self.sentences_after, before, self.embed([self.insert])[0], self.embed, s,
                                          self.state["search"], should_stop, checkpoint, progress)
                if search.get("found") is None:
                    return False
                if search["found"]:
                    head = joined(before, search["candidate"], search["candidate_sep"])
                    self._condition(step, joined(head, search["next"], search["next_sep"]), search["next"],
                                    self.mean_logprob(head, search["next"]), similarity=search["similarity"],
                                    replaced_with=search["candidate"])
            checkpoint()
        progress(len(steps), len(steps), "conditions")
        return True

    def table(self) -> list[dict]:
        conditions = self.state["conditions"]
        base = conditions.get("unedited", {}).get("decisions", [])
        rows = []
        for name, c in conditions.items():
            r, change = rate(c["decisions"]), rate_difference(c["decisions"], base)
            rows.append({"condition": name, "inserted": c["inserted"], "logprob": c["logprob"],
                         "similarity": c.get("similarity"), "rate": r["rate"], "low": r["low"], "high": r["high"],
                         "n": r["n"], "n_unscored": r["n_unscored"],
                         "change": None if name == "unedited" else change["difference"],
                         "change_low": None if name == "unedited" else change["low"],
                         "change_high": None if name == "unedited" else change["high"]})
        return rows
