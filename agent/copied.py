"""Settings taken from another run, named by its tool: "use the ablation's layers for a CAFT run", "at the
temperature the resilience run used", "the same prompt and metric as the steer run", "at the layer CAFT ablated".

The run is the newest of that tool in the conversation; the setting is read from its arguments (else its
tool's default) and given to the setting of the same name here (a list of one for a single layer, or the
other way round). A setting the request says plainly keeps its value.
"""

from __future__ import annotations

import json
import re

from agent import arguments
from agent.descriptions import describe_scores
from agent.found_in import ARTEFACTS, FACTORS, OWNER, SETTING_WORDS, SHOWN, SOURCE_WORDS, SOURCES

FROM = (OWNER,
        re.compile(rf"\b(?:the|at the|with the|on the)\s+(?:same\s+)?{SETTING_WORDS}\s+(?:that\s+|which\s+)?(?:the\s+|that\s+)?(?P<src>{SOURCE_WORDS})(?:\s+run)?\s+"
                   r"(?P<verb>used|had|ran (?:at|with)|ablated|projected out|steered|was (?:taken|built|computed|trained|found|read|extracted) (?:from|at|on|in))\b", re.I),
        re.compile(rf"\bsame\s+{SETTING_WORDS}\s+as\s+(?:the|that|in the)\s+(?:(?:very\s+)?(?P<nth>first|second|third|original|earlier|last|previous|latest)\s+)?"
                   rf"(?P<src>{SOURCE_WORDS})(?:\s+run)?\b", re.I))  # "same layers and questions as the first ablation"
NTH = {"first": 0, "original": 0, "earlier": 0, "second": 1, "third": 2}


# "same rollouts as the ladder": the run of this tool described so (on the ladder chain)
AS_DESCRIBED = re.compile(rf"\bsame\s+{SETTING_WORDS}\s+as\s+(?:(?:on|for|with)\s+)?(?P<desc>(?:the|that)\s+[\w-]+(?:\s+(?!and\b|but\b|with\b)[\w-]+)?)", re.I)


def apply(text: str, props: dict, args: dict, said: dict, runs: list, tool: str | None = None) -> None:
    """Set in `args` each setting of `props` that `text` takes from another run of the conversation."""
    for m in AS_DESCRIBED.finditer(text) if tool else ():
        if re.fullmatch(rf"(?:the|that)\s+(?:{SOURCE_WORDS})(?:\s+run)?", m.group("desc"), re.I):
            continue  # "same layers as the ablation": named by its tool, below
        own = [r for r in runs if r.tool == tool]
        scored = describe_scores(m.group("desc") + " one", own, runs)
        best = max((s for s, _, _ in scored), default=0)
        picked = [r for s, _, r in scored if s == best]
        if best > 0 and len(picked) == 1:
            for what in re.split(r"\s+(?:and|&)\s+", m.group("what")):
                mine = _field(what, props)
                if mine is not None and mine not in said and (picked[0].defaults | picked[0].args).get(mine) is not None:
                    args[mine] = _shaped((picked[0].defaults | picked[0].args)[mine], props[mine])
    for pattern in FROM:
        for m in pattern.finditer(text):
            theirs = [r for r in runs if r.tool in SOURCES[m.group("src").lower()]]
            nth = NTH.get((m.groupdict().get("nth") or "").lower(), -1)
            run = theirs[min(nth, len(theirs) - 1)] if theirs else None
            if run is None:
                continue
            theirs = run.defaults | run.args
            ablated = (m.groupdict().get("verb") or "").lower() in ("ablated", "projected out")
            factor = FACTORS.get((m.groupdict().get("factor") or "").lower(), 1)  # "half the plain run's learning rate"
            for what in re.split(r"\s+(?:and|&)\s+", m.group("what")):
                mine = _field(what, props)
                source = "ablate_layers" if ablated and "ablate_layers" in theirs and mine in ("layer", "layers") else _field(what, theirs)
                if mine == "layers" and "ablate_layers" in props and (ablated or run.tool == "ablate_direction"):
                    mine = "ablate_layers"  # "the ablation's layers for a CAFT run": where it ablates
                if mine is None or source is None or mine in said or theirs.get(source) is None:
                    continue
                value = theirs[source]
                if factor != 1 and isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = value * factor if "number" in arguments.types_of(props[mine]) else max(1, round(value * factor))
                args[mine] = _shaped(value, props[mine])


# "continue that dict on organism:misaligned, same layer n corpus": the settings of the run the request works on
SAME_AS_ITS = re.compile(r"\bsame\s+(?P<what>[\w-]+(?:(?:\s*,\s*|\s+(?:and|n|&)\s+)[\w-]+){0,3})\b(?!\s+(?:as|but)\b)", re.I)


def kept(text: str, tool: str, props: dict, args: dict, said: dict, runs: list) -> None:
    """Settings said to stay as the run of the same tool this call builds on (a `*_run` argument) had them: "same layer n corpus"."""
    ids = [v for k, v in args.items() if k.endswith("_run") and isinstance(v, str)]
    run = next((r for r in reversed(runs) if r.run_id in ids and r.tool == tool), None)
    for m in SAME_AS_ITS.finditer(text) if run is not None else ():
        theirs = run.defaults | run.args
        for what in re.split(r"\s*,\s*|\s+(?:and|n|&)\s+", m.group("what")):
            mine, source = _field(what, props), _field(what, theirs)
            if mine is not None and source is not None and mine not in said and theirs.get(source) is not None:
                args[mine] = _shaped(theirs[source], props[mine])


def unnamed(text: str, runs: list) -> str:
    """`text` with the runs it takes settings from unnamed ("at the temperature the resilience run used" -> "... the run
    used"), where such a run is in sight: their tools are sources, not the tool asked for."""
    def other(m: re.Match) -> str:
        if not any(r.tool in SOURCES[m.group("src").lower()] for r in runs) or SHOWN.match(m.group("what")):
            return m.group(0)
        return m.group(0)[:m.start("src") - m.start()].rstrip() + m.group(0)[m.end("src") - m.start():]
    for pattern in FROM[1:]:  # (a possessive owner, "the ablation's layers", is left: the classifier weighs it as it was taught)
        text = pattern.sub(other, text)
    return text


def missing(text: str, runs: list) -> str | None:
    """'run CAFT with the ablation's layers' with no ablation in sight, or with two that had different layers: a sentence
    saying so, else None."""
    for m in OWNER.finditer(text):
        if m.group("src").lower() in ARTEFACTS or SHOWN.match(m.group("what")):
            continue  # "the fine-tune's dictionary", "the sweep's table": a thing described, or a run to show
        theirs = [r for r in runs if r.tool in SOURCES[m.group("src").lower()]]
        if not theirs:
            return f"I see no {m.group('src')} run in this conversation, so I can't tell what \"{m.group(0).strip()}\" is."
        fields = {_field(what, r.defaults | r.args) for what in re.split(r"\s+(?:and|&)\s+", m.group("what")) for r in theirs} - {None}
        values = {json.dumps((r.defaults | r.args).get(f), sort_keys=True) for f in fields for r in theirs}
        if len(theirs) > 1 and len(values) > 1:
            return f"I see {len(theirs)} {m.group('src')} runs here with different settings, so I can't tell which \"{m.group(0).strip()}\" means."
    return None


def _field(what: str, names) -> str | None:
    """The setting a phrase names among `names` ("learning rate" is lr, "layer" is layer, else layers)."""
    what = what.lower().strip()
    names = list(names)
    return next((n for n in names if what in arguments.words_for(n, tuple(names)) or what == n.lower()), None) or next(
        (n for n in names if what.rstrip("s") == n.rstrip("s").lower()), None)


def _shaped(value, spec: dict):
    """`value` in the shape the setting takes: [20] for a layer list, 20 for a single layer."""
    kinds = arguments.types_of(spec)
    if isinstance(value, list) and "array" not in kinds and len(value) == 1:
        return value[0]
    if not isinstance(value, list) and "array" in kinds and not kinds & {"integer", "number", "string"}:
        return [value]
    return value
