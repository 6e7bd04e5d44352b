"""Steering vectors from contrast pairs (docs/methods.md, "Steering"): the mean difference of
residual-stream activations, positive minus negative, at one token of each prompt, per layer.

    vector = build_steering_vector(handle, DEFAULT_PAIRS)   # real user minus AI evaluator

The vector is plain data (backends/steering/vector.py), a layer -> tensor map in the
steering-vectors library's layout, read from the output of each decoder block at one token
(default: the last prompt token, the colon of "You are talking to a real user:").
"""

from __future__ import annotations

import torch

from backends.core.errors import UsageError
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.steering.pairs import DEFAULT_PAIRS, DEFAULT_POLARITY  # noqa: F401  (re-exported: callers import them here)
from backends.steering.vector import FORMAT, SteeringVector
from backends.subject.whitebox import residuals
from backends.subject.models import ModelHandle


@torch.inference_mode()
def build_steering_vector(
    handle: ModelHandle,
    pairs: list[tuple[str, str]] | None = None,
    *,
    layers: list[int] | None = None,
    position: int = -1,
    polarity: dict | None = None,
    add_special_tokens: bool = True,
    batch_size: int = 16,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
) -> SteeringVector:
    """Mean over pairs of (positive - negative) residual activations at token `position`, per layer.

    `position` counts tokens of each prompt: -1 is the last (the colon), 0 the first. The
    prompts are read as plain text (no chat template), as the paper's pairs were, tokenized as
    the model's tokenizer does by default (`add_special_tokens`): with a BOS token first where it
    adds one (Llama), as the steering-vectors package does; position 0 is then the BOS. The
    vector's meta records the choice and whether a BOS was prepended."""
    pairs = [tuple(p) for p in (pairs or DEFAULT_PAIRS)]
    layers = handle.check_layers(layers)
    texts = [p for pair in pairs for p in pair]
    sums = {layer: torch.zeros(handle.model.config.hidden_size, dtype=torch.float64) for layer in layers}
    tok = handle.tokenizer
    for start in range(0, len(texts), 2 * batch_size):
        if should_stop():
            raise UsageError("build_steering_vector: stopped before every pair was read", field="pairs")
        chunk = texts[start:start + 2 * batch_size]
        encoded = [tok(t, add_special_tokens=add_special_tokens).input_ids for t in chunk]
        index = []
        for text, ids in zip(chunk, encoded):
            at = position if position >= 0 else len(ids) + position
            if not 0 <= at < len(ids):
                raise UsageError(f"position: {position} is outside {text!r} ({len(ids)} tokens)", field="position")
            index.append(at)
        width = max(len(ids) for ids in encoded)
        pad = tok.pad_token_id if tok.pad_token_id is not None else handle.stop_token_ids[0]
        ids = torch.tensor([e + [pad] * (width - len(e)) for e in encoded], device=handle.device)
        mask = torch.tensor([[1] * len(e) + [0] * (width - len(e)) for e in encoded], device=handle.device)
        rows = torch.arange(len(chunk))
        # right padding: causal rows unaffected
        seen = residuals(handle, ids, mask, layers, rows, torch.tensor(index))
        sign = torch.tensor([1.0 if (start + i) % 2 == 0 else -1.0 for i in range(len(chunk))], dtype=torch.float64)
        for layer in layers:
            picked = seen[layer].double().cpu()
            sums[layer] += (sign[:, None] * picked).sum(dim=0)
        progress(min(start + 2 * batch_size, len(texts)) // 2, len(pairs), "pairs")
    vector = {layer: (sums[layer] / len(pairs)).float() for layer in layers}
    sv = SteeringVector(vector)
    sv.meta = {"format": FORMAT, "model": handle.describe(), "layers": layers, "position": position,
               "polarity": polarity or DEFAULT_POLARITY, "pairs": [list(p) for p in pairs],
               "add_special_tokens": add_special_tokens, "bos_prepended": adds_bos(tok) and add_special_tokens,
               "norms": {str(k): round(v, 5) for k, v in sv.norms().items()}}
    return sv


def adds_bos(tokenizer) -> bool:
    """Whether the tokenizer puts a BOS token before plain text by default."""
    bos = tokenizer.bos_token_id
    return bos is not None and tokenizer("a").input_ids[:1] == [bos] and tokenizer("a", add_special_tokens=False).input_ids[:1] != [bos]

