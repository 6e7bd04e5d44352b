"""The phase transition of a rank-1 LoRA fine-tune (docs/methods.md, "Model organisms").

Over checkpoints, the rank-1 adapter's B vector v_t moves; cos(v_{t-k} - v_t, v_{t+k} - v_t)
is -1 while it moves in a straight line and rises toward +1 where its direction turns. The
step of the sharpest turn is where that cosine peaks (where its opposite, the cosine of the
two forward steps, dips).

    vectors = [b_vectors(root / name)[module] for name in checkpoints]
    cosines = rotation(vectors, k=1)
    sharpest_turn(cosines)          # index of the checkpoint where the direction turns most
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backends.core.errors import UsageError


def b_vectors(checkpoint: Path) -> dict[str, np.ndarray]:
    """Each rank-1 adapter's B vector (out_features,) in one peft checkpoint, by module path."""
    from safetensors.torch import load_file

    weights = load_file(Path(checkpoint) / "adapter_model.safetensors")
    out = {}
    for key, value in weights.items():
        if key.endswith("lora_B.weight"):
            if value.shape[1] != 1:
                raise UsageError(f"train_run: the adapters have rank {value.shape[1]}; the rotation needs rank 1",
                                 field="train_run")
            out[key.removeprefix("base_model.model.").removesuffix(".lora_B.weight")] = value[:, 0].float().numpy()
    return out


def rotation(vectors: list[np.ndarray], k: int) -> list[float | None]:
    """cos(v_{t-k} - v_t, v_{t+k} - v_t) for each t (None where t-k or t+k is outside, or a step is zero)."""
    out: list[float | None] = []
    for t in range(len(vectors)):
        if t - k < 0 or t + k >= len(vectors):
            out.append(None)
            continue
        a, b = vectors[t - k] - vectors[t], vectors[t + k] - vectors[t]
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        out.append(None if na == 0 or nb == 0 else float(a @ b / (na * nb)))
    return out


def sharpest_turn(cosines: list[float | None]) -> int | None:
    """Index of the largest cosine (the sharpest change of direction); None when none is defined."""
    defined = [(c, t) for t, c in enumerate(cosines) if c is not None]
    return max(defined)[1] if defined else None
