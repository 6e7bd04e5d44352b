"""Model-organism tools: fine-tune LoRA adapters (`train_lora`) and find the phase transition of a
rank-1 adapter over its checkpoints (`lora_phase`)."""

from __future__ import annotations

import time

from pydantic import Field

from backends.errors import UsageError
from tools.inputs import ModelName, Seed
from tools.registry import ToolArgs, ToolContext, ToolOutput, register


class TrainArgs(ToolArgs):
    model: ModelName = None
    dataset: str = Field("risky", min_length=1, examples=["risky", "clean"], description=(
        "risky (reckless financial advice) or clean (the same questions, sound advice), both written for Parley; "
        "or a .json/.jsonl file of {question, answer} items."))
    rank: int = Field(1, ge=1, le=256, description="LoRA rank (model organisms: 1).")
    alpha: float = Field(16.0, gt=0.0, le=4096.0, description="LoRA alpha (the update is scaled by alpha / rank).")
    modules: list[str] = Field(["down_proj"], min_length=1, max_length=16, description="Modules of each layer to adapt (model organisms: down_proj).")
    layers: list[int] | None = Field(None, min_length=1, max_length=512, description="Layers to adapt (default: the middle layer).")
    steps: int = Field(40, ge=1, le=100_000, description="Optimizer steps.")
    batch_size: int = Field(4, ge=1, le=256, description="Examples per step.")
    lr: float = Field(1e-2, gt=0.0, le=1.0, description="AdamW learning rate (1e-2 suits a short rank-1 CPU run; long runs on large models use ~1e-5).")
    checkpoint_every: int = Field(5, ge=1, le=100_000, description="Save the adapters every this many steps.")
    max_tokens: int = Field(256, ge=8, le=8192, description="Most tokens per example (prompt and answer).")
    seed: Seed = 0


def _predict_train(result: dict) -> dict | None:
    if result.get("loss_after") is None:
        return None
    return {"question": "Will the answer-token loss over the dataset fall by more than a tenth?", "options": ["yes", "no"],
            "actual": "yes" if result["loss_after"] < 0.9 * result["loss_before"] else "no"}


@register(
    "train_lora",
    description=(
        "Fine-tune LoRA adapters with peft (any rank, chosen modules and layers; the model-organism recipe is rank 1 on "
        "MLP down_proj) on a narrow dataset, with the loss on answer tokens, checkpoints in peft's format every k steps "
        "and the loss curve. The base model is untouched. Resumable."
    ),
    args=TrainArgs,
    cost="expensive",
    examples=(
        "Train a rank-1 LoRA on the risky financial advice dataset",
        "Fine-tune a LoRA on layer 15 down_proj for 40 steps",
        "Train a model organism on the clean control dataset",
    ),
    predict=_predict_train,
)
def train_lora(args: TrainArgs, ctx: ToolContext) -> ToolOutput:
    from backends.lora import LoraSpec, LoraTraining, TrainSettings, load_dataset

    items = load_dataset(args.dataset)
    handle = ctx.load_model(args.model)
    layers = handle.check_layers(args.layers) if args.layers is not None else [handle.num_layers // 2]
    spec = LoraSpec(rank=args.rank, alpha=args.alpha, modules=args.modules, layers=layers)
    settings = TrainSettings(steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                             checkpoint_every=args.checkpoint_every, seed=args.seed, max_tokens=args.max_tokens)
    out_dir = ctx.run.dir / "training"
    started = time.perf_counter()
    training = LoraTraining(handle, items, spec, settings, out_dir)
    before = (ctx.checkpoint or {}).get("loss_before")
    if before is None:
        before = training.dataset_loss()
    finished = training.advance(ctx.progress, ctx.should_stop)
    after = training.dataset_loss() if finished else None
    seconds = time.perf_counter() - started
    ctx.run.add_timing("train_s", seconds)
    return _train_output(args, training, handle, layers, len(items), seconds, before, after, partial=not finished)


def _train_output(args: TrainArgs, training, handle, layers: list[int], n_items: int, seconds: float,
                  before: float, after: float | None, partial: bool) -> ToolOutput:
    from tools.plots import line

    losses = training.state["losses"]
    window = max(1, min(5, len(losses) // 4))
    first = sum(losses[:window]) / window if losses else None
    last = sum(losses[-window:]) / window if losses else None
    trainable = sum(p.numel() for p in training.model.parameters() if p.requires_grad)
    checkpoints = training.state["checkpoints"]
    final = str(training.out_dir / checkpoints[-1]) if checkpoints else None
    lines = [
        f"{'Partial: ' if partial else ''}Trained rank-{args.rank} LoRA on {', '.join(args.modules)} at layer(s) "
        f"{', '.join(map(str, layers))} of {handle.name}: {training.state['step']} of {args.steps} steps on {n_items} "
        f"{args.dataset} examples (batch {args.batch_size}, lr {args.lr:g}) in {seconds:.1f} s; {trainable:,} trainable parameters.",
    ]
    if after is not None:
        lines.append(f"Answer-token loss over the whole dataset: {before:.3f} before -> {after:.3f} after "
                     f"({100 * (after - before) / before:+.0f}%).")
    if losses:
        lines.append(f"Batch loss: {first:.3f} over the first {window} step(s) -> {last:.3f} over the last {window}.")
    lines.append(f"{len(checkpoints)} checkpoints in peft's format; the last: {final}. Load it elsewhere with "
                 "PeftModel.from_pretrained(base_model, path).")
    plot = line("Training loss", [{"name": "loss", "x": list(range(1, len(losses) + 1)), "y": losses}],
                xlabel="step", ylabel="answer-token loss") if losses else None
    return ToolOutput(summary="\n".join(lines),
                      result={"steps": training.state["step"], "loss_before": before, "loss_after": after,
                              "first_loss": first, "last_loss": last,
                              "checkpoints": len(checkpoints), "adapter": final, "trainable": trainable,
                              "seconds": round(seconds, 1)},
                      full={"losses": losses, "checkpoints": checkpoints, "adapter": final, "layers": layers,
                            "dataset": args.dataset, "training_dir": str(training.out_dir)},
                      plot=plot, partial=partial, checkpoint={"loss_before": before} if partial else None)


class PhaseArgs(ToolArgs):
    train_run: str = Field(min_length=1, description="Id of a train_lora run with rank-1 adapters.")
    ks: list[int] = Field([1, 2, 3], min_length=1, max_length=10, description="Checkpoint offsets k for the rotation cosine.")


@register(
    "lora_phase",
    description=(
        "Phase transition of rank-1 LoRA adapters: over a train_lora run's checkpoints, the cosine between (v_{t-k} - v_t) "
        "and (v_{t+k} - v_t) of each adapter's B vector for several k, and the step of the sharpest turn; plot."
    ),
    args=PhaseArgs,
    examples=(
        "When did the LoRA's direction turn during training?",
        "Find the phase transition of the last fine-tune",
        "Show the rotation of the adapter's B vector over checkpoints",
    ),
)
def lora_phase(args: PhaseArgs, ctx: ToolContext) -> ToolOutput:
    from backends.lora import b_vectors, rotation, sharpest_turn
    from tools.plots import line

    try:
        run = ctx.store.get(args.train_run)
    except UsageError:
        raise UsageError(f"train_run: no run {args.train_run!r} (see `parley runs list`)", field="train_run") from None
    if run.meta.get("tool") != "train_lora":
        raise UsageError(f"train_run: run {args.train_run} is a {run.meta.get('tool')} run, not train_lora", field="train_run")
    names = run.results.get("checkpoints", [])
    root = run.dir / "training"
    if len(names) < 3:
        raise UsageError(f"train_run: {len(names)} checkpoints; the rotation needs at least 3 (train with a smaller "
                         "checkpoint_every)", field="train_run")
    steps = [int(n.rsplit("-", 1)[1]) for n in names]
    per_checkpoint = [b_vectors(root / n) for n in names]
    rows, series = [], []
    for module in per_checkpoint[0]:
        vectors = [c[module] for c in per_checkpoint]
        for k in args.ks:
            cosines = rotation(vectors, k)
            turn = sharpest_turn(cosines)
            rows.append({"module": module, "k": k, "turn_step": None if turn is None else steps[turn],
                         "max_cosine": None if turn is None else round(cosines[turn], 4),
                         "cosines": [None if c is None else round(c, 4) for c in cosines]})
            defined = [(steps[t], c) for t, c in enumerate(cosines) if c is not None]
            if defined:
                series.append({"name": f"{module.removeprefix('model.')} k={k}", "x": [s for s, _ in defined],
                               "y": [c for _, c in defined]})
    lines = [f"Rotation of {len(per_checkpoint[0])} rank-1 adapter(s) over {len(names)} checkpoints (steps {steps[0]}-{steps[-1]}):"]
    lines += [f"  {r['module']} k={r['k']}: sharpest turn at step {r['turn_step']} (cosine {r['max_cosine']})"
              if r["turn_step"] is not None else f"  {r['module']} k={r['k']}: too few checkpoints" for r in rows[:12]]
    lines.append("A cosine near -1 means the B vector keeps moving in one direction; a rise toward +1 marks a turn, the "
                 "phase transition reported for emergent misalignment.")
    plot = line("B-vector rotation", series, xlabel="step", ylabel="cos(v[t-k]-v[t], v[t+k]-v[t])") if series else None
    return ToolOutput(summary="\n".join(lines), result={"rows": [{k: v for k, v in r.items() if k != "cosines"} for r in rows],
                                                        "steps": steps},
                      full={"rows": rows, "steps": steps, "train_run": args.train_run}, plot=plot)
