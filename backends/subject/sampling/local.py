"""The local sampler: N continuations of one prefix from a transformers model.

Why it is fast: the prefix is prefilled once (batch 1) and its keys and values copied
into a static cache with one row per rollout, so each decoding step is one batched
forward over the new tokens only, writing in place (no per-step concatenation of the
whole cache). Rows that finish are dropped from the batch once they are a quarter of
it, so finished rollouts stop costing compute. On CUDA the step is compiled into CUDA
graphs (compiled.py), since eager decoding there is launch-bound. Sampling draws from a private
`torch.Generator` seeded per batch: the same seed gives the same rollouts.
"""

from __future__ import annotations

import torch
from transformers import DynamicCache, StaticCache

from backends.subject.models import ModelHandle
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.subject.sampling import Rollout, SamplingParams, cut_at_stop, sample_each
from backends.subject.sampling.compiled import compiled_step, fill, nucleus
from backends.core.settings import get_settings
from backends.core.seeds import derive


class LocalSampler:
    def __init__(self, handle: ModelHandle, batch_size: int = 64, compile: bool | None = None):
        """`compile`: use the compiled decode step on CUDA (default: the `decode_compile` setting)."""
        self.handle = handle
        self.batch_size = batch_size
        self.compile = get_settings().decode_compile if compile is None else compile
        self.name = f"local:{handle.name}"

    @torch.inference_mode()
    def sample(
        self,
        prefix: str,
        n: int,
        params: SamplingParams,
        *,
        logprobs: bool = False,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[Rollout]:
        max_new_tokens, temperature, top_p, seed = params.max_new_tokens, params.temperature, params.top_p, params.seed
        stop = list(params.stop) or None
        progress, should_stop = progress or no_progress, should_stop or never_stop
        model, tok = self.handle.model, self.handle.tokenizer
        ids = tok(prefix, return_tensors="pt", add_special_tokens=False).input_ids.to(model.device)
        prefill = DynamicCache()
        last_logits = model(input_ids=ids, cache=prefill, use_cache=True).logits[:, -1].float()
        rollouts: list[Rollout] = []
        for start in range(0, n, self.batch_size):
            if should_stop():
                break
            rows = min(self.batch_size, n - start)
            rollouts += sample_rows(
                self.handle, prefill, last_logits, ids.shape[1], rows, max_new_tokens=max_new_tokens,
                temperature=temperature, top_p=top_p, seed=derive(seed, "rows", start), stop=stop, logprobs=logprobs,
                progress=lambda done: progress(len(rollouts) * max_new_tokens + done, n * max_new_tokens, "rollout tokens"),
                should_stop=should_stop, compile=self.compile,
            )
            progress(len(rollouts) * max_new_tokens, n * max_new_tokens, "rollout tokens")
        return rollouts

    def sample_many(self, requests, *, logprobs: bool = False, progress: Progress | None = None,
                    should_stop: ShouldStop | None = None) -> list[list[Rollout]]:
        """The batch one prefix after another (each prefix is batched over its rollouts)."""
        return sample_each(self, requests, logprobs=logprobs, progress=progress, should_stop=should_stop)

    @torch.inference_mode()
    def score(self, prefix: str, text: str) -> list[float]:
        """Log-prob of each token of `text` after `prefix` under the model (temperature 1): how
        on-policy a written sentence is. Tokens are those of the joined text that start inside
        `text`, so a token merging across the boundary is not counted twice."""
        model, tok = self.handle.model, self.handle.tokenizer
        enc = tok(prefix + text, return_tensors="pt", add_special_tokens=False, return_offsets_mapping=True)
        ids, starts = enc.input_ids.to(model.device), enc.offset_mapping[0, :, 0].tolist()
        first = next((k for k, start in enumerate(starts) if start >= len(prefix)), len(starts))
        if first == len(starts) or ids.shape[1] < 2:
            return []
        first = max(first, 1)  # the first token of all has no context to be scored in
        logprobs = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), dim=-1)
        return logprobs[first - 1:].gather(-1, ids[0, first:, None]).squeeze(-1).tolist()


def sample_rows(handle: ModelHandle, prefill: DynamicCache, last_logits: torch.Tensor, prefix_len: int, rows: int, *,
                max_new_tokens: int, temperature: float, top_p: float, seed: int, stop: list[str] | None = None,
                logprobs: bool = False, progress=None, should_stop: ShouldStop | None = None,
                on_compact=None, compile: bool = True) -> list[Rollout]:
    """Decode `rows` continuations of an already prefilled prefix in one batch, in row order.

    `prefill` holds the prefix's keys and values for one row (shared by all) or for every row
    (`rows` of them, when rows saw different prefixes or interventions); `last_logits` the
    matching next-token logits. `on_compact(kept_rows)` hears when finished rows leave the
    batch, for interventions that hold one value per row. `compile`: the compiled decode
    step may be used (on CUDA, with no intervention hooked in and no `on_compact`).
    """
    model, tok = handle.model, handle.tokenizer
    batch = _decode_batch(
        model, prefill, last_logits, prefix_len, rows, max_new_tokens, temperature, top_p,
        torch.Generator(device=model.device).manual_seed(seed), set(handle.stop_token_ids), stop, tok, logprobs,
        progress or (lambda done: None), should_stop or never_stop, on_compact, compile,
    )
    return [_rollout(tok, tokens, lps, reason, stop, logprobs) for tokens, lps, reason in batch]


def _static_copy(model, prefill: DynamicCache, rows: int, max_len: int, take=None) -> StaticCache:
    """A static cache of `rows` rows holding the prefill's keys and values (or rows `take` of another cache)."""
    return fill(StaticCache(config=model.config, max_cache_len=max_len), prefill, rows, take)


CANDIDATES = 256  # the nucleus almost always lies in the top few hundred tokens


def _next_tokens(logits: torch.Tensor, temperature: float, top_p: float, generator: torch.Generator) -> torch.Tensor:
    """Exact temperature + nucleus sampling, without sorting the whole vocabulary.

    The nucleus is a prefix of the tokens sorted by probability, so when the top
    CANDIDATES tokens already hold `top_p` of the mass (nearly always), sampling among
    them is exact; rows where they do not fall back to the full sort.
    """
    if temperature <= 0:
        return logits.argmax(dim=-1)
    scaled = logits / temperature
    if top_p >= 1.0:
        return torch.multinomial(torch.softmax(scaled, dim=-1), 1, generator=generator).squeeze(-1)
    k = min(CANDIDATES, scaled.shape[-1])
    values, index = scaled.topk(k, dim=-1)
    # Ties (common in bf16 logits) come out of topk in no fixed order on CUDA: order the
    # candidates by token id, then stably by value, so the same seed picks the same token.
    by_id = index.argsort(dim=-1)
    values, index = values.gather(-1, by_id), index.gather(-1, by_id)
    values, order = values.sort(dim=-1, descending=True, stable=True)
    index = index.gather(-1, order)
    probs = (values - torch.logsumexp(scaled, dim=-1, keepdim=True)).exp()
    if bool((probs.sum(dim=-1) < top_p).any()):  # a flat row: sort it all
        values, index = scaled.sort(dim=-1, descending=True, stable=True)
        probs = torch.softmax(values, dim=-1)
    outside = probs.cumsum(dim=-1) - probs > top_p  # keep the smallest set reaching top_p
    probs = probs.masked_fill(outside, 0.0)
    picked = torch.multinomial(probs, 1, generator=generator)
    return index.gather(-1, picked).squeeze(-1)


def _decode_batch(model, prefill, last_logits, prefix_len, rows, max_new_tokens, temperature, top_p, generator,
                  eos_ids, stop, tok, want_logprobs, progress, should_stop, on_compact=None, compile=True):
    """Decode `rows` rollouts in one batch; returns [(token ids, log-probs, finish reason)] in row order.

    On CUDA the step is the compiled one (backends/subject/sampling/compiled.py), which keeps finished
    rows in the batch, unless an intervention is hooked in or the caller listens for compaction.
    """
    step = None if on_compact is not None else compiled_step(model, compile)
    if step is not None:
        return _decode_compiled(step, prefill, last_logits, prefix_len, rows, max_new_tokens, temperature, top_p,
                                generator, eos_ids, stop, tok, want_logprobs, progress, should_stop)
    cache = _static_copy(model, prefill, rows, prefix_len + max_new_tokens)
    logits = last_logits.expand(rows, -1)
    tokens = [[] for _ in range(rows)]
    lps = [[] for _ in range(rows)]
    reasons: list[str | None] = [None] * rows
    active = list(range(rows))  # which original row each batch row is
    eos = torch.tensor(sorted(eos_ids), device=logits.device)
    for position in range(prefix_len, prefix_len + max_new_tokens):
        chosen = _next_tokens(logits, temperature, top_p, generator)
        if want_logprobs:  # under the model itself (temperature 1), for how on-policy a text is
            picked = torch.log_softmax(logits, dim=-1).gather(-1, chosen[:, None]).squeeze(-1).tolist()
        is_eos = torch.isin(chosen, eos).tolist()
        for b, (row, token) in enumerate(zip(active, chosen.tolist())):
            if reasons[row] is None:  # a finished row stays in the batch until the next compaction
                _append(tokens, lps, reasons, row, token, picked[b] if want_logprobs else None, is_eos[b], stop, tok)
        progress(position - prefix_len + 1)
        done = [reasons[row] is not None for row in active]
        if all(done) or position == prefix_len + max_new_tokens - 1 or should_stop():
            break
        if any(done) and done.count(False) <= 0.75 * len(active):
            # Compact: drop finished rows so they stop costing compute.
            keep = torch.tensor([not d for d in done], device=chosen.device)
            cache = _compact(model, cache, keep, prefix_len + max_new_tokens)
            active, chosen = [row for row, d in zip(active, done) if not d], chosen[keep]
            if on_compact is not None:
                on_compact(keep.nonzero().squeeze(-1))
        at = torch.tensor([position], device=chosen.device)
        logits = model(input_ids=chosen[:, None], cache=cache, cache_position=at, use_cache=True).logits[:, -1].float()
    return [(t, l, r or "length") for t, l, r in zip(tokens, lps, reasons)]


def _decode_compiled(step, prefill, last_logits, prefix_len, rows, max_new_tokens, temperature, top_p, generator,
                     eos_ids, stop, tok, want_logprobs, progress, should_stop):
    """`_decode_batch` with the compiled step, arranged so the device never waits for Python.

    Sampling stays on the device (`nucleus`: no value is read back to decide anything), so
    step k+1 is queued before the host reads step k's tokens, and the host's bookkeeping (end
    of turn, stop strings, progress) runs while the device computes. Rows that finish stay in
    the batch; at most one step past the last one read is computed. The uniform draws come
    from the seeded generator up front, so the same seed gives the same rollouts.
    """
    device = last_logits.device
    cache = step.cache(prefill, rows, prefix_len + max_new_tokens)
    positions = torch.arange(prefix_len, prefix_len + max_new_tokens, device=device)
    uniforms = torch.rand(max_new_tokens, rows, generator=generator, device=device)

    def pick(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, _OnHost]:
        chosen = nucleus(logits, temperature, top_p, uniforms[k])
        picked = None
        if want_logprobs:  # under the model itself (temperature 1), as the eager loop reports them
            picked = logits.gather(-1, chosen[:, None]).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        return chosen, _OnHost(chosen, picked)

    tokens = [[] for _ in range(rows)]
    lps = [[] for _ in range(rows)]
    reasons: list[str | None] = [None] * rows
    chosen, pending = pick(last_logits.expand(rows, -1), 0)
    for k in range(max_new_tokens):
        if k + 1 < max_new_tokens:  # queue the next step before reading this one
            chosen, following = pick(step(chosen, cache, positions[k:k + 1]), k + 1)
        ids, picked = pending.get()
        for row, token in enumerate(ids):
            if reasons[row] is None:
                _append(tokens, lps, reasons, row, token, picked[row] if want_logprobs else None, token in eos_ids,
                        stop, tok)
        progress(k + 1)
        if all(reason is not None for reason in reasons) or k == max_new_tokens - 1 or should_stop():
            break
        pending = following
    return [(t, l, r or "length") for t, l, r in zip(tokens, lps, reasons)]


def _append(tokens, lps, reasons, row: int, token: int, logprob: float | None, end: bool, stop, tok) -> None:
    """Add a sampled token to a row still going, and mark why the row ended if it did."""
    tokens[row].append(token)
    if logprob is not None:
        lps[row].append(logprob)
    if end:
        reasons[row] = "eos"
    elif stop and cut_at_stop(tok.decode(tokens[row][-12:]), stop)[1]:
        reasons[row] = "stop"


class _OnHost:
    """Tensors copied to the host without waiting for the device; `get()` waits for that copy alone."""

    def __init__(self, *values: torch.Tensor | None):
        self.values = [None if v is None else v.to("cpu", non_blocking=True) for v in values]
        self.event = None
        if values[0].is_cuda:
            self.event = torch.cuda.Event()
            self.event.record()

    def get(self) -> list[list | None]:
        if self.event is not None:
            self.event.synchronize()
        return [None if v is None else v.tolist() for v in self.values]


def _compact(model, cache: StaticCache, keep: torch.Tensor, max_len: int) -> StaticCache:
    index = keep.nonzero().squeeze(-1)
    return _static_copy(model, cache, int(index.numel()), max_len, take=index)


def _rollout(tok, tokens: list[int], lps: list[float], reason: str, stop, want_logprobs: bool) -> Rollout:
    ids = tokens[:-1] if reason == "eos" else tokens
    text = tok.decode(ids, skip_special_tokens=True)
    text, _ = cut_at_stop(text, stop)
    return Rollout(text=text, n_tokens=len(tokens), finish_reason=reason,
                   logprobs=lps[: len(tokens)] if want_logprobs else None)
