"""Long-term memory: `recall` earlier findings (runs, and Parley's replies) by meaning."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from tools.inputs import clip
from tools.registry import ToolArgs, ToolContext, ToolOutput, register


class RecallArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=2000, description="What to look for, in plain words.")
    k: int = Field(5, ge=1, le=50, description="How many hits to return.")
    scope: Literal["all", "runs", "turns"] = Field(
        "all", description="all | runs | turns: search run findings, dialogue turns, or both (runs first)."
    )
    include_user: bool = Field(
        False, description="With scope turns only: also search the user's own messages (never returned otherwise)."
    )

    @field_validator("include_user")
    @classmethod
    def _turns_only(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("scope") != "turns":
            raise ValueError("the user's own messages are searched only with scope 'turns'")
        return value


def hit_line(hit: dict) -> str:
    """One hit as a finding: `tool run_id (score) — about "subject": summary`, or a turn."""
    if hit["kind"] == "run":
        about = f' — about "{clip(hit["subject"], 60)}"' if hit.get("subject") else ""
        summary = hit.get("summary") or hit["text"]
        return f"  {hit.get('tool') or 'run'} {hit['id']} ({hit['score']:.2f}){about}: {clip(summary)}"
    return f"  turn {hit['id']} ({hit['score']:.2f}): {clip(hit['text'])}"


@register(
    "recall",
    description=(
        "Search long-term memory for what we found before: earlier runs (tool, what each was about, its summary) "
        "first, then Parley's earlier replies, closest in meaning to a query."
    ),
    args=RecallArgs,
    examples=(
        "what did we find about the blackmail scenario last week?",
        "recall earlier runs about steering",
        "search memory for sentence importance",
        "have we looked at ITDA dictionaries before?",
    ),
)
def recall(args: RecallArgs, ctx: ToolContext) -> ToolOutput:
    """Runs are synced from the run store first (scope all or runs) and listed before turns.

    The sync is bounded (backends.core.memory.sync_some: newest runs first, a few hundred or about
    ten seconds a call, progress shown); the summary says how many runs are not indexed yet,
    and the next recall goes on with them.

    Turns are the assistant's replies; the user's own messages are not findings and are
    searched only with scope "turns" and include_user (then alongside the replies).
    """
    from backends.core.memory import Memory

    memory = Memory(ctx.settings.home)
    synced, unindexed = memory.sync_some(ctx.store, progress=ctx.progress) if args.scope in ("all", "runs") else (0, 0)
    roles = ("user", "assistant") if args.include_user else ("assistant",)
    hits = memory.recall(args.query, k=args.k, scope=args.scope, roles=roles)
    where = {"all": "runs and turns", "runs": "runs", "turns": "turns"}[args.scope]
    head = (
        f"{len(hits)} hit{'s' if len(hits) != 1 else ''} in memory ({where}) for {clip(args.query, 60)!r}"
        + (f"; first indexed {synced} run{'s' if synced != 1 else ''} from the run store" if synced else "")
        + (f"; {unindexed} older run{'s are' if unindexed != 1 else ' is'} not indexed yet (the next recall "
           "goes on), so this search did not see them" if unindexed else "")
        + (":" if hits else "; memory holds nothing there yet.")
    )
    return ToolOutput(summary="\n".join([head, *map(hit_line, hits)]), result={"hits": hits, "unindexed": unindexed},
                      full={"hits": hits, "synced": synced, "unindexed": unindexed})
