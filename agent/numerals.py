"""Numbers as people say them: "forty-eight", "two point five", "a thousand tokens", "2 dozen resamples", "1k toks",
"2^5 rollouts", "layers eight through twelve", "cap iterations at fifteen", "scales a quarter, a half, one".

Each reader returns the text with the number written in digits; the lengths change, so the result is only read.
"""

from __future__ import annotations

import re

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                "seventeen eighteen nineteen twenty").split()

UNITS = {w: i for i, w in enumerate(NUMBER_WORDS[:20])}
TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
TENS |= {"fourty": 40, "ninty": 90}  # as often written
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_TEN = "|".join(TENS)
COMPOUND = re.compile(rf"\b(?:(?:(a|{_UNIT})[\s-]+hundred)(?:[\s-]+(?:and[\s-]+)?(?:({_TEN})(?:[\s-]+({_UNIT}))?|({_UNIT})))?|"
                      rf"({_TEN})(?:[\s-]+({_UNIT}))?)\b", re.I)


def compound_numbers(text: str) -> str:
    """'forty-eight' -> '48', 'two hundred' -> '200', 'a hundred and twenty' -> '120', 'thirty' -> '30'; a lone
    'one' or 'ten' stays a word (the context decides: 'the first one', 'ten rollouts')."""
    def value(m: re.Match) -> str:
        hundreds, tens, units, small, tens_only, units_after = m.groups()
        if hundreds:
            total = 100 * (1 if hundreds.lower() == "a" else UNITS[hundreds.lower()])
            total += TENS[tens.lower()] if tens else 0
            total += UNITS[units.lower()] if units else 0
            total += UNITS[small.lower()] if small else 0
            return str(total)
        return str(TENS[tens_only.lower()] + (UNITS[units_after.lower()] if units_after else 0))

    return COMPOUND.sub(value, text)


_DIGIT = "|".join(list(UNITS)[:10])  # zero ... nine
DECIMAL = re.compile(rf"\b(?:(\d+|{_DIGIT})\s+)?point\s+((?:{_DIGIT})(?:\s+(?:{_DIGIT}))*)\b", re.I)


def decimals(text: str) -> str:
    """'one point two' -> '1.2', 'point nine' -> '0.9', 'two point five' -> '2.5'."""
    def value(m: re.Match) -> str:
        whole = m.group(1) or "0"
        digits = "".join(str(UNITS[d.lower()]) for d in m.group(2).split())
        return f"{whole if whole.isdigit() else UNITS[whole.lower()]}.{digits}"

    return DECIMAL.sub(value, text)


_WORD = "|".join(sorted([w for w in UNITS if w not in ("zero", "one")] + list(TENS), key=len, reverse=True))  # not "one": "the first one"
_COUNTED = (r"(?=\s+(?:[a-z]+(?:-[a-z]+)*[- ])?(?:rollouts|samples|resamples|chains|steps|tokens|toks|docs|documents|controls|prompts|questions|atoms|"
            r"draws|heads|continuations|candidates|iterations)\b)")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")  # the first is 0
FRACTION = {"quarter": "0.25", "half": "0.5", "third": "0.33", "tenth": "0.1", "fifth": "0.2"}
_ITEM = rf"(?:(?:a |one )?(?:{'|'.join(FRACTION)})|\d+(?:\.\d+)?|one|{_WORD})"


def digits(word: str) -> str:
    """A number word in digits ("twelve" -> "12", "forty" -> "40", "a quarter" -> "0.25"); any other word as it is."""
    word = word.lower()
    return str(UNITS[word] if word in UNITS else TENS[word]) if word in UNITS or word in TENS else FRACTION.get(word.split()[-1], word)


def _every_other(m: re.Match) -> str:
    """'every even layer from 8 to 16' -> 'layers 8, 10, 12, 14, 16'; 'odd layers 9-15', 'every other layer from 8 to 14'."""
    kind, first, last = m.group(1).lower(), int(m.group(2)), int(m.group(3))
    if first >= last:
        return m.group(0)
    first += (first + (kind == "odd")) % 2 if kind in ("even", "odd") else 0  # the first even (or odd) layer from there
    return "layers " + ", ".join(map(str, range(first, last + 1, 2)))


def spoken(text: str) -> str:
    """Counts and lists said in words or shorthand, in digits (after compound_numbers and decimals have run)."""
    text = re.sub(r"\s*(?:∈|\bin\b|=)?\s*\{\s*(-?\d[-\d.,\s]*?)\s*\}", r" \1", text)  # "tau in {0.3, 0.4, 0.5}", "k ∈ {1,2,4,8}": a list
    text = re.sub(r"\bkeep\s+(\d+\s*%|0?\.\d+)\s+(?:of\s+(?:the\s+)?(?:docs|documents|data)\s+)?out\b", r"hold out \1", text, flags=re.I)  # "keep 20% of docs out"
    text = re.sub(r"\b([1-6])(?:st|nd|rd|th)(?=[\s-]+(?:to[\s-]+|from[\s-]+(?:the[\s-]+)?)last\b)", lambda m: ORDINALS[int(m.group(1)) - 1], text)  # "the 2nd-to-last token"
    text = re.sub(r"\b(?:a|one) thousand\b(?!\s+(?:and|\d))", "1000", text, flags=re.I)  # "cap it at a thousand tokens"
    text = re.sub(rf"(?<![\w.])(\d+(?:\.\d+)?)k\b{_COUNTED}", lambda m: str(int(float(m.group(1)) * 1000)), text, flags=re.I)  # "1k toks"
    text = re.sub(rf"\ba couple(?: of)?\b{_COUNTED}", "2", text, flags=re.I)  # "a couple continuations each"
    text = re.sub(rf"\b(layers?|sentences?|positions?)\s+(from\s+)?({_WORD}|one|zero|\d+)\s*(through|thru|to|until|till|-|–)\s*({_WORD}|\d+)\b",  # "layers eight through twelve"
                  lambda m: f"{m.group(1)} {m.group(2) or ''}{digits(m.group(3))} {m.group(4)} {digits(m.group(5))}", text, flags=re.I)
    text = re.sub(rf"\b(steps? of|increments of)\s+({_WORD}|one)\b", lambda m: f"{m.group(1)} {digits(m.group(2))}", text, flags=re.I)  # "in steps of three"
    text = re.sub(r"\bevery (\d+)(?:st|nd|rd|th) layer (?:from (\d+) )?(?:up )?to (\d+)\b", lambda m: "layers " + ", ".join(  # "every 4th layer from 4 up to 20"
        map(str, range(int(m.group(2) or m.group(1)), int(m.group(3)) + 1, int(m.group(1))))) if 0 < int(m.group(1)) <= int(m.group(3)) else m.group(0), text, flags=re.I)
    text = re.sub(r"\b(?:every|all(?: the)?|the|only(?: the)?)?\s*\b(even|odd|other|second|alternate)[\s-]+(?:numbered\s+)?layers?\s+(?:from\s+|between\s+)?(\d+)\s*"
                  r"(?:-|–|to|through|thru|and|up to)\s*(\d+)\b", _every_other, text, flags=re.I)  # "every even layer from 8 to 16"
    text = re.sub(r"\blayers?\s+(\d+(?:/\d+)+)\b(?!/)", lambda m: "layers " + m.group(1).replace("/", ", "), text, flags=re.I)  # "the layer 5/10 dicts"
    text = re.sub(r"(?<![\w.])(\d+)\s+dozen\b", lambda m: str(12 * int(m.group(1))), text, flags=re.I)  # "2 dozen resamples"
    text = re.sub(rf"(?<![\w.^])(\d+)\s*\^\s*(\d+)\b{_COUNTED}", lambda m: str(int(m.group(1)) ** int(m.group(2)))
                  if int(m.group(1)) ** int(m.group(2)) <= 1 << 20 else m.group(0), text)  # "2^5 rollouts"
    text = re.sub(rf"\b((?:cap|capped|limit|set|up|bump|raise|increase|lower|drop|reduce|cut|change|take)\s+(?:[\w-]+\s+){{0,2}}?(?:at|to)|=|:)\s+({_WORD})\b(?!\s*(?:-|of\b|percent|%))",  # "cap iterations at fifteen"
                  lambda m: f"{m.group(1)} {digits(m.group(2))}", text, flags=re.I)
    text = re.sub(r"\b(?:the\s+)?(first|second|third|fourth|fifth|sixth)\s+(?:principal\s+)?(component|pc)\b", lambda m: f"{m.group(2)} {ORDINALS.index(m.group(1).lower())}",
                  text, flags=re.I)  # "ablate only the third component": components count from 0
    text = re.sub(r"\b(scales?|strengths?|coefficients?)(\s*:?\s*(?:of\s+)?)((?:(?:\+-|±|\+/-)\s*\d+(?:\.\d+)?(?:\s*(?:,|and)\s*(?=\+-|±|\+/-))?)+)",
                  lambda m: m.group(1) + m.group(2) + ", ".join(  # "scales +-1" (each magnitude both ways)
                      [f"-{v}" for v in reversed(re.findall(r"\d+(?:\.\d+)?", m.group(3)))] + re.findall(r"\d+(?:\.\d+)?", m.group(3))), text, flags=re.I)
    # "scales a quarter, a half, one": a list of fractions and number words after the name it fills
    return re.sub(rf"\b(scales?|strengths?|coefficients?)(\s*:?\s*)({_ITEM}(?:\s*(?:,|and|&)\s*(?:and\s+)?{_ITEM})+)\b",
                  lambda m: m.group(1) + m.group(2) + re.sub(rf"\b(?:(?:a |one )?(?:{'|'.join(FRACTION)})|one|{_WORD})\b", lambda w: digits(w.group(0)),
                                                           m.group(3), flags=re.I), text, flags=re.I)
