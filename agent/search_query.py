"""What a memory search asks about: the topic of "what did we find about X", "did we ever find X",
"search our notes for X", "the 10 closest past runs on X", without the settings said around it."""

from __future__ import annotations

import re
from typing import Callable

TOPIC = re.compile(
    r"\b(?:(?:(?:did|have|had) we|we(?:'ve| have)?|whether we(?:'ve| have)?) (?:ever|already)|have we)\s+(?:(?:find|found|get|got|run|ran|try|tried|do|done|did|"
    r"see|seen|saw|measured?|look(?:ed)? (?:at|into))\s+)?(?!(?:\w+\s+)?(?:this|that|it)\b)(.+)$|"
    r"\b(?:everything|anything|all) (?:we|i) (?:have|know|found|got) (?:on|about)\s+(?!(?:this|that|it)\b)(.+)$|"
    r"\bsearch (?:our |the |my )?(?:notes|memory|history|past runs)\s+(?:only\s+)?"
    r"(?:for|on|about)\s+(?:earlier\s+|past\s+|previous\s+|old\s+)?(.+)$|\b(?:closest|nearest) (?:past )?(?:runs|turns|hits|findings) "
    r"(?:on|about|for)\s+(.+)$", re.I | re.S)
# "we looked at whether X, some weeks ago. Could you search the earlier runs for that?": what "that" is
LOOKED = re.compile(r"\b(?:we|i)(?:'ve| have)? (?:looked (?:at|into)|checked|tested|measured|tried|studied|found|talked (?:through|about|over)|discussed|went over)\s+"
                    r"(?!(?:this|that|it)\b)(.+?)(?=,?\s+(?:some|a few|several|two|three|\d+) (?:days|weeks|months) ago|,?\s+(?:at some point|a while (?:ago|back)|but|so)\b|"
                    r"[.?!;]|$)", re.I)  # "I remember we talked through X at some point but I can't find the thread, so could you search ... for it"
AFTER = re.compile(r"\b(?:about|regarding|for|on|try|tried|mention(?:ed)?|said about)\b\s+(?:anything\s+about\s+)?(.+)$", re.I | re.S)


def query_of(text: str, quoted: list[str], strip: Callable[[str], str]) -> str:
    """The query: quoted text when there is some, else the topic (`strip` removes phrases that set other arguments)."""
    topic = re.search(r"\bremind me (?:what|of)\s+(.+)$", text, re.I | re.S) or re.search(  # "search memory, runs only: X"
        r"\b(?:search|memory|recall|look up)\b[^:\n]{0,80}:\s*(.+)$", text, re.I | re.S) or TOPIC.search(text) or AFTER.search(text)
    picked = next((g for g in topic.groups() if g), None) if topic else None
    picked = re.split(r"\s*;\s+|(?<=\w)\.\s+(?=[A-Z])", picked)[0] if picked and topic.re is TOPIC else picked  # "...; I have a vague memory"
    if (picked is None or re.match(r"\s*(?:that|this|it)\b", picked, re.I)) and LOOKED.search(text):
        picked = LOOKED.search(text).group(1)
    query = quoted[0] if quoted else re.split(r"\?\s+(?=\w)", strip(picked or text))[0]
    query = re.sub(r"^\s*(?:memory search|search memory|recall)\s*:\s*", "", query, flags=re.I)
    query = re.sub(r"[\s,;.]*(?:\d+ hits?|(?:runs|turns) only|only (?:runs|turns))\b.*$", "", query, flags=re.I)
    query = re.sub(r"[\s,;]+(?:gimme |give me |show me )?(?:the )?top \d+\b(?!\s+(?!(?:hits?|results?|matches|findings|runs|turns|is|are|will|would|should|please|pls|only|max|or|and)\b)[a-z])"  # not "the top 5 heads"
                   r".*$|[\s,;]+(?:gimme|give me) \d+\b.*$", "", query, flags=re.I)
    query = re.sub(r"[\s,;]+(?:gimme|give me|pls|please)\W*$", "", query, flags=re.I)  # what is left of "gimme top 10"
    query = re.sub(r"[\s,;]+and\s+(?:gimme|give me|show me|bring back|return|list)\b.*$", "", query, flags=re.I)  # "..., and give me the top 10 hits"
    query = re.sub(r"[\s,;]*(?:top \d+|only look at .*|in (?:an )?earlier session|before|last week|(?:a few|several|two|three|\d+) (?:days|weeks|months) ago)\??\s*$", "", query,
                   flags=re.I).rstrip("?").strip() or query
    return "" if re.fullmatch(r"\W*(?:(?:please|pls|search|check|recall|look (?:in|through)|my|our|the|your|memory|notes|history|past runs|for|me|us|"
                              r"long-term|long term)\W*)+", query, re.I) else query
