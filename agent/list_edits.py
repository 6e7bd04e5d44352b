"""A rerun's list edited in words: "swap bored for quick_buck", "scratch 12 from that list and put 20 and 21 in instead".

The list is the earlier run's (its questions, layers, sentences, scales), else the setting's default
list; the items named must be in it, and what comes in must be a value the setting takes, else nothing
is edited. "only keep 3 and 5, and add 9" keeps those; "it's 56 not 65" replaces a value the run had.
"""

from __future__ import annotations

import re

from agent.wording import types_of

_UNIT = r"(?:(?:layers?|sentences?|scales?|questions?|positions?|components?|pcs?|atoms?|seeds?)\s+)?"  # "drop layer 8"
_ITEM = r"(?!(?:and|add|plus|put|use|then)\b)[\w.:-]+"
_ITEMS = rf"{_UNIT}{_ITEM}(?:\s*(?:,|and|&)\s*{_ITEM})*"
EDIT = re.compile(rf"\b(?:swap|replace|switch|exchange)\s+(?:out\s+)?(?P<old>{_ITEMS})\s+(?:for|with|by)\s+(?P<new>{_ITEMS})"
                  rf"|\b(?:scratch|drop|remove|take out|cut|lose|without|leave out|leave off|omit|exclude|minus)\s+(?:the\s+)?(?P<gone>{_ITEMS})(?:\s+(?:from|out of)\s+(?:that|the|this|its)\s+\w+)?"
                  rf"(?:\s*(?:,|;)?\s*(?:and\s+)?(?:then\s+)?(?:put|add|use)\s+(?P<added>{_ITEMS})(?:\s+in)?(?:\s+instead)?)?"
                  rf"|\b(?:only keep|keep only|just keep|keep)\s+(?P<kept>{_ITEMS})(?:\s*(?:,|;)?\s*(?:and\s+)?(?:then\s+)?(?:add|plus)\s+(?P<more>{_ITEMS}))?"
                  rf"|\b(?:add|tack on|throw in|append|also (?:try|tries|trying|include|includes|cover|covers))\s+(?:an?\s+|the\s+)?(?P<plus>{_ITEMS})(?:\s+(?P<unit>[a-z]+?)s?\b)?"
                  rf"|(?P<beside>{_ITEMS})\s+(?:alongside|along with|together with|as well as|in addition to|on top of|besides)\s+(?P<held>{_ITEMS})", re.I)
ADDED_TO = re.compile(rf"(?P<items>{_ITEM}(?:\s*(?:,|and|&)\s*{_ITEM})*)\s+(?:added|appended|tacked on)\s+to\s+(?:the|its|that)\s+(?P<unit>[a-z]+)\b", re.I)
_NONE = ("it", "we", "you", "then", "also", "so", "but", "pls", "please", "the", "rerun", "redo", "again", "run", "rest", "everything", "keep")


def edit(text: str, props: dict, base_args: dict, args: dict) -> None:
    """Apply each swap, removal or addition said of one of the earlier run's lists (else the setting's default list) to `args`."""
    text = ADDED_TO.sub(r"add \g<items> \g<unit>", text)  # "with 2.4 and 4.8 added to the scales": add 2.4 and 4.8 scales
    for found in EDIT.finditer(text):
        old = _items(found.group("old") or found.group("gone") or found.group("kept") or "")
        new = _items(found.group("new") or found.group("added") or found.group("more") or found.group("plus") or "")
        lists = {name: base_args.get(name, spec.get("default")) for name, spec in props.items()}
        gone_unit, added_unit = (re.match(_UNIT, found.group(g) or "", re.I).group(0).strip().lower().rstrip("s") for g in ("gone", "added"))
        if found.group("added") and added_unit and added_unit != gone_unit:  # "drop layer 8 and add scale 4": two lists
            edit(f"drop {found.group('gone')}", props, base_args, args)
            edit(f"add {found.group('added')}", props, base_args, args)
            continue
        if found.group("beside"):  # "do 14 alongside 10": to the list that holds 10
            new, held = _items(found.group("beside")), _items(found.group("held"))
            fits = [n for n, v in lists.items() if n in base_args and isinstance(v, list) and v and held
                    and all(_typed(item, v, props[n]) in v for item in held) and all(_typed(item, v, props[n]) is not None for item in new)]
            if len(fits) == 1:
                args[fits[0]] = list(dict.fromkeys([*lists[fits[0]], *(_typed(item, lists[fits[0]], props[fits[0]]) for item in new)]))
            continue
        if found.group("plus"):  # "same layers but add 16", "tack on a 2.4 scale": to the one list it fits (or its unit names)
            fits = [n for n, v in lists.items() if isinstance(v, list) and v and not any(isinstance(x, list) for x in v)
                    and all(_typed(item, v, props[n]) is not None for item in new) and (n in base_args or found.group("unit"))]
            unit = (found.group("unit") or re.match(rf"{_UNIT}", found.group("plus"), re.I).group(0)).strip().lower().rstrip("s")
            fits = [n for n in fits if n.rstrip("s") == unit] or ([] if unit and unit in {n.rstrip("s") for n in props} else fits)
            if len(fits) == 1:
                before = lists[fits[0]]
                args[fits[0]] = list(dict.fromkeys([*before, *(_typed(item, before, props[fits[0]]) for item in new)]))
            continue
        for name, before in lists.items():
            if not isinstance(before, list) or not before or any(isinstance(v, list) for v in before):
                continue
            said = [str(v).lower() for v in before]
            if not old or not all(item in said for item in old):
                continue
            typed = [_typed(item, before, props[name]) for item in new]
            if any(item is None for item in typed):
                break
            if found.group("old") and len(old) == len(typed):  # "swap wish for bored": in its place
                args[name] = list(dict.fromkeys(typed[old.index(str(v).lower())] if str(v).lower() in old else v for v in before))
                break
            kept = [v for v in before if (str(v).lower() in old) == bool(found.group("kept"))]  # "only keep 3 and 5": those
            args[name] = list(dict.fromkeys([*kept, *typed]))
            if all(isinstance(v, (int, float)) for v in args[name]):
                args[name] = sorted(args[name])
            break


def edits(text: str, props: dict, base_args: dict) -> bool:
    """Whether `text` edits one of the earlier run's lists ("drop layer 8 and add 20")."""
    args = dict(base_args)
    edit(text, props, base_args, args)
    return args != base_args


def _items(said: str) -> list[str]:
    """The items named, up to the first word that is none ("swap bored for quick_buck, I meant the money one")."""
    items = []
    said = re.sub(rf"^{_UNIT}", "", said, flags=re.I)
    for word in (w.lower() for w in re.split(r"\s*(?:,|\band\b|&)\s*", said) if w):
        if len(word) < 2 and not word.isdigit() or word in _NONE:
            break
        items.append(word)
    return items


def _typed(item: str, like: list, spec: dict):
    """`item` as a value of the list `like` (a number for numbers, an allowed name for names), or None."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in like):
        if re.fullmatch(r"\d+(?:\.\d+)?x", item):  # "also tries 4x": a multiplier, so a scale, never a layer
            item = item[:-1] if not all(isinstance(v, int) for v in like) else "none"
        try:
            value = float(item)
        except ValueError:
            return None
        if all(isinstance(v, int) for v in like) and not value.is_integer():
            return None  # a list of layers takes no 2.4
        return int(value) if value.is_integer() and all(isinstance(v, int) for v in like) else value
    allowed = [str(v) for v in (spec.get("items") or {}).get("enum") or []]
    for branch in spec.get("anyOf", []):
        allowed += [str(v) for v in (branch.get("items") or {}).get("enum") or []]
    return next((v for v in allowed if v.lower() == item), None) if allowed else item


NOT = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)\s*,?\s+(?:not|instead of|rather than)\s+(-?\d+(?:\.\d+)?)(?![\w%]|\.\d)", re.I)


def replaced(text: str, base_args: dict, args: dict, said: dict) -> None:
    """'15 + 28 is 43 not 41. rerun', "it's 56 not 65": the earlier run's setting that had the old value takes the new one."""
    for found in NOT.finditer(text):
        new, old = found.group(1), found.group(2)
        for name, value in base_args.items():
            if name in said or isinstance(value, bool) or not isinstance(value, (int, float, str)) or str(value) != old and not (
                    isinstance(value, (int, float)) and value == float(old)):
                continue
            args[name] = new if isinstance(value, str) else type(value)(float(new)) if isinstance(value, float) or float(new).is_integer() else float(new)
            break


MEANT = re.compile(r"\bwrong (?P<name>[a-z_]+?)s?\b[^.;?!]{0,40}?\b(?:wanted|meant|should(?:'ve| have)? been|should be|it'?s|use)\s+"
                   r"(?P<items>-?\d+(?:\.\d+)?(?:(?:\s*(?:,|and|&)\s*|\s+)-?\d+(?:\.\d+)?)*)", re.I)


def meant(text: str, props: dict, args: dict, said: dict) -> None:
    """'sry wrong layers, wanted 13 14 15': the list named as wrong takes the values said after it."""
    for found in MEANT.finditer(text):
        name = next((n for n in (found.group("name") + "s", found.group("name")) if n in props and n not in said), None)
        if name is None or "array" not in types_of(props[name]):
            continue
        values = re.findall(r"-?\d+(?:\.\d+)?", found.group("items"))
        args[name] = [float(v) if "." in v else int(v) for v in values]


ZOOM = re.compile(r"\b(?:zoom(?:ing)? in on|focus(?:ing)? on|narrow (?:it )?(?:down )?to|restrict (?:it )?to|only look at)\s+(?:sentences?\s+|positions?\s+)?"
                  r"(\d+(?:\s*(?:,|and|&|\+)\s*\d+)*)\b(?!\s*(?:layers?|tokens?|samples|rollouts|steps|heads|chains)\b)", re.I)


def zoomed(text: str, props: dict, args: dict, said: dict) -> None:
    """'zoom in on 3 and 5': the sentences or positions the tool studies, when it has one such list."""
    found = ZOOM.search(text)
    fields = [n for n in ("positions", "sentences") if n in props and n not in said] if found else []
    if len(fields) == 1:
        args[fields[0]] = [int(x) for x in re.findall(r"\d+", found.group(1))]

