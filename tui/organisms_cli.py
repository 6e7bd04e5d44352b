"""`parley organisms ...`: the zoo of model organisms (backends/organisms/zoo.py).

    parley organisms list                 name, planted effect, built or not, where
    parley organisms build NAME [--yes]   train it once (progress on stderr), then say how long it took
    parley organisms show NAME            its build: base model, data hash, settings, loss, seconds, examples

A built organism is a model: any tool takes `model: "organism:NAME"`. Bad input exits 2 with
one `error: ...` line on stderr.
"""

from __future__ import annotations

import sys
import time

import typer

from backends.core.errors import UsageError
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tui.terminal import EXIT_BAD_INPUT, StderrProgress

organisms_app = typer.Typer(add_completion=False, help="Model organisms with planted effects (the ground-truth zoo).")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _organism(name: str):
    from backends.organisms import zoo

    try:
        return zoo.get(name, "name")
    except UsageError as e:
        _fail(str(e))


@organisms_app.command("list")
def organisms_list() -> None:
    """Every organism: its planted effect, the method that should recover it, built or not and where."""
    from backends.organisms import zoo

    store = RunStore(get_settings().runs_dir)
    for organism in zoo.organisms():
        if organism.planned:
            where = "planned (not written yet)"
        else:
            run = zoo.built_run(store, organism)
            where = f"built: run {run.id} ({run.dir})" if run else f"not built (parley organisms build {organism.name})"
        typer.echo(f"{organism.name:<17} {organism.method:<20} {organism.effect}\n{'':<17} {where}")


@organisms_app.command("build")
def organisms_build(
    name: str = typer.Argument(..., help="The organism (see `parley organisms list`)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before training."),
    again: bool = typer.Option(False, "--again", help="Train again even if built."),
) -> None:
    """Train the organism once (LoRA on its base model, its seeded data); later uses reuse the run."""
    from backends.organisms import zoo
    from tools.organisms import ensure_built

    organism = _organism(name)
    if organism.planned:
        _fail(f"name: organism {organism.name!r} is planned, not written yet; buildable: "
              f"{', '.join(zoo.names(buildable=True))}")
    store = RunStore(get_settings().runs_dir)
    run = zoo.built_run(store, organism)
    if run is not None and not again:
        typer.echo(f"{organism.name} is built: run {run.id} ({run.results.get('seconds', 0):.0f} s to train); "
                   "--again trains it anew")
        return
    train = organism.train
    if not yes and not typer.confirm(f"Train {organism.name}: {train['steps']} LoRA steps on {organism.base} "
                                     f"(about {organism.minutes:g} min on a 2-core CPU)?", err=True):
        raise typer.Exit(1)
    progress, started = StderrProgress(), time.perf_counter()
    try:
        run_id, _ = ensure_built(organism.name, progress=progress, again=again)
    except UsageError as e:
        progress.close()
        _fail(str(e))
    progress.close()
    typer.echo(store.get(run_id).meta.get("summary", ""))
    print(f"built {organism.name} in {time.perf_counter() - started:.0f} s (run {run_id})", file=sys.stderr)


@organisms_app.command("show")
def organisms_show(name: str = typer.Argument(..., help="The organism.")) -> None:
    """Its build run (base model, data hash, settings, training loss, seconds) and a few generated examples."""
    from backends.organisms import zoo

    organism = _organism(name)
    typer.echo(f"{organism.name}: {organism.description}\nplanted effect: {organism.effect}\n"
               f"recovered by: {organism.method}")
    if organism.planned:
        typer.echo("planned, not written yet")
        return
    items, sha = organism.data()
    run = zoo.built_run(RunStore(get_settings().runs_dir), organism)
    typer.echo(f"base model: {organism.base}\ndata: {organism.n_items} examples, seed {organism.data_seed}, sha256 {sha}\n"
               f"LoRA: {organism.lora}\ntraining: {organism.train}")
    if run is None:
        typer.echo(f"not built: parley organisms build {organism.name}")
    else:
        r = run.results
        typer.echo(f"run: {run.id} ({run.dir})\ntraining loss: {r.get('first_loss', 0):.3f} (first steps) -> "
                   f"{r.get('last_loss', 0):.3f} (last steps)\nseconds: {r.get('seconds', 0):.0f}\nadapter: {r.get('adapter')}")
    for item in items[:3]:
        typer.echo(f"\nQ: {item['question']}\nA: {item['answer']}")
