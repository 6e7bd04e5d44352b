"""Samplers: N continuations of one text prefix.

Every sampler has the same call:

    params = SamplingParams(temperature=0.6, top_p=0.95, max_new_tokens=256, seed=0)
    sampler.sample(prefix, n, params, logprobs=False, progress=..., should_stop=...) -> list[Rollout]

`prefix` is the exact text the model continues (a chat-formatted prompt plus part of a
chain of thought); nothing is added to it. The same seed gives the same rollouts.
`sampler.sample_many([(prefix, n, params), ...]) -> list[list[Rollout]]` samples a batch of
independent prefixes at once (a remote sampler sends them all concurrently; the local one in
turn), each with its own params' seed, so a batch gives what its requests give one by one;
`sample_many(sampler, requests)` works with any sampler (a loop over `sample` when it has no batch).
`sampler.score(prefix, text) -> list[float]` gives the log-prob of each token of a given
text after the prefix (how on-policy a written sentence is).
Implementations: `LocalSampler` (transformers, shared-prefix KV cache, batched) and
`RemoteSampler` (any OpenAI-compatible completions endpoint).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol

from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.seeds import derive


@dataclass(frozen=True)
class SamplingParams:
    """How to sample: one value passed whole from a tool's arguments to the sampler.

    `at(*where)` gives the same settings with the seed of one draw (the seed rule of
    backends/core/seeds.py); `but(**changes)` the same settings with some changed."""

    temperature: float = 0.6
    top_p: float = 0.95
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "stop", tuple(self.stop or ()))

    def at(self, *where: object) -> "SamplingParams":
        return dataclasses.replace(self, seed=derive(self.seed, *where))

    def but(self, **changes) -> "SamplingParams":
        return dataclasses.replace(self, **changes)

    @classmethod
    def of(cls, args, **changes) -> "SamplingParams":
        """From a tool's arguments (any object with some of these fields), with `changes` on top."""
        fields = {f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if getattr(args, f.name, None) is not None}
        return cls(**(fields | changes))

    def to_json(self) -> dict:
        return dataclasses.asdict(self) | {"stop": list(self.stop)}


@dataclass
class Rollout:
    text: str  # the continuation only, without the prefix, cut before any stop string
    n_tokens: int
    finish_reason: str  # "eos" (the model ended), "stop" (a stop string), "length"
    logprobs: list[float] | None = field(default=None, repr=False)  # per generated token, when asked


class Sampler(Protocol):
    name: str

    def sample(
        self,
        prefix: str,
        n: int,
        params: SamplingParams,
        *,
        logprobs: bool = False,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[Rollout]: ...

    def sample_many(
        self,
        requests: list[tuple[str, int, "SamplingParams"]],
        *,
        logprobs: bool = False,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[list[Rollout]]: ...

    def score(self, prefix: str, text: str) -> list[float]: ...


Request = tuple[str, int, SamplingParams]  # (prefix, n, params): one entry of a batch


def sample_many(sampler, requests: list[Request], *, logprobs: bool = False, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> list[list[Rollout]]:
    """A batch through `sampler.sample_many`, or one `sample` after another for a sampler that has
    only `sample` (a scripted one in a test). Rollouts per request, in request order; each request
    keeps the seed of its own params, so the batch gives what the requests give one by one."""
    many = getattr(sampler, "sample_many", None)
    if many is not None:
        return many(requests, logprobs=logprobs, progress=progress, should_stop=should_stop)
    return sample_each(sampler, requests, logprobs=logprobs, progress=progress, should_stop=should_stop)


def sample_each(sampler, requests: list[Request], *, logprobs: bool = False, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> list[list[Rollout]]:
    """`sample_many` as a loop of `sampler.sample`: a request not reached before `should_stop()` gets []."""
    progress, should_stop = progress or no_progress, should_stop or never_stop
    total, done, out = sum(n for _, n, _ in requests), 0, []
    for prefix, n, params in requests:
        if should_stop():
            out.append([])
            continue
        rollouts = sampler.sample(prefix, n, params, logprobs=logprobs, should_stop=should_stop)
        out.append(rollouts)
        done += len(rollouts)
        progress(done, total, "rollouts")
    return out


def cut_at_stop(text: str, stop: list[str] | None) -> tuple[str, bool]:
    """The text before the first stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop or []) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
