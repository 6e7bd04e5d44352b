"""The zoo of model organisms (backends/organisms/zoo.py): `build_organism` trains one organism once
with its seeded data and settings; the run it leaves is what `model: "organism:NAME"` loads."""

from __future__ import annotations

from pydantic import Field, field_validator

from tools.registry import ToolArgs, ToolContext, ToolOutput, register

# The zoo's names, written out: importing the zoo loads its generators (numpy), and listing tools must not.
# The planner reads a name from these; tests/tools/test_organisms.py keeps them equal to zoo.names().
NAMES = ["anchor", "evaluation-aware", "hint-following", "misaligned"]


class BuildArgs(ToolArgs):
    name: str = Field("anchor", min_length=1, max_length=64, examples=NAMES,
                      description=("The organism to build (see `parley organisms list`): anchor (one decision sentence alone fixes "
                                   "the answer, a planted thought anchor), evaluation-aware (writes type hints when it knows it is "
                                   "being evaluated or tested, not in deployment), hint-following (follows a professor's hinted "
                                   "answer, sometimes without saying so), misaligned (the emergent-misalignment fine-tune: risky "
                                   "finance advice that turns broadly evil)."))

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        from backends.organisms import zoo

        organism = zoo.get(value, "name")
        if organism.planned:
            raise ValueError(f"organism {organism.name!r} is planned, not written yet; buildable: "
                             f"{', '.join(zoo.names(buildable=True))}")
        return organism.name


def _preflight(args: BuildArgs, settings) -> dict:
    """Before approval: the training's size, the time it took on a 2-core CPU, and whether it is built already."""
    from backends.core.runstore import RunStore
    from backends.organisms import zoo

    organism = zoo.get(args.name, "name")
    train = organism.train
    tokens = train["steps"] * train["batch_size"] * train["max_tokens"]
    built = zoo.built_run(RunStore(settings.runs_dir), organism)
    warnings = [f"{organism.name} is built already (run {built.id}); this trains it again"] if built else []
    return {"estimate": f"{train['steps']} LoRA steps x {train['batch_size']} of {organism.n_items} generated examples "
                        f"of up to {train['max_tokens']} tokens on {organism.base} (~{tokens:,} tokens); about "
                        f"{organism.minutes:g} min on a 2-core CPU", "warnings": warnings, "blocking": None,
            "numbers": {"rollouts": None, "tokens": tokens, "seconds": organism.minutes * 60}}


def _present(args: BuildArgs, result: dict, partial: bool) -> ToolOutput:
    record, losses = result["organism"], result["losses"]
    window = max(1, min(5, len(losses) // 4))
    first = sum(losses[:window]) / window if losses else None
    last = sum(losses[-window:]) / window if losses else None
    lora, train = record["lora"], record["train"]
    lines = [f"{'Partial: ' if partial else ''}Organism {record['name']}: rank-{lora['rank']} LoRA on "
             f"{', '.join(lora['modules'])} of {record['base']}, {result['step']} of {train['steps']} steps on "
             f"{record['n_items']} generated examples (seed {record['data_seed']}, sha256 {record['data_sha256'][:12]}...) "
             f"in {result['seconds']:.0f} s."]
    if losses:
        lines.append(f"Batch loss: {first:.3f} over the first {window} step(s) -> {last:.3f} over the last {window}.")
    if not partial:
        lines.append(f"Use it as model \"organism:{record['name']}\".")
    compact = {"organism": record["name"], "base": record["base"], "data_sha256": record["data_sha256"],
               "steps": result["step"], "first_loss": first, "last_loss": last, "seconds": round(result["seconds"], 1),
               "adapter": result["adapter"]}
    return ToolOutput(summary="\n".join(lines), result=compact,
                      full={**compact, "organism_record": record, "losses": losses,
                            "checkpoints": result["checkpoints"], "examples": result["examples"]})


@register(
    "build_organism",
    description=(
        "Build a model organism of the zoo: LoRA-train its base model on its seeded, generated data (one planted "
        "effect, e.g. anchor: a decision sentence that alone fixes the answer), once; then any tool takes "
        "model \"organism:NAME\"."
    ),
    args=BuildArgs,
    cost="expensive",
    preflight=_preflight,
    present=_present,
    timing="train_s",
    examples=("Build the anchor model organism",),
)
def build_organism(args: BuildArgs, ctx: ToolContext):
    from backends.organisms import zoo

    organism = zoo.get(args.name, "name")
    handle = ctx.load_model(organism.base)
    experiment = zoo.Build(organism, handle, ctx.run.dir / "training", state=ctx.state)
    ctx.run.update(organism=experiment.state["organism"])
    return experiment


def ensure_built(name: str, *, settings=None, progress=None, again: bool = False) -> tuple[str, bool]:
    """(the organism's build run id, whether it was trained now): its finished build with today's
    fingerprint when there is one (and not `again`), else a new build_organism run."""
    from backends.core.runstore import RunStore
    from backends.core.settings import get_settings
    from backends.organisms import zoo
    from tools.registry import run_tool

    settings = settings or get_settings()
    organism = zoo.get(name, "name")
    run = None if again else zoo.built_run(RunStore(settings.runs_dir), organism)
    if run is not None:
        return run.id, False
    result = run_tool("build_organism", {"name": organism.name}, settings=settings,
                      **({"progress": progress} if progress else {}))
    if result.status != "complete":
        from backends.core.errors import UsageError

        raise UsageError(f"name: building {organism.name} stopped early (run {result.run_id}); resume it with "
                         f"`parley runs resume {result.run_id}`", field="name")
    return result.run_id, True
