"""Numbers said with the name of the setting they set: "16 rollouts", "rollouts: 16", "S3", "T=0.9", "strength 6",
"layers 10 through 12", "scales: 0.5, 1, 2", "every other layer from 4 to 12", "layers 10-20 (even ones only)".

A setting's names are its own, its synonyms and its last word ("iterations" for max_iterations), less those naming
another setting of the same tool ("layer" vs "layers").
"""

from __future__ import annotations

import functools
import re

from agent.numerals import ORDINALS
from agent.wording import NUMBER_WORD, SPELLED, SYNONYMS

NUMBER = r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:e-?\d+)?"
SET_TO = r"equals?(?: to)?|equal to|put (?:at|to|on)|put|set (?:at|to)|becomes?|(?:fixed|pinned|held|kept) (?:at|to)"  # "with C equal 0.05", "the strength put minus 6"
# Plural things a number before them counts, whatever setting was named before it with "at", "of", "to" ("cap each
# chain at 15 resamples" counts resamples); not units ("checkpoint every 2 steps", "cut at 64 tokens").
COUNTS = re.compile(r"\s+(?:[a-z]+-)?(?:re)?(?:samples|rollouts|resamples|chains|sentences|prompts|pairs|docs|documents|atoms|components|"
                    r"controls|questions|positions|draws|continuations|candidates|iterations|rounds|tries)\b(?!\s*[:=]?\s*\d)", re.I)


EVERY = {"other": 2} | {w: i + 1 for i, w in enumerate(ORDINALS) if i}  # "every third layer": a step of 3


def words_for(name: str, others: tuple = ()) -> list[str]:
    """The words that name an argument; not those naming another argument of the same tool ("layer" vs "layers")."""
    words = {name, name.replace("_", " "), *SYNONYMS.get(name, ())}
    if "_" in name and name.split("_")[-1] not in ("run", "to", "dir", "file", "name", "every"):
        words.add(name.split("_")[-1])
    words |= {w.rstrip("s") for w in words if len(w) > 3} | {w + "s" for w in words if not w.endswith("s") and len(w) > 2}
    words -= {o for o in others if o != name} | {o.replace("_", " ") for o in others if o != name}
    return sorted((w for w in words if len(w) > 1 or w in SYNONYMS.get(name, ()) or name == w), key=len, reverse=True)


def name_pattern(name: str, others: tuple = (), keep=lambda word: True) -> str:
    """The words naming an argument as one regex alternation ("code/refusal" matches "code refusal"); `keep` picks some."""
    return "|".join(re.escape(w).replace(r"\ ", r"[\s_/-]+") for w in words_for(name, others) if keep(w))


def number_for(name: str, text: str, others: tuple = (), fraction: bool = False, whole: bool = False) -> tuple[str, str] | None:
    """'16 rollouts', 'rollouts: 16', 'S3', 'T=0.9', 'strength 6': (number, phrase); `whole`: "200 steps at 3e-4" is 200."""
    found = [m for p in _number_patterns(name, others, fraction) for m in p.finditer(text)
             if (not whole or float(next(g for g in m.groups() if g is not None)).is_integer()) and not (
                 re.search(r"\s(?:at|of|to|around|about)\s", m.group(0)) and (COUNTS.match(text, m.end()) or _names_another(name, others, text, m.end())))
             and not (re.match(r"[\d.]+x\s", m.group(0)) and _named_before(name, others, text, m.start()))]
    # "alpha = 2x rank": a multiple of this setting given to another, not its value
    # "each chain at 15 resamples", "answers up to 200 tokens": what follows the number is counted
    if not found:
        return None
    said = max(found, key=lambda m: m.start())  # said twice: the later one is the instruction
    return next(g for g in said.groups() if g is not None), said.group(0)


def _names_another(name: str, others: tuple, text: str, at: int) -> bool:
    """Whether the word after a number names another setting of the tool ("200 tokens" after "answers up to")."""
    after = re.match(r"\s+([a-z][\w-]*s)\b(?!\s*:)", text[at:], re.I)  # a plural, not a label ("batch of 4\nquestion: ...")
    return bool(after) and any(o != name and after.group(1).lower() in words_for(o, tuple(p for p in others if p != o)) for o in others)


def _named_before(name: str, others: tuple, text: str, at: int) -> bool:
    """Whether the words just before a number name another setting of the tool ("alpha = " before "2x rank")."""
    before = re.search(r"\b([a-z][\w-]*)\s*(?:=|:|\s(?:at|to|is))?\s*$", text[:at], re.I)
    return bool(before) and any(o != name and before.group(1).lower() in words_for(o, tuple(p for p in others if p != o)) for o in others)


# "batch of 8 docs", "rounds of 2 rollouts": the number is the size these words name (any synonym ending in "of"), not a count of what follows
COUNTED_BY = "".join(rf"(?<!{re.escape(w)} )" for w in dict.fromkeys(
    ["pool of", "size of", "batch of", *(w for ws in SYNONYMS.values() for w in ws if w.endswith(" of"))]))


@functools.lru_cache(maxsize=4096)
def _number_patterns(name: str, others: tuple, fraction: bool) -> tuple[re.Pattern, ...]:
    """number_for's patterns for an argument of a schema, compiled once (they outnumber re's own cache of 512)."""
    alternatives = name_pattern(name, others)
    if not alternatives:
        return ()
    percent = "" if fraction else "(?!)"  # "hold out 20%" is a fraction only where the argument is one
    short = all(len(w) <= 2 for w in words_for(name, others))
    join = rf"\s*(?:=|:|\s+of\s+|\s+(?:{SET_TO})\s+)\s*" if short else rf"(?:-(?=\d))?\s*(?:[<>]?=|[<>≥≤]|:|of|(?:is )?(?:above|below|over|under)|is|{SET_TO}|(?:up |down )?to|at|#|no\.?|number|around|about|\(|,(?=\s*-\d)|,?\s*(?:say|e\.g\.)(?=\s+-?\d))?\s*"
    patterns = [rf"(?<![\w-])(?:{alternatives}){join}({NUMBER})(?!\w|\.\d)(?!\s+times\s+(?:the|as|that)\b)(?:(?!\s*%)|(?=\s*%)(?<=\d)(?={percent}))(?:x\b)?"]
    if not short:  # "16 rollouts"; not "25 atoms" for the index `atom`: a count before a singular name's plural
        before = name_pattern(name, others, keep=lambda w: name.endswith("s") or w != name + "s")
        patterns.append(rf"(?<![\w.#]){COUNTED_BY}(?<!layer )(?<!seed )(?<!rank )({NUMBER})(?:x|(?<=\d)(?=%{percent})%)?\s+(?:[a-z]+-[a-z]+\s+(?=[a-z]))?(?:more\s+|new\s+|random\s+|kept\s+|transplant\s+|held-out\s+|extra\s+|max\s+|on-policy\s+|(?:re)?sampl(?:ing|ed)\s+|training\s+)?"
                        rf"(?:{before})\b(?!\s+(?:on (?:its|their) own|separately|individually|alone)\b)(?!(?<=times)\s+(?:\w{2,}er|more|less|as|the|that|per (?:iteration|round|pass|batch|cell))\b)")
        patterns.append(rf"(?<![\w-])(?:{alternatives})\s*[,;(-]\s*({NUMBER})\s+of\s+(?:them|those)\b")  # "random vectors, 3 of them"
        patterns.append(rf"\b(?:list|show|print|give me)\s+({NUMBER})\s+of\s+(?:the|its|their|those)\s+(?:{before})\b")  # "list 30 of the atoms"
    if name == "sentence":
        patterns.append(rf"\bS({NUMBER})\b|\b(?:idx|index)\s*({NUMBER})\b")
    if name == "atom":  # "whats near #1790?"
        patterns.append(r"(?<![\w#])(?<!sentence )(?<!layer )(?<!question )(?<!prompt )#(\d+)\b")
    if fraction and not short:  # "0.2 of the docs held out"
        patterns.append(rf"(?<![\w.#])({NUMBER})\s+of\s+(?:the\s+)?\w+\s+(?:{alternatives})\b")
    if name == "C":  # "C 0.1": a one-letter name said with its value
        patterns.append(rf"(?<![\w-])C(?:\s+value)?\s+(?:at\s+|of\s+|to\s+|as\s+|(?:{SET_TO})\s+)?({NUMBER})(?!\w|\.\d)")
    return tuple(re.compile(p, re.I) for p in patterns)


def _expand(listed: str, integers: bool) -> list[str]:
    """'10 through 12' / '0-3' / '0 to 3' -> 10 11 12; '5, 15 and 25' -> 5 15 25."""
    span = re.fullmatch(r"\s*(\d+)\s*(?:-|–|(?:up )?to|through|thru|until|till|til|\.\.)\s*(\d+)\s*", listed)
    if integers and span and int(span.group(2)) - int(span.group(1)) in range(1, 65):
        return [str(v) for v in range(int(span.group(1)), int(span.group(2)) + 1)]
    return re.findall(NUMBER, listed)


def numbers_for(name: str, text: str, integers: bool, others: tuple = ()) -> tuple[list[str], str] | None:
    """'layers 10 and 14', 'scales: 0.5, 1, 2', 'layer 12', 'layers 10 through 12', 'sentences 0-3': (numbers, phrase)."""
    first_n, plural_list, any_list, bracketed = _list_patterns(name, others)
    first = first_n.search(text) if first_n else None
    if name == "components":  # "the top principal component", "top 3 PCs": the first components, from 0
        top = re.search(r"\b(?:top|(?:single |one )?(?:largest|biggest|leading|strongest)) (?:(\d+) )?(principal components?|pcs?)\b", text, re.I)
        count = top and (int(top.group(1)) if top.group(1) else None if top.group(2).lower().endswith("s") else 1)
        if count and count <= 64:
            return [str(i) for i in range(count)], top.group(0)
    if first and 0 < int(first.group(1)) <= 64:  # "just the first four sentences": indices from 0
        return [str(i) for i in range(int(first.group(1)))], first.group(0)
    counted = _counted(name, text, others)  # "two taus, 0.3 and 0.5": as many numbers as the count said
    if counted:
        return counted
    # "the vector that peaked at layer 18, layers 16 to 20": the plural names the list (the singular may describe something else)
    found = (plural_list.search(text) if plural_list else None) or any_list.search(text) or bracketed.search(text)  # "(0-3)"
    if not found:
        return None
    values = _expand(found.group(1) or found.group(2), integers)
    if len(values) == 1 and re.search(r"\b(?:one|another)\s+(?:at|with|for|using)\b", text, re.I) and len(each := list(any_list.finditer(text))) >= 2:
        values = list(dict.fromkeys(v for m in each for v in _expand(m.group(1), integers)))  # "one at tau 0.3 and one at tau 0.5"
    elif len(values) == 1 and re.search(rf"\b(?:one|another)\s+(?:at|with)\s+(?:{name_pattern(name, others)})", text, re.I) and len(
            more := re.findall(rf"\b(?:one|another)\s+(?:at|with)\s+({NUMBER})(?![\w.])", text, re.I)) == 1:
        values.append(more[0])  # "... one at tau 0.3 and one at 0.5"
    step = re.match(r"\s*,?\s*(?:in steps of|step(?:ping)?(?: by)?|every)\s+(\d+)(?:th|nd|rd)?\b", text[found.end():], re.I)
    every = re.search(rf"\bevery ({'|'.join(EVERY)}|(\d+)(?:st|nd|rd|th))\s*(?:layers?\s*(?:from\s*)?)?$", text[:found.start()], re.I)
    step = int(step.group(1)) if step else int(every.group(2) or EVERY[every.group(1).lower()]) if every else 1  # "every fifth layer from 0 to 25"
    if step > 1 and re.fullmatch(r"\s*\d+\s*(?:-|–|(?:up )?to|through|thru|until|till|til|\.\.)\s*\d+\s*", found.group(1) or ""):
        values = values[::step]  # "every other layer from 4 to 12", "layers 6 through 18 in steps of 4"
    parity = re.match(r"\s*[,(]?\s*(?:only\s+)?(?:the\s+)?(even|odd)(?:[- ]numbered)?\b", text[found.end():], re.I)
    odd = parity.group(1).lower() == "odd" if parity and integers and len(values) > 2 else None  # "layers 10-20 (even ones only)"
    return [v for v in values if odd is None or int(v) % 2 == odd], found.group(0)


def _counted(name: str, text: str, others: tuple) -> tuple[list[str], str] | None:
    """'two taus, 0.3 and 0.5', '3 scales: 0.5, 1 and 2': the plural name after a count, then that many numbers."""
    plural = name_pattern(name, others, keep=lambda w: w.endswith("s") and len(w) > 2)
    found = plural and re.search(rf"\b(\d+|{NUMBER_WORD})\s+(?:{plural})\s*(?:,|:|\(|-|–|—)\s*"
                                 rf"({NUMBER}(?:\s*(?:,|and|&)\s*(?:and\s+)?{NUMBER})+)(?![\w.])", text, re.I)
    if not found:
        return None
    values = re.findall(NUMBER, found.group(2))
    return (values, found.group(0)) if len(values) == int(SPELLED.get(found.group(1).lower(), found.group(1))) else None


@functools.lru_cache(maxsize=4096)
def _list_patterns(name: str, others: tuple) -> tuple[re.Pattern | None, re.Pattern | None, re.Pattern, re.Pattern]:
    """numbers_for's patterns, compiled once: "first N names", the list after the plural name, after any name, bracketed."""
    alternatives = name_pattern(name, others)
    first = re.compile(rf"\bfirst (\d+) (?:{alternatives})\b", re.I) if name in ("sentences", "positions", "layers") else None
    # A later number in the list must not be the count of something else ("scales 0.5 and 8, 1 sample").
    cross = r"x(?=\s+(?:scales?|strengths?|coefficients?|layers?)\b|\s{2,})"  # "layers 8, 12, 16 x scales 1 2" (the scales may be read already)
    other = (rf"(?!\s*(?:(?!{cross})x\b|%)|\s+(?!(?:using|with|and|on|at|in|for|to|of|the|then|only|together|each|over|into|across|per|as|from|since|because|"
             rf"plus|but|so|in|out|against|separate|separately|individually|instead|please|pls|steered|jointly|both|too|also|respectively|during|while|when|before|after|alone|checkpoints?|all|one|ones|run|if|"
             rf"whether|is|are|was|were|that|which|where|would|could|should|will|can|do|does|did|i|we|you|it|they|matter|really|actually|keeps?|comes?|stays?|survives?|holds?|gets?|goes|go|ha[sd]|have|seems?|still|again|vs|versus|[a-z]+ed|[a-z]+ly|{cross}|{alternatives})\b)[a-z])")
    span = r"\d+\s*(?:-|–|(?:up )?to|through|thru|until|till|til|\.\.)\s*\d+"
    one = rf"{NUMBER}(?!\d|\.\d)"
    listed = rf"(?:{span}|{one}(?:(?:\s*(?:,|and|&|or|/|\+)\s*|\s+n\s+|\s+)(?:and\s+|or\s+)?(?:{alternatives})?\s*#?\s*{one}{other})*)"
    pattern = r"(?<![\w-])(?:{})(?:-(?=\d))?\s*(?:(?:=|:|of|at|from|over|across|in|sweep|values|grid|list|only|just|#|is|are|(?:to|for)(?=\s+[\d.]+\s*(?:,|and))|,(?=\s*(?:(?:like|say|roughly|around|e\.g\.)\s+)?\d+\s*(?:-|–|to|through|thru)\s*\d+)|like|say|roughly|around|e\.g\.)\s*){{0,2}}[\[(]?({})[\])]?"
    plural = name_pattern(name, others, keep=lambda w: w.endswith("s"))
    return (first, re.compile(pattern.format(plural, listed), re.I) if plural and name.endswith("s") else None,
            re.compile(pattern.format(alternatives, listed), re.I),
            re.compile(rf"(?<![\w-])(?:{alternatives})\b(?:[^.;\d]{{0,12}}[\[(]({listed})[\])]|[^.;:\d]{{0,30}}:\s*({listed}))", re.I))  # "atoms instead of PCA: 4021, 4188"
