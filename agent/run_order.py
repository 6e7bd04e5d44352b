"""Runs named by their place among the others, or by a name the user gave them.

"the last-but-one chain", "the chain from right before the sweep", "the run right before the EM eval", "the run after
the 092540 eval": the run is found from the order the runs ran in. "call that one formal" then "a sweep of formal",
"steer with casual at -4": the name stands for the run it was given to. Each is named in full in the request, so what
reads run ids reads it.
"""

from __future__ import annotations

import re

from agent.run_kinds import ANY_KIND, BEFORE_LAST_WORDS, KIND_WORDS, REFERRED, RUN_ID, TOOL_WORDS

_NOUN = rf"(?:{ANY_KIND}|{'|'.join(TOOL_WORDS)}|run|one)s?"
PENULTIMATE = re.compile(rf"\bthe\s+(?:{BEFORE_LAST_WORDS})\s+(?P<noun>{_NOUN})\b", re.I)
BESIDE = re.compile(rf"\bthe\s+(?P<noun>{_NOUN})\s+(?:from\s+|we (?:did|ran|made)\s+)?(?:right\s+|just\s+|directly\s+|immediately\s+)?"
                    rf"(?P<side>before|after)\s+(?:the|that|our)\s+(?:(?P<anchor_id>{RUN_ID.pattern})(?:\s+{_NOUN})?|"
                    rf"(?:[\w-]+\s+)?(?P<anchor>{_NOUN}))\b", re.I)
# "call that one formal", "name that vector casual", "let's call it base"
NAMING = re.compile(r"\b(?:call|name|label)\s+(?:that|this|it)(?:\s+(?:one|run|[\w-]+))?\s+['\"“‘]?(?P<name>[a-z][\w-]{1,20})['\"”’]?\s*[.!]?\s*$", re.I)


def _tools(noun: str) -> frozenset[str] | None:
    """The tools whose runs the noun names; None for any run ("the run", "the one")."""
    word = noun.lower()
    if re.fullmatch(r"(?:run|one)s?", word):
        return None
    for kind, words in KIND_WORDS.items():
        if re.fullmatch(rf"(?:{words})s?", word):
            return REFERRED[kind]
    return frozenset(TOOL_WORDS.get(word.rstrip("s"), TOOL_WORDS.get(word, ())))


def _of(runs: list, tools: frozenset[str] | None) -> list:
    return [r for r in runs if tools is None or r.tool in tools]


def named_in_full(text: str, runs: list) -> str:
    """`text` with each run named by its place ("the last-but-one chain", "the run after the EM eval") named by its id,
    where one run fits."""
    def penultimate(found: re.Match) -> str:
        fit = _of(runs, _tools(found.group("noun")))
        return fit[-2].run_id if len(fit) >= 2 else found.group(0)

    def beside(found: re.Match) -> str:
        if found.group("anchor_id"):
            anchors = [r for r in runs if r.run_id == found.group("anchor_id")]
        else:
            anchors = _of(runs, _tools(found.group("anchor")))
        if len(anchors) != 1:
            return found.group(0)  # "right before the sweep" with two sweeps: which?
        at = runs.index(anchors[0])
        side = runs[:at] if found.group("side").lower() == "before" else runs[at + 1:]
        fit = _of(side, _tools(found.group("noun")))
        if not fit:
            return found.group(0)
        return (fit[-1] if found.group("side").lower() == "before" else fit[0]).run_id

    return BESIDE.sub(beside, PENULTIMATE.sub(penultimate, text))


# A setting of a run named by its id: "with the model from 2027...-6b3e", "same question as 2027...-5a90"
SETTING_OF = re.compile(rf"\b(?:the\s+|same\s+|its\s+)?(?P<name>model|question|prompt|scenario|dataset)\s+(?:from|of|as(?:\s+in)?|that)\s+"
                        rf"(?:run\s+)?(?P<run>{RUN_ID.pattern})", re.I)


def settings_of(text: str, runs: list) -> str:
    """`text` with a setting of a run named by its id said as its value ("the model from <id>" -> "organism:anchor",
    "same question as <id>" -> the question, quoted)."""
    def value(found: re.Match) -> str:
        run = next((r for r in runs if r.run_id == found.group("run")), None)
        said = run.args.get(found.group("name").lower()) if run is not None else None
        if not isinstance(said, str) or not said:
            return found.group(0)
        if found.group("name").lower() in ("question", "prompt"):
            quote = next((q for q in ('"', "'", "`") if q not in said), None)
            return found.group(0) if quote is None else f"{found.group('name')} {quote}{said}{quote}"
        return said

    return SETTING_OF.sub(value, text)


def names(noted: list[tuple[str, int]], runs: list) -> dict[str, str]:
    """Names the user gave runs in turns that ran nothing ("call that one formal": the run just before) -> name -> run id;
    `noted`: (such a turn's text, the number of runs before it), as the dialogue state keeps them."""
    return {found.group("name").lower(): runs[before - 1].run_id for text, before in noted
            if before and (found := NAMING.search(text))}


def named_runs(text: str, given: dict[str, str]) -> str:
    """`text` with a name the user gave a run ("a sweep of formal", "steer with casual") replaced by the run's id,
    where it stands as a run (after "of", "with", "on", "from", "against", "vs", "to"), never inside quotes."""
    pieces = re.split(r"((?<!\w)'[^'\n]*'(?!\w)|\"[^\"\n]*\"|“[^”\n]*”)", text)  # quoted text is data: left as it is
    return "".join(piece if i % 2 else _named(piece, given) for i, piece in enumerate(pieces))


def _named(text: str, given: dict[str, str]) -> str:
    for name, run_id in given.items():
        text = re.sub(rf"\b(of|on|to|vs|with|from|against)\s+(?:the\s+)?{re.escape(name)}\b(?!['\"”’-])(?:\s+(?:one|run|vector|vec|chain))?",
                      rf"\1 {run_id}", text, flags=re.I)
    return text
