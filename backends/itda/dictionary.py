"""ITDA's dictionaries (docs/methods.md, "ITDA"): a layer's atoms, matching pursuit over them, and their files.

A dictionary for one layer is a set of real activations, normalized to unit length, each
with its source (document, token position, token, context): that source is its label.

    idx, coef = matching_pursuit(x, dictionary.atoms, k=40)
    x_hat = decode(idx, coef, dictionary.atoms)

Matching pursuit keeps the residual's correlations with every atom and updates them through
the atoms' Gram matrix, so a step costs one row of it per activation instead of a product with
the whole dictionary. Orthogonal matching pursuit (backends/itda/omp.py) is the other encoder:
`Dictionary.encode(x, k, "omp")`. `select_new_atoms` is the build's rule for which activations
join a dictionary (backends/itda/build.py streams the corpus through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from backends.core.errors import UsageError


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
    """The dictionaries `metas` describe, their atoms read from `path`. Atoms are only ever appended,
    so a file written after the metas (a build killed between writing its atoms and its checkpoint)
    holds theirs first: each dictionary keeps the first `size` atoms its meta counts."""
    from safetensors import safe_open

    out = {}
    with safe_open(str(path), framework="pt") as f:
        for meta in metas:
            atoms = f.get_tensor(f"layer.{meta['layer']}")
            out[meta["layer"]] = Dictionary.from_meta(meta, atoms[: meta.get("size", atoms.shape[0])])
    return out

