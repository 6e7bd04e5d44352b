"""How well ITDA dictionaries reconstruct activations (docs/methods.md, "ITDA"): normalized MSE
(the error over always predicting the mean), fraction of variance explained and mean L0, per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backends.core.progress import ShouldStop, never_stop
from backends.itda.activations import iter_activations
from backends.itda.corpus import Document
from backends.itda.dictionary import Dictionary, decode, l0
from backends.subject.models import ModelHandle


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

