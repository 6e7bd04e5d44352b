"""Settings said relative to another value: "three times the default token budget", "a tenth of the default
learning rate", "the minimum length doubled", "a quarter of that cap", "one layer deeper", "lower the cosine
cutoff by 0.1".

The value it is relative to is the default where the words say so, the number said just before for "of
that", else the earlier run's value (a rerun) or the default. A setting said plainly, or changed already
by the rerun's own reading of "more" / "halve the X", is left as it is.
"""

from __future__ import annotations

import re

from agent import arguments, by_result
from agent.dialogue_state import DialogueState
from agent.wording import SPELLED

FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1, "hundredth": 0.01}
TIMES = {"twice": 2, "double": 2, "triple": 3, "thrice": 3, "quadruple": 4}
_FACTOR = (r"(?:(?P<n>\d+(?:\.\d+)?|two|three|four|five|ten|a hundred) times|(?P<x>\d+(?:\.\d+)?)x|(?P<t>twice|double|triple|quadruple)|"
           r"(?:a|one) (?P<f>half|third|quarter|fifth|tenth|hundredth)(?: of)?|(?P<h>half))")
_WHAT = r"(?P<what>[\w-]+(?:\s+(?!and\b|with\b|but\b)[\w-]+){0,2})"
# "three times the default token budget", "a tenth of the default learning rate", "half the paper's rollouts"
BEFORE = re.compile(rf"\b{_FACTOR}\s+(?P<each>(?:each|all|every one|both) (?:of )?)?(?:the\s+|its\s+|as many\s+|as much\s+)?(?P<default>default\s+|usual\s+|paper'?s\s+)?(?:number of\s+|amount of\s+)?{_WHAT}", re.I)
# "the minimum length doubled", "each adaptive round a quarter of that cap", "C at a tenth of that"
AFTER = re.compile(r"\b(?P<what>[\w-]+(?:\s+[\w-]+)?)\s*(?:\s+at\s+|\s+to\s+|=|:|\s+)(?:(?:a|one) (?P<f>half|third|quarter|fifth|tenth|hundredth) of "
                   r"(?P<of>that|this|it|what it was|what we had|before|last time|the \w+)"
                   r"|(?P<t>doubled|halved|tripled|quadrupled)|(?P<d>double|twice|triple|half) (?:of )?the (?:default|usual)"
                   r"|(?P<m>\d+(?:\.\d+)?|two|three|four|five|ten|a hundred) times (?P<way>bigger|larger|higher|greater|more|smaller|lower|less|stronger|weaker))\b", re.I)
# "C ten times bigger", "C a tenth of what it was": of the earlier run's value
STEP = re.compile(r"\b(?:(?:every|each|all(?: the)?) layers?\s+(?:by\s+)?(?P<all>one|two|three|four|five|\d+)|(?P<n>one|two|three|four|five|a|\d+) layers?)"
                  r" (?P<way>deeper|later|higher|further in|earlier|shallower|lower|sooner)\b", re.I)  # "one layer deeper", "shift every layer three deeper"
# "round size 4x what it was", "scale 1.5x what we used", "the samples double what we had": of the earlier run's value
WAS = re.compile(rf"\b(?P<what>[\w-]+(?:\s+[\w-]+)?)\s+(?:at\s+|to\s+)?{_FACTOR}\s+(?:what (?:it|that|they|we|i|you) (?:was|were|had|used|ran with|did|gave)|"
                 r"(?:last time|before|the last run|the last one)\b)", re.I)
# "alpha twice the rank", "alpha = 2x rank": one setting named as a multiple of another
CROSS = re.compile(rf"\b(?P<target>[\w-]+)\s*(?:=|:|\s+(?:at|of|to|is)\b)?\s*{_FACTOR}\s+(?:the\s+)?(?P<what>[\w-]+)\b", re.I)
INDICES = ("sentence", "position", "atom", "seed", "layer")  # "that sentence: 4x the resamples" makes no sentence a multiple of anything
MIDDLE = re.compile(r"\bthe (?:layer (?:in|at) the middle|middle layer) of (?:the ones|the layers|those|them|the \w+ layers)\b", re.I)
PLUS = re.compile(r"\b(?P<what>seed|layer|rank|steps|rollouts|samples|controls|chains|sentence|position|k|top)\s*\+\s*(?P<by>\d+)\b(?![\d.])", re.I)  # "seed+1"
BY = re.compile(rf"\b(?P<way>lower|raise|reduce|increase|decrease|drop|bump|cut)\s+(?:the\s+)?{_WHAT}\s+by\s+"
                rf"(?:(?P<by>\d*\.?\d+)\b|(?:a|one) (?P<part>half|third|quarter|fifth|tenth)\b)", re.I)  # "drop the scale by a third"
_POSTFIX = {"doubled": 2, "halved": 0.5, "tripled": 3, "quadrupled": 4}
# "two more layers on the end", "one fewer control than the direction run", "4 extra rollouts": a count on top of a value
COUNTED = re.compile(r"\b(?P<n>\d+|one|two|three|four|five|six|eight|ten|a couple(?: of)?)\s+(?P<way>more|fewer|less|extra|additional)\s+(?P<what>[\w-]+)"
                     r"(?:[^.;,]*?\bthan\s+(?:the|that|our|my)\s+(?P<than>[\w-]+)\s+(?:run|one)\b)?", re.I)


ORDER = re.compile(r"\b(?:double|triple|quadruple|halve|x[2-9]|[2-9]x)\s+(?:the|its|their|both|each|all|every)\b|"  # "triple its rollouts"
                   r"\b(?:twice|(?:two|three|four|ten) times|half) as (?:many|much)\b", re.I)  # "twice as many hits on that"


def asked(text: str) -> bool:
    """Whether the message sets a setting relative to a value ("two layers deeper", "triple its rollouts", "scale 1.5x
    what we used", "raise the threshold by a tenth"): a change to make, not a result to show."""
    return bool(STEP.search(text) or WAS.search(text) or BY.search(text) or ORDER.search(text))


def apply(text: str, props: dict, args: dict, said: dict, base: dict | None = None, earlier: dict | None = None) -> None:
    """Set in `args` each setting of `props` said relative to another value (not one `said` plainly). `base`: the run
    changed; `earlier`: the newest run of the tool, which "what we used" names where no run is changed."""
    used = base if base is not None else earlier  # what "what we used" is of: a setting it left alone was its default
    base = base or {}
    crossed = [m.span("what") for m in CROSS.finditer(text) if _cross(m, props, args, said, base)]
    for m in BEFORE.finditer(text):
        if any(start <= m.start("what") < end for start, end in crossed):
            continue
        _scale(m, _factor(m), props, args, said, base, text, default=bool(m.group("default")),
               field=setting_named(m.group("what"), props, lists=True) if m.group("each") else None)  # "double each of the offsets": a list
        also = re.match(r"\s+and\s+(?:the\s+|its\s+)?(?P<what>[\w-]+)", text[m.end():]) if m.group("each") else None
        if also:  # "double both the rollouts and the chains"
            _scale(also, _factor(m), props, args, said, base, text, default=False)
    for m in AFTER.finditer(text):
        times = float(SPELLED.get(m.group("m").lower(), m.group("m"))) if m.group("m") else 0  # "ten times bigger", "a hundred times smaller"
        factor = FRACTIONS[m.group("f").lower()] if m.group("f") else _POSTFIX[m.group("t").lower()] if m.group("t") else \
            (times if m.group("way").lower() in ("bigger", "larger", "higher", "greater", "more", "stronger") else 1 / times) if times else TIMES.get(m.group("d").lower(), 0.5)
        field = setting_named(m.group("what"), props) or (_inverse(props) if re.search(r"\b(?:penalty|regulari[sz]ation)\b", m.group("what"), re.I) else None)
        if m.group("way") in ("stronger", "weaker") and field and props[field].get("description", "").startswith("Inverse"):
            factor = 1 / factor  # "the L1 penalty ten times weaker": C is its inverse, so C ten times bigger
        of = (m.group("of") or "").lower()
        _scale(m, factor, props, args, said, base, text, default=bool(m.group("d")) or of in ("the default", "the usual"),
               of_that=of in ("that", "this", "it"), field=field)
    for m in WAS.finditer(text):
        field = setting_named(m.group("what"), props)
        if field and used is not None:
            _scale(m, _factor(m), props, args, said, used, text, default=False, field=field)
    for m in STEP.finditer(text):
        said_step = (m.group("n") or m.group("all")).lower()
        step = int(SPELLED.get(said_step, "1" if said_step == "a" else said_step))
        than = re.match(r"\s+than\s+(?:(?:the|its|that)\s+(?:peak|best|top|strongest|biggest|one)\b|layers?\s+\d)", text[m.end():], re.I)
        field = next((f for f in ("layer", "layers") if f in props and (not _said(f, said, step) or than and f in args)), None)
        value = (args.get(field) if than else base.get(field, args.get(field))) if field else None  # "one layer earlier than the peak"
        step = step if m.group("way").lower() in ("deeper", "later", "higher", "further in") else -step
        if isinstance(value, int):
            args[field] = value + step
        elif isinstance(value, list) and all(isinstance(v, int) for v in value):
            args[field] = [v + step for v in value]
    middle = MIDDLE.search(text)
    listed = base.get("layers") if middle else None
    if middle and "layers" in props and isinstance(listed, list) and len(listed) % 2 and all(isinstance(v, int) for v in listed):
        args["layers"] = [sorted(listed)[len(listed) // 2]]  # "only the layer in the middle of the ones we swept"
    for m in PLUS.finditer(text):
        field = setting_named(m.group("what"), props, loose=False)
        if field and isinstance(current := base.get(field, args.get(field, props[field].get("default"))), int) and not isinstance(current, bool):
            args[field] = current + int(m.group("by"))
    for m in BY.finditer(text):
        field = setting_named(m.group("what"), props)
        current = (base or earlier or {}).get(field, props[field].get("default")) if field else None
        if not isinstance(current, (int, float)) or isinstance(current, bool):
            continue
        part = FRACTIONS[m.group("part").lower()] if m.group("part") else None  # of the value; "a tenth" of a 0-1 threshold is 0.1
        by = float(m.group("by")) if part is None else part if part <= current <= 1 else current * part
        if not _said(field, said, by if part is None else round(by, 10)) or part is not None and field not in said:
            sign = 1 if m.group("way").lower() in ("raise", "increase", "bump") else -1
            args[field] = _typed(current + sign * by, props[field])


def counted(text: str, props: dict, args: dict, said: dict, base: dict | None = None, runs: list = ()) -> list[str]:
    """'two more layers on the end' (the list goes on at its step), 'one fewer control than the direction run' (that
    run's value less one), '4 extra rollouts' (the earlier run's, else the default, plus 4); the settings set."""
    done = []
    for m in COUNTED.finditer(text):
        field = setting_named(m.group("what"), props, loose=False, lists=True)  # "two more layers": a list too
        n = int(SPELLED.get(m.group("n").lower().removesuffix(" of"), "2" if m.group("n").lower().startswith("a couple") else m.group("n")))
        if field is None or _said(field, said, n) and not isinstance(said.get(field), list):
            continue
        sign = -1 if m.group("way").lower() in ("fewer", "less") else 1
        earlier = (base or {}).get(field, props[field].get("default"))
        current = earlier if field in said else args.get(field, earlier)  # "2 more layers" may have been read as layers [2]
        if m.group("than"):  # "than the direction run": that kind's newest run that set it (else its default)
            tools = by_result.tools_of(m.group("than")) or ()
            source = next((r for r in reversed(runs) if r.tool in tools and (field in r.args or field in r.defaults)), None)
            current = source and source.args.get(field, source.defaults.get(field))
        if isinstance(current, int) and not isinstance(current, bool):
            args[field] = _typed(current + sign * n, props[field])
        elif isinstance(current, list) and len(current) >= 2 and all(isinstance(v, int) for v in current) and n < len(current) + 64:
            step = current[-1] - current[-2] or 1
            args[field] = current + [current[-1] + step * k for k in range(1, n + 1)] if sign > 0 else current[:-n] or current
        else:
            continue
        done.append(field)
    return done


def _cross(m: re.Match, props: dict, args: dict, said: dict, base: dict) -> bool:
    """'alpha twice the rank': the target set from the other setting's value in this call; whether it was."""
    target, source = setting_named(m.group("target"), props, loose=False), setting_named(m.group("what"), props, loose=False)
    factor = _factor(m)
    if target is None or source is None or target == source or _said(target, said, factor) or _share(props[target]) or target in INDICES:
        return False  # "hold out a quarter of the docs": a share is the fraction itself, not a part of the doc count
    value = args.get(source, base.get(source, props[source].get("default")))
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    args[target] = _typed(value * factor, props[target])
    return True


def _said(field: str, said: dict, amount: float) -> bool:
    """Whether `field` was said plainly: not when the value read is the amount of the change ("a tenth of the default
    learning rate" is no lr 0.1, "one layer deeper" no layer 1)."""
    value = said.get(field)
    return field in said and not (value == amount or isinstance(value, list) and value == [amount])


def _factor(m: re.Match) -> float:
    if m.group("n") or m.group("x"):  # "three times", "4x the paper's scale"
        return float(SPELLED.get((m.group("n") or m.group("x")).lower(), m.group("n") or m.group("x")))
    if m.group("t"):
        return TIMES[m.group("t").lower()]
    return FRACTIONS[(m.group("f") or "half").lower()]


def _scale(m: re.Match, factor: float, props: dict, args: dict, said: dict, base: dict, text: str, default: bool, of_that: bool = False,
           field: str | None = None) -> None:
    field = field or setting_named(m.group("what"), props)
    if field and m.groupdict().get("x") and not default and not of_that and re.match(r"\w+x\s+(?!the\b|as\b)", m.group(0)) and field not in base \
            and re.search(r"\bmultiple\b", props[field].get("description", ""), re.I):
        args[field] = _typed(factor, props[field])  # "4x strength": a scale is itself a multiple of the vector, so scale 4
        return
    of_number = re.match(r"(\d+(?:\.\d+)?)\s", m.group("what") + " ")  # "a quarter of 2048 toks": 2048 is what it is a part of
    if field is None or _said(field, said, factor) and not (of_number and said.get(field) == float(of_number.group(1))) or field in args and field not in said and args[field] != base.get(field):
        return  # said plainly, or changed already ("double the rollouts" is the rerun's own reading)
    if factor < 1 and _share(props[field]):
        return  # a fraction of the whole ("hold out a fifth of the docs") is the value itself, read as said
    before = [of_number.group(1)] if of_number else re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)\b", text[:m.start()]) if of_that else []
    if before:  # "a cap of 48 rollouts ... each round a quarter of that cap": of the number just said
        current = float(before[-1])
    elif default:
        current = props[field].get("default")
    elif field in said:  # the amount was read as the value ("C ten times bigger": C 10): of the earlier run's
        current = base.get(field, props[field].get("default"))
    else:
        current = args.get(field, base.get(field, props[field].get("default")))
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        args[field] = _typed(current * factor, props[field])
    elif isinstance(current, list) and current and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in current):
        args[field] = [round(v * factor, 10) if isinstance(v, float) or v * factor % 1 else int(v * factor) for v in current]  # "every multiplier doubled"


def _share(spec: dict) -> bool:
    return bool(re.search(r"\b(?:share|fraction|proportion)\b", spec.get("description", ""), re.I))


def _inverse(props: dict) -> str | None:
    """The one setting that is the inverse of a penalty ("Inverse L1 strength": C), which "the penalty" names."""
    inverse = [f for f, spec in props.items() if spec.get("description", "").startswith("Inverse")]
    return inverse[0] if len(inverse) == 1 else None


def setting_named(what: str, props: dict, loose: bool = True, lists: bool = False) -> str | None:
    """The numeric setting a phrase names: "token budget", "held-out tokens", "minimum length", "learning rate"
    (`lists`: a list of whole numbers too, "layers")."""
    words = re.sub(r"(?<!token )\bbudget\b", "token budget", what.lower()).split()  # "twice the budget"
    items = {"number", "integer"} if lists else {"number"}
    props = {f: spec for f, spec in props.items() if arguments.types_of(spec) & {"integer", "number"} or arguments.item_types(spec) & items}
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size, -1, -1):
            phrase = " ".join(words[start:start + size])
            field = next((f for f in props if phrase in arguments.words_for(f, tuple(props))
                          or phrase == f.lower()), None)
            if field:
                return field
    return None if not loose else next((f for f in props for w in words if len(f.split("_")[0]) >= 3 and w.startswith(f.split("_")[0].lower())), None)


def _typed(value: float, spec: dict):
    types = arguments.types_of(spec)
    if "integer" in types and "number" not in types:
        value = max(1, int(round(value)))
    else:
        value = round(value, 10)
    maximum, minimum = spec.get("maximum"), spec.get("minimum")
    value = min(value, maximum) if maximum is not None else value
    return max(value, minimum) if minimum is not None else value


NEIGHBOUR = re.compile(r"\b(next|following|previous|preceding) (sentence|layer|position)\b|"
                  r"\bthe (sentence|layer|position|one) (?:right |just |immediately |directly )?(after|before) (?:it|that|this|that one)\b|"
                  r"\bone (sentence|layer|position) (later|earlier|further|deeper|sooner|on|back)\b", re.I)  # "try it one sentence later"


def neighbour(text: str, said: dict, args: dict) -> None:
    """'the next sentence', 'the one right after it' (the run's sentence, else its layer or position), 'one layer earlier':
    that setting of `args` one on or one back, unless said outright."""
    found = NEIGHBOUR.search(text)
    if not found:
        return
    stepped = {found.group(2), found.group(3), found.group(5)} - {None}
    if "one" in stepped:
        stepped = {next((n for n in ("sentence", "layer", "position") if isinstance(args.get(n), int)), "one")}
    forward = (found.group(1) or found.group(4) or found.group(6)).lower() in ("next", "following", "after", "later", "further", "deeper", "on")
    for name in ("sentence", "layer", "position"):
        if name in stepped and name not in said and isinstance(args.get(name), int):
            args[name] += 1 if forward else -1


SUBJECTS = ("cot_run", "dataset", "question", "prompt", "scenario", "train_run", "vector_run", "dictionary_run", "direction_run", "cot")


def unsettled(text: str, state: DialogueState, tool: dict, args: dict) -> str | None:
    """'train one on data/medical.jsonl with twice the steps' after fine-tunes of 40 and 120 steps on other data: a
    value relative to an earlier run's, on a new subject, where the runs of that tool disagree. The question to ask."""
    props = tool["schema"].get("properties", {})
    runs = [r for r in state.runs if r.tool == tool["name"]]
    for m in [*BEFORE.finditer(text), *WAS.finditer(text)]:
        field = setting_named(m.group("what"), props)
        if field is None or m.groupdict().get("default") or len(runs) < 2:
            continue
        values = {str(r.args.get(field, r.defaults.get(field))): r for r in runs}
        new = all(any(k in args and args[k] != r.args.get(k) for k in SUBJECTS) for r in runs)
        if len(values) >= 2 and new:
            said = " or ".join(f"{v} (run {r.run_id})" for v, r in values.items())
            return f"'{m.group(0).strip()}' of which run: {said}?"
    return None
