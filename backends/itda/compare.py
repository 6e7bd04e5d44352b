"""Comparing ITDA dictionaries and layers: Jaccard similarity of atom sources, with linear CKA,
SVCCA and relative representations on the same activations as baselines, and layer matching."""

from __future__ import annotations

import math

import numpy as np
import torch

from backends.itda.dictionary import Dictionary, unit


def jaccard(a: Dictionary, b: Dictionary) -> float:
    """|sources in both| / |sources in either|."""
    sa, sb = set(a.sources), set(b.sources)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 1.0


def _centered(x: torch.Tensor) -> torch.Tensor:
    x = x.double()
    return x - x.mean(0, keepdim=True)


def linear_cka_matrix(xs: list[torch.Tensor], ys: list[torch.Tensor]) -> np.ndarray:
    """Linear CKA between every X in `xs` and Y in `ys` (rows: the same tokens), in the kernel form:
    <Kx, Ky>_F / (|Kx|_F |Ky|_F) with K = Xc Xc^T, centered."""
    def kernels(ms):
        flat = []
        for m in ms:
            c = _centered(m)
            k = (c @ c.T).reshape(-1)
            flat.append(k / k.norm().clamp_min(1e-30))
        return torch.stack(flat)

    return (kernels(xs) @ kernels(ys).T).numpy()


def _reduced(x: torch.Tensor, keep: float, max_dims: int) -> torch.Tensor:
    """Orthonormal basis (n, r) of the top principal directions holding `keep` of the variance."""
    u, s, _ = torch.linalg.svd(_centered(x), full_matrices=False)
    var = s ** 2
    share = torch.cumsum(var, 0) / var.sum().clamp_min(1e-30)
    r = min(int((share < keep).sum()) + 1, max_dims, len(s))
    return u[:, :r]


def svcca_matrix(xs: list[torch.Tensor], ys: list[torch.Tensor], keep: float = 0.99, max_dims: int = 50) -> np.ndarray:
    """SVCCA: reduce each to its top principal directions (99% of variance, at most `max_dims`),
    then the mean canonical correlation = mean singular value of Ux^T Uy."""
    ux = [_reduced(x, keep, max_dims) for x in xs]
    uy = ux if ys is xs else [_reduced(y, keep, max_dims) for y in ys]
    out = np.zeros((len(xs), len(ys)))
    for i, a in enumerate(ux):
        for j, b in enumerate(uy):
            out[i, j] = float(torch.linalg.svdvals(a.T @ b).clamp(max=1.0).mean())
    return out


def relative_matrix(xs: list[torch.Tensor], ys: list[torch.Tensor], anchors: int = 256, seed: int = 0) -> np.ndarray:
    """Relative representations: each token as its cosines to the same anchor tokens; similarity is
    the mean over tokens of the correlation between its two relative vectors."""
    n = xs[0].shape[0]
    pick = torch.from_numpy(np.random.default_rng(seed).choice(n, size=min(anchors, n), replace=False))

    def rel(ms):
        out = []
        for m in ms:
            u = unit(m.double())
            r = u @ u[pick].T
            r = r - r.mean(1, keepdim=True)
            out.append(r / r.norm(dim=1, keepdim=True).clamp_min(1e-30))
        return out

    rx = rel(xs)
    ry = rx if ys is xs else rel(ys)
    return np.array([[float((a * b).sum(1).mean()) for b in ry] for a in rx])


def jaccard_matrix(a: dict[int, Dictionary], b: dict[int, Dictionary]) -> np.ndarray:
    return np.array([[jaccard(a[i], b[j]) for j in sorted(b)] for i in sorted(a)])


def layer_matching(matrices: dict[str, np.ndarray], layers_a: list[int], layers_b: list[int],
                   exclude_self: bool = False) -> tuple[list[dict], dict[str, float | None]]:
    """For each layer of A, the best-matching layer of B by each measure; and, when the layer
    lists are equal, each measure's accuracy (share of layers matched to the same index).
    `exclude_self` (A and B the same dictionaries): the best *other* layer."""
    rows = []
    for i, la in enumerate(layers_a):
        row = {"layer": la}
        for name, m in matrices.items():
            values = m[i].astype(float).copy()
            if exclude_self:
                values[layers_b.index(la)] = -math.inf
            j = int(np.argmax(values))
            row[name] = {"best": layers_b[j], "value": float(m[i, j])}
        rows.append(row)
    accuracy: dict[str, float | None] = {name: None for name in matrices}
    if layers_a == layers_b and not exclude_self:
        for name in matrices:
            accuracy[name] = sum(r[name]["best"] == r["layer"] for r in rows) / len(rows)
    return rows, accuracy
