"""Chat-app and shell habits in a request, read as the words they stand for.

A researcher used to chat apps and terminals edits the last message with "s/16/32/", mends a slip with "*32",
strikes a value out ("~~16~~ 32 rollouts"), points at the message above with "^" (and two up with "^^"),
agrees with "+1", "👍" or "lgtm, ship it", writes "@parley" first, "w/", "b/c", "iirc", "ofc", and puts
**bold** or *stars* on the word that matters. What is quoted (a prompt, a `value`) stays as typed.
"""

from __future__ import annotations

import re

from agent.wording import QUOTED, outside_quotes

ADDRESSED = re.compile(r"^\s*@parley\b[,:]?\s*", re.I)
# "s/16/32/", "s/layer 12/layer 14/ and rerun": the user's last message (or the newest run's text) with the change
SED = re.compile(r"^\s*s/([^/\n]+)/([^/\n]*)/(g?)\s*(?:,?\s*(?:and|then|&)?\s*(?:re-?run|redo|again|rerun it|run (?:it|that)(?: again)?)\b)?"
                 r"\s*(?:pls|please|plz)?[.!]?\s*$", re.I)
STARRED = re.compile(r"^\s*\*\s*([\w.'-]+)\s*$|^\s*([\w.'-]+)\*\s*$")  # "*32", "rollouts*": the word a slip in the last message meant
STRUCK = re.compile(r"~~[^~\n]+~~\s*")  # "~~16~~ 32 rollouts": the struck value is taken back
EMPHASIS = re.compile(r"(?<![\w*])(\*\*|\*|__)(?=[A-Za-z0-9])([^*\n]{1,60}?)(?<=\S)\1(?![\w*])(?!\s*:)")  # "*clean*", "**32**" (not a label: "**System**: ...")
YES_SIGNS = re.compile(r"^\s*(?:[👍✅🚀👌💯🆗✔☑🙌]\ufe0f?(?:\s*[\U0001F3FB-\U0001F3FF])?\s*)+|^\s*\+1\b\s*", re.U)
NO_SIGNS = re.compile(r"^\s*(?:[👎❌🚫]\ufe0f?\s*)+", re.U)
OTHER_SIGNS = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?")  # a smiley kept by no reading
UP = re.compile(r"(?<![\w^])(\^{1,2})(?![\w^])")
# the words a chat shorthand stands for ("btw" after "diff" is "between", and stays for the readers that know it)
SHORT = [(r"\bw/o\b", "without"), (r"\bw/\s*(?=\w)", "with "), (r"\bb/c\b", "because"), (r"\bofc\b", "of course"),
         (r"\biirc\b", "if I remember right"), (r"\bafaict\b", "as far as I can tell"), (r"\bfwiw\b,?\s*", ""), (r"\bimo\b", "in my opinion"),
         (r"(?<!\bdiff )(?<!\bdifference )\bbtw\b,?\s*", ""), (r"\bty\b(?=\s*[!.,]|\s*$)", "thanks"),
         (r"\btl;?dr\b", "in short"), (r"\blgtm\b,?\s*ship it\b", "lgtm"), (r"\bship it\b", "go ahead"), (r"\bditto\b", "same"),
         (r"\blemme\b", "let me"), (r"\bu\b(?=\s+(?:re-?show|show|run|do|pull|give|rerun|redo)\b)", "you")]


def read(text: str, before: str | None = None, last_texts: dict | None = None) -> str:
    """`text` with its chat habits read: an edit or mend of `before` (the user's last message) is that message
    changed; an edit of a text the newest run used (`last_texts`: its text settings) is that setting changed."""
    text = ADDRESSED.sub("", text)
    if edited := _sed(text, before, last_texts or {}):
        return edited
    if mended := _starred(text, before):
        return mended
    text = YES_SIGNS.sub("yes ", text)
    text = NO_SIGNS.sub("no, ", text)
    return outside_quotes(_plain, text).strip() or text


def _plain(part: str) -> str:
    part = STRUCK.sub("", part)
    part = re.sub(r"`([+-]?\d[\d.,]*|(?:organism|builtin):[\w.-]+)`", r"\1", part)  # "answer is `36`", "`organism:misaligned`": the value
    part = EMPHASIS.sub(r"\2", part)
    part = OTHER_SIGNS.sub("", part)
    part = UP.sub(lambda m: "that" if m.group(1) == "^" else "the run before last", part)
    part = re.sub(r"^\s*that\s+(?=(?:re-?run|redo|again|do|show|steer)\b)", "", part, flags=re.I)  # "^ rerun that with 8"
    part = re.sub(r"(\b[a-z_]+=[^\s;=]+)\s+(?=[a-z_]+=)", r"\1; ", part)  # "layers=6,12,18 corpus=x": each value ends at the next key
    for said, meant in SHORT:
        part = re.sub(said, meant, part, flags=re.I)
    return part


def _sed(text: str, before: str | None, last_texts: dict) -> str | None:
    found = SED.match(text)
    if not found:
        return None
    old, new, every = found.group(1), found.group(2), bool(found.group(3))
    if before and old in before:
        return before.replace(old, new) if every else before.replace(old, new, 1)
    for name, value in last_texts.items():  # "s/survival/helping the user/" of the sentence inserted
        if isinstance(value, str) and old in value:
            return f"same, but {name} '{value.replace(old, new)}'"
    return None


def _starred(text: str, before: str | None) -> str | None:
    found = STARRED.match(text)
    if not found or not before:
        return None
    meant = found.group(1) or found.group(2)
    scored = sorted(((_apart(m.group(0).lower(), meant.lower()), abs(len(m.group(0)) - len(meant)), m.start(), m)
                     for m in re.finditer(r"[\w.'-]+", before) if m.group(0).isdigit() == meant.isdigit() and m.group(0) != meant),
                    key=lambda s: s[:3])
    scored = [s for s in scored if s[0] <= max(1, len(meant) // 3)]
    if not scored or len(scored) > 1 and scored[0][:2] == scored[1][:2]:
        return None  # no word near it, or two as near: which one was meant is not said
    best = scored[0][3]
    if any(best.start() >= q.start() and best.end() <= q.end() for q in QUOTED.finditer(before)):
        return None
    return before[:best.start()] + meant + before[best.end():]


def _apart(a: str, b: str) -> int:
    """Edits between two words, a swap of neighbours counting one ("23" and "32")."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
