"""Arguments said in shapes of their own: a sweep's rows of layers, the names of a contrast vector's sides,
the words that mark a hint, the misbehaviour a monitor looks for. Read by agent/arguments.py.
"""

from __future__ import annotations

import re

LISTED = r"(?:\s*,\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+)"
_WORD = r"(?:'[^']+'|\"[^\"]+\"|[\w-]+(?: (?!\d)[\w-]+)?(?=\s*(?:[,.;+&/|]|\band\b|\bor\b|$)))"
HINT_WORDS = re.compile(rf"\bhint[\s_-]words?\b\s*(?::|=|are|is)?\s*({_WORD}(?:(?:{LISTED}|\s*[+&/]\s*){_WORD})*)|"
                        rf"((?:'[^']+'|\"[^\"]+\")(?:{LISTED}(?:'[^']+'|\"[^\"]+\"))*)\s+as\s+(?:the\s+)?hint[\s_-]words?\b", re.I)  # "hint words: professor, Stanford", "count 'professor' and 'Stanford' as hint words"
INTENT = (r"\blook(?:ing)? for\s*:\s*([^.\n]{3,120})",  # "look for: deliberately introducing bugs into the code"
          r"\b(?:look|watch|check|screen|scan)(?:ing)? for\s+(?:is|=)\s+([^.\n?]{3,120})",  # "the misbehaviour to look for is sabotaging the tests"
          r"\b(?:flag|look(?:ing)? for|(?:check|scan|screen)(?:ing)?(?:\s+(?:this|that|it|them|the [\w-]+))? for|detect|find)\s+(?:any\s+)?(?!(?:any|an|the)\s+intent\b)([\w-]+(?:\s+[\w-]+)?)\s+intent\b",  # "looking for blackmail intent"
          r"\bintent\s*(?::|=|is)\s*([^.,;?\n]{3,80})",  # "intent: covering up the safety failure"
          r"\bintent\s+to\s+([^?.,;]{3,60})",  # "intent to deceive the board"
          r"\bworried (?:about|that)\s+(?:is\s+)?(?:it\s+|the model\s+)?([^?.,;—–]{3,80}?)(?=\s*(?:[?.,;—–]|$|\s+-\s))",  # "what I'm worried about is it disabling X"
          r"\blook(?:ing)? for\s+(?:any\s+)?(?:signs of\s+)?([\w-]+(?:\s+[\w-]+){0,3}?)(?=\s*(?:[.,;?!]|$|\s+(?:in|on|with|and|please)\b))",
          r"\b(?:planning|plans|plotting|intends|intending|scheming|trying) to ([\w-]+(?:\s+(?!(?:use|with|and)\b)[\w-]+){0,5}?)(?=\s*[?.,;!'\"]|$)")  # "read like it's planning to sabotage the eval?"


TOGETHER = r"(?:\s+(?:(?:are|is)\s+)?(?:steered\s+)?(?:together|jointly|at once|as (?:one|a single|a) (?:row|group|block)|as one|as another(?: (?:row|group|block))?)\b(?:\s+as (?:one|a) row\b)?)"


# A sentence that asks for something ("Could you please ...", "Let's ..."): what comes before it is the motivation
ASKING = re.compile(r"(?:^|(?<=[.!?])\s+)(?:(?:ok(?:ay)?|so|now|then|and|first)\W+)*(?:(?:could|can|would|will) you\b|(?:could|can|may) (?:i|we) (?:please |pls )?(?:see|look at|have a look|view|get)\b|please\b|pls\b|let'?s\b|"
                    r"i(?:'d| would) like (?:you to|the|a|an)\b|go ahead\b|(?-i:(?:Run|Rerun|Re-run|Redo|Build|Rebuild|Train|Compute|Find|Check|Suppress|Search|Sample|"
                    r"Generate|Steer|Sweep|Split|Probe|Ablate|Project|Compare|Measure|Evaluate|Score|Fit|Continue|Resample|Decompose|Kick off|Launch)\b))",
                    re.I)  # "... Rerun the probe with C at 1.0"; not "Use ...", "Make it ...": those go on with the request before them


def asked_part(text: str) -> str:
    """The message from its first sentence that asks for something on ("Interesting that the heads sit high. Could you
    please suppress ..."), when a motivation comes before it; else the whole message. Not past a colon or a new line
    (a payload said first), nor down to a bare "Please." at the end."""
    asking = ASKING.search(text)
    at = len(text) - len(text[asking.start():].lstrip()) if asking else 0
    return text[at:] if at > 0 and not re.search(r"[:\n]", text[:at]) and len(text[at:].split()) >= 5 else text


SEPARATE = r"(?!\s*(?:\w+\s+)?(?:separate(?:ly)?|each|on (?:its|their) own|individually|apart)\b)"  # "lyr 10 + 14 separate": two rows


def layer_rows(text: str) -> list | None:
    """The rows of a sweep when a group of layers is steered together: '8-10 steered together as one row and 14-16
    together as another' -> [[8, 9, 10], [14, 15, 16]]; 'layers 8, 9, 10 together and layer 12 alone' -> [[8, 9, 10], 12];
    'layer 8, layer 16 and 8+16 together' -> [8, 16, [8, 16]]; 'rows L6, L12, L6+L12 jointly' -> [6, 12, [6, 12]]. None when no group is said."""
    text = re.sub(r"\bL(?=\d)|(?<=\+)\s*layers?\s*", "", text)  # "6+layer 12"
    groups = [(m.span(), list(range(int(m.group(1)), int(m.group(2)) + 1)))
              for m in re.finditer(rf"(?<![\d.])(\d+)\s*(?:-|–|to|through)\s*(\d+){TOGETHER}", text, re.I) if 0 < int(m.group(2)) - int(m.group(1)) < 64]
    groups += [(m.span(), [int(n) for n in re.findall(r"\d+", m.group(0))]) for m in re.finditer(rf"(?<![\d.])\d+(?:\s*\+\s*\d+)+(?![\d.]){SEPARATE}", text, re.I)]
    groups += [(m.span(), [int(n) for n in re.findall(r"\d+", m.group(1))])
               for m in re.finditer(rf"(?<![\d.])(\d+(?:\s*(?:,|and|&|/)\s*\d+)+|\d+\s+(?:with|plus)\s+\d+){TOGETHER}", text, re.I)]  # "11 with 19 together"
    groups += [(m.span(), [int(n) for n in re.findall(r"\d+", m.group(0))])  # "--layers 6 12 [6,12]": a bracket after single layers is a row
               for m in re.finditer(r"(?<=\d)(?:\s*,\s*|\s+)\[\d+(?:\s*,\s*\d+)+\]", text)]
    every = re.search(r"\b(?:plus|and|with|then)\s+(?:all|the|those|these)\s+(?:(?:two|three|four|five|\d+)\s+)?(?:layers\s+)?(?:of them\s+)?"
                      r"(?:steered\s+)?(?:together|at once|jointly|combined|stacked)\b", text, re.I)  # "plus all three steered together"
    listed = re.search(r"\blayers?\s+(\d+(?:\s*(?:,|and|&)\s*\d+)+)", text, re.I)
    if not groups and every and listed and every.start() > listed.end():  # "layers 8, 12 and 16 each on their own plus all three together"
        alone = [int(n) for n in re.findall(r"\d+", listed.group(1))]
        return [*alone, alone]
    if not groups:
        return None
    def inside(at: int) -> bool:
        return any(a <= at < b for (a, b), _ in groups)

    singles = [(listed.start() + m.start(), int(m.group(0))) for listed in re.finditer(r"\b(?:layers?|rows?(?:\s+for)?)(?:\s*[=:]\s*\[?\s*|\s+)(?:\d+(?:\s*(?:,|and|&)\s*)?)+", text, re.I)
               for m in re.finditer(r"\d+", listed.group(0)) if not inside(listed.start() + m.start())]
    singles += [(m.start(), int(m.group(1))) for m in re.finditer(r"(?<![\d.])(\d+)\s+(?:alone|on its own|by itself|solo)\b", text, re.I)
                if not inside(m.start()) and m.start() not in [at for at, _ in singles]]  # "... together and 16 alone"
    rows = sorted([(a, g) for (a, _), g in groups] + singles, key=lambda row: row[0])
    return [row for _, row in rows]


_SIDE = r"(?:'([^'\n]{1,40})'|\"([^\"\n]{1,40})\"|(?!\d)(?!(?:side|one|is|as|first|second|vs|the|prompts?|pairs?|positive|negative|pos|neg|and|or|swapped|switched|flipped|reversed)\b)([\w-]+(?:\s+[\w-]+){0,2}?))"
_BOTH = (rf"\b(?:call|label|name)\s+(?:them|(?:the\s+)?(?:two\s+)?(?:sides?|poles?))\s+(?:as\s+)?{_SIDE}\s*(?:and|/|vs\.?|,)\s*{_SIDE}",  # "call the sides pirate / plain"
         rf"\b(?<!pos )(?<!neg )(?<!positive )(?<!negative )(?:sides?|poles?)(?:\s+(?:are|as)\s+|\s*[=:]\s*){_SIDE}\s*(?:and|/|vs\.?|,)\s*{_SIDE}",
         rf"\b(?<!pos )(?<!neg )(?<!positive )(?<!negative )(?:sides?|poles?)\s+{_SIDE}\s*(?:/|vs\.?)\s*{_SIDE}",  # "poles sycophantic / honest"
         rf"{_SIDE}\s*\(positive\)\s*(?:vs\.?|and|/|,)?\s*{_SIDE}\s*\(negative\)",  # "formal (positive) vs casual (negative)"
         rf"{_SIDE}\s+(?:pos|positive)\b\s*(?:,|/|vs\.?|and)?\s*{_SIDE}\s+(?:neg|negative)\b")  # "casual pos formal neg"


def side_names(text: str) -> dict:
    """What a contrast vector's two sides are called: 'call the sides production / benchmark', "positive side =
    'formal register'", "call the positive side 'deployment' and the negative side 'test'", 'formal (positive) vs casual (negative)'."""
    for pattern in _BOTH:
        both = re.search(pattern, text, re.I)
        if both:
            values = [g for g in both.groups() if g]
            return {"positive_name": values[0], "negative_name": values[1]}
    names = {}
    for side in ("positive", "negative"):
        other = {"positive": "plus", "negative": "minus"}[side]  # "label the plus pole 'customer'"
        found = re.search(rf"\b(?:{side[:3]}(?:{side[3:]})?(?:\s+side|\s+one|[\s_]+name|[\s_]+label|\s+pole|\s+end)?|{other}\s+(?:side|pole|end))(?:\s*(?:=|:)\s*|\s+(?:is|as)\s+|\s+)(?:(?:called|named|labell?ed)\s+)?{_SIDE}(?=\s*(?:[,.;:)/]|and\b|$)|[^\S\n]*\n|\s+(?:neg|negative)\b)", text, re.I)
        if found and not (name := next(g for g in found.groups() if g)).isdigit():  # "at pos 0" is a position
            names[f"{side}_name"] = name
    return names


def as_sentence(text: str) -> str:
    """`text` ending as a sentence does, so what follows it is not read as its last item ("hint words: a, b" + "ok go")."""
    text = text.rstrip()
    return text if not text or text[-1:] in ".!?;:'\"”)" else f"{text}."
