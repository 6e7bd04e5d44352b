"""A part of the newest result pointed at on the screen, read as the item it is.

A researcher looking at a chart or a table says "the bar that sticks out", "the spike", "the big negative one",
"that dip", "the bottom row", "the first and third rows of that list", "the top-right cell", "the highlighted
sentence". The newest result that gives its items a number each (its summary: "s3 +0.47", "L18 0.37/0.21/0.06",
"p2 +0.34", "quick_buck 0.50", "PC2 'crypto, ...'", atoms "5012 'gamble'") says which item that is, and the words
are replaced by the item ("sentence 3", "layer 18 at scale 4", "components 0 and 2"). Two items that tie for the
extreme are asked about.
"""

from __future__ import annotations

import re

from agent.dialogue_state import DialogueState

# how a summary labels an item -> how a request names it
LABELS = [(r"(?<![\w.])(?:s|S|sentence\s+)(\d+)\b", "sentence {}"), (r"(?<![\w.])(?:L|layer\s+)(\d+)(?![\d.]|H\d)", "layer {}"),
          (r"(?<![\w.])(?:p|P|position\s+)(\d+)\b", "position {}"), (r"(?<![\w.])PC\s*(\d+)\b", "component {}"),
          (r"(?<![\w.-])([a-z]+(?:_[a-z]+)+)\b", "{}")]  # a question's id names itself
VALUE = r"\s*(?:[:=]\s*)?(?:\(\s*)?([+-]?\d*\.?\d+)(?![\d/])"
ATOM = re.compile(r"(?<![\w.])(\d{3,6})\s+(?:\(\s*[+-]?\d*\.\d+\s*,\s*)?'")  # "5012 'gamble' in ...", "3301 (0.62, 'bank' ..."
HIGH = (r"(?:bar|one|sentence|layer|position|row|point|entry)\s+that\s+sticks\s+out|(?:that|the)\s+spike|(?:\b(?:that|the)\s+|^\s*)peak\b(?!\s+(?:layer|scale|cell|sentence|position|step)s?\b)(?:\s+of\s+(?:that|the)\s+[\w-]+\s+curve)?"
        r"|(?:that|the)\s+outlier|the\s+(?:biggest|largest|tallest|highest)\s+(?:one|bar|point|spike)|the\s+(?:sentence|one)\s+everything\s+attends\s+(?:back\s+)?to")
LOW = r"the\s+(?:big|large)\s+negative\s+one|the\s+most\s+negative\s+one|(?:that|the)\s+(?:dip|trough)|(?:that|the)\s+low(?:est)?\s+point"
POINTED = re.compile(rf"(?P<high>{HIGH})|(?P<low>{LOW})|(?P<told>the\s+worst\s+(?:one|layer|sentence|position)\b)", re.I)  # worst: as the summary says
_NTH = {"first": 0, "top": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1, "bottom": -1}
ROWS = re.compile(r"(?:\bthe\s+|^\s*)(first|top|second|third|fourth|fifth|last|bottom|middle)(?:\s+(?:and|&)\s+(?:the\s+)?(first|second|third|fourth|fifth|last))?"
                  r"\s+(?:rows?|entr(?:y|ies)|lines?|items?|bars?)(?:\s+(?:of|in|from)\s+(?:that|the|this)\s+(?:list|table|chart))?\b", re.I)
TOP_N = re.compile(r"\bthe\s+(?:top|first)\s+(two|three|four|five|\d)\s+(?:atoms|rows|entries|items|sentences|ones)\s+(?:from|of|in)\s+(?:that|the|this)\s+"
                   r"(?:list|table)\b", re.I)
CORNER = re.compile(r"\b(?:the\s+)?(top|bottom)[\s-](left|right)(?:[\s-]most)?\s+cell\b", re.I)
MARKED = re.compile(r"\bthe\s+(?:one\s+in\s+bold|bold(?:ed)?\s+one|highlighted\s+(?:one|sentence|row)|flagged\s+(?:one|sentence))\b", re.I)
_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5}


def named(text: str, state: DialogueState) -> tuple[str, str | None]:
    """`text` with a part of the newest result it points at replaced by that item, and the question to ask when
    the words fit two items as well (None when they fit one, or none is pointed at)."""
    for run in reversed(state.runs[-3:]):
        summary = run.summary or ""
        if marked := MARKED.search(text):
            found = re.search(r"\b(?:highlighted|bold|flagged)\W+(?:\w+\W+){0,3}?(sentence|layer|atom)\s+(\d+)", summary, re.I)
            if found:
                return _put(text, marked, f"{found.group(1).lower()} {found.group(2)}"), None
        if corner := CORNER.search(text):
            cell = _corner(summary, corner.group(1).lower(), corner.group(2).lower())
            if cell:
                return _put(text, corner, cell), None
        pointing = POINTED.search(text)
        if pointing and (own := _told(summary, pointing.group(0))):
            return _put(text, pointing, own), None
        items = _series(summary)
        if not items:
            continue
        form, values = items
        if said := TOP_N.search(text):
            count = _COUNT.get(said.group(1).lower(), int(said.group(1)) if said.group(1).isdigit() else 0)
            return _put(text, said, _many(form, list(values)[:count])), None
        if said := ROWS.search(text):
            labels = list(values)
            if said.group(1).lower() == "middle":
                if len(labels) % 2 == 0:
                    continue
                picked = [labels[len(labels) // 2]]
            else:  # "the third row" of two names none
                places = [_NTH[w.lower()] for w in said.groups()[:2] if w]
                if not all(-len(labels) <= i < len(labels) for i in places):
                    continue
                picked = [labels[i] for i in places]
            return _put(text, said, _many(form, picked)), None
        if (said := pointing) and not said.group("told") and len(values) >= 2:
            middle = sorted(values.values())[len(values) // 2]
            outlier = "outlier" in said.group(0).lower()  # the farthest from the middle value, either way
            score = {label: abs(v - middle) if outlier else v if said.group("high") else -v for label, v in values.items()}
            ranked = sorted(score, key=lambda label: -score[label])
            level = [label for label in ranked if score[label] == score[ranked[0]]]
            if len(level) >= 2:
                tied = " or ".join(form.format(label) for label in level)
                return text, f"These are level there ({tied}: {', '.join(f'{values[label]:g}' for label in level)}). Which one do you mean?"
            return _put(text, said, form.format(ranked[0])), None
        return text, None
    return text, None


def _put(text: str, said: re.Match, item: str) -> str:
    return text[:said.start()] + item + text[said.end():]


def _many(form: str, labels: list) -> str:
    if len(labels) == 1:
        return form.format(labels[0])
    return form.replace(" {}", "s {}").format(", ".join(map(str, labels[:-1])) + " and " + str(labels[-1]))


def _series(summary: str) -> tuple[str, dict] | None:
    """The first list in `summary` that gives two or more items of one kind a number each: (how to name one, label -> value)."""
    for piece in re.split(r";\s+|\.\s+(?=[A-Z])", summary):
        for label, form in LABELS:
            pairs = {}
            for found in re.finditer(label + VALUE, piece):
                key = found.group(1) if form == "{}" else int(found.group(1))
                pairs.setdefault(key, float(found.group(2)))
            if len(pairs) >= 2:
                return form, pairs
        rows = re.findall(r"(?<![\w.])L(\d+)\s+((?:[+-]?\d*\.?\d+/)+[+-]?\d*\.?\d+)", piece)  # a sweep's rows: "L6 0.44/0.43/0.38"
        if len(rows) >= 2:
            return "layer {}", {int(layer): float(values.split("/")[-1]) for layer, values in rows}
        atoms = [int(a) for a in ATOM.findall(piece)]
        if len(atoms) >= 2:
            return "atom {}", {a: -i for i, a in enumerate(atoms)}  # in the order given, the first on top
        components = [int(c) for c in re.findall(r"\bPC\s*(\d+)\s+'", piece)]
        if len(components) >= 2:
            return "component {}", {c: -i for i, c in enumerate(components)}
    return None


def _told(summary: str, said: str) -> str | None:
    """The item the summary itself names by the word pointed with: 'a low point at layer 16', 'bottoms out ... around step 40'."""
    word = {"dip": r"dip|bottoms?\s+out|low\s+point|minimum", "trough": r"trough|bottoms?\s+out|low\s+point",
            "spike": "spike|jump", "worst": "worst", "peak": "peak|peaks|highest", "low point": r"low\s+point|dip|bottoms?\s+out"}
    key = next((k for k in word if k in said.lower()), None)
    found = key and re.search(rf"\b(?:{word[key]})\b(?:[^;.]|\.(?=\d)){{0,40}}?\b(layer|sentence|step|position)\s+(\d+)", summary, re.I)
    if found and found.group(1).lower() == "step":
        return f"{found.group(2)} steps"  # "stop at that dip" of a loss curve: training that long
    return f"{found.group(1).lower()} {found.group(2)}" if found else None


def _corner(summary: str, row: str, column: str) -> str | None:
    """'the top-right cell' of a sweep's table: its first or last row (a layer), at its first or last column (a scale)."""
    rows = re.findall(r"(?<![\w.])L(\d+)\s+((?:\d*\.?\d+/)+\d*\.?\d+)", summary)
    scales = re.search(r"\bscales?\s+([+-]?\d*\.?\d+(?:/[+-]?\d*\.?\d+)+)", summary)
    if len(rows) < 2 or not scales:
        return None
    layer = rows[0 if row == "top" else -1][0]
    scale = scales.group(1).split("/")[0 if column == "left" else -1]
    return f"layer {layer} at scale {scale}"
