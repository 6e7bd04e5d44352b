"""Steered generation (docs/methods.md, "Steering"): continuations of one prompt in one batch, each
row with its own steering, and where in a chat prompt steering starts.

    rows = generate_rows(handle, prompt, [{}, vector.deltas(0.6, [12])], SamplingParams(seed=0))

Applying a vector is `interventions.add_to_residual`, which adds scale x vector at the output of
each chosen decoder block on the prompt, the generated tokens, or both. A model placed on nnsight
generates through `traces.generate_tokens` instead: one traced generation steered at every step,
the same tokens at temperature 0; sampled, the same rule with its own seeded draws (docs/methods.md).
"""

from __future__ import annotations

from typing import Callable

import torch

from backends.core.errors import UsageError
from backends.core.progress import ShouldStop, never_stop
from backends.subject.interventions import WHERE, Where, add_to_residual
from backends.subject.models import ModelHandle
from backends.subject.sampling import Rollout, SamplingParams, cut_at_stop
from backends.subject.traces import generate_tokens, uses_nnsight


def steering_start(handle: ModelHandle, prompt: str, user_text: str) -> int:
    """The first token of `user_text` inside the formatted `prompt`: steering starts there, so what the
    chat template puts before the user's message (a `system` prompt, or the template's own default
    one, and the user header) is never steered. 0 where `user_text` is not in `prompt`."""
    at = prompt.rfind(user_text)
    if at < 0:
        return 0
    offsets = handle.tokenizer(prompt, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    return next((i for i, (s, e) in enumerate(offsets) if e > at), 0)


@torch.inference_mode()
def generate_rows(
    handle: ModelHandle,
    prompt: str,
    rows: list[dict[int, torch.Tensor]],
    params: SamplingParams = SamplingParams(temperature=0.7, max_new_tokens=128),
    *,
    where: Where = "both",
    start: int = 0,
    progress: Callable[[int], None] | None = None,
    should_stop: ShouldStop = never_stop,
) -> list[Rollout]:
    """One continuation of `prompt` per row, all in one batch, row i steered by `rows[i]`
    ({layer: delta}; {} leaves a row unsteered), sampled as `params` say (its seed for the whole
    batch). Steering covers prompt tokens from `start` on ("prompt" or "both") and generated tokens
    ("generated" or "both"). Deterministic per seed."""
    from transformers import DynamicCache

    from backends.subject.sampling.local import sample_rows

    if where not in WHERE:
        raise UsageError(f"where: {where!r}; allowed: {', '.join(WHERE)}", field="where")
    model = handle.model
    ids = handle.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).input_ids.to(handle.device)
    n, hidden = len(rows), model.config.hidden_size
    layers = sorted({layer for row in rows for layer in row})
    deltas = {}
    for layer in layers:
        stacked = torch.zeros(n, hidden, dtype=model.dtype, device=handle.device)
        for i, row in enumerate(rows):
            if layer in row:
                stacked[i] = row[layer].to(model.dtype)
        deltas[layer] = stacked
    prompt_len = ids.shape[1]
    if uses_nnsight(handle):
        return _traced_rows(handle, ids, deltas, n, where, start, params, progress)
    shared = where == "generated" or not layers  # the prompt pass is the same for every row
    prefill = DynamicCache()
    if shared:
        last_logits = model(input_ids=ids, cache=prefill, use_cache=True).logits[:, -1].float()
    with add_to_residual(model, deltas, where=where, prompt_len=prompt_len, start=start) as state:
        if not shared:
            last_logits = model(input_ids=ids.expand(n, -1), cache=prefill, use_cache=True).logits[:, -1].float()
        return sample_rows(handle, prefill, last_logits, prompt_len, n, max_new_tokens=params.max_new_tokens,
                           temperature=params.temperature, top_p=params.top_p, seed=params.seed,
                           stop=list(params.stop) or None, progress=progress, should_stop=should_stop,
                           on_compact=state.keep)


def _traced_rows(handle, ids, deltas, n, where, start, params: SamplingParams, progress) -> list[Rollout]:
    """`generate_rows` through nnsight: one traced generation, every row ending as the local sampler
    ends it (its first stop token, or a stop string), with the same text."""
    stop_ids = handle.stop_token_ids
    rows = generate_tokens(handle, ids, {layer: d.cpu() for layer, d in deltas.items()}, n, where, start,
                           params.max_new_tokens, params.temperature, params.top_p, params.seed, stop_ids)
    if progress is not None:
        progress(params.max_new_tokens)
    return [_rollout(handle.tokenizer, row, set(stop_ids), list(params.stop)) for row in rows]


def _rollout(tok, generated: list[int], stop_ids: set[int], stop: list[str]) -> Rollout:
    tokens, reason = [], "length"
    for token in generated:
        tokens.append(token)
        if token in stop_ids:
            reason = "eos"
            break
        if stop and cut_at_stop(tok.decode(tokens[-12:]), stop)[1]:
            reason = "stop"
            break
    text, _ = cut_at_stop(tok.decode(tokens[:-1] if reason == "eos" else tokens, skip_special_tokens=True), stop or None)
    return Rollout(text=text, n_tokens=len(tokens), finish_reason=reason)
