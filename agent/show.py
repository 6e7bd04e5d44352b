"""Showing a run that exists: its chain of thought, sentences, table or plot, never a new run."""

from __future__ import annotations

import json
import re

from agent import arguments, by_result, found_in, intents
from agent.descriptions import describe_match, spelled_ordinals
from agent.dialogue_state import DialogueState, RunSeen
from agent.run_kinds import BEFORE_LAST_WORDS, KIND_WORDS, RUN_ID, TOOLS_OF_KIND, TOOL_WORDS, kind_of
from agent.wording import quoted

# "show me the plot of that run", "the heatmap again pls", "put the table back on screen": asked to see, not to run
SHOW = re.compile(r"(?<![\w-])(?:show(?:ing)?|display(?:ing)?|(?<!\ba )(?<!\bthe )(?<!random )(?<!different )(?<!another )(?<!fresh )(?<!\bnew )draw|plot|print|see|view|open|re-?open|bring up|pull up|bring back|call up|(?:bring|pull) (?:[\w'’-]+ ){1,8}?(?:back )?up(?!\s+to\b)|let me see|let me look|lemme see|lemme look|look at|"
                  r"give me|gimme|paste|read me|lay out|i want to read|(?:let me|lemme) read|side by side|(?:^|[,.;?]\s*|\band\s+|please\s+)list)\b(?!-)|^\s*what does sentence \d+ say\b|\bwhat (?:were|was) (?:the|those|its|that)\b.*\bagain\b|^\s*what did (?:it|the model|that) "
                  r"(?:write|say|output|generate)\b|^\s*(?:the|that|those)\s+(?:(?!\b(?:with|w|more|fewer|less|bigger|smaller|but|using)\b)[\w\s-]){2,60}\s+again\b(?!,?\s+but\b)|"
                  r"\bwhat did (?:the|that|those|its|it)\b[^?.]{0,40}\blook like\b|\bremind me (?:what|of)\b|\bre-?read\b|"
                  r"\b(?:put|paste) (?:[\w()'-]+\s+){1,6}(?:back\s+)?(?:up|on (?:the )?screen)\b|\bput (?:back )?on(?:to)? (?:the |my )?screen\b|\bre-?display\b|\bback on (?:the )?screen\b|"
                  r"^\s*(?:the|that|those|its)\s+[\w\s'-]{2,50}(?:,|-|—)\s*(?:once more|again)\W*$|"
                  r"\bhave (?:the|that|those|its|my) (?:[\w-]+ ){0,6}?(?:again|back)\b", re.I)
SHOWN = {  # what a person asks to see -> which part of a run
    "plot": r"plots?|charts?|graphs?|figures?|heatmaps?|curves?|bars?|bar charts?|visuali[sz]ations?|matri(?:x|ces)",
    "sentences": r"(?:flagged )?sentences|sentence list|(?:sentence )?split",
    "table": r"tables?|results?|numbers|rows|scores|samples|alternatives|norms|atoms|cells|effects|hits|findings|outputs|answers|"
             r"coefficients?|weights|tokens|components|flags?|reasons?|heads|completions|resamples|lists?|controls|comparison|say|"
             r"gaps|rollouts|rates|values|metrics|cosines?|losses|verdicts?|stats|statistics|look like|breakdowns?|grids?|per[- ][\w-]+",
    "text": r"(?:full |whole |entire )?(?:text|chains? of thought|chain|cot|reasoning|trace|output|completion|generation)|write|wrote|say",
    "run": r"run|summary|one|\d{8}-\d{6}-\w+",
}
THAT_RUN = re.compile(r"\b(?:that|this|the|last|previous|earlier|it|its|same|you|we|all|them|they|those|\d{8}-\d{6})\b", re.I)

BARE_PART = re.compile(r"^\s*(?:the |a |that |its |full |all |per-\w+ |[\w'-]+(?:'s)? ){0,4}"
                       r"(?:[\w/-]+ ){0,3}(?:table|plot|chart|heatmap|curves?|list|matrix|numbers|samples|figure|breakdown|grid)s?\b"
                       r"(?:\W+\w+){0,10}\W*$", re.I)


def show_request(text: str) -> str | None:
    """The part of a run asked to be seen ('plot', 'text', 'sentences', 'table', 'run'), or None."""
    text = re.sub(r"\bback to (?:the|that|our)\s+[^:,.;]{1,40}?(?=[:,.;-]|$)", " ", text, flags=re.I)  # "back to the odd numbers chain: ...": a subject
    text = re.split(r":\s", intents.QUOTED_TEXT.sub(" ", text), maxsplit=1)[0]  # the request, not its payload
    text = re.sub(rf"{intents.REFUSED}[^.;,!?]*[.;,!?]*\s*", "", text, flags=re.I)  # "I don't want another fine-tune. just the loss curve of ...": refused
    text = re.sub(r"[,;]?\s*\b(?:not|rather than|instead of)\s+(?:the|its|their|a)\s+[\w-]+(?:\s+[\w-]+)?", " ", text, flags=re.I)  # "the raw chain, not the sentences"
    text = re.sub(r"\bsee (?:which|how|whether|what|if|where|when)\b.*", "", text, flags=re.I)  # "I'd love to see which heads..."
    text = re.sub(r",\s*(?:i|we)(?:'d| want| need| wanna)\b(?![^,;]*\b(?:see|show|look|read|reread|view|full (?:table|text|plot|results?))\b)[^,;]*$", "", text,
                  flags=re.I)  # "..., I want it next to the CAFT number": why (not "..., I want to see it again")
    # "does this chain show intent to ...": the chain shows something; nobody asked to see a run
    text = re.sub(r"\b(?:does|do|did|would|will)\s+(?:this|that|it|these|those|the)\b[^?.]*?\bshow\b", " ", text, flags=re.I)
    described = re.sub(r"\bthe (?:one|run) (?:with|at|from|where|that)\b[^,.;?!]*|\((?:the |that )?[^()]{1,40}\b(?:one|run)\)", " ", text,
                       flags=re.I)  # "the one with 15 percent", "(the 8 vs 16 one)" name a run
    described = found_in.CLAUSE.sub(" ", described)  # and so does "the adapter that got 30% misaligned"
    described = re.sub(r"\bthe (?:layer|scale|sentence|question|seed) -?\d+(?:\.\d+)? (?:row|column|cell|entry|line|part)s?\b", " ", described, flags=re.I)
    if re.search(r"\bsame (?:\w+ )?but\b|\bagain,? but\b", text, re.I) or re.search(r"\b(?:again|rerun|redo)\b[^.?!,;]*(?<![A-Za-z])\d", described, re.I) \
            or re.search(r"\b(?:another|a new|a fresh|one more)\s+(?:[\w-]+\s+)?(?:chain|cot|trace|sample|run|vector|fine-?tune|dictionary)\b", text, re.I):
        return None  # "same search but 15 hits", "again with 25", "another chain for the same question": a new run, not the old one
    bare = BARE_PART.search(text) and not intents.IMPERATIVE.search(re.sub(r"\b(?:the|last|that|this|a) run\b", "", text)) \
        and not intents.RERUN.search(re.sub(r"\bagain\W*(?:pls|please)?(?:,\s*(?!but\b|with\b)[^,.;?!]{1,30})?\W*$", "", text, flags=re.I)) \
        and not re.search(r"\b\d+\s+[a-z]", text)  # "heatmap again pls(, per question)": a trailing "again" asks to see it again
    if not bare and (not SHOW.search(text) or not THAT_RUN.search(text) and not re.search(r"\d{8}-\d{6}", text)):
        return None
    if re.search(r"\bwhat does sentence \d+ say\b", text, re.I):
        return "sentences"
    for part, words in SHOWN.items():
        if re.search(rf"\b(?:{words})\b", text, re.I):
            return part
    if re.search(r"\b(?:show|display|print|pull (?:\w+ )?up|bring (?:\w+ )?up|re-?display|re-?open|open|view)\b[^.?!]*\b(?:again|once more|back)\b", text, re.I):
        return "run"  # "print the em eval again": the run, as it was shown
    if re.match(rf"^\W*(?:(?:ok(?:ay)?|now|and|pls|please|can you|could you)\W+)*(?:show|display|open|re-?open|pull up|bring up|view)\s+(?:me\s+)?(?:the|that|those|my)\s+"
                rf"(?:[\w.'-]+\s+){{0,4}}(?:{'|'.join(KIND_WORDS.values())})s?\W*$", text, re.I):
        return "run"  # "display the tau 0.2 dictionary": a run shown by the kind of thing it made
    return "run" if by_result.clause(text) or found_in.CLAUSE.search(text) else None  # "open the dictionary with lower nmse": a run named by what it found



def new_text(text: str, state: DialogueState) -> bool:
    """Whether the request quotes a text that no run in sight was given (so it asks for a new run, not to see one)."""
    return _unseen(quoted(text), state)


def new_labelled(text: str, state: DialogueState) -> bool:
    """Whether the request ends with a text after "prompt:", "question:" or "text:" that no run in sight was given
    ("samples at the cell that worked, prompt: Write ...": a new run on it)."""
    given = re.search(r"\b(?:prompt|question|text)\s*:\s*(\S.{8,}?)\s*$", text, re.I)
    return bool(given) and _unseen(given.group(1).strip(" .?!'\""), state)


def _unseen(said: str, state: DialogueState) -> bool:
    return bool(said) and not any(said.lower() in str(v).lower() for r in state.runs for v in r.args.values())


HEATMAP_TOOLS = ("itda_compare", "attention_suppression", "resample_importance", "receiver_heads")  # their plots are matrices
PLOTLESS = ("generate_cot", "recall")  # their runs draw nothing


BEFORE_LAST = re.compile(rf"\b(?:the )?(?:run|one) before (?:the )?last\b|\b(?:{BEFORE_LAST_WORDS})\b", re.I)  # "the run before last"


def named_run(text: str, state: DialogueState) -> RunSeen | None:
    explicit = RUN_ID.search(text)
    if explicit:
        return _output_of(text[:explicit.start()], explicit.group(0), state) or state.get(explicit.group(0)) \
            or RunSeen(explicit.group(0), explicit.group(0).split("-")[2], {}, True)
    back = BEFORE_LAST.search(text) or re.search(r"\bprevious run\b", text, re.I)
    if back and len(state.runs) >= 2:  # "show me the run before last"
        return state.runs[-1 if back.group(0).lower() == "previous run" else -2]
    return by_order(text, state) or base_of(text, state) or made_from(text, state) or describe_match(text, state.runs)


HEAD = re.compile(rf"\bthe\s+({'|'.join(KIND_WORDS.values())}|{'|'.join(TOOL_WORDS)})s?\s+(?:of|on|for|from)\s+(?P<source>(?:the|that|this)\s+)", re.I)


def _output_of(before: str, run_id: str, state: DialogueState) -> RunSeen | None:
    """'the phase plot for 2027...-b8c4', 'the probe of <id>': the newest run of the tool named just before the id that was made from it."""
    named = re.search(rf"\b({'|'.join(TOOL_WORDS)})\b[\w\s-]{{0,20}}\b(?:of|for|from|on)\s*$", before, re.I)
    tools = TOOL_WORDS.get(named.group(1).lower(), ()) if named else ()
    return next((r for r in reversed(state.runs) if r.tool in tools and run_id in map(str, r.args.values())), None)


# "the clean fine-tune's eval": the run of the kind named after the possessive, made from the one described before it
OWNER = re.compile(rf"\b(?P<source>(?:the|that|this)\s+(?:[\w.-]+\s+){{0,3}}?(?:{'|'.join(KIND_WORDS.values())}))(?:'s|’s)\s+(?:[\w-]+\s+)?"
                   rf"({'|'.join(KIND_WORDS.values())}|{'|'.join(TOOL_WORDS)})\b", re.I)


def made_from(text: str, state: DialogueState) -> RunSeen | None:
    """'the eval of the seed-2 fine-tune', "the clean fine-tune's eval": of the runs of the kind named, the one made from the run described."""
    head = HEAD.search(text) or OWNER.search(text)
    if head is None:
        return None
    word = (head.group(1) if head.re is HEAD else head.group(2)).lower()
    tools = TOOLS_OF_KIND.get(kind_of(word) or "", frozenset()) or frozenset(TOOL_WORDS.get(word, ()))
    runs = [r for r in state.runs if r.tool in tools]
    if len(runs) < 2:
        return None
    source = describe_match(text[head.start("source"):] if head.re is HEAD else head.group("source"), [r for r in state.runs if r.tool not in tools], state.runs)
    made = [r for r in runs if source is not None and source.run_id in r.args.values()]
    return made[-1] if made else None


def _tuned(run: RunSeen) -> bool:
    return bool(run.args.get("train_run") or run.args.get("adapter")) or str(run.args.get("model", "")).startswith("organism:")


BASE_MODEL = re.compile(r"(?<!not the )(?<!not )\bbase[- ]model(?:'?s)?\b(?!\s+(?:is|was|has|had)\b)|\bfor the base model\b|\bof the base model\b", re.I)


def base_of(text: str, state: DialogueState) -> RunSeen | None:
    """'the base model's per-question table': of the tools run on a fine-tune and on the base model, the newest base run."""
    if not BASE_MODEL.search(text):
        return None
    both = {r.tool for r in state.runs if _tuned(r)}
    return next((r for r in reversed(state.runs) if r.tool in both and not _tuned(r)), None)


ORDER = re.compile(r"\b(first|second|third|last|latest|newest|earlier|original|base(?: model)?)\s+(?:[\w-]+\s+|\([\w\s-]+\)\s+)?("
                   + "|".join(KIND_WORDS.values()) + r")s?\b", re.I)
GENERIC = re.compile(r"\bthe (first|second|third|original) (run|one)\b", re.I)  # "like the first run but with seed 3": of the tool meant
# what people call a tool's runs beyond its kind and tool words: "the first comparison", "the first training run"
RUN_NOUNS = {r"(?:intervention )?comparison": ("compare_interventions", "itda_compare"), r"training(?: run)?": ("train_lora", "caft_finetune"),
             r"ablation": ("ablate_direction",), r"suppression": ("attention_suppression",), r"importance(?: run)?": ("resample_importance",)}
BY_TOOL = re.compile(rf"\b(first|second|third|last|latest|newest|earlier|original)\s+(?:\([\w\s-]+\)\s+)?({'|'.join([*TOOL_WORDS, *RUN_NOUNS])})(?:s|'s)?\b",
                     re.I)  # "the first sweep's table"
THEN_ONE = re.compile(rf"\b({'|'.join([*KIND_WORDS.values(), *TOOL_WORDS, *RUN_NOUNS])})(?:s|'s)?\b[^.?!;]{{0,40}}?"
                      r"\bthe (first|second|third|earlier|original) one\b", re.I)  # "the sweep table again, the first one"


def _tools_named(word: str) -> frozenset:
    """The tools whose runs a kind word, tool word or run noun names."""
    kind = TOOLS_OF_KIND.get(kind_of(word) or "", frozenset())
    return kind or frozenset(TOOL_WORDS.get(word.lower(), ())) or next(
        (frozenset(tools) for words, tools in RUN_NOUNS.items() if re.fullmatch(words, word, re.I)), frozenset())


def by_order(text: str, state: DialogueState, tool: str | None = None) -> RunSeen | None:
    """'the first fine-tune', 'the base model eval': one of several runs of a kind, by order or by being the base's;
    with `tool`, also 'like the first run', 'the second one' among that tool's runs."""
    text = spelled_ordinals(text)
    if tool and BEFORE_LAST.search(text):
        own = [r for r in state.runs if r.tool == tool]
        if len(own) >= 2:
            return own[-2]  # "the run before last had the cleanest reasoning. sample it again ..."
    said = ORDER.search(text) or BY_TOOL.search(text) or THEN_ONE.search(text) or (GENERIC.search(text) if tool else None)
    if said is None:
        return None
    which, word = (said.group(2), said.group(1)) if said.re is THEN_ONE else (said.group(1), said.group(2))
    tools = _tools_named(word) if said.re is not GENERIC else frozenset({tool})
    runs = list({r.run_id: r for r in state.runs if r.tool in tools}.values())
    if len(runs) < 2:
        return None
    which = which.lower()
    if which.startswith("base"):  # run on the model itself: no adapter, fine-tune or organism
        base = [r for r in runs if not _tuned(r)]
        return base[-1] if base else None
    index = {"first": 0, "earlier": 0, "original": 0, "second": 1, "third": 2}.get(which, -1)
    return runs[min(index, len(runs) - 1)]


def heatmap_run(text: str, state: DialogueState) -> RunSeen | None:
    """'heatmap again pls': the newest run that drew a matrix."""
    if re.search(r"\bheat ?maps?\b|\bmatri(?:x|ces)\b", text, re.I):
        return next((r for r in reversed(state.runs) if r.tool in HEATMAP_TOOLS), None)
    return None


PLOTS = {  # a plot named by what it shows -> the tools that draw it
    r"loss(?:es)?(?: curves?)?|training curves?": ("train_lora", "caft_finetune"),
    r"dose[- ]response|dose curves?": ("steering_sweep",),
    r"rotation|phase (?:plot|curve)": ("lora_phase",),
}


def plot_run(text: str, state: DialogueState, heatmaps: bool = True) -> RunSeen | None:
    """'loss curve pls', 'the dose-response plot' (and, with `heatmaps`, 'heatmap again'): the newest run that drew that plot."""
    tools = next((tools for words, tools in PLOTS.items() if re.search(rf"\b(?:{words})\b", text, re.I)), None)
    if tools:
        return next((r for r in reversed(state.runs) if r.tool in tools), None)
    return heatmap_run(text, state) if heatmaps else None


def not_the_chain(tool: str, text: str) -> bool:
    """Whether a `tool` run is not the one to show when `text` asks for a chain's text: its split never is, and where the
    words say the chain ("the chain again" after importance ran on it), only the chain's own run is."""
    return tool == "split_sentences" or tool != "generate_cot" and bool(re.search(r"\b(?:chain|cot|trace)s?\b", text, re.I))


def run_for(part: str, state: DialogueState) -> RunSeen | None:
    """The run a show request means: the newest one that holds that part."""
    if part in ("text", "sentences"):
        wanted = re.compile(r"generate_cot|split_sentences") if part == "sentences" else re.compile(r"generate_cot")
        hit = next((r for r in reversed(state.runs) if wanted.fullmatch(r.tool)), None)
        if hit:
            return hit
        subject = state.subject("chain")
        return state.get(subject) if subject else state.last()
    if part == "plot":
        return next((r for r in reversed(state.runs) if r.tool not in PLOTLESS), state.last())
    return state.last()


def render(run: RunSeen, part: str, full: dict) -> str:
    head = f"Run `{run.run_id}` ({run.tool}):"
    if part == "text":
        cot = full.get("cot") or run.result.get("cot")
        if cot:
            return f"{head} the chain of thought{' for: ' + run.about() if run.about() else ''}\n\n```text\n{cot}\n```"
    if part == "sentences":
        sentences = full.get("sentences") or run.result.get("sentences")
        if not sentences and (full.get("cot") or run.result.get("cot")):
            from backends.thought_anchors.sentences import split_sentences

            sentences = [s.text for s in split_sentences(full.get("cot") or run.result.get("cot")).sentences]
        if sentences:
            rows = [s.get("text", "") if isinstance(s, dict) else str(s) for s in sentences]
            return f"{head} {len(rows)} sentences\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(rows))
    if part == "plot":
        return f"{head} its plot is open in the run view (side panel); the numbers behind it:\n\n{run.summary}"
    if not (run.summary or run.result or full):
        return f"{head} nothing of it is stored in this data dir (`parley runs list` shows the runs it holds)."
    return f"{head}\n\n{run.summary or json.dumps(run.result, ensure_ascii=False)[:1500]}"


def new_settings(run: RunSeen, props: dict, text: str) -> bool:
    """Whether `text` says a setting of `run`'s tool (`props`) that the run did not have, one left at its default counting as that
    default: "the layer 20 row" of a sweep over layers 8-20 is in it, "its nearest atoms, say the top 10" of a run with 5 is not;
    "the answers for quick_buck" of an eval that left its questions at none (all of them) is in it."""
    spec = lambda k: props.get(k, {})  # noqa: E731
    had = lambda k: run.args.get(k, run.defaults.get(k, spec(k).get("default")))  # noqa: E731
    every = lambda k: spec(k).get("items", {}).get("enum") or spec(k).get("examples")  # noqa: E731  # a list left at none: all of them
    return any(had(k) != v and not within(v, had(k) if had(k) is not None else every(k)) for k, v in arguments.read(props, text)[0].items())


def within(said, measured) -> bool:
    """Whether a setting said ('the layer 20 row': [20]) is part of what a run measured (its layers [8, 12, 16, 20])."""
    flat = lambda v: {x for item in (v if isinstance(v, list) else [v]) for x in (item if isinstance(item, list) else [item])}  # noqa: E731
    return measured is not None and bool(flat(said)) and flat(said) <= flat(measured)
