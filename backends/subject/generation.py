"""One chain of thought from a subject model, sampled through the sampler interface.

`CotGeneration` is an experiment (backends/core/experiment.py) that samples `chunk` tokens at a
time, each chunk continuing the prompt plus the text so far with its own seed (the seed rule:
`params.at("chunk", k)`), and checkpoints after each chunk. A stop throws the unfinished chunk
away; the resumed run samples it again with the same seed, so stopping never changes the text.
The same code runs on the local sampler and on a completions server.

    generation = CotGeneration(sampler, prompt, SamplingParams(max_new_tokens=256, seed=0))
    generation.advance(progress, should_stop, on_checkpoint)
    generation.result()["cot"]
"""

from __future__ import annotations

import time

from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.subject.sampling import SamplingParams

CHUNK = 64  # tokens per request: what a kill -9 can lose, and the granularity of a stop


def empty_state() -> dict:
    return {"text": "", "n_tokens": 0, "chunks": 0, "finish_reason": None, "seconds": 0.0}


class CotGeneration:
    def __init__(self, sampler, prompt: str, params: SamplingParams, chunk: int = CHUNK, state: dict | None = None,
                 about: dict | None = None):
        """`about`: fields the result carries along (the model's name, the system prompt)."""
        self.sampler, self.prompt, self.params, self.chunk = sampler, prompt, params, max(1, chunk)
        self.state, self.about = state or empty_state(), dict(about or {})

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        s, budget = self.state, self.params.max_new_tokens
        while s["finish_reason"] is None:
            if should_stop():
                return False
            before, started = s["n_tokens"], time.perf_counter()
            params = self.params.at("chunk", s["chunks"]).but(max_new_tokens=min(self.chunk, budget - before))
            rollouts = self.sampler.sample(self.prompt + s["text"], 1, params, should_stop=should_stop,
                                           progress=lambda done, total, note: progress(before + done, budget, "tokens"))
            if should_stop() or not rollouts:
                return False  # the unfinished chunk is sampled again, with the same seed, on resume
            [rollout] = rollouts
            s["text"] += rollout.text
            s["n_tokens"] += rollout.n_tokens
            s["chunks"] += 1
            s["seconds"] += time.perf_counter() - started
            if rollout.finish_reason in ("eos", "stop"):
                s["finish_reason"] = "eos"
            elif s["n_tokens"] >= budget:
                s["finish_reason"] = "length"
            progress(s["n_tokens"], budget, "tokens")
            on_checkpoint()
        return True

    def result(self) -> dict:
        s = self.state
        return {"cot": s["text"], "n_tokens": s["n_tokens"], "finish_reason": s["finish_reason"] or "stopped",
                "prompt": self.prompt, "seconds": s["seconds"], "sampler": self.sampler.name} | self.about
