"""Thought Branches, hint mediation: how an unmentioned hint shapes the reasoning (a transplant
curve and the cue-rate gap one sentence sampled with the hint carries)."""

from __future__ import annotations

from dataclasses import dataclass

from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.subject.sampling import SamplingParams, sample_many
from backends.thought_branches.branching import (
    Branching, Decide, Rollouts, first_sentence, joined, measured, mentions, rate, rate_difference, setup_state,
)


@dataclass
class MediationSettings(Rollouts):
    samples: int = 8  # next sentences sampled per position and side (single-sentence mediation)
    continuations: int = 1  # rollouts after each sampled sentence
    sentence_tokens: int = 48
    stop_at: float = 0.99  # the transplant curve stops once the cue-answer rate reaches this


class HintMediationRun:
    """How an unmentioned hint shapes the reasoning: a transplant curve and per-sentence mediation.

    `cue_answer(text)` is 1 when the response gives the cued answer, 0 for another answer,
    None when it gives none. `hinted` is a chain sampled with the hint; `unhinted` one without.
    The state keeps both prompts, both chains and `notes` (how sampled chains were chosen) under "setup"."""

    def __init__(self, sampler, prompt: str, hinted_prompt: str, hinted: str, unhinted: str, cue_answer: Decide,
                 hint_words: list[str], settings: MediationSettings, positions: list[int] | None = None,
                 state: dict | None = None, notes: list[str] | None = None):
        self.settings, self.prompt, self.hinted_prompt, self.sampler = settings, prompt, hinted_prompt, sampler
        self.hinted = Branching(sampler, prompt, hinted, cue_answer, settings)
        self.unhinted = Branching(sampler, prompt, unhinted, cue_answer, settings)
        self.cue_answer, self.hint_words = cue_answer, hint_words
        self.positions = positions if positions is not None else list(range(self.unhinted.n))
        self.state = setup_state(state, {"transplant": [], "transplant_done": False, "mediation": {}},
                                 {"prompt": prompt, "hinted_prompt": hinted_prompt, "hinted": hinted,
                                  "unhinted": unhinted, "notes": list(notes or [])})

    def transplant_heads(self) -> list[str]:
        """The hinted chain cut before each sentence, and whole."""
        split = self.hinted.split
        return [split.prefix_before(j) for j in range(self.hinted.n)] + [split.text]

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """The transplant curve position by position, then single-sentence mediation; a checkpoint after each."""
        s = self.settings
        heads = self.transplant_heads()
        total = len(heads) + len(self.positions)
        while not self.state["transplant_done"]:
            j = len(self.state["transplant"])
            if j >= len(heads):
                self.state["transplant_done"] = True
                break
            if should_stop():
                return False
            decisions, _ = self.hinted.decisions(heads[j], s.rollouts, "transplant", j)
            self.state["transplant"].append(decisions)
            r = rate(decisions)["rate"]
            if r is not None and r >= s.stop_at:
                self.state["transplant_done"] = True
            on_checkpoint()
            progress(j + 1, total, "positions")
        for k, j in enumerate(self.positions):
            if str(j) in self.state["mediation"]:
                continue
            if should_stop():
                return False
            self.state["mediation"][str(j)] = self._mediate(j)
            on_checkpoint()
            progress(len(heads) + k + 1, total, "positions")
        return True

    def _mediate(self, j: int) -> dict:
        """Next sentences at position j with and without the hint; each continued without it."""
        s, chain = self.settings, self.unhinted
        head = chain.split.prefix_before(j)
        sides = (("hinted", self.hinted_prompt), ("unhinted", self.prompt))
        # Both sides' next sentences in one batch, then every kept sentence's continuations in another.
        batches = sample_many(self.sampler, [(prompt + head, s.samples,
                                              s.params.at(side, j).but(max_new_tokens=s.sentence_tokens))
                                             for side, prompt in sides])
        drawn = {side: [first_sentence(r.text) for r in rollouts] for (side, _), rollouts in zip(sides, batches)}
        kept = {side: [(x, sep) for x, sep in drawn[side] if x and not mentions(x, self.hint_words)]
                for side, _ in sides}
        asked = [(side, (joined(head, sentence, sep), s.continuations, ("continue", side, j, k)))
                 for side, _ in sides for k, (sentence, sep) in enumerate(kept[side])]
        judged = chain.decisions_batch([a for _, a in asked])
        entry = {}
        for side, _ in sides:
            decisions = [d for (who, _), (ds, _) in zip(asked, judged) if who == side for d in ds]
            entry[side] = {"sentences": [x for x, _ in kept[side]], "decisions": decisions,
                           "dropped": sum(1 for x, _ in drawn[side] if x and mentions(x, self.hint_words)),
                           "empty": sum(1 for x, _ in drawn[side] if not x)}
        return entry

    def curve(self) -> list[dict]:
        rows = []
        for j, decisions in enumerate(self.state["transplant"]):
            r = rate(decisions)
            rows.append({"position": j, "before_sentence": j if j < self.hinted.n else None,
                         "rate": r["rate"], "low": r["low"], "high": r["high"], "n": r["n"], "n_unscored": r["n_unscored"]})
        return rows

    def mediation(self) -> list[dict]:
        rows = []
        for j in self.positions:
            entry = self.state["mediation"].get(str(j))
            if entry is None:
                continue
            gap = rate_difference(entry["hinted"]["decisions"], entry["unhinted"]["decisions"])
            rows.append({"position": j, "text": self.unhinted.sentences[j] if j < self.unhinted.n else None,
                         "hinted_rate": rate(entry["hinted"]["decisions"])["rate"],
                         "unhinted_rate": rate(entry["unhinted"]["decisions"])["rate"],
                         "gap": gap["difference"], "gap_low": gap["low"], "gap_high": gap["high"],
                         "dropped": entry["hinted"]["dropped"], "n_hinted": len(entry["hinted"]["decisions"]),
                         "n_unhinted": len(entry["unhinted"]["decisions"]),
                         "example": entry["hinted"]["sentences"][0] if entry["hinted"]["sentences"] else None})
        return rows

    def result(self) -> dict:
        """Both chains and their sentences, the curve and the mediation rows so far, the measurements' state."""
        setup = self.state["setup"]
        return {"hinted_cot": setup["hinted"], "unhinted_cot": setup["unhinted"], "notes": setup["notes"],
                "hinted_sentences": self.hinted.sentences, "unhinted_sentences": self.unhinted.sentences,
                "curve": self.curve(), "mediation": self.mediation(), "state": measured(self.state),
                "sampler": self.sampler.name}


def sample_hint_chain(sampler, prompt: str, params: SamplingParams, tries: int, cue_answer: Decide, want_cue: bool,
                      name: str) -> tuple[str, str]:
    """A chain that gives the cue answer (`want_cue`) or does not: the first of `tries` samples that fits,
    else the first sample; and a note saying how many fit."""
    rollouts = sampler.sample(prompt, tries, params)
    fits = [r.text for r in rollouts if (cue_answer(r.text) == 1.0) == want_cue]
    note = (f"{name} chain: {len(fits)} of {tries} samples {'gave' if want_cue else 'did not give'} the cue answer"
            + ("" if fits else "; using the first sample anyway") + ".")
    return (fits or [rollouts[0].text])[0], note


def cue_answer(cue: str) -> Decide:
    """The decision "gave the cued answer": 1 for the letter `cue` (as `normalize_answer` gives it),
    0 for another letter, None when the response names none."""
    from backends.thought_anchors.answers import choice_letter, normalize_answer

    def answer(text: str) -> float | None:
        letter = choice_letter(text)
        return None if letter is None else float(normalize_answer(letter) == cue)

    return answer
