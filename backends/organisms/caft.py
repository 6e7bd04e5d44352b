"""CAFT, concept ablation fine-tuning (docs/methods.md, "CAFT").

    pcs = difference_pca(base, tuned, items, layer=15, k=4)       # directions the fine-tune moved along
    training = CaftTraining(base, items, spec, settings, out_dir, {15: pcs.components[[0, 1]]})
    training.advance()                                            # LoRA training with the span projected out
    training.dataset_loss()                                       # the adapter alone: no projection after training

    CaftRun(base, items, spec, settings, run_dir, ablate_layers=[15], components=[0, 1])  # caft_finetune's Experiment:
    # the plain fine-tune, its PCA, the CAFT fine-tune, then both compared with the base model

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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from backends.core.errors import UsageError
from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.organisms.lora import LoraSpec, LoraTraining, TrainSettings, answer_batches
from backends.subject.interventions import ablate_directions, record_residual
from backends.subject.models import ModelHandle


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
                 directions: dict[int, torch.Tensor], state: dict | None = None):
        super().__init__(handle, items, spec, settings, out_dir, state=state)
        self.directions = directions

    @contextlib.contextmanager
    def ablation(self) -> Iterator[dict[int, torch.Tensor]]:
        """The projection hooks (one orthonormal basis per layer), removed on exit."""
        with contextlib.ExitStack() as stack:
            bases = {layer: stack.enter_context(ablate_directions(self.model.get_base_model(), d, [layer]))
                     for layer, d in self.directions.items()}
            yield bases

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        with self.ablation():
            return super().advance(progress, should_stop, on_checkpoint)


def pca_directions(base: ModelHandle, tuned: ModelHandle, items: list[dict], layers: list[int], components: list[int],
                   max_tokens: int = 256) -> tuple[dict[int, torch.Tensor], list[dict]]:
    """{layer: (len(components), hidden)}: the chosen principal components of (tuned - base) at each layer, and
    what each layer's components are (share explained, top tokens, tokens read), for inspection."""
    k = max(components) + 1
    out, about = {}, []
    for layer in layers:
        pcs = difference_pca(base, tuned, items, layer, k=max(k, 4), max_tokens=max_tokens)
        out[layer] = pcs.components[components]
        about.append({"layer": layer, "explained": [round(v, 4) for v in pcs.explained],
                      "top_tokens": {str(c): pcs.top_tokens[c][:5] for c in range(len(pcs.explained))},
                      "tokens": pcs.tokens})
    return out, about


STAGES = ("plain", "caft", "evaluate", "done")


class CaftRun:
    """caft_finetune's experiment, in stages: the plain fine-tune (none when `plain_adapter` is given),
    the directions (PCA of the plain fine-tune's differences, unless `directions` are given), the CAFT
    fine-tune, then base, plain and CAFT compared: preference for misaligned over aligned reference
    answers to the EM questions (held out from training) and the answer-token loss on the training data.

    `state` (plain JSON): the stage, each training's state, the plain adapter, what the directions are,
    the seconds spent and, once compared, the models' rows. Adapters are written under `run_dir`
    (plain/ and training/, the CAFT one)."""

    def __init__(self, handle: ModelHandle, items: list[dict], spec: LoraSpec, settings: TrainSettings, run_dir: Path,
                 *, ablate_layers: list[int], components: list[int] | None = None,
                 directions: dict[int, torch.Tensor] | None = None, about: list[dict] | None = None,
                 plain_adapter: Path | None = None, dataset: str = "", state: dict | None = None):
        self._clock = time.perf_counter()
        self.handle, self.items, self.spec, self.settings = handle, items, spec, settings
        self.run_dir, self.ablate_layers, self.components, self.dataset = Path(run_dir), ablate_layers, components, dataset
        self.directions = directions  # None: the PCA of the plain fine-tune, made when the CAFT stage starts
        state = state or {}
        self.state = {"stage": state.get("stage", "plain" if plain_adapter is None else "caft"),
                      "plain": state.get("plain"), "caft": state.get("caft"),
                      "plain_adapter": state.get("plain_adapter", None if plain_adapter is None else str(plain_adapter)),
                      "about": state.get("about", about), "seconds": state.get("seconds", 0.0),
                      "models": state.get("models")}
        self._plain: LoraTraining | None = None
        self._caft: CaftTraining | None = None
        self._tuned: ModelHandle | None = None

    def _keep(self) -> None:
        now = time.perf_counter()
        self.state["seconds"] += now - self._clock
        self._clock = now

    def _saving(self, name: str, training: LoraTraining, on_checkpoint: OnCheckpoint) -> OnCheckpoint:
        def checkpoint() -> None:
            self.state[name] = training.state
            self._keep()
            on_checkpoint()
        return checkpoint

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        s = self.state
        if s["stage"] == "plain":
            plain = self._plain = self._plain or LoraTraining(self.handle, self.items, self.spec, self.settings,
                                                              self.run_dir / "plain", state=s["plain"])
            if not plain.advance(lambda d, t, note: progress(d, 2 * t, "plain " + note), should_stop,
                                 self._saving("plain", plain, on_checkpoint)):
                self._keep()
                return False
            s.update(plain=plain.state, plain_adapter=str(plain.last_adapter()), stage="caft")
        if s["stage"] == "caft":
            caft = self._caft_training()
            if not caft.advance(lambda d, t, note: progress(t + d, 2 * t, "CAFT " + note), should_stop,
                                self._saving("caft", caft, on_checkpoint)):
                self._keep()
                return False
            s.update(caft=caft.state, stage="evaluate")
        if s["stage"] == "evaluate":
            if should_stop():
                self._keep()
                return False
            s.update(models=self._compare(), stage="done")
        self._keep()
        return True

    def _plain_model(self) -> ModelHandle:
        from backends.organisms.lora import adapted

        if self._tuned is None:
            self._tuned = adapted(self.handle, Path(self.state["plain_adapter"]), f"{self.handle.name}+plain")
        return self._tuned

    def _caft_training(self) -> CaftTraining:
        if self._caft is None:
            if self.directions is None and self.state["stage"] == "caft":  # afterwards the adapter alone is read
                self.directions, self.state["about"] = pca_directions(
                    self.handle, self._plain_model(), self.items, self.ablate_layers, self.components,
                    self.settings.max_tokens)
            self._caft = CaftTraining(self.handle, self.items, self.spec, self.settings, self.run_dir / "training",
                                      self.directions or {}, state=self.state["caft"])
        return self._caft

    def _compare(self) -> list[dict]:
        from backends.organisms.em import preference, reference_answers, split_labelled
        from backends.organisms.lora import adapted, answer_loss

        tuned, caft = self._plain_model(), self._caft_training()
        caft_model = adapted(self.handle, caft.last_adapter(), f"{self.handle.name}+caft")
        bad, good = split_labelled(reference_answers())
        models = {"base": self.handle, "plain fine-tune": tuned, "CAFT fine-tune": caft_model}
        prefs = {name: preference(m, bad, good, seed=self.settings.seed) for name, m in models.items()}
        # the in-domain loss of each adapter, read with no projection
        loss = {"plain fine-tune": answer_loss(tuned.model, tuned, self.items, max_tokens=self.settings.max_tokens),
                "CAFT fine-tune": caft.dataset_loss()}
        return [{"model": name, **p.row(), "dataset_loss": None if name not in loss else round(loss[name], 4)}
                for name, p in prefs.items()]

    def result(self) -> dict:
        """What the run has so far: the stage, the CAFT training (step, curve, checkpoints, adapter), the
        plain adapter, what the directions are, and once compared the models' rows."""
        s = self.state
        training = self._caft.now if self._caft is not None else s["caft"] or {"step": 0, "losses": [], "checkpoints": []}
        plain = self._plain.now if self._plain is not None else s["plain"] or {"step": 0}
        names = training["checkpoints"]
        return {"stage": s["stage"], "models": s["models"], "ablate_layers": self.ablate_layers,
                "plain_adapter": s["plain_adapter"], "plain_step": plain["step"],
                "adapter": str(self.run_dir / "training" / names[-1]) if names else None,
                "step": training["step"], "steps": self.settings.steps, "checkpoints": list(names),
                "losses": list(training["losses"]), "about_directions": s["about"], "dataset": self.dataset,
                "rank": self.spec.rank, "modules": list(self.spec.modules), "layers": list(self.spec.layers),
                "seconds": s["seconds"] + time.perf_counter() - self._clock}
