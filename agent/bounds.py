"""Settings said as a bound of the tool: "as many rollouts as it allows", "the most controls it allows", "the largest
number of held-out tokens the tool will accept", "the shortest resample length the tool allows", and, after a run
that asked for too much, "fine, use the max" or "whatever the ceiling is then" (the setting that was out of range).

The bounds are the tool's own (its schema's minimum and maximum), so the value is the one the tool would accept.
"""

from __future__ import annotations

import re

from agent import arguments, relative

_HIGH = r"max(?:imum)?|most|largest|biggest|highest|longest|greatest"
_LOW = r"min(?:imum)?|fewest|least|smallest|shortest|lowest"
_ALLOWS = (r"(?:(?:that|which)\s+)?(?:the tool|the schema|it|this tool|that tool|parley|you|the bound|the bounds?|the (?:limit|cap|max(?:imum)?|schema'?s? (?:limit|max)))\s+"
           r"(?:allows?|lets? (?:me|us)(?: (?:have|use|do|go))?|will (?:accept|allow|take|let (?:me|us)(?: (?:have|use|do))?)|accepts?|"
           r"can (?:take|do|handle|accept)|takes|permits|supports)")
# "as many tries as it allows", "as high a threshold as the tool takes", "as few samples as it lets me"
AS_MANY = re.compile(rf"\bas (?P<way>many|much|high|long|big|large|few|little|low|short|small)\s+(?:an?\s+)?(?P<what>[\w-]+(?:\s+[\w-]+){{0,2}}?)?\s*as\s+{_ALLOWS}", re.I)
# "the most controls it allows", "the largest number of held-out tokens the tool will accept", "the max rollouts allowed"
THE_MOST = re.compile(rf"\bthe\s+(?P<way>{_HIGH}|{_LOW})\s+(?:(?:number|amount|count) of\s+|allowed\s+|possible\s+)?"
                      rf"(?P<what>[\w-]+(?:\s+[\w-]+){{0,2}}?)\s+(?:{_ALLOWS}|allowed|possible|permitted)\b", re.I)
# "rollouts at the max", "min_chars at its minimum", "controls maxed out": a setting named beside the bound
NAMED = re.compile(r"\b(?P<what>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:(?:at|to)\s+(?:the|its)\s+(?P<way>max(?:imum)?|min(?:imum)?|ceiling|limit|cap)|"
                   r"(?P<way2>maxed) out)\b", re.I)
# "fine, use the max", "eh, whatever the ceiling is then", "ok, the limit then": the setting a run asked too much of
BARE = re.compile(r"^\W*(?:(?:ok(?:ay)?|fine|eh|ugh|meh|sure|then|alright|right|well|so)\W+)*"
                  r"(?:(?:use|take|go (?:with|to)|set it (?:to|at)|make it|just|whatever)\s+)?(?:the|its|whatever the)\s+"
                  r"(?P<way>max(?:imum)?|ceiling|limit|cap|upper bound|allowed max(?:imum)?|min(?:imum)?|floor|lower bound)\b"
                  r"(?:\s+(?:is|then|allowed|it allows|the tool allows|it is))*\W*(?:then\W*)?$", re.I)


def asked(text: str) -> bool:
    """Whether the message sets a setting to a bound of the tool (a change of the newest run when it names no tool)."""
    return bool(AS_MANY.search(text) or THE_MOST.search(text) or BARE.match(text))


def apply(text: str, props: dict, args: dict, said: dict, base: dict | None = None) -> None:
    """Set in `args` each setting said as its bound ("as many rollouts as it allows"); "use the max" alone sets the one
    setting of `base` (the run changed) that was out of range, to the bound it broke."""
    for m in [*AS_MANY.finditer(text), *THE_MOST.finditer(text), *NAMED.finditer(text)]:
        what, way = m.group("what"), (m.group("way") or m.groupdict().get("way2") or "").lower()
        field = _field(what, props) if what else _one_counted(props, base)
        if field and field not in said:
            _set(field, way, props, args)
    found = BARE.match(text)
    if found:
        broken = [f for f, v in (base or {}).items() if f in props and _outside(v, props[f])]
        if len(broken) == 1:
            _set(broken[0], "max" if _outside(base[broken[0]], props[broken[0]]) == "above" else "min", props, args)


def high(way: str) -> bool:
    """Whether the bound said is the upper one ("max", "ceiling", "as many"), not the lower ("min", "floor", "as few")."""
    return not re.match(r"(?:min|fewest|least|smallest|shortest|lowest|few|little|low|short|small|floor|lower)", way, re.I)


def _set(field: str, way: str, props: dict, args: dict) -> None:
    bound = props[field].get("maximum" if high(way) else "minimum")
    if bound is not None:
        args[field] = bound


def _outside(value, spec: dict) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if spec.get("maximum") is not None and value > spec["maximum"]:
        return "above"
    return "below" if spec.get("minimum") is not None and value < spec["minimum"] else None


def _field(what: str, props: dict) -> str | None:
    words = re.sub(r"\b(?:resample|rollout|generation|output)\s+length\b", "max new tokens", what, flags=re.I)
    field = relative.setting_named(words, props, loose=False)  # "held-out tokens", "resample length"
    return field if field and arguments.types_of(props[field]) & {"integer", "number"} else None


def _one_counted(props: dict, base: dict | None) -> str | None:
    """'as many as it allows' with no setting named: the one count the run changed had set."""
    counts = [f for f in (base or {}) if f in props and isinstance(base[f], int) and not isinstance(base[f], bool) and "maximum" in props[f]]
    return counts[0] if len(counts) == 1 else None
