"""Run references resolved in one place: the fine-tune, steering vector and ITDA dictionaries a
tool's `train_run`/`adapter`, `vector_run`/`vector_file` and `dictionary_run` arguments name.

Every tool that reads another tool's run imports from here, so no tool imports another tool.
"""

from __future__ import annotations

from backends.core.errors import UsageError
from tools.registry import ToolContext

VECTOR_FILE = "vector.safetensors"  # where build_steering_vector and misalignment_direction save a vector
ATOMS_FILE = "dictionaries-{i}.safetensors"  # an itda_build run's dictionaries, one file per threshold


FINE_TUNES = {"runs_of": ["train_lora", "caft_finetune"]}  # the offline planner fills the field from the newest such run


def fine_tune_run(ctx: ToolContext, run_id: str, field: str = "train_run"):
    """A train_lora or caft_finetune run and its checkpoint names; anything else is a UsageError naming `field`."""
    try:
        run = ctx.store.get(run_id)
    except UsageError:
        raise UsageError(f"{field}: no run {run_id!r} (see `parley runs list`)", field=field) from None
    if run.meta.get("tool") not in FINE_TUNES["runs_of"]:
        raise UsageError(f"{field}: run {run_id} is a {run.meta.get('tool')} run, not train_lora or caft_finetune",
                         field=field)
    return run, run.results.get("checkpoints") or []


def adapter_path(ctx: ToolContext, train_run: str | None, adapter: str | None, field: str = "train_run"):
    """The adapter directory a tool applies, and its label; (None, None) for the base model."""
    from pathlib import Path

    if train_run and adapter:
        raise UsageError(f"{field}: give either {field} or adapter, not both", field=field)
    if adapter:
        path = Path(adapter).expanduser()
        if not (path / "adapter_config.json").is_file():
            raise UsageError(f"adapter: {adapter!r} holds no peft adapter (adapter_config.json)", field="adapter")
        return path, f"adapter {path.name}"
    if not train_run:
        return None, None
    run, names = fine_tune_run(ctx, train_run, field)
    return last_adapter(run, names, field), f"fine-tune {train_run}"


def last_adapter(run, names: list[str], field: str = "train_run"):
    """The newest checkpoint of a fine-tune run (a peft adapter folder)."""
    if not names:
        raise UsageError(f"{field}: run {run.id} has no checkpoint yet", field=field)
    return run.dir / "training" / names[-1]


def subject(ctx: ToolContext, model: str | None, train_run: str | None, adapter: str | None = None,
            field: str = "train_run"):
    """(base handle, handle to study, label): the base model, or a copy with the adapter merged."""
    from backends.organisms.lora import adapted

    path, label = adapter_path(ctx, train_run, adapter, field)
    if path is not None and ctx.placement(model).backend == "nnsight":  # merging an adapter needs the weights here
        asked = field if train_run else "adapter"
        raise UsageError(f'{asked}: a fine-tune runs locally; models."{model or ctx.settings.model}".backend is '
                         "nnsight, so study the base model there or the fine-tune on a local model", field=asked)
    base = ctx.load_model(model)
    if path is None:
        return base, base, f"base {base.name}"
    return base, adapted(base, path, f"{base.name}+{train_run or path.name}"), f"{base.name} + {label}"


def load_vector(args, handle, ctx: ToolContext):
    """The vector a tool steers with, and where it came from."""
    from backends.steering.contrast import build_steering_vector
    from backends.steering.vector import SteeringVector

    if args.vector_run and args.vector_file:
        raise UsageError("vector_run: give either vector_run or vector_file, not both", field="vector_run")
    if args.vector_file:
        return SteeringVector.load(args.vector_file), args.vector_file
    if args.vector_run:
        try:
            run = ctx.store.get(args.vector_run)
        except UsageError:
            raise UsageError(f"vector_run: no run {args.vector_run!r} (see `parley runs list --tool build_steering_vector`)",
                             field="vector_run") from None
        if not (run.dir / VECTOR_FILE).is_file():
            raise UsageError(f"vector_run: run {run.id} ({run.meta.get('tool')}) holds no steering vector", field="vector_run")
        return SteeringVector.load(run.dir / VECTOR_FILE), run.id
    for run in ctx.store.list(tool="build_steering_vector"):
        if run.status == "complete" and (run.meta.get("model") or {}).get("name") == handle.name \
                and (run.dir / VECTOR_FILE).is_file():
            return SteeringVector.load(run.dir / VECTOR_FILE), run.id
    vector = build_steering_vector(handle, progress=ctx.progress)
    vector.save(ctx.run.dir / VECTOR_FILE)
    return vector, "built now from the default pairs"


def load_build(ctx: ToolContext, run_id: str, field: str = "dictionary_run", every_tau: bool = False):
    """(run, results, sets of dictionaries) of an itda_build run: the first threshold's set only
    (what comparing and explaining read), unless `every_tau` (to continue the whole build)."""
    from backends.itda.dictionary import load_dictionaries

    try:
        run = ctx.store.get(run_id)
    except UsageError:
        raise UsageError(f"{field}: no run {run_id!r} (see `parley runs list --tool itda_build`)", field=field) from None
    results = run.results
    if run.meta.get("tool") != "itda_build" or "dictionaries" not in results:
        raise UsageError(f"{field}: run {run_id} ({run.meta.get('tool')}) holds no ITDA dictionaries", field=field)
    kept = results["dictionaries"] if every_tau else results["dictionaries"][:1]
    sets = [load_dictionaries(run.dir / ATOMS_FILE.format(i=i), sources) for i, sources in enumerate(kept)]
    return run, results, sets
