"""A steering vector as plain data: a layer -> (hidden,) tensor map in the steering-vectors library's
layout, with its files (.safetensors, or .pt/.pth in that library's layout) and the deltas it adds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from backends.core.errors import UsageError
from backends.subject.models import ModelHandle
from backends.core.redaction import redact

LAYER_TYPE = "decoder_block"  # the steering-vectors library's name for "output of a decoder block"
FORMAT = "parley-steering-vector/1"


@dataclass
class SteeringVector:
    """Per-layer vectors (layer -> (hidden,) tensor), as the steering-vectors library holds them.

    `meta` records how it was built: model, position, polarity, pairs, per-layer norms."""

    layer_activations: dict[int, torch.Tensor]
    layer_type: str = LAYER_TYPE
    meta: dict = field(default_factory=dict)

    @property
    def layers(self) -> list[int]:
        return sorted(self.layer_activations)

    @property
    def hidden_size(self) -> int:
        return int(next(iter(self.layer_activations.values())).shape[-1])

    def norms(self) -> dict[int, float]:
        return {layer: float(self.layer_activations[layer].norm()) for layer in self.layers}

    def deltas(self, scale: float, layers: list[int] | None = None) -> dict[int, torch.Tensor]:
        """What to add at each layer: scale x vector (default: at every layer it has)."""
        return {layer: scale * self.layer_activations[layer] for layer in (self.layers if layers is None else layers)}

    def random_control(self, seed: int) -> "SteeringVector":
        """A random direction per layer with the same norm as this vector's there (seeded)."""
        generator = torch.Generator().manual_seed(seed)
        out = {layer: random_like(self.layer_activations[layer], generator) for layer in self.layers}
        return SteeringVector(out, self.layer_type, {"random_control_of": self.meta.get("model"), "seed": seed})

    def check_fits(self, handle: ModelHandle, layers: list[int] | None = None) -> None:
        """A UsageError unless the vector's width matches the model and `layers` are ones it has."""
        hidden = handle.model.config.hidden_size
        if self.hidden_size != hidden:
            raise UsageError(f"vector: width {self.hidden_size} does not match {handle.name}'s hidden size {hidden}",
                             field="vector")
        for layer in layers or []:
            if layer not in self.layer_activations:
                raise UsageError(f"layers: the vector has no layer {layer}; it has {_ranges(self.layers)}", field="layers")

    # --- files -----------------------------------------------------------------------------
    def save(self, path: str | Path) -> list[Path]:
        """Write the vector. `.safetensors`: tensors `layer.<i>` and the metadata inside the file.
        `.pt`/`.pth`: `{"layer_activations": {i: tensor}, "layer_type": ...}`, which the
        steering-vectors library loads with `SteeringVector(**torch.load(path))`; metadata goes
        beside it in `<path>.meta.json`. Returns the paths written."""
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {layer: t.detach().float().contiguous().cpu() for layer, t in self.layer_activations.items()}
        if path.suffix == ".safetensors":
            from safetensors.torch import save_file

            save_file({f"layer.{layer}": t for layer, t in tensors.items()}, str(path),
                      metadata={"format": FORMAT, "layer_type": self.layer_type, "meta": json.dumps(redact(self.meta))})
            return [path]
        if path.suffix in (".pt", ".pth"):
            torch.save({"layer_activations": tensors, "layer_type": self.layer_type}, path)
            side = path.with_name(path.name + ".meta.json")
            side.write_text(json.dumps(redact({"format": FORMAT, **self.meta}), indent=1))
            return [path, side]
        raise UsageError(f"save_to: {path.name!r} must end in .safetensors, .pt or .pth", field="save_to")

    @classmethod
    def load(cls, path: str | Path) -> "SteeringVector":
        """Read a vector from .safetensors (`layer.<i>` or `<i>` keys), or .pt/.pth/.bin holding the
        steering-vectors layout `{"layer_activations": {i: t}, "layer_type"}`, a plain `{i: t}`
        dict, or a (layers, hidden) tensor."""
        path = Path(path).expanduser()
        if not path.is_file():
            raise UsageError(f"vector: no file {str(path)!r}", field="vector")
        meta: dict = {}
        layer_type = LAYER_TYPE
        if path.suffix == ".safetensors":
            from safetensors import safe_open

            with safe_open(str(path), framework="pt") as f:
                header = f.metadata() or {}
                raw = {key: f.get_tensor(key) for key in f.keys()}
            meta = json.loads(header.get("meta", "{}"))
            layer_type = header.get("layer_type", LAYER_TYPE)
        elif path.suffix in (".pt", ".pth", ".bin"):
            try:
                raw = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as e:
                raise UsageError(f"vector: cannot read {path.name} as plain tensors ({type(e).__name__}); save "
                                 "{'layer_activations': sv.layer_activations, 'layer_type': sv.layer_type} instead of "
                                 "a pickled object", field="vector") from None
            if isinstance(raw, dict) and "layer_activations" in raw:
                layer_type = raw.get("layer_type", LAYER_TYPE)
                raw = raw["layer_activations"]
            elif isinstance(raw, torch.Tensor) and raw.dim() == 2:
                raw = dict(enumerate(raw))
            side = path.with_name(path.name + ".meta.json")
            if side.is_file():
                meta = {k: v for k, v in json.loads(side.read_text()).items() if k != "format"}
        else:
            raise UsageError(f"vector: {path.name!r} must end in .safetensors, .pt, .pth or .bin", field="vector")
        layers = _layer_map(raw, path.name)
        if layer_type != LAYER_TYPE:
            raise UsageError(f"vector: layer_type {layer_type!r} is not supported; allowed: {LAYER_TYPE}", field="vector")
        return cls(layers, layer_type, meta)


def _layer_map(raw, name: str) -> dict[int, torch.Tensor]:
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"vector: {name} holds no layer -> tensor map", field="vector")
    out = {}
    for key, value in raw.items():
        index = str(key).removeprefix("layer.")
        if not index.lstrip("-").isdigit() or not isinstance(value, torch.Tensor):
            raise UsageError(f"vector: {name} has key {key!r}; expected layer numbers (or layer.<n>) to tensors",
                             field="vector")
        out[int(index)] = value.reshape(-1).float()
    if len({t.shape[0] for t in out.values()}) != 1:
        raise UsageError(f"vector: {name} mixes tensors of different widths", field="vector")
    return out


def _ranges(layers: list[int]) -> str:
    return f"{layers[0]}-{layers[-1]}" if layers == list(range(layers[0], layers[-1] + 1)) else ", ".join(map(str, layers))


def random_like(vector: torch.Tensor, seed: int | torch.Generator) -> torch.Tensor:
    """A random direction with the same norm as `vector` (seeded): the control for steering and ablation."""
    generator = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(seed)
    r = torch.randn(vector.shape, generator=generator, dtype=torch.float32)
    return (r * (vector.float().norm() / r.norm())).to(vector.dtype)
