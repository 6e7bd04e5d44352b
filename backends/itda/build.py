"""ITDA, inference-time decomposition of activations (docs/methods.md, "ITDA"): building dictionaries.

    build = ItdaBuild(handle, docs, layers=[3, 7], k=40, taus=[0.4], held_out=eval_docs)
    build.advance(progress, should_stop, on_checkpoint)   # an Experiment (backends/core/experiment.py)
    build.dictionaries[3]                                 # backends/itda/dictionary.py
    build.result()["rows"]                                # size, atoms added, NMSE, FVE, L0 per layer

Building: the corpus streams through the model in batches (backends/itda/activations.py); each
batch's activations are encoded with matching pursuit (k steps, signed coefficients) against the
dictionary so far; those whose error between unit vectors, ||x/|x| - decode||, exceeds tau are
candidates; a candidate that an earlier candidate of the same batch already reconstructs within
tau is a duplicate and dropped; the rest join the dictionary. The first batch seeds it (an empty
dictionary reconstructs nothing). Then, with `held_out` documents, each threshold's dictionaries
are measured on them (backends/itda/metrics.py).

Comparing (backends/itda/compare.py): Jaccard of atom sources between dictionaries built on the
same token stream; baselines linear CKA, SVCCA and relative representations on the same activations.
"""

from __future__ import annotations

import time
from pathlib import Path

from backends.core.errors import UsageError
from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.itda.activations import activations, stream_hash, tokenize
from backends.itda.corpus import Document
from backends.itda.dictionary import Dictionary, load_dictionaries, metas, save_dictionaries, select_new_atoms, unit
from backends.itda.metrics import evaluate
from backends.subject.models import ModelHandle


class ItdaBuild:
    """One pass over a corpus building a dictionary for each chosen layer (and each threshold in
    `taus`: the activations are computed once), then, with `held_out` documents, the held-out
    reconstruction of each threshold's dictionaries (encoded with `eval_encoder`); resumable by batch.

    `base` continues other dictionaries (model diffing: a base model's dictionary continued on
    its fine-tune; the atoms added are the difference). `state` is plain JSON: the documents
    done, the time spent, the measurements, and, for a build with a `directory`, the files its
    atoms were last written to (`atoms_file` per threshold) with every atom's source
    (`dictionaries`): built with that state, it reads its atoms back from there. The atoms are
    megabytes, so they are written (then `on_checkpoint` called) at most every `checkpoint_s`
    seconds of building, when the build is done, and when it stops. `about` is kept with the
    result as given (what the caller knows of the run: its id, the base run)."""

    def __init__(self, handle: ModelHandle, docs: list[Document], layers: list[int], *, k: int = 40,
                 taus: list[float] = (0.4,), max_tokens: int = 128, batch_docs: int = 16, skip_first: bool = True,
                 base: list[dict[int, Dictionary]] | None = None, state: dict | None = None, encoder: str = "mp",
                 held_out: list[Document] | None = None, eval_encoder: str = "omp", directory: Path | None = None,
                 atoms_file: str = "dictionaries-{i}.safetensors", checkpoint_s: float = 60.0,
                 about: dict | None = None):
        if not docs:
            raise UsageError("corpus: no documents to build on", field="corpus")
        self.handle, self.docs, self.layers = handle, docs, layers
        self.k, self.taus, self.max_tokens = k, list(taus), max_tokens
        self.batch_docs, self.skip_first, self.encoder = batch_docs, skip_first, encoder
        self.held_out, self.eval_encoder, self.about = held_out, eval_encoder, dict(about or {})
        self.directory, self.atoms_file, self.checkpoint_s = directory and Path(directory), atoms_file, checkpoint_s
        width = handle.model.config.hidden_size
        if state and state.get("atoms") and self.directory is not None:  # resuming: the atoms of the last checkpoint
            base = [load_dictionaries(self.directory / name, sources)
                    for name, sources in zip(state["atoms"], state["dictionaries"])]
        elif state and state.get("docs_done") and self.directory is not None:
            raise UsageError("run_id: this build's checkpoint names no saved atoms (an older Parley stopped it); "
                             "build it again", field="run_id")
        self.sets = base or [{} for _ in self.taus]
        for dictionaries in self.sets:
            for layer in layers:
                dictionaries.setdefault(layer, Dictionary.empty(layer, width))
        self.ids = tokenize(handle, docs, max_tokens)
        self.state = state or {"docs_done": 0, "tokens_seen": 0,
                               "base_sizes": [{str(l): d[l].size for l in layers} for d in self.sets]}
        for key, empty in (("build_s", 0.0), ("evaluate_s", 0.0), ("metrics", [])):
            self.state.setdefault(key, empty)

    @property
    def dictionaries(self) -> dict[int, Dictionary]:
        """The dictionaries of the first threshold."""
        return self.sets[0]

    @property
    def finished(self) -> bool:
        """Every document read (the held-out measurement may still be to do)."""
        return self.state["docs_done"] >= len(self.docs)

    @property
    def stream(self) -> str:
        return stream_hash(self.docs, self.ids)

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """Read the documents not yet read, then measure what is not yet measured; True when done."""
        if not self._build(progress, should_stop, on_checkpoint):
            return False
        to_measure = len(self.sets) if self.held_out is not None else 0
        for t in range(len(self.state["metrics"]), to_measure):
            if should_stop():
                return False
            started = time.perf_counter()
            fits = evaluate(self.handle, self.sets[t], self.held_out, self.k, self.max_tokens,
                            should_stop=should_stop, encoder=self.eval_encoder)
            if should_stop():  # a measurement cut short is not kept: it is taken again on resume
                return False
            self.state["metrics"].append({str(layer): fit for layer, fit in fits.items()})
            self.state["evaluate_s"] += time.perf_counter() - started
            if t < to_measure - 1:
                on_checkpoint()
        return True

    def _build(self, progress: Progress, should_stop: ShouldStop, on_checkpoint: OnCheckpoint) -> bool:
        origin = self.handle.name
        tok = self.handle.tokenizer
        saved = time.perf_counter()
        while not self.finished:
            if should_stop():
                self._write_atoms()  # what the state says is done must be on disk
                return False
            started = time.perf_counter()
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
            self.state["build_s"] += time.perf_counter() - started
            progress(self.state["docs_done"], len(self.docs), "documents")
            if self.finished or time.perf_counter() - saved >= self.checkpoint_s:
                self._write_atoms()
                on_checkpoint()
                saved = time.perf_counter()
        return True

    def _write_atoms(self) -> None:
        """Every threshold's atoms into the directory (one file each), named in the state with their sources."""
        if self.directory is None:
            return
        names = [self.atoms_file.format(i=i) for i in range(len(self.sets))]
        for name, dictionaries in zip(names, self.sets):
            save_dictionaries(self.directory / name, dictionaries)
        self.state["atoms"], self.state["dictionaries"] = names, metas(self.sets)

    def added(self, layer: int, which: int = 0) -> list[int]:
        """Atoms this build added on top of its base (all of them for a fresh build)."""
        return list(range(self.state["base_sizes"][which][str(layer)], self.sets[which][layer].size))

    def result(self) -> dict:
        """Everything so far: per threshold and layer the dictionary's size, the atoms added and the held-out
        NMSE, FVE and L0 (None until measured); the documents, the token stream, every atom's source."""
        measured = self.state["metrics"]
        rows = []
        for t, tau in enumerate(self.taus):
            for layer in self.layers:
                fit = measured[t][str(layer)] if t < len(measured) else {}
                rows.append({"tau": tau, "layer": layer, "size": self.sets[t][layer].size,
                             "added": len(self.added(layer, t)), **{key: fit.get(key) for key in ("nmse", "fve", "l0")}})
        return {"model": self.handle.name, "width": self.handle.model.config.hidden_size, "layers": self.layers,
                "taus": self.taus, "k": self.k, "build_encoder": self.encoder, "encoder": self.eval_encoder,
                "rows": rows, "stream": self.stream, "build_documents": [d.id for d in self.docs],
                "eval_documents": [d.id for d in self.held_out or []], "docs_done": self.state["docs_done"],
                "tokens_seen": self.state["tokens_seen"], "build_s": self.state["build_s"],
                "evaluate_s": self.state["evaluate_s"], "dictionaries": metas(self.sets),
                "max_tokens": self.max_tokens, **self.about}
