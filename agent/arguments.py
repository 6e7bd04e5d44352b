"""Arguments read from a request's words, by each argument's name and type in the tool's schema.

"16 rollouts", "seed 3", "T=0.9", "64 tokens", "layers 10 through 12", "strength 6",
"the answer is 24", "using the last number as the answer", "no adaptive stopping",
"save it to vec.pt", "metric regex:```python", "question: ...", quoted text. Nothing
here knows a particular tool: a new tool's arguments are read by their names, types,
descriptions and examples. Each phrase that sets an argument is used up, so "checkpoint
every 2 steps" sets checkpoint_every and not steps.
"""

from __future__ import annotations

import re
from typing import Any

from agent import asides, described, found_in, paths
from agent.named_numbers import NUMBER, name_pattern, number_for, numbers_for, words_for  # noqa: F401  (read through this module too)
from agent.phrases import HINT_WORDS, INTENT, SEPARATE, layer_rows, side_names
from agent.shorthand import code_forms, normal  # noqa: F401  (normal: read by the planner through this module)
from agent.wording import (  # noqa: F401  (read here, and by the planner through this module)
    BARE_ELSEWHERE, JUDGED, MENTIONS, NUMBER_WORD, ON_RUN, PAIRS, PATH, PICKS, PREFIXED, QUOTED, QUOTED_PREFIXED, SPELLED, SYNONYMS, TICKED, VALUE_WORDS, aliases,
    item_types, labelled, mend_typos, own_words, payload, quoted, quoted_all, types_of, without,
)

ANSWER = re.compile(r"\b(?<!\bown )(?:(?:correct |right |true |expected |reference )?(?:answer|ans)|(?:correct|right)(?: one)?|ground[- ]truth|gt(?=\s*[=:]))"  # not "the chain's own answer of 48"
                    r"(?:\s+(?:on|for|to) (?:this|that|it)(?: one)?|\s+(?:there|here|this time))?(?:\s+(?:is|should be|=|:|was|of|set to|fixed at|fixed to|pinned at|pinned to)|'s|"
                    r"(?<=answer),(?:\s+which\s+is)?(?=\s+-?\$?\d)|(?<=answer)\s*[-–—,;]?\s*it'?s(?=\s+-?\$?\d+(?:\.\d+)?(?![\w-])))?\s*[:=]?\s*(?:\((?=-?\$?\d))?"  # "the correct answer, which is 45", "the correct answer, 42"
                    r"(\"[^\"]+\"|\(?[A-Ea-e]\)?(?=[\s.,;!?]|$)|-?\$?\d[\d,]*(?:\.\d+)?(?:/\d+|:\d\d(?:\s*[ap]\.?m\b\.?)?)?|(?:yes|no)\b(?! \w+ed\b)"
                    rf"|(?:{NUMBER_WORD})\b)", re.I)
MODEL = re.compile(r"\b(tiny[- ]random|smollm2-135m|smollm2(?!-\d)|smollm(?!2-\d)|smol+m?-?2?[\s-]135m?|organism:[\w-]*\w)\b|(?<![\w/.-])(135m)\b(?![\w/.-])|\b(?:model|fine-?tune|checkpoint|merged(?: \w+)?|"
                   r"merged\b[^.]{0,30}?\binto|onto)\s+(?:(?:are|is)\s+)?(?:in\s+|at\s+|from\s+)?"
                   r"((?:~|\.{1,2})?/[\w./-]+|[\w.-]+/[\w./-]+)|"
                   r"(?<![\w./-])([A-Z][\w-]*/[\w.-]*?\d+(?:\.\d+)?[BbMm]\b[\w.-]*(?![\w.-]))(?<!\.jsonl)(?<!\.json)(?<!\.csv)(?<!\.txt)(?<!\.pt)"
                   r"(?<!\.safetensors)|"  # a hub id: Qwen/Qwen2.5-0.5B-Instruct, not a file like data/llama-7b.jsonl
                   r"\b(?:on|using|with|for|of|against)\s+(?:the\s+)?"
                   r"((?:~|\.{1,2})?/?(?:[\w.-]+/)*?(?:ckpts?|checkpoints?|models?|merged|weights)/(?:[\w.-]+/)*[\w-]+)/?(?![\w./-])",
                   re.I)  # a checkpoint folder said plainly: "build a vector on ./ckpts/my-model"
ANSWER_AFTER = re.compile(r"(?<![\w.$-])(-?\$?\d[\d,]*(?:\.\d+)?(?:/\d+)?|\(?[A-E]\))(?![\w.])[^.?!\d]{0,12}?[.?!]?\s*(?:(?:it |that )?(?:is|'s|was)|as)\s+"
                          r"(?:the\s+)?(?:correct|right|true|expected)(?:\s+(?:answer|one))?\b|"
                          r"\b(?:treat(?:ing)?|tak(?:e|ing)|count(?:ing)?)\s+(-?\$?\d[\d,]*(?:\.\d+)?(?:/\d+)?|\(?[A-E]\)?)\s+as\s+(?:the\s+)?(?:correct|right|true)\b", re.I)
# "720 is correct", "the 22? it is the right answer", "treating D as correct"
AGAINST = re.compile(r"\b(?:(?:scor|grad|measur|check|judg)\w*|re-?run|redo|run)\s+(?:it\s+|them\s+|answers\s+|accuracy\s+|importance\s+)?(?:against|vs\.?|versus)\s+(?:the\s+(?:true|correct|real)\s+(?:answer\s+)?)?"
                     r"(-?\d[\d,]*(?:\.\d+)?(?:/\d+)?)(?![\w.%])(?!\s+[a-z])", re.I)  # "redo it scoring against 45", "rerun against 45"


def _choices(spec: dict) -> list[str]:
    """The named values a string argument takes: enum, examples, and snake_case words of its description."""
    values = list(spec.get("enum") or []) + [e for s in spec.get("anyOf", []) for e in s.get("enum", [])]
    values += [str(e) for e in spec.get("examples") or []]
    description = spec.get("description", "")
    kinds = re.search(r"'builtin:<kind>' \(([^)]*)\)", description)  # a corpus: 'builtin:<kind>' (prose, story, code)
    if kinds or "builtin:" in description:
        values += [f"builtin:{k.strip()}" for k in (kinds.group(1) if kinds else "prose, story, code, dialogue").split(",")]
    values += re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", description)
    values += re.findall(r"(?:^|:\s|,\s|\bor\s)([a-z][a-z_]+)(?=,|\s+or\b|\s*\(|\.|$)", description.split(";")[0])
    return list(dict.fromkeys(v for v in values if v not in ("the", "a", "an", "or", "and")))


def _said(value: str, text: str) -> re.Match | None:
    literal = re.escape(value).replace("_", "[_ -]").replace(r"\-", "[- ]")
    words = VALUE_WORDS[value] if value in BARE_ELSEWHERE else f"{VALUE_WORDS[value]}|{literal}" if value in VALUE_WORDS else literal
    if value.isalpha() and value not in VALUE_WORDS:  # story, stories; prose
        words = (re.escape(value[:-1]) + "(?:y|ies)") if value.endswith("y") else words + "s?"
    return re.search(rf"(?<![\w-]){words}(?![\w-])", text, re.I)


class _Text:
    """The request's words, with the phrases already used blanked out."""

    def __init__(self, text: str):
        self.text = normal(text)

    def use(self, phrase: str) -> None:
        at = self.text.find(phrase)
        if at >= 0:
            self.text = self.text[:at] + " " * len(phrase) + self.text[at + len(phrase):]


def read(props: dict, text: str, skip: tuple[str, ...] = ()) -> tuple[dict, list[str]]:
    """The arguments of a schema said in `text`, and the phrases that said them."""
    args: dict[str, Any] = {}
    said: list[str] = []
    words = _Text(own_words(code_forms(text), names=True))  # quoted or pasted text is free text: no numbers, paths or names are read from it
    for clause in found_in.describing(words.text) + asides.told(words.text) + asides.about_files(words.text):  # "rerun the sweep where layer 12 peaked with 12 samples": not
        words.use(clause)  # layer 12; "they used 100 rollouts per sentence, which feels insane": not what is asked
    for negated in re.finditer(r"\bnot\s+(?:the\s+|at\s+|on\s+)?(?:sentence|layer|position|seed|scale|step|atom|head|pc|component)s?\s*#?-?\d+(?:\.\d+)?\b(?!\s*(?:but|and)\b)",
                               words.text, re.I):
        words.use(negated.group(0))  # "hm not sentence 3, i meant the one after it": a value set aside is no setting
    whole = words.text  # before any phrase is used up: "PCs 0 and 3" set the components and say the directions

    def take(name: str, value: Any, phrase: str = "") -> None:
        args[name] = value
        if phrase:
            said.append(phrase)
            words.use(phrase)

    for name, value, phrase in described.per_unit(props, words.text) + described.capped(props, words.text) + described.hyphenated(props, words.text):  # "12 resample per chain"
        take(name, value, phrase)
    order = sorted(props, key=lambda n: (n != "model", -len(" ".join(words_for(n)[:1])), n))  # a model path is the model's
    prefixed = PREFIXED.search(words.text) or JUDGED.search(text) or TICKED.search(text) or QUOTED_PREFIXED.search(text)
    for name in (n for n in order if n not in args):
        spec = props[name]
        if name in skip or name.endswith(("_run", "_runs")) or name in ("question", "query", "prompt", "prompts", "text", "cot"):
            continue
        kinds = types_of(spec)
        description = spec.get("description", "")
        if name == "model":
            named = list(MODEL.finditer(words.text))  # "continue the smollm dictionaries on organism:misaligned": the runs' model describes them
            found = next((m for m in named if not re.match(r"[\s'’s]*(?:dictionar|dicts?\b|chains?\b|vec|runs?\b|ones?\b|fine-?tunes?\b|loras?\b|evals?\b|sweeps?\b)",
                                                            words.text[m.end():], re.I)), named[0] if named else None)
            if found:
                value = next(g for g in found.groups() if g).rstrip(".,")
                value = "tiny-random" if value.lower() == "tiny random" else value
                take(name, "smollm2-135m" if value.lower().startswith(("smol", "135m")) else value, found.group(0))
        elif name == "answer":
            found = ANSWER.search(words.text)
            if found and not re.search(r"\bas the answer\b", words.text[found.start():found.end() + 14], re.I):
                value = found.group(1).strip('"()$').replace(",", "")
                value = SPELLED.get(value.lower(), value.capitalize() if value.lower() in ("yes", "no") else value)
                take(name, value, found.group(0))
            elif ANSWER_AFTER.search(words.text):
                found = ANSWER_AFTER.search(words.text)
                take(name, (found.group(1) or found.group(2)).strip('"()$').replace(",", ""), found.group(0))
            elif found := AGAINST.search(words.text):
                take(name, found.group(1).replace(",", ""), found.group(0))
        elif "string" in kinds and prefixed and f"{prefixed.group(1).lower()}:" in description.lower() and not spec.get("enum"):  # not a choice
            kind, rest = prefixed.group(1).lower(), prefixed.group(2)
            if prefixed.string[:prefixed.start()].endswith("`"):  # "extractor `regex:Answer:\s*(yes|no)`, ...": up to the backtick
                rest = rest.split("`")[0]
            if kind == "judge" and "?" in rest.rstrip("?. "):  # "judge:Does it try to avoid shutdown?, top-p .9": the question ends at its mark
                rest = rest[:rest.index("?") + 1]
            whole = len(rest.split()) <= 4 and not re.search(r"[,;]|\b(?:and|with|at|on|for|using)\b", rest)  # "regex:(?i)delete the logs" at the end
            grouped = re.match(r"[^,;()]{0,30}\([^()]*\)[^\s,;]*", rest)  # "regex:ANSWER: ([A-D]) , correct is B": up to its group
            value = {"regex": rest.strip() if whole else grouped.group(0).strip() if grouped else rest.split()[0].rstrip(","),
                     "choice": rest.strip("( ")[:1]}.get(kind, rest.strip().rstrip("."))
            phrase = prefixed.group(0)[:prefixed.group(0).index(rest) + len(rest)] if kind == "judge" else \
                f"{prefixed.group(1)}:{rest[:len(value) + (1 if rest.startswith('(') else 0)]}"
            take(name, f"{kind}:{value}", phrase)
            prefixed = None
        elif "string" in kinds and "choice:<letter>" in description and (picked := PICKS.search(words.text)):
            take(name, f"choice:{picked.group(1)}", picked.group(0))  # "score whether it picks option B"
        elif name.endswith(("_to", "_dir", "_file")) or (name in ("dataset", "corpus", "adapter") and re.search(PATH, words.text)):
            if found := paths.path_for(name, kinds, words.text):
                if name == "corpus" and (built := list(re.finditer(r"\bbuiltin:\w+", words.text))):  # "['builtin:code', 'data/snippets/']": both
                    at = words.text.find(found[0][0])
                    found = ([m.group(0) for m in built if m.start() < at] + found[0] + [m.group(0) for m in built if m.start() > at], found[1])
                take(name, *found)
        elif name == "hint_words" and (HINT_WORDS.search(text) or MENTIONS.search(text)):  # "hint words: key, answer key"; "if it says 'professor' or 'Stanford'"
            found = HINT_WORDS.search(text) or MENTIONS.search(text)
            take(name, [w.strip("'\"") for w in re.split(r"\s*(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+|\s*[+&/]\s*)", found.group(1) or found.group(2))], found.group(0))
        elif name in ("extractor", "metric", "decision", "monitor", "judge", "mode", "where", "scope", "directions", "dataset",
                      "tasks", "questions", "modules", "corpus", "positive_name", "negative_name") or (
                "string" in kinds and (spec.get("enum") or spec.get("examples"))) or (
                "array" in kinds and "string" in item_types(spec)):
            found = [(m, v) for v in _choices(spec) for m in [_said(v.split(":")[-1] if v.startswith("builtin:") else v, words.text)] if m]
            if not found and name == "scenario":  # "the nearest planet" -> hint-planet, "the affair" -> replacement-affair
                found = [(m, v) for v in _choices(spec) if "-" in v for m in [_said(v.split("-")[-1], words.text)]
                         if m and len(v.split("-")[-1]) >= 5]
                first = [(m, v) for v in _choices(spec) if "-" in v for m in [_said(v.split("-")[0], words.text)]
                         if m and len(v.split("-")[0]) >= 5]
                found = found or (first if len({v for _, v in first}) == 1 else [])  # "the shutdown one", if only one starts so
                blackmail = re.search(r"\bblackmail(?:ing)?\s+(?:scenario|setup|one|case|prompt|story|task|env)\b|"
                                      r"\b(?:on|of|in) (?:the )?blackmail\b", words.text, re.I)  # the agentic-misalignment paper's name for it
                found = found or ([(blackmail, "replacement-affair")] if blackmail and "replacement-affair" in _choices(spec) else [])
            distinct = [(m, v) for m, v in found if v in VALUE_WORDS or re.search(r"[_:-]", v)]
            at = sorted(found, key=lambda mv: mv[0].start()) if "array" in kinds else []  # "measure on wish and bored": two of its
            joined = [i for i in range(len(at) - 1)  # plain values listed together set the list
                      if re.fullmatch(r"\s*(?:,|and|&|/|\+|or)\s*(?:and\s+)?", words.text[at[i][0].end():at[i + 1][0].start()])]
            distinct += [at[k] for i in joined for k in (i, i + 1) if at[k] not in distinct]
            if len(found) > len(distinct):  # a plain word ("prompt", "both", "wish") counts only where it plainly sets this
                near = rf"(?:{name_pattern(name, tuple(props))})"
                alone = "(?!)" if any(name.endswith("_" + o) for o in props) else "plain"  # "plain mp" is the encoder's, not build_encoder's
                found = [(m, v) for m, v in found if (m, v) in distinct or re.search(
                    rf"(?:\b(?:only|just|{alone})\s+(?:the\s+)?|{near}\W{{1,3}}(?:\w+\W+)?){re.escape(m.group(0))}|"
                    rf"{re.escape(m.group(0))}\s+(?:both\s+(?:(?:for|as)\s+(?:\w+\s+){{1,3}}?and\s+)?)?(?:(?:for|as)\s+(?:the\s+)?(?:\w+\s+)?)?"
                    rf"(?:tokens|toks?|side|mode|only|{near})\b", words.text, re.I)  # "OMP both for building and for encoding": each
                         or ("array" in kinds and distinct)]
            if name == "corpus":
                found = [(m, f"builtin:{v.split(':')[-1]}") for m, v in found if v != "builtin"]
            if "array" in kinds and "string" in item_types(spec):  # q_proj, v_proj: words shaped like the choices
                suffixes = {v.rsplit("_", 1)[-1] for v in _choices(spec) if "_" in v and v.count("_") == 1}
                for suffix in suffixes:
                    found += [(m, m.group(0)) for m in re.finditer(rf"\b[a-z0-9]+_{suffix}\b", words.text)
                              if m.group(0) not in [v for _, v in found]]
            found = [] if name.endswith("_name") else found + [(m, v) for a, v in aliases(spec).items() if (m := _said(a, words.text))]  # a side's name is read below
            found = [(m, v) for m, v in found if not re.search(r"(?:\b(?:not|no|without)|\bw/o)\s+(?:the\s+|an?\s+|any(?:thing)?\s+)?$|\b(?:instead of|rather than|except|leave|leaving|skip|skipping|ignore|ignoring|differently from|different from)\s+(?:the\s+|an?\s+)?$|"
                                                                r"\b(?:instead of|rather than)\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+){1,2}$",  # "instead of the paper's plain MP"
                                                                re.sub(r"[\w]+-$", "", words.text[:m.start()]), re.I)  # "leave the in-domain one out"
                     and not re.match(r"\s+dictionar" if name == "directions" else r"(?:-only)?\s+(?:dictionar|atoms?\b)", words.text[m.end():], re.I)
                     and not re.match(r"\s+(?:\w+\s+)?(?:aside\b|results?\s+(?:were|was|looked|seemed|showed)\b)|\s+runs?\b", words.text[m.end():], re.I)]
            # "leave the in-domain question aside", "since the prose results were hard to read", "the risky run": not the value asked for
            found = _in_asked(found, words.text)
            every = not found and "array" in kinds and isinstance(spec.get("default"), list) and re.search(
                rf"\b(?:all(?: the)?|both)\s+(?:{name_pattern(name, tuple(props))})\b", words.text, re.I)
            if every and (len(spec["default"]) == 2 or not every.group(0).lower().startswith("both")):
                take(name, list(spec["default"]), every.group(0))  # "probe it on both tasks": each of the two it takes
            elif found and "array" in kinds:
                take(name, list(dict.fromkeys(v for _, v in sorted(found, key=lambda mv: mv[0].start()))), found[0][0].group(0))
            elif found:
                match, value = min(found, key=lambda mv: (-len(mv[1]), mv[0].start()))
                if len({v for _, v in found}) > 1 and re.search(r"\binstead\b|\brather\b", words.text, re.I):
                    match, value = max(found, key=lambda mv: mv[0].start())  # "the boxed extractor misses ... let the judge read them instead"
                take(name, value)  # the words stay: "atoms 3 and 17" names the itda directions and the atoms
        elif "array" in kinds and item_types(spec) & {"integer", "number"}:  # "layers 10 and 14"
            integers = "integer" in item_types(spec) and "number" not in item_types(spec)
            found = numbers_for(name, words.text, integers, tuple(props))
            rows = layer_rows(words.text) if "layer" in name and "array" in item_types(spec) else None
            if rows:  # a sweep's rows, some of them groups steered together
                take(name, rows, found[1] if found else "")
            elif found is not None:
                values, phrase = found
                numbers = [int(float(v)) if integers or float(v).is_integer() and "integer" in item_types(spec) else float(v)
                           for v in values]
                if "layer" in name and len(numbers) > 1 and numbers[-1] < 0 <= min(numbers[:-1]):
                    numbers, phrase = numbers[:-1], phrase[:phrase.rfind(values[-1])] if values[-1] in phrase else phrase  # "layers 9 and 13, -6": a scale
                if "array" in item_types(spec) and len(numbers) > 1 and re.search(
                        rf"{re.escape(phrase)}\s*(?:\w+\s+){{0,2}}(?:together|as (?:one|a single) group|as one|jointly|at once)", words.text, re.I):
                    numbers = [numbers]  # steered together: one row of the sweep
                groups = [[int(a), int(b)] for a, b in re.findall(rf"(\d+)\s*\+\s*(\d+){SEPARATE}", words.text, re.I)]
                if "array" in item_types(spec) and groups:  # "8+10 steered together and 14+16 together"
                    members = {n for g in groups for n in g}
                    numbers = [n for n in numbers if n not in members or isinstance(n, list)] + groups
                bracketed = re.findall(r"[\[(]\s*(\d+(?:\s*,\s*\d+)+)\s*[\])]", words.text)
                if "array" in item_types(spec) and len(bracketed) >= 2:  # "layer groups [10,11,12] and [16,17,18]"
                    numbers = [[int(n) for n in re.findall(r"\d+", group)] for group in bracketed]
                if len(numbers) == 1 and kinds & {"number", "integer"} and not isinstance(numbers[0], list):
                    numbers = numbers[0]  # tau 0.35: one value where one or a list is allowed
                take(name, numbers, phrase)
            elif name == "scales" and (bare := re.search(rf"(?:\bat|@)\s+((?:{NUMBER})(?:\s*,\s*(?:{NUMBER}))*,?\s*(?:and|&)\s*(?:{NUMBER}))(?![\w.])(?!\s*(?:%|[a-z]))",
                                                         words.text, re.I)):  # "sweep that layer set at 0.75, 1.5 and 3": the scales
                take(name, [float(v) for v in re.findall(NUMBER, bare.group(1))], bare.group(0))
            elif kinds & {"number"}:  # tau: 0.4 or [0.3, 0.5]
                one = number_for(name, words.text, tuple(props))
                if one:
                    take(name, float(one[0]), one[1])
        elif kinds & {"integer", "number"}:
            found = number_for(name, words.text, tuple(props), (spec.get("maximum") or spec.get("exclusiveMaximum") or 2) <= 1, "number" not in kinds)
            if found is not None:
                value, phrase = found
                number = float(value)
                if re.search(rf"{re.escape(value)}\s*%", words.text) and (spec.get("maximum") or spec.get("exclusiveMaximum") or 2) <= 1:
                    number /= 100  # "hold out 20%"
                take(name, int(number) if "integer" in kinds and number.is_integer() else number, phrase)
            elif name.endswith("_every") and re.search(r"\bevery (?:single )?(?:step|iteration)\b", words.text, re.I):
                take(name, 1)
            elif name == "temperature" and (hot := re.search(r"\b(?:hotter|warmer|colder|cooler|more (?:adventurous|random|creative|varied)|less (?:predictable|deterministic)|(?:cool|warm|heat)(?:\s+(?:the\s+)?(?:sampling|decoding|it|things|temp\w*))?\s+(?:down|up)|"
                                                               r"(?:cool|warm|heat)\s+(?:the\s+)?(?:sampling|decoding|temp\w*))\b,?\s+(?:like |say |at |to |maybe )?"
                                                               r"(\d*\.\d+|\d)(?![\w.])|\bsampl(?:e|ed|ing)(?:\s+(?:it|them|that|this))?\s+at\s+(0?\.\d+|1\.\d+|[01])(?![\w%]|\.\d)(?!\s*(?:tokens?|layers?|steps?)\b)",
                                                               words.text, re.I)):  # "a bit hotter, 0.9", "cool the sampling to 0.4", "not greedy, sample it at 0.8"
                take(name, float(hot.group(1) or hot.group(2)), hot.group(0))
            elif name == "controls" and (few := re.search(r"\b(?:(?:no|without(?: any| a)?|skip(?:ping)?|drop(?:ping)?|forget|no time for|leave out)(?: the)?|(a single|just one|only one|one single))\s+"
                                                         r"(?:[\w-]+\s+){0,2}?controls?\b|\bcontrols? off\b", words.text, re.I)):
                take(name, 1 if few.group(1) else 0, few.group(0))  # "no time for the random-direction controls today", "with a single control"
            elif name == "min_chars" and re.search(r"\b(?:no|without|don'?t|do not|never)\s+(?:\w+\s+)?(?:merg|glu|join|combin|fus)", words.text, re.I):
                take(name, 0)  # "no merging at all", "don't merge the short bits"
            elif name == "temperature" and re.search(r"(?<!not )(?<!non-)(?<!no longer )(?<!instead of )\bgreed(?:y|ily)\b|\bno (?:sampling )?randomness\b|\b(?:no|without) sampling\b|\b(?:likeliest|most likely) next (?:word|token)\b|"
                                                     r"\bdeterministic(?:ally)?\b|\bno dice[- ]?roll(?:ing|s)?\b|\bcomes? out the same every time\b",
                                                     words.text, re.I):
                take(name, 0.0 if "number" in kinds else 0)
            elif name == "scale" and (times := re.search(rf"(?<![\w.])(?:({NUMBER})x|x({NUMBER}))\b|"  # "3x", "steer with that vector at 1.5"
                                                            rf"\bsteer\w*\b[^.;\d]{{0,40}}?\bat\s+({NUMBER})(?![\w.])(?!\s*(?:%|tokens?\b))", words.text, re.I)):
                take(name, float(next(g for g in times.groups() if g)), times.group(0))
            elif name == "scale" and "samples" not in props and (times := re.search(
                    rf"\bsteer\w*\b[^.;\d]{{0,40}}?(?<![\w.])({NUMBER}|{NUMBER_WORD})\s+times\b(?!\s+(?:the|as|more|less|that)\b)", words.text, re.I)):
                take(name, float(SPELLED.get(times.group(1).lower(), times.group(1))), times.group(0))  # "steer with it eight times": its scale, where no samples are counted
            elif name == "scale" and re.search(r"\bsteer", words.text, re.I) and (signed := re.search(
                    r"(?:^|[,;])\s*([+-]\d+(?:\.\d+)?)(?![\w%]|\.\d)(?!\s*(?:tokens?|layers?|x|times)\b)", words.text)):
                take(name, float(signed.group(1)), signed.group(0))  # "steer it at layers 9 and 13, -6": a signed number alone is the strength
            elif name == "rollouts" and (times := re.search(r"\b(?:re)?sampl\w*\b[^.;\d]{0,30}?(?<![\w.])(\d+)\s*x\b", words.text, re.I)):
                take(name, int(times.group(1)))  # "resample it 64x"
            elif name == "position" and (place := re.search(r"\b(?:(second|third)[- ]to[- ])?(first|last) token\b", words.text, re.I)):
                take(name, 0 if place.group(2).lower() == "first" else -{"second": 2, "third": 3}.get((place.group(1) or "").lower(), 1))
            elif name == "position" and (place := re.search(r"\b(second|third|fourth|fifth) token\b", words.text, re.I)):
                take(name, ["second", "third", "fourth", "fifth"].index(place.group(1).lower()) + 1)  # "read the second token of each prompt": from 0
            elif name == "position" and (place := re.search(r"\b(one|two|a|\d) tokens? before the (?:colon|last token|end)\b", words.text, re.I)):
                take(name, -1 - int({"one": "1", "a": "1", "two": "2"}.get(place.group(1).lower(), place.group(1))))  # "read one token before the colon"
        elif "boolean" in kinds:
            alternatives = name_pattern(name)
            negated = re.search(rf"(?:\b(?:no|skip(?:ping)?(?: the)?|without(?: the)?|minus(?: the)?|drop(?:ping)?(?: the)?|remove(?: the)?|(?:leave|leaving) out(?: the)?|omit(?:ting)?(?: the)?|exclude(?: the)?|disable|turn off|don'?t (?:use|do|offer|give|include|show|let it)"
                                rf"(?: (?:the|it|them|judge))*|not)\s+|\bw/o\s+(?:the\s+)?|\bnon[-\s]?)(?:{alternatives})(?:[\s-]+\w+)?|\b(?:turn |switch )?(?:the )?(?:{alternatives})(?:[\s-]+\w+)? off\b", words.text, re.I)
            if negated:
                take(name, False, negated.group(0))
            elif spec.get("default") is False and (re.search(rf"\b(?:{alternatives})\b", words.text, re.I)
                                                   or name == "added" and re.search(r"\b(?:new|added|add)\b", words.text, re.I)):
                take(name, True)  # "list the atoms the fine-tune added": added
        elif "string" in kinds and "letter" in description and (
                letter := re.search(rf"\b{re.escape(name)}d?(?:\s+(?:letter|answer|option))?\s+(?:is\s+|=\s*|:\s*)?\(?([A-Ea-e])\)?(?![\w'])", words.text)):
            take(name, letter.group(1).upper(), letter.group(0))  # "cue A"
        elif name == "intent" and "string" in kinds:  # a quoted intent after "look for" is free text, read later
            found = None if re.search(r"\b(?:look(?:ing)?|watch(?:ing)?) for\W+['\"“]|\bintent\s*[=:]\s*['\"“][^'\"”\n]{3,80}['\"”]", text, re.I) else next(
                (m for pattern in INTENT if (m := re.search(pattern, words.text, re.I))), None)
            if found:
                take(name, found.group(1).strip().rstrip(".,"), found.group(0))
        elif "string" in kinds and name not in ("system",) and (given := re.search(rf"\b{re.escape(name)}\s*[=:]\s*([\"'“])([^\"'“”\n]+)[\"'”](?=[\s,;)}}]|$)", text)):
            take(name, given.group(2).strip(), given.group(0))  # insert="I should consider every option.", positive_name="real user"
        elif "string" in kinds and name not in ("system",):
            found = re.search(rf"\b{re.escape(name)}\s*(?:=|:|is)\s{{0,2}}(?!(?:fine|ok(?:ay)?|good|default|the default|same|unchanged)\b)"
                              rf"(\"[^\"]+\"|[\w./:<>-]+)", words.text, re.I)
            if found:
                take(name, found.group(1).strip('"').rstrip(".,"), found.group(0))
    args |= described.read({n: s for n, s in props.items() if n not in skip}, words.text, args, lambda n: name_pattern(n, tuple(props)), whole)
    if "layers" in props and "layers" not in args and "layers" not in skip:
        listed = re.search(r"(\w+)\s+at\s+(\d{1,2}(?:\s*(?:,\s*and|,|&|/|\band)\s*\d{1,2})+)\b(?![.\d])(?!\s*(?:%|x\b|times\b|[a-z]+s\b|token|step|seed|epoch))",
                           words.text, re.I)
        if listed and not any(re.fullmatch(name_pattern(n, tuple(props)), listed.group(1), re.I) for n in props):  # not "scale at 2, 4"
            take("layers", [int(n) for n in re.findall(r"\d+", listed.group(2))], listed.group(0))  # "adapters at 9, 15 and 21", "steer at 12 and 16"
    for name in list(args):  # "block atoms 17 and 204": atoms are "directions=itda: atom indices ...", so the directions are itda
        implied = re.match(r"(\w+)=([\w-]+):", props.get(name, {}).get("description", ""))
        if implied and implied.group(1) in props and implied.group(1) not in skip:
            args[implied.group(1)] = implied.group(2)
    count = next((n for n in ("top", "k", "rollouts") if n in props), None)
    them = re.search(r"\b(\d+) of them\b|\b(?:give me|up to) (\d+)\s*(?:[.,;!?]|$)", words.text, re.I) if count and count not in args else None
    if them:  # "its nearest neighbours, 10 of them", "what's near it? give me 10", "look through past runs, up to 10"
        clause = re.split(r"[.!?;]\s+", words.text[:them.start()])[-1]  # unless the sentence describes another:
        echo = {n: described.echoed(clause, s.get("description", "")) for n, s in props.items() if n not in args and "integer" in types_of(s)}
        best = max(echo, key=echo.get, default=count)  # "when it looks for the most similar sentence in other rollouts, let it search 16 of them"
        take(best if echo.get(best, 0) >= 3 and echo[best] > echo.get(count, 0) else count, int(them.group(1) or them.group(2)), them.group(0))
    said_tokens = next((v for k, v in args.items() if k.endswith("tokens") and not k.startswith("sentence") and isinstance(v, int)), None)
    if said_tokens is not None:  # "8 tokens" bounds every token count (rollouts, sentences, candidates)
        for name, spec in props.items():
            if name.endswith("_tokens") and name not in args and "integer" in types_of(spec):
                args[name] = min(said_tokens, spec.get("maximum", said_tokens))
    if "pairs" in props:  # ['positive:', 'negative:'] and ['...', '...']
        pairs = next((found for pattern in PAIRS if (found := pattern.findall(text))), [])
        if pairs:
            args["pairs"] = [[a, b] for _, a, _, b in pairs]
    if "exact" in (props.get("equivalence") or {}).get("enum", ()) and "equivalence" not in args and re.search(
            r"\b(?:plain|exact|literal|normali[sz]ed) strings?\b|\bstring (?:match|compar\w*)\b", text, re.I):
        args["equivalence"] = "exact"  # "compare answers as plain strings"
    if {"positive_name", "negative_name"} <= set(props):
        args |= side_names(text)
    if "system" in props:
        system = re.search(r"\bsys(?:tem)?(?: prompt)?\s*(?:is|=|:|should be:?|will be:?)\s*(.+?)(?=\s+(?:user|prompt|question)\s*:|$)", text, re.I | re.S) or re.search(
            r"\bsys(?:tem)? prompt\b[^:'\"]{0,50}:\s*([\"'].+?[\"'])\s*$", text, re.I | re.S) or re.search(  # "... instead of ...: '...'"
            r"\b(?:use|with)\s+(?:the\s+|this\s+|a\s+)?sys(?:tem)? prompt\s+([\"'][^\"']+[\"'])", text, re.I)  # "use the system prompt '...'"
        if system:
            args["system"] = quoted(system.group(1).strip()) or system.group(1).strip()
            said.append(system.group(0))
    return args, said


ASKS = re.compile(r"\b(?:please|pls|can you|could you|would you|i want|i'?d like|i would like|let'?s|let us|go ahead|too|also|as well|plus)\b|"
                  r"^\W*(?:run|build|measure|train|evaluate|compare|sweep|steer|use|make|try|do|probe|score|check)\b", re.I)


def _sentences(text: str) -> list[tuple[int, int]]:
    starts = [0] + [m.end() for m in re.finditer(r"[.!?;]\s+(?=[A-Z])", text)]
    return list(zip(starts, starts[1:] + [len(text)]))


def _in_asked(found: list, text: str) -> list:
    """Of the values said in several sentences, those of the sentences that ask for something, where others only tell
    ("The code-only dictionaries reconstruct held-out code nicely. ... so please measure the prose and the story documents")."""
    if len({v for _, v in found}) < 2:
        return found
    kept = [(m, v) for m, v in found if any(a <= m.start() < b and ASKS.search(text[a:b]) for a, b in _sentences(text))]
    return kept if kept and len(kept) < len(found) else found


COMMON = {  # the settings a user states once and means for what follows ("for all the steering runs use the system prompt '...'")
    "rollouts": {"type": "integer"}, "samples": {"type": "integer"}, "seed": {"type": "integer"}, "max_new_tokens": {"type": "integer"},
    "answer": {"type": "string"}, "extractor": {"type": "string", "description": "boxed, last_number, choice, regex:<pattern>, or judge"},
    "model": {"type": "string"}, "layers": {"type": "array", "items": {"type": "integer"}}, "scale": {"type": "number"},
    "temperature": {"type": "number"}, "top_p": {"type": "number"}, "batch_size": {"type": "integer"}, "system": {"type": "string"}, "export_dir": {"type": "string"}}


def read_settings(text: str) -> dict:
    """The common settings said in one message, for the dialogue state."""
    return read(COMMON, text)[0]


def coerce(text: str, spec: dict) -> Any:
    kinds = types_of(spec)
    number = re.search(NUMBER, text)
    if "integer" in kinds and number:
        return int(float(number.group(0)))
    if "number" in kinds and number:
        return float(number.group(0))
    if "array" in kinds and item_types(spec) & {"integer", "number"}:
        return [int(float(n)) if "integer" in item_types(spec) else float(n) for n in re.findall(NUMBER, text)]
    return text.strip().strip("\"'")
