"""CAFT, concept ablation fine-tuning (docs/methods.md, "CAFT").

    pcs = difference_pca(base, tuned, items, layer=15, k=4)       # directions the fine-tune moved along
    training = CaftTraining(base, items, spec, settings, out_dir, {15: pcs.components[[0, 1]]})
    training.advance()                                            # LoRA training with the span projected out
    training.dataset_loss()                                       # the adapter alone: no projection after training

Directions come from the top principal components of per-token activation differences,
fine-tuned minus base, on answer tokens (each token of the same text read by both
models), or from dictionary atoms (ITDA). For each component, the tokens where the
difference projects most on it are kept: the directions are chosen by inspection.

During fine-tuning only, a hook on each chosen decoder block replaces its output act by
act - (act Q) Q^T (Q an orthonormal basis of that layer's directions), at all positions:
the gradient can then not use those directions, so the adapter learns the task some
other way. The hooks live in a context manager around the training steps; the saved
adapter is an ordinary peft adapter, used afterwards with no projection.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from backends.core.errors import UsageError
from backends.subject.interventions import ablate_directions, record_residual
from backends.organisms.lora import LoraSpec, LoraTraining, TrainSettings, answer_batches
from backends.subject.models import ModelHandle
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress


@torch.inference_mode()
def token_activations(handle: ModelHandle, items: list[dict], layer: int, *, max_tokens: int = 256,
                      batch_size: int = 8) -> tuple[list[torch.Tensor], list[list[int]]]:
    """Per item, the residual at `layer` on each answer token, and those tokens' ids."""
    acts, ids_out = [], []
    for batch, chunk in answer_batches(handle, items, batch_size, max_tokens):
        with record_residual(handle.model, [layer]) as seen:
            handle.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False)
        hidden = seen[layer][0].float().cpu()
        for r, (ids, begin) in enumerate(chunk):
            acts.append(hidden[r, begin:len(ids)])
            ids_out.append(ids[begin:])
    return acts, ids_out


@dataclass
class DifferencePCA:
    layer: int
    components: torch.Tensor  # (k, hidden), unit rows
    explained: list[float]  # share of the differences' variance each component explains
    top_tokens: list[list[dict]]  # per component: tokens where the difference projects most, with context
    tokens: int  # answer tokens read


def difference_pca(base: ModelHandle, tuned: ModelHandle, items: list[dict], layer: int, k: int = 4, *,
                   max_tokens: int = 256, top: int = 8, progress: Progress = no_progress) -> DifferencePCA:
    """Top-k principal components of (tuned - base) residual activations on the items' answer tokens."""
    from sklearn.decomposition import PCA

    tuned_acts, ids = token_activations(tuned, items, layer, max_tokens=max_tokens)
    progress(1, 2, "models read")
    base_acts, _ = token_activations(base, items, layer, max_tokens=max_tokens)
    progress(2, 2, "models read")
    diffs = torch.cat([t - b for t, b in zip(tuned_acts, base_acts)]).numpy()
    if k > min(diffs.shape):
        raise UsageError(f"components: {k} is more than the {min(diffs.shape)} the {len(diffs)} answer tokens allow",
                         field="components")
    pca = PCA(n_components=k, random_state=0).fit(diffs)
    components = torch.tensor(pca.components_, dtype=torch.float32)
    scores = (diffs - pca.mean_) @ pca.components_.T  # (tokens, k)
    where = [(i, j) for i, row in enumerate(ids) for j in range(len(row))]
    tok = base.tokenizer
    top_tokens = []
    for c in range(k):
        order = np.argsort(-np.abs(scores[:, c]))[:top]
        rows = []
        for at in order:
            i, j = where[at]
            rows.append({"token": tok.decode([ids[i][j]]), "context": tok.decode(ids[i][max(0, j - 6): j + 2]),
                         "projection": round(float(scores[at, c]), 3)})
        top_tokens.append(rows)
    return DifferencePCA(layer, components, [float(v) for v in pca.explained_variance_ratio_], top_tokens, len(diffs))


class CaftTraining(LoraTraining):
    """A LoRA fine-tune with `directions` ({layer: (k, hidden)}) projected out of those layers'
    outputs during the training steps only."""

    def __init__(self, handle: ModelHandle, items: list[dict], spec: LoraSpec, settings: TrainSettings, out_dir: Path,
                 directions: dict[int, torch.Tensor]):
        super().__init__(handle, items, spec, settings, out_dir)
        self.directions = directions

    @contextlib.contextmanager
    def ablation(self) -> Iterator[dict[int, torch.Tensor]]:
        """The projection hooks (one orthonormal basis per layer), removed on exit."""
        with contextlib.ExitStack() as stack:
            bases = {layer: stack.enter_context(ablate_directions(self.model.get_base_model(), d, [layer]))
                     for layer, d in self.directions.items()}
            yield bases

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop) -> bool:
        with self.ablation():
            return super().advance(progress, should_stop)
