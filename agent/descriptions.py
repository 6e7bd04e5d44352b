"""Runs named by description: "the apples chain", "the seed-1 one", "the L10 sweep", "the 8-rollout one".

A description's content words are matched against each run's own description (its subject in
the user's words, its tool, its settings as a person names them: `RunSeen.described_by`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from agent import by_result, found_in
from agent.numerals import NUMBER_WORDS, compound_numbers, decimals


STOP_WORDS = frozenset(
    "the a an of to in on for with and or that this it its run chain cot reasoning trace vector dictionary dictionaries layers "
    "fine tune finetune ft model one about from which what we did earlier last previous first second direction dict vec".split())


def content_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z][a-z0-9-]{2,}(?:\.\d+)?|(?<![\w.-])\d{2,}(?![\w.-])|(?<![\w.-])\d*\.\d+(?![\w.-])|"
                                              r"(?<![\w.-])\d+(?:\.\d+)?[mb](?![\w.-])", text.lower())  # "the 360m dictionaries": a model's size
            if w not in STOP_WORDS}  # "0.0003": a value said alone ("the 3e-4 run")


# "the chain about the train", "the one about 221", "the chain of the train question": a run named by what it is about
ABOUT = re.compile(r"\b(?:the|that|our)\s+(?P<kind>chain|cot|trace|question|problem|one|run|vector|vec|eval|evaluation|fine-?tune|lora|dictionary|dict)"
                   r"\s+(?:about\s+(?:the\s+|a\s+|an\s+)?|(?:of|for|on)\s+the\s+(?=[\w.'-]+\s+(?:question|problem|one)\b))(?P<subject>[\w.'-]+(?:\s+(?!and\b|so\b|to\b|with\b)[\w.'-]+)?)", re.I)


# "the one with the weird repeated tokens", "the run where the loss spiked": a run named by what it showed
SHOWED = re.compile(r"\b(?:the|that)\s+(?:one|run|samples|chain|sweep|eval|fine-?tune|vector)\s+(?:with|where|that (?:had|gave|showed))\s+(?:the\s+)?"
                    r"(?![^,.;:?!]*\d)([\w\s'-]{3,40}?)(?=\s*(?:[,.;:?!]|$))", re.I)  # not "the sweep with 8 samples": its settings


def describe_match(text: str, runs: list, seen: list | None = None) -> Any:
    """A run whose subject shares a content word with "the apples chain"-style phrases of `text`."""
    scored = describe_scores(text, runs, seen)
    best = max(scored, key=lambda s: (s[0], s[1])) if scored else (0, 0, None)
    return best[2] if best[0] > 0 else None


LOW = ("low", "lower", "lowest", "small", "smaller", "smallest", "short", "shorter", "shortest", "less", "fewer", "slow", "slower", "slowest")
COMPARED = re.compile(rf"\b(?:the|that|this)\s+({'|'.join(LOW)}|high|higher|highest|big|bigger|biggest|large|larger|largest|long|longer|longest|more|fast|faster|fastest)"
                      r"[\s-]+(learning[\s-]rate|[a-z_]+?)s?\s+(?:run|one|lora|ft|fine-?tune|adapter|vector|vec|sweep|chain|eval|dict(?:ionary)?|probe)\b", re.I)


SIGNED = re.compile(r"\b(?:the|that|those)\s+(negative|positive|minus|plus)[\s-](?:scale|strength|steer\w*)\b", re.I)  # "the negative-scale samples"


def compared(text: str, runs: list) -> Any:
    """The run "the low-lr run" / "the higher-rank one" names: of the runs whose setting differs, the lowest or highest;
    "the negative-scale samples": the one run steered at a scale of that sign."""
    if signed := SIGNED.search(text):
        scaled = [(r, scale) for r in runs if isinstance(scale := (r.defaults | r.args).get("scale"), (int, float))]
        picked = [r for r, scale in scaled if (scale < 0) == (signed.group(1).lower() in ("negative", "minus"))]
        if len(picked) == 1 and len(scaled) > 1:
            return picked[0]
    found = COMPARED.search(text)
    if not found:
        return None
    word = {"learning rate": "lr", "learning-rate": "lr", "temp": "temperature", "step": "steps"}.get(found.group(2).lower(), found.group(2).lower())
    values = [(v, r) for r in runs for k, v in (r.defaults | r.args).items()
              if (k == word or k.startswith(word) and len(word) >= 3) and isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len({v for v, _ in values}) < 2:
        return None
    pick = min if found.group(1).lower() in LOW else max
    return pick(values, key=lambda vr: vr[0])[1]


PLAIN = re.compile(r"\b(?:plain|vanilla|regular|normal|ordinary|non-caft)\s+(?:[\w-]+\s+)?(?:fine-?tune|finetune|lora|run|ft|adapter|one|training)\b",
                   re.I)  # "the plain rank-1 run"
# "same analysis as on the plain run", "exact same grid as the default one's sweep", "like the first run": the run
# whose settings are copied, not the one the request works on
COMPARED_TO = re.compile(r"\b(?:same\s+(?:[\w-]+\s+){0,3}?as|like)\s+(?:(?:on|in|for|with|from|to)\s+)?(?:the|that|this|my|our)\s+"
                         r"(?:[\w'.+-]+\s+){0,4}?(?:run|one|sweep|chain|vector|vec|adapter|lora|fine-?tune|ft|model|dictionary|dict|eval|probe)"
                         r"(?:'s\s+[\w-]+)?\b", re.I)


def plain_run(text: str, runs: list) -> Any:
    """'the plain fine-tune' beside a CAFT run: the newest fine-tune trained without concept ablation."""
    if not PLAIN.search(text) or not any(r.tool == "caft_finetune" for r in runs):
        return None
    return next((r for r in reversed(runs) if r.tool == "train_lora"), None)


# What a question does, for "the multiplication chain" when the chain asked "What is 7 times 13?"
OPERATIONS = ((r"\btimes\b|\d\s*[*×x]\s*\d|\bmultipl", "multiplication"), (r"\bplus\b|\d\s*\+\s*\d|\bsum\b", "addition"),
              (r"\bminus\b|\d\s+-\s+\d|\bsubtract", "subtraction"), (r"\bdivided\b|÷|\d\s*/\s*\d", "division"),
              (r"%|\bpercent", "percentage"), (r"\bto the power\b|\bpower of\b|\bsquared\b|\bcubed\b|\d\s*(?:\^|\*\*)\s*\d|\bexponent", "exponent"),  # and the kind of problem: "the linear equation chain", "the syllogism chain"
              (r"\d[a-z]\s*[+\-]\s*\d[^=]*=|\bsolve for\b|\bequations?\b", "equation"),
              (r"\ball \w+ are \w+\b.*\b(?:are|is) (?:all |some |any )?\w+", "syllogism"),
              (r"\b(?:triangle|rectangle|square|circle|pentagon|hexagon|cube|polygon|angles?|perimeter|area|diagonals?)\b", "geometry"),
              (r"\b(?:probability|chance|odds|dice|die|coins?)\b", "probability"), (r"\bprimes?\b|\bdivisible\b", "primality"))
# Number words, zero to twenty: the one list of them (agent/wording.py reads its own from here).
SMALL = {w: str(i) for i, w in enumerate(NUMBER_WORDS[:11])}  # "the minus-three run"
SPELLED_SETTING = re.compile(rf"\b(seed|layer|scale|rank|tau|step|k|alpha|lr)([\s-])({'|'.join(w for w in NUMBER_WORDS if w != 'one')})\b",
                             re.I)  # "the seed-two chain"; not "the 80-step one": a pronoun
COUNTED_SETTING = re.compile(rf"\b({'|'.join(w for w in NUMBER_WORDS if w != 'one')})([\s-](?:scale|prompt|pair|question|control|rollout|step|sample|token|layer)s?)\b",
                             re.I)  # "the three-scale sweep", "the thirty-two rollout run" (after compound numbers)


OTHER_NAMES = {"width": "rank", "depth": "layer", "block": "layer", "dose": "scale"}  # a setting's other names, where a run is described by it


@functools.lru_cache(maxsize=256)
def _settings_in_digits(text: str) -> str:
    """"the three-scale sweep", "the seed-two chain", "the tau point two dictionary", "the k=32 one" with their numbers in
    digits; once per text, though a turn describes runs against it many times."""
    text = COUNTED_SETTING.sub(lambda m: f"{NUMBER_WORDS.index(m.group(1).lower())}{m.group(2)}", compound_numbers(text))
    return SPELLED_SETTING.sub(lambda m: f"{m.group(1)}{m.group(2)}{NUMBER_WORDS.index(m.group(3).lower())}",
                               decimals(re.sub(r"\b([a-z]+)\s*=\s*(?=\d)", r"\1 ", text, flags=re.I)))


def describe_scores(text: str, runs: list, seen: list | None = None) -> list[tuple[float, int, Any]]:
    """(words of the description each run matches, its order, the run); [] when the text describes nothing.
    `seen`: every run of the conversation, where the runs these were made from are looked up (default: `runs`)."""
    extreme = compared(text, runs)  # a setting compared: "the larger-scale run"
    if extreme is None:
        result = by_result.picked(text, runs, seen or runs)  # a result compared: "the eval with the higher EM rate"
        extreme = None if result is by_result.TIE else result
    extreme = extreme or found_in.named(text, runs, seen or runs) or found_in.flagged(text, runs, seen or runs) or plain_run(text, runs)  # "the low-lr run", "the sweep where layer 10 peaked"
    if extreme is not None:
        return [(1.0 if r is extreme else 0.0, i, r) for i, r in enumerate(runs)]
    text = _settings_in_digits(text)
    phrases = re.findall(r"\b(?:the|that|our)\s+((?:(?!\b(?:the|that|our)\s)[\w\s.'’/-]){2,40}?)\s+"  # the innermost "the ..."
                         r"(?:chain|cot|run|vector|vec|question|problem|ones?|fine-?tune|ft|lora|adapter|dictionar(?:y|ies)|dicts?|layers|model|"
                         r"sweep|samples|direction|eval|evaluation|alternatives|comparison|ablation|probe|text|output|setup|recipe|config|grid|continuation|"
                         r"results?|table|plot|heatmap|curve|numbers|split|sentences|adapters|loras)\b", text, re.I)
    phrases += re.findall(r"\b(?:on|for|from|with|of|use|using)\s+(seed[\s-]?\d+)\b(?!\s*(?:,|and|&)\s*\d)", text, re.I)  # "receiver heads on seed 0"
    phrases += re.findall(r"\b(?:the|that|our)\s+(?:chain|cot|vector|vec|fine-?tune|lora|dictionary|dict|sweep|run|one)\s+(?:from|at|with|on)\s+"
                          r"((?:layer|seed|rank|scale)\s*-?\d+(?:\.\d+)?)\b", text, re.I)  # "the dictionary from layer 6"
    phrases += re.findall(r"\b(?:this|from|in the|yesterday)\s+(morning|afternoon|evening)\b", text, re.I)  # "this morning's eval"
    phrases += re.findall(r"\bthe\s+(?:vector|vec|direction)\s+(?:made |built )?from\s+(?:the\s+|my\s+)?([\w/+-]+(?:\s+(?:vs\.?|and|or)\s+[\w-]+)?)\s+"
                          r"(?:prompts|pairs|openers|sentences|contrasts?|examples)\b", text, re.I)  # "the vector from the formal/casual prompts"
    phrases += [m.group("subject") for m in ABOUT.finditer(text)]  # "the chain about the train"
    phrases += [f"scale-{'-' if sign.strip(' -').lower() in ('', '−', 'minus', 'negative') else ''}{SMALL.get(value.lower(), value)}" for sign, value in re.findall(
        r"\b(?:the|that)\s+([+\-−]|(?:minus|plus|negative|positive)[\s-])(\d+(?:\.\d+)?|[a-z]+)\s+(?:run|one|steer\w*|samples)\b",
        text, re.I) if value.isdigit() or value.replace(".", "", 1).isdigit() or value.lower() in SMALL]  # "the +4 run", "the minus-three run": a scale
    shown = {w for m in SHOWED.finditer(text) for w in content_words(m.group(1)) if len(w) >= 5 and not re.search(r"\d", w)}
    phrases = [re.sub(r"\bL(\d+)\b", r"layer-\1", p) for p in phrases]  # "the L10 sweep"
    phrases = [re.sub(r"\b(width|depth|block|dose)(?=[\s-]?\d)", lambda m: OTHER_NAMES[m.group(1).lower()], p, flags=re.I) for p in phrases]  # "the width-1 adapter"
    phrases = [re.sub(r"(?<![\w.-])(\d+(?:\.\d+)?e-\d+)(?![\w.])", lambda m: f"{float(m.group(1)):.10f}".rstrip("0"), p, flags=re.I) for p in phrases]  # "the 3e-4 run"
    phrases = [re.sub(r"\b(\d+)-(scale|prompt|pair|question|control)s?\b", r"n\1-\2", p, flags=re.I) for p in phrases]  # "the 4-scale sweep"
    phrases = [re.sub(r"\b(\d+)[\s-]?(rollout|step|sample|token|layer|rank|seed)s?\b", r"\2-\1", p, flags=re.I)
               for p in phrases]  # "the 8-rollout one"
    phrases = [re.sub(r"\b(rank|seed|layer|step|k)(\d+)\b|\b([a-z]+)[\s-](\d+(?:\.\d+)?)\b",
                      lambda m: f"{m.group(1) or m.group(3)}-{m.group(2) or m.group(4)}", p, flags=re.I) for p in phrases]  # "seed 1", "rank8"
    words = set().union(*(content_words(p) for p in phrases)) if phrases else set()
    words -= {"first", "second", "third", "last", "latest", "previous", "other", "earlier", "same", "new", "old"}
    told = [len(shown & content_words(r.summary or "")) for r in runs]
    shown = shown if told and told.count(max(told)) == 1 else set()  # "the chain where it talks about the board" with two such: none
    if not (words or shown) or not runs:
        return []

    def matched(description: str) -> set[str]:
        theirs = content_words(description) | {word for pattern, word in OPERATIONS if re.search(pattern, description, re.I)}
        # "primes" is "prime"; "sentence-4" is not "sentence" (of sentence_tokens): a setting's value matches exactly ("scale-6" is 6.0)
        theirs |= {re.sub(r"(\d)\.0+$", r"\1", t) for t in theirs}
        theirs |= {part for t in theirs if "-" in t and not re.search(r"\d", t) for part in t.split("-") if len(part) >= 5}  # "the affair one": replacement-affair
        return {w for w in words if any(w == t or len(w) >= 4 and not re.search(r"\d", w + t) and (t.startswith(w) or w.startswith(t))
                                        or "." in w and re.fullmatch(r"[\d.]+", w) and t.endswith("-" + w) for t in theirs)}

    by_id = {r.run_id: r for r in (seen or runs)}
    asked_about: dict[str, str] = {}  # a question's words of asking, over all its runs: "the blackmail chain" is its "again with seed 1" too
    for r in by_id.values():
        if r.about():
            asked_about[r.about()] = f"{asked_about.get(r.about(), '')} {r.asked}"

    def overlap(run) -> float:  # a word only the run it was made from matches counts half: "the phase plot for the seed 0 lora"
        own = matched(run.described_by())
        sources = [by_id[v] for k, v in run.args.items() if k.endswith("_run") and isinstance(v, str) and v in by_id]
        inherited = set().union(*(matched(source.described_by()) for source in sources)) - own if sources else set()
        asked = {w for w in words & content_words(f"{run.asked} {asked_about.get(run.about(), '')}") if len(w) >= 5 and not re.search(r"\d", w)} - own - inherited
        told = shown & content_words(run.summary or "")  # "the one with the weird repeated tokens": what its summary says it showed
        return len(own) + 0.5 * len(inherited) + 0.5 * len(asked) + 0.5 * len(told)  # a word of the request that made it: "the eval-awareness vec"

    return [(overlap(r), i, r) for i, r in enumerate(runs)]


def defaults_of(tools: list[dict]) -> dict[str, dict]:
    """Each tool's numeric defaults, from its schema: a run that left `rollouts` at 8 is "the 8-rollout one".
    Not the seed: "the seed-0 lora" is the fine-tune trained with seed 0, not every run that left its own seed alone."""
    return {t["name"]: {k: v["default"] for k, v in t["schema"].get("properties", {}).items()
                        if isinstance(v.get("default"), (int, float)) and not isinstance(v.get("default"), bool) and k != "seed"} for t in tools}


def text_defaults_of(tools: list[dict]) -> dict[str, dict]:
    """Each tool's text defaults, from its schema: "s/survival/helping the user/" may change a setting the run left alone."""
    return {t["name"]: {k: v["default"] for k, v in t["schema"].get("properties", {}).items() if isinstance(v.get("default"), str)}
            for t in tools}


PURPOSE = re.compile(r"\bso (?:that )?(?:we|i|you) (?:can|could)\b[^.?!\n]*"  # "... so we can diff them": why, not what
                     r"|(?<=\S)\s+(?:because|b/c|since)\s+(?:that'?s|that is|it'?s|it is|this is|those are|they'?re|they are)\s+where\b[^.?!\n]*",
                     re.I)  # "only layers 20-23 because that's where the receiver heads sit": why those settings


def for_routing(text: str, runs: list) -> str:
    """The words that choose a tool: a run named by its description ("the eval-awareness vec") is a reference, so its
    description does not vote ("do the sweep on the eval-awareness vec" is a sweep); nor does a purpose said after
    the request ("continue the dictionary on organism:misaligned so we can diff them"), nor a run picked by its result
    ("the fine-tune with the higher EM rate"), nor a run named as the owner of a
    setting ("steer 'X' with the sweep's best cell" is a steer), nor a sentence seen ("after that most resilient sentence")."""
    text = found_in.LAYER_BY.sub(" the layer ", PURPOSE.sub(" ", text))  # "with whichever layer had the best held-out FVE": a layer picked, no comparison asked
    said = by_result.clause(text)  # "probe the adapters of the fine-tune with the higher EM rate": no EM eval asked for
    if said and "clause" in said.groupdict() and by_result.picked(text, runs, runs) not in (None, by_result.TIE):
        text = text[:said.start("clause")] + " " + text[said.end("clause"):]
    text = re.sub(r"\brather than (?:the|its|their)\s+[\w-]+", " ", text, flags=re.I)  # "the matrix rather than the alternatives": not asked for
    text = re.sub(r"\b(that|this|those|these)\s+(?:most|least)\s+[\w-]+\s+(sentences?|heads?|layers?|atoms?|ones?)\b", r"\1 \2", text,
                  flags=re.I)  # "intervene right after that most resilient sentence": a sentence seen, not a resilience run
    text = found_in.OWNER.sub(lambda m: f"{m.group('factor') or ''} the {m.group('what')}" if any(  # "steer with the sweep's best cell"
        r.tool in found_in.SOURCES[m.group("src").lower()] for r in runs) and not found_in.SHOWN.match(m.group("what")) else m.group(0), text)

    def plain(found: re.Match) -> str:
        if re.search(r"\d", found.group(2)) or not describe_match(found.group(0), runs):
            return found.group(0)  # settings ("the seed 0 lora") name no tool; a subject ("the eval-awareness vec") may
        return f"{found.group(1)} {found.group(3)}"
    return re.sub(r"\b(on|for|with|of|from|using|to|in) (?:the|that|this|my|our) ([\w.'’-]+(?: [\w.'’-]+)?) "
                  r"(vec|vector|chain|cot|dict|dictionary|ft|fine-?tune|lora|direction|model)\b", plain, text, flags=re.I)


OWNED = re.compile(r"\b(direction|vector|vec|dictionar(?:y|ies)|dict|eval|evaluation|probe|sweep)s?\s+(?:from|of|on|built on|trained on)\s+(?:the\s+)?$", re.I)


def spelled_ordinals(text: str) -> str:
    """'the 2nd chain' -> 'the second chain', 'the vector we built first' -> 'the first vector', 'the first of those' -> 'the first one'."""
    text = re.sub(r"\b(1st|2nd|3rd)\b", lambda m: {"1st": "first", "2nd": "second", "3rd": "third"}[m.group(1).lower()], text, flags=re.I)
    text = re.sub(r"\bthe ([\w-]+) (?:right )?before the (?:last|latest|newest)(?: one)?\b|\bthe second[- ]to[- ]last ([\w-]+)",
                  lambda m: f"the penultimate {m.group(1) or m.group(2)}", text, flags=re.I)  # "the chain before the last one"
    text = re.sub(r"\bthe (?!penultimate\b)([\w-]+) (?:right |just )?before(?: (?:that|this|it)(?: one)?)?(?=\s*(?:[,.;:?!)]|$|(?:too|with|but|and|at|on|again|instead|as well)\b))",
                  r"the penultimate \1", text, flags=re.I)  # "do the one before too", "try it on the one before, the 1e-2 fine-tune"
    text = re.sub(r"\bthe (first|second|third|last) of (?:those|these|them|the (?:two|three|four|\d+)(?: [\w-]+)?)\b", r"the \1 one", text, flags=re.I)  # "the first of those"
    return re.sub(r"\bthe ([\w-]+) (?:that )?(?:we|i|you) (?:built|made|trained|sampled|generated|ran|computed|did|fit|fitted) (first|second|last)\b",
                  r"the \2 \1", text, flags=re.I)


def nth_described(text: str, runs: list, seen: list, words: str) -> Any:
    """'the first apples chain', 'the second formal/casual vector': the nth of the runs that description fits."""
    said = re.search(rf"\b(first|second|third|last|latest|newest|earlier|older|original)\s+((?:[\w/.'-]+\s+){{1,2}}?)(?:{words})s?\b", text, re.I)
    fit = described_all(said.group(2), runs, seen) if said and len(runs) > 1 else []
    if not fit:
        return None
    index = {"first": 0, "earlier": 0, "older": 0, "original": 0, "second": 1, "third": 2}.get(said.group(1).lower(), -1)  # else the newest
    return fit[min(index, len(fit) - 1)] if index >= 0 else fit[-1]


def described_all(words: str, runs: list, seen: list) -> list:
    """Every run (in order) that the description "apples" or "formal/casual" fits best; [] when it fits none."""
    scored = describe_scores(f"the {words.strip()} one", runs, seen)
    best = max((s for s, _, _ in scored), default=0)
    return list({id(r): r for s, _, r in scored if s == best}.values()) if best > 0 else []


def unowned(text: str, words: str) -> str:
    """Without the runs of kind `words` that only say where another run came from: resolving the fine-tune of
    "project the direction from the clean fine-tune out of the risky fine-tune" reads "the risky fine-tune"."""
    if re.fullmatch(rf"(?:{words})", "direction"):
        return text  # resolving the direction itself: "the direction from the clean fine-tune" describes it
    rest = re.sub(rf"\b(?:direction|vector|vec|dictionar(?:y|ies)|dict|eval|evaluation|probe)s?\s+(?:from|built on|trained on)\s+(?:the\s+)?"
                  rf"(?:[\w-]+\s+){{0,2}}?(?:{words})s?\b", " ", text, flags=re.I)
    return rest if re.search(rf"\b(?:{words})s?\b", rest, re.I) else text  # "the direction from the risky fine-tune's answers": made now, from it


def from_nth(text: str, runs: list, seen: list) -> Any:
    """'the direction from the first fine-tune': the run of `runs` made from the nth run of that kind among `seen`."""
    said = re.search(rf"\bfrom\s+the\s+(first|second|third|last|latest|newest)\s+({'|'.join(map(re.escape, found_in.KINDS))})s?\b", text, re.I)
    if said is None:
        return None
    sources = list({r.run_id: r for r in seen if r.tool in found_in.KINDS[said.group(2).lower()]}.values())
    index = {"first": 0, "second": 1, "third": 2}.get(said.group(1).lower(), -1)  # else the newest
    made = [r for r in runs if sources and index < len(sources) and sources[index].run_id in r.args.values()]
    return made[-1] if made else None

