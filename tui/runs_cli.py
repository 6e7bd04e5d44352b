"""`parley runs ...`: the runs saved in the run store.

    parley runs list [--tool NAME] [--limit N] [--json]   the newest runs first
    parley runs show ID [--json]                          one run, its chain of thought whole
    parley runs resume ID                                 go on with a partial run; the tool's JSON

Bad input exits 2 with one `error: ...` line on stderr (`resume`: the tool's JSON).
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from backends.core.errors import UsageError
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tui.logs_cli import check_id
from tui.terminal import EXIT_BAD_INPUT
from tui.tools_cli import run_and_print

runs_app = typer.Typer(add_completion=False, help="Runs saved in the run store.")


@runs_app.command("resume")
def runs_resume(run_id: str = typer.Argument(..., help="A partial run's id.")) -> None:
    """Go on with a partial run, keeping what it finished; prints the tool's JSON."""
    run_and_print(name=None, args=None, resume=run_id)


@runs_app.command("list")
def runs_list(
    tool: Optional[str] = typer.Option(None, "--tool", help="Only runs of this tool."),
    limit: int = typer.Option(20, "--limit", min=1, help="Most runs to show."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The newest runs first: id, status, tool, summary's first line."""
    runs = RunStore(get_settings().runs_dir).list(tool=tool, limit=limit)
    if as_json:
        typer.echo(json.dumps([_row(r) for r in runs], indent=1))
        return
    if not runs:
        typer.echo("no runs yet")
    for r in runs:
        row = _row(r)
        typer.echo(f"{row['id']}  {row['status']:<8}  {(row['summary'] or '').splitlines()[0] if row['summary'] else ''}")


def _row(run) -> dict:
    return {"id": run.id, "tool": run.meta["tool"], "status": run.status, "created": run.meta["created"],
            "summary": run.meta.get("summary", "")}


@runs_app.command("show")
def runs_show(run_id: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One run: parameters, model, versions, timings, summary and results."""
    try:
        run = RunStore(get_settings().runs_dir).get(check_id("run_id", run_id))
    except UsageError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    meta = dict(run.meta, status=run.status)
    if as_json:
        typer.echo(json.dumps({"run": meta, "results": run.results}, indent=1, ensure_ascii=False))
        return
    typer.echo(f"{run.id}  [{meta['status']}]  tool={meta['tool']}  created={meta['created']}")
    typer.echo(f"params: {json.dumps(meta['params'], ensure_ascii=False)}")
    if meta.get("model"):
        m = meta["model"]
        typer.echo(f"model: {m['name']} ({m['revision']}; {m['device']}, {m['dtype']})")
    timings = {k: v for k, v in meta["timings"].items() if k != "started_unix"}
    typer.echo(f"timings: {json.dumps(timings)}")
    typer.echo(f"versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}")
    if meta.get("error"):
        typer.echo(f"error: {meta['error']}")
    typer.echo(f"\n{meta.get('summary', '')}")
    for line in chain_lines(run.results if isinstance(run.results, dict) else {}):
        typer.echo(line)
    typer.echo(f"\nfull results: {run.dir / 'results.json'}")


def chain_lines(results: dict) -> list[str]:
    """The chain of thought a run holds, whole (generate_cot keeps `cot`, split_sentences
    `text`), then its sentences numbered, each complete. Nothing for other runs."""
    lines: list[str] = []
    chain = results.get("cot") if isinstance(results.get("cot"), str) else results.get("text")
    if isinstance(chain, str) and chain:
        lines += ["", f"chain of thought ({len(chain)} characters):", chain]
    sentences = results.get("sentences")
    if isinstance(sentences, list) and sentences:
        lines += ["", f"sentences ({len(sentences)}):"]
        for n, sentence in enumerate(sentences):
            index = sentence.get("index", n) if isinstance(sentence, dict) else n
            text = sentence.get("text", "") if isinstance(sentence, dict) else str(sentence)
            first, *rest = str(text).split("\n") or [""]
            prefix = f"  [{index}] "
            lines += [prefix + first, *(" " * len(prefix) + line for line in rest)]
    return lines
