"""Interventions on the residual stream, each a context manager that always restores the model.

    with add_to_residual(model, {12: 0.6 * v}, where="both", prompt_len=n):
        model.generate(...)            # every forward pass, prefill and each decoding step, is steered
    with ablate_directions(model, d):  # d: (hidden,) or (k, hidden)
        model(...)                     # the span of d is projected out of every chosen layer's output

Both hook the output of decoder blocks (the residual stream after block `layer`, the same
place `record_residual` reads), so a vector read at layer L is added back at layer L. The
blocks are found by architecture (backends/subject/architecture.py). These are the local
forms; the same edits as nnsight traces, which run here or remotely, are in traces.py.
Hooks are forward hooks: they fire on every forward call, so under KV caching they act on
the prompt pass and on each generated token alike. Which tokens count as prompt comes
from the position ids the model passes its blocks (position < prompt_len), not from
counting calls. On exit, even through an exception, every hook is removed and the
weights were never touched.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Iterator, Literal

import torch

from backends.subject.architecture import decoder_layers, hidden as _hidden, replace as _replace

Where = Literal["prompt", "generated", "both"]
WHERE = ("prompt", "generated", "both")


def _positions(kwargs: dict, hidden: torch.Tensor) -> torch.Tensor | None:
    ids = kwargs.get("position_ids")
    if ids is None:
        return None
    return ids if ids.dim() == 2 else ids[None]


class ResidualAddition:
    """The live state of `add_to_residual`: per-layer deltas, the rows still in the batch, and a log.

    `calls` records, for every hooked forward pass, (layer, first position, tokens touched),
    so a test can see that generation steps were steered, not only the prompt pass.
    """

    def __init__(self, deltas: dict[int, torch.Tensor], where: Where, prompt_len: int | None, start: int = 0):
        self.deltas = deltas
        self.where = where
        self.prompt_len = prompt_len
        self.start = start
        self.rows: torch.Tensor | None = None  # which original rows are still decoding
        self.calls: list[tuple[int, int, int]] = []

    def keep(self, rows: torch.Tensor) -> None:
        """Finished rows left the batch: `rows` indexes the batch as it was (see sample_rows' on_compact)."""
        self.rows = rows if self.rows is None else self.rows[rows]

    def _delta(self, layer: int, hidden: torch.Tensor) -> torch.Tensor:
        delta = self.deltas[layer].to(hidden.dtype)
        if delta.dim() == 1:
            return delta[None, None, :]
        if self.rows is not None:
            delta = delta[self.rows.to(delta.device)]
        if delta.shape[0] != hidden.shape[0]:
            raise ValueError(f"steering: {delta.shape[0]} per-row deltas for a batch of {hidden.shape[0]}")
        return delta[:, None, :]

    def hook(self, layer: int):
        def add(module, args, kwargs, output):
            hidden = _hidden(output)
            delta = self._delta(layer, hidden)
            positions = _positions(kwargs, hidden)
            first = int(positions[0, 0]) if positions is not None else -1
            if self.where == "both" and self.start == 0:
                self.calls.append((layer, first, hidden.shape[1]))
                return _replace(output, hidden + delta)
            if positions is None:
                raise ValueError("steering: this model does not pass position ids to its blocks; steer every token")
            if self.where == "generated":
                mask = positions >= self.prompt_len
            else:
                mask = positions >= self.start
                if self.where == "prompt":
                    mask &= positions < self.prompt_len
            self.calls.append((layer, first, int(mask[0].sum())))
            return _replace(output, hidden + delta * mask[..., None].to(hidden.dtype))

        return add


@contextmanager
def add_to_residual(model, deltas: dict[int, torch.Tensor], where: Where = "both",
                    prompt_len: int | None = None, start: int = 0) -> Iterator[ResidualAddition]:
    """Add `deltas[layer]` to the output of decoder block `layer` for the duration of the block.

    A delta is (hidden,) for every row, or (rows, hidden) for one per batch row (a batched
    sweep: each row its own vector and scale). `where` picks the tokens: "prompt" (positions
    `start` to `prompt_len` - 1), "generated" (from `prompt_len` on), or "both" (from `start`
    on). `start` > 0 leaves the first tokens, such as a system prompt, unsteered.
    """
    if where not in WHERE:
        raise ValueError(f"where: {where!r}; allowed: {', '.join(WHERE)}")
    if where != "both" and prompt_len is None:
        raise ValueError(f"where: {where!r} needs prompt_len")
    blocks = decoder_layers(model)
    state = ResidualAddition(deltas, where, prompt_len, start)
    handles = []
    try:
        for layer in sorted(deltas):
            handles.append(blocks[layer].register_forward_hook(state.hook(layer), with_kwargs=True))
        yield state
    finally:
        for handle in handles:
            handle.remove()


def orthonormal(directions: torch.Tensor) -> torch.Tensor:
    """An orthonormal basis (hidden, k) of the span of `directions` ((hidden,) or (k, hidden))."""
    d = directions.detach().float()
    d = d[None] if d.dim() == 1 else d
    if not torch.isfinite(d).all() or bool((d.norm(dim=-1) == 0).any()):
        raise ValueError("directions: need finite, non-zero vectors")
    q, _ = torch.linalg.qr(d.T)
    return q


@contextmanager
def ablate_directions(model, directions: torch.Tensor, layers: list[int] | None = None) -> Iterator[torch.Tensor]:
    """Project the span of `directions` out of the output of each chosen block (default: all).

    act <- act - (act Q) Q^T with Q orthonormal: what the directional ablation of
    refusal/misalignment directions and CAFT's concept ablation compute. Differentiable,
    so it also holds during fine-tuning. Yields Q.
    """
    blocks = decoder_layers(model)
    chosen = range(len(blocks)) if layers is None else layers
    q = orthonormal(directions)

    def project(module, args, output):
        hidden = _hidden(output)
        basis = q.to(device=hidden.device, dtype=hidden.dtype)
        return _replace(output, hidden - (hidden @ basis) @ basis.T)

    handles = []
    try:
        for layer in chosen:
            handles.append(blocks[layer].register_forward_hook(project))
        yield q
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def record_residual(model, layers: list[int]) -> Iterator[dict[int, list[torch.Tensor]]]:
    """Collect the output of each chosen block on every forward pass: {layer: [(batch, seq, hidden), ...]}."""
    blocks = decoder_layers(model)
    seen: dict[int, list[torch.Tensor]] = {layer: [] for layer in layers}

    def keep(layer):
        def hook(module, args, output):
            seen[layer].append(_hidden(output).detach())
        return hook

    handles = []
    try:
        for layer in layers:
            handles.append(blocks[layer].register_forward_hook(keep(layer)))
        yield seen
    finally:
        for handle in handles:
            handle.remove()


@dataclass(frozen=True)
class Edit:
    """An intervention on one forward pass, in a form both the hooks and the nnsight traces apply:
    `add` {layer: (hidden,)} added at every token, and the span of `ablate` ((hidden,) or (k, hidden))
    projected out at `ablate_layers` (default: every layer); at a layer with both, add first."""

    add: dict | None = None
    ablate: torch.Tensor | None = None
    ablate_layers: list[int] | None = None

    @contextmanager
    def hooked(self, model) -> Iterator[None]:
        """The edit as hooks on `model` for the duration (removed on exit, whatever happens)."""
        with ExitStack() as stack:
            if self.add:
                stack.enter_context(add_to_residual(model, self.add))
            if self.ablate is not None:
                stack.enter_context(ablate_directions(model, self.ablate, self.ablate_layers))
            yield
