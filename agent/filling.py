"""A tool's arguments from a request: its words, the runs it refers to, and what carries over
from the run being discussed (after steering, "compare against a random control" keeps the
layer, scale, prompt and vector; "answer 24" said earlier is kept for the chain).
"""

from __future__ import annotations

import re

from agent import arguments, beforehand, bounds, by_effect, copied, exclusions, free_text, model_names, numerals, picked, relative, superlative
from agent.descriptions import describe_match, described_all
from agent.dialogue_state import DialogueState, RunSeen
from agent.phrases import asked_part
from agent.run_kinds import KIND_WORDS, REFERENCES, RUN_ID
from agent.stored_runs import from_store
from agent.wording import QUESTION_SAID, named_then_given

CARRY = ("model", "layers", "prompt", "system", "vector_run", "scale", "metric", "answer", "extractor", "scenario",
         "dataset", "decision", "where")
STICKY = ("answer", "extractor", "model")  # said once, meant for what follows
# `layers` means a different thing per family (where a vector is read or added, what a LoRA adapts, which
# dictionaries are built): it carries only within one.
LAYER_KIN = ({"build_steering_vector", "steer_generate", "steering_sweep"}, {"train_lora", "caft_finetune"})


ORDINALS = {w: i for i, w in enumerate(numerals.ORDINALS)} | {"opening": 0}


# "the sentence that mattered most", "the one that shapes the later tokens most": the newest ranking's top sentence
MOST = re.compile(r"\b(?:the (?:sentence|step|one) (?:that|which)|whichever (?:sentence|step|one)(?: that)?) (?:[\w-]+ ){0,6}?(?:the )?(?:most|hardest|strongest)\b", re.I)


def _fits_another(explicit: list[str], name: str, props: dict) -> bool:
    """Whether a run id said outright is of a kind another run setting of the tool takes (then it is not this one's)."""
    return any(r.split("-")[2] in spec.get("runs_of", ()) for other, spec in props.items() if other != name and other.endswith("_run")
               for r in explicit)


def fill(tool: dict, text: str, state: DialogueState) -> dict:
    """Arguments said in the message, then references to runs, then what carries over."""
    props = tool["schema"].get("properties", {})
    args, said = arguments.read(props, text)
    if (asked := asked_part(text)) != text:  # "so the risky one has something to compare against. Train a LoRA on the clean dataset"
        args |= {k: v for k, v in arguments.read(props, asked)[0].items() if k in args and (isinstance(v, str) or isinstance(v, list) and all(isinstance(x, str) for x in v))}
    by_effect.it_to(text, props, args, args)  # "C of 0.1 is zeroing out all but one adapter, loosen it to 1"
    plain = dict(args)  # said outright, by name
    explicit = RUN_ID.findall(text)
    pointed = re.search(r"\b(?:that|this|the|those|these|its?|last|same)\s+(?!following\b)(?:\w+\s+)?(?:chain|cot|reasoning|trace|one)\b", text, re.I)
    for name, spec in sorted(props.items(), key=lambda item: item[0].endswith("_runs")):  # the run, then the extra runs
        if not (name.endswith("_run") or name.endswith("_runs")) or name in args:
            continue
        if name == "other_run":
            compare_pair(args, text, state, spec, explicit)
            continue
        fitting = [r for r in explicit if not spec.get("runs_of") or r.split("-")[2] in spec["runs_of"]]
        if explicit and name.endswith("_run") and name != "base_run" and (fitting or not _fits_another(explicit, name, props)):
            args[name] = (fitting or explicit)[0]  # "project 2027...-misalignment_direction-a183 out of 2027...-train_lora-a182": each its own
            said.append(args[name])
            continue
        if name == "more_cot_runs":
            others = extra_chains(text, state, args.get("cot_run"))
            if others is None and re.search(r"\b(?:other|reliability|split-half|stable|stability|all (?:the |three |my )?chains)\b", text, re.I):
                others = [r.run_id for r in state.runs if r.tool == "generate_cot" and r.run_id != args.get("cot_run")]
            if others:
                args[name] = others
            continue
        if name.endswith("_runs") or (name == "base_run" and not CONTINUED.search(text)):
            continue  # optional extras are guessed only when asked for
        pasted = max(map(len, arguments.quoted_all(text)), default=0) >= 60 or bool(re.search(r"<think>|\\boxed|\bchain\s*:", text)) or bool(
            (after := arguments.payload(text, "cot")) and len(after) >= 40 and free_text.reasoning(after)) \
            or named_then_given(text)  # "... the following reasoning:\n\n<it>", "this reasoning, ...: '<it>'"
        here = pasted and re.search(r"\b(?:this|these)\b[^:\n]{0,80}:\s*\S", text, re.I) \
            and not re.search(r"\bdonor\b[^\n]{0,80}:\s*\S", text, re.I)  # "on this one instead:\n<think>...": the text pasted (a donor's is not the chain)
        if name == "cot_run" and "scenario" in args and pointed and state.last("generate_cot") is not None \
                and not re.search(re.escape(args["scenario"]), text, re.I):
            args.pop("scenario")  # "monitor that chain for ... the shutdown mechanism": the chain pointed at, not a scenario's word
        if name == "cot_run" and ("scenario" in args or pasted and "cot" in props and (not pointed or here)):
            continue  # pasted text or a scenario is its own chain
        found = None
        if name == "direction_run" and re.search(r"\bvector\b", text, re.I):  # "project out the eval-awareness vector": the tool
            found = state.reference("vector_run", ["build_steering_vector"], text)  # takes a steering vector as its direction too
        if found is None:
            extra = (EXTRA.search(text) or SEEDS.search(text)) if name == "cot_run" and "more_cot_runs" in props else None  # the chain, not the extras
            found = state.reference(name, spec.get("runs_of"), text[:extra.start()] + text[extra.end():] if extra else text) \
                or from_store(name, spec, text)
        if name == "direction_run" and found is None:  # no misalignment direction in sight: a steering vector is one
            found = state.reference("vector_run", ["build_steering_vector"], text)
        if found:
            args[name] = found
    free = free_text.read_free(props, text, said, tuple(tool["schema"].get("required", [])))
    if args.get("cot_run") and (pointed or "question" not in tool["schema"].get("required", [])):
        # quoted text here names a sentence of that chain, not a new question
        free.pop("question", None)
        free.pop("cot", None)
    args |= {k: v for k, v in free.items() if k not in args}
    picked.pick(args, props, text, state)  # "after the least resilient sentence", "the layers of the top three receiver heads"
    most = MOST.search(text)  # "the sentence that mattered most": one sentence, or a list of it
    if "sentences" in props and not args.get("sentences") and most and (top := _top_sentence(state)) is not None:
        args["sentences"] = [top]  # "resample away the sentence that mattered most"
    if "sentence" in props and "sentence" not in args and (most or re.search(
            r"\b(?:top(?:-[\w]+| counterfactual| kl| importance)?|most [\w-]+|biggest|highest|strongest|that) (?:sentence|one|anchor)\b|"
            r"\bthe one with the (?:negative|highest|biggest|top|largest)\b|\b(?:said|say|written|put) there\b", text, re.I)):
        top = _top_sentence(state, negative=bool(re.search(r"\bnegative\b", text, re.I)))
        named = re.search(r"\b[Ss]entence (\d+)\b", state.replies[-1]) if state.replies and re.search(
            r"\bthat (?:one|sentence)\b|\b(?:said|say|written|put) there\b", text, re.I) else None  # "what else could it have said there?"
        if named:  # "what else could it have said at that one?" after a reply naming sentence 4
            args["sentence"] = int(named.group(1))
        elif top is not None:
            args["sentence"] = top
    if "sentence" in props and "sentence" not in args and args.get("cot_run") and arguments.quoted(text):
        named = _sentence_quoted(state, args["cot_run"], arguments.quoted(text))
        if named is not None:  # "instead of the 'Wait, 91 = 7 x 13' sentence": that sentence's index
            args["sentence"] = named
    nth = re.search(rf"\b(?:the )?({'|'.join(ORDINALS)}) sentence\b", text, re.I)
    counted = re.search(r"\b(?:the )?(\d+)(?:st|nd|rd|th) sentence\b", text, re.I)
    if "sentence" in props and "sentence" not in args and (nth or counted):  # "in place of the second sentence", "the 3rd sentence": from 0
        args["sentence"] = ORDINALS[nth.group(1).lower()] if nth else int(counted.group(1)) - 1
    if "scale" in props and "scale" not in args:  # "steer 'X' at 1.5": a fraction or a sign is a strength, not a layer
        at = re.search(r"(?:\bat|@|,)\s*(-?\d+\.\d+|-\d+)(?![\w.%])(?!\s*(?:layers?|tokens?|steps?)\b)",
                       arguments.normal(arguments.own_words(text)))  # "now steer with that, negative three, on '...'"
        if at:
            args["scale"] = float(at.group(1))
    if "temperature" in props and "scale" not in props and "temperature" not in args:  # "give me a cot at 0.3 for: ..."
        at = re.search(r"\b(?:cot|chain|chains|samples?|one|it)\s+at\s+(0?\.\d+|1\.\d+)(?![\w.%])(?!\s*(?:tokens?|layers?|steps?|top|p)\b)", arguments.own_words(text), re.I)
        if at:
            args["temperature"] = float(at.group(1))
    if {"scale", "layers"} <= set(props) and re.search(r"\b(?:best|winning|strongest|top) (?:cell|setting|combination|config)\b|"
                                                       r"\b(?:where|at which) it peaked\b|\bat the peak\b|\bthe (?:one |only )?cell (?:that|which) (?:worked|stood out|beat the controls)\b",
                                                       text, re.I):  # "samples at the cell that worked"
        best = picked.best_cell(state)  # "show me samples at the best cell": the sweep's strongest layers and scale
        if best:
            args.setdefault("layers", best[0])
            args.setdefault("scale", best[1])
    superlative.pick(text, props, args, state)  # "the question with the highest em rate", "the layers of the top two heads"
    where_to_ablate(args, props, text)
    mse = args.get("threshold_mse")
    if "tau" in props and "tau" not in args and mse is not None and min(mse if isinstance(mse, list) else [mse]) >= 0.01 and not re.search(r"\bmse\b", text, re.I):
        args["tau"] = args.pop("threshold_mse")  # "0.3 threshold": an MSE threshold is about 1e-4, so this is tau
    source = state.get(args.get("direction_run") or "")
    if "layers" in props and "layers" not in args and source and isinstance(source.args.get("layer"), int) and re.search(
            r"\b(?:at|in|on)\s+(?:only\s+)?(?:its|the direction's|that direction's)\s+(?:own\s+)?layer\b(?!\s*\d)", text, re.I):
        args["layers"] = [source.args["layer"]]  # "ablate the one that steered hardest, just at its own layer"
    last = state.last(tool["name"])
    relative.apply(text, props, args, dict(args), None, last and last.args)  # "half the default rollouts", "scale 1.5x what we used"
    bounds.apply(text, props, args, dict(args))  # "as many rollouts as the tool allows"
    relative.counted(text, props, args, dict(args), None, state.runs)  # "one fewer control than the direction run"
    if "model" in props and "model" not in args and tool["name"] != "build_organism":
        model = model_names.meant(text, state, args)  # "on the anchor organism", "same sweep on the qwen", "on the model it was built on"
        if model:
            args["model"] = model
    args |= {k: v for k, v in beforehand.settings(tool, state).items()  # "recipe: rank 1, 80 steps" -> "Noted." -> "train one with that"
             if k not in args and not (k in ("question", "cot") and {"cot_run", "scenario"} & set(args))}
    carry(args, props, state, text, tool["name"])
    copied.apply(text, props, args, plain, state.runs, tool["name"])  # "use the ablation's layers for a CAFT run", "at the temperature the resilience run used"
    copied.kept(text, tool["name"], props, args, plain, state.runs)  # "continue that dict on organism:misaligned, same layer n corpus"
    if args.get("scenario") and "question" in free and args.get("question") == free["question"] \
            and "question" not in arguments.labelled(text) and not QUESTION_SAID.search(text):
        args.pop("question")  # a scenario brings its own question: "same scenario: insert '...'" is no question
    for name in [n for n in args if n in props]:  # "how well do those hold up on dialogue?": a corpus is said only for mode distribution
        only = re.match(r"For (\w+) (\w+):", props[name].get("description", ""))
        if only and only.group(1) in props and only.group(2) in props[only.group(1)].get("enum", ()) and not {"other_run", only.group(1)} & set(args):
            args[only.group(1)] = only.group(2)
    exclusions.exclude(text, props, args, state)  # "layers 6 to 18 but not 12", "every question except gender_roles"
    given = {REFERENCES.get(n, (None,))[0] for n in args} | {n.removesuffix("_file") for n in args} | set(args)
    given |= {"direction"} if "vector_file" in args else set()  # "project the direction in dirs/x.safetensors out": the file holds it
    for name in props:  # "ablate the direction" with no direction in sight: ask, never guess
        kind = REFERENCES.get(name, (None,))[0]
        stem = name.removesuffix("_run")
        if name.endswith("_run") and name not in args and kind and kind not in given and stem not in given \
                and f"{stem}_file" not in given and not (kind == "fine-tune" and {"adapter", "model"} & set(args)) \
                and not (kind == "chain" and {"donor_cot", "scenario"} & set(args)) and (name != "base_run" or CONTINUED.search(text)) \
                and re.search(rf"\b(?:the|that|this|my)\s+(?:{KIND_WORDS.get(kind, kind)})\b(?![\s-]+(?:side|part|work|stuff|angle|approach|method|paper|project)\b)",
                              text, re.I):
            args.setdefault("__missing__", name)
    return args


# a base dictionary is guessed only when it is built on: "continue", "carry those dictionaries over to organism:misaligned"
BUILT_ON = re.compile(r"\b(?:continue|extend|on top of|(?:carry|port|take|bring)\s+(?:\w+\s+){0,2}?over\b)", re.I)
CONTINUED = re.compile(rf"{BUILT_ON.pattern}|\bdiff\b", re.I)


def where_to_ablate(args: dict, props: dict, text: str) -> None:
    """Layers said for an ablation are where it ablates: "project it out only at L15" (not which layer's slice of the
    direction, said as "its layer 15"), "ablate PCs 0-2 at layers 15 and 20" (caft's ablate_layers)."""
    if {"layer", "layers"} <= set(props) and "layer" in args and "layers" not in args and re.search(
            r"\b(?:at|in)\s+(?:only\s+)?layer\s+\d+\b(?!\s*(?:slice|'s))", arguments.normal(text), re.I):
        args["layers"] = [args.pop("layer")]
    if "ablate_layers" in props and "layers" in args and "ablate_layers" not in args and re.search(r"\b(?:ablat|project)\w*", text, re.I):
        args["ablate_layers"] = args.pop("layers")
    if "ablate_layers" in props:  # "rank-1 adapter at layer 15, project out PCs 0, 2 and 3 at layers 12 and 15": each clause its own
        listed = r"layers?\s+(\d+(?:\s*(?:,|and|&|\+)\s*\d+(?![\d.])(?!\s+(?:steps?|samples?|rollouts?|tokens?|epochs?|seeds?|docs?|controls?|chains?)\b))*)"  # not "..., 80 steps"
        for name, clause in (("ablate_layers", rf"\b(?:ablat\w*|project\w*(?:\s+[\w,]+){{0,6}}?\s+out)\b[^.;]*?\b(?:at|in|on)\s+{listed}"),
                             ("layers", rf"\b(?:adapters?|loras?|adapt\w*)\s+(?:at|on|in)\s+(?:only\s+)?{listed}")):
            found = re.search(clause, text, re.I)
            if found and "layers" in args and "ablate_layers" in args:
                args[name] = [int(n) for n in re.findall(r"\d+", found.group(1))]


SEEDS = re.compile(r"\bseeds\s+(\d+(?:\s*(?:,|and|&|\+)\s*\d+)+)\b|"  # "with the seed 1 and 2 chains thrown in"
                   r"\bseed[\s-]+(\d+(?:\s*(?:,|and|&|\+)\s*(?:seed[\s-]+)?\d+)+)\s+(?:chains|ones|cots|runs)\b", re.I)  # "the seed 1 and seed-2 ones"


def seeded_chains(text: str, state: DialogueState, besides: str | None) -> list[str] | None:
    """'use seeds 2 and 3 for the split-half check': the chains sampled with those seeds (None: no seeds said)."""
    seeds = SEEDS.search(text)
    if seeds is None:
        return None
    chosen = {int(n) for n in re.findall(r"\d+", seeds.group(1) or seeds.group(2))}
    return [r.run_id for r in state.runs if r.tool == "generate_cot" and r.run_id != besides and r.seed() in chosen]


# "throw in the seed 2 one for split-half reliability", "use the other two as a stability check": extra chains
EXTRA = re.compile(r"(?:\b(?:throw(?:ing)? in|add(?:ing)?|includ(?:e|ing)|plus|also use|use|using|with|and|fold(?:ing)?|bring(?:ing)?|along with|alongside)|"
                   r"\bw/)\s*((?:the\s+)?[^,.;]{1,40}?(?:,\s+the one [^,.;]{1,30}?)?)(?:\s+in)?,?\s+"  # "fold the seed 1 chain in for ..."
                   r"(?:for|as|gives?|would give|to (?:give|get)|so (?:that )?(?:we|i|you) (?:get|have|can get|can see)(?: a| an| the)?|so\b[^.;]{0,30}?\b(?:if|whether|how))\s+"
                   r"(?:the\s+|a\s+)?(?:(?:head\s+)?ranking\s+(?:is|holds|stays)\s+)?"  # "so I can see if the head ranking is reliable"
                   r"(?:split-?half|reliab\w*|stab\w*|head-ranking|ranking|extra chains|extras|additional chains)\b", re.I)


def extra_chains(text: str, state: DialogueState, primary: str | None) -> list[str] | None:
    """The chains besides `primary` the request adds (by seed, by description, or "the other two"), None when it names none."""
    seeded = seeded_chains(text, state, primary)
    said = EXTRA.search(text)
    if seeded or said is None:
        return seeded
    chains = list({r.run_id: r for r in state.runs if r.tool == "generate_cot" and r.run_id != primary}.values())
    if not chains or re.search(r"\b(?:other|rest|remaining|all|both)\b", said.group(1), re.I):
        kind = re.sub(r"\b(?:the|other|rest|of|remaining|all|both|two|three|four|chains?|ones?|cots?)\b", " ", said.group(1), flags=re.I)
        return [r.run_id for r in (described_all(kind, chains, state.runs) if kind.strip() else []) or chains] or None  # "the other apples chains"
    hit = describe_match(said.group(1), chains, state.runs)
    return [hit.run_id] if hit else None


def _sentence_quoted(state: DialogueState, cot_run: str, quote: str) -> int | None:
    """The index of the one sentence of a chain in sight that holds the quoted words (from a split's sentences or summary)."""
    def norm(t: str) -> str:
        return " ".join(re.findall(r"\w+", t.lower()))
    for run in state.chain_runs(cot_run):
        listed = run.result.get("sentences") or [(int(i or j), t or u) for i, t, j, u in re.findall(  # "[4] '...'", "sentence 4 is '...'"
            r"\[(\d+)\]\s*'([^']+)'|\bsentence (\d+)(?: is|:)?\s*\(?'([^']+)'", run.summary or "", re.I)]
        pairs = [(s.get("index", i), s.get("text", "")) if isinstance(s, dict) else (i, s) for i, s in enumerate(listed)] \
            if listed and not isinstance(listed[0], tuple) else listed
        hits = [i for i, sentence in pairs if norm(quote) and norm(quote) in norm(sentence)]
        if len(hits) == 1:
            return hits[0]
    return None


def carry(args: dict, props: dict, state: DialogueState, text: str, tool: str = "") -> None:
    """Arguments of the run being discussed that this tool shares, and settings said earlier."""
    said_layers = "layers" in args  # said now: as said, never regrouped
    subject = _carry_source(state, args, tool)
    if subject is not None:
        for name in CARRY:
            value = subject.args.get(name)
            if value in (None, "", []) or name == "layers" and not _same_layers(subject.tool, tool):
                continue
            if name in props and name not in args and not _conflicts(name, args):
                args[name] = value
            plural = name + "s"
            if plural in props and plural not in args and name not in props:
                if name == "scale":
                    args[plural] = [value]
                elif name == "prompt":
                    args[plural] = [value]
        if "layers" in args and "layers" in props and subject.tool != "steering_sweep" and _nested(props["layers"]):
            layers = args["layers"]
            if isinstance(layers, list) and len(layers) > 1 and all(isinstance(v, int) for v in layers) \
                    and layers == subject.args.get("layers") and not said_layers:
                args["layers"] = [layers]  # steered together before: one cell row
    for said in re.finditer(r"\bsame (?:(?:two|three|four|\d+) )?([a-z_]+?)s?\b", text, re.I):  # "continue those dicts on organism:X, same (two) layers"
        name = next((n for n in props if n.rstrip("s") == said.group(1).lower() and n not in args), None)
        sources = [state.get(v) for v in args.values() if isinstance(v, str)] + [subject] + list(reversed(state.runs))
        value = next((r.args[name] for r in sources if name and r is not None and r.args.get(name) not in (None, "", [])), None)
        if value is not None:
            args[name] = value
    newest = state.runs[-1] if state.runs else None
    if newest is not None and newest.tool == tool and not re.search(r"\b(?:new|fresh|another|defaults?)\b", text, re.I):
        for name, value in newest.args.items():  # "how stable is that head ranking? add the seed 1 and 2 chains": still its top 10
            if name in props and name not in args and name != "seed" and isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and not _conflicts(name, args):
                args[name] = value
    for name in STICKY:
        if name in props and name not in args and name in state.stated:
            args[name] = state.stated[name]
    for name, (value, meant) in state.standing.items():  # "temperature 0.8 from now on"
        if name in props and name not in args and (meant is None or tool in meant):
            args[name] = value




def compare_pair(args: dict, text: str, state: DialogueState, spec: dict, explicit: list[str], keep: str | None = None) -> None:
    """Set the two dictionaries a comparison names (`two_of`); the corpora that named them are not a corpus to measure on."""
    pair = two_of(text, state, spec, explicit, keep)
    if pair:
        args["dictionary_run"], args["other_run"] = pair
        _named_by_corpus(args, state)


def _named_by_corpus(args: dict, state: DialogueState) -> None:
    """'the prose dictionaries against the code ones': the corpora name the two runs, not a corpus to measure on
    (that only in mode distribution)."""
    corpora = {c for r in state.runs if r.run_id in (args.get("dictionary_run"), args.get("other_run"))
               for c in r.args.get("corpus") or []}
    if args.get("mode") != "distribution" and args.get("corpus") and set(args["corpus"]) <= corpora:
        args.pop("corpus")


def two_of(text: str, state: DialogueState, spec: dict, explicit: list[str], keep: str | None = None) -> tuple[str, str] | None:
    """'match X against Y', 'compare the two dictionaries': (first, second) by run id or order of mention. As a change
    of a comparison that had `keep` as A, only runs the words name: "now the prose dictionaries against the code ones",
    or "now against the code ones" (A kept)."""
    if len(explicit) >= 2:
        return explicit[0], explicit[1]
    compared = re.search(r"\b(?:against|versus|vs\.?|two|both|with the other|between|with the base|compare (?:that|it|this|them) with|"
                         r"for each layer of|which layers? of|lines? up (?:one for one )?with|match(?:es)? (?:up )?with)\b", text, re.I)  # "for each layer of the base dict, which layer of the organism's"
    asked = asked_part(text)
    ordered = next((part for part in re.split(r"(?<=[.?!])\s+", text) if re.search(r"\b(?:against|versus|vs)\b", part, re.I)), text)
    text = ordered if ordered is not text else asked if re.search(r"\bwith\b", asked, re.I) else text  # "X against Y" orders them, not the motivation
    tools = spec.get("runs_of") or ["itda_build"]
    runs = [r for r in state.runs if r.tool in tools]
    if len(runs) < 2:
        return None
    lowered = text.lower()

    def mentioned(run: RunSeen) -> int:
        values = [str(v).lower().removeprefix("builtin:") for a in run.args.values() for v in (a if isinstance(a, list) else [a]) if isinstance(v, str)]
        places = [m.start() for m in re.finditer(r"[\w.-]{4,}", lowered)
                  if any(v.startswith(m.group(0)) or m.group(0).startswith(v) for v in values if len(v) >= 4)]
        base = not any(str(run.args.get(k, "")).startswith(("organism:", "/", "~", ".")) for k in ("model", "adapter")) \
            and "train_run" not in run.args
        places += [m.start() for m in re.finditer(r"\bbase\b", lowered)] if base else []  # "the base dict (as A) against the organism one"
        places += [m.start() for size in run.sizes() for m in re.finditer(rf"(?<![\w.]){re.escape(size)}\b", lowered)]  # "the 360m dictionaries"
        places += [m.start() for m in re.finditer(rf"\b({'|'.join(ORDINALS)}|last|latest|newest)\s+(?:dict|one)", lowered)  # "the first dict against ..."
                   if ORDINALS.get(m.group(1), -1) < len(runs) and runs[ORDINALS.get(m.group(1), -1)] is run]
        return min(places) if places else 10**6

    named = sorted((r for r in runs if mentioned(r) < 10**6), key=lambda r: (mentioned(r), state.runs.index(r)))
    if not compared and not (len(named) >= 2 and mentioned(named[0]) != mentioned(named[1])):
        return None  # two runs named apart need no "against": "for each smollm layer, its best match among the tiny-random dictionaries"
    if (len(runs) > 2 or keep or not compared) and len(named) >= 2 and mentioned(named[0]) != mentioned(named[1]):
        return named[0].run_id, named[1].run_id  # "the prose dictionaries against the code ones" of three: those two
    if keep:
        against = re.search(r"\b(?:against|versus|vs\.?|with)\b", lowered)
        other = named[0] if len(named) == 1 and against and mentioned(named[0]) > against.start() else None
        return (keep, other.run_id) if other and other.run_id != keep else None
    if re.search(r"\b(?:that|this|it|these|those)\s+(?:\w+\s+)?(?:with|against|to)\b", text, re.I):
        return runs[-1].run_id, runs[-2].run_id  # "compare that with the base model": the one discussed first
    first, second = sorted(runs[-2:], key=lambda r: (mentioned(r), state.runs.index(r)))
    return first.run_id, second.run_id


def _top_sentence(state: DialogueState, negative: bool = False) -> int | None:
    """The most important (or the negative) sentence of the newest run that ranked sentences (its table, else its summary)."""
    for run in reversed(state.runs):
        rows = [r for r in run.result.get("rows") or [] if isinstance(r, dict) and r.get("index") is not None]
        scored = [r for r in rows if isinstance(r.get("counterfactual_accuracy"), (int, float))]
        if scored and negative:
            scored = [r for r in scored if r["counterfactual_accuracy"] < 0] or scored
        if scored:
            return max(scored, key=lambda r: abs(r["counterfactual_accuracy"]))["index"]
        found = re.search(r"\b(?:[Ss]|[Ss]entence )(\d+)\b[^S\n]{0,12}?-\d" if negative else r"\b(?:[Ss]|[Ss]entence )(\d+)\b", run.summary)
        found = found or re.search(r"\b(?:[Ss]|[Ss]entence )(\d+)\b", run.summary)
        if found and run.tool in ("resample_importance", "receiver_heads", "attention_suppression", "sentence_resilience"):
            return int(found.group(1))
    return None


def _carry_source(state: DialogueState, args: dict, tool: str = "") -> RunSeen | None:
    """The run worth carrying arguments from: the fine-tune a fine-tune is made from ("CAFT on the rank-4 run": its
    dataset, not the newest run's), else the last run, unless it was a lookup."""
    if tool in LAYER_KIN[1]:
        made_from = next((r for v in args.values() if isinstance(v, str) and (r := state.get(v)) is not None and r.tool in LAYER_KIN[1]), None)
        if made_from is not None:
            return made_from
    return next((r for r in reversed(state.runs) if r.tool not in ("recall", "split_sentences")), None)


def _same_layers(source: str, tool: str) -> bool:
    """Whether `layers` of a `source` run mean the same as `tool`'s: the same tool, or one family."""
    return not tool or source == tool or any(source in kin and tool in kin for kin in LAYER_KIN)


EXPLAINED = frozenset({"text", "atom", "added"})  # what itda_explain explains: one at a time


def _conflicts(name: str, args: dict) -> bool:
    """A carried argument that would contradict what was given: a scenario's own prompt, a file's own vector."""
    return (name == "prompt" and "scenario" in args or name == "vector_run" and "vector_file" in args
            or name == "scenario" and bool({"cot", "cot_run", "question"} & set(args))
            or name in EXPLAINED and bool(EXPLAINED - {name} & set(args)))  # a new text to explain, not the last atom too


def _nested(spec: dict) -> bool:
    return "array" in arguments.item_types(spec) or any(
        s.get("type") == "array" and "anyOf" in s.get("items", {}) for s in spec.get("anyOf", []) + [spec])
