"""Settings said by what they do rather than by their names; read after those said by name (agent/arguments.py).

- By description: "stop the curve once the cue rate hits 0.95" is hint_mediation's `stop_at`, whose schema says
  "The transplant curve stops once the cue-answer rate reaches this". A number no name claimed, in a clause that
  shares at least two words with one numeric setting's description and name (more than with any other), is that
  setting.
- The paper's value: "the paper's similarity cutoff" is the value the description gives as the paper's
  ("(paper: 0.6)", "the paper used 100"); "half the paper's rollouts" is half of it.
- None at all: "skip the random controls", "don't bother with the norm-matched controls" set a count that may be
  0 to 0.
- The first few: "the top five components" of a list whose description numbers from the largest
  ("0 = the largest") is [0, 1, 2, 3, 4].
- By what is counted: "64-token sentences" is the token setting whose description names sentences.
- Exponent notation: "200 steps at 3e-4" is the learning rate, the one setting whose description writes its
  values that way ("1e-2 suits a short run").
- A value by its meaning: "project out PCs 0 and 3" is `directions: pca`, whose description reads
  "pca: principal components of ...".

Nothing here knows a tool: every reading comes from the schema's names, types and descriptions.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from agent.wording import SYNONYMS, types_of

NUMBER = r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:e-?\d+)?"
# Words too common in descriptions and requests to tell one setting from another.
STOP = frozenset("the and for from with this that these those its into out per each than when which what are was were "
                 "has have not but all any one two use used using default paper else also only just more most less run runs "
                 "can could would should will let lets please now then them they their there here how why who our your you".split())
EXPONENT = r"\d+(?:\.\d+)?e-\d+"  # 3e-4: a learning rate or a smoothing constant, written as their descriptions write them
CLAUSE = re.compile(r"[,;:()\n—–]|(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s)|\band\b|\bthen\b|[?!]")  # "... about sentence 4. Could you ..." ends there
AS_MANY = re.compile(r"\bas many\s+(?:[\w-]+\s+){0,2}?([\w-]+)(?:\s+per\s+[\w-]+)?\s+as the paper\b", re.I)  # the thing counted
PAPER = re.compile(rf"\(paper:\s*({NUMBER})\b|\bthe paper used ({NUMBER})\b", re.I)
NONE = (r"\b(?:no|skip(?:ping)?|without|w/o|drop(?:ping)?|omit(?:ting)?|zero|"
        r"don'?t (?:bother with|bother|use|run|need|want|include|add|do))\s+(?:the\s+|any\s+)?(?:(?!more\b|fewer\b|less\b|than\b|\d)[\w-]+\s+){0,2}?")


def per_unit(props: dict, text: str) -> list[tuple[str, int, str]]:
    """'maximum 12 resample per chain' is the setting described as "Most resamples per chain", not `rollouts` (whose
    synonyms say resamples): a count said as "N <things> per|for each|a <unit>" where exactly one integer setting's
    description says "<things> per <unit>" and none is named <things>. (name, value, phrase) for each."""
    found = []
    for m in re.finditer(r"(?<![\w.])(\d+)\s+(?:[a-z]+\s+)?([a-z]{4,}?)(?:es|s)?\s+(?:per|for each|each|a)\s+([a-z]{4,}?)s?\b", text, re.I):
        thing, unit = m.group(2).lower(), m.group(3).lower()
        forms = {thing} | {w.rstrip("s") for n, ws in SYNONYMS.items() if thing.rstrip("s") in {n.rstrip("s"), *(x.rstrip("s") for x in ws)}
                           for w in (n, *ws)}
        said = [n for n, spec in props.items() if "integer" in types_of(spec) and any(
            re.search(rf"\b{re.escape(f)}(?:e?s)?\s+per\s+(?:batched\s+)?{re.escape(unit)}", spec.get("description", ""), re.I) for f in forms)]
        named = [n for n in props if n.rstrip("s") in forms]  # "20 rollouts per position": the setting it names, which counts per position;
        if _named(props, thing) and (len(said) != 1 or said[0] in named or any(  # but "8 docs per forward pass" is the batch's
                re.search(rf"\b{re.escape(unit)}", props[n].get("description", ""), re.I) or f"per {unit}" in SYNONYMS.get(n, ()) for n in named)):
            continue
        if len(said) == 1:
            found.append((said[0], int(m.group(1)), m.group(0)))
    return found


def _named(props: dict, thing: str) -> bool:
    """A setting is named by the thing counted: its own name, or another name of a setting whose description says it is
    a most ("documents" is docs, "Use at most this many documents"; "resamples" stays a cap, not rollouts)."""
    thing = thing.rstrip("s")
    return any(n.rstrip("s") == thing or any(w.rstrip("s") == thing for w in SYNONYMS.get(n, ()))
               and re.search(r"\b(?:at most|up to|maximum)\b", spec.get("description", ""), re.I) for n, spec in props.items())


def capped(props: dict, text: str) -> list[tuple[str, int, str]]:
    """'cap at 30 resamples', 'at most 12 resamples', 'try up to 12 resamples': the one max_ setting whose description names the things counted
    ("Most resamples per chain"), when no setting is named so ('max 50 rollouts' stays rollouts)."""
    found = []
    for m in re.finditer(r"\b(?:cap(?:ped)?\s+(?:it\s+)?at|max(?:imum)?(?:\s+of)?|at most|no more than|up to)\s+(\d+)\s+([a-z]{4,}?)(?:es|s)?\b", text, re.I):
        thing = m.group(2).lower()
        if _named(props, thing):
            continue
        said = [n for n, spec in props.items() if n.startswith("max_") and "integer" in types_of(spec)
                and re.search(rf"(?<!per )\b{re.escape(thing)}(?:e?s)?\b", spec.get("description", ""), re.I)]  # "tokens per document" counts tokens
        if len(said) == 1:
            found.append((said[0], int(m.group(1)), m.group(0)))
    return found


def hyphenated(props: dict, text: str) -> list[tuple[str, int, str]]:
    """'64-token sentences', '160-token answers': the token setting whose description names the things ("Tokens for one
    next sentence", "Most tokens per answer"), or the tool's only token setting."""
    found = []
    tokens = [n for n, spec in props.items() if "token" in n and "integer" in types_of(spec)]
    for m in re.finditer(r"(?<![\w.])(\d+)-tokens?\s+(?:[a-z]+\s+)?([a-z]{3,})", text, re.I):
        stem = m.group(2).lower()[:4]
        said = [n for n in tokens if re.search(rf"\b{stem}", props[n].get("description", "") + " " + n.replace("_", " "), re.I)]
        said = said if len(said) == 1 else tokens if len(tokens) == 1 else []
        if said and all(n != said[0] for n, _, _ in found):
            found.append((said[0], int(m.group(1)), m.group(0)))
    return found


def stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in STOP}


def echoed(text: str, description: str) -> int:
    """How many words of a setting's description `text` echoes (by their first four letters, stop words aside)."""
    return len(stems(text) & stems(description))


def read(props: dict, text: str, args: dict, names: Callable[[str], str], whole: str = "") -> dict[str, Any]:
    """The settings of `props` that `text` says by what they do, other than those in `args`; `names(name)` is the
    regex alternation of the words that name a setting (agent.arguments.name_pattern). `text` has the phrases that
    set other settings blanked out; `whole` is all of it ("PCs 0 and 3" set the components and say the directions)."""
    found: dict[str, Any] = {}
    for name, spec in props.items():
        if name in args or name.endswith(("_run", "_runs")):
            continue
        kinds, pattern = types_of(spec), names(name)
        if not pattern:
            continue
        paper = PAPER.search(spec.get("description", ""))
        said = paper and kinds & {"integer", "number"} and re.search(
            rf"(?:\b(half|twice|double)\s+(?:of\s+)?)?\bthe\s+paper'?s\s+(?:own\s+|default\s+|usual\s+|original\s+)?(?:[\w-]+\s+){{0,2}}?(?:{pattern})\b|"
            rf"\b(?:{pattern})\s+(?:from|of|as in|like in|like|as)\s+(?:in\s+)?the\s+paper\b", AS_MANY.sub(" ", text), re.I) or paper and kinds & {"integer", "number"} \
            and (many := AS_MANY.search(text)) and re.fullmatch(rf"()(?:{pattern})", many.group(1), re.I)  # "as many chains per sentence as the paper used"
        if said:
            value = float(paper.group(1) or paper.group(2)) * {"half": 0.5, "twice": 2, "double": 2}.get((said.group(1) or "").lower(), 1)
            found[name] = int(value) if "integer" in kinds and value.is_integer() else value
        elif "integer" in kinds and spec.get("minimum") == 0 and (spec.get("default") or 0) > 0 and re.search(
                rf"{NONE}(?:{pattern})\b", text, re.I):
            found[name] = 0
        elif "array" in kinds and "(0 = the largest)" in spec.get("description", "") and (
                first := re.search(rf"\b(?:top|first|largest|leading)\s+(\d+)\s+(?:{pattern}|pcs?|principal components)\b", text, re.I)):
            found[name] = list(range(min(int(first.group(1)), spec.get("maxItems", 64))))
        elif spec.get("enum") and (meant := _meant(_shared(props, name), whole or text)) and _owner(props, name, text) == name:
            found[name] = meant
    exponent = re.findall(rf"(?<![\w.-]){EXPONENT}(?![\w.])", text, re.I)
    written = [n for n, s in props.items() if n not in args and n not in found and "number" in types_of(s)
               and re.search(EXPONENT, s.get("description", ""), re.I)]
    if len(exponent) == 1 and len(written) == 1:  # "200 steps at 3e-4": the one setting whose description writes values so
        found[written[0]] = float(exponent[0])
    counted = {n for n in props if n.endswith("s") and n[:-1] in props}  # "the middle six layers": six counts layers, it is no layer
    return found | _by_description({n: s for n, s in props.items() if n not in args and n not in found}, text, counted)


def _meant(spec: dict, text: str) -> str | None:
    """The one enum value whose meaning, as its description gives it ('pca: principal components of ...'), the text
    says in words or initials ('principal components', 'PCs')."""
    meanings = dict(re.findall(r"(?:^|;\s*)([a-z_]+):\s+([a-z][a-z-]*\s+[a-z][a-z-]*)", spec.get("description", "")))
    meanings |= dict(re.findall(r"\b([a-z_]+)\s+\(([a-z][a-z-]*(?:\s+[a-z][a-z-]*){1,3})[,)]", spec.get("description", "")))  # "mp (plain matching pursuit, ...)"
    firsts = [words.split()[0] for words in meanings.values()]
    said = [value for value, words in meanings.items() if value in spec["enum"] and not set(words.split()) & STOP and (
        _affirmed(rf"\b{re.escape(words)}\b", text)
        or _affirmed(rf"\b{''.join(w[0] for w in words.split())}s\b", text)
        or len(first := words.split()[0]) >= 5 and firsts.count(first) == 1  # "score it with the offline option": reference
        and re.search(rf"\b{re.escape(first)}\s+(?:option|one|mode|way|version|judge|setting|choice)\b", text, re.I))]
    return said[0] if len(said) == 1 else None


def _sharing(props: dict, name: str) -> list[str]:
    return [n for n, s in props.items() if set(s.get("enum") or ()) == set(props[name]["enum"])]


def _shared(props: dict, name: str) -> dict:
    """`name`'s spec, with the meanings of its values that another setting taking the same values gives
    ("encoder: omp (orthogonal matching pursuit, ...)" for build_encoder, whose description gives none)."""
    return props[name] | {"description": " ".join(props[n].get("description", "") for n in _sharing(props, name))}


def _owner(props: dict, name: str, text: str) -> str:
    """Of the settings taking the same values, the one whose description the text echoes most ("let the build decide which
    activations become atoms with orthogonal matching pursuit" is build_encoder's: "How the build decides which activations
    become atoms"); on a tie, the one whose own description gives the meaning said."""
    return max(_sharing(props, name), key=lambda n: (echoed(text, props[n].get("description", "").split("(")[0]) >= 4,
                                                    _meant(props[n], text) is not None))


def _affirmed(pattern: str, text: str) -> bool:
    """Said, and not as what is not wanted: "instead of principal components, block dictionary entries ..." says no PCA."""
    return any(not re.search(r"\b(?:not|no|instead of|rather than|except|without)\s+(?:the\s+)?$", text[:m.start()], re.I)
               for m in re.finditer(pattern, text, re.I))


def _by_description(props: dict, text: str, counted: set = frozenset()) -> dict[str, Any]:
    numeric = {n: s for n, s in props.items() if types_of(s) & {"integer", "number"} and "array" not in types_of(s)}
    if not numeric:
        return {}
    words = {n: stems(s.get("description", "") + " " + n.replace("_", " ")) for n, s in numeric.items()}
    bounds = [0] + [m.end() for m in CLAUSE.finditer(text)] + [len(text)]
    found: dict[str, Any] = {}
    for number in re.finditer(rf"(?<![\w.#:/-])({NUMBER})(%)?(?![\w%:/-]|\.\w)", text):  # "... hits 0.95." ends a sentence; "hits 90%": 0.9
        start = max(b for b in bounds if b <= number.start())
        end = min(b for b in bounds if b >= number.end())
        if re.search(r"\bso\s+(?:that\s+)?['\"]?$", text[start:number.start()], re.I) or \
                (after := re.match(r"\s+([a-z_]+)", text[number.end():])) and after.group(1).lower() in counted:
            continue  # "compare with math-verify so 0.375 counts": an example of what the setting is for, not its value
        clause = stems(text[start:number.start()] + " " + text[number.end():end])
        scores = sorted(((len(clause & stems), n) for n, stems in words.items() if n not in found), reverse=True)
        if not scores or scores[0][0] < 2 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
            continue
        name = scores[0][1]
        spec, value = numeric[name], float(number.group(1)) / (100 if number.group(2) else 1)
        if number.group(2) and spec.get("maximum", 100) > 1:
            continue  # a percentage is a share only of a setting that is one
        if "integer" in types_of(spec) and "number" not in types_of(spec):
            if not value.is_integer():
                continue
            value = int(value)
        if spec.get("minimum", value) <= value <= spec.get("maximum", value):
            found[name] = value
    return found
