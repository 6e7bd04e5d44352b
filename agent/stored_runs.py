"""Runs of earlier sessions, found by description ("the apples chain"): memory, then the run store."""

from __future__ import annotations

import re

from agent.descriptions import describe_match
from agent.dialogue_state import RunSeen
from agent.run_kinds import REFERENCES

FIND_SCORE = 0.5  # a run of an earlier session found by description must match this well


def from_store(name: str, spec: dict, text: str) -> str | None:
    """A run from an earlier session, by description ("the apples chain"): memory, then the run store."""
    if not re.search(r"\b(?:the|that|our)\s+\w", text, re.I):
        return None
    tools = spec.get("runs_of") or list(REFERENCES.get(name, (None, ()))[1])
    try:
        from backends.core.memory import Memory
        from backends.core.runstore import RunStore
        from backends.core.settings import get_settings

        settings = get_settings()
        store = RunStore(settings.runs_dir)
        runs = [RunSeen(r.id, r.meta.get("tool", ""), r.meta.get("params") or {}, True) for t in tools for r in store.list(tool=t, limit=50)]
        hit = describe_match(text, runs)
        if hit:
            return hit.run_id
        if hasattr(Memory, "find_runs") and runs:
            found = Memory(settings.home).find_runs(text, tools=list(tools), k=1, store=store)
            return found[0]["run_id"] if found and found[0]["score"] >= FIND_SCORE else None
    except Exception:
        return None
    return None
