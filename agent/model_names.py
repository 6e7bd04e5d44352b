"""The subject model a request names, beyond the built-in names and paths `agent/arguments.py` reads.

A researcher studies models under names of their own: entries of the `models` setting ("r1-qwen-1.5b" on a vLLM
server, "llama-8b" on NDIF) and whatever the conversation's runs ran on (an HF id, a directory). Those are the
models a request can name here:
- by the whole name, anywhere: "same on r1-llama-8b", "build the eval vector on llama-8b";
- by a part of it that one model alone has, after "on/with/to/using the": "same sweep on the qwen", "with the 1.5b
  reading that chain", "give the cube one to the distill one" (a word the run's summary says of its model, as in
  "r1-qwen-1.5b (R1 distill, vLLM server; ...)");
- by its size: "now the same on the big one", "back to the small one";
- by a run: "on the model it was built on", "the same model as that chain".
A part or size two models share ("the 8b" with llama-8b and r1-llama-8b) names neither: the planner asks which.
"""

from __future__ import annotations

import re

from agent.dialogue_state import AFTER, BUILT_IN, SIZE, DialogueState, RunSeen, model_words as parts
from agent.organism_names import organism_named
from agent.run_kinds import REFERRED, kind_of

# "the llama chain", "the qwen-1.5b one": a run described by its model, not the model of the run asked for
RUN_NOUN = r"\s*(?:'s\s+)?(?:chains?|cots?|traces?|dictionar(?:y|ies)|dicts?|vectors?|vecs?|directions?|runs?|evals?|sweeps?|fine-?tunes?|loras?|" \
           r"adapters?|samples|results?|numbers|table|plot)\b"
ON = r"\b(?:on|onto|with|to|using|via|through|for|against|in)\s+(?:the\s+)?"
AMBIGUOUS = "?"
# A model's name that ends in its size, said after "on/with/using": "on llama-8b", "with qwen2.5-7b-instruct"
SIZED = re.compile(r"\b(?:on|onto|with|using|via)\s+(?:the\s+)?((?!smol\w*-135m\b)[a-z][\w.]*(?:-[a-z][\w.]*)*-\d+(?:\.\d+)?[bm](?:-[a-z]+)*)(?![\w./-])", re.I)


def configured() -> list[str]:
    """The names of the `models` setting (the planner keeps them on the turn's dialogue state)."""
    from backends.core.settings import get_settings
    try:
        return list(get_settings().models)
    except Exception:  # a bad entry is reported where a model loads, in one line; here it names nothing
        return []


def known(state: DialogueState) -> list[str]:
    """The models this conversation can name: the configured ones, then those its runs ran on."""
    seen = [str(r.args["model"]) for r in state.runs if isinstance(r.args.get("model"), str) and r.args["model"]]
    return [m for m in dict.fromkeys(state.configured + seen) if not m.startswith("organism:")]


def size(name: str) -> float | None:
    found = SIZE.findall(name)
    return float(found[-1][0]) * (1e9 if found[-1][1].lower() == "b" else 1e6) if found else None


def named(text: str, state: DialogueState, args: dict | None = None) -> str | None:
    """The model the request names for the run it asks for; AMBIGUOUS when two fit alike; None when it names none here."""
    fits = fitting(text, state, args)
    return None if not fits else fits[0] if len(fits) == 1 else AMBIGUOUS


def fitting(text: str, state: DialogueState, args: dict | None = None) -> list[str]:
    """The models the request's words fit: none, the one it names, or those a shortening fits alike."""
    models = known(state)
    for name in sorted(models, key=len, reverse=True):
        if name.lower() not in BUILT_IN and any(not re.match(RUN_NOUN, text[said.end():], re.I)
                                                for said in re.finditer(AFTER.format(re.escape(name)), text, re.I)):
            return [name]
    if (of_run := _of_run(text, state, args or {})) is not None:
        return [of_run]
    studied = [m for m in models if m.lower() not in BUILT_IN]
    for said in re.finditer(ON + r"([\w.-]+)(?:\s+([\w.-]+))?(?:\s+(?:one|model|version))?\b", text, re.I):
        words = [w.lower() for w in said.groups() if w]
        for count in (2, 1):
            if len(words) < count or re.match(RUN_NOUN, text[said.end(count):], re.I):
                continue
            fits = [m for m in studied if set(words[:count]) <= parts(m, [r.summary for r in state.runs])]
            if fits:
                return fits
    if (sized_name := SIZED.search(text)) and not re.match(RUN_NOUN, text[sized_name.end():], re.I):
        return [sized_name.group(1)]  # "on llama-8b" with no such model here yet: a name of the config, as written
    by_size = re.search(ON + r"(big|bigger|biggest|large|larger|largest|small|smaller|smallest|little)\s+(?:one|model)\b", text, re.I)
    sized = [(s, m) for m in dict.fromkeys(models + [m for m in BUILT_IN if _in_summaries(m, state)]) if (s := size(m)) is not None]
    if by_size and len(sized) >= 2:
        pick = max(sized)[0] if by_size.group(1).lower().startswith(("big", "large")) else min(sized)[0]
        return [m for s, m in sized if s == pick]
    return []


def _in_summaries(name: str, state: DialogueState) -> bool:
    return any(re.search(AFTER.format(re.escape(name)), r.summary or "", re.I) for r in state.runs)


def _of_run(text: str, state: DialogueState, args: dict) -> str | None:
    """'on the model it was built on', 'the same model as that chain': the model of the run meant."""
    built = re.search(r"\bthe model (?:it|that|this|they) (?:was|were) (?:built|made|trained|sampled|generated|run) (?:on|with|from)\b|"
                      r"\b(?:its|their) own model\b", text, re.I)
    same = re.search(r"\b(?:the )?same model as (?:the |that |this )?(?:([\w-]+) )?(chain|cot|vector|vec|dictionary|dict|fine-?tune|lora|sweep|eval)\b", text, re.I)
    runs: list[RunSeen] = []
    if built:
        runs = [r for v in args.values() if isinstance(v, str) and (r := state.get(v)) is not None]
    elif same:
        kind = kind_of(same.group(2))
        runs = [r for r in reversed(state.runs) if kind and r.tool in REFERRED[kind]][:1]
    return next((r.args["model"] for r in runs if isinstance(r.args.get("model"), str)), None)


def meant(text: str, state: DialogueState, args: dict | None = None) -> str | None:
    """The model a request names: a built organism ("on the anchor organism"), else one named here; None when none or two fit."""
    found = organism_named(text, state) or named(text, state, args)
    return None if found == AMBIGUOUS else found


def unsettled(text: str, state: DialogueState, tool: dict) -> str | None:
    """'receiver heads on the last chain with the 8b' with llama-8b and r1-llama-8b here: which of them."""
    fits = fitting(text, state) if "model" in tool["schema"].get("properties", {}) else []
    return f"More than one model here fits that ({', '.join(f'`{m}`' for m in fits)}); which one do you mean?" if len(fits) > 1 else None
