"""Reruns and changes: "again with more rollouts", "same thing but seed 3", "and on tiny-random?",
"ok now with layer 20", "too strong, try 0.5 instead", "do the same for the second chain".

The run changed is the newest one whose tool takes every setting said; it keeps all
its arguments (those it really ran with) and changes only what was asked.
"""

from __future__ import annotations

import re

from agent import after_failure, arguments, bounds, by_effect, copied, exclusions, intents, list_edits, model_names, picked, pasted_output, relative, retarget, run_times, superlative
from agent.descriptions import describe_match
from agent.dialogue_state import DialogueState, RunSeen
from agent.filling import BUILT_ON, extra_chains, where_to_ablate
from agent.organism_names import organism_named
from agent.routing import content_words, expand, tool_words
from agent.run_kinds import KIND_WORDS, RUN_ID, TOOLS_OF_KIND, kind_of
from agent.show import by_order

CHANGE = re.compile(
    r"[.!;]\s+(?:fall back to|revert to|switch to)\b|"  # "there's no key on this box. fall back to the offline reference judge"
    r"^\s*(?:(?:ok(?:ay)?|and|now|then|hm+|cool|nice|great|right|alright|(?:can|could|would) you(?: please)?|too (?:strong|weak|much|little|many|few|noisy|slow)|"
    r"(?:only )?\d+ \w+ (?:as|counted)[^.]*)[,.!]?\s+)*"
    r"(?:now\s+)?(?:with|on|for|at|using|try|what about|how about|do the same|same (?:for|with|on|but)|and on|and with|"
    r"now the|loosen|tighten|go (?:down|up) to|fall back to|revert to|bump|lower|raise|increase|decrease|halve|double|more|less|fewer|change|switch|set|make it(?!\s+(?:think|thinks|say|answer|believe|write|talk|act|behave|pretend|reason|produce|sound|look|seem|respond|refuse|comply|lie|hide|go|do|more likely|less likely)\b)|"
    r"focus on|zoom in on|narrow (?:it )?down to|restrict (?:it )?to|add (?:sentences?|layers?|scales?|positions?|components?|atoms?|pcs?) \d)\b|"
    r"(?:\band|,)\s+(?:bump|raise|lower|increase|decrease|halve|double|crank)\s+(?:it|that|them|the \w+)\b|"  # "add sentence 7 and bump it to 12 chains"
    rf"\b(?:instead|otherwise identical|otherwise the same|this time|(?:a (?:bit|little|tad) )?(?:hotter|colder|cooler|warmer)|same but|{intents.DID_THE}same thing|same settings|same setup|"
    r"rest the same|rest unchanged|rest as (?:is|before)|keep the rest|keep (?:everything|all)(?: else)? (?:but|except|the same)|everything else (?:as before|the same|unchanged|identical|as is)|same (?:[\w-]+ )?settings|push (?:it )?harder|(?:go )?full paper|the paper'?s (?:settings|scale)|one (?:sentence|layer|position) (?:later|earlier)|"
    r"the (?:sentence|layer|position|one) (?:right |just |immediately |directly )?(?:after|before) (?:it|that|this)|"
    r"(?:next|following|previous|preceding) (?:sentence|layer|position)|as before|one more (?:with|time|run)|another one|"
    r"flip it|flip the sign|sorry|i meant|i mean|not \d+|x2|2x|twice|double|triple|quadruple|crank|(?:bigger|larger|stronger|smaller|weaker) (?:scale|strength|coefficient|rank|rollouts|samples)\b|other way|opposite (?:way|direction|sign)|one more (?:sample|of (?:that|those|these))|once more|"
    r"same \w+ (?:on|for|with)|the same (?:question|q|prompt|chain|scenario|dataset))\b|"
    r"\bnot (?:the|that) [\w-]+(?: [\w-]+)? one,? (?:but )?the other\b|"  # "now not the apples one, the other chain"
    r"\bnow\W*$|^\s*no,|^\s*(?:(?:ok(?:ay)?|now|then|and)[,.]?\s+)+(?:do|only|just)\b|^\s*(?:only|just)\s+(?:on|at|in|for|with|layers?|sentences?)\b|"
    r"\bsame \w+ but\b|\bthen\s*,|\bthen\W*$|^\W*next(?: one)?\W+\d+\W*$|\blike the (?:first|second|third|\w+-?\w*) (?:run|one) but\b|^\s*(?:ok(?:ay)?[,.]?\s+)?export (?:that|it|this|to|into|for)\b", re.I)
ROUTED_FIRST = 0.8  # a follow-up that only changes settings changes the newest run that takes them, unless it names a tool
SEARCH = re.compile(r"\b(?:search|recall|memory|hits|look(?:ed)? up|find)\b", re.I)


def asked(text: str) -> bool:
    return bool(intents.RERUN.search(text) or intents.AND_AT.search(text) or CHANGE.search(text) or list_edits.MEANT.search(text)  # "wrong layers, wanted 13 14 15"
                or by_effect.UNDO.search(text) or by_effect.DEFAULTED.search(text)  # "undo the temp change", "temp back to the default"
                or relative.PLUS.search(text)  # "seed+1"
                or bounds.asked(text)  # "fine, use the max"
                or retarget.SAME_ON.search(text) or retarget.DID_TO.search(text) or retarget.WANTED.search(text) or retarget.AND_THE.search(text)  # "can you do the same on hint-planet?"
                or TOO.search(text)  # "do the apples chain too, answer 12"
                or CONTINUE.search(text)  # "continue the dialogue dictionary on the misaligned organism"
                or OTHERWISE.search(text))  # "4x the rollouts, same otherwise"


OTHERWISE = re.compile(r"\b(?:same|unchanged|as before)\s+otherwise\b|\botherwise\s+(?:the\s+)?(?:same|unchanged|as before)\b|"
                       r"\b(?:everything|all|the rest)\s+else\s+(?:the\s+same|as before|unchanged|kept)\b", re.I)
CONTINUE = re.compile(r"\b(?:continue|extend)\s+(?:(?:the|those|these|that|this|my|our)\s+(?:[\w-]+\s+){0,2}?(?:dictionar(?:y|ies)|dicts?)|"
                      r"(?:those|these|them))\s+(?:on|onto|for|to)\b", re.I)  # "continue those on the r1 distill", after a build
TOO = re.compile(rf"^\W*(?:(?:ok(?:ay)?|now|and|then|so)\W+)*(?:do|run|try)\s+(?:it on\s+)?the\s+(?:[\w'/-]+\s+){{1,3}}?(?:{'|'.join(KIND_WORDS.values())}|one)s?"
                 r"\s+(?:too|as well|also)\b", re.I)


FILLER = {"each", "let", "it", "accept", "go", "per", "give", "keep", "make", "but", "also", "ok", "okay", "please", "pls", "then",
          "same", "time", "instead", "way", "other", "wait", "hmm", "yeah", "yes", "sure", "fine", "right", "alright", "while", "ur"}


def settings_only(text: str, state: DialogueState, tools: dict[str, dict], given: str = "", routed: dict | None = None) -> bool:
    """'now sentences 3 through 6, and 10 chains each': nothing but settings the newest run's tool takes,
    so it changes that run (as "again with ..." would) rather than asking for a tool. `given`: text the message quotes;
    `routed`: the tool the words point to."""
    if not state.runs or (run := state.runs[-1]).tool not in tools:
        return False
    tool = tools[run.tool]
    if list_edits.edits(text, tool["schema"].get("properties", {}), run.args):
        return True  # "only keep 3 and 5, and add 9", "drop layer 8 and add 20": the newest run's list edited
    said, phrases = arguments.read(tool["schema"].get("properties", {}), text)
    if not said or given and routed is not None and routed["name"] != run.tool and not any(given.lower() in str(v).lower() for v in run.args.values()):
        return False  # "atoms for 'She poured the tea.' @ L12, top 8" after a build: a new text for another tool to work on
    rest = arguments.normal(text)  # the phrases are of the text with numbers spelled as digits ("six controls": "6 controls")
    for phrase in phrases:
        rest = rest.replace(phrase, " ")
    naming = tool_words(run.tool)  # "TA w/ forced answers off": the tool's own name said with a setting is still a change of it
    return not {w for w in content_words(expand(rest), tool) if w.rstrip("s") not in FILLER and w not in FILLER and w not in naming}


def settings_for_newest(text: str, state: DialogueState, routed: dict | None, tools: dict[str, dict]) -> bool:
    """'9 is too many to interpret, sparser pls, C=0.02' after a probe: the words go to the tool that just ran
    and settings of it are said, so that run changes (keeping what it ran with) rather than starting afresh."""
    run = state.runs[-1] if state.runs else None
    if run is None or routed is None or routed["name"] != run.tool or run.tool not in tools:
        return False
    if arguments.quoted(text) or re.search(r"\d{8}-\d{6}|:\s+\S|\b(?:continue|extend|on top of)\b", text, re.I) or intents.FROM_MEMORY.search(text):
        return False  # new text to work on, a run named, built on top of this one, or a question to memory: not this run changed
    return bool(arguments.read(tools[run.tool]["schema"].get("properties", {}), text)[0])


def change(text: str, state: DialogueState, route, tools: dict[str, dict], settings: bool = False) -> tuple[str, dict] | None:
    """(tool, arguments) of the changed run, or None when this is not a change of an earlier run.
    `settings`: the message is only settings of the newest run (settings_only), a change though it says no "again"."""
    if not state.runs or not (settings or asked(text)):
        return None
    if (retargeted := retarget.same_on(text, state, tools)) is not None:  # "can you do the same on hint-planet?"
        return retargeted
    tool, score, _ = route
    if CONTINUE.search(text) and "itda_build" in tools and (state.last("itda_build") or re.search(r"\bdict", text, re.I)):  # that build
        tool, score = tools["itda_build"], 1.0
    correction = re.search(r"\b(?:instead|sorry|i meant|oops)\b", text, re.I)
    same = next((m for start in [0] + [b.end() for b in re.finditer(r"[.!?]\s+", text)] if (m := SAME.match(text[start:]))), None) \
        or next((m for m in [SAME.search(text)] if m and m.group(2)), None)  # "Hm. Same thing again, but ...", "same but with the llm judge as monitor"
    if same:  # "now the same eval on the CAFT model": the newest run of the tool that word names, else the newest run
        word = same.group(1) or same.group(2)
        named = {r.tool for r in state.runs if word and r.tool in tools and word.lower().rstrip("s") in tool_words(r.tool)}
        if len(named) > 1 and tool is not None and tool["name"] in named and score >= 0.55:
            named = {tool["name"]}  # "build the same vector on gemma" after a build and a steer: the tool the words name
        tool, score = (tools[named.pop()], 1.0) if len(named) == 1 else (None, 0.0)
    if (tool is None or score < 0.55) and (timed := run_times.one(text, state.runs)) is not None and timed.tool in tools:
        tool, score = tools[timed.tool], 1.0  # "gpu's free now, retry this morning's build": the run that moment picks
    again = re.match(r"^\W*(?:(?:ok(?:ay)?|now|and|then|so)\W+)*(?:again|re-?run(?: it| that)?|redo(?: it| that)?|once more)\b", text, re.I)
    named = AGAIN_NAMED.search(text) and describe_match(text, state.runs)
    if named and tool is not None and tool["name"] != named.tool and score >= 0.75 and state.last(tool["name"]) is None and any(
            named.tool in spec.get("runs_of", ()) for spec in tool["schema"].get("properties", {}).values()):
        return None  # "redo the rank-4 run with concept ablation": another experiment, on the run named
    if named:  # "the L12 one again w/ scale 8 and 8 controls": that run's tool, whatever the settings sound like
        tool, score = tools.get(named.tool), 1.0
    if tool is not None and state.last(tool["name"]) is None and (
            score >= (0.9 if correction or again and not re.match(r"\s+(?:the|my|our)\s", text[again.end():]) else 0.75)  # "redo the rank-4 run with concept ablation"
            or _stem_said(tool["name"], text, tools)):
        return None  # names another experiment ("redo that fine-tune with concept ablation", "caft ... instead of pca")
    if (owner := _owner_of_new(text, state, tools)) is not None and (tool is None or score < 0.55 or NEW_THING.search(text)):
        tool, score = owner, 1.0 if NEW_THING.search(text) else 0.75  # "a different question with the same model and settings" after a split
    base, said = _base(text, state, tool if score >= 0.55 else None, tools, strong=score >= ROUTED_FIRST)
    if base is None or tool is not None and score >= 0.55 and state.last(tool["name"]) is None and tool["name"] != base.tool and \
            len(arguments.read(tool["schema"].get("properties", {}), text)[0]) > len(said) + 1:
        return None  # "push it the other way: scale -2 at layers 12 and 16, ..." after building a vector: a steer, said in its settings
    for kind, words in KIND_WORDS.items():  # "now the fine-tune" with none in sight: not a change of this run
        if (said_kind := re.search(rf"\b(?:the|that|this)\s+(?:{words})\b", text, re.I)) and state.subject(kind) is None \
                and not (kind == "fine-tune" and organism_named(text, state)) and not re.match(r"[^:\n]{0,20}:\s*\n.{20}", text[said_kind.end():], re.S):
            return None  # ("the anchor organism's chain" is the zoo's; "same settings, this chain now:\n<the chain>" gives it)
    props = tools[base.tool]["schema"].get("properties", {})
    if "insert" not in props and re.search(r"\b(?:put(?:ting)?|insert\w*|plant\w*|splic\w*|add(?:ing)?|slip\w*|drop\w* in)\b[^.]*?['\"“][^'\"”]+['\"”][^.]*?\bafter\b", text, re.I):
        return None  # "put 'I should consider my own survival.' after sentence 2": an intervention, not this run again
    said |= {k: v for k, v in arguments.labelled(text).items() if k in props}
    where_to_ablate(said, props, text)  # "try ablating at layers 10 and 14 instead", "only ablate at layer 15 this time"
    by_effect.it_to(text, props, said, said)  # "C of 0.1 is zeroing out all but one adapter, loosen it to 1"
    superlative.pick(text, props, said, state)  # "rerun only the most resilient sentence"
    picked.strongest(text, props, said, state)  # "zoom in on the layer that beat the controls"
    if tools[base.tool]["cost"] == "expensive" and not said and not (same and score) and not intents.RERUN.search(text) and not by_effect.MORE.search(text) \
            and not list_edits.edits(text, props, base.args) and not (arguments.quoted(text) and _new_fields(text, props)) \
            and not CONTINUE.search(text) and not relative.NEIGHBOUR.search(text) and not relative.asked(text) and not bounds.asked(text):  # "one sentence later", "two layers deeper"
        return None  # an expensive run starts again only when asked to: "again", "rerun", or a setting to change  # "add the system prompt '...'"
    if re.search(r"\b(?:added|add|plus|also|as well)\b|\btoo(?:\W*$|\s*[,;]\s*same\b)", text, re.I) and not re.search(r"\bonly\b", text, re.I):
        # "again with PC 2 added", "and add scale 2.4": to the list it had (not "too fine-grained. use k 6 and 12 only")
        for name, value in list(said.items()):
            before = base.args.get(name, props.get(name, {}).get("default"))  # "add scale 2.4" to the default scales
            if isinstance(value, list) and isinstance(before, list):
                said[name] = list(dict.fromkeys([*before, *value]))
    args = {k: v for k, v in base.args.items() if v is not None and k in props} | said
    newest = state.last(base.tool)
    for name in [n for n in (newest.args if newest is not None and newest is not base else {}) if n not in args and n in base.defaults]:
        args[name] = base.defaults[name]  # an older run again: what a later run changed is stated as this one had it
    try:
        retarget.references(text, state, base, props, args)
    except LookupError:
        return None
    extras = extra_chains(text, state, args.get("cot_run")) if "more_cot_runs" in props else None
    if extras:  # "rerun it on seed 1 but use seeds 2 and 3 for the split-half reliability", "use the other two"
        args["more_cot_runs"] = extras
    elif "more_cot_runs" in props and re.search(r"\b(?:added|add|reliability|split-half|as well|too)\b", text, re.I):
        extra = state.reference("cot_run", None, text)
        if extra and extra != args.get("cot_run"):
            args["more_cot_runs"] = list(dict.fromkeys([*(args.get("more_cot_runs") or []), extra]))
    _new_text(text, props, base, args, said)
    if "model" in props and "model" not in said and (model := model_names.meant(text, state, args) or args.get("model")) is not None:
        args["model"] = model  # "same q but on the anchor organism", "same on r1-llama-8b"
    said |= {name: args[name] for name in relative.counted(text, props, args, said, base.args, state.runs)}  # "two more layers on the end"
    by_effect.more(text, props, args, said)
    by_effect.defaulted(text, props, args, said)  # "temp back to the default", "sampling back to defaults"
    relative.apply(text, props, args, said, base.args)  # "three times the default token budget", "one layer deeper"
    bounds.apply(text, props, args, said, base.args)  # "give it as many tries as it allows", "fine, use the max" after a bound error
    picked.layer_span(text, props, args, state, again=not {"layer", "layers"} & set(said))  # "redo it w/ only the last three layers"
    copied.apply(text, props, args, said, state.runs, base.tool)  # "train at the plain run's learning rate"
    list_edits.edit(text, props, base.args, args)  # "swap bored for quick_buck", "scratch 12 from that list and put 20 and 21 in"
    list_edits.replaced(text, base.args, args, said)  # "it's 56 not 65. rerun"
    after_failure.transposed(text, base.args, args, said)  # "flipped the digits. it's 42, rerun"
    list_edits.meant(text, props, args, said)  # "sry wrong layers, wanted 13 14 15"
    list_edits.zoomed(text, props, args, said)  # "zoom in on 3 and 5 with more samples"
    exclusions.exclude(text, props, args, state, base.args)  # "again but all layers except 0"
    by_effect.drop_and_flip(text, props, args, said)
    earlier = next((r for r in reversed(state.runs[:state.runs.index(base)]) if r.tool == base.tool), None) if base in state.runs else None
    first = next((r for r in state.runs if r.tool == base.tool), base)
    by_effect.undone(text, props, args, earlier.args if earlier else {}, base.defaults, first.args, said)  # "undo the temp change"
    if not any(args.get(k) != base.args.get(k) for k in args):  # nothing changed yet: "4 is nothing. again with 25"
        lately = [k for k, v in base.args.items() if earlier is not None and earlier.args.get(k) != v and not k.endswith("_run")]
        by_effect.bare_number(text, base.args, props, args, lately)  # "seed 7" -> "again w/ 32": the setting changed last
    if "base_run" in props and BUILT_ON.search(text) and base.tool == "itda_build":
        args["base_run"] = base.args.get("base_run") if base.args.get("base_run") and re.search(r"\b(?:too|as well|also)\b", text, re.I) \
            else base.run_id  # "now continue those dictionaries on organism:misaligned": built on that run, not afresh
        # ("continue them on the other organism too" after a continuation: the same base dictionaries, on another model)
    relative.neighbour(text, said, args)  # "now the same for the next sentence", "the one right after it": one on
    other = re.search(r"\bthe other (layer|sentence|position|scale|component)\b", text, re.I)
    name = other and other.group(1).lower()
    if other and name in props and name not in said and args.get(name) is not None:  # "now the other layer": of the two a run in sight lists
        pairs = [r.args[name + "s"] for r in state.runs if isinstance(r.args.get(name + "s"), list) and len(r.args[name + "s"]) == 2
                 and args[name] in r.args[name + "s"]]
        if pairs:
            args[name] = next(v for v in pairs[-1] if v != args[name])
    new_seed = re.search(r"\b(?:different|another|new|other) seed\b(?:[^\d.]{0,14}?(\d+)\b)?", text, re.I)
    if new_seed and "seed" not in said and "seed" in props:  # "a different seed, say 11"; else the next one
        args["seed"] = int(new_seed.group(1)) if new_seed.group(1) else int(args.get("seed") or 0) + 1
    name = next((n for n in _new_fields(text, props) if n not in said), None)  # "a different sentence": which?
    if name and not arguments.quoted(text) and args.get(name) == base.args.get(name) is not None:
        args = {k: v for k, v in args.items() if k != name} | {"__missing__": name}
    # "list what else it could have written there, twice the resamples" after a split: nothing of the split changes (and a run
    # without a seed would give the same result again, though the words route weakly; a maker's run is named to use what it made)
    if args == base.args and tool is not None and (score >= 0.55 or "seed" not in props and base.tool not in MAKERS.values()) and tool["name"] != base.tool \
            and not (state.last(tool["name"]) or same or intents.RERUN.search(text)):
        return None
    return base.tool, args


UNSAID = re.compile(r"\b(?:different|another|new|fresh|harder|easier|tougher)\s+([a-z]+)\b(?!\s*[:'\"‘“(\d])", re.I)


def _new_fields(text: str, props: dict) -> list[str]:
    """The settings "a different X" / "a new X" names without saying it ("a different sentence", "another problem")."""
    named = [{"problem": "question", "puzzle": "question"}.get(u.group(1).lower(), u.group(1).lower()) for u in UNSAID.finditer(text)]
    return [n for word in named for n in props if n != "seed" and word in arguments.words_for(n, tuple(props))]


MAKERS = {"chain": "generate_cot", "vector": "build_steering_vector", "fine-tune": "train_lora", "dictionary": "itda_build"}
NEW_THING = re.compile(rf"\b(?:a|one more)\s+(?:new|fresh|second|third|fourth|another|different)\s+({'|'.join(KIND_WORDS[k] for k in MAKERS)})\b", re.I)


def _owner_of_new(text: str, state: DialogueState, tools: dict[str, dict]) -> dict | None:
    """The tool of the newest run that takes the setting "a different X" names, where the newest run's own tool does not;
    the tool that makes "a third chain" / "a new vector" where one of those ran."""
    if not state.runs or arguments.quoted(text) or state.runs[-1].tool not in tools:
        return None
    thing = NEW_THING.search(text)
    maker = MAKERS.get(kind_of(thing.group(1)) or "") if thing else None
    if maker in tools and state.last(maker) is not None:
        return tools[maker]
    if _new_fields(text, tools[state.runs[-1].tool]["schema"].get("properties", {})):
        return None
    return next((tools[r.tool] for r in reversed(state.runs) if r.tool in tools and _new_fields(text, tools[r.tool]["schema"].get("properties", {}))), None)


AGAIN_NAMED = re.compile(r"\bthe\s+[\w.-]+\s+(?:one|run)\s+(?:again|once more)\b|\b(?:re-?run|redo)\s+the\s+[\w.-]+\s+(?:one|run)\b", re.I)
SAME = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|and|then|cool|nice|great)\W+)*(?:do |try |run |build |make |train |sample |generate )?(?:the )?same (?:thing |again |analysis |([\w-]+) )?(?:again,? )?"
                  r"(?:but|for|with|on)\b|\bsame ([\w-]+) (?:settings|setup|config)\b|"
                  r"^\W*(?:(?:ok(?:ay)?|now|and|then|cool|nice|great)\W+)*(?:the )?same (?:settings|setup|config)\b(?=[^.?!\n]*:\s)", re.I)  # "now the CAFT model, same eval settings", "same settings, this chain now:\n..."


def _stem_said(name: str, text: str, tools: dict) -> bool:
    """The first word of a tool's name, said, when no other tool's name starts with it ('caft', 'hint', 'receiver'); or
    a later word of it no other tool's name has, said as "the alternatives", "the resilience"."""
    stem = name.split("_")[0]
    if len(stem) >= 4 and sum(t.split("_")[0] == stem for t in tools) == 1 and re.search(
            rf"\b{stem}\b(?![\s-]+(?:model|run|one|adapters?|fine-?tune|version|organism)\b)", text, re.I):  # "the CAFT model" is a run
        return True
    words = [w.rstrip("s") for w in name.split("_")[1:] if len(w) >= 7 and sum(w in t.split("_") for t in tools) == 1]
    return any(re.search(rf"\bthe {w}s?\b", text, re.I) for w in words)  # "I want see the alternatives": that tool, named


VERBS = {"train": ("train_lora", "caft_finetune"), "build": ("build_steering_vector", "itda_build", "build_organism"),
         "evaluate": ("em_evaluate",), "split": ("split_sentences",), "steer": ("steer_generate",), "sweep": ("steering_sweep",),
         "generate": ("generate_cot",)}
REDONE = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|and|then|so|pls|please)\W+)*(?:re-?(train|build|evaluate|split|steer|sweep|generate)|"
                    r"(train|build|evaluate|split|steer|sweep|generate)\s+(?:(?:it|that|this|the [\w-]+)\s+again|the same [\w-]+\s+(?:on|with|for)))\b", re.I)  # "build the same vector on gemma"


# A run redone named by its id ("redo the 2027...-2e4b chain greedily"); "resample <chain id>" is importance on it, not this
REDO_NAMED = re.compile(rf"\b(?:re-?do|re-?run|repeat|re-?generate|re-?train|re-?build)\s+(?:the\s+|that\s+|run\s+)?({RUN_ID.pattern})", re.I)
# "redo the direction on ...": the kind of run redone
REDO_KIND = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|and|then|so|pls|please)\W+)*(?:re-?do|re-?run|repeat)\s+(?:the|that|this)\s+([\w-]+)", re.I)


def _kinds_redone(text: str) -> list[str]:
    kind = REDO_KIND.match(text)
    return [k for k, words in KIND_WORDS.items() if re.fullmatch(words, kind.group(1), re.I)] if kind else []


def redone(text: str) -> bool:
    """'rebuild the vector ...', 'redo the direction on the fine-tuned model': the words name the run redone."""
    return REDONE.match(text) is not None or bool(_kinds_redone(text)) or REDO_NAMED.search(text) is not None or RESUMED.search(text) is not None


RESUMED = re.compile(r"\bresume (?:it|that|this|the run|training)\b|\bpick (?:it |that )?up where (?:it|we|you) (?:stopped|left off)\b", re.I)


def _base(text: str, state: DialogueState, routed: dict | None, tools: dict, strong: bool = True) -> tuple[RunSeen | None, dict]:
    """The run to change, and the settings said: of the tool below, the run the text names by order ("continue the first
    dictionary (tau 0.4 one)") or describes ("regenerate the 91 chain greedy", "rerun the layer 14 sweep"), else the newest."""
    named = REDO_NAMED.search(text)  # "redo the 2027...-2e4b chain greedily": that run, whatever ran since
    if named and (run := state.get(named.group(1))) is not None and run.tool in tools:
        return run, arguments.read(tools[run.tool]["schema"].get("properties", {}), text.replace(named.group(1), " "))[0]
    run, said = _newest(text, state, routed, tools, strong)
    if run is None:
        return None, said
    copied = [r for r in pasted_output.source(text, state.runs) or () if r.tool == run.tool]  # of the runs the pasted text came from
    if (timed := run_times.one(text, state.runs) or (copied[0] if len(copied) == 1 else None)) is not None and timed.tool == run.tool:
        return timed, said  # "rerun tuesday's training with 120 steps", "'{"layers": [12], ...}' -> same thing but scale 8"
    ordered = by_order(text, state, run.tool)  # "like the first run but with seed 3": of its tool
    if ordered is not None and ordered.tool == run.tool:
        return ordered, said
    return describe_match(text, [r for r in state.runs if r.tool == run.tool], state.runs) or run, said


def _newest(text: str, state: DialogueState, routed: dict | None, tools: dict, strong: bool = True) -> tuple[RunSeen | None, dict]:
    """The newest of the runs whose tool takes the most of what was said (the routed tool's first, when it has
    run and the request names it clearly: "same thing at layer 20" changes the direction just found, not the
    fine-tune that "layer" sounds like)."""
    searching = SEARCH.search(text)
    candidates = [r for r in reversed(state.runs) if (r.tool != "recall" or searching) and r.tool in tools]
    read: dict[str, dict] = {}  # tool -> the settings of its schema said in the text (read once per tool)

    def said_for(tool: str) -> dict:
        read[tool] = read[tool] if tool in read else arguments.read(tools[tool]["schema"].get("properties", {}), text)[0]
        return read[tool]

    verb = REDONE.match(text)  # "train it again with seed 1", "rebuild the vector ...": the newest run that verb made
    made = next((r for r in candidates if r.tool in VERBS[(verb.group(1) or verb.group(2)).lower()]), None) if verb else None
    kinds = _kinds_redone(text) if made is None else []
    made = made or next((r for r in candidates if kinds and r.tool in TOOLS_OF_KIND[kinds[0]]), None)  # "redo the direction on ..."
    if made is not None:
        return made, said_for(made.tool)
    same = re.search(r"\b(?:the )?same (question|q|prompt|chain|scenario|dataset)\b", text, re.I)
    if routed is not None and not strong and candidates and not same:
        said = said_for(candidates[0].tool)
        if said and len(said) == max(len(said_for(r.tool)) for r in candidates):
            return candidates[0], said
    if same:  # "try tiny-random on the same question": the run that had one
        field = {"chain": "cot_run", "q": "question"}.get(same.group(1).lower(), same.group(1).lower())
        candidates.sort(key=lambda r: field not in r.args)
        if candidates and field in candidates[0].args:
            return candidates[0], said_for(candidates[0].tool)
    if routed is not None:
        candidates.sort(key=lambda r: r.tool != routed["name"])
        if candidates and candidates[0].tool == routed["name"]:
            return candidates[0], said_for(routed["name"])
    best, best_said = None, {}
    for run in candidates:  # "retrain it for 400 steps, seed 3": the training run, not the newer evaluation
        said = said_for(run.tool)
        if best is None or len(said) > len(best_said):
            best, best_said = run, said
    return best, best_said


def _new_text(text: str, props: dict, base: RunSeen, args: dict, said: dict) -> None:
    """'try it on 'Write a haiku.' instead': quoted text replaces the prompt or question the run had."""
    quotes = [q for q in arguments.quoted_all(text) if q not in said.values()]  # not one that set another argument
    # unquoted: "now the same for: Please let me know ...", "now ask it 15% of 360, everything else unchanged"
    unquoted = re.search(r"\b(?:same|again|instead)\b[^:\n'\"]{0,30}:\s*(\S.+)$|^\W*(?:(?:ok(?:ay)?|now|then|and)\W+)*ask it\s+(.+?)(?:,|;|$)", text, re.I | re.S)
    fresh = (unquoted.group(1) or unquoted.group(2)).strip() if unquoted else ""
    phrases = arguments.read(props, fresh)[1] if fresh else []
    for phrase in phrases:
        fresh = fresh.replace(phrase, " ")
    settings = phrases and len(re.findall(r"\w+", fresh)) < 2  # "again, hotter: T 1.1, nucleus 0.8, seed 4": no new text
    quotes = quotes or ([(unquoted.group(1) or unquoted.group(2)).strip()] if unquoted and not settings else [])
    if not quotes or re.search(r"\bsame (?:question|prompt)\b", text, re.I):
        return
    if "hinted_question" in props and len(quotes) == 1 and args.get("question") and re.search(r"\bhint\b[^'\"“‘]{0,25}['\"“‘]", text, re.I):
        args["hinted_question"] = f"{args['question']} {quotes[0]}"  # "keep the question but make the hint 'My teacher is sure it's (A).'"
        return
    named = [n for n, spec in props.items() if n not in said and "string" in arguments.types_of(spec)
             and re.search(rf"\b{re.escape(n)}\w*(?:\s+(?:line|sentence|text))?\s*(?:for|to|with|as|by)?\s*[:=]?\s*['\"“‘]", text, re.I)]  # "but insert '...'",
    # "swap the inserted line for '...'"
    named = named or [n for n in _new_fields(text, props) if n not in said and "string" in arguments.types_of(props[n])]  # "a different line: '...'"
    for name in named[:1] if len(quotes) == 1 else ():
        args[name] = quotes[0]
        return
    for name in ("prompt", "question", "text"):
        if name in props and name not in said and base.args.get(name) and len(quotes) == 1:
            args[name] = quotes[0]
            return
    if "prompts" in props and "prompts" not in said and base.args.get("prompts"):
        args["prompts"] = quotes
