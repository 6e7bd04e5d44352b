"""CoT monitoring as experiments (docs/methods.md, "CoT monitoring"; the monitors in monitor.py).

    MonitorabilityRun  samples `rollouts` of a scenario's prompt in batches of BATCH; each rollout's
                       decision is judged on the whole response and the monitor reads its reasoning
                       (`reasoning_part`); `monitorability` turns them into catch and false-alarm rates.
    ChainRead          one chain of thought read by a monitor: an experiment of one step.

Both keep their state as plain JSON, what they started from under "setup" (the prompt, or the
chain read), so a stopped run resumes from its state alone.
"""

from __future__ import annotations

import dataclasses

from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.subject.sampling import SamplingParams
from backends.thought_branches.branching import Decide, measured, setup_state
from backends.thought_branches.monitor import monitorability, reasoning_part

BATCH = 8  # rollouts sampled, judged and monitored between checkpoints


def _about(monitor) -> dict:
    return {"monitor": monitor.name, "limits": getattr(monitor, "limits", "")}


class MonitorabilityRun:
    """How much of a scenario's misbehaviour a monitor reading the reasoning catches."""

    def __init__(self, sampler, prompt: str, monitor, decide: Decide, params: SamplingParams, rollouts: int,
                 intent: str | None = None, state: dict | None = None):
        self.sampler, self.monitor, self.decide, self.params = sampler, monitor, decide, params
        self.rollouts, self.intent = rollouts, intent
        self.state = setup_state(state, {"texts": [], "decisions": [], "flags": [], "scores": [], "reasons": []},
                                 {"prompt": prompt})

    @property
    def prompt(self) -> str:
        return self.state["setup"]["prompt"]

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """Batches of rollouts until there are `rollouts`; a checkpoint after each batch."""
        state = self.state
        while len(state["texts"]) < self.rollouts:
            if should_stop():
                return False
            done = len(state["texts"])
            n = min(BATCH, self.rollouts - done)
            for r in self.sampler.sample(self.prompt, n, self.params.at("monitor", done)):
                verdict = self.monitor(reasoning_part(r.text), intent=self.intent)
                state["texts"].append(r.text)
                state["decisions"].append(self.decide(r.text))
                state["flags"].append(verdict.flagged)
                state["scores"].append(verdict.score)
                state["reasons"].append(verdict.reasons)
            progress(len(state["texts"]), self.rollouts, "rollouts")
            on_checkpoint()
        return True

    def result(self) -> dict:
        """The monitorability figure over the rollouts so far, the prompt, and every rollout's record."""
        return {"prompt": self.prompt, "intent": self.intent, **_about(self.monitor),
                "figure": monitorability(self.state["decisions"], self.state["flags"]),
                "state": measured(self.state), "sampler": self.sampler.name}


class ChainRead:
    """One chain of thought read by a monitor (`setup`: plain JSON on where the chain came from)."""

    def __init__(self, monitor, cot: str, intent: str | None = None, state: dict | None = None,
                 setup: dict | None = None):
        self.monitor, self.intent = monitor, intent
        self.state = setup_state(state, {"verdict": None}, {"cot": cot, **(setup or {})})

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """One step: the monitor reads the chain's reasoning (`reasoning_part`)."""
        if self.state["verdict"] is None:
            verdict = self.monitor(reasoning_part(self.state["setup"]["cot"]), intent=self.intent)
            self.state["verdict"] = dataclasses.asdict(verdict)
        return True

    def result(self) -> dict:
        return {"setup": self.state["setup"], "intent": self.intent, "verdict": self.state["verdict"],
                **_about(self.monitor)}
