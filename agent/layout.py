"""A request laid out over lines, read as the sentence it stands for.

Researchers write a run's settings as a little spec: bullets ("- layers 8 to 11 only\n- batch 4"), numbered steps
("1. prompt: Write a Python class for a stack.\n2. layers 8 and 12\n3. scale -4"), "key: value" lines, bold labels
("**Question**: ...\n**System**: ...\n**Max tokens**: 400") and small tables ("scenario  | hint-planet\nrollouts  | 12",
or a header row over columns: "layer | scales\n10 | 0.5, 1, 2\n14 | 0.5, 1, 2"). Each line is one setting: a free text
ends with its line (the prompt is not the lines after it), a step's number is no setting, and a table says what its
columns hold.
"""

from __future__ import annotations

import re

from agent.complaints import ORDER
# Settings whose value is free text: it ends with its line
FREE = re.compile(r"(?:prompt|q|question|problem|text|system(?: prompt)?|query|insert|sentence to insert|topic|behaviou?r|description|"
                  r"judge question|metric question)", re.I)
# A problem or a chain pasted under a plain label, not a setting
PASTED = re.compile(r"^[ \t]*(?:q|question|problem|cot|chain|reasoning|trace|hinted|unhinted)[ \t]*:[ \t]*\S+(?:\s+\S+){6}", re.I)
_MARK = re.compile(r"\*\*|__")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.M)
_ITEM = re.compile(r"^[ \t]*(?:[-*•][ \t]+|\d{1,2}[.)][ \t]+|\[[ xX]?\][ \t]*)")
_KEYED = re.compile(r"^(?P<lead>[ \t]*(?:[-*•][ \t]+)?)(?P<key>[A-Za-z][\w /.-]{0,24}?)[ \t]*(?::|\|)[ \t]+(?P<value>\S.*?)[ \t]*$")
_ROW = re.compile(r"^[ \t]*[^|\n]+(?:\|[^|\n]+)+[ \t]*$")
_NUMBERS = re.compile(r"^\s*-?\d+(?:\.\d+)?(?:\s*(?:,|-|to)\s*-?\d+(?:\.\d+)?)*\s*$")


def _spec_lines(lines: list[str]) -> int:
    return sum(bool(_ITEM.match(line) or _KEYED.match(line) or _ROW.match(line)) for line in lines)


# A letter's greeting and sign-off, and the header of notes kept for oneself: not the request
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?:\s+[\w.-]+){0,2}\s*[,!.]?[ \t]*\n", re.I)  # the line alone
_SIGN_OFF = re.compile(r"\n\s*(?:thanks|thank you|many thanks|thx|cheers|best|regards|kind regards|best wishes)(?:,?[ \t]*[A-Z][\w.]*(?:[ \t]+[A-Z][\w.]*)?)?"
                       r"[ \t]*[,!.]?(?:\n[ \t]*[A-Z][\w.]*(?:[ \t]+[A-Z][\w.]*)?[ \t]*)?\s*$", re.I)
_NOTES = re.compile(r"^\W*(?:notes?|notebook|lab (?:nb|notebook)|todo|to-do|to do|plan|from [\w' ]{1,30}?(?:sheet|notes|doc|table))\b[^\n]{0,40}:[ \t]*\n", re.I)
# A request that names an item of the notes above it: "step 1 only for now", "do the open TA item", "knock out the TA one"
_STEP_NAMED = re.compile(r"\bstep (\d{1,2})\b", re.I)
_ITEM_NAMED = re.compile(r"\bthe (?:open |unchecked |unticked |remaining |next )?(?:([\w-]+) )?(?:item|one|task|todo)\b", re.I)
# A paragraph that asks: a question, "could you", "please", an order ("ok so: lora on risky, ...", "-> alternatives for ...")
_ASKS = re.compile(rf"\?\s*$|\b(?:could|can|would|will) you\b|\bplease\b|\bpls\b|^\W*(?:ok(?:ay)?\W+so\b|so\s*:|->)|{ORDER.pattern}", re.I | re.M)


def asked_part(text: str) -> str:
    """Of a letter or of notes then a request, the request: the greeting, the sign-off and the paragraphs before the
    request (background: "Reviewer 2 asks why we used 8 rollouts ...") are not read for settings; a step or an open
    item of the notes that the request names is what it asks. `text` itself when it is one paragraph."""
    letter = _GREETING.match(text)
    notes = _NOTES.match(text)
    if not (letter or notes):
        return text
    body = _SIGN_OFF.sub("", text[letter.end():]) if letter else text
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", body) if p.strip()]
    if len(paragraphs) < 2 or not (_ASKS.search(paragraphs[-1]) or notes and (_STEP_NAMED.search(paragraphs[-1]) or _ITEM_NAMED.search(paragraphs[-1]))):
        return body.strip() if letter else text
    request = paragraphs[-1].strip()
    if notes and (_STEP_NAMED.search(request) or _ITEM_NAMED.search(request)):
        item = _item("\n".join(paragraphs[:-1]).split("\n"), request)
        return f"{item}. {request}" if item else text  # (an item not told apart: the notes are read whole)
    return request


def _item(lines: list[str], request: str) -> str | None:
    """The line of the notes the request names, without its mark."""
    step = _STEP_NAMED.search(request)
    if step:
        found = [l for l in lines if re.match(rf"^\s*{step.group(1)}[.)]\s+", l)]
    elif (named := _ITEM_NAMED.search(request)) is not None:
        word = named.group(1) or ""
        found = [l for l in lines if re.match(r"^\s*\[\s?\]", l) and (not word or re.search(rf"\b{re.escape(word)}\b", l, re.I))]
    else:
        return None
    return _ITEM.sub("", found[0]).strip() if len(found) == 1 else None


def read_as_said(text: str) -> str:
    """`text` with a spec's lines said plainly; `text` itself when it is not laid out over lines."""
    text = asked_part(text)
    lines = text.split("\n")
    plain = [_HEADING.sub("", _MARK.sub("", line)) for line in lines]
    if len(lines) < 2 or _spec_lines(plain) < 2 or any(PASTED.match(line) for line in lines):
        return text  # ("Q: <a problem>\nCoT: <its chain>\nAnswer: 60": a pasted item, read as it is)
    lines = _columns(text).split("\n")
    plain = [_HEADING.sub("", _MARK.sub("", line)) for line in lines]
    marked = [bool(_MARK.search(line) or _ITEM.match(line)) for line in lines]
    if sum(bool(re.match(r"^[ \t]*\d{1,2}[.)][ \t]+[a-z]", line, re.I)) for line in plain) >= 2:
        plain = [re.sub(r"^([ \t]*)\d{1,2}[.)][ \t]+(?=[a-z])", r"\1- ", line, flags=re.I) for line in plain]  # the steps' numbers are no settings
    return "\n".join(_line(line, mark) for line, mark in zip(plain, marked))


def _short(value: str) -> bool:
    """A setting's value, not a text: a number, a list, a run id or a few words."""
    return len(value.split()) <= 6 and not re.search(r"[.?!]\s|[?!]$|['\"`“‘=]", value)


def _ended(line: str) -> str:
    """A setting's line ends there: "sentences 1, 3" then "chains 10" is not sentences 1 and 3 chains."""
    return line if re.search(r"[.;:,!?]\s*$", line) else f"{line};"


def _line(line: str, marked: bool) -> str:
    """One line of a spec said plainly: "layers: 6, 12, 18" is "layers 6, 12, 18;", "- prompt: Write ..." quotes it."""
    keyed = _KEYED.match(line)
    if keyed is None or "|" in keyed.group("value"):
        item = _ITEM.match(line)
        return _ended(line) if item and _short(line[item.end():]) else line  # "- layers 8 to 11 only"
    lead, key, value = keyed.group("lead"), keyed.group("key"), keyed.group("value")
    if FREE.fullmatch(key.strip()):
        if not marked or value[0] in "'\"`“‘" or "<" in value:
            return line
        quote = next((q for q in ('"', "'", "`") if q not in value), None)
        return line if quote is None else f"{lead}{key}: {quote}{value}{quote};"
    if not _short(value):
        return line  # "unhinted: Which element ...?", "CoT: 64 = 2^6. ...": a text given, as it is
    return _ended(f"{lead}{key} {value}")  # "chain: <id>" is no paste


def _columns(text: str) -> str:
    """A table of a header row over rows of numbers said column by column ("layer 10, 14\nscales 0.5, 1, 2")."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        rows = []
        for row in lines[i:]:
            if not _ROW.match(row):
                break
            rows.append([cell.strip() for cell in row.split("|")])
        if len(rows) < 3 or any(len(r) != len(rows[0]) for r in rows) or not all(re.fullmatch(r"[A-Za-z][\w -]*", c) for c in rows[0]) \
                or not all(_NUMBERS.match(c) for r in rows[1:] for c in r):
            continue
        said = []
        for j, name in enumerate(rows[0]):
            values = list(dict.fromkeys(v.strip() for r in rows[1:] for v in re.split(r"\s*,\s*", r[j])))
            said.append(f"{name} {', '.join(values)};")
        return "\n".join(lines[:i] + said + lines[i + len(rows):])
    return text
