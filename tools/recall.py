"""Long-term memory: `recall` earlier runs and dialogue turns by meaning."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.inputs import clip
from tools.registry import ToolArgs, ToolContext, ToolOutput, register


class RecallArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=2000, description="What to look for, in plain words.")
    k: int = Field(5, ge=1, le=50, description="How many hits to return.")
    scope: Literal["all", "runs", "turns"] = Field(
        "all", description="all | runs | turns: search run summaries, dialogue turns, or both."
    )


@register(
    "recall",
    description="Search long-term memory (earlier run summaries and dialogue turns) for what is closest in meaning to a query.",
    args=RecallArgs,
    examples=(
        "what did we find about the blackmail scenario last week?",
        "recall earlier runs about steering",
        "search memory for sentence importance",
        "have we looked at ITDA dictionaries before?",
    ),
)
def recall(args: RecallArgs, ctx: ToolContext) -> ToolOutput:
    from backends.memory import Memory

    memory = Memory(ctx.settings.home)
    synced = memory.sync_runs(ctx.store) if args.scope in ("all", "runs") else 0
    hits = memory.recall(args.query, k=args.k, scope=args.scope)
    lines = [f"  {h['kind']} {h['id']} ({h['score']:.2f}): {clip(h['text'])}" for h in hits]
    where = {"all": "runs and turns", "runs": "runs", "turns": "turns"}[args.scope]
    head = (
        f"{len(hits)} hit{'s' if len(hits) != 1 else ''} in memory ({where}) for {clip(args.query, 60)!r}"
        + (f"; first indexed {synced} run{'s' if synced != 1 else ''} from the run store" if synced else "")
        + (":" if hits else "; memory holds nothing there yet.")
    )
    return ToolOutput(summary="\n".join([head, *lines]), result={"hits": hits}, full={"hits": hits, "synced": synced})

