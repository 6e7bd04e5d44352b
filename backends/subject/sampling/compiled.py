"""A compiled decode step for CUDA: the forward of one new token per row, replayed as CUDA graphs.

Why: eager decoding on a GPU is launch-bound. A 1.5B model launches about a thousand small
kernels a step and takes 60-80 ms whatever the batch, while the weights take about a
millisecond to read. `torch.compile(mode="reduce-overhead")` over a decode step that writes
into a `StaticCache` records the whole forward once as CUDA graphs and then replays it.

Graphs need fixed shapes and fixed addresses, so:
- the static cache for a (rows, length) pair is kept and refilled with each new prefix,
  instead of a new cache a call (a new address would mean recording the graphs again);
- cache lengths are rounded up to a multiple of LENGTH_STEP, so prefixes of nearby lengths
  (the sentences of one chain of thought) share one graph;
- finished rows stay in the batch: dropping them would change the shape. On a GPU a step
  costs about the same for 8 rows as for 64;
- attention reads each key/value head once (`packed_sdpa`). transformers' sdpa path copies
  every key/value head once per query head it serves (`repeat_kv`) whenever it is traced by
  dynamo. For a 1.5B model with 6 query heads per KV head, 64 rows and 768 cached positions,
  the compiled forward took 8.40 ms a step with those copies and 3.98 ms without (H200).

Interventions are forward hooks, and dynamo does not notice hooks added after it compiled (an
intervention would be silently skipped) nor should a graph bake one in: while the model has any
forward hook that is not transformers' own, `compiled_step` answers None and the caller decodes
eagerly. (transformers installs its own output-capturing hooks once hidden states were asked
for; they record nothing during decoding.)
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import torch
from transformers import AttentionInterface, StaticCache
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

LENGTH_STEP = 256
KEEP_CACHES = 2  # static caches kept per model: a full batch and the last, smaller one
RECOMPILE_LIMIT = 64  # graphs per model: each (rows, length) pair is one; dynamo's default of 8 falls back to eager

PACKED = "parley_packed_sdpa"

_steps: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def packed_sdpa(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    """sdpa for one new token a row, with grouped-query attention done by reshaping, not copying.

    The query heads that share a key/value head become that head's query positions:
    (batch, heads, 1, dim) -> (batch, kv_heads, heads // kv_heads, dim), so attention reads
    each cached key/value head once. The same trick transformers uses eagerly (`pack_gqa`),
    kept under compilation. Anything else (a prompt, no grouping) is plain sdpa.
    """
    groups = getattr(module, "num_key_value_groups", 1)
    if query.shape[2] != 1 or groups == 1 or kwargs.get("position_bias") is not None or kwargs.get("softcap"):
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    batch, heads, _, dim = query.shape
    query = query.reshape(batch, heads // groups, groups, dim)
    if attention_mask is not None and attention_mask.shape[1] != 1:  # one mask per head
        attention_mask = attention_mask.reshape(batch, heads // groups, groups, attention_mask.shape[-1])
    out = torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=attention_mask,
                                                           dropout_p=dropout, scale=scaling)
    return out.reshape(batch, 1, heads, value.shape[-1]), None  # (batch, one position, heads, dim), as sdpa returns


AttentionInterface.register(PACKED, packed_sdpa)
AttentionMaskInterface.register(PACKED, sdpa_mask)


def nucleus(logits: torch.Tensor, temperature: float, top_p: float, uniform: torch.Tensor) -> torch.Tensor:
    """Exact temperature + nucleus sampling that never waits for the device: one token id a row.

    The vocabulary is sorted (stably, so tied logits keep token order), the nucleus is the
    shortest sorted prefix holding `top_p` of the mass, and each row's `uniform` draw in [0, 1)
    picks from it by inverse CDF. No branch depends on a value on the device, so the host can
    queue the next step before this one has run (the eager sampler's shortcut through the top
    256 tokens needs such a check). Temperature 0 is greedy.
    """
    if temperature <= 0:
        return logits.argmax(dim=-1)
    values, index = (logits / temperature).sort(dim=-1, descending=True, stable=True)
    probs = torch.softmax(values, dim=-1)
    cumulative = probs.cumsum(dim=-1)
    last = ((cumulative - probs) <= top_p).sum(dim=-1, keepdim=True) - 1  # the nucleus ends here
    target = uniform[:, None].to(cumulative.dtype) * cumulative.gather(-1, last)
    pick = torch.minimum(torch.searchsorted(cumulative, target), last)
    return index.gather(-1, pick).squeeze(-1)


def fill(cache: StaticCache, source, rows: int, take: torch.Tensor | None = None) -> StaticCache:
    """Write `source`'s keys and values (a prefill of one shared row or one per row, or rows `take`
    of another cache) into an empty static cache of `rows` rows."""
    for layer, held in zip(cache.layers, source.layers):
        length = int(held.get_seq_length())
        keys, values = held.keys[..., :length, :], held.values[..., :length, :]
        if take is not None:
            keys, values = keys[take], values[take]
        elif keys.shape[0] != rows:  # one shared prefix row
            keys, values = keys.expand(rows, -1, -1, -1), values.expand(rows, -1, -1, -1)
        layer.update(keys.contiguous(), values.contiguous())
    return cache


def cache_length(needed: int) -> int:
    """`needed` rounded up to a multiple of LENGTH_STEP."""
    return -(-needed // LENGTH_STEP) * LENGTH_STEP


def intervened(model) -> bool:
    """Whether any forward hook on the model is not transformers' own (an intervention is in place)."""
    for module in model.modules():
        for hook in (*module._forward_pre_hooks.values(), *module._forward_hooks.values()):
            if not getattr(hook, "__module__", "").startswith("transformers."):
                return True
    return False


def _forward(model, **inputs):
    return model(**inputs)


class CompiledStep:
    """One decode step of `model`, compiled once and replayed for every later step and call.

    It holds the model weakly (the compiled function takes it as an argument), so a model
    dropped elsewhere (a merged fine-tune, say) is freed with its step and caches.
    """

    def __init__(self, model, backend: str = "inductor", mode: str | None = "reduce-overhead"):
        self._model = weakref.ref(model)
        self.config = model.config
        self.cudagraphs = backend == "inductor" and mode == "reduce-overhead" and model.device.type == "cuda"
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, RECOMPILE_LIMIT)
        options = {"mode": mode} if backend == "inductor" and mode else {}
        self.forward = torch.compile(_forward, fullgraph=True, dynamic=False, backend=backend, **options)
        self.caches: OrderedDict[tuple[int, int], StaticCache] = OrderedDict()

    def cache(self, prefill, rows: int, needed: int) -> StaticCache:
        """The kept static cache for `rows` rows of at least `needed` positions, holding the prefill's keys and
        values (one shared row, or one per row) and nothing else."""
        key = (rows, cache_length(needed))
        cache = self.caches.pop(key, None)
        if cache is None:
            cache = StaticCache(config=self.config, max_cache_len=key[1])
            while len(self.caches) >= KEEP_CACHES:
                self.caches.popitem(last=False)
        else:
            cache.reset()
        self.caches[key] = cache
        return fill(cache, prefill, rows)

    def __call__(self, tokens: torch.Tensor, cache: StaticCache, position: torch.Tensor) -> torch.Tensor:
        """Next-token logits (rows x vocab, float32) after feeding one token per row at `position`."""
        if self.cudagraphs:
            # A replay overwrites the graph's output buffers: mark the step, and copy what we keep.
            torch.compiler.cudagraph_mark_step_begin()
        config = self.config
        attention = config._attn_implementation
        if attention == "sdpa":  # the packed form, for the compiled step only (and always, so its guards hold)
            config._attn_implementation = PACKED
        try:
            out = self.forward(self._model(), input_ids=tokens[:, None], cache=cache, cache_position=position,
                               use_cache=True)
        finally:
            config._attn_implementation = attention
        return out.logits[:, -1].to(torch.float32, copy=True)


def compiled_step(model, enabled: bool = True) -> CompiledStep | None:
    """The model's compiled decode step when decoding should use one: enabled, no intervention hooked in,
    and on CUDA (elsewhere only a step given by `use_step`). None means decode eagerly."""
    if not enabled or intervened(model):
        return None
    step = _steps.get(model)
    if step is None and model.device.type == "cuda":
        step = _steps[model] = CompiledStep(model)
    return step


def use_step(model, step: CompiledStep | None) -> None:
    """Make `step` the model's compiled step, or forget it (tests pick a CPU backend this way)."""
    if step is None:
        _steps.pop(model, None)
    else:
        _steps[model] = step
