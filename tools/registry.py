"""The tool registry: one thin, typed tool per capability.

A tool declares its name, description, a pydantic args model with bounds, a cost
class (`cheap` | `expensive`: expensive ones ask the user first), example requests
(the offline planner routes by them), and either

- an experiment: `start(args, ctx) -> Experiment` (backends/core/experiment.py) and
  `present(args, result, partial) -> ToolOutput` (summary, compact result, plot spec),
  for methods that run in steps; or
- a one-step function `fn(args, ctx) -> ToolOutput`, for what finishes at once.

`run_tool` validates the arguments, opens a run in the run store and runs the tool; for an
experiment, `drive` is the one loop that advances it, saves its state and a partial result at
each checkpoint, keeps what finished when stopped, and resumes it from the saved state. It
returns a compact `ToolResult`: summary, small result JSON, run id, optional plot spec.

Importing this module must not import torch: `parley tools` lists tools from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, ValidationError

from backends.core.errors import UsageError
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.runstore import RunStore
from backends.core.settings import Settings, get_settings
from tools.context import ToolContext
from tools.support import check as supported

Cost = Literal["cheap", "expensive"]


class ToolArgs(BaseModel):
    """Base of every tool's arguments: unknown arguments are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class ToolOutput:
    summary: str  # a few lines with the key numbers
    result: dict  # small JSON: top rows, not megabytes
    full: dict | None = None  # everything, kept in the run store (defaults to `result`)
    plot: dict | None = None  # a spec the TUI can draw
    partial: bool = False  # stopped midway; `checkpoint` says how to go on
    checkpoint: dict | None = None


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[ToolArgs]
    fn: Callable[[Any, ToolContext], Any]  # one-step: -> ToolOutput; with `present`: start -> Experiment
    cost: Cost = "cheap"
    examples: tuple[str, ...] = ()
    # For predict-then-reveal: from the compact result, a question to ask before showing
    # it, its options, and the actual answer ({"question", "options", "actual"}).
    predict: Callable[[dict], dict | None] | None = None
    # For expensive tools: a cheap look before approval (no model weights), `preflight(args, settings)`
    # -> {"estimate": one line, "warnings": [...], "blocking": one line or None, "numbers": {...}}.
    preflight: Callable[[Any, Settings], dict] | None = None
    # An experiment tool: `present(args, result, partial) -> ToolOutput` from `Experiment.result()`,
    # and optionally `finish(args, experiment, ctx) -> dict` (what a finished run writes, e.g. exports;
    # merged into the result).
    present: Callable[[Any, dict, bool], ToolOutput] | None = None
    finish: Callable[[Any, Any, "ToolContext"], dict] | None = None
    # The run timing (e.g. "generate_s") a finished experiment's `state["seconds"]` is recorded as:
    # the seconds it spent advancing, summed over stops and resumes.
    timing: str | None = None

    def schema(self) -> dict:
        return self.args.model_json_schema()

    def describe(self) -> dict:
        return {
            "name": self.name,
            "cost": self.cost,
            "description": self.description,
            "schema": self.schema(),
            "examples": list(self.examples),
        }


@dataclass
class ToolResult:
    tool: str
    run_id: str
    summary: str
    result: dict
    status: str = "complete"
    plot: dict | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {"ok": True, "tool": self.tool, "run_id": self.run_id, "status": self.status,
               "summary": self.summary, "result": self.result}
        if self.plot is not None:
            out["plot"] = self.plot
        return out


REGISTRY: dict[str, Tool] = {}


def register(
    name: str,
    *,
    description: str,
    args: type[ToolArgs],
    cost: Cost = "cheap",
    examples: tuple[str, ...] = (),
    predict: Callable[[dict], dict | None] | None = None,
    preflight: Callable[[Any, Settings], dict] | None = None,
    present: Callable[[Any, dict, bool], ToolOutput] | None = None,
    finish: Callable[[Any, Any, ToolContext], dict] | None = None,
    timing: str | None = None,
) -> Callable:
    """Decorator: register `fn(args, ctx) -> ToolOutput` as a tool, or, with `present`,
    `start(args, ctx) -> Experiment` as an experiment tool the driver runs."""

    def wrap(fn: Callable[[Any, ToolContext], Any]) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"tool {name!r} registered twice")
        REGISTRY[name] = Tool(name, description.strip(), args, fn, cost, tuple(examples), predict, preflight,
                              present, finish, timing)
        return fn

    return wrap


def get_tool(name: str) -> Tool:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UsageError(f"tool: unknown tool {name!r}; available: {', '.join(sorted(REGISTRY))}", field="tool") from None


def parse_args(tool: Tool, raw: dict | str | None) -> ToolArgs:
    """Validate raw arguments (a dict or a JSON string) into the tool's args model.

    Every failure is a `UsageError` with one line naming the field and what is allowed.
    """
    if raw is None or raw == "":
        raw = {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as e:
            raise UsageError(f"args: malformed JSON ({e.msg} at line {e.lineno} column {e.colno})", field="args") from None
        except RecursionError:
            raise UsageError("args: nested too deep", field="args") from None
    if not isinstance(raw, dict):
        raise UsageError(f"args: expected a JSON object of arguments, got {type(raw).__name__}", field="args")
    try:
        parsed = tool.args.model_validate(raw)
    except ValidationError as e:
        raise UsageError(describe_validation_error(tool.args, e), field=_short_field(_loc(e.errors()[0]))) from None
    except RecursionError:
        raise UsageError("args: nested too deep", field="args") from None
    check_names(parsed.model_dump(mode="json"))
    return parsed


def check_names(args: dict) -> None:
    """Run ids and model names of at most 255 characters, and file arguments that resolve (tools/paths.py):
    a one-line UsageError naming the argument, which never echoes a long value."""
    from tools.paths import MAX_NAME, check_length, file_args

    for name, value in args.items():
        if name == "model" or name.endswith(("_run", "_runs")):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    check_length(name, item, MAX_NAME)
    file_args(args)


def side_effects(name: str, raw_args: dict | str | ToolArgs | None, settings: Settings | None = None) -> list[str]:
    """Why an agent's call of even a cheap tool asks first, one line each: files outside the data dir
    (tools/paths.py), and a long run (more new tokens than `settings.approve_tokens_over`)."""
    from tools.paths import outside

    settings = settings or get_settings()
    tool = get_tool(name)
    parsed = raw_args if isinstance(raw_args, tool.args) else parse_args(tool, raw_args)
    args = parsed.model_dump(mode="json")
    reasons = outside(args, settings)
    budget = settings.approve_tokens_over
    for field, value in args.items():
        if field.endswith("new_tokens") and isinstance(value, int) and value > budget:
            reasons.append(f"runs long: {field} {value} is over the {budget} tokens a call may take unasked "
                           "(setting approve_tokens_over)")
    return reasons


def preflight(name: str, raw_args: dict | str | ToolArgs | None, settings: Settings | None = None) -> dict | None:
    """What a call would cost and whether it can succeed, before anyone approves it.

    Validates the arguments (a `UsageError` when they are bad) and asks the tool's own check;
    None for a tool without one. Cheap by contract: no model weights load, nothing runs.
    Returns {"estimate": str, "warnings": [str], "blocking": str | None,
    "numbers": {"rollouts": int | None, "tokens": int | None, "seconds": float | None}}."""
    tool = get_tool(name)
    if tool.preflight is None:
        return None
    parsed = raw_args if isinstance(raw_args, tool.args) else parse_args(tool, raw_args)
    found = tool.preflight(parsed, settings or get_settings()) or {}
    numbers = {"rollouts": None, "tokens": None, "seconds": None} | dict(found.get("numbers") or {})
    return {"estimate": str(found.get("estimate") or ""), "warnings": [str(w) for w in found.get("warnings") or []],
            "blocking": found.get("blocking") or None, "numbers": numbers}


def _loc(error: dict) -> str:
    return ".".join(str(p) for p in error["loc"]) or "args"


def _short_field(name: str) -> str:
    """An argument's name as said in an error: an unknown one can be any length."""
    return name if len(name) <= 60 else name[:57] + "..."


_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _allowed_range(model: type[BaseModel], name: str) -> str | None:
    info = model.model_fields.get(name)
    if info is None:
        return None
    low = high = None
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            low = f">= {m.ge}"
        elif isinstance(m, annotated_types.Gt):
            low = f"> {m.gt}"
        elif isinstance(m, annotated_types.Le):
            high = f"<= {m.le}"
        elif isinstance(m, annotated_types.Lt):
            high = f"< {m.lt}"
    parts = [p for p in (low, high) if p]
    return " and ".join(parts) if parts else None


def describe_validation_error(model: type[BaseModel], error: ValidationError) -> str:
    """One line for the first problem; the count of any others."""
    errors = error.errors()
    first = errors[0]
    name = _short_field(_loc(first))
    kind = first["type"]
    got = first.get("input")
    if kind == "missing":
        line = f"{name}: required argument is missing"
    elif kind == "extra_forbidden":
        line = f"{name}: unknown argument; allowed: {', '.join(model.model_fields)}"
    elif kind in _RANGE_ERRORS:
        allowed = _allowed_range(model, name) or first["msg"].removeprefix("Input should be ")
        line = f"{name}: {got!r} is out of range; allowed {allowed}"
    else:
        msg = first["msg"].removeprefix("Value error, ")
        line = f"{name}: {msg}" + (f" (got {_short(got)})" if name != "args" and kind != "value_error" else "")
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return line.replace("\n", " ")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def run_tool(
    name: str,
    args: dict | str | ToolArgs | None = None,
    *,
    settings: Settings | None = None,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
    resume: str | None = None,
) -> ToolResult:
    """Validate, run, save. `resume` continues a partial run with its stored arguments."""
    settings = settings or get_settings()
    store = RunStore(settings.runs_dir)
    if resume is not None:
        from tools.paths import MAX_NAME, check_length

        if not resume.strip():
            raise UsageError("run_id: give the id of a partial run (see `parley runs list`)", field="run_id")
        run = store.get(check_length("run_id", resume, MAX_NAME))
        tool = get_tool(run.meta["tool"])
        parsed = parse_args(tool, run.meta["params"])
        supported(tool.name, parsed, settings)
        run.resume()
    else:
        tool = get_tool(name)
        parsed = args if isinstance(args, tool.args) else parse_args(tool, args)
        supported(tool.name, parsed, settings)  # a backend the tool cannot use: one line, before anything loads
        run = store.create(tool.name, parsed.model_dump(mode="json"), seed=getattr(parsed, "seed", None))
    ctx = ToolContext(run=run, store=store, settings=settings, progress=progress, should_stop=should_stop)
    try:
        try:
            out = drive(tool, parsed, ctx) if tool.present is not None else tool.fn(parsed, ctx)
        finally:
            ctx.close()  # the samplers' measured speed, a server's prompt ids
    except UsageError:
        # Bad input found while starting (an unknown model): nothing was computed,
        # so leave no run behind. A resumed run keeps what it had.
        if not resume and not (run.dir / "results.json").exists():
            store.discard(run.id)
        else:
            run.fail("bad input")
        raise
    except BaseException as e:
        run.fail(f"{type(e).__name__}: {e}")
        raise
    full = out.full if out.full is not None else out.result
    if out.plot is not None:
        run.meta["plot"] = out.plot  # so a run's plot can be drawn again later
    if out.partial:
        run.save_partial(full, out.checkpoint, out.summary)
    else:
        run.complete(full, out.summary)
    return ToolResult(tool.name, run.id, out.summary, out.result, run.meta["status"], out.plot)


def drive(tool: Tool, args: ToolArgs, ctx: ToolContext) -> ToolOutput:
    """Run an experiment tool: the one place a run's progress is saved.

    Builds the experiment (from the saved state when resuming), advances it; at each of its
    checkpoints saves its state and a partial result; stopped, returns the partial result with
    how to resume; finished, lets the tool write what it writes (`finish`) and presents it."""
    experiment = tool.fn(args, ctx)

    def save() -> None:
        out = tool.present(args, experiment.result(), True)
        ctx.run.save_progress(out.full if out.full is not None else out.result, {"state": experiment.state})

    done = experiment.advance(ctx.progress, ctx.should_stop, save)
    result = experiment.result()
    if done and tool.timing is not None:
        ctx.run.add_timing(tool.timing, experiment.state["seconds"])
    if done and tool.finish is not None:
        result = result | (tool.finish(args, experiment, ctx) or {})
    out = tool.present(args, result, not done)
    if not done:
        out.partial, out.checkpoint = True, {"state": experiment.state}
        out.summary += f"\nResume: `parley runs resume {ctx.run.id}`."
    return out
