"""A typo in a text argument, mended as the user says it should read.

"typo in the question, it should've been 17 * 42. redo it" after "What is 17 * 24?"; "which atoms
does 'The defendant was aquitted on all charges.' use? typo, acquitted"; "the question was 'What is
3/4 of 60?' -- typo, 3/5 of 60". The words said replace the stretch of the text most like them; a
stretch too unlike them (or no text said to be mistyped) leaves every argument as it was.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

FREE = ("question", "hinted_question", "prompt", "text", "system", "query")
FIX = re.compile(r"\b(?:typo|mistyped|misspelled|misspelt)\b[^.;!?]{0,40}?(?:[,:]|--|—|\bit\s+should(?:'ve| have)?\s+(?:been|read|say|be)\b|\bshould(?:'ve| have)?\s+(?:been|read|say|be)\b)\s*"
                 r"(?:it'?s\s+|is\s+)?(?P<fix>['\"“][^'\"”]{1,80}['\"”]|[^.;!?,'\"]{2,60}?)(?=\s*(?:[.;!?,]|--|—|$|\s+(?:not|instead|redo|rerun|and|the chain)\b))", re.I)


def mended(text: str, args: dict) -> dict:
    """`args` with the stretch of a text argument that the user says was mistyped replaced by what they say it should be."""
    found = FIX.search(text)
    if not found:
        return args
    fix = found.group("fix").strip().strip("'\"“”").strip()
    if len(re.sub(r"\W", "", fix)) < 3:
        return args
    best = None
    for name in FREE:
        value = args.get(name)
        if not isinstance(value, str) or fix in value:
            continue
        for start, stop in _windows(value, len(fix.split())):
            ratio = SequenceMatcher(None, value[start:stop].lower(), fix.lower()).ratio()
            if ratio >= 0.6 and (best is None or ratio > best[0]):
                best = (ratio, name, start, stop)
    if best is None:
        return args
    _, name, start, stop = best
    return args | {name: args[name][:start] + fix + args[name][stop:]}


def _windows(value: str, words: int) -> list[tuple[int, int]]:
    """Each stretch of `words` words in `value` (its trailing punctuation left out), as character spans."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\s]+", value)]
    out = []
    for i in range(len(spans) - words + 1):
        start, stop = spans[i][0], spans[i + words - 1][1]
        while stop > start and value[stop - 1] in ".,;:!?)'\"":
            stop -= 1
        out.append((start, stop))
    return out
