"""Thought Branches, interventions: a sentence inserted off-policy (handwritten, or the most similar
sentence of other rollouts) against one found on-policy (docs/methods.md, "Thought Branches"; the
method in branching.py's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.thought_anchors.sentences import split_sentences
from backends.thought_branches.branching import (
    Branching, Rollouts, first_sentence, joined, measured, rate, rate_difference, setup_state,
)

@dataclass
class InterventionSettings(Rollouts):
    candidates: int = 12  # resamples of the target per on-policy iteration
    continuations: int = 8  # short continuations of each candidate
    sentence_tokens: int = 48  # tokens for a candidate or a continuation (one sentence)
    similarity: float = 0.7  # next sentence accepted at this cosine with the wanted text
    max_iterations: int = 6
    pool: int = 8  # other rollouts to take the most similar sentence from (without a donor text)


def on_policy_search(sample_sentences: Callable[[list], list[list[tuple[str, str]]]], head: str, wanted_vector,
                     embed, settings: InterventionSettings, state: dict, should_stop: ShouldStop = never_stop,
                     on_checkpoint: OnCheckpoint = no_checkpoint, progress: Progress = no_progress) -> dict:
    """Resample the target until the next sentence means the wanted text, or give up at the cap.

    `sample_sentences([(head, n, where), ...])` gives, for each, n (first sentence, separator) pairs
    continuing `head`, seeded at `where`, in one batch. Iteration t draws `candidates` fresh resamples of
    the target; each is continued `continuations` times (all candidates' continuations one batch); the best next sentence by cosine with the wanted text is accepted
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
        [candidates] = sample_sentences([(head, s.candidates, ("candidates", t))])
        tried = [(k, candidate, sep) for k, (candidate, sep) in enumerate(candidates) if candidate]
        following = sample_sentences([(joined(head, candidate, sep), s.continuations, ("next", t, k))
                                      for k, candidate, sep in tried])
        for (k, candidate, sep), drawn in zip(tried, following):
            nexts = [(x, y) for x, y in drawn if x]
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
        on_checkpoint()
    return state


class InterventionRun(Branching):
    """One target sentence; the unedited chain against handwritten, other-rollout and on-policy insertions."""

    def __init__(self, sampler, prompt, cot, decide, settings: InterventionSettings, target: int, insert: str,
                 donor: str | None = None, state: dict | None = None, embed=None, setup: dict | None = None):
        super().__init__(sampler, prompt, cot, decide, settings, embed)
        self.settings, self.target, self.insert, self.donor = settings, target, insert, donor
        self.state = setup_state(state, {"conditions": {}, "search": {}, "pool": None},
                                 {"prompt": prompt, "cot": cot, **(setup or {})})

    def sentences_after(self, asked: list[tuple[str, int, tuple]]) -> list[list[tuple[str, str]]]:
        """For each (head, n, where): the first sentence (and its separator) of `n` short continuations
        of `head`, seeded at `where`; all in one batch."""
        tokens = self.settings.sentence_tokens
        batches = self.sample_batch([(head, n, self.settings.params.at(*where).but(max_new_tokens=tokens))
                                     for head, n, where in asked])
        return [[first_sentence(r.text) for r in rollouts] for rollouts in batches]

    def _condition(self, name: str, head: str, inserted: str | None, logprob: float | None, **extra) -> None:
        s = self.settings
        decisions, texts = self.decisions(head, s.rollouts, "condition", name)
        self.state["conditions"][name] = {"inserted": inserted, "logprob": logprob, "decisions": decisions,
                                          "texts": texts, **extra}

    def _most_similar_other(self) -> dict:
        """The sentence of other rollouts (or of the donor text) closest in meaning to the wanted one."""
        s = self.settings
        if self.state["pool"] is None:
            texts = [self.donor] if self.donor else [r.text for r in self.sample("", s.pool, s.params.at("pool"))]
            self.state["pool"] = sorted({x for t in texts for x in split_sentences(t).texts()
                                         if " ".join(x.split()) != " ".join(self.insert.split())})
        pool = self.state["pool"]
        if not pool:
            return {"sentence": None, "similarity": None}
        cosines = self.embed(pool) @ self.embed([self.insert])[0]
        k = int(np.argmax(cosines))
        return {"sentence": pool[k], "similarity": float(cosines[k])}

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """The four conditions in turn; a checkpoint after each, and after each on-policy iteration."""
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
                                          self.state["search"], should_stop, on_checkpoint, progress)
                if search.get("found") is None:
                    return False
                if search["found"]:
                    head = joined(before, search["candidate"], search["candidate_sep"])
                    self._condition(step, joined(head, search["next"], search["next_sep"]), search["next"],
                                    self.mean_logprob(head, search["next"]), similarity=search["similarity"],
                                    replaced_with=search["candidate"])
            on_checkpoint()
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

    def result(self) -> dict:
        """What it started from, the sentences, each condition's rate so far, and the measurements' state."""
        return {"setup": self.state["setup"], "sentences": self.sentences, "table": self.table(),
                "search": self.state["search"], "state": measured(self.state), "sampler": self.sampler.name}
