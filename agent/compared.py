"""Two runs held together. After "how do they differ?", "are they different?" or "both intervals look wide, no?",
after "The two loss curves look almost identical." said before the request, or after "and on the base model for
comparison", the conversation is about its two newest runs at once, so "run the resampling importance with 32
rollouts", "retrain that with 200 steps" or "rerun with 50 rollouts" could mean either; "a sweep for one of them" says
so outright. An expensive run that would pick one of them is asked about instead; naming one (an ordinal, a run id, a
description) settles it.
"""

from __future__ import annotations

import re

from agent.descriptions import describe_scores
from agent.dialogue_state import DialogueState, RunSeen
from agent.run_kinds import RUN_ID

BOTH = r"\b(?:they|them|both|either|these two|those two|the two|each other)\b"  # "Eight per question is too few for either interval ..."
TOGETHER = re.compile(BOTH + r"|\b(?:differ\w*|compar\w*)\b|\bwhich one\b", re.I)  # "how do they differ?", "are they different?", "which one went down more?"
BESIDE = re.compile(r"\bfor (?:comparison|reference)\b|\bto compare\b|\bas a (?:baseline|reference)\b", re.I)
ONE_OF = re.compile(r"\b(?:one|either) of (?:them|those|these|the two)\b|\beither one\b", re.I)
PICKED = re.compile(r"\b(?:first|second|third|last|latest|newest|previous|other|earlier|older|original|base|both|all|each|every)\b|"
                    r"\b(?!(?:this|that|the|a|which|either|any|each|every|no|other|do|run|try)\b)[a-z][\w-]* one\b(?! of)", re.I)  # "capital one again"


def held_together(state: DialogueState, text: str = "") -> list[RunSeen]:
    """The two newest runs (not counting what the newest was made from), when the turn just before, which ran
    nothing, or a sentence of `text` before the one that asks, spoke of them together ("The two loss curves look
    almost identical. Run the EM evaluation on ..."), or the newest was run beside the one before it ("and on the
    base model for comparison"); else []."""
    if len(state.runs) < 2:
        return []
    newer = state.runs[-1]  # a chain and the importance run made from it are no two alternatives
    older = next((r for r in reversed(state.runs[:-1]) if r.run_id not in newer.args.values()), None)
    if older is None:
        return []
    before = re.split(r"(?<=[.!?])\s+", text.strip())[:-1]
    spoken = state.noted and state.noted[-1][1] == len(state.runs) and TOGETHER.search(state.noted[-1][0]) \
        or any(re.search(BOTH, sentence, re.I) for sentence in before)
    beside = older.tool == newer.tool and BESIDE.search(newer.asked)
    return [older, newer] if spoken or beside else []


def unsettled(text: str, state: DialogueState, tool: dict, args: dict, tools: dict[str, dict], rerun: bool = False) -> str | None:
    """The question to ask when an expensive `tool` run with `args` (`rerun`: a change of its newest run) would pick one
    of two runs the conversation holds together, or that "one of them" leaves open; else None."""
    if tool["cost"] != "expensive" or RUN_ID.search(text) or PICKED.search(text):
        return None
    used = [run for name, value in args.items() if name.endswith("_run") and isinstance(value, str) and (run := state.get(value))]
    if rerun and (newest := state.last(tool["name"])) is not None:
        used.append(newest)
    if ONE_OF.search(text):  # "a full sweep for one of them": the runs of the kind it takes
        for run in used:
            rivals = [r for r in state.runs if r.tool == run.tool and r.run_id != run.run_id]
            if rivals:
                return _which(text, [*rivals[-2:], run], state)
        return None
    pair = held_together(state, text)
    made_from = [source for r in pair for k, v in r.args.items() if k.endswith("_run") and isinstance(v, str) and (source := state.get(v))]
    held = {r.run_id: r for r in pair + made_from}  # "retrain that" after two evaluations: the fine-tunes they evaluated are held too
    for run in (r for r in used if r.run_id in held):
        rivals = [r for r in held.values() if r.run_id != run.run_id and (r.tool == run.tool or rerun and r in pair
                                                                           and tools.get(r.tool, {}).get("cost") == "expensive")]
        if rivals:
            return _which(text, [*rivals, run], state)
    return None


def _which(text: str, runs: list[RunSeen], state: DialogueState) -> str | None:
    """Which of `runs` is meant, asked; None when the words describe one of them better than the rest ("the capital one")."""
    scores = sorted((s for s, _, _ in describe_scores(text, runs, state.runs)), reverse=True)
    if scores and scores[0] > 0 and (len(scores) == 1 or scores[0] > scores[1]):
        return None
    named = "; ".join(f"`{r.run_id}` ({r.tool}{', ' + r.about()[:50] if r.about() else ''})" for r in runs)
    return f"That could be either of the runs we were just looking at together ({named}). Which one do you mean?"
