"""Where a causal LM keeps its decoder blocks and their attention, by architecture.

    layout(model)                 # Layout(layers="transformer.h", attention="attn") for GPT-2
    decoder_layers(model)[3]      # the 4th block: a torch module, or an nnsight envoy given one
    attention(model, 3)           # its attention module (eager attention hands it its weights)
    layout(model).layer_path(3)   # "transformer.h.3", the name peft and nnsight know it by

One resolver for every form of a white-box method: the torch hooks (interventions.py,
thought_anchors/attention.py) and the nnsight traces (traces.py) take the same paths, and
the LoRA targets are named from it. Known `model_type`s are looked up; anything else is
probed (the usual layer lists, then the usual attention names), and a model with none is a
one-line error. A block's output is a tensor in transformers 5 and a tuple (hidden, ...) in
older versions and some remote-code models: `hidden` and `replace` read and write either.
"""

from __future__ import annotations

from dataclasses import dataclass

# model_type -> (decoder blocks, attention module inside a block)
LAYOUTS: dict[str, tuple[str, str]] = {
    **{t: ("model.layers", "self_attn") for t in (
        "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2", "gemma3_text",
        "phi", "phi3", "olmo", "olmo2", "granite", "starcoder2", "cohere", "smollm3", "helium", "glm", "deepseek_v3")},
    "gpt2": ("transformer.h", "attn"),
    "gptj": ("transformer.h", "attn"),
    "gpt_bigcode": ("transformer.h", "attn"),
    "codegen": ("transformer.h", "attn"),
    "falcon": ("transformer.h", "self_attention"),
    "bloom": ("transformer.h", "self_attention"),
    "gpt_neox": ("gpt_neox.layers", "attention"),
    "opt": ("model.decoder.layers", "self_attn"),
}
LAYER_PATHS = ("model.layers", "transformer.h", "gpt_neox.layers", "model.decoder.layers", "model.language_model.layers")
ATTENTION_NAMES = ("self_attn", "attn", "attention", "self_attention")


@dataclass(frozen=True)
class Layout:
    layers: str  # dotted path of the decoder blocks from the causal LM, e.g. "model.layers"
    attention: str  # the attention module's name inside a block, e.g. "self_attn"

    def layer_path(self, layer: int) -> str:
        return f"{self.layers}.{layer}"

    def attention_path(self, layer: int) -> str:
        return f"{self.layers}.{layer}.{self.attention}"


def _module(model):
    """The torch module behind an nnsight envoy (or the module itself)."""
    return getattr(model, "_module", model)


def _get(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def layout(model) -> Layout:
    """The layout of a causal LM (a transformers model, or an nnsight envoy wrapping one)."""
    import torch

    module = _module(model)
    model_type = getattr(getattr(module, "config", None), "model_type", None)
    candidates = [LAYOUTS[model_type]] if model_type in LAYOUTS else []
    candidates += [(path, name) for path in LAYER_PATHS for name in ATTENTION_NAMES]
    for path, name in candidates:
        blocks = _get(module, path)
        if isinstance(blocks, torch.nn.ModuleList) and len(blocks) and hasattr(blocks[0], name):
            return Layout(path, name)
    raise ValueError(f"{type(module).__name__} ({model_type}): cannot find its decoder blocks and their attention "
                     f"(tried {', '.join(LAYER_PATHS)} with {', '.join(ATTENTION_NAMES)})")


def decoder_layers(model):
    """The decoder blocks, in order: a torch ModuleList, or the envoys of an nnsight model."""
    return _get(model, layout(model).layers)


def attention(model, layer: int):
    """The attention module of block `layer` (a torch module, or an envoy of an nnsight model)."""
    return getattr(decoder_layers(model)[layer], layout(model).attention)


def hidden(output):
    """The hidden states of a block's output (a tensor, or the first item of a tuple)."""
    return output[0] if isinstance(output, tuple) else output


def replace(output, new):
    """A block's output with its hidden states replaced, in the same form."""
    return (new, *output[1:]) if isinstance(output, tuple) else new
