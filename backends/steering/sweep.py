"""A steering sweep (docs/methods.md, "Steering"): layers x scales, each cell against norm-matched
random vectors, seeded samples per cell scored by a behaviour metric, and its dose-response table.

    cells = sweep_cells([[12], [18]], [0, 1, 4], controls=2)
    sweep = SteeringSweep(handle, vector, prompts, cells, metric, SweepSettings(samples=4))
    sweep.advance(progress, should_stop, on_checkpoint)   # an Experiment (backends/core/experiment.py)
    sweep.result()["table"]                               # steered vs pooled controls, 95% intervals
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch

from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.seeds import derive
from backends.core.stats import difference_interval, mean_interval
from backends.steering.generate import generate_rows
from backends.steering.vector import SteeringVector
from backends.subject.interventions import Where
from backends.subject.models import ModelHandle
from backends.subject.sampling import SamplingParams


@dataclass(frozen=True)
class Cell:
    kind: str  # "baseline" (unsteered) | "steered" | "random" (a norm-matched random vector)
    layers: tuple[int, ...] = ()
    scale: float = 0.0
    control: int | None = None  # which random vector, for kind "random"

    @property
    def label(self) -> str:
        if self.kind == "baseline":
            return "baseline"
        where = "L" + "+".join(map(str, self.layers))
        return f"{where} x{self.scale:g}" + (f" random#{self.control}" if self.kind == "random" else "")


def sweep_cells(groups: list[list[int]], scales: list[float], controls: int) -> list[Cell]:
    """The baseline, then for each layer group and scale: the steered cell and `controls` random ones."""
    cells = [Cell("baseline")]
    for group in groups:
        for scale in scales:
            cells.append(Cell("steered", tuple(group), float(scale)))
            cells += [Cell("random", tuple(group), float(scale), r) for r in range(controls)]
    return cells


def cell_deltas(vector: SteeringVector, cell: Cell, seed: int) -> dict[int, torch.Tensor]:
    if cell.kind == "baseline" or cell.scale == 0:
        return {}
    source = vector if cell.kind == "steered" else vector.random_control(derive(seed, "control", cell.control))
    return source.deltas(cell.scale, list(cell.layers))


def summarize(values: list[float | None], seed: int = 0) -> dict:
    scored = [v for v in values if v is not None]
    if not scored:
        return {"mean": None, "low": None, "high": None, "n": 0, "n_unscored": len(values)}
    low, high = mean_interval(scored, seed)
    return {"mean": sum(scored) / len(scored), "low": low, "high": high, "n": len(scored),
            "n_unscored": len(values) - len(scored)}


def dose_response(cells: list[Cell], scores: dict[str, list[float | None]], seed: int = 0) -> list[dict]:
    """One row per (layer group, scale): steered and pooled random-control means with intervals,
    their difference with its interval, and the verdict."""
    rows = []
    baseline = [v for v in scores.get("baseline", []) if v is not None]
    for cell in cells:
        if cell.kind != "steered":
            continue
        steered = [v for v in scores[cell.label] if v is not None]
        control = [v for c in cells if c.kind == "random" and c.layers == cell.layers and c.scale == cell.scale
                   for v in scores[c.label] if v is not None]
        row = {"layers": list(cell.layers), "scale": cell.scale, "label": cell.label,
               "steered": summarize(scores[cell.label], seed), "control": summarize(control, seed),
               "baseline": summarize(baseline, seed)}
        if steered and control:
            low, high = difference_interval(steered, control, seed)
            diff = sum(steered) / len(steered) - sum(control) / len(control)
            row["vs_control"] = {"difference": diff, "low": low, "high": high,
                                 "verdict": "above controls" if low > 0 else "below controls" if high < 0 else "within controls"}
        else:
            row["vs_control"] = None
        if steered and baseline:
            low, high = difference_interval(steered, baseline, seed)
            row["vs_baseline"] = {"difference": sum(steered) / len(steered) - sum(baseline) / len(baseline),
                                  "low": low, "high": high}
        else:
            row["vs_baseline"] = None
        rows.append(row)
    return rows


@dataclass
class SweepSettings:
    samples: int = 4  # per cell and prompt
    max_new_tokens: int = 96
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int = 0
    where: Where = "both"
    batch_size: int = 64


    @property
    def sampling(self) -> SamplingParams:
        return SamplingParams.of(self)


class SteeringSweep:
    """A sweep in batches of rows (cells x samples of one prompt), resumable between batches.

    The plan (which rows form each batch, and each batch's seed) depends only on the settings,
    so a stopped sweep, resumed, gives what an uninterrupted one gives. `state` is plain JSON:
    {"batches": {index: {"texts": [...], "scores": [...]}}, "seconds": time spent sampling}.
    `about` is kept with the result as given (what the caller knows of the run: the vector's
    source, the layer groups as asked)."""

    def __init__(self, handle: ModelHandle, vector: SteeringVector, prompts: list[str], cells: list[Cell],
                 metric: Callable[[str], float | None], settings: SweepSettings, starts: list[int] | None = None,
                 state: dict | None = None, about: dict | None = None):
        self.handle, self.vector, self.prompts, self.cells = handle, vector, prompts, cells
        self.metric, self.settings, self.about = metric, settings, dict(about or {})
        self.starts = starts or [0] * len(prompts)
        self.state = state or {"batches": {}}
        self.state.setdefault("seconds", 0.0)
        rows = [(p, c, s) for p in range(len(prompts)) for c in range(len(cells)) for s in range(settings.samples)]
        self.plan: list[list[tuple[int, int, int]]] = []
        for p in range(len(prompts)):
            mine = [r for r in rows if r[0] == p]
            self.plan += [mine[i:i + settings.batch_size] for i in range(0, len(mine), settings.batch_size)]

    @property
    def total_rows(self) -> int:
        return sum(len(b) for b in self.plan)

    @property
    def done_rows(self) -> int:
        return sum(len(b["texts"]) for b in self.state["batches"].values())

    @property
    def finished(self) -> bool:
        return len(self.state["batches"]) == len(self.plan)

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """Run the batches not yet done, a checkpoint after each; True when all are done."""
        s, tokens = self.settings, self.settings.max_new_tokens
        params = s.sampling
        for index, batch in enumerate(self.plan):
            if str(index) in self.state["batches"]:
                continue
            if should_stop():
                return False
            p = batch[0][0]
            done_before = self.done_rows
            started = time.perf_counter()
            rollouts = generate_rows(
                self.handle, self.prompts[p], [cell_deltas(self.vector, self.cells[c], s.seed) for _, c, _ in batch],
                params.at("batch", index), where=s.where, start=self.starts[p],
                progress=lambda step: progress(done_before * tokens + step * len(batch), self.total_rows * tokens,
                                               "sample tokens"),
                should_stop=should_stop,
            )
            if should_stop():  # a batch cut short is not kept: it reruns whole on resume
                return False
            texts = [r.text for r in rollouts]
            self.state["batches"][str(index)] = {"texts": texts, "scores": [self.metric(t) for t in texts]}
            self.state["seconds"] += time.perf_counter() - started
            progress(self.done_rows * tokens, self.total_rows * tokens, "sample tokens")
            on_checkpoint()
        return True

    def samples(self) -> dict[str, list[dict]]:
        """Per cell label: [{"prompt", "text", "score"}] for the rows done."""
        out: dict[str, list[dict]] = {cell.label: [] for cell in self.cells}
        for index, batch in enumerate(self.plan):
            done = self.state["batches"].get(str(index))
            if not done:
                continue
            for (p, c, _), text, score in zip(batch, done["texts"], done["scores"]):
                out[self.cells[c].label].append({"prompt": p, "text": text, "score": score})
        return out

    def table(self) -> list[dict]:
        scores = {label: [r["score"] for r in rows] for label, rows in self.samples().items()}
        return dose_response(self.cells, scores, self.settings.seed)

    def result(self) -> dict:
        """Everything measured so far: the dose-response table, every sample, and what was swept."""
        return {"model": self.handle.name, "table": self.table(), "samples": self.samples(),
                "cells": [c.label for c in self.cells], "samples_done": self.done_rows, "samples_total": self.total_rows,
                "steering_starts_at": self.starts, "metric": getattr(self.metric, "name", None),
                "metric_description": getattr(self.metric, "description", None), "seconds": self.state["seconds"],
                **self.about}
