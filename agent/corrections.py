"""A request corrected while it was typed, read as the user finally meant it.

"scale 2 - wait no, 1.5" is scale 1.5; "10 samples per question... actually make that 25" is 25
samples; "temp 0.9... actually no, make it greedy" is greedy. "rerun the sweep with seed 1 - no wait,
first just pull up the table" and "rerun it... actually never mind, just tell me: ..." drop what came
before the change of mind. Quoted or pasted text (a chain that says "12. Wait, no, 13") is data and is
never corrected. "back to the odd numbers chain: suppression again" is the request, then the run it is of.
"""

from __future__ import annotations

import re

from agent.arguments import NUMBER, own_words

_PAUSE = r"(?:\.{2,}|…|[-–—,;:(.])?\s*(?:(?:hmm+|oh|erm?|uh|ah|oops|sorry)\b[\s,.!-]*)*"
_CHANGE = r"(?:(?:wait|actually|no|nah|i mean|or rather|rather)\b[\s,.!-]*)+"
_NEW = r"(?:(?:make|change|set) (?:it|that|this)(?: to)?\s+|let'?s (?:say|do|go with)\s+|go with\s+)?"
# the old value, up to four words naming it ("10 samples per question"), the change of mind, the new value
VALUE = re.compile(rf"(?<![\w.])({NUMBER})((?:\s+[a-z%/-]+){{0,4}}?)\s*{_PAUSE}{_CHANGE}{_NEW}({NUMBER}|greedy)(?!\w|\.\d)", re.I)
# a change of mind about the whole request: what follows is the request
DROPPED = re.compile(r"(?:^|[\s,.;:!?(-]|…)\s*(?:(?:hmm+|oh|ok)[\s,.]*)?(?:never ?mind|scratch that|forget (?:it|that|about (?:it|that))|"
                     r"on second thought|(?:no wait|wait no|wait,? actually|actually,? no)\b,?\s*(?=(?:first|just|instead|rather)\b))"
                     r"[\s,.;:!-]*(?:(?:first|instead|rather)\b[\s,]*)?(?P<rest>\S.*)$", re.I | re.S)


BACK_TO = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|and|so)\W+)*back to (?P<subject>(?:the|that|our)\s+[^:\"'“]{1,40}?)\s*(?::|[-–—]|,)\s+(?P<rest>[^\"'“]\S.*)$", re.I | re.S)


def corrected(text: str) -> str:
    """The request with each change of mind applied (the text itself where there is none)."""
    back = BACK_TO.match(text)
    if back and len(back.group("rest").split()) >= 2:  # a return to a subject, then what to do with it: not a payload after the colon
        text = f"{back.group('rest').rstrip()} (on {back.group('subject')})"
    own = own_words(text)
    dropped = DROPPED.search(own)
    if dropped and len(dropped.group("rest").split()) >= 4:
        start = text.find(dropped.group("rest"))
        if start > 0:
            text, own = text[start:], own_words(text[start:])
    for found in reversed(list(VALUE.finditer(own))):
        if text.count(found.group(0)) != 1:
            continue  # said inside a quote as well: leave it
        new = found.group(3)
        value = "greedy" if new.lower() == "greedy" else f"{new}{found.group(2)}"
        text = text.replace(found.group(0), value, 1)
    return text
