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
# The tools whose runs are things of each kind (a "vector" is a build_steering_vector or misalignment_direction run).
TOOLS_OF_KIND = {kind: frozenset(t for k, ts in REFERENCES.values() if k == kind for t in ts) for kind in KIND_WORDS}
_EITHER = TOOLS_OF_KIND["vector"] | TOOLS_OF_KIND["direction"]
REFERRED = {**TOOLS_OF_KIND, "vector": _EITHER, "direction": _EITHER}  # either word for either, when something is referred to
ORDINAL = re.compile(r"\b(?:first|second|third|last|latest|newest|previous|other|earlier|older|original|new|both|all|each|every|same|"
                     r"base|current|\d{8}-\d{6})\b", re.I)  # words that pick one of several runs, or all of them
COUNTED = re.compile(r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|both|all|few|several|many", re.I)  # "the three adapters"
TOOL_WORDS = {"caft": ("caft_finetune",), "sweep": ("steering_sweep",), "probe": ("lora_probe",), "phase": ("lora_phase",),
              "monitor": ("cot_monitor",), "resilience": ("sentence_resilience",), "mediation": ("hint_mediation",)}
TOOL_RUN = re.compile(rf"\bthe\s+({'|'.join(TOOL_WORDS)})\s+(?:run|one|results?|adapters?|model|fine-?tune)\b|"  # "the CAFT run"
                      rf"\b(?:re-?run|redo|repeat)\s+the\s+({'|'.join(TOOL_WORDS)})\b", re.I)  # "rerun the sweep"
FILE = re.compile(r"[\w/.-]\.(?:pt|pth|safetensors|npy)\b")  # a tensor file said in the request
RUN_ID = re.compile(r"\b\d{8}-\d{6}-[a-z_]+-[0-9a-f]{4}\b")
SHORT_ID = re.compile(r"(?<![\w-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{4}(?![\w-])")  # "what e41b added": a run id's last part


def full_ids(text: str, run_ids: list[str]) -> str:
    """`text` with each run named by the last part of its id alone ("probe the adapters of 7c2e") named in full, where one run fits."""
    def full(found: re.Match) -> str:
        fits = {run for run in run_ids if run.endswith("-" + found.group(0))}
        return fits.pop() if len(fits) == 1 else found.group(0)
    return SHORT_ID.sub(full, text)


def kind_of(word: str) -> str | None:
    """The kind a word names ("cot" -> "chain", "lora" -> "fine-tune"), or None."""
    return next((kind for kind, words in KIND_WORDS.items() if re.fullmatch(words, word, re.I)), None)


def plural(kind: str) -> str:
    return "dictionaries" if kind == "dictionary" else f"{kind}s"
