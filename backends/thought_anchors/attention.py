"""Thought Anchors, white-box: receiver heads and attention suppression (docs/methods.md, "White-box attribution").

Receiver heads. One forward pass with eager attention; each layer's token attention is
reduced, as it is produced, to a sentence x sentence matrix per head (the mean of each
token block), so no full attention map of every layer is ever held at once. The
vertical score of sentence j is the mean attention that sentences at least 4 later pay
to it; heads whose vertical scores are heavy-tailed (high Fisher kurtosis) are receiver
heads (top k, layer 0 excluded); a sentence's receiver score is its mean vertical
score over them.

Attention suppression. Pre-softmax scores on the key positions of sentence j are set to
the dtype minimum in every layer (or chosen layers); per token, KL between the base and
the suppressed next-token distributions at temperature 0.6; M[i, j] = mean over the
tokens of sentence i of log(KL + 1e-9). Several sentences are suppressed in one batched
forward, one row each. `suppress_attention` is a context manager that always removes
its hooks.

Blocks and attention modules are found by architecture (backends/subject/architecture.py). A
model placed on nnsight runs both as nnsight traces (attention_traces.py) with the same numbers;
a model loaded here runs these hooks, which are faster in this process.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np
import torch
from scipy.stats import kurtosis, spearmanr

from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.subject.architecture import attention, decoder_layers
from backends.subject.models import ModelHandle
from backends.subject.traces import uses_nnsight
from backends.thought_anchors import attention_traces as traced
from backends.thought_anchors.attention_traces import TEMPERATURE, kl_divergence, suppressed_mask

NEAREST_EXCLUDED = 4  # vertical scores count only sentences at least this many later


def token_sentences(handle: ModelHandle, text: str, spans: list[tuple[int, int]]) -> tuple[torch.Tensor, list[int]]:
    """Token ids of `text`, and each token's sentence index (-1 outside every sentence)."""
    encoded = handle.tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
    owner = []
    for start, end in encoded["offset_mapping"]:
        owner.append(next((k for k, (a, b) in enumerate(spans) if a <= start < b), -1))
    return torch.tensor([encoded["input_ids"]]), owner


def _pooling(owner: list[int], n: int) -> torch.Tensor:
    """P[t, s] = 1/|s| for token t in sentence s, so P^T A P is the mean of each token block."""
    pool = torch.zeros(len(owner), n)
    for t, s in enumerate(owner):
        if s >= 0:
            pool[t, s] = 1.0
    return pool / pool.sum(dim=0).clamp(min=1)


@contextlib.contextmanager
def eager_attention(model):
    """Eager attention for the duration (sdpa gives no weights and no pre-softmax hook)."""
    before = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        yield model
    finally:
        model.set_attn_implementation(before)


@torch.inference_mode()
def sentence_attention(handle: ModelHandle, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
    """Per layer and head, the sentence x sentence mean attention: [layers, heads, N, N]."""
    ids, owner = token_sentences(handle, text, spans)
    pool = _pooling(owner, len(spans)).to(handle.device)
    if uses_nnsight(handle):
        with eager_attention(handle.model):
            return traced.pooled_attention(handle, ids, pool)
    layers = decoder_layers(handle.model)
    out = [None] * len(layers)
    hooks = []

    def keep(i):
        def hook(module, args, kwargs, output):
            weights = output[1][0].float()  # [heads, T, T], reduced right away
            out[i] = (pool.T @ weights @ pool).cpu().numpy()
        return hook

    with eager_attention(handle.model):
        try:
            hooks = [attention(handle.model, i).register_forward_hook(keep(i), with_kwargs=True)
                     for i in range(len(layers))]
            # No output_attentions: eager attention hands each layer's weights to the hook anyway,
            # and the model then keeps none of them, so only one layer's map exists at a time.
            handle.model(input_ids=ids.to(handle.device))
        finally:
            for h in hooks:
                h.remove()
    return np.stack(out)


def vertical_scores(matrix: np.ndarray) -> np.ndarray:
    """Mean attention each sentence j receives from sentences at least 4 later (NaN if none): [..., N]."""
    n = matrix.shape[-1]
    scores = np.full(matrix.shape[:-2] + (n,), np.nan)
    for j in range(n):
        later = matrix[..., j + NEAREST_EXCLUDED:, j]
        if later.shape[-1]:
            scores[..., j] = later.mean(axis=-1)
    return scores


def head_kurtosis(vertical: np.ndarray) -> np.ndarray:
    """Fisher kurtosis of each head's vertical scores, NaNs left out: [layers, heads]."""
    result = kurtosis(vertical, axis=-1, fisher=True, bias=True, nan_policy="omit")
    return np.ma.filled(np.ma.asarray(result, dtype=float), np.nan)


def receiver_heads(kurt: np.ndarray, k: int = 20) -> list[tuple[int, int]]:
    """The k (layer, head) pairs of highest kurtosis, layer 0 excluded."""
    ranked = [(float(kurt[l, h]), l, h) for l in range(1, kurt.shape[0]) for h in range(kurt.shape[1])
              if not math.isnan(kurt[l, h])]
    ranked.sort(reverse=True)
    return [(l, h) for _, l, h in ranked[:k]]


def receiver_scores(vertical: np.ndarray, heads: list[tuple[int, int]]) -> np.ndarray:
    """Each sentence's mean vertical score over the receiver heads."""
    if not heads:
        return np.full(vertical.shape[-1], np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sentences with no score stay NaN
        return np.nanmean(np.stack([vertical[l, h] for l, h in heads]), axis=0)


def split_half_reliability(kurtoses: list[np.ndarray], seed: int = 0) -> float | None:
    """Spearman correlation of head kurtosis between two random halves of several traces (layer 0 excluded)."""
    if len(kurtoses) < 2:
        return None
    order = np.random.default_rng(seed).permutation(len(kurtoses))
    half = len(order) // 2
    a = np.nanmean(np.stack([kurtoses[i] for i in order[:half]]), axis=0)[1:].ravel()
    b = np.nanmean(np.stack([kurtoses[i] for i in order[half:]]), axis=0)[1:].ravel()
    keep = ~(np.isnan(a) | np.isnan(b))
    return float(spearmanr(a[keep], b[keep]).statistic) if keep.sum() > 2 else None


@contextlib.contextmanager
def suppress_attention(model, key_columns: list[list[int]], layers: list[int] | None = None):
    """Row b of the batch cannot attend to the token positions key_columns[b] (pre-softmax set to the dtype minimum).

    Needs eager attention (`eager_attention`). The hooks are removed on exit, whatever happens."""
    chosen = range(len(decoder_layers(model))) if layers is None else layers

    def pre_hook(module, args, kwargs):
        mask = kwargs.get("attention_mask")
        if mask is None:
            return None
        kwargs["attention_mask"] = suppressed_mask(mask, key_columns)
        return args, kwargs

    hooks = []
    try:
        hooks = [attention(model, i).register_forward_pre_hook(pre_hook, with_kwargs=True) for i in chosen]
        yield model
    finally:
        for hook in hooks:
            hook.remove()


@torch.inference_mode()
def suppression_matrix(handle: ModelHandle, text: str, spans: list[tuple[int, int]], batch: int = 8,
                       layers: list[int] | None = None, progress: Progress = no_progress,
                       should_stop: ShouldStop = never_stop) -> tuple[np.ndarray, np.ndarray]:
    """M[i, j] = mean over sentence i's tokens of log(KL + 1e-9) with sentence j suppressed; and the per-token KL.

    Rows of sentences not yet done when stopped stay NaN."""
    ids, owner = token_sentences(handle, text, spans)
    ids = ids.to(handle.device)
    n = len(spans)
    owner_t = torch.tensor(owner)
    matrix = np.full((n, n), np.nan)
    token_kl = np.full((n, len(owner)), np.nan)
    traces = uses_nnsight(handle)
    with eager_attention(handle.model):
        base = None if traces else handle.model(input_ids=ids).logits[0].float()
        for start in range(0, n, batch):
            if should_stop():
                break
            targets = list(range(start, min(n, start + batch)))
            columns = [(owner_t == j).nonzero().squeeze(-1).tolist() for j in targets]
            if traces:
                kls = traced.suppressed_kl(handle, ids, columns, layers)
            else:
                with suppress_attention(handle.model, columns, layers):
                    logits = handle.model(input_ids=ids.expand(len(targets), -1)).logits.float()
            for row, j in enumerate(targets):
                kl = kls[row] if traces else kl_divergence(base, logits[row]).cpu()
                token_kl[j] = kl.numpy()
                for i in range(n):
                    tokens = owner_t == i
                    if tokens.any():
                        matrix[i, j] = float(torch.log(kl[tokens] + 1e-9).mean())
            progress(targets[-1] + 1, n, "sentences suppressed")
    return matrix, token_kl


def display_form(matrix: np.ndarray) -> np.ndarray:
    """For display: only targets after the suppressed sentence (i > j), each row's mean subtracted."""
    shown = np.full(matrix.shape, np.nan)
    for i in range(matrix.shape[0]):
        row = matrix[i, :i]
        if row.size and not np.all(np.isnan(row)):
            shown[i, :i] = row - np.nanmean(row)
    return shown
