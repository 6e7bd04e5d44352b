"""Which backends each tool runs on: the one place that says it.

A subject model runs where its `models` entry says (backends/core/settings.Placement):
`local` (weights in this process), `server` (an OpenAI-compatible completions endpoint:
rollouts only) or `nnsight` (white-box through nnsight, NDIF or an nnsight-serve). A tool
runs on the backends listed for it below; `run_tool` checks the model asked for before
anything loads, and a backend a tool cannot use is a one-line `UsageError` naming the
setting and what would work:

    receiver_heads needs the model's weights: models."r1".backend is server; use local

Black-box tools (they only sample and score text) run locally and on a server; white-box
tools (weights, activations, attention, training) run locally, and on nnsight where a method
has an nnsight form (add "nnsight" to its entry here when it does). A tool with no subject
model (splitting sentences, recall, the rotation of saved adapters) runs anywhere.
"""

from __future__ import annotations

BACKENDS = ("local", "server", "nnsight")
BLACK_BOX = ("local", "server")
WHITE_BOX = ("local",)
TRACED = ("local", "nnsight")  # white-box with an nnsight form (tests/tools/test_nnsight_tools.py)
ANY = BACKENDS

SUPPORT: dict[str, tuple[str, ...]] = {
    # no subject model
    "split_sentences": ANY,
    "recall": ANY,
    "lora_phase": ANY,  # reads saved adapters' B vectors; loads no model
    "build_organism": ANY,  # no model argument: trains the organism's own base model, here
    # black-box: sampling (and scoring text) only
    "generate_cot": BLACK_BOX,
    "resample_importance": BLACK_BOX,
    "sentence_alternatives": BLACK_BOX,
    "sentence_resilience": BLACK_BOX,
    "compare_interventions": BLACK_BOX,
    "hint_mediation": BLACK_BOX,
    "cot_monitor": BLACK_BOX,
    "em_evaluate": BLACK_BOX,  # a fine-tune (train_run, adapter) needs the weights: local only
    # white-box: the model's weights
    "receiver_heads": TRACED,
    "attention_suppression": TRACED,
    "build_steering_vector": TRACED,
    "steer_generate": TRACED,
    "steering_sweep": TRACED,
    "itda_build": TRACED,
    "itda_compare": TRACED,
    "itda_explain": TRACED,
    "train_lora": WHITE_BOX,
    "lora_probe": WHITE_BOX,
    "caft_finetune": WHITE_BOX,
    "misalignment_direction": TRACED,
    "ablate_direction": TRACED,
}


def backends_of(tool: str) -> tuple[str, ...]:
    """The backends `tool` runs on (a tool not listed: local only, the safe guess)."""
    return SUPPORT.get(tool, ("local",))


def needs(backends: tuple[str, ...]) -> str:
    """What a tool needs, in words: "the model's weights", "a sampler", ..."""
    if "server" in backends:
        return "a sampler (local weights or a completions server)"
    return "the model's weights" + (" or nnsight" if "nnsight" in backends else "")


def refusal(tool: str, model: str, backend: str, where: str) -> str | None:
    """The one-line error for running `tool` on a model placed on `backend` (None when it can).
    `where` names the setting that placed it (`models."r1".backend`)."""
    allowed = backends_of(tool)
    if backend in allowed:
        return None
    return f"{tool} needs {needs(allowed)}: {where} is {backend}; use {' or '.join(allowed)}"


def check(tool: str, args, settings) -> None:
    """Refuse, before anything loads, a tool asked for a model placed where it cannot run.

    Only a model named in the `models` setting is placed; an unnamed one runs locally (with
    `sampler_base_url` its rollouts come from that server, and its weights still load here)."""
    from backends.core.errors import UsageError

    if "model" not in type(args).model_fields:
        return
    name = getattr(args, "model", None) or settings.model
    placement = settings.models.get(name)
    if placement is None:
        return
    message = refusal(tool, name, placement.backend, f'models."{name}".backend')
    if message is not None:
        raise UsageError(message, field="model")


def table() -> str:
    """The tool x backend table (markdown), for the README."""
    rows = ["| tool | " + " | ".join(BACKENDS) + " |", "| --- |" + " :---: |" * len(BACKENDS)]
    for tool in sorted(SUPPORT):
        rows.append(f"| `{tool}` | " + " | ".join("yes" if b in SUPPORT[tool] else "" for b in BACKENDS) + " |")
    return "\n".join(rows)
