"""Where a subject model runs: `placement_of(settings, name)`.

A model named in the `models` setting runs where its entry says (local, server or
nnsight; see backends/core/settings.Placement). A model not named there runs locally,
except that with `sampler_base_url` set its rollouts come from that server (the older,
global form of a `server` entry); its tokenizer and chat template are then its own name's.

    placement_of(get_settings(), "r1-qwen-1.5b").backend  # "server"
"""

from __future__ import annotations

from backends.core.settings import Placement, Settings


def placement_of(settings: Settings, name: str | None) -> Placement:
    """Where model `name` (default: the settings' default model) runs."""
    name = name or settings.model
    if name.startswith("organism:"):  # a model organism (backends/organisms/zoo.py): LoRA-merged weights, here
        return Placement()
    if name in settings.models:
        return settings.models[name]
    if settings.sampler_base_url:
        return Placement(backend="server", base_url=settings.sampler_base_url, served_name=settings.sampler_model,
                         tokenizer=name, concurrency=settings.sampler_concurrency)
    return Placement()


def served_name(placement: Placement, name: str) -> str:
    """The name the server or NDIF knows the model by."""
    return placement.served_name or name


def tokenizer_source(placement: Placement, name: str) -> str:
    """Where the model's tokenizer and chat template load from (a local dir, a cached HF id or a built-in name)."""
    return placement.tokenizer or placement.served_name or name
