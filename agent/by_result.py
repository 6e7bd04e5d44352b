"""A run picked by comparing a result across runs: "the seed that ended lowest", "the eval with the higher EM rate",
"the vector that moved the sentiment most", "the dictionary with the lower reconstruction error", "the chain that got
it wrong".

Each run's number is read from its own summary, else from the summaries of the runs made from it (a fine-tune's EM
rate is in its evaluation; how far a vector moved the samples is in the steering run that used it). The clause's words
say which number ("EM rate", "loss", "gap"); a verb of change ("moved", "raised") reads the change "a -> b" or "(+0.59)";
"ended" and "final" read the value after the arrow. Two runs that tie, or a comparison that says no number ("the
stronger direction": its steering or its ablation?), pick nothing: the planner asks which.
"""

from __future__ import annotations

import re
from statistics import mean

from agent import found_in
from agent.run_kinds import REFERRED, kind_of

MORE = r"higher|highest|more|most|bigger|biggest|larger|largest|stronger|strongest|sharper|sharpest|greater|greatest|hardest|better|best"
LESS = r"lower|lowest|less|least|smaller|smallest|weaker|weakest|fewer|fewest|worse|worst"
INSIDE = r"(?!\s+(?:cells?|settings?|layers?|scales?|sentences?|heads?|rows?|combination|config|atoms?|positions?)\b)"  # "whose best cell was ...": a finding
KINDS = (r"chain|cot|run|vector|vec|sweep|eval|evaluation|adapter|fine-?tune|finetune|ft|lora|dictionary|dict|probe|one|seed|direction|"
         r"insert|insertion|model|organism|hint run|monitor run")
CLAUSE = re.compile(rf"\b(?:the|that)\s+(?:[\w-]+\s+)?(?P<kind>{KINDS})\s+(?P<clause>(?:that|which|with|w/?|whose|where|in which)\s+"
                    rf"(?:[^,.;:?!()\s]+\s+){{0,6}}?(?P<cmp>{MORE}|{LESS})\b{INSIDE}(?:(?:\s+(?!(?:at|with|w|on|in|for|but|and|to|into|from|then|only)\b)\w[\w-]*){{0,3}}))", re.I)
BEFORE = re.compile(rf"\bthe\s+(?P<cmp>{MORE}|{LESS}){INSIDE}\s+(?P<clause>(?:[\w-]+\s+)?)(?P<kind>{KINDS})\b", re.I)  # "the stronger direction"
RIGHT = re.compile(r"\b(?:the|that)\s+(?:[\w-]+\s+)?(?P<kind>chain|cot|one|run)\s+(?:that|which|where it)\s+(?:got|gets|had|has|gave|reached|ended (?:up )?(?:with|on))\s+"
                   r"(?:it|the answer|the right answer|the wrong answer|its answer|an answer)?\s*(?P<verdict>right|wrong|correct|incorrect)\b", re.I)
CHANGE = re.compile(r"\b(?:mov|shift|chang|steer|swung|swing|push|budg)\w*", re.I)  # a change either way: its size
RAISE = re.compile(r"\b(?:rais|increas|boost|lift|improv)\w*", re.I)
DROP = re.compile(r"\b(?:lower(?:ed|s)|reduc|decreas|dropp|cut|shrank|shrunk)\w*", re.I)
FINAL = re.compile(r"\b(?:end(?:ed|s)?|final|finish\w*|last)\b", re.I)
# the words a person compares by -> the words a summary writes the number with
NAMES = ((r"reconstruction|error|n?mse\b", "mse"), (r"varian", "variance explained"), (r"\bem\b|misalign", "em rate"),
         (r"kurto", "kurtosis"), (r"receiver", "receiver score"), (r"\bgap\b|\bcue\b", "gap"), (r"\bloss\b|\bended\b", "loss"),
         (r"anchor|importan", "importance"), (r"steer", "steering"), (r"coheren", "coherent"), (r"(?<!mis)align", "aligned"),
         (r"accura", "acc"), (r"\batoms?\b", "atoms"))
PLAIN = frozenset("that which with whose where when than the was were had has got gets came out still ended after before its their "
                  "them this those these result results score scores value values actually really".split())  # no name of a number
WRITTEN = {"em rate": r"\bEM(?:[\s-]+rate)?\b"}  # a name a summary may shorten: "EM 28% [15%, 46%]"
WORSE_IS_MORE = ("mse", "loss")  # "the better dictionary": the lower error
VAGUE = r"stronger|strongest|weaker|weakest|better|best|worse|worst"  # say no measure ("the bigger dictionary" is its size: other readers')
PLACES = r"late|later|last|deep|deeper|deepest|final|early|earlier|earliest|first|shallow|shallower"  # "the bigger late-layer norm": of the last layer
TIE = "tie"
TOOLS = {"direction": ("misalignment_direction",), "insert": ("compare_interventions",), "insertion": ("compare_interventions",),
         "hint run": ("hint_mediation",), "monitor run": ("cot_monitor",)}  # kinds no `*_run` argument names


def clause(text: str) -> re.Match | None:
    """The words that compare runs by a result ("the eval with the higher EM rate", "the one that got it wrong"), or None."""
    return RIGHT.search(text) or CLAUSE.search(text) or BEFORE.search(text)


def tools_of(word: str) -> tuple[str, ...] | None:
    """The tools whose runs a kind word names ("eval" -> em_evaluate), or None for any run ("the one", "the seed")."""
    word = word.lower()
    return found_in.KINDS.get(word) or (tuple(REFERRED[kind_of(word)]) if kind_of(word) else None) or TOOLS.get(word)


def picked(text: str, runs: list, seen: list) -> object | None:
    """The one run of `runs` the comparison names, TIE when it names none of them alone, None when there is none."""
    said = clause(text)
    tools = tools_of(said.group("kind")) if said else None
    runs = [r for r in runs if tools is None or r.tool in tools]
    if said and "verdict" in said.groupdict():
        return _by_answer(text, said, runs)
    if not said or len(runs) < 2 or _a_setting(said.group("clause"), runs):
        return None  # "the higher-rank one": a setting, compared elsewhere
    names, how, place = _measure(said.group("clause"))
    if not names and not how:
        return TIE if unmeasured(said) else None  # "the stronger direction": stronger at what?
    values = [(v, r) for r in runs for v in [_value(r, seen, names, how, place)] if v is not None]
    if len(values) < 2 and names and how:
        values = [(v, r) for r in runs for v in [_value(r, seen, [], how, place)] if v is not None]  # "moved the sentiment most": its change
    if len(values) < 2:
        return None
    more = bool(re.fullmatch(MORE, said.group("cmp"), re.I))
    if said.group("cmp").lower() in ("better", "best", "worse", "worst") and names and names[0] in WORSE_IS_MORE:
        more = not more
    values.sort(key=lambda vr: vr[0], reverse=more)
    return TIE if values[0][0] == values[1][0] else values[0][1]


def unmeasured(said: re.Match) -> bool:
    """'the stronger direction', 'the better one': a comparison that names no result to compare."""
    return "verdict" not in said.groupdict() and not any(_measure(said.group("clause"))[:2]) \
        and bool(re.fullmatch(VAGUE, said.group("cmp"), re.I))


def _measure(words: str) -> tuple[list[str], str | None, str | None]:
    """What a clause compares: the result's names, how it is read (a change, a rise, a drop, the final value) and at
    which end of the layers ('first', 'last' or None)."""
    names = [name for pattern, name in NAMES if re.search(pattern, words, re.I)]
    plain = [w for w in re.findall(r"[a-z]{4,}", words.lower()) if w not in PLAIN and not re.fullmatch(rf"{MORE}|{LESS}|{PLACES}", w)
             and not (CHANGE.match(w) or RAISE.match(w) or DROP.match(w) or FINAL.match(w))]
    names = names or [re.sub(r"(?:es|s|ed|ing)$", "", plain[-1])] if plain else names  # "raised type hints more": "hint", the noun said last
    place = re.search(PLACES, words, re.I)  # "the bigger late-layer norm": of the last layer listed
    return names, _how(words), place and ("first" if place.group(0).lower().startswith(("earl", "first", "shallow")) else "last")


def _a_setting(words: str, runs: list) -> bool:
    """Whether the clause compares a setting the runs were made with ("the one with more rollouts")."""
    keys = {k.lower() for r in runs for k in (r.defaults | r.args)}
    return any(w.lower() in keys or w.lower().rstrip("s") in keys for w in re.findall(r"[A-Za-z_]{3,}", words))


def _how(words: str) -> str | None:
    """How the clause reads a number: "size" of a change either way ("moved"), "rise" or "drop" of one ("raised",
    "lowered"), "final" (the value after an arrow: "ended"), or None (the number as written)."""
    if CHANGE.search(words):
        return "size"
    if DROP.search(words):
        return "drop"
    if RAISE.search(words):
        return "rise"
    return "final" if FINAL.search(words) else None


def _value(run, seen: list, names: list[str], how: str | None, place: str | None) -> float | None:
    """The number a run's findings give for the clause: its own summary's first, else the newest run made from it."""
    made = [r.summary or "" for r in reversed(seen) if run.run_id in {v for k, v in r.args.items() if k.endswith("_run") and isinstance(v, str)}]
    for summary in [run.summary or ""] + made:
        value = _read(summary, names, how, place)
        if value is not None:
            return value
    return None


ARROW = r"([+-]?\d+(?:\.\d+)?)\s*(?:->|→)\s*([+-]?\d+(?:\.\d+)?)"
# what is not a result: sentence and head names, layers, counts "(6/64)", intervals, multipliers "4x"
NOT_RESULTS = re.compile(r"\((?:layer|L)\s*\d+\)|\b(?:S|L\d+H|layer\s+|sentence\s+|by\s+sentence\s+)\d+\b|\b\d+(?:\.\d+)?x\b|\(\d+/\d+[^)]*\)|\[[^\]]*\]", re.I)


def _read(summary: str, names: list[str], how: str | None, place: str | None) -> float | None:
    """The clause's number in one summary: after the first of `names` it writes, else (no names) its first change."""
    found = next((m for name in names for m in [re.search(WRITTEN.get(name) or re.escape(name).replace(r"\ ", r"[\s-]+"), summary, re.I)] if m), None)
    if names and found is None:
        return None
    rest = NOT_RESULTS.sub(lambda m: " " * len(m.group(0)), summary[found.end():] if found else summary)
    near = r"[^\d+-]{0,40}?"  # the number said right after its name
    arrow = re.match(near + ARROW, rest) if found else re.search(ARROW, rest)
    changed = how in ("size", "rise", "drop")
    if arrow:
        first, last = float(arrow.group(1)), float(arrow.group(2))
        if changed:
            return {"size": abs(last - first), "rise": last - first, "drop": first - last}[how]
        return last if how == "final" or not found else first
    signed = re.search(r"\(([+-]\d+(?:\.\d+)?)\)", rest) if changed and not found else None  # "(+0.59)"
    if signed:
        return abs(float(signed.group(1))) if how == "size" else float(signed.group(1))
    listed = re.match(near + r"([+-]?\d+(?:\.\d+)?(?:\s*(?:/|,(?=\s*\d))\s*[+-]?\d+(?:\.\d+)?)*)", rest) if found else None
    if not listed:
        return None
    numbers = [float(n) for n in re.findall(r"[+-]?\d+(?:\.\d+)?", listed.group(1))]  # one a layer: "norms 5.1 (layer 10), 12.7 (layer 20)"
    value = numbers[0] if place == "first" else numbers[-1] if place == "last" else mean(numbers)
    return abs(value) if how == "size" else value


def _by_answer(text: str, verdict: re.Match, runs: list) -> object | None:
    """'the one that got it wrong': the chain whose boxed answer is not the right one (said in the request, else the
    answer most chains gave); TIE when none or several fit."""
    answers = {r.run_id: _answer(r.summary or "") for r in runs if r.tool == "generate_cot"}
    given = [a for a in answers.values() if a is not None]
    if len(given) < 2:
        return None
    stated = re.search(r"\b(?:correct|right|true)\s+(?:answer\s+)?(?:is|=|:)\s*\$?(-?\d+(?:\.\d+)?)", text, re.I)
    right = stated.group(1) if stated else _worked_out({r.args.get("question") for r in runs if r.run_id in answers})
    if right is None:
        counts = {a: given.count(a) for a in given}
        top = sorted(counts.values(), reverse=True)
        if top[0] < 2 or len(top) > 1 and top[1] == top[0]:
            return TIE
        right = max(counts, key=counts.get)
    wanted = verdict.group("verdict").lower() in ("right", "correct")
    fits = [r for r in runs if answers.get(r.run_id) is not None and (answers[r.run_id] == _number(right)) == wanted]
    return fits[0] if len(fits) == 1 else TIE


def _answer(summary: str) -> str | None:
    said = re.search(r"answer:\s*\$?(-?[\d,]+(?:\.\d+)?)", summary, re.I)
    return _number(said.group(1)) if said else None


def _number(value: str) -> str:
    return f"{float(value.replace(',', '')):g}"


SUM = re.compile(r"\s*(?:what(?:'s| is)\s+)?(-?\d+(?:\.\d+)?)\s*(\*|x|×|times|\+|plus|-|minus)\s*(-?\d+(?:\.\d+)?)\s*\??\s*", re.I)


def _worked_out(questions: set) -> str | None:
    """The answer of one plain sum all the chains were asked ("What is 17 * 23?"), or None."""
    asked = SUM.fullmatch(next(iter(questions))) if len(questions) == 1 and isinstance(next(iter(questions)), str) else None
    if asked is None:
        return None
    a, op, b = float(asked.group(1)), asked.group(2).lower(), float(asked.group(3))
    return f"{a * b if op in ('*', 'x', '×', 'times') else a + b if op in ('+', 'plus') else a - b:g}"

