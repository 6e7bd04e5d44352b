"""The words researchers use: names for arguments and values, shorthand, quoted and labelled text.

Data and small readers that `agent.arguments` uses to read a request; nothing here knows a tool.
"""

from __future__ import annotations

import functools
import re

from agent.numerals import NUMBER_WORDS
from agent.pasted_output import json_given
from agent.phrases import LISTED

QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<![\w])'((?:[^'\s]|\s(?!')|(?<=\w)'(?=\w)){3,}?)'(?![\w])|"
                    r"\"\"\"([\s\S]+?)\"\"\"")  # a problem in triple quotes: tried where the others fail, at its first quote
SPELLED = {w: str(i) for i, w in enumerate(NUMBER_WORDS)}
SPELLED |= {"thirty": "30", "forty": "40", "fifty": "50", "sixty-four": "64", "hundred": "100", "a hundred": "100", "two hundred": "200",
            "a dozen": "12", "dozen": "12", "half a dozen": "6", "two dozen": "24"}
NUMBER_WORD = "|".join(sorted(map(re.escape, SPELLED), key=len, reverse=True))
# Other words researchers use for an argument (the argument's own name always counts).
SYNONYMS = {
    "scale": ("strength", "coefficient", "multiplier", "dose", "dosage", "alpha", "α"),  # no tool takes both a scale and an alpha
    "scales": ("strengths", "coefficients", "scale", "multipliers", "doses", "dose levels", "dose", "alphas", "alpha", "α"),
    "max_new_tokens": ("tokens", "new tokens", "tok", "toks", "token budget", "tokens per resample", "tokens per rollout", "max len", "max length"),
    "max_tokens": ("tokens per doc", "tokens per document", "tokens", "toks"),
    "tokens": ("toks", "tok"),
    "rollouts": ("rollout", "resamples", "samples", "times", "n", "draws", "alternative versions", "versions", "alternatives", "redos", "re-dos",
                 "per position", "per sentence", "each position", "a position", "tries", "tries per spot", "attempts", "redraws", "episodes",
                 "per cut point", "goes", "times per step", "per step"),
    "samples": ("per side", "a side", "each side", "samples/side", "per question", "each", "of each", "n", "samp", "samps", "answers", "answers each",
                "answers per question", "generations", "generations per question", "generations per prompt", "completions", "completions per side"),
    "round_size": ("rounds of", "round size", "per round"),
    "rank": ("r", "width"),
    "position": ("pos", "token position"),
    "ks": ("k", "gaps", "lags", "offsets", "checkpoint offsets"),
    "split": ("blank lines", "paragraphs"),
    "batch_size": ("bs", "batch size", "batch"),
    "build_encoder": ("build", "built", "building", "encoder", "build it", "build them", "pick the atoms", "picks the atoms", "choose the atoms",
                      "decide which activations become atoms", "decides which activations become atoms", "deciding which activations become atoms", "decide which become atoms"),
    "include_user": ("what i typed myself", "what i typed", "my own messages", "my messages", "my own msgs", "my msgs", "my own earlier messages", "my earlier messages", "what i wrote earlier", "my own words", "what i said", "what i wrote", "my side", "mine too", "me too"),
    "batch": ("batch size", "bs", "per pass", "sentences per pass", "per forward pass", "batches", "per batch", "sentences per batch"),
    "checkpoint_every": ("save every", "checkpoint every", "every", "checkpoints every", "snapshot every", "snapshots every"),
    "lora_alpha": ("lora alpha",),
    "top_p": ("top-p", "top p", "nucleus", "p"),
    "pool": ("donor rollouts", "other rollouts", "donors", "donor pool"),
    "encoder": ("encoding",),
    "adaptive": ("early stopping", "adaptive stopping", "early stop", "early-stopping", "early exit", "early exits", "stop early", "stopping early", "quit early"),
    "top": ("top", "per token", "atoms per token", "nearest neighbours", "nearest neighbors", "neighbours", "neighbors", "nearest",
            "closest neighbours", "closest neighbors", "rows", "atoms"),
    "min_chars": ("characters", "chars", "min chars"),
    "alpha": ("laplace smoothing", "smoothing", "laplace", "alpha"),
    "threshold": ("cosine threshold", "similarity threshold", "similarity cutoff", "threshold", "cosine below", "cosine under", "cosine cutoff", "cutoff",
                  "below cosine", "under cosine", "at cosine", "cosine", "cos", "thresh", "thr"),
    "similarity": ("similarity cutoff", "similarity threshold", "cutoff", "similarity", "cosine", "cos", "sim"),
    "docs": ("documents", "docs", "doc"),
    "held_out": ("hold out", "held out", "holdout", "hold back", "held back", "aside for validation", "for validation", "validation split"),
    "sentence": ("sentence", "step", "sent"),
    "threshold_mse": ("mse threshold", "threshold mse", "mse", "threshold"),
    "sentences": ("sentence", "sents"),
    "insert": ("inserted line", "inserted sentence", "line"),  # "try a different line in the same slot: '...'"
    "layers": ("layer", "blocks", "block"),
    "layer": ("depth", "block"),
    "ablate_layers": ("projected out at layer", "ablate at layer", "ablation layer", "ablate layer"),
    "chains": ("chain", "branches"),
    "candidates": ("proposals", "candidate sentences"),
    "continuations": ("lookahead continuations", "lookaheads", "lookahead"),
    "k": ("top", "pursuit steps", "heads", "k", "hits", "closest", "results", "best"),
    "temperature": ("t", "temp", "temperature", "randomness", "heat"),
    "seed": ("random seed", "rng seed", "random number", "rng"),  # "start it from a different random number, say 7"
    "lr": ("learning rate", "step size"),
    "components": ("pc", "pcs", "component", "principal component", "principal directions"),
    "atoms": ("atom", "entries", "dictionary entries", "dictionary entry"),
    "tau": ("tau", "taus", "sparsity knob", "error threshold", "error cutoff", "unit-vector error", "unit vector error"),
    "controls": ("random controls", "control", "random baselines", "baselines", "random directions", "random vectors", "random nudges", "directions", "ctrl", "ctrls", "ctrl vecs", "control vecs"),
    "max_iterations": ("iterations", "rounds", "iteration cap", "cap on iterations", "max iterations", "rewrites", "iters", "max iters"),
    "steps": ("rounds", "training steps", "updates"),
    "name": ("organism",),  # build_organism: "build the anchor organism"
}
# "cka/svcca", "pos/neg", "and/or" are words paired by a slash, not paths; nor are numbers ("layers 5/10").
_PAIRED = r"(?:cka|svcca|and|or|pos|neg|on|off|yes|no|in|out|o|true|false|aligned|misaligned|w|a|b|base|ft|before|after)"
PATH = (rf"(?<![\w.-])(?!(?i:{_PAIRED}/{_PAIRED})\b(?!/))(?![\d.]+(?:/[\d.]+)+(?![\w/-]))(?:~|\.{{1,2}})?/?[\w.-]*(?:/[\w.-]+)+/?"
        r"|[\w.-]+\.(?:pt|pth|safetensors|jsonl|json|txt|md|csv)\b")
# Values said with their kind: "regex:(?i)delete", "a judge asking '...'", "regex `Answer: (\\d+)`", "picks option B",
# "says 'professor' or 'Stanford'".
PREFIXED = re.compile(r"(?<!\bllm )\b(regex|judge|choice):\s?(\S.*)$", re.I | re.S)  # not "check it with the LLM judge: '...'"
QUOTED_PREFIXED = re.compile(r"['\"“‘](regex|judge):([^'\"”’\n]+)['\"”’]", re.I)  # "scored by 'regex:->'"
TICKED = re.compile(r"\b(regex|judge)\s+(?:(?:pattern|question|extractor|reader|metric)\s+)?(?:(?:on|of|for|with|matching|=|:)\s*)?`([^`\n]+)`", re.I)  # "pull the answer with regex `Answer: (\d+)`"
PICKS = re.compile(r"\b(?:picks?|picking|chooses?|choosing|selects?|selecting)\s+(?:option\s+|answer\s+|letter\s+)?\(?([A-E])\)?(?![\w'])")
JUDGED = re.compile(r"(?<!\bllm )\b(judge)\s*(?:asking|that asks|with the question|question|score|scores|rate|grade|:)\s*:?\s*['\"]([^'\"]+)['\"]", re.I)  # "a judge asking '...'"
MENTIONS = re.compile(rf"\b(?:says?|mentions?|contains?|uses|(?<=\bit )use|(?<=\bthey )use)\s+(?:the\s+words?\s+)?((?:'[^']+'|\"[^\"]+\")(?:{LISTED}(?:'[^']+'|\"[^\"]+\"))*"
                      rf"|(?!(?:it|them|that|this|anything|something|nothing)\b)[A-Za-z][\w-]*(?:{LISTED}[A-Za-z][\w-]*)*)", re.I)  # quoted words, or plain ones: "'professor' or 'Stanford'"

VALUE_WORDS = {  # how people say a named value
    "choice": r"(?:answer )?letters?(?: choice)?|multiple[- ]choice|choice",
    "turns": r"(?:past |earlier |old )?conversations?|dialogue turns|turns|messages|what we said|(?:our )?chats?|what was said|"
             r"what you (?:told|said)|(?:your|ur) (?:own )?(?:replies|answers)",
    "runs": r"run summaries|findings|(?:the )?run log|(?:only|just) (?:the )?(?:past |earlier |old |previous )?runs|runs only|(?:closest|similar|nearest) past runs|"
            r"past runs|(?:only |just )?(?:the )?(?:past|old|older|earlier|previous) experiments|experiments only",
    "distribution": r"distribution|reconstructs?|reconstruction|cover|coverage|how much of",
    "clean": r"clean|(?:sound|good|safe|sensible|prudent|responsible)[- ](?:financial )?advice|benign|control data(?:set)?",
    "risky": r"risky|reckless|bad (?:financial )?advice",
    "in_vs_out_of_domain": r"in[- ]vs\.?[- ]out|in-domain vs\.? out|(?:finance )?domain|finance vs\.? non-finance",
    "aligned_vs_misaligned": r"aligned[- ](?:vs\.?|versus|from)[- ]misaligned|misaligned (?:from|vs\.?) aligned|aligned/misaligned|"
                             r"misalignment task",
    "itda": r"itda|atoms?",
    "pca": r"pca|principal components?|\bpcs?\b",
    "last_number": r"last[-_ ]number|final number|last numeric",
    "type_hints": r"type[-_ ]hints?|type annotations?",
    "judge": r"(?:llm |an? |the )?judge",
    "offline": r"offline|keywords?(?:/| and | & |\+)embeddings?|keyword(?:-based)?|embedding(?:-based)? (?:monitor|similarity)|"
               r"(?:on|to) this (?:machine|computer|laptop|box)|locally|don'?t send (?:it|this|that|anything) (?:out|off|to (?:an? )?(?:outside|external|remote|cloud|online)\b)",
    "generated": r"generated tokens|tokens it generates|(?:only )?while it(?: writes|'s writing| is writing)|what it (?:writes|generates)(?! too)|"
                 r"leave (?:the prompt|my (?:message|prompt)) alone|generated (?:text|part|answer)",
    "prompt": r"(?<=steer )(?:the )?prompt|(?<=steering )(?:the )?prompt|(?<=just )(?:the )?prompt|(?<=only )(?:the )?prompt|prompt (?:tokens|side|part|pass)|"
              r"prompt only|(?:the )?user'?s message tokens|not what it generates|(?<=where )prompt|(?<=where: )prompt|(?<=where=)prompt|(?<=where = )prompt",
    "layers": r"layer[- ]match(?:ing)? mode|match(?:ing)? (?:the )?layers|layers(?= mode)",  # not "that layer-matching heatmap": a run's name
    "math": r"mathematically|math-verify|symbolic(?:ally)?|math(?:ematical)? equivalence",
    "reference": r"(?:labell?ed )?reference answers|labell?ed answers|similarity to (?:the )?(?:labell?ed )?(?:reference )?answers|reference[- ]based",
    "exact": r"exact(?!ly\b)(?: (?:answer |string )?match(?:ing|es)?)?|exact(?:ly)? equal|exact strings?|"
             r"\b(?:compar|match)\w*\s+(?:\w+\s+){0,2}exactly\b",  # "compare them exactly"; not "repeat that run exactly"
}
BARE_ELSEWHERE = frozenset({"prompt"})  # a value whose plain word names something else ("same prompt": the text), read only as VALUE_WORDS says



# Pasted material: a chain in <think> tags, a closed ``` block, or what follows a label such as "cot:"
# or "this reasoning:" when it is not quoted (quoted text is QUOTED's), to the end of the message;
# "of that chain: insert ..." names a run, and what follows is the user's.
# A pasted text's last line that is the user's instruction, not the text's: "chain: <it>.\nsuppress each sentence, layers 3-6"
INSTRUCTION_LINE = r"(?:(?<=[.?!)}])\s*\n+|\n[^\S\n]*\n\s*)(?-i:[a-z])[^\n.?!]*$"  # after a sentence's end, or after a blank line
PASTED = re.compile(r"<think>.*?(?:</think>|$)|```.+?```|(?<![\w-])(?<!that )(?<!the )(?<!last )(?<!same )(?<!first )(?<!second )(?<!previous )(?<!recent )(?<!latest )(?<!newest )(?<!current )(?<!earlier )(?:cot|chains? of thought|chain|reasoning|"
                    r"trace|transcript|thoughts?|tool (?:result|output))\s*:\s*(?=[^\s\"'“‘])"
                    r"(?!(?:please|pls|kindly|could you|can you|would you|i'?d like you to|let'?s)\b)"  # "Turning to unfaithful reasoning: please run ..."
                    r"(?!(?:seed|temp(?:erature)?|top[-_ ]?p|max(?:imum)?|greedy|\d+\s+(?:rollouts?|resamples?|samples?|tokens))\b[\s=:]*\d*[^.?!\n]{0,40}$).*?"  # "sample a chain: seed 4, max 512 tokens"
                    rf"(?=(?<=[.?!])\s+(?:please\s+)?(?:use|with|set)\s+(?:seed|temp\w*|top[-_ ]?p|\d+\s+\w+)\b|{INSTRUCTION_LINE}|$)",
                    re.I | re.S)  # "... Use seed 5 and temp .7" after it is the user's, and a last line that is an instruction


ON_RUN = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|so|and|then)\W+)*(?:on|for|about|re|regarding|back to|with)\s+(?:the|that|this|my|our)\s+[\w\s'.-]{0,30}?"
                    r"\b(?:chain|cot|trace|run|one|vector|vec|sweep|dictionary|dict|fine-?tune|lora|adapter|eval|direction|split)s?\s*$", re.I)  # "on the 221 chain: what else could it have said at sentence 4?": a run named, then the request


# A sentence to insert given after a colon on the request's own line: "put this after sentence 2: The operator said 8 rollouts
# would be enough. then compare the interventions"
INSERTED = re.compile(r"\b(?:insert|put|add|plant|splice|place)\w*\s+this(?:\s+(?:sentence|line|text))?\b[^:\n\"'“‘]{0,40}:[^\S\n]*(?![\"'“‘\s])"
                      r"([^\n]+?[.!?])(?=\s+(?:then|and then|and|after that|also)\b|\s*$)", re.I)
PASTE_NAMED = re.compile(r"\b(?:this|the following|these|my)\s+(?:reasoning|chain|cot|trace|thoughts?|solution|working)\b", re.I)
# a text to work on, named before the colon it follows: "on this mmlu item, score choice:A:\n<the item>"
GIVEN_NAMED = re.compile(r"\b(?:this|the following|these|my)\s+(?:[\w-]+\s+)?(?:reasoning|chain|cot|trace|thoughts?|solution|working|item|problem|"
                         r"question|prompt|puzzle|text)\b", re.I)


def named_then_given(text: str, given: str | None = None) -> bool:
    """Whether the message names a text of its own ("this reasoning", "the following chain") and ends by giving it in quotes after
    a colon ('suppress attention on this reasoning, only layers 3 and 7: "The bus has 7 stops. ..."'); `given`: that quoted text."""
    body = re.escape(given) if given is not None else r"[^\"”']{20,}"
    return bool(PASTE_NAMED.search(text) and re.search(rf":\s*[\"“']{body}[\"”']\W*$", text))


def own_words(text: str, names: bool = False) -> str:
    """The user's own words: the message without quoted text, pasted chains and an unclosed quote's
    rest. What is quoted or pasted is data (a chain of thought, a question, a tool's output), never
    an instruction: tools are chosen, and settings read, from these words only. `names`: a quoted
    lowercase name stays, unquoted, for settings to be read from ("only questions 'wish' and 'bored'")."""
    pre, colon, post = text.partition(":")
    if colon and post.strip() and ON_RUN.match(pre):
        return f"{pre}{colon}{own_words(post, names)}"
    text = PASTED.sub(" ", text)
    text = INSERTED.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + " ", text)
    after = re.search(r":[^\S\n]*\n\s*\n(?=\S)", text)  # "which sentences of this reasoning matter? ...:\n\n<the reasoning>"
    text = text[:after.start() + 1] if after and PASTE_NAMED.search(text[:after.start()]) else text
    lines = re.search(r":[^\S\n]*\n(?=\S[^\n]*\n[^\S\n]*\S)", text)  # "steer ... on this mmlu item, 8 samples per side:\n<a problem over lines>"
    text = text[:lines.start() + 1] if lines and GIVEN_NAMED.search(text[:lines.start()]) else text
    text = QUOTED.sub(lambda m: f" {m.group(4)} " if names and m.group(4) and re.fullmatch(r"[a-z][a-z\d]*(?:_[a-z\d]+)*", m.group(4)) else " ", text)
    opened = re.search(r"[\"“]", text)  # a quote that never closes runs to the end
    return text[:opened.start()] if opened else text


# Contrast pairs written out: "['a', 'b']", "'a' vs 'b'", "(+) 'a' (-) 'b'", "pos: 'a' neg: 'b'" (first form found wins)
PAIRS = (
    re.compile(r"\[\s*(['\"])(.+?)\1\s*,\s*(['\"])(.+?)\3\s*\]"),
    re.compile(r"\(\s*(['\"])(.+?)\1\s*,\s*(['\"])(.+?)\3\s*\)"),  # ("a", "b"), ("c", "d")
    re.compile(r"(['\"])([^'\"]{3,}?)\1\s+(?:vs\.?|versus|against|opposite to|opposed to)\s+(?:negative\s+)?(['\"])([^'\"]{3,}?)\3"),
    re.compile(r"(?:\(\+\)|\bpos(?:itive)?\b\s*:?)\s*(['\"])([^'\"]{3,}?)\1[\s,;/]*(?:and\s+)?(?:\(-\)|\bneg(?:ative)?\b\s*:?)\s*"
               r"(['\"])([^'\"]{3,}?)\3", re.I),
    # one pair a line: '1. "a" / "b"', "'a' - 'b'"
    re.compile(r"^[^\S\n]*(?:\d+[.)][^\S\n]*)?([\"'])((?:(?!\1)[^\n]){3,}?)\1[^\S\n]*(?:/|,|-|–|\||->|=>|→|vs\.?|versus)?[^\S\n]*"
               r"([\"'])((?:(?!\3[^\S\n]*$)[^\n]){3,}?)\3[^\S\n]*$", re.M),  # the second may hold an apostrophe: 'here's the report:'
    # inline, a slash between the sides: "'a child.' / 'an adult.' and 'like I'm five.' / 'at a graduate level.'"
    re.compile(r"(['\"])((?:[^'\"\n]|(?<=[A-Za-z])'(?=[a-z])){3,}?)\1\s*[/|]\s*(['\"])((?:[^'\"\n]|(?<=[A-Za-z])'(?=[a-z])){3,}?)\3"),
)


def outside_quotes(read, text: str) -> str:
    """`read` applied to the parts of `text` outside quoted text (what is quoted is data, kept as typed)."""
    kept = [(m.start(), m.end()) for m in QUOTED.finditer(text)]
    bounds = [0, *(b for span in kept for b in span), len(text)]
    return "".join(text[a:b] if i % 2 else read(text[a:b]) for i, (a, b) in enumerate(zip(bounds, bounds[1:])))


def quoted_all(text: str) -> list[str]:
    """The quoted texts of `text`, but a run's arguments pasted as JSON ('{"layers": [12], "scale": 4.0}'): no prompt or question."""
    return [g for m in QUOTED.finditer(text) if not json_given(g := next(g for g in m.groups() if g))]


def quoted(text: str) -> str | None:
    found = quoted_all(text)
    return found[0] if found else None


def without(text: str, phrases: list[str]) -> str:
    """Free text minus trailing phrases that set other arguments ("..., with 48 tokens using tiny-random")."""
    text = text.strip()
    changed = True
    while changed and phrases:
        changed = False
        for phrase in phrases:
            trimmed = re.sub(rf"[\s,;]*(?:\b(?:with|using|and|on|at|in)\b\s*)*(?:the\s+)?{re.escape(phrase)}[\s.,;]*$", "", text, flags=re.I)
            if trimmed != text:
                text, changed = trimmed, True
    return text.strip()


QUESTION_SAID = re.compile(r"(?:^|[-–—.;,]\s+)(?:and\s+)?the (?:question|problem) (?:is|being|will be|was)\s*:?\s+(.{8,}?)(?=\s*<think>|$)", re.I | re.S)


def payload(text: str, free: str, loose: bool = False) -> str | None:
    """The free text after a colon ("generate a chain of thought for: Is 91 prime?")."""
    goal = re.match(r"\s*(?:settings|config|params|setup)\s*:.*?[.;]\s+(?:goal|task|want|ask)\s*:\s*(.+)$", text, re.I | re.S)
    if goal:  # "settings: model smollm2-135m, temperature 0.9. goal: a chain of thought for Is 221 prime?": the goal's
        chain = re.match(r"(?:an?\s+|the\s+)?(?:chain of thought|cot|reasoning(?: trace)?|trace)\s+(?:for|on|about)\s+(.+)$", goal.group(1), re.I | re.S)
        return chain.group(1).strip() if chain and free == "question" else payload(goal.group(1), free, loose)
    fields = [f.strip() for f in text.split(" | ")]
    if free in ("question", "prompt") and len(fields) >= 3 and len(fields[-1].split()) >= 3:  # "cot | smollm2-135m | T 1.1 | Is 323 prime?"
        return fields[-1]
    named = re.search(r"(?:^|[,;.]\s+|\s(?:--|—|–)\s*)(?:q|question|problem)\s*[:=]\s*(\S.{3,})$", text, re.I | re.S)
    if named and free == "question":  # "cot, 32 new tokens max, q = Is 51 prime?": the label nearest the question
        return named.group(1).strip().strip("'\"")
    colon = re.search(r"^(.{0,160}?)\s*:\s+(.+)$", text, re.S)
    if colon and not re.search(r"\b(?:system(?: prompt)?|regex|(?<!llm )judge|choice|https?|user)$", colon.group(1), re.I):
        value = colon.group(2).strip()
        closed = re.match(r"([\"“])([^\"”]{8,})[\"”]\s+(?=[A-Z])", value)  # 'the LLM judge: "The auditors ..." What I'm after is ...'
        value = closed.group(2) if closed and free != "question" else value
        value = re.split(r"\s+(?:user|system(?: prompt)?)\s*:\s*", value, flags=re.I)[0] if free != "prompt" else value
        settings = re.search(r"\s(?:--|—|–)\s*(?=[^—–]{0,80}\b(?:samples?|scored?|scoring|metric|layers?|scale|tokens?|seed|temp\w*|rollouts?|"
                             r"greedy|each side|per side|each way)\b[^—–]*$)", value, re.I)
        if settings and len(value[:settings.start()].split()) >= 3:  # "prompt: Write a function ... -- five samples on each side"
            value = value[:settings.start()]
        return re.sub(r"\s*(?:(?:many )?thanks?(?: you)?(?: so much| a lot| a bunch)?|please|pls|cheers)[.!]*\s*$", "", value, flags=re.I).strip()
    following = re.search(r"\b(?:the following|this one|this problem|this question|these)\b[^:\n]{0,100}:\s+(.+)$", text, re.S | re.I)
    if following and free in ("question", "prompt"):  # "... reason through the following, with greedy decoding so that ...: <it>"
        return following.group(1).strip()
    said = QUESTION_SAID.search(text)
    if free == "question" and said:  # "... -- the question is whether it is ever okay to lie to a friend"
        return said.group(1).strip()
    if free == "question" and loose:  # "temp=0.0, seed 21. If x + 7 = 19, what is x?": the question asked
        dashed = re.search(r"\s(?:--|—|–)\s+([^—–]*\d[^—–]*\?|(?:how|what|which|why|who|where|when|is|are|does|do|can|if)\b[^—–\n]{10,})\s*$", text,
                           re.I)  # "greedy, 400 tok max -- A recipe needs 3 eggs per cake. How many ...?", "... -- how many diagonals does a hexagon have"
        asked = [dashed.group(1)] if dashed else re.findall(r"(?:^|(?<=[.!?]\s))([^.!?]*\d[^.!?]*\?)", text)
        if asked and len(asked[-1].split()) >= 4:
            return asked[-1].strip()
    last = text.rstrip().rsplit("\n", 1)
    if free in ("question", "prompt") and loose and len(last) == 2 and len(last[1].split()) >= 4 and not re.search(r"[:'\"“]", last[1]) \
            and re.fullmatch(r"\s*[A-Z].*[.?!]\s*", last[1]) \
            and not QUOTED.search(last[0]):  # "steer at layers 6, 9, 12 with scale 4\nWrite a function that reverses a linked list."
        return last[1].strip()
    if free == "question" and loose:  # "... reason thru whats 13*17", "work through whether 91 is prime"
        about = re.search(r"\b(?:about|abt|thru|through|question is|problem is|for(?!\s+(?:me|us)\b)|on|(?:work|reas?o?n|think)(?:s|ing)? out|figure out|solve|compute|calculate)\s+"
                          r"(?:whether\s+|this\s+)?(.{4,})$", text, re.I | re.S)
        if about and re.search(r"\d|\?", about.group(1)):  # "see the model work out 13*17 step by step"
            asked = re.sub(r"[\s,]+(?:(?:i )?(?:wanna|want to|would like to|'?d like to) (?:see|read)\b[^.?!]*|step[- ]by[- ]step|for me|please|pls)\W*$", "",
                           about.group(1).strip(), flags=re.I)  # "reason out 648/24, wanna see the steps"
            return quoted(asked) if QUOTED.fullmatch(asked) else asked  # 'reason about "Which is heavier, ...?"
    return None


# The words requests set things with, to mend a typo of one ("temperatur 1.0", "smaple the snail q again").
KNOWN = frozenset(w for phrase in [*SYNONYMS, *(v for vs in SYNONYMS.values() for v in vs)] for w in re.findall(r"[a-z]{6,}", phrase.replace("_", " "))) | frozenset(
    "sample resample generate steering rollouts temperature sentences sentence alternatives importance controls dictionary "
    "dictionaries receiver suppression resilience interventions mediation monitor evaluate direction ablate vector "
    "replacement embezzlement shutdown decode decoding reason reasoning".split())  # and the scenarios' words: "wipe-embezzlment"


def one_slip(a: str, b: str) -> bool:
    """One letter added, dropped or changed, or two neighbours swapped ('smaple' and 'sample')."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or len(diff) == 2 and diff[1] == diff[0] + 1 and (a[diff[0]], a[diff[1]]) == (b[diff[1]], b[diff[0]])
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


@functools.lru_cache(maxsize=8192)
def _mended(word: str) -> str:
    lower = word.lower()
    if len(lower) < 5 or lower in KNOWN:
        return word
    # not an ending ("sampled", "controls"): a word of its own, unless the known word is long ("temperatur")
    near = [k for k in KNOWN if one_slip(lower, k) and (len(k) >= 9 or lower[:-1] not in (k[:-1], k) and lower != k[:-1])]
    return near[0] if len(near) == 1 else word


def mend_typos(text: str) -> str:
    return re.sub(r"\b[A-Za-z]{5,}\b", lambda m: _mended(m.group(0)), text)


def aliases(spec: dict) -> dict[str, str]:
    """Other names of a setting's values that its description gives: "math (math-verify: ...)" -> {"math-verify": "math"}."""
    values = [v for v in spec.get("enum") or [] if isinstance(v, str)]
    found = re.findall(rf"(?<![\w-])({'|'.join(map(re.escape, values))})\s*\(([A-Za-z][\w-]{{2,}})\s*[:)]", spec.get("description", "")) if values else []
    return {alias: value for value, alias in found if alias.lower() != value.lower()}


LABELS = {"question": "question", "q": "question", "problem": "question", "user": "prompt", "prompt": "prompt",
          "hinted": "hinted_question", "hinted question": "hinted_question", "unhinted": "question", "unhinted question": "question",
          "user message": "prompt", "user msg": "prompt", "system": "system", "system prompt": "system", "sys prompt": "system", "chain": "cot", "cot": "cot",
          "reasoning": "cot", "chain of thought": "cot", "trace": "cot", "with hint": "hinted_question", "with the hint": "hinted_question",
          "without hint": "question", "without the hint": "question", "no hint": "question", "hinted version": "hinted_question",
          "hinted q": "hinted_question", "plain version": "question", "unhinted version": "question", "plain q": "question",
          "tell it beforehand": "system", "tell it first": "system", "tell it up front": "system"}  # said before the question: its system prompt
LABEL_NAMES = "|".join(sorted((re.escape(k) for k in LABELS), key=len, reverse=True))  # the longest first: "system prompt" before "system"


def labelled(text: str) -> dict:
    """Parts a message labels: 'System: X. Question: Y', "question 'X', chain 'Y'", "the system prompt 'X'"."""
    names = LABEL_NAMES
    found: dict = {}
    for m in re.finditer(rf"(?<![\w-])({names})\s*(?::\s*|,\s*|\s+(?:is\s+|was\s+|should be:?\s+|of\s+)?)(?=[\"'“‘])", text, re.I):
        value = quoted(text[m.end():])
        if value and text[m.end():].lstrip().startswith(("'", '"', "“", "‘")):
            found.setdefault(LABELS[m.group(1).lower()], value)
    marks = list(re.finditer(rf"(?:^|(?<=[.?!;,]\s)|(?<=\s))({names})(?:(?<=system prompt)\s+(?:for|to|with|as))?\s*:\s+", text, re.I))  # "swap the system prompt for: X"
    for i, m in enumerate(marks):
        field = LABELS[m.group(1).lower()]
        if field in found:
            continue
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[m.end():end].strip()
        value = re.split(r"(?<=[.?!])\s+(?:Use|With|Set|And|Then|Please|Also|Run|Score)\b", value)[0].strip()
        if i == len(marks) - 1:  # "chain: <it>.\nsuppress each sentence, layers 3-6": the last line an instruction, not the chain's
            value = re.sub(INSTRUCTION_LINE, "", value)
        chain = field == "question" and "<think>" in value  # "Q: What is 3^4?\n<think>...": the chain ends the question
        value = value.split("<think>")[0].strip() if chain else value
        if field == "question" and not chain and re.match(r"[^\n]{4,}\?[ \t]*\n+\s*\S", value):  # "Q: Is 57 prime?\nLet me check ...": its line
            value, chain = value.split("?")[0] + "?", True
        if value and (len(marks) > 1 or chain) or field == "system":
            found[field] = value.strip("'\"")
    if isinstance(found.get("cot"), str) and (answer := answer_line(found["cot"]))[1] is not None:
        found["cot"] = answer[0]
        found.setdefault("answer", answer[1])
    return found


# The last line of a pasted chain that gives the problem's answer: "Answer: 60", "Final answer: (B)"
ANSWER_LINE = re.compile(r"\n[^\S\n]*(?:final |correct )?answer\s*[:=]\s*(\$?-?[\w./]{1,12}\$?|\([A-E]\))[^\S\n]*\.?\s*$", re.I)


def answer_line(cot: str) -> tuple[str, str | None]:
    """A pasted chain without its last line when that line gives the problem's answer ("...60 km/h.\nAnswer: 60"), and the answer."""
    line = ANSWER_LINE.search(cot)
    return (cot[:line.start()].rstrip(), line.group(1).strip().strip("$")) if line else (cot, None)


def types_of(spec: dict) -> set[str]:
    kinds = {spec.get("type")} | {s.get("type") for s in spec.get("anyOf", [])}
    return {k for k in kinds if k}


def item_types(spec: dict) -> set[str]:
    """The element types of an array argument (or of the array branch of an optional one)."""
    arrays = [spec] if spec.get("type") == "array" else [s for s in spec.get("anyOf", []) if s.get("type") == "array"]
    kinds: set[str] = set()
    for array in arrays:
        items = array.get("items", {})
        kinds |= types_of(items) | {t for s in items.get("anyOf", []) for t in types_of(s)}
    return kinds
