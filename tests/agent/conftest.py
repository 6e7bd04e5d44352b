"""What the planner tests share: the real offline planner (real embedder), asked about one conversation at a time."""

from __future__ import annotations

import pytest

from bench.planner import messages_for, planner


@pytest.fixture(scope="module")
def plan():
    """`plan(context, request)`: the planner's reply to `request` after the turns in `context` (the evaluation set's format)."""
    p = planner()
    return lambda context, request: p.plan(messages_for({"context": context, "request": request}))


def call(reply) -> tuple[str | None, dict]:
    """The tool a reply runs and its arguments, or (None, {}) when it runs none."""
    return (reply.tool_calls[0]["name"], reply.tool_calls[0]["args"]) if reply.tool_calls else (None, {})


def turn(user: str, tool: str, args: dict, run_id: str, summary: str = "") -> dict:
    """A context turn that ran `tool` (the evaluation set's format)."""
    return {"user": user, "tool": tool, "args": args, "run_id": run_id, "summary": summary}


def said(user: str, reply: str) -> dict:
    """A context turn our reply answered without a tool."""
    return {"user": user, "reply": reply}
