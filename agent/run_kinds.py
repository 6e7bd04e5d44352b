"""The kinds of things runs make (a chain, a vector, a fine-tune...), the tools that make each, and the words that
name them in a request: the vocabulary the dialogue state and the planner share for "that vector", "the other chain"."""

from __future__ import annotations

import re

# The kind of thing a `*_run` argument points to, and the tools whose runs hold one (a field's schema may name its own in `runs_of`, which wins).
REFERENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cot_run": ("chain", ("generate_cot",)),
    "more_cot_runs": ("chain", ("generate_cot",)),
    "vector_run": ("vector", ("build_steering_vector", "misalignment_direction")),
    "dictionary_run": ("dictionary", ("itda_build",)),
    "other_run": ("dictionary", ("itda_build",)),
    "base_run": ("dictionary", ("itda_build",)),
    "itda_run": ("dictionary", ("itda_build",)),
    "train_run": ("fine-tune", ("train_lora", "caft_finetune")),
    "eval_run": ("evaluation", ("em_evaluate",)),
    "direction_run": ("direction", ("misalignment_direction",)),
}
PRODUCES = {tool: kind for kind, tools in {r[0]: r[1] for r in REFERENCES.values()}.items() for tool in tools}
# Words that name a kind in a request ("the vector", "that chain", "the fine-tune").
KIND_WORDS = {
    "chain": r"chain|cot|reasoning|trace|thought",
    "vector": r"vector|vec",
    "dictionary": r"dictionar(?:y|ies)|dict|itda",
    "fine-tune": r"fine-?tuned?|finetuned?|ft|adapter|lora|organism|caft model",
    "evaluation": r"evaluation|eval",
    "direction": r"direction",
}
ANY_KIND = "|".join(KIND_WORDS.values())  # a word for a thing of any kind
# One before the last: "the last-but-one chain", "the second-to-last one", "the penultimate run"
BEFORE_LAST_WORDS = r"last[- ]but[- ]one|second[- ]to[- ]last|next[- ]to[- ]last|penultimate"
# The tools whose runs are things of each kind (a "vector" is a build_steering_vector or misalignment_direction run).
TOOLS_OF_KIND = {kind: frozenset(t for k, ts in REFERENCES.values() if k == kind for t in ts) for kind in KIND_WORDS}
_EITHER = TOOLS_OF_KIND["vector"] | TOOLS_OF_KIND["direction"]
REFERRED = {**TOOLS_OF_KIND, "vector": _EITHER, "direction": _EITHER}  # either word for either, when something is referred to
ORDINAL = re.compile(r"\b(?:first|second|third|last|latest|newest|previous|other|earlier|older|original|new|both|all|each|every|same|"
                     r"base|current|\d{8}-\d{6})\b", re.I)  # words that pick one of several runs, or all of them
COUNTED = re.compile(r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|both|all|few|several|many", re.I)  # "the three adapters"
TOOL_WORDS = {"caft": ("caft_finetune",), "sweep": ("steering_sweep",), "probe": ("lora_probe",), "phase": ("lora_phase",),
              "monitor": ("cot_monitor",), "resilience": ("sentence_resilience",), "mediation": ("hint_mediation",),
              "importance": ("resample_importance",), "alternatives": ("sentence_alternatives",), "suppression": ("attention_suppression",),
              "transplant": ("hint_mediation",)}
RUN_WORDS = "|".join([*KIND_WORDS.values(), *TOOL_WORDS])  # the words that name a run of a kind or a tool ("the chain", "that sweep")
TOOL_RUN = re.compile(rf"\bthe\s+({'|'.join(TOOL_WORDS)})\s+(?:run|one|results?|adapters?|model|fine-?tune)\b|"  # "the CAFT run"
                      rf"\b(?:re-?run|redo|repeat)\s+the\s+({'|'.join(TOOL_WORDS)})\b", re.I)  # "rerun the sweep"
FILE = re.compile(r"[\w/.-]\.(?:pt|pth|safetensors|npy)\b")  # a tensor file said in the request
RUN_ID = re.compile(r"\b\d{8}-\d{6}-[a-z_]+-[0-9a-f]{4}\b")
SHORT_ID = re.compile(r"(?<![\w-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{4}(?![\w-])")  # "what e41b added": a run id's last part


# A run id's time ("the 103212 chain") or its start typed from memory ("the 20270523-1015 one"): 2-6 digits after the date
ID_START = re.compile(r"(?<![\w-])(?:\d{8}-\d{2,6}|\d{6})(?![\w-])")
# Its last characters, said as such: "the one ending in 4", "the lora run that ends with a3b1"
ID_END = re.compile(r"(?:(?<=\bending in )|(?<=\bends in )|(?<=\bending with )|(?<=\bends with ))(?=[0-9a-f]*\d)[0-9a-f]{1,4}(?![\w-])", re.I)  # (a digit: "ends with a question" is none)


def fitting(fragment: str, run_ids) -> set[str]:
    """The run ids a piece of an id names: its last part ("7c2e") or its last characters ("ending in 4"), its time ("103212")
    or its start ("20270523-1015")."""
    if "-" in fragment:
        return {run for run in run_ids if run.startswith(fragment)}
    if fragment.isdigit() and len(fragment) == 6:
        return {run for run in run_ids if run[9:15] == fragment}
    return {run for run in run_ids if run.endswith(fragment.lower())}


def fragments(text: str) -> list[re.Match]:
    """The pieces of run ids said in `text` (whole ids not counted)."""
    bare = RUN_ID.sub(lambda m: " " * len(m.group(0)), text)
    ends = list(ID_END.finditer(bare))
    return [*ends, *(m for m in [*SHORT_ID.finditer(bare), *ID_START.finditer(bare)] if not any(e.start() == m.start() for e in ends))]


# A run by its number in a list Parley printed ("receiver heads on #2", "EM eval on #3", "number 4 in the list")
LISTED = re.compile(r"(?<![\w#])(?:#\s?(\d{1,2})|(?:number|no\.?)\s+(\d{1,2})\s+(?:in|on|of|from)\s+(?:the|that|your)\s+list)(?!\w)", re.I)
LIST_ROW = re.compile(rf"^\s*(\d{{1,2}})[.)]\s+({RUN_ID.pattern})", re.M)


def listed_ids(text: str, rows: dict[int, str]) -> str:
    """`text` with each run named by its number in the list (`rows`: number -> run id) named in full."""
    def full(found: re.Match) -> str:
        return rows.get(int(found.group(1) or found.group(2)), found.group(0))
    return LISTED.sub(full, text) if rows else text


def list_rows(replies: list[str]) -> dict[int, str]:
    """The numbered rows of run ids in the newest reply that lists some ("1. 2027...-8be1  generate_cot ...")."""
    for reply in reversed(replies):
        rows = {int(m.group(1)): m.group(2) for m in LIST_ROW.finditer(reply)}
        if rows:
            return rows
    return {}


def full_ids(text: str, run_ids: list[str]) -> str:
    """`text` with each run named by a piece of its id ("probe the adapters of 7c2e", "the 103212 chain") named in full,
    where one run fits."""
    for found in sorted(fragments(text), key=lambda m: -m.start()):
        fits = fitting(found.group(0), run_ids)
        if len(fits) == 1:
            text = text[:found.start()] + fits.pop() + text[found.end():]
    return text


def kind_of(word: str) -> str | None:
    """The kind a word names ("cot" -> "chain", "lora" -> "fine-tune"), or None."""
    return next((kind for kind, words in KIND_WORDS.items() if re.fullmatch(words, word, re.I)), None)


def plural(kind: str) -> str:
    return "dictionaries" if kind == "dictionary" else f"{kind}s"
