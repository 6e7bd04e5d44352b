"""White-box methods as nnsight traces: the same code runs here, in nnsight's simulation of a
server, on NDIF or on an nnsight-serve, as the model's placement says (nnsight_model.py).

    picked = residuals(handle, ids, mask, [3, 7], rows, positions)       # {layer: (n, hidden)}
    logprobs = token_logprobs(handle, ids, mask, Edit(add={5: 4 * v}))   # (batch, seq - 1)
    tokens = generate_tokens(handle, ids, {12: deltas}, rows, "both", 0, 64, 0.7, 0.95, seed, stop_ids)

Each is one trace (a generation: one trace over every decoding step) whose edits are those of
the hooks in interventions.py, written as the same tensor operations, so the two forms give
identical numbers (tests/backends/test_traces.py). Only what a method needs leaves the server:
the picked activations, the answer tokens' log-probs, the generated ids; never whole
activations or logits. The local torch hooks stay the path of a model loaded here, where they
are faster (`uses_nnsight`; bench/nnsight_steering.py).

Generation is transformers' `generate` traced, with every step steered (`tracer.iter[:]`) and
each next token chosen inside the trace by the compiled decode's rule (`nucleus`: temperature,
top-p, one seeded uniform per row and step, drawn here) and forced through the logits, so a
seed gives the same samples wherever the trace runs. Greedy decoding gives the hooks' tokens.
"""

from __future__ import annotations

import torch

from backends.subject.architecture import decoder_layers
from backends.subject.interventions import Edit, orthonormal
from backends.subject.nnsight_model import envoy, is_nnsight, remote_setting, running


def uses_nnsight(handle) -> bool:
    """Whether a handle's white-box methods run as traces (a model placed on nnsight) or as hooks."""
    return is_nnsight(handle)


class _Plan:
    """An `Edit` made ready for a trace: what happens at each block, in the order blocks run."""

    def __init__(self, edit: Edit | None, n_layers: int):
        edit = edit or Edit()
        self.add = dict(edit.add or {})
        self.basis = None if edit.ablate is None else orthonormal(edit.ablate)
        chosen = range(n_layers) if edit.ablate_layers is None else edit.ablate_layers
        self.ablate = set(chosen) if self.basis is not None else set()
        self.layers = sorted(set(self.add) | self.ablate)


def _edit(block, layer: int, add: dict, basis, ablate: set) -> None:
    """One block's edit inside a trace, as the hooks compute it: add, then project out."""
    out = block.output
    h = out[0] if isinstance(out, tuple) else out
    if layer in add:
        h = h + add[layer].to(device=h.device, dtype=h.dtype)[None, None, :]
    if layer in ablate:
        q = basis.to(device=h.device, dtype=h.dtype)
        h = h - (h @ q) @ q.T
    block.output = (h, *out[1:]) if isinstance(out, tuple) else h


@torch.inference_mode()
def residuals(handle, input_ids: torch.Tensor, attention_mask: torch.Tensor, layers: list[int], rows: torch.Tensor,
              positions: torch.Tensor, edit: Edit | None = None) -> dict[int, torch.Tensor]:
    """Block outputs at (rows[i], positions[i]) for each chosen layer: {layer: (n, hidden)}, model dtype, on the CPU.

    `edit` applies while they are read (e.g. a direction projected out), as its hooks would."""
    model, remote = envoy(handle), remote_setting(handle)
    blocks = decoder_layers(model)
    plan = _Plan(edit, len(blocks))
    wanted = sorted(set(layers))
    rows, positions = rows.cpu(), positions.cpu()
    saved: dict[int, torch.Tensor] = {}
    with running(handle):
        with model.trace(input_ids=input_ids.cpu(), attention_mask=attention_mask.cpu(), use_cache=False, remote=remote):
            for layer in sorted(set(wanted) | set(plan.layers)):
                if layer in plan.layers:
                    _edit(blocks[layer], layer, plan.add, plan.basis, plan.ablate)
                if layer in wanted:
                    out = blocks[layer].output
                    h = out[0] if isinstance(out, tuple) else out
                    saved[layer] = h[rows.to(h.device), positions.to(h.device)].cpu().save()
    return {layer: saved[layer] for layer in layers}


@torch.inference_mode()
def token_logprobs(handle, input_ids: torch.Tensor, attention_mask: torch.Tensor, edit: Edit | None = None) -> torch.Tensor:
    """log p(token t+1 | tokens <= t) of every row, under `edit`: (batch, seq - 1), float32, on the CPU."""
    model, remote = envoy(handle), remote_setting(handle)
    blocks = decoder_layers(model)
    plan = _Plan(edit, len(blocks))
    ids = input_ids.cpu()
    with running(handle):
        with model.trace(input_ids=ids, attention_mask=attention_mask.cpu(), use_cache=False, remote=remote):
            for layer in plan.layers:
                _edit(blocks[layer], layer, plan.add, plan.basis, plan.ablate)
            logits = model.output.logits.float()
            targets = ids[:, 1:, None].to(logits.device)
            picked = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, targets).squeeze(-1).cpu().save()
    return picked


def nucleus(logits: torch.Tensor, temperature: float, top_p: float, uniform: torch.Tensor) -> torch.Tensor:
    """One token id a row: greedy at temperature 0, else the nucleus of `top_p` sampled by inverse CDF
    with `uniform` (the rule of backends/subject/sampling/compiled.nucleus, here so a trace carries it)."""
    if temperature <= 0:
        return logits.argmax(dim=-1)
    values, index = (logits / temperature).sort(dim=-1, descending=True, stable=True)
    probs = torch.softmax(values, dim=-1)
    cumulative = probs.cumsum(dim=-1)
    last = ((cumulative - probs) <= top_p).sum(dim=-1, keepdim=True) - 1
    target = uniform[:, None].to(cumulative.dtype) * cumulative.gather(-1, last)
    pick = torch.minimum(torch.searchsorted(cumulative, target), last)
    return index.gather(-1, pick).squeeze(-1)


def _steer(block, delta: torch.Tensor, step: int, where: str, start: int) -> None:
    """Add one layer's per-row deltas at one generation step, as `add_to_residual` does: step 0 is the
    prompt (positions from `start`), each later step one generated token."""
    out = block.output
    h = out[0] if isinstance(out, tuple) else out
    d = delta.to(device=h.device, dtype=h.dtype)[:, None, :]
    if step == 0 and where == "generated" or step > 0 and where == "prompt":
        return
    if step == 0 and not (where == "both" and start == 0):
        mask = torch.arange(h.shape[1], device=h.device) >= start
        h = h + d * mask[None, :, None].to(h.dtype)
    else:
        h = h + d
    block.output = (h, *out[1:]) if isinstance(out, tuple) else h


def _choose(model, step: int, temperature: float, top_p: float, uniforms: torch.Tensor) -> None:
    """Pick each row's next token by `nucleus` and force it: every other logit to the dtype's minimum."""
    out = model.output
    logits = out.logits
    chosen = nucleus(logits[:, -1].float(), temperature, top_p, uniforms[step].to(logits.device))
    forced = torch.full_like(logits, torch.finfo(logits.dtype).min)
    forced[:, -1].scatter_(-1, chosen[:, None], 0.0)
    out.logits = forced


@torch.inference_mode()
def generate_tokens(handle, ids: torch.Tensor, deltas: dict[int, torch.Tensor], rows: int, where: str, start: int,
                    max_new_tokens: int, temperature: float, top_p: float, seed: int,
                    stop_ids: list[int]) -> list[list[int]]:
    """`rows` continuations of the prompt `ids` (1, L) in one traced generation, row i steered by
    `deltas[layer][i]` (rows, hidden) on the prompt from `start` and/or the generated tokens (`where`).
    Returns each row's generated ids, up to and including its first stop id (if any)."""
    model, remote = envoy(handle), remote_setting(handle)
    blocks = decoder_layers(model)
    layers = sorted(deltas)
    uniforms = torch.rand(max_new_tokens, rows, generator=torch.Generator().manual_seed(seed))
    prompt = ids.cpu().expand(rows, -1).contiguous()
    with running(handle):
        with model.generate(max_new_tokens=max_new_tokens, do_sample=False, num_beams=1, eos_token_id=list(stop_ids),
                            pad_token_id=stop_ids[0], remote=remote) as tracer:
            with tracer.invoke(input_ids=prompt, attention_mask=torch.ones_like(prompt)):
                for step in tracer.iter[:]:
                    for layer in layers:
                        _steer(blocks[layer], deltas[layer], step, where, start)
                    _choose(model, step, temperature, top_p, uniforms)
            with tracer.invoke():
                result = tracer.result.cpu().save()
    out = []
    for row in result[:, ids.shape[1]:].tolist():
        ends = [k for k, token in enumerate(row) if token in stop_ids]
        out.append(row[:ends[0] + 1] if ends else row)
    return out
