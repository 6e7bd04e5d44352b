"""Lists said by what they leave out: "layers 6, 9, 12, 15 and 18 but not 12", "positions 0-5 except 3", "all layers
except 0", "every sentence but the first two", "every question except gender_roles", "leave out the code ones",
"leaving quick_buck out of the training questions".

The items left out come off the list the request gives, else the whole of what the setting can hold: the model's
layers, the chain's sentences, the setting's named choices (the eight first-plot questions, the built-in corpus's
kinds), or the run's own list on a rerun. Nothing is left out of a list that does not hold the items.
"""

from __future__ import annotations

import re

from agent.dialogue_state import DialogueState
from agent.wording import SPELLED

_UNIT = r"(?:layers?|sentences?|positions?|components?|pcs?|atoms?|questions?|scales?|docs?|kinds?)"
_ITEM = r"(?:\d+(?:\s*(?:-|to|through|thru)\s*\d+)?|[a-z][\w:]*)"
_ITEMS = rf"{_ITEM}(?:(?:\s*,\s*|\s+(?:and|or|&)\s+|\s*,\s*(?:and|or)\s+){_ITEM})*"
_LEFT = r"(?:but not|except(?:\s+for)?|excluding|other than|minus|apart from|aside from|not including|save for|but without|without|but)"
# "<a list> but not 12", "all layers except 0", "every sentence but the first two"
EXCEPT = re.compile(rf"\b(?P<all>(?:all|every|each)\s+(?:of\s+)?(?:the\s+)?(?:(?P<unit>{_UNIT})\b\s*)?)?"
                    rf"(?<![\w-])(?P<how>{_LEFT})\s+(?!(?:all|every|each)\b)(?:the\s+)?(?:(?P<unit2>{_UNIT})\s+)?(?P<items>(?:first|last)\s+(?:\w+\s+)?(?:one|two|three|four|five|\d+)|{_ITEMS})"
                    r"(?:\s+ones?)?(?![\w-])", re.I)
# "leave out the code ones", "leaving quick_buck out of the training questions", "drop layer 0"
LEAVE = re.compile(rf"\b(?:leav(?:e|ing)|without|drop(?:ping)?|skip(?:ping)?|omit(?:ting)?|exclud(?:e|ing)|rul(?:e|ing))\s+(?:out\s+)?(?:the\s+)?"
                   rf"(?:(?P<unit2>{_UNIT})\s+)?(?P<items>{_ITEMS})(?:\s+ones?)?(?:\s+out)?(?:\s+(?:of|from)\s+(?:the\s+)?(?P<of>[\w\s]+?)\b(?=[,.;]|$))?", re.I)
_NOT_ITEMS = {"the", "a", "an", "it", "that", "this", "them", "those", "these", "one", "ones", "some", "any", "anything", "changing",
              "change", "touching", "random", "control", "controls", "judge", "hint", "seed", "think", "tags", "default", "prompt", "we", "i"}


def _values(said: str) -> list:
    items = []
    for part in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+", said.strip()):
        span = re.fullmatch(r"(\d+)\s*(?:-|to|through|thru)\s*(\d+)", part)
        if span and int(span.group(1)) <= int(span.group(2)):
            items += list(range(int(span.group(1)), int(span.group(2)) + 1))
        elif part.isdigit():
            items.append(int(part))
        elif part:
            word = SPELLED.get(part.lower(), part.lower())
            items.append(int(word) if word.isdigit() else word)
    return items


def _layer_count(model: str | None, state: DialogueState) -> int | None:
    """The model's layers: as a run's summary here says ("all 4 layers of tiny-random"), else a built-in model's own."""
    from backends.subject.models import BUILTIN_LAYERS, DEFAULT_MODEL

    model = model or DEFAULT_MODEL
    for run in reversed(state.runs):
        if (run.args.get("model") or DEFAULT_MODEL) == model and (said := re.search(r"\b(?:all\s+)?(\d+) layers\b", run.summary or "")):
            return int(said.group(1))
    return BUILTIN_LAYERS.get(model)


def _wholes(name: str, spec: dict, args: dict, state: DialogueState, base: dict | None) -> list[list]:
    """Everything the setting could hold here, likeliest first: the run's list on a rerun, the model's layers, the
    chain's sentences, the setting's default list, its named choices."""
    wholes = [list(base[name])] if base and isinstance(base.get(name), list) else []
    if name in ("layers", "ablate_layers"):
        count = _layer_count(args.get("model") or (base or {}).get("model"), state)
        wholes += [list(range(count))] if count else []
    if name in ("sentences", "positions") and args.get("cot_run"):
        count = state.sentence_count(args["cot_run"])
        wholes += [list(range(count))] if count else []
    wholes += [list(spec["default"])] if isinstance(spec.get("default"), list) else []
    wholes += [list(spec["examples"])] if isinstance(spec.get("examples"), list) else []
    kinds = re.search(r"'(\w+):<kind>'\s*\(([\w\s,]+)\)", spec.get("description", ""))  # "'builtin:<kind>' (prose, story, code, dialogue)"
    wholes += [[f"{kinds.group(1)}:{k.strip()}" for k in kinds.group(2).split(",")]] if kinds else []
    return wholes


def _matching(items: list, whole: list) -> list | None:
    """The members of `whole` the items name (a number, a name, or the last part of one: "code" for "builtin:code"), as far
    as they name some ("12, we already have it": 12); None when the first names none."""
    out = []
    for item in items:
        found = [w for w in whole if w == item or isinstance(w, str) and isinstance(item, str) and (w.lower() == item or w.lower().endswith(":" + item))]
        if not found:
            break
        out += found
    return out or None


def _unit_fits(unit: str | None, name: str) -> bool:
    if not unit:
        return True
    unit = unit.lower().split()[-1].rstrip("s")  # "the training questions": questions
    return {"pc": "components", "kind": "corpus", "doc": "corpus", "position": "positions"}.get(unit, unit) in name


def exclude(text: str, props: dict, args: dict, state: DialogueState, base: dict | None = None) -> None:
    """Take the items the request leaves out off the list they belong to, in `args` (`base`: the run redone, if any)."""
    for found in [*EXCEPT.finditer(text), *LEAVE.finditer(text)]:
        said = found.group("items")
        if said.lower() in _NOT_ITEMS or found.re is EXCEPT and found.group("how").lower() in ("but", "without") and not found.group("all"):
            continue  # "but the judge", "without changing anything": no list item ("but" alone only after "all layers")
        unit = found.group("unit2") or (found.group("unit") if found.re is EXCEPT else None) or (found.group("of") if found.re is LEAVE else None)
        for name, spec in props.items():
            if not (isinstance(args.get(name), list) or "array" in str(spec.get("type", "")) + str(spec.get("anyOf", ""))) \
                    or not _unit_fits(unit, name) or name.endswith("_runs") or name in ("pairs", "prompts", "scales", "hint_words"):
                continue
            given = args.get(name) if isinstance(args.get(name), list) else None
            items = _values(said)
            edge = re.fullmatch(r"(first|last)\s+(?:\w+\s+)?(one|two|three|four|five|\d+)", said, re.I)
            everything = found.re is EXCEPT and found.group("all")  # "every question except gender_roles"
            within = found.re is EXCEPT and not everything and given  # "layers 6, 9, 12, 15 and 18 but not 12"
            if edge:
                listed = given if within else next(iter(_wholes(name, spec, args, state, base)), None)
                n = 1 if edge.group(2).lower() == "one" else int(SPELLED.get(edge.group(2).lower(), edge.group(2)))
                gone = (listed[:n] if edge.group(1).lower() == "first" else listed[-n:]) if listed else None
            elif given and not everything and (gone := _matching(items, given)) and set(gone) < set(given) and within:
                listed = given
            elif given and not everything and not (gone and set(gone) == set(given)) or not (given or everything or unit):
                continue  # a list said outright that does not hold them; "but not 2" of no list said: not this list
            else:  # "all layers except 0"; "leave out the code ones" (read as the corpus "code"): off the whole
                listed, gone = next(((w, g) for w in _wholes(name, spec, args, state, base) if (g := _matching(items, w))), (None, None))
            kept = [v for v in listed or [] if v not in (gone or [])]
            if gone and kept:
                args[name] = kept
                break
