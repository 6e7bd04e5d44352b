"""Settings named by a superlative over an earlier run's numbers.

"rerun only the most resilient sentence", "the question with the highest em rate", "the two layers where the
projection dropped most", "only in the layers of the top two heads", "the k that gave the sharpest turn": the
newest run that gives that kind of item a number each (its result's rows, as em_evaluate's per-question table; else
its summary: S5 9.5, quick_buck 4/8, L15 (-92%), 11.3 (9.84), k=3 -0.82, a table of one sentence a line, or a per-layer
list 0.91 / 0.95 beside its layers) is read the way the user read it, and the item
with the highest (or lowest, or largest) number fills the setting. Where a summary gives two series for the
same items ("resilience ...; change in blackmail rate: ..."), the one whose words the request shares is read.
"""

from __future__ import annotations

import functools
import re

from agent import arguments, found_in
from agent.dialogue_state import DialogueState
from agent.phrases import asked_part
from agent.run_kinds import RUN_ID
from agent.wording import SPELLED

# what a request picks -> how a summary labels it, and the settings it fills (the first the tool has)
ITEMS = {
    "sentence": (r"(?:\bS|\bsentence\s+)(\d+)\b", ("sentence", "sentences")),
    "layer": (r"(?:\bL|\blayer\s+)(\d+)\b(?!\.\d)", ("ablate_layers", "layers", "layer")),
    "head": (r"\bL(\d+)H\d+\b(?:\s+(?:kurtosis|score))?|(?<![\w.])(\d+)\.\d+(?=\s*\()", ("ablate_layers", "layers")),  # a head fills its layer
    "question": (None, ("questions",)),  # labelled by the tool's own question ids
    "k": (r"\bk\s*=\s*(\d+)\b", ("ks",)),
    "component": (r"\bPC\s*(\d+)\b", ("components",)),
}
NOUNS = {"sentence": "sentence", "sent": "sentence", "layer": "layer", "head": "head", "question": "question", "k": "k", "component": "component",
         "pc": "component", "principal component": "component"}
COUNT = r"one|two|three|four|five|\d"
SUPER = r"highest|lowest|most|least|biggest|largest|smallest|greatest|best|worst|strongest|weakest|sharpest|top|peak|max(?:imum)?|min(?:imum)?|fewest"
NOUN = "|".join(sorted(NOUNS, key=len, reverse=True))
# "the most resilient sentence", "the top two heads", "the two most important sentences"
BEFORE = re.compile(rf"\bthe\s+(?:({COUNT})\s+)?({SUPER})(?:\s+({COUNT}))?((?:[\s-]+[\w+-]+){{0,3}}?)\s+({NOUN})s?\b", re.I)
# "the question with the highest em rate", "the two layers where the projection dropped most", "the k that gave the sharpest turn"
AFTER = re.compile(rf"\bthe\s+(?:({COUNT})\s+)?({NOUN})s?\s+(?:(?:with|where|whose|that|which|at which|in which)\b|w/)([^,.;:?!]{{0,50}}?)"
                   rf"\b({SUPER})\b([^,.;:?!]{{0,30}})", re.I)
BARE_SUPER = ("top", "best", "strongest", "weakest", "worst")  # "the top two heads"; "the highest layer" is the deepest, not a score
DOWN = re.compile(r"\b(?:drop\w*|fell|fall\w*|decreas\w*|reduc\w*|shr[au]nk|lowered)\b", re.I)
VALUE = r"\s*(?:[:=]\s*)?(?:\(\s*)?([+-]?\d*\.?\d+)\s*(%|/\s*\d+)?"
CONTINUED = re.compile(r"\)?\s*,?\s*(?:then\s+|and\s+)?(\d+)\s*\(\s*([+-]?\d*\.?\d+)\s*\)")  # ", then 12 (2.48) and 19 (1.93)"
STOP = frozenset("the a an with where whose that which gave got had has was were is it its in of at by on one most".split())


# "the least important sentence", "the longest one": words an earlier summary may name an item by ("least important: sentence 5")
NAMED = re.compile(rf"\bthe\s+((?:most|least)\s+[a-z-]+|[a-z]+est)\s+(?:one|({NOUN}))s?\b", re.I)


def pick(text: str, props: dict, args: dict, state: DialogueState) -> None:
    """Fill the setting a superlative in `text` names, where none was said."""
    if _named(text, props, args, state):
        return
    asked = _asked(asked_part(text))
    if asked is None:
        return
    item, count, way, measure, _ = asked
    field = next((f for f in ITEMS[item][1] if f in props), None)
    many = field is not None and "array" in arguments.types_of(props[field])
    if field is None or field in args or count > 1 and not many:
        return
    series = _series(item, measure, state, props)
    if not series:
        return
    values = list(series.items())
    if way == "abs":
        values.sort(key=lambda kv: -abs(kv[1]))
    else:
        values.sort(key=lambda kv: kv[1], reverse=way == "max")
    if len(values) < count:
        return
    if len(values) > count and _key(values[count - 1], way) == _key(values[count], way):
        return  # "the worst question" with two level at 0.38: which is not said (an expensive run asks)
    chosen = sorted({label for label, _ in values[:count]})
    args[field] = chosen if many else chosen[0]


def _key(pair: tuple, way: str) -> float:
    return abs(pair[1]) if way == "abs" else pair[1]


def _named(text: str, props: dict, args: dict, state: DialogueState) -> bool:
    """Fill the setting of the item the newest summary names by the request's own superlative ("the longest one" after
    "the longest is sentence 6"); False when none does."""
    said, before = NAMED.search(text), BEFORE.search(text)
    measured = before is not None and not said and not before.group(1) and not before.group(3) and before.group(4).strip(" -")
    if measured:  # "the top resampling-importance sentence" after "top resampling importance: sentence 2"
        word, measure = before.group(2), _words(before.group(4))
        nouns = [before.group(5)]
    else:
        word, measure = said.group(1) if said else "", set()
        nouns = [said.group(2)] if said and said.group(2) else []
    items = [NOUNS[nouns[0].lower()]] if nouns else list(ITEMS) if said else []
    fields = [(item, f) for item in items if ITEMS[item][0] for f in [next((f for f in ITEMS[item][1] if f in props), None)]
              if f and f not in args]
    for run in reversed(state.runs if fields else []):
        for item, field in fields:
            named = re.search(rf"\b{re.escape(word)}((?:[\s-]+[a-z][\w-]*){{0,4}}?)(?:\s+(?:one|{NOUN}))?\s*(?:is|was|[:=,-])?\s*{ITEMS[item][0]}",
                              run.summary or "", re.I)
            if named and measure and not measure <= _words(named.group(1)):
                continue
            if named and not measure and named.group(1).strip():
                continue
            if named:
                number = int(next(g for g in named.groups()[1:] if g))
                args[field] = [number] if "array" in arguments.types_of(props[field]) else number
                return True
    return False


def unsettled(text: str, tool: dict, args: dict, state: DialogueState | None = None) -> str | None:
    """The question to ask when `text` picks a setting of an expensive `tool` by a superlative that no run in sight
    settles ("sweep at the layer that separated best" where the build gives no number per layer, or "the worst question"
    where two are level in the newest table), else None."""
    if tool["cost"] != "expensive" or RUN_ID.search(text):
        return None
    asked = _asked(asked_part(text))  # not "the worst question rests on a couple of answers. Please run the same evaluation again"
    props = tool["schema"].get("properties", {})
    field = next((f for f in ITEMS[asked[0]][1] if f in props), None) if asked else None
    if field is None or field in args:
        return None
    scores = {label: _key((label, value), asked[2]) for label, value in (_series(asked[0], asked[3], state, props) if state else {}).items()}
    top = (min if asked[2] == "min" else max)(scores.values(), default=None)
    level = [str(label) for label, score in scores.items() if score == top]
    if len(level) >= 2:
        return f"{' and '.join(level)} are level ({top:g}), so \"{asked[4]}\" is not one {asked[0]}. Which do you mean?"
    return (f"I can't tell which {asked[0]} \"{asked[4]}\" is: no run in sight gives each {asked[0]} one number that settles it. "
            f"Which {asked[0]} do you mean?")


@functools.lru_cache(maxsize=256)
def _asked(text: str) -> tuple[str, int, str, frozenset[str], str] | None:
    """(item, how many, 'max' | 'min' | 'abs', the measure's words, the words said) of a superlative the request picks by, or None."""
    before, after = BEFORE.search(text), AFTER.search(text)
    if before and (before.group(4).strip() or before.group(2).lower() in BARE_SUPER):
        count, word, noun, measure, said = before.group(1) or before.group(3), before.group(2), before.group(5), before.group(4), before.group(0)
    elif after:
        count, noun, word, measure, said = after.group(1), after.group(2), after.group(4), after.group(3) + " " + after.group(5), after.group(0).strip()
    else:
        return None
    item = NOUNS[noun.lower()]
    count = int(SPELLED.get(count.lower(), count)) if count else 1
    word = word.lower()
    if word in ("lowest", "least", "smallest", "weakest", "min", "minimum", "fewest"):
        way = "min"
    elif word in ("best", "worst"):  # a question is scored by its EM rate: "the worst question" is the most misaligned
        lower = found_in.LOWER_IS_BETTER.search(measure) or item == "question" and not measure.strip()
        way = "min" if (word == "best") == bool(lower) else "max"
    elif DOWN.search(measure) and word in ("most", "biggest", "largest", "greatest"):
        way = "min"  # "where the projection dropped most": the most negative change
    elif word in ("most", "biggest", "largest", "greatest", "strongest", "sharpest"):
        way = "abs"
    else:
        way = "max"
    return item, count, way, frozenset(_words(" ".join(w for w in measure.lower().split() if w not in STOP))), said  # read once a turn: pick, then unsettled


def _series(item: str, measure: frozenset[str], state: DialogueState, props: dict) -> dict[int | str, float]:
    """Of the newest run that gives `item`s a number each (its result's rows, else its summary), the series whose words
    share most with `measure`: label -> value."""
    for run in reversed(state.runs):
        found = _rows(item, run.result) + _written(item, run, props)
        found = [(words, pairs) for words, pairs in found if len(pairs) >= 2]
        if found:
            return max(found, key=lambda f: len(_words(f[0]) & measure))[1]  # ties: the first given
    return {}


ROW_KEYS = {"sentence": "index", "question": "question", "k": "k", "layer": "layer"}  # the column a result's rows name the item by


def _rows(item: str, result: dict) -> list[tuple[str, dict]]:
    """One series per numeric column of a result's rows ("rows": [{"index": 2, "mean_resilience": 7.7, ...}]), named by the column."""
    key, found = ROW_KEYS.get(item), []
    for rows in (result.get(name) for name in ("rows", "questions", "tasks")) if key else ():
        rows = [r for r in rows or [] if isinstance(r, dict) and r.get(key) is not None] if isinstance(rows, list) else []
        columns = {c for r in rows for c, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                   and c != key and not re.search(r"(?:^|_)(?:index|step|low|high|n|count|layer)$", c)}
        found += [(c.replace("_", " "), {r[key]: float(r[c]) for r in rows if isinstance(r.get(c), (int, float))}) for c in sorted(columns)]
    return found


def _written(item: str, run, props: dict) -> list[tuple[str, dict]]:
    """The series its summary writes: a list in one clause ("S0 1.2, S1 3.4"), a table of one item a line under its
    header ("S#  resilience ..." then "S2  7.70  50% ..."), or a per-layer list beside the run's layers."""
    found, table, header = [], None, ""
    for line in (run.summary or "").splitlines():
        pieces = re.split(r";\s+|\.\s+(?=[A-Z])", line)
        for piece in pieces:
            pairs = _pairs(item, piece, props)
            if len(pairs) == 1 and len(pieces) == 1:  # a row of a table
                if table is None:
                    table = (header, {})
                    found.append(table)
                table[1].update(pairs)
                continue
            table, header = None, piece
            if len(pairs) >= 2:
                found.append((piece, pairs))
            elif item == "layer" and isinstance(run.args.get("layers"), list):
                found += _per_layer(piece, run.args["layers"])
    return found


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z][a-z+-]+", text.lower())}


def _pairs(item: str, part: str, props: dict) -> dict[int | str, float]:
    if item == "question":
        ids = [q for q in props.get("questions", {}).get("examples", []) if isinstance(q, str)]
        label = r"\b(" + "|".join(map(re.escape, ids)) + r")\b" if ids else None
    else:
        label = ITEMS[item][0]
    if label is None:
        return {}
    pairs: dict[int | str, float] = {}
    for found in re.finditer(rf"(?:{label}){VALUE}", part):  # one label of several forms ("L14H3", "14.3 (")
        name = next(g for g in found.groups()[:-2] if g is not None)
        arrow = re.match(r"\s*(?:->|→)\s*([+-]?\d*\.?\d+)", part[found.end():])  # "S6 0.75 -> 0.19": the change
        pairs.setdefault(name if item == "question" else int(name), float(arrow.group(1)) - _scaled(found) if arrow else _scaled(found))
        if item != "question":  # "layer 13 (2.71), then 12 (2.48) and 19 (1.93)": the label said once
            at = found.end()
            while more := CONTINUED.match(part, at):
                pairs.setdefault(int(more.group(1)), float(more.group(2)))
                at = more.end()
    return pairs


def _scaled(found: re.Match) -> float:
    """The number a pair gives: '4/8' is 0.5, '-92%' is -92 (a series is written in one unit)."""
    groups = found.groups()
    number, unit = float(groups[-2]), groups[-1]
    if unit and unit.startswith("/"):
        whole = float(unit[1:].strip())
        return number / whole if whole else number
    return number


def _per_layer(part: str, layers: list) -> list[tuple[str, dict[int, float]]]:
    """'held-out FVE 0.91 / 0.95 / 0.87 / 0.79' beside layers [6, 12, 18, 24]: one series per such list."""
    found = []
    for listed in re.finditer(r"([A-Za-z][\w' -]{0,40}?)\s*[:=]?\s*(-?\d*\.?\d+(?:\s*/\s*-?\d*\.?\d+)+)(?![\d,])", part):
        values = [float(v) for v in re.findall(r"-?\d*\.?\d+", listed.group(2))]
        if len(values) == len(layers) and all(isinstance(v, int) for v in layers):
            found.append((listed.group(1), dict(zip(layers, values))))
    return found
