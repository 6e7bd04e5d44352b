"""Reading a final answer out of generated text, and putting it in a form that compares.

docs/methods.md ("Answers"): the first non-empty \\boxed{...}, normalized;
multiple-choice letters; numbers; or a judge. Extractors return the answer as written;
`normalize_answer` makes equal answers equal strings ("1,000" / "1000.0" / "$1000$").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Callable

_BOXED = re.compile(r"\\boxed\s*\{")


def boxed_answer(text: str) -> str | None:
    """The first non-empty `\\boxed{...}` (braces may nest) that is not a placeholder ("answer", "..."),
    whitespace-trimmed; None when there is none."""
    for match in _BOXED.finditer(text):
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                inner = text[start:i].strip()
                if inner and not is_placeholder(inner):
                    return inner
                break
    return None


# What a model writes when it copies a prompt's template instead of answering ("\\boxed{answer}").
PLACEHOLDERS = frozenset({
    "answer", "your answer", "the answer", "final answer", "your final answer", "the final answer", "answer here",
    "your answer here", "\\ldots", "\\dots", "\\cdots", "?", "_", "__", "___",
})


def is_placeholder(answer: str | None) -> bool:
    """Whether an extracted answer is a template's placeholder ("answer", "your answer", "...", "<answer>"),
    to be counted as no answer."""
    if answer is None:
        return False
    s = re.sub(r"^\\(?:text|textbf|mathrm)\s*\{(.*)\}$", r"\1", answer.strip().strip("$").strip(), flags=re.S)
    s = " ".join(s.strip("[]<>*( )").split()).lower().rstrip(".:")
    return s in PLACEHOLDERS or not s.strip(".\u2026 ")


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


def read_answer(raw: str | None) -> str | None:
    """An extracted answer as it compares: normalized, and None for no answer or a placeholder."""
    answer = normalize_answer(raw)
    return None if answer is None or is_placeholder(answer) else answer


# --- Equal answers: "2/4", "1/2", "\\frac{1}{2}" and "0.5" -------------------------------------------

EQUIVALENCES = ("auto", "math", "exact")
_MATHY = re.compile(r"[\d\\]")  # a digit or a LaTeX command: worth parsing as mathematics


def math_verify_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("math_verify") is not None


class AnswerClasses:
    """Equal answers as one string: each answer maps to the first answer seen that equals it.

    `math` compares with math-verify (LaTeX and plain expressions parsed by sympy: "2/4", "1/2",
    "\\frac{1}{2}" and "0.5" are one answer), but only answers that hold a digit or a LaTeX command
    (a word parses as a product of letters, so "no" would equal "on"); `exact` compares the
    normalized strings; `auto` is `math` where math-verify is installed. A number (or "x = number")
    is keyed by its value rounded to 6 decimals, math-verify's own rounding, so a run with many
    answers costs one parse each; other expressions are checked with math-verify's `verify` against
    the first 25 such answers. math-verify runs without its signal-based timeout, which works only
    in the main thread (tools run in worker threads), so answers over 80 characters are not parsed."""

    MAX_CHARS, MAX_EXPRESSIONS = 80, 25

    def __init__(self, mode: str = "auto"):
        from backends.core.errors import UsageError

        if mode not in EQUIVALENCES:
            raise UsageError(f"equivalence: unknown {mode!r}; allowed: {', '.join(EQUIVALENCES)}", field="equivalence")
        if mode == "math" and not math_verify_available():
            raise UsageError("equivalence: 'math' needs the math-verify package (pip install math-verify); "
                             "allowed here: auto, exact", field="equivalence")
        self.mode = "math" if mode == "math" or (mode == "auto" and math_verify_available()) else "exact"
        self._class: dict[str, str] = {}  # answer -> the first equal answer seen
        self._numbers: dict[tuple, str] = {}  # rounded value -> the first answer with it
        self._expressions: list[tuple[str, list]] = []  # (first answer, parsed) of other expressions

    def __call__(self, answer: str | None) -> str | None:
        if answer is None:
            return None
        if answer not in self._class:
            self._class[answer] = self._find(answer) or answer
        return self._class[answer]

    def _find(self, answer: str) -> str | None:
        if self.mode != "math" or not _MATHY.search(answer) or len(answer) > self.MAX_CHARS:
            return None
        parsed = self._parse(answer)
        if not parsed:
            return None
        key = _number_key(parsed[0])
        if key is not None:
            return self._numbers.setdefault(key, answer)
        from math_verify import verify

        for first, other in self._expressions:
            try:
                if verify(other, parsed, timeout_seconds=None):
                    return first
            except Exception:  # noqa: BLE001 - what it cannot compare stays apart
                continue
        if len(self._expressions) < self.MAX_EXPRESSIONS:
            self._expressions.append((answer, parsed))
        return None

    @staticmethod
    def _parse(answer: str) -> list:
        import logging

        from math_verify import parse

        logging.getLogger("math_verify").setLevel(logging.ERROR)  # its one-time "timeout disabled" note
        try:
            return parse(f"${answer}$", parsing_timeout=None)
        except Exception:  # noqa: BLE001 - an answer it cannot read compares as its string
            return []


def _number_key(expr) -> tuple | None:
    """A number's value rounded to 6 decimals (real, imaginary); "x = 3" counts as 3; None otherwise."""
    import sympy

    if isinstance(expr, sympy.Eq) and getattr(expr.rhs, "is_number", False):
        expr = expr.rhs
    if not getattr(expr, "is_number", False):
        return None
    try:
        value = complex(expr.evalf())
    except (TypeError, ValueError):
        return None
    return (round(value.real, 6) + 0.0, round(value.imag, 6) + 0.0)  # + 0.0: -0.0 is 0.0


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
    from backends.core.errors import UsageError

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
    from backends.core.errors import UsageError

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
    from backends.core import llm

    client = llm.judge_client(settings, "judge", "extractor", "use boxed, last_number, choice or regex:<pattern>", provider)

    def judge(text: str) -> str | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        reply = str(client.invoke([SystemMessage(JUDGE_PROMPT), HumanMessage(text[-4000:])]).text).strip()
        return None if not reply or reply.upper() == "NONE" else reply

    return judge
