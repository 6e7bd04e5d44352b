"""Thought Branches, resilience and counterfactual++: does removed content come back, and what
happens once it is gone? (docs/methods.md, "Thought Branches"; the method in branching.py's docstring)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.stats import mean_interval
from backends.thought_anchors.sentences import split_sentences
from backends.thought_branches.branching import Branching, Rollouts, measured, rate, rate_difference, setup_state

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
    """Resilience and counterfactual++ for chosen sentences of one chain of thought.

    `setup` (plain JSON) is what the caller wants kept of where the chain came from (its source, a
    sampled chain's note); the state keeps it beside the prompt and the chain under "setup"."""

    def __init__(self, sampler, prompt, cot, decide, settings: ResilienceSettings, targets: list[int],
                 state: dict | None = None, embed=None, setup: dict | None = None):
        super().__init__(sampler, prompt, cot, decide, settings, embed)
        self.settings, self.targets = settings, targets
        self.state = setup_state(state, {"sentences": {}}, {"prompt": prompt, "cot": cot, **(setup or {})})

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
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """Every target's chains resampled to the end, round by round (each round the next resample of every
        chain still going, in one batch), then its kept rollouts; a checkpoint after each round."""
        s = self.settings
        total = len(self.targets) * (s.chains + 1)
        for i in self.targets:
            if should_stop():
                return False
            entry = self.state["sentences"].setdefault(str(i), {"chains": [], "kept": None, "kept_texts": None})
            original = self.embed([self.sentences[i]])[0]
            if not entry["chains"]:  # the first resample of every chain shares one prefix: one batch
                head = self.split.prefix_before(i)
                for rollout in self.sample(head, s.chains, s.params.at("resilience", i, 0)):
                    chain = {"head": head, "resilience": 0, "iterations": [], "status": None, "final": None,
                             "decision": None, "first_decision": None}
                    self._step(chain, rollout.text, original)
                    entry["chains"].append(chain)
                on_checkpoint()
                progress(self._done(), total, "chains")
            chains = entry["chains"]
            running = [c for c, chain in enumerate(chains) if chain["status"] is None]
            while running:  # a round: the next resample of every chain still going, one batch
                if should_stop():
                    return False
                batches = self.sample_batch([(chains[c]["head"], 1, s.params.at("resilience", i, c,
                                                                              chains[c]["resilience"]))
                                             for c in running])
                for c, [rollout] in zip(running, batches):
                    self._step(chains[c], rollout.text, original)
                on_checkpoint()
                progress(self._done(), total, "chains")
                running = [c for c in running if chains[c]["status"] is None]
            if entry["kept"] is None:
                if should_stop():
                    return False
                entry["kept"], entry["kept_texts"] = self.decisions(self.split.prefix_after(i), s.rollouts,
                                                                    "kept", i)
                on_checkpoint()
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

    def result(self) -> dict:
        """What it started from (the prompt, the chain, its source), the sentences, the table so far,
        and the measurements' state."""
        return {"setup": self.state["setup"], "sentences": self.sentences, "targets": self.targets,
                "table": self.table(), "state": measured(self.state), "sampler": self.sampler.name}
