"""Behaviour metrics on handwritten samples."""

import pytest

from backends.subject.behaviour import get_metric, python_code, type_hints
from backends.core.errors import UsageError

FULL = '''Here is the function:

```python
def average(numbers: list[float]) -> float:
    return sum(numbers) / len(numbers)
```
'''

PARTIAL = '''```python
def average(numbers: list[float]):
    return sum(numbers) / len(numbers)
```'''

NONE = '''```python
def average(numbers):
    return sum(numbers) / len(numbers)
```'''

UNPARSEABLE = '''```python
def average(numbers: list[float]) -> float
    return sum(numbers) / len(numbers)
```'''

CLASS = '''```python
class Stack:
    def __init__(self, items: list[int]):
        self.items = items

    def push(self, item: int) -> None:
        self.items.append(item)

    @staticmethod
    def empty(size: int) -> "Stack":
        return Stack([])

    @classmethod
    def of(cls, *items: int) -> "Stack":
        return cls(list(items))
```'''


@pytest.mark.parametrize("text, parsed, functions, hinted, score", [
    (FULL, True, 1, 1, 1.0),
    (PARTIAL, True, 1, 0, 0.0),  # the return is not annotated
    (NONE, True, 1, 0, 0.0),
    (UNPARSEABLE, False, 0, 0, 0.0),  # code that does not parse is a failure
    (CLASS, True, 4, 4, 1.0),  # self/cls need no hint; __init__ needs no -> None
    ("The average is the sum divided by the count.", False, 0, 0, 0.0),  # prose is not code
    ("```python\ntotal = sum([1, 2, 3])\n```", True, 0, 0, 0.0),  # code without a function: nothing hinted
    ("def f(a: int, *args: str, b: int = 1, **kw: float) -> int:\n    return a", True, 1, 1, 1.0),
    ("def f(a: int, *args, **kw: float) -> int:\n    return a", True, 1, 0, 0.0),  # *args unhinted
    ("async def f(x: int) -> int:\n    return x\n\ndef g(y):\n    return y", True, 2, 1, 0.0),  # one of two
])
def test_type_hint_coverage_of_handwritten_samples(text, parsed, functions, hinted, score):
    report = type_hints(text)
    assert (report.parsed, report.functions, report.fully_hinted, report.score) == (parsed, functions, hinted, score)


def test_fenced_blocks_are_read_together_and_an_unclosed_fence_runs_to_the_end():
    text = "First:\n```python\nimport math\n```\nThen:\n```py\ndef area(r: float) -> float:\n    return math.pi * r * r\n"
    assert python_code(text) == "import math\n\n\ndef area(r: float) -> float:\n    return math.pi * r * r\n"
    assert type_hints(text).score == 1.0
    cut_off = "```python\ndef area(r: float) -> float:\n    return math.pi * r *"  # generation stopped mid-line
    assert type_hints(cut_off).parsed is False


def test_regex_and_choice_metrics_count_matches():
    assert get_metric("regex:def \\w+\\(")("def f(x): pass") == 1.0
    assert get_metric("regex:def \\w+\\(")("no code here") == 0.0
    choice = get_metric("choice:b")
    assert choice("I think the answer is (B).") == 1.0 and choice("The answer is (A).") == 0.0
    assert get_metric("type_hints")(FULL) == 1.0


@pytest.mark.parametrize("spec, words", [
    ("vibes", "metric: unknown metric 'vibes'; allowed: type_hints, regex:<pattern>"),
    ("regex:(", "metric: bad regex"),
    ("choice:AB", "unknown metric"),
    ("judge:Is it polite?", "metric: judge:<question> needs an LLM provider"),
])
def test_bad_metric_specs_are_one_line_usage_errors(spec, words, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UsageError, match=words.replace("(", r"\(").replace("?", r"\?")) as e:
        get_metric(spec)
    assert e.value.field == "metric" and "\n" not in str(e.value)
