"""The same experiment on another target: "can you do the same on hint-planet?", "same but on the risky one",
"now on the CAFT model", "again on the caft one", "do the same diff for the hint-following organism".

The run repeated is the newest one (or the newest of the tool the word after "same" names: "the same eval on
..."); the target is what the request ends with, read against that run's tool: an organism of the zoo (its
model), a run of a kind one of its `*_run` settings takes, described ("the risky one", "the CAFT model"), or a
value of one of its text settings (a scenario, a dataset). Everything else the run had stays. A target that
none of these reads is left to the other readings of a change.
"""

from __future__ import annotations

import re

from agent import arguments, model_names, run_times
from agent.descriptions import COMPARED_TO, describe_match, describe_scores, spelled_ordinals
from agent.dialogue_state import DialogueState, RunSeen
from agent.filling import compare_pair
from agent.referents import left_said
from agent.routing import tool_words
from agent.run_kinds import KIND_WORDS, REFERENCES, RUN_ID, TOOL_WORDS
from agent.show import BASE_MODEL

SAME_ON = re.compile(
    r"(?:^|[.!?;]\s+)\W*(?:(?:ok(?:ay)?|now|and|then|so|cool|nice|great|right|alright|pls|please|(?:can|could|would) you)\W+)*"
    r"(?:(?:do|run|try|repeat)\s+)?(?:the\s+)?(?:same\s+(?:thing\s+|again\s+|([\w-]+)\s+)?(?:but\s+)?(?:now\s+)?|now\s+|(?:do it |run it )?again\s+(?:but\s+)?|(?<=try )(?:it|that|this)\s+(?:again\s+)?|(?:do|run|repeat)\s+(?:that|this|it)\s+(?:again\s+)?|(?<=\band ))"
    r"(?:on|for|with)\s+(?P<target>[^.?!;,:'\"]+?)(?:,\s*(?:the|that|i\.e\.?)\s[^.?!;,]+)?\s*[?.!]*\s*$", re.I)  # "try it on the one before, the 1e-2 fine-tune"
# "now do to the organism what we did to the base with the ablation", "do to the anchor organism what we did to the
# misaligned one - the dictionary diff": the run named last (else the newest that used something) on the new target
DID_TO = re.compile(r"\b(?:do|run|try|repeat)\s+(?:the same\s+)?(?:to|on|for|with)\s+(?P<target>[^.?!;]+?)\s+what\s+(?:we|you|i)\s+did\s+"
                    r"(?:to|on|for|with)\s+(?P<source>[^.?!;,—–-]+?)(?:\s*(?:[,—–-]|\bwith\b)\s*(?P<what>[^.?!;]+?))?\s*[?.!]*\s*$", re.I)
# the last run was on the wrong target: "you evaluated the clean control. I wanted the risky fine-tune", "wrong run -- probe
# the three-adapter fine-tune, keep C at 0.5", "wrong vector, that's the eval-awareness one -- use the honesty vector"
WANTED = re.compile(r"(?:\bi\s+(?:wanted|meant|asked for)\s+|\bwrong\s+(?:run|one|vector|vec|chain|cot|fine-?tune|model|adapter|dictionary|dict|lora)\b"
                    r"[^.?!]*?(?:[.!;—–]|\s-\s|,)\s*(?:(?:use|probe|evaluate|eval|steer with|run it on|do it on|redo it on|on)\s+)?)"
                    r"(?P<target>(?:the|my)\s+[^.?!;,:'\"]+?)(?:,\s*(?:[^.?!;]|\.\d)*)?\s*[?.!]*\s*$", re.I)
# "and the remaining fine-tune", "and the one we haven't swept yet, default grid": the newest run's experiment on the
# run of its kind those words name (the words end with the kind, "one" or "run", or say what is left)
_WORD = r"[\w-]+"
AND_THE = re.compile(rf"^\W*(?:(?:ok(?:ay)?|now|so)\W+)*(?:and|now)\s+(?P<target>{left_said(_WORD)})\s*(?:,\s*[^.?!;]*)?[?.!]*\s*$", re.I)
MAKERS = ("generate_cot", "build_organism", "build_steering_vector")  # what they made is the subject, not what was done to it
RUN_NAMED = re.compile(r"^(?:the|that|this|my|our)\s+(?:[\w.+'-]+\s+){0,4}?(?:one|run|model|"
                       rf"{'|'.join(KIND_WORDS.values())})s?$", re.I)


def same_on(text: str, state: DialogueState, tools: dict[str, dict]) -> tuple[str, dict] | None:
    """(tool, arguments) of the run repeated on the target the request ends with, or None."""
    found = SAME_ON.search(text) or DID_TO.search(text) or WANTED.search(text) or AND_THE.search(text)
    if found is None or not state.runs:
        return None
    word = (found.group(1) or "").lower().rstrip("s") if found.re is SAME_ON else ""
    runs = [r for r in state.runs if r.tool in tools and r.tool != "recall"]
    if word:  # "the same eval on ...": that tool's newest run; a word that names no tool ("the same diff") is the newest
        runs = [r for r in runs if word in tool_words(r.tool)] or runs
    if found.re is DID_TO:  # "... with the ablation": the run those words name best, else the newest that used something
        said = {w[:5] for w in re.findall(r"[a-z]{5,}", (found.group("what") or "").lower())}  # "ablation" names ablate_direction
        best = max(((len(said & {t[:5] for t in tool_words(r.tool) if len(t) >= 5}), i, r) for i, r in enumerate(runs)), default=None, key=lambda s: s[:2])
        runs = [best[2]] if best and best[0] else [r for r in runs if r.tool not in MAKERS] or runs
    if not runs:
        return None
    base = runs[-1]
    props = tools[base.tool]["schema"].get("properties", {})
    target = found.group("target").strip()
    kind = re.search(rf"\b(?:{'|'.join(KIND_WORDS.values())})s?\s*$", target, re.I)  # "the organism's chain": a run, not a model
    changed = (kind and _run(target, state, base, props)) or _organism(target, state, props) or _run(target, state, base, props) or _value(target, props)
    if changed is None or all(base.args.get(k) == v for k, v in changed.items()):
        return None
    return base.tool, {k: v for k, v in base.args.items() if v is not None and k in props} | changed


def _organism(target: str, state: DialogueState, props: dict) -> dict | None:
    model = model_names.meant(f"on {target}", state) if "model" in props else None  # "the anchor organism", "the big one", "the qwen"
    return {"model": model} if model else None


def _run(target: str, state: DialogueState, base: RunSeen, props: dict) -> dict | None:
    """'the risky one', 'the CAFT model': the run of a kind one of the tool's `*_run` settings takes that the words describe."""
    for name in (n for n in props if n.endswith("_run") and n in REFERENCES and base.args.get(n)):  # "the remaining fine-tune"
        left = state.remaining(name, [r for r in state.runs if r.tool in (props[name].get("runs_of") or REFERENCES[name][1])], target,
                               kind_words(REFERENCES[name][0]))
        if left is not None:
            return {name: left.run_id}
    if re.match(r"^(?:the|that)\s+other\b", target, re.I):  # "now do that for the other chain": the one run of its kind it did not use
        for name in (n for n in props if n.endswith("_run") and n in REFERENCES and base.args.get(n)):
            others = {r.run_id for r in state.runs if r.tool in (props[name].get("runs_of") or REFERENCES[name][1]) and r.run_id != base.args[name]}
            if len(others) == 1:
                return {name: others.pop()}
    ordinal = spelled_ordinals(target)
    if ordinal != target and RUN_NAMED.match(ordinal):  # "try it on the one before": the run before the one it used, of its kind
        for name in (n for n in props if n.endswith("_run") and n in REFERENCES and base.args.get(n)):
            found = state.reference(name, props[name].get("runs_of"), ordinal)
            if found and found != base.args[name]:
                return {name: found}
    if not RUN_NAMED.match(target):
        return None
    best: tuple[float, int, str, str] | None = None  # (words described, order of the run, setting, run id)
    for name, spec in props.items():
        if not name.endswith("_run") or name not in REFERENCES:
            continue
        tools = spec.get("runs_of") or REFERENCES[name][1]
        candidates = [r for r in state.runs if r.tool in tools and r.run_id != base.run_id]
        named = {t for w, ts in TOOL_WORDS.items() if re.search(rf"\b{w}\b", target, re.I) for t in ts}
        described = describe_scores(target, candidates, state.runs) or [(0.0, i, r) for i, r in enumerate(candidates)]  # [] describes nothing
        for score, order, run in described:
            score += 1.0 if run.tool in named else 0.0  # "the CAFT model": the newest run of the tool named
            if score > 0 and (best is None or (score, order) > best[:2]):
                best = (score, order, name, run.run_id)
    return {best[2]: best[3]} if best else None


def _value(target: str, props: dict) -> dict | None:
    """'hint-planet', 'the clean dataset': a value of one of the tool's text settings, and nothing else."""
    said, phrases = arguments.read(props, target)
    if len(said) != 1 or not isinstance(next(iter(said.values())), str):
        return None
    rest = arguments.normal(target)
    for phrase in phrases:
        rest = rest.replace(phrase, " ")
    return said if not re.sub(r"\b(?:the|that|this|one|dataset|scenario|data|set|model|instead|too|as well)\b", " ", rest, flags=re.I).strip() else None


def references(text: str, state: DialogueState, base: RunSeen, props: dict, args: dict) -> None:
    """'do the same for the second chain': a reference the change names replaces the run's own."""
    text = spelled_ordinals(text)
    for name, spec in props.items():
        kind = REFERENCES.get(name, (None,))[0]
        if not kind or not name.endswith("_run"):
            continue
        tools_of = spec.get("runs_of") or REFERENCES[name][1]
        ids = [i for i in RUN_ID.findall(text) if i.split("-")[2] in tools_of and i != base.run_id]
        alone = sum(REFERENCES.get(n, (None,))[0] == kind for n in props if n.endswith("_run")) == 1  # (not one of two dictionaries compared)
        if alone and len(set(ids)) == 1:  # "now eval 2027...-c0a4 the same way": the run named by its id
            args[name] = ids[0]
            continue
        named = rf"\b(?:first|second|third|other|last|previous|earlier|new|that|this|the)\s+(?:[\w./'-]+\s+){{0,3}}(?:{kind_words(kind)})\b"
        rest = COMPARED_TO.sub(" ", text)  # without the run whose settings are copied ("same analysis as on the plain run")
        if re.search(named, rest, re.I):  # "does the caft adapter have ...?" still names a run: that one is worked on
            text = rest
        if name == "cot_run" and "more_cot_runs" in props:  # "with the seed 1 chain added for split-half reliability": the extras
            text = re.sub(r"\b(?:but\s+)?(?:use|using|with|add|adding|plus|throw in|and)\b[^.;,]*?\b(?:split-?half|reliability|stability)\b",
                          " ", text, flags=re.I)
        if not re.search(named, text, re.I) and run_times.said_for(text, kind_words(kind)) is None:  # "with yesterday's vector" names one
            described = re.search(r"\bthe\s+(?:[\w.-]+\s+){1,2}(?:one|run)\b", text, re.I) and describe_match(  # "the plain rank-1 run"
                text, [r for r in state.runs if r.tool in (spec.get("runs_of") or REFERENCES[name][1])], state.runs)
            if described and described.run_id != args.get(name):  # "do the same for the trains one"
                args[name] = described.run_id
            seen = list(dict.fromkeys(r.run_id for r in state.runs if r.tool in (spec.get("runs_of") or REFERENCES[name][1])))
            if re.search(r"\bthe other one\b", text, re.I) and base.args.get(name) in seen and len(seen) == 2 and not described:
                args[name] = next(r for r in seen if r != base.args[name])  # "now the other one" after evaluating one of two fine-tunes
            elif re.search(r"\bthe (?:new|newest|latest) one\b", text, re.I) and seen and not described:
                args[name] = seen[-1]  # "monitor the new one too, same settings"
            continue
        found = state.reference(name, spec.get("runs_of"), text)
        other = re.search(rf"\bother\s+(?:[\w-]+\s+)?(?:{kind_words(kind)}|one)s?\b", text, re.I)  # not "the other two seeds as extras"
        if other:  # "the other fine-tune": other than the one this run used
            tools_of = spec.get("runs_of") or REFERENCES[name][1]
            others = [r.run_id for r in state.runs if r.tool in tools_of and r.run_id != base.args.get(name)]
            found = others[-1] if others else found
        if other and len({r.run_id for r in state.runs if r.tool in (spec.get("runs_of") or
                                                       REFERENCES[name][1])}) < 2:
            raise LookupError(name)  # "now the other adapter" with only one in sight
        if found and found != base.run_id:
            args[name] = found
    if "other_run" in props:  # "now the prose dictionaries against the code ones" after comparing prose with dialogue: never a run with itself
        compare_pair(args, text, state, props["other_run"], RUN_ID.findall(text), keep=args.get("dictionary_run"))
    for name in [n for n in args if REFERENCES.get(n, (None,))[0] == "fine-tune"] if BASE_MODEL.search(text) else []:
        args.pop(name)  # "same eval on the untouched base model": no fine-tune


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)
