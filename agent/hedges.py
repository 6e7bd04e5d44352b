"""Settings said while thinking aloud, read as the value the user settled on.

"under 15 chars maybe? eh, make it 20" is 20; "3057? no, 3075" is 3075; "threshold around 0.5, maybe a bit
lower... 0.45" is 0.45; "tau, hmm, 0.3 or 0.5? build both" is both; "ks 1, 2, 4, oh and 8" is four of them;
"rollouts... let's say 20 for now" is 20; "0.9ish", "10 or so", "13 to 17 maybe" are the numbers said.
A value only wondered about ("scale 6?") is still the value: nothing else was said.
"""

from __future__ import annotations

import re

from agent.wording import outside_quotes

_N = r"-?(?:\d+(?:\.\d+)?|\.\d+)"
_LIST = rf"{_N}(?:(?:\s*(?:,|and|&)\s*(?:and\s+)?|\s+(?:to|through|thru)\s+){_N})*"
_WORDS = r"(?:(?:eh|hmm+|yeah|yes|yep|fine|ok(?:ay)?|well|no|nah|actually|wait|so)\b[\s,.!]*)"
_TO = r"(?:(?:make|change|set) (?:it|that)(?: to)?\s+|let'?s (?:say|do|go with|make it)\s+|go with\s+|say\s+)"
# the value wondered about, what is said about it up to a "?" (then a word that settles: "3057? no, 3075") or a pause
# ("around 0.5, maybe a bit lower... 0.45"), and the value settled on
SETTLED = re.compile(rf"(?<![\w.+-])(?<!not the )(?<!not )({_LIST})((?:%|\s+(?!(?:maybe|probably|perhaps|should|might|or|i)\b)[a-z%/-]+){{0,3}})([^.!\n]{{0,60}}?)"
                     rf"(\?\s*(?:{_WORDS}+{_TO}?|{_TO})|(?:\.{{3,}}|…)\s*{_WORDS}*{_TO}?)({_LIST})(?!\w|\.\d)", re.I)
CONFIRMED = re.compile(rf",?\s*\bi think\s*(?:\.{{3,}}|…)\s*(?:yeah|yes|yep)[\s,]*({_N})(?!\w|\.\d)", re.I)  # "... not the 0.5 one, I think... yeah, 0.4"
EITHER_BOTH = re.compile(rf"(?<![\w.])({_N})\s+or\s+({_N})\s*\?\s*(?:(?:build|do|run|try|use|make|train)\s+)?both\b", re.I)
# "1, 2, 4, oh and 8", "0.5, 1, 2 and, eh, why not 4": one more value, said as an afterthought
ALSO = re.compile(rf"(?<=\d)\s*,?\s*(?:(?:oh|ah)[\s,]+(?:and\s+|also\s+)?|(?:and)?[\s,]*(?:(?:eh|hmm+)[\s,]+)?why not\s+)(?={_N}\b)", re.I)
NAMED_THEN = re.compile(rf"\b([a-z]+)\s*(?:\.{{3,}}|…)\s*(?:hmm+[\s,]*)?(?:let'?s (?:say|go with|do)|go with|say|maybe|probably|i guess)\s+(?={_N}\b)", re.I)
AFTER = re.compile(r"(?<=\d)(?:ish\b|\s*,?\s+(?:or so|maybe|probably|perhaps|i think|i guess|give or take)\b(?!\s+(?:a|an|the|not)\b))", re.I)
# a setting, then "around" its value: "threshold around 0.45", "C around 0.05" (not a time, "the run from around 10",
# nor a finding, "Kenji had around 40% ...")
AROUND = re.compile(r"\b([a-z_]+)\s+(?:around|roughly|approximately)\s+(?=-?\.?\d)", re.I)
_NOT_SETTING = set("from at since before after until till had has have got gets was were is are of by to about".split())
ASIDE = re.compile(r"(?<=\w)\s*,?\s*\b(?:I (?:guess|think|suppose|reckon)|probably|maybe|perhaps)\b(?=\s*(?:[,;!]|\.(?!\d)|$))", re.I)
GREEDY_TAKEN_BACK = re.compile(rf"\bgreedy\b[^.?!]{{0,15}}?\b(?:no,? actually|actually|no,? wait|wait)\b[^.?!\d]{{0,50}}?({_N})(?![\w.])", re.I)
WARMER = re.compile(r"\b(?:a bit |a little |slightly )?(?:hotter|warmer|cooler|colder)\b,?\s+(?:like\s+|say\s+|around\s+|maybe\s+)?(\d*\.\d+)", re.I)


def settled(text: str) -> str:
    """`text` with each setting thought aloud written as the value settled on (unchanged where there is none).
    Quoted text is data ("'I'd say 3... no, 4'") and stays as written."""
    return outside_quotes(_settled, text)


def _settled(text: str) -> str:
    text = re.sub(r"(?<=[\w,])\s*,?\s*\b(?:hmm+|eh|erm+)\b[,.]*(?=\s)", "", text, flags=re.I)  # "tau, hmm, 0.3"
    text = AROUND.sub(lambda m: m.group(0) if m.group(1).lower() in _NOT_SETTING else m.group(1) + " ", text)
    text = CONFIRMED.sub(lambda m: "" if re.search(rf"(?<![\w.]){re.escape(m.group(1))}(?![\w]|\.\d)", text[:m.start()]) else m.group(0), text)
    text = EITHER_BOTH.sub(r"\1 and \2", text)
    text = GREEDY_TAKEN_BACK.sub(r"temperature \1", text)  # "greedy, no actually keep some sampling, lowish, 0.3"
    text = WARMER.sub(r"temperature \1", text)  # "run it a bit hotter, 0.9ish"
    for found in reversed(list(SETTLED.finditer(text))):
        if re.search(r"\d", found.group(3)) and not re.search(r"\b(?:yeah|yes|yep|fine|ok(?:ay)?)\b", found.group(4), re.I):
            continue  # "layers 9 and 13, +6... actually -6": another setting between, so the change is that one's
        text = text[:found.start()] + found.group(5) + found.group(2) + text[found.end():]
    text = NAMED_THEN.sub(r"\1 ", text)  # "rollouts... let's say 20"
    text = ALSO.sub(" and ", text)  # "1, 2, 4, oh and 8", "0.5, 1, 2 and, eh, why not 4"
    text = AFTER.sub("", text)
    text = ASIDE.sub("", text)  # "the usual sweep I guess, same vector", "each of layers 10 to 14 as its own row, probably"
    return re.sub(r"([a-z])\s*(?:\.{3,}|…)\s*(?=-?\d)", r"\1 ", text)  # "the middle-ish layers... 12 through 18"
