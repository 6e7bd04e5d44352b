"""A rerun's list edited in words: "swap bored for quick_buck", "scratch 12 from that list and put 20 and 21 in instead".

The list is the earlier run's (its questions, layers, sentences, scales); the items named must be in
it, and what comes in must be a value the setting takes, else nothing is edited.
"""

from __future__ import annotations

import re

_ITEMS = r"[\w.:-]+(?:\s*(?:,|and|&)\s*[\w.:-]+)*"
EDIT = re.compile(rf"\b(?:swap|replace|switch|exchange)\s+(?:out\s+)?(?P<old>{_ITEMS})\s+(?:for|with|by)\s+(?P<new>{_ITEMS})"
                  rf"|\b(?:scratch|drop|remove|take out|cut|lose)\s+(?P<gone>{_ITEMS})(?:\s+(?:from|out of)\s+(?:that|the|this|its)\s+\w+)?"
                  rf"(?:\s*(?:,|;|and)\s*(?:then\s+)?(?:put|add|use)\s+(?P<added>{_ITEMS})(?:\s+in)?(?:\s+instead)?)?", re.I)


def edit(text: str, props: dict, base_args: dict, args: dict) -> None:
    """Apply each swap, removal or addition said of one of the earlier run's lists to `args`."""
    for found in EDIT.finditer(text):
        old = _items(found.group("old") or found.group("gone"))
        new = _items(found.group("new") or found.group("added") or "")
        for name, before in base_args.items():
            if not isinstance(before, list) or name not in props or any(isinstance(v, list) for v in before):
                continue
            said = [str(v).lower() for v in before]
            if not old or not all(item in said for item in old):
                continue
            typed = [_typed(item, before, props[name]) for item in new]
            if any(item is None for item in typed):
                break
            kept = [v for v in before if str(v).lower() not in old]
            args[name] = list(dict.fromkeys([*kept, *typed]))
            if all(isinstance(v, (int, float)) for v in args[name]):
                args[name] = sorted(args[name])
            break


def _items(said: str) -> list[str]:
    """The items named, up to the first word that is none ("swap bored for quick_buck, I meant the money one")."""
    items = []
    for word in (w.lower() for w in re.split(r"\s*(?:,|\band\b|&)\s*", said) if w):
        if len(word) < 2 and not word.isdigit() or word in ("it", "we", "you", "then", "also", "so", "but", "pls", "please", "the"):
            break
        items.append(word)
    return items


def _typed(item: str, like: list, spec: dict):
    """`item` as a value of the list `like` (a number for numbers, an allowed name for names), or None."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in like):
        try:
            value = float(item)
        except ValueError:
            return None
        return int(value) if value.is_integer() and all(isinstance(v, int) for v in like) else value
    allowed = [str(v) for v in (spec.get("items") or {}).get("enum") or []]
    for branch in spec.get("anyOf", []):
        allowed += [str(v) for v in (branch.get("items") or {}).get("enum") or []]
    return next((v for v in allowed if v.lower() == item), None) if allowed else item
