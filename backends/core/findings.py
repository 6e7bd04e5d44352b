"""A run as a finding: what it was about (`run_subject`) and the text memory embeds for it (`finding`).

Read from a run's run.json meta, so runs made anywhere (chat, `parley tool`) are described alike.
"""

from __future__ import annotations

import re
from typing import Any, Callable

SUBJECT_CHARS = 1000  # a subject as kept in metadata
DOC_SUBJECT_CHARS = 300  # ... and in the embedded document, so that the summary still fits MiniLM's window
# Params naming another run: a run that reads one is about what that run was about.
RUN_REFS = ("cot_run", "dictionary_run", "direction_run", "vector_run", "eval_run", "train_run", "base_run", "itda_run")
# Words that say nothing of a run's subject ("what did we find about the apples chain").
_STOP = frozenset("""
a an the and or but of for to in on at by with from about into as is are was were be been being it its this that
these those what which who how why when where did do does done we our us you your i me my can could would should
any some find found look looked see saw show tell earlier previous last latest first before ago week today yesterday
one ones run runs chain chains thought thoughts result results finding findings
""".split())


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, (list, tuple)):
        return "; ".join(t for t in map(text_of, value) if t)
    return ""


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def run_subject(meta: dict, lookup: Callable[[str], dict | None] | None = None, _depth: int = 0) -> str:
    """What a run was about, read from its run.json `meta` (params, model); "" if nothing says.

    In order: a question (a chain of thought's, or an unhinted one), a scenario id, a
    steering prompt or prompts, a chain-of-thought text, the run it reads (cot_run and the
    other RUN_REFS: that run's own subject when `lookup(run_id)` returns its meta, else
    `run <id>`), the two sides of a steering vector, a dataset, a corpus, a text, and last
    the model's name.
    """
    p = meta.get("params") or {}
    for key, form in (("question", "{}"), ("scenario", "scenario {}"), ("prompt", "{}"), ("prompts", "{}"),
                      ("cot", "chain of thought: {}")):
        if text_of(p.get(key)):
            return clip(form.format(text_of(p[key])), SUBJECT_CHARS)
    for key in RUN_REFS:
        ref = p.get(key)
        if isinstance(ref, str) and ref:
            other = lookup(ref) if lookup is not None and _depth < 3 else None
            return (run_subject(other, lookup, _depth + 1) if other else "") or f"run {ref}"
    if p.get("positive_name") or p.get("negative_name"):
        return clip(f"{text_of(p.get('positive_name'))} vs {text_of(p.get('negative_name'))}", SUBJECT_CHARS)
    for key, form in (("dataset", "dataset {}"), ("corpus", "corpus {}"), ("text", "{}")):
        if text_of(p.get(key)):
            return clip(form.format(text_of(p[key])), SUBJECT_CHARS)
    loaded = meta.get("model")
    model = p.get("model") or (loaded.get("name") if isinstance(loaded, dict) else loaded)
    return f"model {model}" if isinstance(model, str) and model else ""


def finding(tool: str, subject: str, summary: str) -> str:
    """A run's document in memory: `<tool> — about "<subject>": <summary>`."""
    about = f' — about "{clip(subject, DOC_SUBJECT_CHARS)}"' if subject else ""
    return f"{tool}{about}: {summary}"


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Stems of the words of `text` that can name a subject (no stopwords, no "run" or "chain")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {_stem(w) for w in words if w not in _STOP and (len(w) > 2 or w.isdigit())}


def overlap(words: set[str], subject: str) -> float:
    """Share of `words` found in `subject`."""
    return len(words & content_words(subject)) / len(words) if words and subject else 0.0
