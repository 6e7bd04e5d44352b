"""The activation stream ITDA reads (docs/methods.md, "ITDA"): block outputs at every token of a
corpus's documents, a batch of documents at a time, with each token's source and context.

    for batch in iter_activations(handle, docs, layers=[3, 7], max_tokens=128):
        batch.acts[3]      # (tokens, width), float32; batch.sources: (document id, position)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch

from backends.core.progress import ShouldStop, never_stop
from backends.itda.corpus import Document
from backends.subject.whitebox import residuals
from backends.subject.models import ModelHandle


@dataclass
class Batch:
    acts: dict[int, torch.Tensor]  # layer -> (n, d), float32
    sources: list[tuple[str, int]]
    token_ids: list[int]
    contexts: list[str]


def tokenize(handle: ModelHandle, docs: list[Document], max_tokens: int) -> list[list[int]]:
    return [handle.tokenizer(d.text, add_special_tokens=False).input_ids[:max_tokens] for d in docs]


def stream_hash(docs: list[Document], ids: list[list[int]]) -> str:
    """Fingerprint of a token stream: same documents, same tokens (so sources compare)."""
    h = hashlib.sha256()
    for d, t in zip(docs, ids):
        h.update(d.id.encode() + b"\0" + np.asarray(t, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


@torch.inference_mode()
def activations(handle: ModelHandle, docs: list[Document], ids: list[list[int]], layers: list[int],
                skip_first: bool = True, context: int = 8) -> Batch:
    """Block outputs at every (non-padding) token of a batch of documents; position 0 skipped
    by default (its activation is the attention sink's, of outsized norm)."""
    tok = handle.tokenizer
    width = max(len(t) for t in ids)
    pad = tok.pad_token_id if tok.pad_token_id is not None else handle.stop_token_ids[0]
    input_ids = torch.tensor([t + [pad] * (width - len(t)) for t in ids], device=handle.device)
    mask = torch.tensor([[1] * len(t) + [0] * (width - len(t)) for t in ids], device=handle.device)
    first = 1 if skip_first else 0
    rows = [(b, p) for b, t in enumerate(ids) for p in range(first, len(t))]
    if not rows:
        return Batch({layer: torch.zeros(0, handle.model.config.hidden_size) for layer in layers}, [], [], [])
    bi = torch.tensor([r[0] for r in rows])
    pi = torch.tensor([r[1] for r in rows])
    seen = residuals(handle, input_ids, mask, layers, bi, pi)
    acts = {layer: seen[layer].float().cpu() for layer in layers}
    token_ids = [ids[b][p] for b, p in rows]
    contexts = [tok.decode(ids[b][max(0, p - context):p]) + "[" + tok.decode([ids[b][p]]) + "]" for b, p in rows]
    return Batch(acts, [(docs[b].id, p) for b, p in rows], token_ids, contexts)


def iter_activations(handle: ModelHandle, docs: list[Document], layers: list[int], max_tokens: int,
                     batch_docs: int = 16, skip_first: bool = True, should_stop: ShouldStop = never_stop):
    """`activations` of `docs` a batch of documents at a time (stops early when `should_stop()`)."""
    ids = tokenize(handle, docs, max_tokens)
    for start in range(0, len(docs), batch_docs):
        if should_stop():
            return
        yield activations(handle, docs[start:start + batch_docs], ids[start:start + batch_docs], layers, skip_first)


def split_docs(docs: list[Document], held_out: float, seed: int) -> tuple[list[Document], list[Document]]:
    """(build, evaluation) documents: a seeded share held out for metrics."""
    order = np.random.default_rng(seed).permutation(len(docs))
    n_eval = max(1, int(round(held_out * len(docs)))) if held_out > 0 and len(docs) > 1 else 0
    eval_set = set(order[:n_eval].tolist())
    return [d for i, d in enumerate(docs) if i not in eval_set], [d for i, d in enumerate(docs) if i in eval_set]

