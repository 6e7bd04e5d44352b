"""Reading a final answer out of generated text."""

from __future__ import annotations

import re

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


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")
_CHOICE = re.compile(r"(?:answer(?: is)?|choice(?: is)?|option)\s*:?\s*\(?([A-E])\)?(?![A-Za-z])|\(([A-E])\)", re.I)
EXTRACTORS = ("boxed", "last_number", "choice", "regex:<pattern>", "judge")


def normalize_answer(text: str) -> str:
    """A canonical form, so equal answers compare equal: trimmed, no $ or \\text{}, numbers as numbers."""
    s = text.strip().strip("$").strip()
    s = re.sub(r"^\\text\{(.*)\}$", r"\1", s).strip().rstrip(".").strip()
    if re.fullmatch(r"-?\d[\d,]*(\.\d+)?", s):
        number = float(s.replace(",", ""))
        return str(int(number)) if number.is_integer() else repr(number)
    if re.fullmatch(r"\(?[A-Ea-e]\)?", s):
        return s.strip("()").lower()
    return s


def last_number(text: str) -> str | None:
    found = _NUMBER.findall(text)
    return found[-1] if found else None


def choice_letter(text: str) -> str | None:
    """The last multiple-choice statement: "answer is (B)", "Answer: C", or a lone "(D)"."""
    found = [m.group(1) or m.group(2) for m in _CHOICE.finditer(text)]
    return found[-1].upper() if found else None


def get_extractor(name: str):
    """The answer extractor called `name`; a bad name is a one-line UsageError."""
    from backends.errors import UsageError

    if name == "boxed":
        return boxed_answer
    if name == "last_number":
        return last_number
    if name == "choice":
        return choice_letter
    if name.startswith("regex:"):
        try:
            pattern = re.compile(name.removeprefix("regex:"))
        except re.error as e:
            raise UsageError(f"extractor: bad regex ({e})", field="extractor") from None

        def by_regex(text: str) -> str | None:
            matches = list(pattern.finditer(text))
            if not matches:
                return None
            last = matches[-1]
            return last.group(1) if pattern.groups else last.group(0)

        return by_regex
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
    from backends.errors import UsageError
    from backends.settings import get_settings

    settings = settings or get_settings()
    name = llm.resolve_provider(settings, provider)
    if name == "offline":
        raise UsageError("extractor: judge needs an LLM provider: set ANTHROPIC_API_KEY or OPENAI_API_KEY "
                         "(or openai_base_url), or use boxed, last_number, choice or regex:<pattern>", field="extractor")
    client = llm.chat_model(settings, name)

    def judge(text: str) -> str | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        reply = str(client.invoke([SystemMessage(JUDGE_PROMPT), HumanMessage(text[-4000:])]).text).strip()
        return None if not reply or reply.upper() == "NONE" else reply

    return judge
