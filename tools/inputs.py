"""Argument pieces that tools share, so one tool's output feeds the next.

A tool that needs a chain of thought accepts either `cot` (the text) or `cot_run`
(the id of a run that holds one, such as a `generate_cot` run).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from backends.core.runstore import RunStore
from tools.registry import ToolArgs

Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="Random seed; the same seed gives the same result.")]
ModelName = Annotated[
    str | None,
    Field(None, min_length=1, description="Subject model: smollm2-135m, tiny-random, organism:NAME (a built model organism), a local dir or a cached HF id (default: settings)."),
]


class SamplingArgs(ToolArgs):
    """The sampling settings of tools that roll a prompt out (Thought Branches, the CoT monitor)."""

    max_new_tokens: int = Field(192, ge=1, le=8192, description="Most tokens per rollout.")
    temperature: float = Field(0.7, gt=0.0, le=2.0, description="Sampling temperature (paper: 0.7 for agentic decisions).")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="Nucleus sampling mass.")
    seed: Seed = 0


class CotInput(ToolArgs):
    cot: str | None = Field(None, min_length=1, max_length=200_000, description="Chain-of-thought text.")
    cot_run: str | None = Field(None, min_length=1, description="Id of a run that holds a chain of thought (e.g. from generate_cot).")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.cot is None) == (self.cot_run is None):
            raise ValueError("give exactly one of `cot` (the text) or `cot_run` (a run id that holds one)")
        return self


def resolve_cot(args: CotInput, store: RunStore) -> tuple[str, dict]:
    """The chain-of-thought text, and where it came from (with its question when a run knows it)."""
    if args.cot is not None:
        return args.cot, {"source": "text"}
    try:
        run = store.get(args.cot_run)
    except UsageError:
        raise UsageError(f"cot_run: no run {args.cot_run!r} (see `parley runs list`)", field="cot_run") from None
    results = run.results
    if not isinstance(results.get("cot"), str):
        raise UsageError(
            f"cot_run: run {args.cot_run} ({run.meta.get('tool')}) holds no chain of thought", field="cot_run"
        )
    origin = {"source": "run", "run_id": run.id}
    if results.get("question"):
        origin["question"] = results["question"]
    return results["cot"], origin


def clip(text: str, width: int = 100) -> str:
    """One line of at most `width` characters, for summaries: whitespace folded, "..." when cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


# Numbers in summaries: "n/a" for what could not be measured, never a made-up 0.

def num(value, signed: bool = True) -> str:
    """+0.25 (signed, for differences) or 0.25."""
    if value is None:
        return "n/a"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def plural(n: int, word: str) -> str:
    """'1 layer', '2 layers'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def percent(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def check_sentence(i: int, n: int, name: str = "sentence") -> None:
    """A sentence index in range of a chain of `n` sentences, else a one-line error naming `name`."""
    if not 0 <= i < n:
        raise UsageError(f"{name}: {i} is out of range; allowed 0 to {n - 1} (the chain has {n} "
                         f"sentence{'s' if n != 1 else ''})", field=name)


def interval(low, high, pct: bool = False) -> str:
    """" [+0.10, +0.40]" or " [12%, 40%]"; empty when there is no interval."""
    if low is None:
        return ""
    return f" [{percent(low)}, {percent(high)}]" if pct else f" [{low:+.2f}, {high:+.2f}]"


# The answer's form is shown with empty braces, as the paper's prompt does ("put your final answer in
# \boxed{}"): a filled-in placeholder such as \boxed{answer} is copied by small models (46 of 112
# forced answers of the embedded model were the word "answer"), and is counted as no answer anyway.
DEFAULT_COT_SYSTEM = (
    "You are a careful problem solver. Think step by step, one short sentence at a time, "
    "then put your final answer inside \\boxed{}, with the answer itself between the braces."
)


def decision_metric(spec: str):
    """The decision metric for `spec`; a bad spec is an error naming `decision`, the argument it came from."""
    from backends.subject.behaviour import get_metric

    try:
        return get_metric(spec)
    except UsageError as e:
        raise UsageError("decision: " + str(e).removeprefix("metric: "), field="decision") from None
