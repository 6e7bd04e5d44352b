"""Settings taken from another run, named by its tool: "use the ablation's layers for a CAFT run", "at the
temperature the resilience run used", "the same prompt and metric as the steer run", "at the layer CAFT ablated".

The run is the newest of that tool in the conversation; the setting is read from its arguments (else its
tool's default) and given to the setting of the same name here (a list of one for a single layer, or the
other way round). A setting the request says plainly keeps its value.
"""

from __future__ import annotations

import re

from agent import arguments

SOURCES = {"ablation": ("ablate_direction",), "ablate run": ("ablate_direction",), "sweep": ("steering_sweep",), "steer": ("steer_generate",),
           "steering run": ("steer_generate",), "resilience": ("sentence_resilience",), "monitor": ("cot_monitor",), "caft": ("caft_finetune",),
           "direction": ("misalignment_direction",), "eval": ("em_evaluate",), "evaluation": ("em_evaluate",), "probe": ("lora_probe",),
           "vector": ("build_steering_vector",), "importance": ("resample_importance",), "alternatives": ("sentence_alternatives",),
           "mediation": ("hint_mediation",), "suppression": ("attention_suppression",), "plain run": ("train_lora",),
           "plain fine-tune": ("train_lora",), "plain lora": ("train_lora",), "lora": ("train_lora",), "fine-tune": ("train_lora",),
           "chain": ("generate_cot",), "dictionary": ("itda_build",), "receiver heads": ("receiver_heads",), "comparison": ("itda_compare",)}
_SOURCE = "|".join(sorted(map(re.escape, SOURCES), key=len, reverse=True))
_WHAT = r"(?P<what>[\w-]+(?:\s+(?:and\s+|&\s+)?[\w-]+){0,3}?)"
_FACTORS = {"half": 0.5, "twice": 2, "double": 2, "triple": 3, "a third of": 1 / 3, "a quarter of": 0.25, "a tenth of": 0.1}
FROM = (re.compile(rf"(?:\b(?P<factor>{'|'.join(_FACTORS)})\s+)?\b(?:the|that)\s+(?P<src>{_SOURCE})(?:\s+run)?'s\s+{_WHAT}(?=\s*(?:[,.;:!?]|$|\s+(?:for|in|on|at|and|but|with|to|as|please|pls)\b))", re.I),
        re.compile(rf"\b(?:the|at the|with the|on the)\s+{_WHAT}\s+(?:that\s+|which\s+)?(?:the\s+|that\s+)?(?P<src>{_SOURCE})(?:\s+run)?\s+"
                   r"(?P<verb>used|had|ran (?:at|with)|ablated|projected out|steered|was (?:taken|built|computed|trained) (?:from|at|on))\b", re.I),
        re.compile(rf"\bsame\s+{_WHAT}\s+as\s+(?:the|that|in the)\s+(?P<src>{_SOURCE})(?:\s+run)?\b", re.I))


def apply(text: str, props: dict, args: dict, said: dict, runs: list) -> None:
    """Set in `args` each setting of `props` that `text` takes from another run of the conversation."""
    for pattern in FROM:
        for m in pattern.finditer(text):
            run = next((r for r in reversed(runs) if r.tool in SOURCES[m.group("src").lower()]), None)
            if run is None:
                continue
            theirs = run.defaults | run.args
            ablated = (m.groupdict().get("verb") or "").lower() in ("ablated", "projected out")
            factor = _FACTORS.get((m.groupdict().get("factor") or "").lower(), 1)  # "half the plain run's learning rate"
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
