"""A request dictated by voice, written as it would have been typed.

Speech-to-text gives "okay so um steer generate with that vector at scale minus four the prompt is quote
right a python function end quote": fillers, punctuation said as words, numbers as words in runs
("layers eight nine and ten", "scales zero point three zero point six one point two"), letters spelled
out ("I T D A"), a path said piece by piece ("slash tmp slash anchors underscore run") and a run id read
out ("the one ending in four c nine e"). Only a message that sounds dictated is rewritten: an "um" or "uh",
punctuation said as a word nobody types ("question mark", "end quote"), a run id read out, or a long message with
no punctuation at all that says "comma", "slash", "point" or two number words in a row. A typed "split at each
comma, then ..." keeps its word, and quoted text stays as typed.
"""

from __future__ import annotations

import re

from agent.numerals import UNITS, compound_numbers, digits
from agent.wording import QUOTED, outside_quotes

FILLER = re.compile(r"(?:^|(?<=\s))(?:um+|uh+m?)\b[,.]?\s*", re.I)  # ("hmm" is typed too)
SAID_PUNCTUATION = re.compile(r"\b(?:question mark|end quote|unquote|close quote|full stop|open bracket|close bracket)\b", re.I)  # never typed
_D = "|".join(sorted(UNITS, key=len, reverse=True))  # zero ... nineteen
_DIGIT = "zero|one|two|three|four|five|six|seven|eight|nine"
SAID_QUOTE = re.compile(r"\b(?:open quote|begin quote|quote)\s+(.+?)\s*\b(?:end quote|unquote|close quote|end of quote)\b", re.I)
# "zero point seven five" is 0.75, but "zero point six one point two" is 0.6 and 1.2: a digit that starts the next number is not this one's
_PRONOUN = r"one(?=\s+(?:as|is|was|run|chain|from|with|that|which)\b|\s*[,.?!]|\s*$)"  # "the tau point four one as A" is the tau 0.4 one
DECIMAL = re.compile(rf"\b(?:(\d+|{_DIGIT})\s+)?point\s+((?:{_DIGIT})(?:\s+(?:{_DIGIT})(?!\s+point\b)(?<!\b{_PRONOUN}))*)\b", re.I)
THOUSAND = re.compile(r"\b(a|one|two|three|four|\d) thousand(?:\s+and)?(?:\s+(\d{1,3}))?\b", re.I)
# numbers said one after another with no commas between: "layers eight nine and ten", "k of one two and four"
_NUM = rf"(?:(?!{_PRONOUN})(?:{_D})|\d+(?:\.\d+)?)"
RUN_OF_NUMBERS = re.compile(rf"(?<![\w.-])(?:minus\s+)?{_NUM}(?:\s+(?:and\s+)?(?:minus\s+)?{_NUM}\b)+(?![\w.])", re.I)  # a pause said (", ") parts two runs
# a run id read out: "ending in four c nine e", "the one that ends with a three b one"
READ_ID = re.compile(rf"\b(end(?:s|ing)?|that ends)\s+(in|with)\s+((?:(?:{_DIGIT}|[a-f])\s+){{0,5}}(?:{_DIGIT}|[a-f]))\b", re.I)
SPELLED = re.compile(r"\b[A-Z](?:\s[A-Z]\b)+")  # "I T D A", "C A F T", "E M"
HOMOPHONE = [(re.compile(r"\bright (?=(?:a|an|me|some)\s)", re.I), "write "),  # "the prompt is right a python function"
             (re.compile(r"\bsafe tensors\b", re.I), "safetensors")]


def sounds_dictated(text: str) -> bool:
    text = QUOTED.sub(" ", text)  # what is quoted was typed
    if FILLER.search(text) or SAID_PUNCTUATION.search(text) or any(re.search(_DIGIT, m.group(3), re.I) for m in READ_ID.finditer(text)):
        return True  # ("split at each comma, then ..." was typed: its comma is there)
    return len(text.split()) >= 8 and not re.search(r"[.,;:?!\"'()\[\]{}=/_-]", text.replace("'s ", " ").replace("n't", "")) \
        and bool(re.search(rf"\b(?:comma|period|colon|slash|underscore|quote|dot|minus|point)\b|\b(?:{_D})\s+(?:and\s+)?(?:{_D})\b", text, re.I))


def _spelled(m: re.Match) -> str:
    letters = m.group(0).split()
    if letters[-1] == "I":  # "the letter C I mean": the last is the speaker
        return "".join(letters[:-1]) + " I" if len(letters) > 2 else m.group(0)
    return "".join(letters)


def _decimal(m: re.Match) -> str:
    whole = m.group(1) or "0"
    return f"{whole if whole.isdigit() else UNITS[whole.lower()]}." + "".join(digits(d) for d in m.group(2).split())


def _run_of_numbers(m: re.Match) -> str:
    said = re.findall(rf"(?:minus\s+)?{_NUM}", m.group(0), flags=re.I)
    if len(said) < 2:
        return m.group(0)
    values = [("-" if s.lower().startswith("minus") else "") + digits(s.split()[-1]) for s in said]
    return ", ".join(values[:-1]) + (" and " if re.search(r"\band\s+(?:minus\s+)?\S+$", m.group(0), re.I) else ", ") + values[-1]


def _punctuated(text: str) -> str:
    text = re.sub(r"\s*\bquestion mark\b", "?", text, flags=re.I)
    text = re.sub(r"\s*\b(?:full stop|period)\b(?=\s|$)", ".", text, flags=re.I)
    text = re.sub(r"\s*\bsemicolon\b", ";", text, flags=re.I)
    text = re.sub(r"\s*\bcolon\b", ":", text, flags=re.I)
    text = re.sub(r"\s*\bcomma\b", ",", text, flags=re.I)
    text = re.sub(r"\bopen bracket\s*", "[", text, flags=re.I)
    text = re.sub(r"\s*\bclose bracket\b", "]", text, flags=re.I)
    text = re.sub(r"\s*\bunderscore\s*", "_", text, flags=re.I)
    text = re.sub(r"(?:(?<=\s)|^)((?:to|in|into|at|from|under|on|as|the)\s+)?slash\s+", lambda m: (m.group(1) or "") + "/", text, flags=re.I)  # "to slash tmp"
    text = re.sub(r"\s+/(?=\w)", "/", text)  # "tmp /anchors" was "tmp slash anchors"
    text = re.sub(r"\b((?:to|in|into|at|from|under|on|as|the))/", r"\1 /", text, flags=re.I)
    text = re.sub(r"(?<=\w)\s+dot\s+(?=\w)", ".", text, flags=re.I)  # "vec dot safe tensors"
    return text


def written(text: str) -> str:
    """The message as typed: punctuation, numbers, quotes, paths and ids in their written form (unchanged when it was typed)."""
    return outside_quotes(_rewritten, text) if sounds_dictated(text) else text


def _rewritten(text: str) -> str:
    text = FILLER.sub(lambda m: ", " if re.search(rf"(?:\d|\b(?:{_D}))\s*$", text[:m.start()], re.I) and re.match(rf"(?:\d|(?:{_D})\b)", text[m.end():], re.I) else "", text)  # a pause between two numbers parts them
    text = re.sub(r"^\s*(?:ok(?:ay)?\s+so|so|okay|ok)\b[,\s]+(?=\w)", "", text, flags=re.I)
    text = re.sub(r"\byou know\b,?\s*", "", text, flags=re.I)
    text = SPELLED.sub(_spelled, text)
    for pattern, word in HOMOPHONE:
        text = pattern.sub(word, text)
    text = READ_ID.sub(lambda m: f"{m.group(1)} {m.group(2)} " + "".join(digits(w) for w in m.group(3).split())
                       if re.search(_DIGIT, m.group(3), re.I) else m.group(0), text)  # ("ends with a question" is no id)
    text = re.sub(r"\b(the (?:prompt|question|system prompt|text)) is\s+(?=[a-z])", r"\1: ", text, flags=re.I)  # the text said, with no quotes to hold it
    text = SAID_QUOTE.sub(lambda m: "'" + _punctuated(m.group(1)).strip() + "'", text)
    text = _punctuated(text)
    text = DECIMAL.sub(_decimal, compound_numbers(text))
    text = THOUSAND.sub(lambda m: str(1000 * int(digits("one" if m.group(1).lower() == "a" else m.group(1))) + int(m.group(2) or 0)), text)
    text = re.sub(rf"\bminus\s+(\d|(?:{_D})\b)", lambda m: "-" + digits(m.group(1)), text, flags=re.I)
    return RUN_OF_NUMBERS.sub(_run_of_numbers, text)
