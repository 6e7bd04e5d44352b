"""Sampling one continuation from a subject model: seeded, with progress and cancellation.

`sample` continues a text prompt (and, when resuming, tokens already generated) for up to
`max_new_tokens`, at temperature/top_p (temperature 0 is greedy). It calls
`progress(done, total, "tokens")` once per generated token and returns what it has as
soon as `should_stop()` turns true, with `finish_reason="stopped"`.

Every `checkpoint_every` tokens, or `checkpoint_s` seconds when that comes first, it calls
`on_checkpoint(token_ids, rng_state)`, so a caller can save progress that survives a kill.
`rng_state` is the sampler's random state after those tokens (a stopped generation returns
it too): resuming with both (`resume_ids`, `rng_state`) draws what an uninterrupted run would
have drawn, so the same seed gives the same text whether or not the run was interrupted.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Callable

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from backends.subject.models import ModelHandle
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress

@dataclass
class Generation:
    text: str  # the generated text, without the prompt and the end-of-turn token
    token_ids: list[int]  # every generated token, end-of-turn included
    finish_reason: str  # "eos" | "length" | "stopped"
    rng_state: dict | None = None  # the sampler's random state after the last token (to resume exactly)

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids)


class _StepHook(StoppingCriteria):
    """Called by `generate` after every decoding step: reports progress, honours cancellation."""

    def __init__(self, start: int, total: int, progress: Progress, should_stop: ShouldStop,
                 prompt_len: int = 0, devices: list | None = None,
                 on_checkpoint: Callable[[list[int], dict], None] | None = None, every: int = 64,
                 every_s: float = 5.0):
        self.done, self.total = start, total
        self.progress, self.should_stop = progress, should_stop
        self.prompt_len, self.devices, self.on_checkpoint = prompt_len, devices or [], on_checkpoint
        self.every, self.every_s = every, every_s
        self.saved, self.saved_at = start, time.monotonic()
        self.stopped = False
        self.rng_state: dict | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        self.done += 1
        self.progress(self.done, self.total, "tokens")
        self.stopped = bool(self.should_stop())
        if self.stopped:
            self.rng_state = rng_state(self.devices)
        elif self.on_checkpoint is not None and (
            self.done - self.saved >= self.every or time.monotonic() - self.saved_at >= self.every_s
        ):
            self.on_checkpoint(input_ids[0, self.prompt_len:].tolist(), rng_state(self.devices))
            self.saved, self.saved_at = self.done, time.monotonic()
        return torch.full((input_ids.shape[0],), self.stopped, dtype=torch.bool, device=input_ids.device)


def rng_state(devices: list) -> dict:
    """The random state sampling draws from (CPU, and each CUDA device), as JSON-able text."""
    state = {"cpu": base64.b64encode(torch.get_rng_state().numpy().tobytes()).decode()}
    for d in devices:
        state[f"cuda:{d.index or 0}"] = base64.b64encode(torch.cuda.get_rng_state(d).numpy().tobytes()).decode()
    return state


def _set_rng_state(state: dict, devices: list) -> None:
    def tensor(text: str) -> torch.Tensor:
        return torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.uint8)

    torch.set_rng_state(tensor(state["cpu"]))
    for d in devices:
        if f"cuda:{d.index or 0}" in state:
            torch.cuda.set_rng_state(tensor(state[f"cuda:{d.index or 0}"]), d)


@torch.inference_mode()
def sample(
    handle: ModelHandle,
    prompt: str,
    *,
    max_new_tokens: int = 256,
    temperature: float = 0.6,
    top_p: float = 0.95,
    seed: int = 0,
    resume_ids: list[int] | None = None,
    rng_state: dict | None = None,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
    on_checkpoint: Callable[[list[int], dict], None] | None = None,
    checkpoint_every: int = 64,
    checkpoint_s: float = 5.0,
) -> Generation:
    """One seeded continuation of `prompt` (after `resume_ids`, the tokens of an earlier, stopped
    attempt, and its `rng_state` when it saved one)."""
    tok = handle.tokenizer
    prompt_ids = tok(prompt, return_tensors="pt", add_special_tokens=False).input_ids
    done_ids = list(resume_ids or [])
    input_ids = torch.cat([prompt_ids, torch.tensor([done_ids], dtype=torch.long)], dim=1).to(handle.device)
    stop_ids = handle.stop_token_ids
    remaining = max_new_tokens - len(done_ids)
    if remaining <= 0 or (done_ids and done_ids[-1] in stop_ids):
        return _finish(handle, done_ids, [], stop_ids, stopped=False)

    sampling = (
        dict(do_sample=True, temperature=temperature, top_p=top_p) if temperature > 0 else dict(do_sample=False)
    )
    devices = [handle.device] if handle.device.type == "cuda" else []
    hook = _StepHook(len(done_ids), max_new_tokens, progress, should_stop, prompt_ids.shape[1], devices,
                     on_checkpoint, max(1, checkpoint_every), checkpoint_s)
    # Seed a private RNG stream: the same seed gives the same text, and the caller's
    # global RNG state is left as it was. A resumed attempt goes on from the random state
    # it saved; without one it offsets the seed by its position so it does not replay the
    # first tokens' draws.
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed + len(done_ids))
        if done_ids and rng_state:
            _set_rng_state(rng_state, devices)
        out = handle.model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=remaining,
            eos_token_id=stop_ids,
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else stop_ids[0],
            stopping_criteria=StoppingCriteriaList([hook]),
            top_k=None,
            **sampling,
        )
    new_ids = out[0, input_ids.shape[1]:].tolist()
    return _finish(handle, done_ids, new_ids, stop_ids, stopped=hook.stopped, rng=hook.rng_state)


def _finish(handle: ModelHandle, done_ids: list[int], new_ids: list[int], stop_ids: list[int], stopped: bool,
            rng: dict | None = None) -> Generation:
    ids = done_ids + new_ids
    # A row that ended early is padded by generate; keep tokens up to the first end-of-turn.
    for i, t in enumerate(ids):
        if t in stop_ids:
            ids = ids[: i + 1]
            break
    if ids and ids[-1] in stop_ids:
        reason = "eos"
    else:
        reason = "stopped" if stopped else "length"
    body = ids[:-1] if reason == "eos" else ids
    text = handle.tokenizer.decode(body, skip_special_tokens=True)
    return Generation(text=text, token_ids=ids, finish_reason=reason, rng_state=rng if reason == "stopped" else None)
