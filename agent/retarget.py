"""The same experiment on another target: "can you do the same on hint-planet?", "same but on the risky one",
"now on the CAFT model", "again on the caft one", "do the same diff for the hint-following organism".

The run repeated is the newest one (or the newest of the tool the word after "same" names: "the same eval on
..."); the target is what the request ends with, read against that run's tool: an organism of the zoo (its
model), a run of a kind one of its `*_run` settings takes, described ("the risky one", "the CAFT model"), or a
value of one of its text settings (a scenario, a dataset). Everything else the run had stays. A target that
none of these reads is left to the other readings of a change.
"""

from __future__ import annotations

import re

from agent import arguments
from agent.descriptions import describe_scores
from agent.dialogue_state import DialogueState, RunSeen
from agent.organism_names import organism_named
from agent.routing import tool_words
from agent.run_kinds import KIND_WORDS, REFERENCES, TOOL_WORDS

SAME_ON = re.compile(
    r"(?:^|[.!?;]\s+)\W*(?:(?:ok(?:ay)?|now|and|then|so|cool|nice|great|right|alright|pls|please|(?:can|could|would) you)\W+)*"
    r"(?:(?:do|run|try|repeat)\s+)?(?:the\s+)?(?:same\s+(?:thing\s+|again\s+|([\w-]+)\s+)?(?:but\s+)?(?:now\s+)?|now\s+|(?:do it |run it )?again\s+(?:but\s+)?)"
    r"(?:on|for|with)\s+(?P<target>[^.?!;,:'\"]+?)\s*[?.!]*\s*$", re.I)
RUN_NAMED = re.compile(r"^(?:the|that|this|my|our)\s+(?:[\w.+'-]+\s+){0,4}?(?:one|run|model|"
                       rf"{'|'.join(KIND_WORDS.values())})s?$", re.I)


def same_on(text: str, state: DialogueState, tools: dict[str, dict]) -> tuple[str, dict] | None:
    """(tool, arguments) of the run repeated on the target the request ends with, or None."""
    found = SAME_ON.search(text)
    if found is None or not state.runs:
        return None
    word = (found.group(1) or "").lower().rstrip("s")
    runs = [r for r in state.runs if r.tool in tools and r.tool != "recall"]
    if word:  # "the same eval on ...": that tool's newest run; a word that names no tool ("the same diff") is the newest
        runs = [r for r in runs if word in tool_words(r.tool)] or runs
    if not runs:
        return None
    base = runs[-1]
    props = tools[base.tool]["schema"].get("properties", {})
    target = found.group("target").strip()
    changed = _organism(target, state, props) or _run(target, state, base, props) or _value(target, props)
    if changed is None or all(base.args.get(k) == v for k, v in changed.items()):
        return None
    return base.tool, {k: v for k, v in base.args.items() if v is not None and k in props} | changed


def _organism(target: str, state: DialogueState, props: dict) -> dict | None:
    model = organism_named(target, state) if "model" in props else None
    return {"model": model} if model else None


def _run(target: str, state: DialogueState, base: RunSeen, props: dict) -> dict | None:
    """'the risky one', 'the CAFT model': the run of a kind one of the tool's `*_run` settings takes that the words describe."""
    if not RUN_NAMED.match(target):
        return None
    best: tuple[float, int, str, str] | None = None  # (words described, order of the run, setting, run id)
    for name, spec in props.items():
        if not name.endswith("_run") or name not in REFERENCES:
            continue
        tools = spec.get("runs_of") or REFERENCES[name][1]
        candidates = [r for r in state.runs if r.tool in tools and r.run_id != base.run_id]
        named = {t for w, ts in TOOL_WORDS.items() if re.search(rf"\b{w}\b", target, re.I) for t in ts}
        described = describe_scores(target, candidates, state.runs) or [(0.0, i, r) for i, r in enumerate(candidates)]  # [] describes nothing
        for score, order, run in described:
            score += 1.0 if run.tool in named else 0.0  # "the CAFT model": the newest run of the tool named
            if score > 0 and (best is None or (score, order) > best[:2]):
                best = (score, order, name, run.run_id)
    return {best[2]: best[3]} if best else None


def _value(target: str, props: dict) -> dict | None:
    """'hint-planet', 'the clean dataset': a value of one of the tool's text settings, and nothing else."""
    said, phrases = arguments.read(props, target)
    if len(said) != 1 or not isinstance(next(iter(said.values())), str):
        return None
    rest = arguments.normal(target)
    for phrase in phrases:
        rest = rest.replace(phrase, " ")
    return said if not re.sub(r"\b(?:the|that|this|one|dataset|scenario|data|set|model|instead|too|as well)\b", " ", rest, flags=re.I).strip() else None
