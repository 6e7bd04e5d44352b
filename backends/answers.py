"""Reading a final answer out of generated text, and putting it in a form that compares.

METHODS.md ("Black-box importance", Answers): the first non-empty \\boxed{...}, normalized;
multiple-choice letters; numbers; or a judge. Extractors return the answer as written;
`normalize_answer` makes equal answers equal strings ("1,000" / "1000.0" / "$1000$").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Callable

_BOXED = re.compile(r"\\boxed\s*\{")


def boxed_answer(text: str) -> str | None:
    """The first non-empty `\\boxed{...}` (braces may nest), whitespace-trimmed; None when there is none."""
    for match in _BOXED.finditer(text):
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                inner = text[start:i].strip()
                if inner:
                    return inner
                break
    return None


# A number as written: thousands groups only in threes ("1,000", not "1,2" which may be a list).
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_NUMBER = re.compile(rf"[-+]?{_DIGITS}")
# In running text a "-" is a sign only where it does not join two terms ("5-3" reads 3), and a
# number never starts inside a word or another number.
_NUMBER_IN_TEXT = re.compile(rf"(?<![\w.])(?:(?<![\w)\]}}])-)?{_DIGITS}(?:/\d+)?")
_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?\d+)\s*\}\s*\{\s*(\d+)\s*\}")
# Wrappers a model puts around an answer: $...$, \text{...}, \textbf{...}, \mathrm{...}.
_WRAPPED = re.compile(r"^\\(?:text|textbf|mathrm)\s*\{(.*)\}$", re.S)


def normalize_answer(text: str | None) -> str | None:
    """A canonical form, so that equal answers compare equal.

    Trimmed of whitespace, `$`, a trailing `.` and a surrounding `\\text{}`; numbers compared as
    numbers ("42.0" -> "42", "1,000" -> "1000"); `\\frac{1}{2}` -> "1/2" (not reduced: "2/4" stays);
    a lone letter, as in multiple choice, lowercase ("(B)" -> "b")."""
    if text is None:
        return None
    s, previous = text, None
    while s != previous:  # wrappers nest in any order: "$\text{42}$.", "\text{(B).}"
        previous = s
        s = s.strip().removeprefix("\\$").strip("$").strip().rstrip(".").strip()
        s = _WRAPPED.sub(r"\1", s)
    s = _FRAC.sub(r"\1/\2", s)
    if _NUMBER.fullmatch(s):
        try:
            number = Decimal(s.replace(",", ""))
        except InvalidOperation:
            return s
        return "0" if number == 0 else format(number.normalize(), "f")
    if re.fullmatch(r"\(?[A-Za-z]\)?", s):
        return s.strip("()").lower()
    return " ".join(s.split())


def last_number(text: str) -> str | None:
    """The last number in the text: negatives, decimals, thousands groups, fractions ("3/4", \\frac{3}{4})."""
    found = _NUMBER_IN_TEXT.findall(_FRAC.sub(r"\1/\2", text))
    return found[-1] if found else None


# "The answer is (B)", "Answer: C", "**Final answer:** \boxed{D}", "the correct option is E".
# A verb or colon is required, so "option (A) is wrong" is not a statement of the answer.
_CHOICE_STATEMENT = re.compile(
    r"(?i:\b(?:answer|choice|option)s?\b[^\S\n]*(?:(?:is|would be|should be|must be|will be)\b[^\S\n]*:?|[:=]))"
    r"(?:[^\S\n]|\*\*|\$|\\boxed\{|\\text(?:bf)?\{|\()*([A-E])(?![\w])"
)
_LONE_CHOICE = re.compile(r"(?<![\w(])\(([A-E])\)(?!\w)")
LONE_CHOICE_WINDOW = 200  # characters at the end where a bare "(D)" is read as the answer


def choice_letter(text: str) -> str | None:
    """The multiple-choice letter A-E the text settles on.

    The last explicit statement ("answer is (B)", "Answer: C") wins: models revise. Without
    one, a lone "(D)" near the end counts; earlier bare letters are options being discussed."""
    stated = _CHOICE_STATEMENT.findall(text)
    if stated:
        return stated[-1]
    lone = _LONE_CHOICE.findall(text[-LONE_CHOICE_WINDOW:])
    return lone[-1] if lone else None


def regex_extractor(pattern: str) -> Callable[[str], str | None]:
    """The last match of `pattern`: its group 1 when it has groups, else the whole match."""
    from backends.errors import UsageError

    if not pattern:
        raise UsageError("extractor: regex:<pattern> needs a pattern, e.g. regex:answer: (\\S+)", field="extractor")
    try:
        compiled = re.compile(pattern)
    except re.error as e:
        raise UsageError(f"extractor: bad regex ({e})", field="extractor") from None

    def by_regex(text: str) -> str | None:
        matches = list(compiled.finditer(text))
        if not matches:
            return None
        found = (matches[-1].group(1) if compiled.groups else matches[-1].group(0)) or ""
        return found.strip() or None

    return by_regex


EXTRACTORS = ("boxed", "last_number", "choice", "regex:<pattern>", "judge")


def get_extractor(name: str) -> Callable[[str], str | None]:
    """The answer extractor called `name`; a bad name is a one-line UsageError.

    `judge` asks the configured LLM provider (`llm_judge`); offline that is a UsageError too."""
    from backends.errors import UsageError

    if name == "boxed":
        return boxed_answer
    if name == "last_number":
        return last_number
    if name == "choice":
        return choice_letter
    if name.startswith("regex:"):
        return regex_extractor(name.removeprefix("regex:"))
    if name == "judge":
        return llm_judge()
    raise UsageError(f"extractor: unknown extractor {name!r}; allowed: {', '.join(EXTRACTORS)}", field="extractor")


JUDGE_PROMPT = (
    "You read the end of a model's reasoning and report the final answer it gives. Reply with the answer only "
    "(a number, a letter, or a short phrase), or NONE if it gives no final answer."
)


def llm_judge(settings=None, provider: str | None = None):
    """An answer extractor that asks the configured LLM provider (the same client the agent uses).

    It reads the last 4,000 characters of a text and replies with the answer or NONE. Offline
    there is no judge: that is a UsageError naming what to set."""
    from backends import llm

    client = llm.judge_client(settings, "judge", "extractor", "use boxed, last_number, choice or regex:<pattern>", provider)

    def judge(text: str) -> str | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        reply = str(client.invoke([SystemMessage(JUDGE_PROMPT), HumanMessage(text[-4000:])]).text).strip()
        return None if not reply or reply.upper() == "NONE" else reply

    return judge
