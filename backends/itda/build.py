"""ITDA, inference-time decomposition of activations (docs/methods.md, "ITDA").

A dictionary for one layer is a set of real activations, normalized to unit length, each
with its source (document, token position, token, context): that source is its label.

    build = ItdaBuild(handle, docs, layers=[3, 7], k=40, tau=0.4)
    build.advance()                           # stream the corpus once, every layer at a time
    idx, coef = matching_pursuit(x, build.dictionaries[3].atoms, k=40)
    x_hat = decode(idx, coef, build.dictionaries[3].atoms)

Building: the corpus streams through the model in batches; each batch's activations are
encoded with matching pursuit (k steps, signed coefficients) against the dictionary so far;
those whose error between unit vectors, ||x/|x| - decode||, exceeds tau are candidates;
a candidate that an earlier candidate of the same batch already reconstructs within tau is
a duplicate and dropped; the rest join the dictionary. The first batch seeds it (an empty
dictionary reconstructs nothing). Matching pursuit keeps the residual's correlations with
every atom and updates them through the atoms' Gram matrix, so a step costs one row of it
per activation instead of a product with the whole dictionary. Orthogonal matching pursuit
(backends/itda/omp.py) is the other encoder: `Dictionary.encode(x, k, "omp")`.

Comparing: Jaccard of atom sources between dictionaries built on the same token stream;
baselines linear CKA, SVCCA and relative representations on the same activations.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from backends.itda.corpus import Document
from backends.core.errors import UsageError
from backends.subject.interventions import record_residual
from backends.subject.models import ModelHandle
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress


# --- matching pursuit ----------------------------------------------------------------------------

def matching_pursuit(x: torch.Tensor, atoms: torch.Tensor, k: int, gram: torch.Tensor | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode rows of `x` (batch, d) with `k` steps over unit-norm `atoms` (m, d).

    Returns sparse codes: atom indices (batch, k) and signed coefficients (batch, k); an atom
    chosen twice appears twice. Each step picks the atom most correlated with the residual and
    removes its projection, so the residual norm never grows with k."""
    batch, m = x.shape[0], atoms.shape[0]
    if m == 0 or k == 0:
        return torch.zeros(batch, 0, dtype=torch.long), torch.zeros(batch, 0, dtype=x.dtype)
    corr = x @ atoms.T  # the residual's correlation with every atom
    idx = torch.empty(batch, k, dtype=torch.long)
    coef = torch.empty(batch, k, dtype=x.dtype)
    buffer = torch.empty_like(corr)  # batch x atoms: reused every step (the loop is memory-bound)
    for step in range(k):
        # argmax of |corr| without materializing |corr|: the larger of the top and the bottom.
        high, high_at = corr.max(dim=1)
        low, low_at = corr.min(dim=1)
        j = torch.where(high >= -low, high_at, low_at)
        a = torch.where(high >= -low, high, low)
        idx[:, step], coef[:, step] = j, a
        if gram is not None:
            torch.index_select(gram, 0, j, out=buffer)
        else:  # no cache (too big to keep): rows of the Gram matrix for the atoms this step chose
            chosen, where = j.unique(return_inverse=True)
            buffer = (atoms[chosen] @ atoms.T)[where]
        corr.sub_(buffer.mul_(a[:, None]))
    return idx, coef


def decode(idx: torch.Tensor, coef: torch.Tensor, atoms: torch.Tensor) -> torch.Tensor:
    """Rebuild activations from sparse codes: sum of coefficient x atom."""
    if idx.shape[1] == 0:
        return torch.zeros(idx.shape[0], atoms.shape[1], dtype=atoms.dtype)
    return torch.einsum("bk,bkd->bd", coef, atoms[idx])


def l0(idx: torch.Tensor) -> torch.Tensor:
    """Distinct atoms used per row."""
    if idx.shape[1] == 0:
        return torch.zeros(idx.shape[0])
    s = idx.sort(dim=1).values
    return 1 + (s[:, 1:] != s[:, :-1]).sum(dim=1).float()


def unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)


# The ITDA code's threshold (train.py, ITDATrainer.update: `loss_threshold`) is a mean squared
# error over the width d between x/|x| and the reconstruction normalized, r/|r|; Parley's tau is
# the distance |x/|x| - r|. Where r is an orthogonal projection (one atom, or OMP), both sides
# are functions of |r| = sqrt(1 - tau^2), so thr = (2 - 2 sqrt(1 - tau^2)) / d exactly
# (tau 0.4 at width 576: 2.9e-4); after several plain MP steps, nearly.

def threshold_mse_from_tau(tau: float, width: int) -> float:
    return (2 - 2 * (1 - tau * tau) ** 0.5) / width


def tau_from_threshold_mse(threshold_mse: float, width: int) -> float:
    if not 0 < threshold_mse < 2 / width:
        raise UsageError(f"threshold_mse: {threshold_mse:g} is out of range; at width {width} allowed between 0 and "
                         f"{2 / width:.4g} (exclusive)", field="threshold_mse")
    return (1 - (1 - threshold_mse * width / 2) ** 2) ** 0.5


# Up to this many atoms a dictionary keeps its Gram matrix (4 bytes x atoms^2: 576 MB at 12,000),
# making a matching-pursuit step one row lookup; beyond it, rows are computed for the atoms chosen.
GRAM_CACHE_ATOMS = 12_000


# --- dictionaries ---------------------------------------------------------------------------------

@dataclass
class Dictionary:
    """One layer's atoms (m, d), unit norm, and each atom's source."""

    layer: int
    atoms: torch.Tensor
    sources: list[tuple[str, int]] = field(default_factory=list)  # (document id, token position)
    tokens: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)  # which model's activation it is
    _gram: torch.Tensor | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, layer: int, width: int) -> "Dictionary":
        return cls(layer, torch.zeros(0, width))

    @property
    def size(self) -> int:
        return self.atoms.shape[0]

    @property
    def gram(self) -> torch.Tensor | None:
        """The atoms' Gram matrix, kept while it is small (GRAM_CACHE_ATOMS); None beyond."""
        if self.size > GRAM_CACHE_ATOMS:
            return None
        if self._gram is None or self._gram.shape[0] != self.size:
            self._gram = self.atoms @ self.atoms.T
        return self._gram

    def add(self, new: torch.Tensor, sources, tokens, contexts, origin: str) -> None:
        if new.shape[0] == 0:
            return
        old = self.size
        self.sources += list(sources)
        self.tokens += list(tokens)
        self.contexts += list(contexts)
        self.origins += [origin] * new.shape[0]
        if old + new.shape[0] > GRAM_CACHE_ATOMS:
            self.atoms, self._gram = torch.cat([self.atoms, new]), None
            return
        cross = self.atoms @ new.T
        gram = torch.empty(old + new.shape[0], old + new.shape[0])
        if self._gram is not None and self._gram.shape[0] == old:
            gram[:old, :old] = self._gram
        else:
            gram[:old, :old] = self.atoms @ self.atoms.T
        gram[:old, old:], gram[old:, :old], gram[old:, old:] = cross, cross.T, new @ new.T
        self.atoms = torch.cat([self.atoms, new])
        self._gram = gram

    def encode(self, x: torch.Tensor, k: int, encoder: str = "mp") -> tuple[torch.Tensor, torch.Tensor]:
        """Sparse codes of `x` by matching pursuit (`mp`) or orthogonal matching pursuit (`omp`)."""
        if encoder == "omp":
            from backends.itda.omp import orthogonal_matching_pursuit

            return orthogonal_matching_pursuit(x, self.atoms, k, self.gram)
        return matching_pursuit(x, self.atoms, k, self.gram)

    def label(self, i: int) -> str:
        return f"{self.tokens[i]!r} in \"{self.contexts[i]}\" ({self.sources[i][0]}@{self.sources[i][1]})"

    def meta(self) -> dict:
        return {"layer": self.layer, "size": self.size, "sources": [list(s) for s in self.sources],
                "tokens": self.tokens, "contexts": self.contexts, "origins": self.origins}

    @classmethod
    def from_meta(cls, meta: dict, atoms: torch.Tensor) -> "Dictionary":
        return cls(meta["layer"], atoms, [tuple(s) for s in meta["sources"]], list(meta["tokens"]),
                   list(meta["contexts"]), list(meta["origins"]))


def select_new_atoms(x: torch.Tensor, dictionary: Dictionary, k: int, tau: float, encoder: str = "mp") -> torch.Tensor:
    """Indices of rows of `x` to add: unit-vector error above tau, minus duplicates within the batch.

    One rule for both: a row is kept only if what is there already (the dictionary; then the
    earlier candidates kept) leaves an error above tau. Against one earlier candidate c, taken as
    a signed atom, the error of unit u is sqrt(1 - (u.c)^2), so u is a duplicate once
    |u.c| >= sqrt(1 - tau^2) (anti-parallel included), as it would be against the dictionary."""
    u = unit(x)
    if dictionary.size:
        idx, coef = dictionary.encode(u, k, encoder)
        error = (u - decode(idx, coef, dictionary.atoms)).norm(dim=1)
        candidates = (error > tau).nonzero().squeeze(1)
    else:
        candidates = torch.arange(x.shape[0])
    if candidates.numel() <= 1:
        return candidates
    c = u[candidates]
    close = (c @ c.T).abs() >= (1 - tau * tau) ** 0.5
    keep = torch.ones(len(candidates), dtype=torch.bool)
    for i in range(len(candidates)):
        if keep[i]:
            later = close[i].clone()
            later[: i + 1] = False
            keep &= ~later
    return candidates[keep]


# --- the activation stream --------------------------------------------------------------------------

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
    with record_residual(handle.model, layers) as seen:
        handle.model(input_ids=input_ids, attention_mask=mask, use_cache=False)
    first = 1 if skip_first else 0
    rows = [(b, p) for b, t in enumerate(ids) for p in range(first, len(t))]
    if not rows:
        return Batch({layer: torch.zeros(0, handle.model.config.hidden_size) for layer in layers}, [], [], [])
    bi = torch.tensor([r[0] for r in rows])
    pi = torch.tensor([r[1] for r in rows])
    acts = {layer: seen[layer][0][bi, pi].float().cpu() for layer in layers}
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


# --- metrics ----------------------------------------------------------------------------------------

@dataclass
class Fit:
    """Accumulates reconstruction statistics of raw activations over batches."""

    sq_error: float = 0.0
    sq_norm: float = 0.0
    n: int = 0
    total: torch.Tensor | None = None
    total_sq: float = 0.0
    l0_sum: float = 0.0

    def add(self, x: torch.Tensor, x_hat: torch.Tensor, idx: torch.Tensor) -> None:
        x64, err = x.double(), (x - x_hat).double()
        self.sq_error += float((err ** 2).sum())
        self.sq_norm += float((x64 ** 2).sum())
        self.total = x64.sum(0) if self.total is None else self.total + x64.sum(0)
        self.total_sq += float((x64 ** 2).sum())
        self.n += x.shape[0]
        self.l0_sum += float(l0(idx).sum())

    def report(self) -> dict:
        if not self.n:
            return {"nmse": None, "fve": None, "l0": None, "tokens": 0}
        variance = self.total_sq - float((self.total ** 2).sum()) / self.n  # sum ||x - mean||^2
        # Normalized MSE as in the TopK SAE paper (Gao et al.): the error over that of always
        # predicting the mean, so NMSE = 1 - FVE; relative to ||x||^2 it is also reported.
        return {"nmse": self.sq_error / variance, "fve": 1 - self.sq_error / variance,
                "relative_error": self.sq_error / self.sq_norm, "l0": self.l0_sum / self.n, "tokens": self.n}


def evaluate(handle: ModelHandle, dictionaries: dict[int, Dictionary], docs: list[Document], k: int,
             max_tokens: int, batch_docs: int = 16, skip_first: bool = True,
             should_stop: ShouldStop = never_stop, encoder: str = "mp") -> dict[int, dict]:
    """Normalized MSE (error over the mean predictor's), fraction of variance explained (1 - NMSE) and mean L0
    per layer, encoding with `encoder` (mp or omp)."""
    layers = sorted(dictionaries)
    fits = {layer: Fit() for layer in layers}
    for batch in iter_activations(handle, docs, layers, max_tokens, batch_docs, skip_first, should_stop):
        for layer in layers:
            x = batch.acts[layer]
            idx, coef = dictionaries[layer].encode(x, k, encoder)
            fits[layer].add(x, decode(idx, coef, dictionaries[layer].atoms), idx)
    return {layer: fits[layer].report() for layer in layers}


# --- building -----------------------------------------------------------------------------------------

class ItdaBuild:
    """One pass over a corpus building a dictionary for each chosen layer (and each threshold in
    `taus`: the activations are computed once); resumable by batch.

    `base` continues other dictionaries (model diffing: a base model's dictionary continued on
    its fine-tune; the atoms added are the difference). `state` is plain JSON: the documents
    done; the atoms live in `sets` (one {layer: Dictionary} per tau) and are saved by the caller."""

    def __init__(self, handle: ModelHandle, docs: list[Document], layers: list[int], *, k: int = 40,
                 taus: list[float] = (0.4,), max_tokens: int = 128, batch_docs: int = 16, skip_first: bool = True,
                 base: list[dict[int, Dictionary]] | None = None, state: dict | None = None, encoder: str = "mp"):
        if not docs:
            raise UsageError("corpus: no documents to build on", field="corpus")
        self.handle, self.docs, self.layers = handle, docs, layers
        self.k, self.taus, self.max_tokens = k, list(taus), max_tokens
        self.batch_docs, self.skip_first, self.encoder = batch_docs, skip_first, encoder
        width = handle.model.config.hidden_size
        self.sets = base or [{} for _ in self.taus]
        for dictionaries in self.sets:
            for layer in layers:
                dictionaries.setdefault(layer, Dictionary.empty(layer, width))
        self.ids = tokenize(handle, docs, max_tokens)
        self.state = state or {"docs_done": 0, "tokens_seen": 0,
                               "base_sizes": [{str(l): d[l].size for l in layers} for d in self.sets]}

    @property
    def dictionaries(self) -> dict[int, Dictionary]:
        """The dictionaries of the first threshold."""
        return self.sets[0]

    @property
    def finished(self) -> bool:
        return self.state["docs_done"] >= len(self.docs)

    @property
    def stream(self) -> str:
        return stream_hash(self.docs, self.ids)

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_batch: Callable[[], None] | None = None) -> bool:
        origin = self.handle.name
        tok = self.handle.tokenizer
        while not self.finished:
            if should_stop():
                return False
            start = self.state["docs_done"]
            docs, ids = self.docs[start:start + self.batch_docs], self.ids[start:start + self.batch_docs]
            batch = activations(self.handle, docs, ids, self.layers, self.skip_first)
            for tau, dictionaries in zip(self.taus, self.sets):
                for layer in self.layers:
                    d = dictionaries[layer]
                    x = batch.acts[layer]
                    picked = select_new_atoms(x, d, self.k, tau, self.encoder).tolist()
                    d.add(unit(x[picked]), [batch.sources[i] for i in picked],
                          [tok.decode([batch.token_ids[i]]) for i in picked], [batch.contexts[i] for i in picked], origin)
            self.state["docs_done"] = start + len(docs)
            self.state["tokens_seen"] += len(batch.sources)
            progress(self.state["docs_done"], len(self.docs), "documents")
            if on_batch:
                on_batch()
        return True

    def added(self, layer: int, which: int = 0) -> list[int]:
        """Atoms this build added on top of its base (all of them for a fresh build)."""
        return list(range(self.state["base_sizes"][which][str(layer)], self.sets[which][layer].size))


# --- saving -------------------------------------------------------------------------------------------

def save_dictionaries(path, dictionaries: dict[int, Dictionary]) -> None:
    """Atoms as safetensors (`layer.<i>`), written atomically; sources go in the run's JSON."""
    import os
    import tempfile
    from pathlib import Path

    from safetensors.torch import save_file

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file({f"layer.{l}": d.atoms.contiguous() for l, d in dictionaries.items()}, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def metas(sets: list[dict[int, Dictionary]]) -> list[list[dict]]:
    """Every dictionary's sources, per threshold: the JSON half of a saved build."""
    return [[d.meta() for _, d in sorted(s.items())] for s in sets]


def load_dictionaries(path, metas: list[dict]) -> dict[int, Dictionary]:
    from safetensors import safe_open

    out = {}
    with safe_open(str(path), framework="pt") as f:
        for meta in metas:
            out[meta["layer"]] = Dictionary.from_meta(meta, f.get_tensor(f"layer.{meta['layer']}"))
    return out


# --- comparing ----------------------------------------------------------------------------------------
