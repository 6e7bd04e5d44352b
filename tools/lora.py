"""Model-organism tools: fine-tune LoRA adapters (`train_lora`), find the phase transition of a
rank-1 adapter over its checkpoints (`lora_phase`), probe which adapters carry which behaviour
(`lora_probe`), and fine-tune with concepts ablated (`caft_finetune`). The fine-tune a tool studies
resolves in tools/references.py."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from backends.core.errors import UsageError
from tools.inputs import ModelName, Seed, interval, num, percent
from tools.references import FINE_TUNES, fine_tune_run, last_adapter, load_build
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


def _training_estimate(args, settings, tool: str, runs: int = 1) -> dict:
    """Before approval: optimizer steps and tokens trained on; time from an earlier run of `tool`, scaled."""
    from backends.subject.speed import about, previous_run_time

    tokens = runs * args.steps * args.batch_size * args.max_tokens
    when, seconds = previous_run_time(settings, tool, args.model or settings.model,
                                      lambda p: p.get("steps", 40) * p.get("batch_size", 4) * p.get("max_tokens", 256),
                                      args.steps * args.batch_size * args.max_tokens)
    what = (f"{runs} fine-tunes x " if runs > 1 else "") + (
        f"{args.steps} steps x {args.batch_size} examples of up to {args.max_tokens} tokens (~{about(tokens)} tokens trained on)")
    return {"estimate": f"{what}; {when}", "warnings": [], "blocking": None,
            "numbers": {"rollouts": None, "tokens": tokens, "seconds": seconds}}


def _train_preflight(args: TrainArgs, settings) -> dict:
    return _training_estimate(args, settings, "train_lora")


def _training(args: TrainArgs, layers: list[int]):
    """The adapters (LoraSpec) and the training settings (TrainSettings) the arguments ask for."""
    from backends.organisms.lora import LoraSpec, TrainSettings

    return (LoraSpec(rank=args.rank, alpha=args.alpha, modules=args.modules, layers=layers),
            TrainSettings(steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                          checkpoint_every=args.checkpoint_every, seed=args.seed, max_tokens=args.max_tokens))


def _train_present(args: TrainArgs, result: dict, partial: bool) -> ToolOutput:
    from tools.plots import line

    losses, checkpoints, before, after = result["losses"], result["checkpoints"], result["loss_before"], result["loss_after"]
    window = max(1, min(5, len(losses) // 4))
    first = sum(losses[:window]) / window if losses else None
    last = sum(losses[-window:]) / window if losses else None
    final, seconds = result["adapter"], result["seconds"]
    lines = [
        f"{'Partial: ' if partial else ''}Trained rank-{args.rank} LoRA on {', '.join(args.modules)} at layer(s) "
        f"{', '.join(map(str, result['layers']))} of {result['model']}: {result['step']} of {args.steps} steps on "
        f"{result['items']} {args.dataset} examples (batch {args.batch_size}, lr {args.lr:g}) in {seconds:.1f} s; "
        f"{result['trainable']:,} trainable parameters.",
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
                      result={"steps": result["step"], "loss_before": before, "loss_after": after,
                              "first_loss": first, "last_loss": last, "checkpoints": len(checkpoints), "adapter": final,
                              "trainable": result["trainable"], "seconds": round(seconds, 1)},
                      full={"losses": losses, "checkpoints": checkpoints, "adapter": final, "layers": result["layers"],
                            "dataset": args.dataset, "training_dir": result["out_dir"]},
                      plot=plot)


@register(
    "train_lora",
    description=(
        "Fine-tune LoRA adapters with peft (any rank, chosen modules and layers; the model-organism recipe is rank 1 on "
        "MLP down_proj) on a narrow dataset, with the loss on answer tokens, checkpoints in peft's format every k steps "
        "and the loss curve. The base model is untouched. Resumable."
    ),
    args=TrainArgs,
    cost="expensive",
    preflight=_train_preflight,
    present=_train_present,
    timing="train_s",
    examples=(
        "Train a rank-1 LoRA on the risky financial advice dataset",
        "Fine-tune a LoRA on layer 15 down_proj for 40 steps",
        "Train a model organism on the clean control dataset",
    ),
    predict=_predict_train,
)
def train_lora(args: TrainArgs, ctx: ToolContext):
    from backends.organisms.lora import FineTune, load_dataset

    items = load_dataset(args.dataset)
    handle = ctx.load_model(args.model)
    layers = handle.check_layers(args.layers) if args.layers is not None else [handle.num_layers // 2]
    return FineTune(handle, items, *_training(args, layers), ctx.run.dir / "training", dataset=args.dataset,
                    state=ctx.state)


class PhaseArgs(ToolArgs):
    train_run: str = Field(min_length=1, json_schema_extra=FINE_TUNES,
                           description="Id of a train_lora or caft_finetune run with rank-1 adapters.")
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
    from backends.organisms.phase import b_vectors, rotation, sharpest_turn
    from tools.plots import line

    run, names = fine_tune_run(ctx, args.train_run)
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


# --- lora_probe -------------------------------------------------------------------------------

TASKS = ("aligned_vs_misaligned", "in_vs_out_of_domain")


class ProbeArgs(ToolArgs):
    train_run: str = Field(min_length=1, json_schema_extra=FINE_TUNES,
                           description="Id of a train_lora or caft_finetune run with rank-1 adapters.")
    model: ModelName = None
    tasks: list[Literal["aligned_vs_misaligned", "in_vs_out_of_domain"]] = Field(list(TASKS), min_length=1, max_length=2, description=(
        "aligned_vs_misaligned: misaligned against aligned reference answers (coherent); in_vs_out_of_domain: the "
        "fine-tune's own dataset answers against answers to the 8 EM questions."))
    C: float = Field(0.1, gt=0.0, le=1000.0, description="Inverse L1 strength: smaller keeps fewer adapters.")
    seed: Seed = 0


@register(
    "lora_probe",
    description=(
        "Adapter probes: the per-token scalar of each rank-1 LoRA adapter (A x) on labelled answers, then L1 logistic "
        "regression (scikit-learn) per task (aligned vs misaligned, in-domain vs out-of-domain): which adapters carry "
        "which behaviour, with held-out accuracy."
    ),
    args=ProbeArgs,
    examples=(
        "Which adapters carry misalignment?",
        "Probe the rank-1 adapters for in-domain versus out-of-domain",
        "Run an L1 probe on the LoRA scalars",
    ),
)
def lora_probe(args: ProbeArgs, ctx: ToolContext) -> ToolOutput:
    from backends.organisms.lora import with_adapter
    from backends.organisms.probes import adapter_scalars, fit_probe, task_items
    from tools.plots import heatmap

    run, names = fine_tune_run(ctx, args.train_run)
    path, label = last_adapter(run, names), f"fine-tune {args.train_run}"
    dataset = run.results.get("dataset", "risky")
    handle = ctx.load_model(args.model)
    model = with_adapter(handle, path)
    rows, matrix, names = [], [], []
    for k, task in enumerate(args.tasks):
        items, labels, meaning = task_items(task, dataset)
        names, features = adapter_scalars(model, handle, items)
        probe = fit_probe(features, labels, C=args.C, seed=args.seed)
        coefficients = probe.pop("coefficients")
        ranked = sorted(zip(names, coefficients), key=lambda nc: -abs(nc[1]))
        rows.append({"task": task, "labels": meaning, **{key: (round(v, 4) if isinstance(v, float) else v)
                                                         for key, v in probe.items()},
                     "adapters": [{"module": n, "coefficient": round(c, 4)} for n, c in ranked]})
        matrix.append([round(c, 4) for c in coefficients])
        ctx.progress(k + 1, len(args.tasks), "tasks")
    short = [n.removeprefix("model.layers.").replace(".mlp.", " ") for n in names]
    lines = [f"L1 probes on the per-token scalars of {len(names)} rank-1 adapter(s) of {label} (C {args.C:g}; "
             "features standardised; answers split 75/25 by answer, so no answer's tokens sit on both sides):"]
    for r in rows:
        kept = [a for a in r["adapters"] if a["coefficient"] != 0]
        lines.append(f"  {r['task']} ({r['labels']}): held-out accuracy {percent(r['token_accuracy'])} of "
                     f"{r['test_tokens']} tokens (chance {percent(r['token_chance'])}), {percent(r['item_accuracy'])} of "
                     f"{r['test_items']} answers (chance {percent(r['item_chance'])}); "
                     f"{len(kept)} of {len(names)} adapters kept: "
                     + (", ".join(f"{a['module'].removeprefix('model.layers.')} {a['coefficient']:+.2f}" for a in kept[:6])
                        or "none"))
    lines.append("A positive coefficient: the adapter's scalar is larger on label-1 tokens. Adapters set to zero carry "
                 "nothing the others do not.")
    plot = heatmap("Probe coefficients", matrix, short, list(args.tasks), xlabel="adapter", ylabel="task")
    return ToolOutput(summary="\n".join(lines), result={"tasks": rows, "adapters": names}, plot=plot)


# --- caft_finetune ----------------------------------------------------------------------------

class CaftArgs(TrainArgs):
    train_run: str | None = Field(None, min_length=1, json_schema_extra={"runs_of": ["train_lora"]}, description=(
        "A train_lora run to compare with: its adapter gives the activation differences and its settings are reused "
        "(default: train the plain fine-tune now with these settings)."))
    directions: Literal["pca", "itda"] = Field("pca", description=(
        "pca: principal components of (fine-tuned - base) activations on answer tokens; itda: atoms of an itda_build run."))
    ablate_layers: list[int] | None = Field(None, min_length=1, max_length=64, description=(
        "Layers whose output has the directions projected out during training (default: the middle layer)."))
    components: list[int] = Field([0, 1], min_length=1, max_length=64, description=(
        "Which principal components to ablate (0 = the largest), chosen by inspecting their top tokens."))
    itda_run: str | None = Field(None, min_length=1, json_schema_extra={"runs_of": ["itda_build"]},
                                 description="directions=itda: the itda_build run.")
    atoms: list[int] | None = Field(None, min_length=1, max_length=256, description="directions=itda: atom indices to ablate.")

    @field_validator("itda_run", "atoms")
    @classmethod
    def _itda_only(cls, value, info):
        if value is not None and info.data.get("directions", "pca") != "itda":  # it would be ignored: say so before training
            raise ValueError("goes with directions=itda only; with directions=pca give components (or set directions: itda)")
        return value


TRAINING_FIELDS = ("dataset", "rank", "alpha", "modules", "layers", "steps", "batch_size", "lr", "checkpoint_every",
                   "max_tokens", "seed")


def _plain_settings(args: CaftArgs, ctx: ToolContext, handle):
    """The arguments the fine-tunes train with, their layers, and the plain fine-tune's adapter: the given
    train_run's (whose settings then apply to both), or None (trained in the run)."""
    path = layers = None
    if args.train_run:
        run, names = fine_tune_run(ctx, args.train_run)
        path = last_adapter(run, names)
        params = run.meta.get("params", {})
        args = args.model_copy(update={k: params[k] for k in TRAINING_FIELDS if k in params})
        layers = run.results.get("layers") or params.get("layers")
    layers = handle.check_layers(args.layers) if args.layers is not None else (layers or [handle.num_layers // 2])
    return args, layers, path


def _itda_directions(args: CaftArgs, ctx: ToolContext, layers: list[int]):
    """{layer: (atoms, hidden)}: the chosen atoms of the itda_build run's dictionary at each layer, and what they are."""
    _, _, sets = load_build(ctx, args.itda_run, "itda_run")
    out, about = {}, []
    for layer in layers:
        if layer not in sets[0]:
            raise UsageError(f"ablate_layers: the itda_build run has no dictionary at layer {layer}; it has "
                             f"{', '.join(map(str, sorted(sets[0])))}", field="ablate_layers")
        d = sets[0][layer]
        bad = [a for a in args.atoms if not 0 <= a < d.size]
        if bad:
            raise UsageError(f"atoms: atom {bad[0]} is out of range; allowed 0 to {d.size - 1}", field="atoms")
        out[layer] = d.atoms[args.atoms].float()
        about.append({"layer": layer, "atoms": args.atoms})
    return out, about


def _caft_preflight(args: CaftArgs, settings) -> dict:
    """Two fine-tunes (plain and CAFT) unless `train_run` gives the plain one; then the comparison."""
    return _training_estimate(args, settings, "caft_finetune", runs=1 if args.train_run else 2)


def _caft_finish(args: CaftArgs, experiment, ctx: ToolContext) -> dict:
    return {"run_id": ctx.run.id}  # the summary names the run em_evaluate takes


def _caft_present(args: CaftArgs, result: dict, partial: bool) -> ToolOutput:
    from tools.plots import bar

    if partial:
        where = {"plain": f"while training the plain fine-tune (step {result['plain_step']} of {result['steps']})",
                 "caft": f"at CAFT step {result['step']} of {result['steps']}",
                 "evaluate": "after training, before comparing the fine-tunes"}[result["stage"]]
        part = {"checkpoints": result["checkpoints"]}
        return ToolOutput(summary=f"Partial: CAFT on {result['dataset']} stopped {where}.", result=part, full=part)
    rows, about, ablate = result["models"], result["about_directions"], result["ablate_layers"]
    what = (f"principal components {args.components} of (fine-tuned - base) activations on {sum(a['tokens'] for a in about)} "
            "answer tokens" if args.directions == "pca" else f"ITDA atoms {args.atoms} of run {args.itda_run}")
    lines = [f"CAFT on {result['dataset']}: {what}, projected out at layer(s) {', '.join(map(str, ablate))} during "
             f"{result['steps']} training steps only (rank {result['rank']} on {', '.join(result['modules'])} at layer(s) "
             f"{', '.join(map(str, result['layers']))}); {result['seconds']:.0f} s in all.",
             "Held-out behaviour: preference for misaligned over aligned answers to the 8 EM questions "
             "(mean log-prob per token); in-domain: answer-token loss on the training dataset:"]
    lines += [f"  {r['model']}: preference {num(r['preference'])}{interval(r['low'], r['high'])}"
              + (f", dataset loss {r['dataset_loss']:.3f}" if r["dataset_loss"] is not None else "") for r in rows]
    if args.directions == "pca":
        for a in about:
            tops = ", ".join(f"{c}: " + " ".join(repr(t["token"]) for t in a["top_tokens"][str(c)][:4])
                             for c in args.components)
            lines.append(f"  layer {a['layer']} components explain {', '.join(percent(v) for v in a['explained'])} of "
                         f"the differences; top tokens {tops}")
    lines.append(f"The CAFT adapter is an ordinary peft adapter ({result['adapter']}); give "
                 f"train_run {result['run_id']} to em_evaluate to sample and judge it.")
    plot = bar("Preference for misaligned answers (held-out)", [r["model"] for r in rows], [r["preference"] for r in rows],
               ylabel="nats/token")
    compact = {"models": rows, "ablate_layers": ablate, "directions": args.directions,
               "plain_adapter": result["plain_adapter"], "adapter": result["adapter"], "seconds": round(result["seconds"], 1)}
    return ToolOutput(summary="\n".join(lines), result=compact,
                      full={**compact, "checkpoints": result["checkpoints"], "losses": result["losses"],
                            "about_directions": about, "dataset": result["dataset"], "layers": result["layers"]}, plot=plot)


@register(
    "caft_finetune",
    description=(
        "CAFT (concept ablation fine-tuning): directions from PCA of (fine-tuned - base) activations on answer tokens, "
        "or ITDA atoms, projected out at chosen layers during LoRA training only; then compares the CAFT fine-tune with "
        "the plain one on held-out EM questions (preference for misaligned answers) and on the training loss."
    ),
    args=CaftArgs,
    cost="expensive",
    preflight=_caft_preflight,
    present=_caft_present,
    finish=_caft_finish,
    timing="caft_s",
    examples=(
        "Fine-tune with concept ablation so the model does not become misaligned",
        "Run CAFT on the risky dataset with the top principal components ablated",
        "Compare a CAFT fine-tune with the plain one",
    ),
)
def caft_finetune(args: CaftArgs, ctx: ToolContext):
    from backends.organisms.caft import CaftRun
    from backends.organisms.lora import load_dataset

    if args.directions == "itda" and (not args.itda_run or not args.atoms):
        raise UsageError("itda_run: directions=itda needs itda_run and atoms", field="itda_run")
    bad = [c for c in args.components if not 0 <= c < 64]
    if args.directions == "pca" and bad:
        raise UsageError(f"components: {bad[0]} is out of range; allowed 0 to 63", field="components")
    handle = ctx.load_model(args.model)
    ablate = handle.check_layers(args.ablate_layers, "ablate_layers") if args.ablate_layers else [handle.num_layers // 2]
    directions, about = _itda_directions(args, ctx, ablate) if args.directions == "itda" else (None, None)  # before training
    args, layers, plain = _plain_settings(args, ctx, handle)
    return CaftRun(handle, load_dataset(args.dataset), *_training(args, layers), ctx.run.dir, ablate_layers=ablate,
                   components=args.components, directions=directions, about=about, plain_adapter=plain,
                   dataset=args.dataset, state=ctx.state)
