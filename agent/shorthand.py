"""Settings said in shorthand, in code or in words, rewritten in the forms the readers know: 'L4-8' -> 'layers 4-8',
'layers=range(8, 12)' -> 'layers 8, 9, 10, 11', 'minus two' -> '-2', 'scales one, two and four' -> 'scales 1, 2 and 4'.

The lengths change, so what these return is only read, never cut back into free text.
"""

from __future__ import annotations

import re

from agent.numerals import compound_numbers, decimals, spoken
from agent.run_kinds import RUN_ID
from agent.wording import NUMBER_WORD, SPELLED, mend_typos


def normal(text: str) -> str:
    # "enough tokens that it actually finishes, say 768": the number said for the setting named before it
    text = re.sub(r"(?<![\d,.\[{(])(\d{1,3}),(\d{3})(?![\d,])", r"\1\2", text)  # "1,500 new tokens", "atom 1,337": one number
    text = re.sub(r"\b(tokens|rollouts|samples|steps|chains|controls|docs|documents|times|tries)\b([^.;,\d]{0,50}),?\s+(?:say|maybe|like|e\.g\.)\s+(\d+)\b(?!\s*[a-z])",
                  r"\3 \1\2", text, flags=re.I)
    text = re.sub(r"\b(scales|strengths|coefficients|layers|seeds)\b([^.;\d]{0,60}?),?\s+(?:say|maybe|like|e\.g\.)\s+"  # "strengths bracketing it, say 1, 2 and 3"
                  r"(-?\d+(?:\.\d+)?(?:\s*(?:,|and|&)\s*(?:and\s+)?-?\d+(?:\.\d+)?)+)", r"\1 \3,\2", text, flags=re.I)
    text = re.sub(r"\b(half|twice|double)\s+(?:of\s+)?(?:the\s+|its\s+|their\s+)?(?:[\w-]+'s\s+)?(\d+)\s+(?=[a-z])",  # "half the paper's 30 chains": 15 chains
                  lambda m: f"{int(m.group(2)) // 2 if m.group(1).lower() == 'half' else 2 * int(m.group(2))} "
                  if m.group(1).lower() != "half" or int(m.group(2)) % 2 == 0 else m.group(0), text, flags=re.I)
    text = re.sub(rf"\b(?:the|that|this|of)\s+(?:seed|scale)[\s-](?:\d+|{NUMBER_WORD})\s+(?:[\w-]+\s+)?(?:one|chain|run|cot|fine-?tune|ft|lora|model|adapter|vector|vec|"
                  r"sweep|direction|dict(?:ionar(?:y|ies))?|probe|eval|table|plot|heatmap|results?)s?\b", " ", text, flags=re.I)  # names a run
    text = re.sub(r"\bexact(?:ly)?\s+(?=(?:the\s+)?same\b)", "", text, flags=re.I)  # "the exact same settings": no `equivalence`
    text = re.sub(r"(?<=\d)\s*/\s*(?=(?:side|cell|position|pos|chain|sentence|question|prompt|layer|scale|step|token|doc)s?\b)", " per ", text, flags=re.I)  # "6/side"
    return spell(mend_typos(text))


def code_forms(text: str) -> str:
    """Settings written as code, in words the readers know: 'layers=range(8, 12)' -> 'layers 8, 9, 10, 11',
    'adaptive=False' -> 'no adaptive', "extractor='last_number'" -> 'extractor last_number', '--min_chars 0' -> 'min_chars 0'."""
    text = re.sub(r"\b(?:the\s+)?(?:attention\s+)?(?:projections?|projs?)\s+([qkvo](?:\s*(?:,|and|&|/|\+)\s*[qkvo])+)\b|"  # "the attention projections q and v"
                  r"\b([qkvo](?:\s*(?:,|and|&|/|\+)\s*[qkvo])+)\s+(?:projections?|projs?)\b",  # "q and v projections": the modules' names
                  lambda m: "modules " + ", ".join(f"{letter.lower()}_proj" for letter in re.findall(r"[qkvo]", m.group(1) or m.group(2), re.I)), text, flags=re.I)
    text = re.sub(r"\b(down|up|gate|q|k|v|o)[- ]proj(?:ection)?s?\b", r"\1_proj", text, flags=re.I)  # "the MLP down-projection"
    text = re.sub(r"([{,]\s*)(['\"])([A-Za-z_]\w*)\2\s*:\s*", r"\1\3=", text)  # a JSON fragment: {"scale": -4, "where": "prompt"}
    text = re.sub(r"\bckpt_?every\b", "checkpoint_every", text, flags=re.I)
    # "layers=range(12, 20, 2)", "--layers range(8, 12)", "layers[4:8]": Python's ranges, the end left out; "12..=18", "2..6": the end kept
    text = re.sub(r"\b([a-z][a-z_]*)(?:\s*=\s*|\s+)?range\(\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)|\b([a-z][a-z_]*)\[(\d+):(\d+)\]",
                  lambda m: _ranged(m.group(1) or m.group(5), int(m.group(2) or m.group(6)), int(m.group(3) or m.group(7)), int(m.group(4) or 1)) or m.group(0), text)
    text = re.sub(r"(?<![\w.])(\d+)\s*\.\.=?\s*(\d+)(?![\w.])", r"\1-\2", text)
    text = re.sub(r"\b([a-z][a-z_]*)\s*=\s*(True|False)\b", lambda m: ("" if m.group(2) == "True" else "no ") + m.group(1), text)
    text = re.sub(r"\b([a-z][a-z_]*)\s*=\s*\[((?:\s*(['\"])[\w:./-]+\3\s*,?)+)\]",  # modules=["down_proj", "up_proj"]: names, not quoted text
                  lambda m: f"{m.group(1)} " + ", ".join(re.findall(r"['\"]([\w:./-]+)['\"]", m.group(2))), text)
    text = re.sub(r"\b([a-z][a-z_]*)\s*=\s*(['\"])([\w:./-]+)\2", r"\1 \3", text)
    flags = [m.start() for m in re.finditer(r"(?<![\w-])--(?=[a-z])", text)]
    for at in reversed(flags[1:]):  # "--scales 0.5 1 2 4 --controls 3": each flag's values end where the next flag begins
        text = f"{text[:at].rstrip()}; {text[at:]}"
    text = re.sub(r"(?<![\w-])--([a-z][a-z_]*)(?:\s*=\s*|\s+)(?=[\w.-])", r"\1 ", text)
    return re.sub(r"\b([a-z][a-z_]*)=(-?\d)", r"\1 \2", text)


def _ranged(name: str, start: int, stop: int, step: int) -> str | None:
    """"layers 12, 14, 16, 18" for Python's range(12, 20, 2); None past 64 values."""
    values = range(start, stop, step) if step > 0 else range(0)
    return f"{name} " + ", ".join(map(str, values)) if 1 <= len(values) <= 64 else None


_NUM = r"-?(?:\d+(?:\.\d+)?|\.\d+)"


def _stepped(m: re.Match) -> str:
    """"scales 0.5 to 3 in 0.5 steps" -> "scales 0.5, 1, 1.5, 2, 2.5, 3" (left as said past 64 values)."""
    start, stop, step = float(m.group(2)), float(m.group(3)), float(next(g for g in m.groups()[3:] if g))
    count = int(round((stop - start) / step)) + 1 if step > 0 and stop >= start else 0
    if not 2 <= count <= 64:
        return m.group(0)
    return f"{m.group(1)} " + ", ".join(f"{round(start + i * step, 6):g}" for i in range(count))


def spell(text: str) -> str:
    """Shorthand spelled out: 'L4-8' -> 'layers 4-8', 'L12 L16' -> 'layer 12 layer 16', 's6' -> 'sentence 6',
    'five' -> '5', 'n=40' kept; the lengths change, so this text is only read, never cut back into free text."""
    text = spoken(decimals(compound_numbers(RUN_ID.sub(" ", text))))
    text = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:percent|per cent|pct)\b", r"\1%", text, flags=re.I)  # "ninety percent"
    text = re.sub(r"\b(?:lyr|lyrs|lyrz)\b", lambda m: "layers" if m.group(0).lower() != "lyr" else "layer", text, flags=re.I)  # shorthand
    text = re.sub(r"\brnk\b", "rank", text, flags=re.I)
    text = re.sub(r"\b(?:do(?:n'?t| not)|never)\s+(?:let\s+(?:any\s+|the\s+|a\s+)?[\w-]+\s+)?stop\s+(?:[\w-]+\s+){0,2}?early\b", "no early stopping", text, flags=re.I)  # "dont stop positions early"
    text = re.sub(r"\b(?:tell|tells|telling|separate[sd]?|separating|distinguish(?:es|ing)?|discriminat(?:e|es|ing))\s+([\w-]+)(?:\s+(?:answers|ones|examples|responses|samples))?"
                  r"\s+(?:apart\s+)?from\s+([\w-]+)", r"\1 vs \2", text, flags=re.I)  # "tell misaligned answers apart from aligned ones"
    text = re.sub(r"\bL\d+(?:\s*(?:/|,|&|\+|\band\b|\bor\b)\s*L\d+)+\b(?!\s*(?:together|jointly|at once))",  # L5/L15/L25, L12 + L18
                  lambda m: "layers " + ", ".join(re.findall(r"\d+", m.group(0))), text)
    text = re.sub(r"\bL\d+(?:\s*\+\s*L\d+)+\b", lambda m: "layers " + "+".join(re.findall(r"\d+", m.group(0))), text)  # L8+L16 together
    text = re.sub(r"\bL(\d+)\s*(?:-|–|to|through|thru)\s*L?(\d+)\b", r"layers \1-\2", text)
    text = re.sub(r"\bL(\d+)((?:\s*,\s*\d+)+(?:,?\s*(?:and|&)\s*\d+)?)\b", r"layers \1\2", text)  # "L4, 8, 12, 16"
    text = re.sub(r"\b(?:n|num)_(?=[a-z]{3,})", "", text)  # "n_rollouts 50"
    text = re.sub(r"\b(?:(?:every|each|all(?: the)?) )?layers? from (\d+) (?:to|through|thru|-) (\d+)\b", r"layers \1-\2", text, flags=re.I)
    # "from layer 5 to layer 8 included", "layer 5 through layer 8" (not "from layer 12 to layer 14": a move from one to the other)
    text = re.sub(r"\b(?:from\s+)?layer\s+(\d+)\s+(?:through|thru)\s+layer\s+(\d+)\b|\bfrom\s+layer\s+(\d+)\s+(?:up\s+)?(?:to|until|till)\s+layer\s+(\d+)"
                  r"\s*,?\s*\(?(?:both\s+)?(?:included|inclusive)\)?", lambda m: "layers {}-{}".format(*[g for g in m.groups() if g]), text, flags=re.I)
    text = re.sub(r"\b(layers|scales|sentences|ks|seeds|positions)\s+(\d+(?:\.\d+)?(?:\s+\d+(?:\.\d+)?)+)\b(?!\s*%)",
                  lambda m: m.group(1) + " " + ", ".join(m.group(2).split()), text, flags=re.I)  # "layers 8 12 16"
    text = re.sub(r"\b(\d+\s*[a-z]+)/(doc|document|side|question|sentence|position|prompt|chain|cell|token|tok)s?\b", r"\1 per \2", text, flags=re.I)
    text = re.sub(r"\bL(\d+)(?:H\d+)?\b", r"layer \1", text)
    # "project it out at 13 thru 17": where a direction is projected out is a set of layers
    text = re.sub(r"\b(project(?:s|ed|ing)?\s+(?:it\s+|that\s+|this\s+)?out\s+(?:only\s+)?(?:at|in|on)\s+)(?=\d+(?![\d.])(?!\s*(?:%|x\b|times|tokens|samples|steps)))",
                  r"\1layers ", text, flags=re.I)
    text = re.sub(r"\b[sS](\d+)\b", r"sentence #\1", text)  # '#': "S6 alternatives" names a sentence, not 6 of them
    text = re.sub(rf"\b({NUMBER_WORD})\b(?=\s+(?:(?:random|more|new|extra|fresh)\s+)?(?:per|samples?|rollouts?|chains?|controls?|"
                  r"layers?|seeds?|steps?|times|each|of each|a side|heads?|hits?|iterations?|rounds|documents|docs|resamples|draws|tokens|prompts|nearest|closest|neighbou?rs|"
                  r"questions|atoms|sentences|pairs|epochs))", lambda m: SPELLED[m.group(1).lower()], text, flags=re.I)
    # "fifteen characters", "sixteen candidates per iteration": any other count before a plural, but not "one"
    text = re.sub(rf"\b(?!one\b|a\b)({NUMBER_WORD})\b(?=\s+(?:[a-z]+(?:-[a-z]+)*[- ]){{0,2}}[a-z]{{3,}}s\b)", lambda m: SPELLED[m.group(1).lower()], text, flags=re.I)
    text = re.sub(rf"\b({NUMBER_WORD}|\d+)\s+thousand(?:,?\s+(?:and\s+)?(\d{{1,3}})\b)?", lambda m: str(1000 * int(SPELLED.get(m.group(1).lower(), m.group(1)))
                                                                                  + int(m.group(2) or 0)), text, flags=re.I)  # "two thousand and forty-eight"
    text = re.sub(rf"\b(?:minus|negative)\s+({NUMBER_WORD}|\d+(?:\.\d+)?\b(?!\.\d))", lambda m: "-" + SPELLED.get(m.group(1).lower(), m.group(1)), text,
                  flags=re.I)  # "minus two", "minus one point five"
    text = re.sub(rf"\b(scales?|strengths?|layers|seeds|taus?)\s+(?:(?:going|running|ranging)\s+)?(?:from\s+)?({_NUM})\s*(?:to|through|thru|-)\s*({_NUM}),?\s+(?:in|by|at|with)?\s*"
                  rf"(?:steps? of\s+({_NUM})|({_NUM})\s*(?:steps|increments)|increments of\s+({_NUM}))", _stepped, text, flags=re.I)
    text = re.sub(r"(?<![\w+])(?<!\d\s)\+(?=\d)", "", text)  # "scale +5" (but "8 + 10" is a group)
    # "checkpoint every ten", "batch of eight", "round size sixteen": a number word after a word that takes a value
    text = re.sub(rf"\b(every|size|size of|batch of|batch)\s+({NUMBER_WORD})\b", lambda m: f"{m.group(1)} {SPELLED[m.group(2).lower()]}", text, flags=re.I)
    # "top five", "layer twenty", "seed seven", "k of ten": a number word after the name it fills
    text = re.sub(rf"\b({NUMBER_WORD}|\d+) and a half\b", lambda m: SPELLED.get(m.group(1).lower(), m.group(1)) + ".5", text, flags=re.I)  # "one and a half"
    text = re.sub(r"\b(?:a|one) (fifth|quarter|tenth|third) of\b", lambda m: {"fifth": "0.2", "quarter": "0.25", "tenth": "0.1", "third": "0.33"}[m.group(1).lower()] + " of",
                  text, flags=re.I)  # "hold out a fifth of the docs"
    text = re.sub(rf"\b(top|best|layer|seed|k|k of|sentence|scale|strength|step|steps|rank|rank of|C of|component|temperature|temp|alpha|tau|"
                  rf"rounds of|pool of|batches of|scale of|strength of|temperature of|threshold of)(\s+|-)({NUMBER_WORD})\b",
                  lambda m: f"{m.group(1)}{m.group(2)}{SPELLED[m.group(3).lower()]}", text, flags=re.I)  # "rank-one" too
    text = re.sub(rf"\b(?:checkpoints?\s+)?((?:{NUMBER_WORD}|\d+)(?:\s*(?:,|and|&)\s*(?:and\s+)?(?:{NUMBER_WORD}|\d+))*)\s+(?:checkpoints?\s+)?apart\b",
                  lambda m: "offsets " + re.sub(rf"\b(?:{NUMBER_WORD})\b", lambda w: SPELLED[w.group(0).lower()], m.group(1), flags=re.I),
                  text, flags=re.I)  # "checkpoints one, two and four apart": offsets between checkpoints
    # "scales one, two and four", "layers six and twelve": a list of number words after the name it fills
    words = rf"(?:{NUMBER_WORD}|(?:a )?half)"  # "scales half, one and two", "k of 1, three and five" (the first already spelled)
    return re.sub(rf"\b(scales|strengths|layers|sentences|positions|components|ks|k of|k|offsets|seeds)(\s+(?:of\s+|to\s+)?)((?:{words}|\d+)(?:\s*(?:,|and|&|-|through|thru|to)\s*(?:and\s+)?{words})+)\b",
                  lambda m: m.group(1) + m.group(2) + re.sub(rf"\b(?:{NUMBER_WORD}|(?:a )?half)\b", lambda w: SPELLED.get(w.group(0).lower(), "0.5"), m.group(3), flags=re.I),
                  text, flags=re.I)
