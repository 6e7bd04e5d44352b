"""A complaint about the run just done, then what to do instead: the complaint is no request.

Researchers unhappy with a result say so before the next step: "2 samples per cell is a joke, every CI is basically
[0,1]. redo w/ 16", "nan by step 12, lovely. 5e-2 was obviously too hot. retrain at 1e-3 for 80 steps", "why did you
use greedy?? i never said T=0. redo it sampled at 0.7", "great, another crash. try tiny-random then". What the
complaint names (tools, numbers, settings of the failed run) is what went wrong, not what to run: the request is what
follows it. A bare number in the request takes the setting the complaint named ("4 chains per sentence ... useless.
30 like the paper" is 30 chains).
"""

from __future__ import annotations

import re

from agent import retarget
from agent.arguments import NUMBER

# A judgement of what came out, or of what was done unasked
JUDGED = re.compile(
    r"\b(?:useless|pointless|worthless|hopeless|meaningless|garbage|rubbish|a joke|proves nothing|tells? me nothing|"
    r"(?:way |far |much |obviously )?too (?:hot|cold|strong|weak|low|high|small|big|large|many|few|long|short|slow|noisy|wide|narrow)\b|"
    r"what did (?:i|you) expect|lovely|seriously|obviously|ugh+|sigh|wtf|"
    r"(?:i )?never (?:said|asked)|(?:i )?(?:didn'?t|did not) (?:ask|want|say)|sick of|took (?:forever|ages)|"
    r"blew up|crash(?:ed)?|oom|nan|"
    r"(?:is|was|are|were) not (?:a result|what i)|not what i (?:asked|wanted|meant)|cut off|zeroed|never (?:even )?(?:found|does|did))\b"
    r"|\?{2,}|\?!", re.I)
# The start of a sentence that orders something
ORDER = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|then|just|pls|please|now|and|but)\W+)*(?:re-?\w+|do|run|try|use|go|put|show|give|pull|search|check|"
                   r"merge|read|add|cut|drop|loosen|tighten|build|make|sample|steer|train|split|explain|set|switch|swap|keep|only|same|"
                   r"compare|ablate|probe|eval\w*|skip|stop|leave|bump|bring|lower|raise|increase|decrease|halve|double|look|let|dig|find|"
                   r"plot|list|continue|resume|score|judge|monitor|tell|project|fix|change|move|start|launch|sweep|apply)\b", re.I)
# The start of what is asked after a complaint: an order, settings ("30 like the paper", "batch 2, layers 20 to 23"), what was meant
ASKED = re.compile(rf"{ORDER.pattern}|^\W*(?:\d|(?:same|batch|layers?|scale|seed|k|c|tau|lr|temp\w*|rollouts|samples)\b|i (?:wanted|meant)\b|the text\b)",
                   re.I)
# A sentence that corrects what was meant is no complaint ("ugh, not the apples one — I meant the train chain")
_MEANT = re.compile(r"\bi (?:meant|wanted)\b|\bnot the\b", re.I)
# A run the complaint names ("the clock one got cut off", "the intervals on the coins chain are useless"): the request is about it
_RUN_NAMED = re.compile(r"\b(?:the|that|my|our)\s+(?!(?:wrong|last|same|other|new|first|next)\b)[\w-]+\s+(?:one|chain|cot|run|vector|vec|dict\w*|"
                        r"fine-?tune|lora|adapter|eval|sweep|organism)\b", re.I)
# Sentences, a quoted span kept whole ("that's 6 in the split" keeps its apostrophe)
_SENTENCE = re.compile(r"(?:(?<!\w)'[^'\n]*'(?!\w)|\"[^\"\n]*\"|`[^`\n]*`|[^.;!?\n'\"`]|['\"`]|[.!?](?![\s.!?]|$))+(?:[.;!?]+|\n+|$)")
_QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)|\"[^\"\n]*\"|`[^`\n]*`|“[^”\n]*”")
# Where data begins (a colon before a paste, a tag, a quote): no complaint is read in it
_DATA = re.compile(r":\s|<\w|(?<!\w)['\"`“]")
# A setting the complaint names with its value: "scale 2", "min 10", "k=1", or a count: "2 samples per cell", "0 controls"
_NAMED = re.compile(rf"\b(scale|layer|seed|k|c|tau|lr|temp|temperature|t|batch|min|top|rank|atom|pc|threshold)\s*[=:]?\s*({NUMBER})(?![\w.])", re.I)
_UNITS = r"samples|rollouts|chains|tries|controls|steps|tokens|atoms|questions|docs|pairs|resamples"
_COUNT = re.compile(rf"(?<![\w.])({NUMBER})\s+({_UNITS})\b", re.I)
# A number in the request with nothing naming it: "redo w/ 16", "30 like the paper", "do it at 15"
_BARE = re.compile(rf"(?<![\w.=:-])({NUMBER})(?![\w.%])(?!\s*(?:[=:x]|[a-z]+\s+per\b|(?:{_UNITS}|layers?|times|sentences?)\b))", re.I)
# What, said just before a number, names it already ("sentences 2 and 5", "k=4")
_NAMING = re.compile(r"\b(?:scale|layers?|seeds?|ks?|c|tau|lr|temp|temperature|t|batch|min|top|rank|atoms?|pcs?|threshold|sentences?|and|or|"
                     r"vs)\s*[=:]?\s*$|[,&-]\s*$", re.I)


def _sentences(text: str) -> list[re.Match]:
    return [m for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def asked(text: str, last: dict | None = None) -> str:
    """`text` without the complaint before its request, a bare number of the request named as the complaint named it
    (or as the newest run's arguments, `last`, hold the number the complaint said); `text` itself when it holds no
    complaint, or nothing after it."""
    data = _DATA.search(text)
    sentences = _sentences(text)
    judged = [i for i, s in enumerate(sentences) if (data is None or s.start() < data.start()) and _complaint(s.group(0))]
    if not judged or judged[-1] == len(sentences) - 1 or retarget.WANTED.search(text):
        return text  # ("ugh, wrong chain again. the seed 3 one!": the run to do it on)
    end = judged[-1]
    request = text[sentences[end + 1].start():]
    if len(re.findall(r"[a-z]{2,}|\d", request, re.I)) < 2 or not ASKED.match(request):
        return text  # "why only 412 rollouts?? i asked for 32 per sentence": a question, not a complaint before a request
    complaint = text[:sentences[end].end()]
    request = _named_as_before(complaint, request, last or {})
    named = [m.group(0) for m in _RUN_NAMED.finditer(_QUOTED.sub(" ", complaint))]
    return f"{request.rstrip()} (on {named[-1]})" if named and not _RUN_NAMED.search(request) else request


def _complaint(sentence: str) -> bool:
    """A sentence judging what came out ("2 samples per cell is a joke", "0 controls??", "why did you use greedy??"), not a
    question asked in earnest ("is 1e-2 way too high if i go to rank 8?") nor an order or a correction."""
    said = _QUOTED.sub(" ", sentence)
    found = JUDGED.search(said)
    if not found or ORDER.match(said) or _MEANT.search(said) or re.search(r"(?<!\?)\?\s*$", said):
        return False
    if found.group(0).startswith("?"):  # "??" alone: a short outburst, or "why did you ...??"
        return len(said.split()) <= 6 or re.match(r"\W*why (?:did|would|do) you\b", said, re.I) is not None
    return True


def _named_as_before(complaint: str, request: str, last: dict) -> str:
    """'4 chains per sentence ... useless.' then '30 like the paper': '30 chains like the paper'."""
    if _NAMED.search(request) or _COUNT.search(request):
        return request  # the request names its own settings
    named = [(m.start(), f"{m.group(1)} {{}}") for m in _NAMED.finditer(complaint) if m.group(1).lower() not in ("t",)]
    counted = [(m.start(), f"{{}} {m.group(2)}") for m in _COUNT.finditer(complaint)]
    said = sorted(named + counted) or [(0, f"{key} {{}}") for key in _held(complaint, last)]  # "at 12, way too strong. go down to 3"
    bare = next((m for m in _BARE.finditer(request) if not _NAMING.search(request[:m.start()])), None)
    if len(said) != 1 or bare is None:
        return request
    return request[:bare.start()] + said[0][1].format(bare.group(1)) + request[bare.end():]


def _held(complaint: str, last: dict) -> list[str]:
    """The newest run's arguments whose value the complaint says ("colons at 12" of a run at scale 12)."""
    said = {float(n) for n in re.findall(rf"(?<![\w.]){NUMBER}(?![\w.])", complaint) if re.fullmatch(r"-?\d+(?:\.\d+)?", n)}
    held = [key for key, value in last.items() if not isinstance(value, bool) and (
        isinstance(value, (int, float)) and float(value) in said
        or isinstance(value, list) and len(value) == 1 and isinstance(value[0], (int, float)) and float(value[0]) in said)]
    return held if len(held) == 1 else []
