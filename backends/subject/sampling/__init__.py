"""Samplers: N continuations of one text prefix.

Every sampler has the same call:

    sampler.sample(prefix, n, max_new_tokens=..., temperature=..., top_p=..., seed=...,
                   stop=None, logprobs=False, progress=..., should_stop=...) -> list[Rollout]

`prefix` is the exact text the model continues (a chat-formatted prompt plus part of a
chain of thought); nothing is added to it. The same seed gives the same rollouts.
`sampler.score(prefix, text) -> list[float]` gives the log-prob of each token of a given
text after the prefix (how on-policy a written sentence is).
Implementations: `LocalSampler` (transformers, shared-prefix KV cache, batched) and
`RemoteSampler` (any OpenAI-compatible completions endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from backends.core.progress import Progress, ShouldStop


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
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.6,
        top_p: float = 0.95,
        seed: int = 0,
        stop: list[str] | None = None,
        logprobs: bool = False,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[Rollout]: ...

    def score(self, prefix: str, text: str) -> list[float]: ...


def cut_at_stop(text: str, stop: list[str] | None) -> tuple[str, bool]:
    """The text before the first stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop or []) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def make_sampler(settings, model: str | None, load_model) -> "Sampler":
    """The remote sampler when `sampler_base_url` is set, else the local one on `model`."""
    if settings.sampler_base_url:
        import os

        from backends.core.llm import SAMPLER_KEY_VAR
        from backends.subject.sampling.remote import RemoteSampler

        return RemoteSampler(settings.sampler_base_url, settings.sampler_model or model or settings.model,
                             api_key=os.environ.get(SAMPLER_KEY_VAR), concurrency=settings.sampler_concurrency,
                             cache_dir=settings.home / "sampler-cache")
    from backends.subject.sampling.local import LocalSampler

    return LocalSampler(load_model(model), compile=settings.decode_compile)
