"""Parley's own output copied back into a request: a summary line, a table row, a run's arguments as JSON, a
line of `parley runs list`, an error quoted after ">".

Researchers in a terminal copy what Parley printed into their next message ("`largest outflow: sentence 1
(mean log KL -1.9)` show me the matrix that's from", "'{"layers": [12], "scale": 4.0}' rerun that w/ seed 2").
What is copied says which run is meant (the one whose summary or arguments hold it; two that do leave it
open), and it is no request: the router never reads a tool's name or a number out of it.
"""

from __future__ import annotations

import json
import re

from agent.run_kinds import RUN_ID

_SPACE = re.compile(r"\s+")
# Pieces of a message that may be copied: a line, a quoted or ticked span, a line after ">"
_QUOTED = re.compile(r"`([^`\n]{8,})`|'([^'\n]{8,})'|\"([^\"\n]{8,})\"|^[ \t]*>[ \t]*(.{8,})$", re.M)
_LINE = re.compile(r"^.{8,}$", re.M)
_RUNS_ROW = re.compile(rf"\s*{RUN_ID.pattern}(?:\s{{2,}}|\t)\S")  # "20270107-092348-itda_build-63d2  itda_build  smollm2-135m  30 layers"


def _plain(text: str) -> str:
    return _SPACE.sub(" ", text).strip(" .,;:'\"`").lower()


def _json_of(piece: str) -> dict | None:
    try:
        found = json.loads(piece)
    except ValueError:
        return None
    return found if isinstance(found, dict) and found else None


_last: tuple = (None, [])  # (key, pieces) of the last call: one turn asks about the same text and runs 4-5 times


def copies(text: str, runs: list) -> list[tuple[str, list]]:
    """(each piece of `text` copied from the conversation's runs, the runs it was copied from), in order."""
    global _last
    key = (text, tuple((r.run_id, r.summary, repr(r.args)) for r in runs))
    last = _last  # one read: another thread's call replaces the pair whole, never half
    if last[0] != key:
        last = _last = (key, _copies(text, runs))
    return last[1]


def _copies(text: str, runs: list) -> list[tuple[str, list]]:
    found: list[tuple[str, list]] = []
    quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]
    for piece, line in [(q, False) for q in quoted] + [(m.group(0), True) for m in _LINE.finditer(text)]:
        if line and _RUNS_ROW.match(piece):  # a row of `parley runs list`: the runs it names
            found.append((piece, [r for r in runs if r.run_id in RUN_ID.findall(piece)]))
            continue
        if (args := _json_of(piece.strip())) is not None:  # '{"layers": [12], "scale": 4.0}': the runs that ran with those
            found.append((piece, [r for r in runs if all(_same(r.args.get(k), v) for k, v in args.items())]))
            continue
        plain = _plain(piece)
        if len(plain) < 12 or len(plain.split()) < 3:
            continue
        holders = [r for r in runs if plain in _plain(r.summary or "")]
        if holders:
            found.append((piece, holders))
    return found


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def without(text: str, runs: list) -> str:
    """`text` with what was copied from the conversation's runs blanked: what is left is the request (`text` itself
    when little else is left)."""
    rest = text
    for piece, _ in copies(text, runs):
        rest = rest.replace(piece, " ")
    return rest if len(re.findall(r"[a-z]{2,}", rest, re.I)) >= 2 else text


POINTED = re.compile(r"\b(?:this|that|these|those|it|from|printed|came|line|row)\b", re.I)


def json_given(value: str) -> bool:
    """'{"layers": [12], "scale": 4.0}': a run's arguments, never a prompt or a question."""
    return _json_of(value.strip()) is not None


def one(text: str, runs: list):
    """The one run the text copied came from, else None."""
    found = source(text, runs)
    return found[0] if found and len(found) == 1 else None


def source(text: str, runs: list) -> list | None:
    """The runs the copied text came from (the last piece copied that names some), or None when nothing is copied."""
    found = [holders for _, holders in copies(text, runs) if holders]
    if not found:
        return None
    ids = {r.run_id for r in found[-1]}
    return list({r.run_id: r for r in runs if r.run_id in ids}.values())
