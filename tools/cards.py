"""Method cards: for each tool, what it measures, how to read its numbers, its caveats,
and a natural next experiment; and a glossary of the terms researchers ask about.

The cards live in `cards.toml` beside this module, in the project's own words. The
offline planner answers questions from them ("what does counterfactual importance
mean?", "what should I try next?"); LLM providers get the compact form with each tool.
Importing this module imports neither torch nor the tool modules.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

CARDS_FILE = Path(__file__).with_name("cards.toml")


@dataclass(frozen=True)
class Card:
    tool: str
    measures: str
    numbers: dict[str, str]
    caveats: tuple[str, ...]
    next: tuple[tuple[str, str], ...]  # (what to try, an example request)

    def compact(self) -> str:
        """One paragraph for an LLM's tool description."""
        numbers = "; ".join(f"{k}: {v}" for k, v in self.numbers.items())
        return (f"Measures: {self.measures} Reading: {numbers} Caveats: {' '.join(self.caveats)} "
                f"Next: {' / '.join(what for what, _ in self.next)}")


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with CARDS_FILE.open("rb") as f:
        return tomllib.load(f)


@functools.lru_cache(maxsize=None)
def card(tool: str) -> Card | None:
    raw = _data().get(tool)
    if not isinstance(raw, dict) or "measures" not in raw:
        return None
    return Card(tool, raw["measures"].strip(), dict(raw.get("numbers", {})), tuple(raw.get("caveats", ())),
                tuple(tuple(pair) for pair in raw.get("next", ())))


def papers(tools: list[str] | None = None) -> list[str]:
    """How to cite the papers the methods of `tools` come from (all of them when None), in the cards' order; none for a
    tool of Parley's own."""
    return [p["cite"] for p in _data().get("papers", {}).values() if tools is None or set(p.get("tools", ())) & set(tools)]


def tools_measuring(term: str) -> list[str]:
    """The tools whose card's `measures` names `term` ("counterfactual importance": resample_importance); those named
    after it alone, where some are ("itda": the itda_* tools, not CAFT's card, which mentions ITDA latents)."""
    found = [name for name, raw in _data().items() if isinstance(raw, dict) and _norm(term) in _norm(raw.get("measures", ""))]
    return [name for name in found if _norm(term) in _norm(name)] or found


def terms() -> dict[str, str]:
    return dict(_data().get("terms", {}))


def aliases() -> dict[str, str]:
    return dict(_data().get("aliases", {}))


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip()


@functools.lru_cache(maxsize=1)
def _term_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, term) for every glossary name and alias, longest first; compiled once (they outnumber re's own cache)."""
    glossary = terms()
    names = {_norm(t): t for t in glossary} | {_norm(a): t for a, t in aliases().items() if t in glossary}
    return tuple((re.compile(rf"(?<![a-z0-9]){re.escape(name)}(?:e?s)?(?![a-z0-9])"), names[name])
                 for name in sorted(names, key=len, reverse=True))


def find_terms(text: str) -> list[tuple[str, str]]:
    """The glossary terms named in `text` (longest first, aliases resolved): [(term, definition)]."""
    lowered = f" {_norm(text)} "
    glossary = terms()
    found, taken = [], lowered
    for pattern, term in _term_patterns():
        if pattern.search(taken):
            if term not in [t for t, _ in found]:
                found.append((term, glossary[term]))
            taken = pattern.sub(" ", taken)
    order = {t: lowered.find(_norm(t)) for t, _ in found}
    return sorted(found, key=lambda tf: order[tf[0]] if order[tf[0]] >= 0 else 10**6)


def reading(tool: str, field: str) -> str | None:
    """How to read one number of a tool's result."""
    c = card(tool)
    if c is None:
        return None
    key = _norm(field)
    return next((v for k, v in c.numbers.items() if _norm(k) == key or key in _norm(k)), None)
