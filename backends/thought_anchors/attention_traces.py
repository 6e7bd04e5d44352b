"""Receiver heads' attention and attention suppression as nnsight traces (docs/methods.md,
"White-box attribution"): the forms of a model placed on nnsight, here in simulation, on NDIF or
on an nnsight-serve. attention.py holds the hook forms and chooses between them.

Both need eager attention: the caller switches the model to it for the call (`eager_attention`),
and nnsight sends the implementation with every remote request, so the server switches too.
Each computes what the hooks compute, with the same tensor operations, on the server:

- `pooled_attention`: each layer's attention weights (the attention module's second output)
  reduced to a sentence x sentence matrix per head as they are produced; only those leave.
- `suppressed_kl`: one session per batch, the unsuppressed pass (one row) and the suppressed one
  (a row per sentence: the pre-softmax scores on its key positions set to the dtype minimum, through
  the attention mask the attention module is given), and the per-token KL of the next-token
  distributions; only the KL leaves.
"""

from __future__ import annotations

import numpy as np
import torch

from backends.subject.architecture import attention
from backends.subject.nnsight_model import envoy, remote_setting, running

TEMPERATURE = 0.6


def kl_divergence(base_logits: torch.Tensor, logits: torch.Tensor, temperature: float = TEMPERATURE) -> torch.Tensor:
    """Per token, KL(P_base || P) of the next-token distributions at `temperature`."""
    p = torch.log_softmax(base_logits / temperature, dim=-1)
    q = torch.log_softmax(logits / temperature, dim=-1)
    # KL is never negative; rounding can make a near-zero one -1e-7, whose log (the matrix takes log(KL + 1e-9)) is NaN
    return (p.exp() * (p - q)).sum(dim=-1).clamp_min(0.0)


def suppressed_mask(mask: torch.Tensor, key_columns: list[list[int]]) -> torch.Tensor:
    """The attention mask with row b unable to attend to the positions key_columns[b]."""
    mask = mask.expand(len(key_columns), -1, -1, -1).clone()
    for row, columns in enumerate(key_columns):
        if columns:
            mask[row, :, :, columns] = torch.finfo(mask.dtype).min
    return mask


def _suppress(module, key_columns: list[list[int]]) -> None:
    args, kwargs = module.inputs
    mask = kwargs.get("attention_mask")
    if mask is not None:
        kwargs["attention_mask"] = suppressed_mask(mask, key_columns)
        module.inputs = (args, kwargs)


@torch.inference_mode()
def pooled_attention(handle, ids: torch.Tensor, pool: torch.Tensor) -> np.ndarray:
    """Per layer and head, P^T A P with A the layer's attention weights: [layers, heads, N, N]."""
    model, remote = envoy(handle), remote_setting(handle)
    modules = [attention(model, i) for i in range(handle.num_layers)]
    saved = []
    with running(handle):
        with model.trace(input_ids=ids.cpu(), remote=remote):
            for module in modules:
                weights = module.output[1][0].float()
                p = pool.to(weights.device)
                saved.append((p.T @ weights @ p).cpu().save())
    return np.stack([s.numpy() for s in saved])


@torch.inference_mode()
def suppressed_kl(handle, ids: torch.Tensor, key_columns: list[list[int]], layers: list[int] | None) -> torch.Tensor:
    """Row b: the per-token KL between the plain pass and one where no token attends to key_columns[b]
    in `layers` (default all): (rows, tokens), float32, on the CPU."""
    model, remote = envoy(handle), remote_setting(handle)
    chosen = range(handle.num_layers) if layers is None else layers
    modules = [attention(model, i) for i in chosen]
    ids = ids.cpu()
    with running(handle):
        with model.session(remote=remote):
            with model.trace(input_ids=ids):
                base = model.output.logits[0].float()
            with model.trace(input_ids=ids.expand(len(key_columns), -1)):
                for module in modules:
                    _suppress(module, key_columns)
                logits = model.output.logits.float()
                kl = torch.stack([kl_divergence(base, logits[row]) for row in range(len(key_columns))]).cpu().save()
    return kl
