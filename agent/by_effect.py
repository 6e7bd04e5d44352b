"""Settings of a rerun changed by their effect rather than a value: "more rollouts" doubles them, "fewer samples"
halves them, "3x the samples", "bump the seed", "drop the controls", "flip the sign", "with positive and negative
swapped", "undo the temp change", and a number said without a name ("too strong, try 0.5 instead")."""

from __future__ import annotations

import re

from agent import arguments, relative
from agent.wording import NUMBER_WORD, SPELLED

MORE = re.compile(r"\b(more|fewer|less|double|increase|bump|decrease|halve|half|x[2-9]|[2-9]x|twice|triple|quadruple|bigger|larger|higher|"
                  r"stronger|harder|smaller|lower|weaker)\b(?:\s+(?:up\s+)?(?:the\s+)?"
                  r"(?:number of\s+)?(?:as (?:many|much)\s+|as\s+(?=strong|hard|weak))?(?:random\s+|new\s+|extra\s+)?)?(\w+)?", re.I)
DROP = re.compile(r"\b(?:drop|no|skip|without|remove|lose|turn off|switch off|disable|leave out|omit)\s+(?:the\s+)?(?:random\s+)?(controls?|forced(?:[- ]answers?)?|adaptive(?: stopping)?|"
                  r"early[\s-]stopping)\b", re.I)  # "turn off the early stopping": the adaptive rounds
FLIP = re.compile(r"\bflip (?:it|the sign|the scale|the direction|sign)\b|\bthe opposite (?:way|direction|sign)\b|\b(?:scale|sign|direction)\s+(?:flipped|negated|reversed|inverted)\b|\bthe other (?:way|direction|sign)\b|\bopposite (?:sign|direction)\b|"
                  r"\b(?:negate|invert|reverse) (?:it|the scale|the sign|the direction|the vector)\b|\bbut negative\b|\bnegative (?:this time|instead)\b",
                  re.I)
SWAP = re.compile(r"\b(?:swap(?:ped)?|switch(?:ed)?|flip(?:ped)?|revers(?:e|ed)|invert(?:ed)?)\s+(?:the\s+)?(?:positive and negative|pos(?:itive)?\s*(?:and|/)\s*neg(?:ative)?|sides|pairs)\b|"
                  r"\b(?:positive and negative|pos(?:itive)?\s*(?:and|/)\s*neg(?:ative)?|sides|pairs)\s+(?:swapped|switched|flipped|reversed)\b", re.I)
UNDO = re.compile(r"\b(?:undo|revert|reset|roll back|take back)\s+(?:the|that|my|your)\s+(?P<undone>(?!last\b)[\w-]+(?:[\s_][\w-]+)?)\s+change\b|"
                  r"\b(?:put|set|turn)\s+(?:the\s+)?(?P<put>[\w-]+(?:[\s_][\w-]+)?)\s+back\b(?!\s+(?:to|at)\s+-?[\d.])|"
                  r"\b(?:go|get|switch)\s+back\s+to\s+the\s+(?P<which>original|first|old|previous|earlier)\s+(?P<back>[\w-]+)|"  # "go back to the original scale"
                  r"\b(?P<last>(?:undo|revert|roll back|take back)\s+(?:that|it|this|(?:the|that|my)\s+(?:last\s+)?change))\b(?!\s+[\w-]+\s+change\b)", re.I)  # "undo that, back to 16"
# "temp back to the default", "reset the scale", "default temperature again", "back to defaults": the schema's default
DEFAULTED = re.compile(r"\b(?P<a>[\w-]+(?:\s[\w-]+)?)\s+back\s+to\s+(?:the\s+|its\s+)?default\b|"
                       r"\b(?:reset|restore)\s+(?:the\s+)?(?P<b>[\w-]+(?:\s(?!to\b)[\w-]+)?)\s+to\s+(?:the\s+|its\s+)?default\b|"
                       r"\b(?:the\s+)?default\s+(?P<c>[\w-]+(?:\s[\w-]+)?)\s+(?:again|back)\b|\bback\s+to\s+(?:the\s+)?default\s+(?P<d>[\w-]+)|"
                       r"\b(?P<all>(?:(?P<group>sampling|everything|all|settings)\s+)?back\s+to\s+(?:the\s+)?defaults|(?:reset|restore)\s+(?:all\s+)?(?:the\s+)?(?:settings|defaults))\b", re.I)
SAMPLING = ("temperature", "top_p", "top_k")  # "sampling back to defaults"
BIGGER = frozenset("more double increase bump twice triple quadruple bigger larger higher stronger harder".split())
FACTORS = {"triple": 3, "quadruple": 4}  # "3x", "x3": 3; the rest of BIGGER doubles; every other MORE word halves
STRENGTH = frozenset("strong stronger hard harder weak weaker".split())  # how hard a steer pushes: its scale
MEANT_BY = {"hotter": "temperature", "colder": "temperature", "cooler": "temperature", "warmer": "temperature", "trigger.happy": "threshold"}
BARE = re.compile(r"(?<![\w.=:-])(-?(?:\d+(?:\.\d+)?|\.\d+))(?![\w.%-])")


def more(text: str, props: dict, args: dict, said: dict) -> None:
    """'more rollouts' doubles them, 'fewer samples' halves them."""
    for m in MORE.finditer(text):
        word, what = m.group(1).lower(), (m.group(2) or "").lower()
        what = "" if what in ("it", "that", "this", "them", "those", "up", "to", "the") else what  # "bump it to 12 chains": not max_iterations
        field = next((f for f in props if what and (f.startswith(what.rstrip("s")) or what.rstrip("s") in [w.rstrip("s") for w in f.split("_")])), None) or next(  # not "em" of temperature
            (f for f in props if what and what in arguments.words_for(f, tuple(props))), None)  # "halve the strength": the scale
        if field is None and (what in STRENGTH or word in STRENGTH and what not in props):  # "push twice as hard", "a bit weaker": the strength
            field = next((f for f in ("scale", "scales") if f in props), None)
        if field is None and word in ("halve", "double", "triple", "quadruple") and re.fullmatch(r"it|that", m.group(2) or "", re.I) \
                and not re.match(r"\s*(?:to|at|by|-)\b", text[m.end():]):  # "it's breaking the model, halve it": the run's one amount
            amounts = [f for f, v in args.items() if f in props and isinstance(v, (int, float)) and not isinstance(v, bool) and f not in relative.INDICES]  # places, not amounts
            field = amounts[0] if len(amounts) == 1 else None
        factor = int(word.strip("x")) if re.fullmatch(r"x\d|\dx", word) else FACTORS.get(word, 2 if word in BIGGER else 0.5)  # "3x the samples"
        if field == "seed" and field not in said and factor > 1:  # "bump the seed": the next one
            args[field] = (args.get(field) or 0) + 1
            continue
        if field and field not in said and "number" in arguments.types_of(props[field]) and args.get(field, props[field].get("default")) is not None:
            args[field] = args.get(field, props[field].get("default")) * factor  # "halve the scale", "half the temperature" (its default)
            continue
        if field and field not in said and "integer" in arguments.types_of(props[field]):
            stated = re.match(rf"\s*(?:[-—–:,(]\s*)+(\d+|{NUMBER_WORD})\b", text[m.end():], re.I)
            if stated:  # "more chains — ten —": the count said
                args[field] = int(SPELLED.get(stated.group(1).lower(), stated.group(1)))
                continue
            before = args.get(field, props[field].get("default")) or 1
            args[field] = max(1, int(before * factor))
            maximum = props[field].get("maximum")
            if maximum is not None:
                args[field] = min(args[field], maximum)


def drop_and_flip(text: str, props: dict, args: dict, said: dict) -> None:
    """'drop the controls' sets them to none (where none is allowed); 'flip the sign' negates the scale."""
    for m in DROP.finditer(text):
        word = re.split(r"[\s-]", m.group(1).lower())[0].rstrip("s")
        word = "adaptive" if word == "early" else word  # "turn off the early stopping": the adaptive rounds
        field = next((f for f in props if f.rstrip("s") == word), None)
        if field and field not in said:
            if "boolean" in arguments.types_of(props[field]):
                args[field] = False
            elif "integer" in arguments.types_of(props[field]) and props[field].get("minimum", 0) <= 0:
                args[field] = 0
    if SWAP.search(text) and "pairs" in props and args.get("pairs") and "pairs" not in said:  # "with positive and negative swapped"
        args["pairs"] = [list(reversed(pair)) for pair in args["pairs"]]
        if "positive_name" in props:
            args["positive_name"], args["negative_name"] = args.get("negative_name"), args.get("positive_name")
    if FLIP.search(text):  # a number another setting took ("and give it 64 tokens") is not the new scale
        taken = {float(v) for v in said.values() if isinstance(v, (int, float)) and not isinstance(v, bool)} | {
            float(x) for k, v in args.items() if isinstance(v, list) and k not in ("scale", "scales")  # "flip the sign and do 14 alongside 10"
            for x in v if isinstance(x, (int, float)) and not isinstance(x, bool)}
        numbers = [n for n in BARE.findall(text) if float(n) not in taken]
        for field in ("scale", "scales"):
            value = args.get(field, props.get(field, {}).get("default"))  # not set: the run ran with the default ("flip the sign" of 0.6)
            if field not in props or field in said or value is None:
                continue
            if not numbers:
                args[field] = [-v for v in value] if isinstance(value, list) else -value
            elif len(numbers) == 1 and not isinstance(value, list):  # "flip the sign (-1.0)", "flip it: 1.5": the value said, on the other side
                new = float(numbers[0])
                args[field] = new if (new < 0) != (value < 0) else -new


def bare_number(text: str, before: dict, props: dict, args: dict, lately: list = ()) -> None:
    """'too strong. try 0.5 instead': a number without a name changes the setting it most likely means (`lately`:
    the settings the run changed from the one before it, meant first)."""
    text = re.sub(r"\bw/\s*", "with ", text)
    numbers = [n for n in BARE.findall(text)]
    if len(numbers) == 2:  # "4 per question is nothing. again with 25": the setting that was 4 becomes 25
        held = [k for k, v in before.items() if k in props and isinstance(v, int) and not isinstance(v, bool)
                and str(v) in numbers]
        if len(held) == 1 and numbers.count(str(before[held[0]])) == 1:
            new = next(n for n in numbers if n != str(before[held[0]]))
            if re.fullmatch(r"\d+", new):
                args[held[0]] = int(new)
                return
    if len(numbers) != 1 or not re.search(rf"(?:\b(?:try|use|at|to|make it|meant|like|again with|this time with|but with|show me|explain|do)\s+|:\s*){re.escape(numbers[0])}|"
                                           rf"{re.escape(numbers[0])}\s+(?:the same way|too|as well)\b|"  # "now show me 2291 the same way"
                                           rf"{re.escape(numbers[0])}\s+instead\b|\(\s*{re.escape(numbers[0])}\s*\)|(?:^|,|[—–]|\bnow)\s*{re.escape(numbers[0])}\s*(?:,|[—–]|$)", text, re.I):
        return  # only "try 0.5 instead", "flip it: -1.5": a number said as the new value
    value = float(numbers[0])
    wanted = ("number",) if not value.is_integer() or "." in numbers[0] else ("integer", "number")
    meant = [f for w, f in MEANT_BY.items() if re.search(rf"\b{w}", text, re.I)]  # "a bit hotter, like 0.9": the temperature
    placed = ("layer", "layers", "sentence") if re.search(rf"\bat\s+{re.escape(numbers[0])}\b", text, re.I) else ()  # "and at 25?": where
    for name in (*meant, *lately, *placed, "scale", "scales", "temperature", "threshold", "tau", "C", "similarity", "rollouts", "samples", "atom", "layer", "sentence"):
        spec = props.get(name)
        if spec is None or not (arguments.types_of(spec) | arguments.item_types(spec)) & set(wanted):
            continue
        if spec.get("maximum") is not None and abs(value) > spec["maximum"] or \
                spec.get("exclusiveMaximum") is not None and abs(value) >= spec["exclusiveMaximum"]:
            continue  # outside the setting's bounds: "again with 32" is no cosine cutoff (below 1)
        if "array" in arguments.types_of(spec):
            args[name] = [value]
        else:
            args[name] = int(value) if "integer" in arguments.types_of(spec) else value
        return


def undone(text: str, props: dict, args: dict, before: dict, defaults: dict, first: dict, stated: dict | None = None) -> None:
    """'undo the temp change', 'put the scale back': the setting as the run before the newest had it (else its
    default); 'go back to the original scale': as the first run of the tool had it; 'undo that': every setting the
    newest run changed from the one before, but those `stated` in the message ("undo that, back to 16 rollouts")."""
    for m in UNDO.finditer(text):
        if m.group("last"):
            names = [n for n in {*args, *before} - {*(stated or {})} if n in props and not n.endswith(("_run", "_runs")) and args.get(n) != before.get(n)]
            source = before
        else:
            said = (m.group("undone") or m.group("put") or m.group("back")).lower()
            names = [n for n in props if said in arguments.words_for(n, tuple(props)) or said.replace(" ", "_") == n][:1]
            source = first if (m.group("which") or "").lower() in ("original", "first") else before
        for name in names:
            value = source.get(name, defaults.get(name, props[name].get("default")))
            if value is None:
                args.pop(name, None)
            else:
                args[name] = value


def defaulted(text: str, props: dict, args: dict, said: dict) -> None:
    """'temp back to the default', 'default temperature again': that setting at the schema's default; 'back to
    defaults': every setting the run changed that has one (not its inputs: runs, texts, the model), 'sampling back to
    defaults' its sampling settings; a setting said in the same message keeps what was said."""
    for m in DEFAULTED.finditer(text):
        if m.group("all"):
            names = [n for n in args if props.get(n, {}).get("default") is not None and not n.endswith("_run") and n != "model" and n not in said
                     and not ("string" in arguments.types_of(props[n]) and not props[n].get("enum"))
                     and (n in SAMPLING or (m.group("group") or "").lower() != "sampling")]
        else:
            said = (m.group("a") or m.group("b") or m.group("c") or m.group("d")).lower()
            words = said.split()
            name = next((n for phrase in (said, words[-1]) for n in props if phrase in arguments.words_for(n, tuple(props)) or phrase.replace(" ", "_") == n), None)
            names = [name] if name is not None and props[name].get("default") is not None else []
        for name in names:
            args[name] = props[name]["default"]


IT_TO = re.compile(r"\b(?:loosen|tighten|raise|lower|bump|set|change|make|increase|decrease|drop|push|move|take|reduce|relax)\s+(?:it|that|this)"
                   r"(?:\s+(?:up|down|back))?\s+to\s+(-?\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w.%])", re.I)


def it_to(text: str, props: dict, args: dict, said: dict) -> None:
    """'C of 0.1 is zeroing out all but one adapter, loosen it to 1': the one setting named before "it" takes the new value."""
    found = IT_TO.search(text)
    named = [k for k, v in said.items() if k in props and isinstance(v, (int, float)) and not isinstance(v, bool)
             and re.search(rf"(?<![\w.]){re.escape(_plain(v))}(?![\w.])", text[:found.start()])] if found else []
    if len(named) == 1:
        value = float(found.group(1))
        args[named[0]] = int(value) if "integer" in arguments.types_of(props[named[0]]) and value.is_integer() else value
        said[named[0]] = args[named[0]]


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)

