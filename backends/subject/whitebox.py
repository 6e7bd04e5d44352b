"""The white-box reads methods share, in the form the model's placement calls for.

    picked = residuals(handle, ids, mask, [3, 7], rows, positions)    # {layer: (n, hidden)}
    logprobs = token_logprobs(handle, ids, mask, Edit(ablate=d))      # (batch, seq - 1), float32

A model loaded here runs them as torch hooks (interventions.py), measured faster than the same
trace through nnsight in this process; a model placed on nnsight runs them as nnsight traces
(traces.py), here in simulation, on NDIF or on an nnsight-serve. Both give identical numbers
(tests/backends/test_traces.py). Steering during generation is backends/steering/generate.py,
attention backends/thought_anchors/attention.py, each choosing its form the same way.
"""

from __future__ import annotations

from contextlib import nullcontext

import torch

from backends.subject import traces
from backends.subject.interventions import Edit, record_residual


@torch.inference_mode()
def residuals(handle, input_ids: torch.Tensor, attention_mask: torch.Tensor, layers: list[int], rows: torch.Tensor,
              positions: torch.Tensor, edit: Edit | None = None) -> dict[int, torch.Tensor]:
    """Block outputs at (rows[i], positions[i]) of each chosen layer, `edit` applied: {layer: (n, hidden)}, model dtype."""
    if traces.uses_nnsight(handle):
        return traces.residuals(handle, input_ids, attention_mask, layers, rows, positions, edit)
    with edit.hooked(handle.model) if edit else nullcontext(), record_residual(handle.model, layers) as seen:
        handle.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
    return {layer: seen[layer][0][rows, positions] for layer in layers}


@torch.inference_mode()
def token_logprobs(handle, input_ids: torch.Tensor, attention_mask: torch.Tensor, edit: Edit | None = None) -> torch.Tensor:
    """log p(token t+1 | tokens <= t) of every row with `edit` applied: (batch, seq - 1), float32."""
    if traces.uses_nnsight(handle):
        return traces.token_logprobs(handle, input_ids, attention_mask, edit)
    with edit.hooked(handle.model) if edit else nullcontext():
        logits = handle.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits.float()
    return torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, input_ids[:, 1:, None]).squeeze(-1)
