"""Sentences of a chain of thought (docs/methods.md, "Sentence splitting").

Resampling experiments regenerate a CoT from the prefix before sentence i, so
the split must rebuild the original text byte-exactly. The rules:

* Only the region inside ``<think>...</think>`` is split. An unclosed ``<think>``
  runs to the end; a lone ``</think>`` (opening tag was in the prompt) runs from
  the start. Text outside the region is kept as ``head`` / ``tail``.
* Cut at paragraph breaks (a whitespace run with two or more newlines) and at
  ``.``, ``?``, ``!`` (repeatable, optionally followed by closing quotes or
  brackets) followed by whitespace, so ``3.14`` stays whole.
* Never cut right after a bare list marker (``2.``, ``(a).``, ``iv.``) or a
  title/abbreviation (``Dr.``, ``e.g.``, ...).
* Pieces shorter than ``min_chars`` merge into the next sentence; a short last
  piece merges into the previous one. No sentence is ever dropped.
* Sentence text has no surrounding whitespace; the whitespace after it is its
  ``sep``, so ``head + "".join(text + sep) + tail == text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_TAG, CLOSE_TAG = "<think>", "</think>"

# Maximal whitespace runs: the only places a cut can happen, so sentence text
# never starts or ends with whitespace.
WHITESPACE_RUN = re.compile(r"\s+")
# A piece ending in terminal punctuation, e.g. `done.`, `why?!`, `so."`, `(ok.)`.
ENDS_WITH_TERMINAL = re.compile(r"[.?!]+[\"'\u201d\u2019)\]]*\Z")
# A bare list marker alone on its line at the end of the piece: `2.`, `12.`,
# `(a).`, `a.`, `iv.`. Roman numerals are limited to i..xxxix so words such as
# `mix.` are not mistaken for numbers.
ENDS_WITH_LIST_MARKER = re.compile(
    r"(?:\A|\n)[^\S\n]*\(?(?:\d{1,3}|[a-z]|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))\)?\.\Z",
    re.IGNORECASE,
)
# A title or abbreviation whose dot does not end the sentence.
ENDS_WITH_ABBREVIATION = re.compile(
    r"(?:\A|[^\w.])(?:dr|mr|mrs|ms|prof|st|jr|sr|vs|e\.g|i\.e|cf|fig|eq)\.\Z",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str  # no leading/trailing whitespace
    start: int  # offset in the original full text
    end: int  # text == original[start:end]
    sep: str  # whitespace up to the next sentence (last: up to the region's end)


@dataclass(frozen=True)
class SentenceSplit:
    text: str
    head: str
    sentences: tuple[Sentence, ...]
    tail: str

    def rebuild(self) -> str:
        return self.head + "".join(s.text + s.sep for s in self.sentences) + self.tail

    def prefix_before(self, i: int) -> str:
        """Where a rollout that regenerates sentence ``i`` starts."""
        return self.text[: self.sentences[i].start]

    def prefix_after(self, i: int) -> str:
        """Text up to and including sentence ``i`` and its separator."""
        s = self.sentences[i]
        return self.text[: s.end + len(s.sep)]

    def texts(self) -> list[str]:
        return [s.text for s in self.sentences]

    def to_dict(self) -> dict:
        return {
            "head": self.head,
            "tail": self.tail,
            "sentences": [
                {"index": s.index, "text": s.text, "start": s.start, "end": s.end, "sep": s.sep}
                for s in self.sentences
            ],
        }

    @classmethod
    def from_dict(cls, d: dict, text: str) -> SentenceSplit:
        """Inverse of ``to_dict``; ``text`` is the original it was split from."""
        split = cls(text, d["head"], tuple(Sentence(**s) for s in d["sentences"]), d["tail"])
        if split.rebuild() != text:
            raise ValueError("sentence split does not rebuild the given text")
        return split


def _region(text: str) -> tuple[int, int]:
    """Offsets of the part of ``text`` to split (the inside of the think block)."""
    opened, closed = text.find(OPEN_TAG), text.find(CLOSE_TAG)
    if opened >= 0 and (closed < 0 or opened < closed):
        start = opened + len(OPEN_TAG)
        closed = text.find(CLOSE_TAG, start)
        return start, closed if closed >= 0 else len(text)
    # Only a closing tag before any opening one: the opening tag was in the prompt.
    return 0, closed if closed >= 0 else len(text)


def _is_cut(piece: str, gap: str) -> bool:
    """Whether the whitespace ``gap`` after ``piece`` (text since the last cut) ends a sentence."""
    if gap.count("\n") >= 2:  # paragraph break
        return True
    return bool(
        ENDS_WITH_TERMINAL.search(piece)
        and not ENDS_WITH_LIST_MARKER.search(piece)
        and not ENDS_WITH_ABBREVIATION.search(piece)
    )


def split_sentences(text: str, min_chars: int = 10) -> SentenceSplit:
    """Split the chain of thought in ``text`` into sentences (see module docstring)."""
    lo, hi = _region(text)
    region = text[lo:hi]
    # Whitespace at the region's edges goes to the head / the last sep, so every
    # whitespace run between first and last character is a candidate cut.
    first = lo + len(region) - len(region.lstrip())
    last = lo + len(region.rstrip())
    pieces: list[tuple[int, int]] = []
    start = first
    for gap in WHITESPACE_RUN.finditer(text, first, last):
        if _is_cut(text[start : gap.start()], gap.group()):
            pieces.append((start, gap.start()))
            start = gap.end()
    if first < last:
        pieces.append((start, last))  # text without final punctuation is still a sentence

    # Short pieces merge forward; a short last piece merges back.
    spans: list[tuple[int, int]] = []
    pending = None
    for i, (s, e) in enumerate(pieces):
        pending = s if pending is None else pending
        if e - pending >= min_chars or i == len(pieces) - 1:
            if e - pending < min_chars and spans:
                spans[-1] = (spans[-1][0], e)
            else:
                spans.append((pending, e))
            pending = None

    ends = [s for s, _ in spans[1:]] + [hi]
    sentences = tuple(
        Sentence(i, text[s:e], s, e, text[e:nxt]) for i, ((s, e), nxt) in enumerate(zip(spans, ends))
    )
    head = text[: spans[0][0]] if spans else text[:hi]
    return SentenceSplit(text, head, sentences, text[hi:])
