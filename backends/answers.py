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
