"""A request corrected while it was typed, read as the user finally meant it.

"scale 2 - wait no, 1.5" is scale 1.5; "10 samples per question... actually make that 25" is 25
samples; "temp 0.9... actually no, make it greedy" is greedy. "rerun the sweep with seed 1 - no wait,
first just pull up the table" and "rerun it... actually never mind, just tell me: ..." drop what came
before the change of mind. Quoted or pasted text (a chain that says "12. Wait, no, 13") is data and is
never corrected. "back to the odd numbers chain: suppression again" is the request, then the run it is of.
"""

from __future__ import annotations

import re

from agent import typos
from agent.arguments import NUMBER, own_words, read

_GAP = r"(?:[\s,!]|-(?!\d)|\.(?!\d))*"  # not the point of ".35", nor the sign of "-6"
_PAUSE = rf"(?:\.{{2,}}|…|[-–—]{{1,2}}|[,;:(.])?\s*(?:\b(?:hmm+|oh|ah|er+m?|uh|oops|sorry|my bad)\b{_GAP})*"
_CHANGE = rf"(?:\b(?:wait|actually|no|nah|i mean|i meant|meant|or rather|rather|sorry|er+m?|oops|my bad|scratch that)\b{_GAP})+"
_NEW = r"(?:(?:make|change|set) (?:it|that|this)(?: to)?\s+|let'?s (?:say|do|go with)\s+|go with\s+|(?:it'?s|is|should be)\s+)?"
_LIST = rf"{NUMBER}(?:(?:\s*(?:,|and|&)\s*(?:and\s+)?|\s+(?:to|through|thru)\s+|\s+){NUMBER})*"  # "13, 14 and 15", "13 14 15", "4 to 6"
# the old value (or list), up to four words naming it ("10 samples per question"), the change of mind, the new value (or list):
# "scale 2 - wait no, 1.5", "16 rollouts -- sorry, 32", "min chars 5, oops meant 15", "80 steps -- hmm, make it 120",
# "scales 1 and 2 -- no, 1 and 4"
VALUE = re.compile(rf"(?<![\w.])\+?({_LIST})((?:%|\s+[a-z%/-]+){{0,4}}?)\s*{_PAUSE}(?:{_CHANGE}{_NEW}|(?:make|change|set) (?:it|that|this)(?: to)?\s+|"
                   r"(?:but\s+)?(?:i said|i asked for|i wanted|it should(?: have)? be(?:en)?|(?:it )?was supposed to be)\s+)"  # "ran at layer 2, I said 12"
                   rf"({_LIST}%?|greedy)(?!\w|\.\d)", re.I)  # "hold out 15% of the documents -- no, 20%"
# the list meant, then the one said before and now taken back: "PCs 0 and 2, not 0 and 1 like I said"
NOT_THAT = re.compile(rf"(?<![\w.])({_LIST})\s*,?\s+(?:not|rather than)\s+({_LIST})(?!\w|\.\d)(?:\s+(?:like|as) I (?:said|wrote|had (?:it)?))?", re.I)
# one value of a list said again: "k = 1, 2, 5 -- make the last one 4"
LAST_ONE = re.compile(rf"(?<![\w.])({NUMBER}(?:\s*(?:,|and|&)\s*(?:and\s+)?{NUMBER})+)\s*{_PAUSE}\s*(?:make|change|set)\s+the\s+(last|first)\s+(?:one|value)\s+"
                      rf"(?:to\s+|into\s+|be\s+)?({NUMBER})(?![\w.])", re.I)
# a change of mind about the whole request: what follows is the request
DROPPED = re.compile(r"(?:^|[\s,.;:!?(-]|…)\s*(?:(?:hmm+|oh|ok)[\s,.]*)?(?:never ?mind|forget (?:it|that|about (?:it|that))|"
                     r"on second thought|scratch that(?![\s,.;:!–—-]*\d)|(?:no wait|wait no|wait,? actually|actually,? no)\b[,.]?\s*(?=(?:first|just|instead|rather)\b))"
                     r"[\s,.;:!-]*(?:(?:first|instead|rather)\b[\s,:]*)?(?P<rest>\S.*)$", re.I | re.S)


# the setting said again with its new value: "sentence three no sorry sentence four", "layer 10, wait, layer 12"
SAID_AGAIN = re.compile(r"\b([a-z]+)\s+(?:-?\d+(?:\.\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s*[,.]?\s*"
                        r"(?:(?:no|sorry|wait|i mean|oops|actually)\b[\s,.]*)+\1\s+(?=[-\w])", re.I)
BACK_TO = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|and|so)\W+)*back to (?P<subject>(?:the|that|our)\s+[^:\"'“]{1,40}?)\s*(?::|[-–—]|,)\s+(?P<rest>[^\"'“]\S.*)$", re.I | re.S)


def corrected(text: str) -> str:
    """The request with each change of mind applied (the text itself where there is none)."""
    text = SAID_AGAIN.sub(lambda m: m.group(1) + " ", text)
    back = BACK_TO.match(text)
    if back and len(back.group("rest").split()) >= 2:  # a return to a subject, then what to do with it: not a payload after the colon
        text = f"{back.group('rest').rstrip()} (on {back.group('subject')})"
    own = own_words(text)
    dropped = DROPPED.search(own)
    if dropped and len(dropped.group("rest").split()) >= 4:
        start = text.find(dropped.group("rest"))
        if start > 0:
            text, own = text[start:], own_words(text[start:])
    for found in reversed(list(LAST_ONE.finditer(own))):  # "k = 1, 2, 5 -- make the last one 4"
        if text.count(found.group(0)) == 1:
            values = re.findall(NUMBER, found.group(1))
            values[0 if found.group(2).lower() == "first" else -1] = found.group(3)
            text = text.replace(found.group(0), ", ".join(values), 1)
    own = own_words(text)
    for found in reversed([*VALUE.finditer(own), *NOT_THAT.finditer(own)]):
        if text.count(found.group(0)) != 1:
            continue  # said inside a quote as well: leave it
        if found.re is NOT_THAT:  # lists only: "sorry, 12 not 21" names the setting to change by its old value
            if len(re.findall(NUMBER, found.group(0))) > 2:
                text = text.replace(found.group(0), found.group(1), 1)
            continue
        new, olds = found.group(3), re.findall(NUMBER, found.group(1))
        if len(re.findall(NUMBER, new)) == 1 and len(olds) > 1:  # "layers 10, 12 -- sorry, 14": the last one said was the slip
            new = found.group(1)[:found.group(1).rindex(olds[-1])] + new
        unit = found.group(2)[1:] if new.endswith("%") and found.group(2).startswith("%") else found.group(2)
        value = "greedy" if new.lower() == "greedy" else f"{new}{unit}"
        text = text.replace(found.group(0), value, 1)
    return NOT_THE_OTHER.sub("", text)


# a run named, then the one it is not: "the plain one, not caft", "(tau 0.4 one, not 0.6)", "my seed-0 chain (not the seed 3 one)";
# the words after "not" describe another run, so they neither pick the run nor set anything
_OTHER = (r"not\s+(?:(?:the\s+|that\s+|my\s+|our\s+)?[\w.+-]+(?:\s+[\w.+-]+){0,2}?"  # a run by its noun, or one word (a value is a
          r"\s+(?:one|run|chain|cot|dict|dictionary|vector|vec|model|lora|adapter|fine-?tune|eval|sweep)|[a-z][\w+-]*)")  # correction)
NOT_THE_OTHER = re.compile(rf"(?<=\w)(?:\s*\(\s*{_OTHER}\s*\)|,\s*{_OTHER}(?=\s*[),.;:!?]|$))", re.I)


# a change of mind said outright: what follows restates a setting said before it ("on tiny-random -- wait no, on the anchor organism")
MIND_CHANGED = re.compile(r"\b(?:no,? wait|wait,? no|ah,? no|oh,? no|no no|actually,? no|(?:sorry|oops),? (?:i )?meant|i meant)\b", re.I)


def mend(text: str, args: dict, props: dict) -> dict:
    """`args` with the settings restated after a change of mind taking their new values, and a mistyped text mended."""
    own = own_words(text)
    changed = list(MIND_CHANGED.finditer(own))
    if changed:
        later = read(props, corrected(own[changed[-1].end():]))[0]
        args = args | {k: v for k, v in later.items() if k in args and k not in ("question", "prompt", "text", "cot", "query")}
    return typos.mended(text, args)
