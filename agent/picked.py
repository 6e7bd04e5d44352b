"""Settings picked out of an earlier run's results rather than said as numbers.

- "right after the least resilient sentence": the sentence with the lowest resilience in the newest resilience run;
- "only in the layers where the top three receiver heads sit": the layers of the newest receiver-heads run's first
  three heads (L17H3, L21H7, L17H9 -> layers 17 and 21);
- "the atom that ' meme' used": the atom the newest explanation gave that token;
- "steer with that file": the newest file of that kind Parley named in a reply ("You wrote it to vecs/x.safetensors");
- "use that exact question as the prompt": the newest run's question, as this tool's prompt;
- "alternatives for the final sentence": the last sentence of the chain, counted by its newest split.

Each reads the run's result table where it has one, else its summary, the way the user read it.
"""

from __future__ import annotations

import re

from agent import arguments
from agent.dialogue_state import DialogueState
from agent.wording import PATH, SPELLED

RESILIENT = re.compile(r"\b(least|most) resilient (?:sentence|one)\b", re.I)
HEAD_LAYERS = re.compile(r"\blayers?\s+(?:where|that hold|holding|of|with)\s+(?:the\s+)?(?:(?:top|strongest|best|first)\s+(\w+)|(\w+)\s+(?:top|strongest|best))\s+"
                         r"(?:receiver\s+)?heads\b", re.I)  # "the top three receiver heads", "the two top heads"
MOVED = re.compile(r"\b(?:that|the same|the|its|this)\s+(?:exact\s+|same\s+)?(question|prompt)\s+as\s+(?:the\s+|a\s+)?(question|prompt)\b", re.I)
FINAL = re.compile(r"\b(?:the\s+)?(?:very\s+)?(?:final|closing|last)\s+(?:sentence|step)\b(?!\s+(?:you|we|i)\b)", re.I)  # "alts for the final sentence"
# "only the last three layers", "the middle six layers", "the deepest layer": counted in the model (or the run's own layers)
LAYER_SPAN = re.compile(r"\b(?:the\s+)?(last|final|top|middle|deepest|bottom|first)\s+(?:(\d+|two|three|four|five|six|seven|eight|ten)\s+)?layers?\b", re.I)
ATOM_OF = re.compile(r"\batom (?:that|which|for)\s+['\"]([^'\"]+)['\"]\s+(?:used|uses|got|gets|has|had|fired)\b", re.I)


def pick(args: dict, props: dict, text: str, state: DialogueState) -> None:
    """Fill the settings `text` picks out of an earlier run's results, where none was said."""
    if "sentence" in props and "sentence" not in args and (which := RESILIENT.search(text)):
        scores = _resilience(state)
        if scores:
            args["sentence"] = (min if which.group(1).lower() == "least" else max)(scores, key=scores.get)
    if "sentence" in props and "sentence" not in args and FINAL.search(text) and (count := _sentences(state, args.get("cot_run"))):
        args["sentence"] = count - 1
    layer_span(text, props, args, state)
    if "layers" in props and "layers" not in args and (top := HEAD_LAYERS.search(text)):
        word = (top.group(1) or top.group(2)).lower()
        count = int(SPELLED.get(word, word)) if word.isdigit() or word in SPELLED else None
        heads = next((re.findall(r"\bL(\d+)H\d+\b", r.summary) for r in reversed(state.runs) if r.tool == "receiver_heads"), [])
        if count and heads:
            args["layers"] = sorted({int(layer) for layer in heads[:count]})
    if "vector_file" in props and not {"vector_file", "vector_run"} & set(args) and re.search(r"\b(?:that|the same|this) (?:file|\.?safetensors)\b", text, re.I):
        args["vector_file"] = _file_named(state, "safetensors|pt|pth|npy|npz") or args.get("vector_file")
        if args["vector_file"] is None:
            args.pop("vector_file")
    if (moved := MOVED.search(text)) and moved.group(2).lower() in props and moved.group(2).lower() not in args:
        held = next((r.args[moved.group(1).lower()] for r in reversed(state.runs) if r.args.get(moved.group(1).lower())), None)
        if held:
            args[moved.group(2).lower()] = held
    if "atom" in props and "atom" not in args and (token := ATOM_OF.search(text)):
        for run in reversed(state.runs):
            found = re.search(rf"'{re.escape(token.group(1))}'\s*(?:->|→|:)\s*atom (\d+)", run.summary) if run.tool == "itda_explain" else None
            if found:
                args["atom"] = int(found.group(1))
                if str(args.get("text", "")).strip() == token.group(1).strip():
                    args.pop("text")  # the token named the atom; it is not the text to explain
                return


def _file_named(state: DialogueState, extensions: str) -> str | None:
    for reply in reversed(state.replies):
        files = [m.group(0).rstrip(".,") for m in re.finditer(PATH, reply) if re.search(rf"\.(?:{extensions})$", m.group(0).rstrip(".,"))]
        if files:
            return files[-1]
    return None


def _resilience(state: DialogueState) -> dict[int, float]:
    """Sentence -> resilience of the newest resilience run (its table, else 'sentence 2 (...) 1.3' in its summary)."""
    for run in reversed(state.runs):
        if run.tool != "sentence_resilience":
            continue
        rows = [r for r in run.result.get("rows") or [] if isinstance(r, dict) and r.get("index") is not None
                and isinstance(r.get("mean_resilience", r.get("resilience")), (int, float))]
        if rows:
            return {int(r["index"]): float(r.get("mean_resilience", r.get("resilience"))) for r in rows}
        return {int(s): float(v) for s, v in re.findall(r"(?:\bsentence |\bS)(\d+)(?: \([^)]*\))?:?\s+(\d+(?:\.\d+)?)\b", run.summary)}
    return {}


def _sentences(state: DialogueState, chain: str | None) -> int | None:
    """How many sentences the chain has: the newest split or sentence table of it (its rows, else "9 sentences" in its summary)."""
    for run in reversed(state.runs):
        if run.run_id != chain and run.args.get("cot_run") != chain:
            continue
        listed = run.result.get("sentences") if run.tool == "split_sentences" else None
        if isinstance(listed, list) and listed:
            return len(listed)
        said = re.search(r"\b(?:into|over|of)\s+(\d+)\s+sentences\b", run.summary or "", re.I)
        if said:
            return int(said.group(1))
    return None


def layer_span(text: str, props: dict, args: dict, state: DialogueState, again: bool = False) -> None:
    """'the last three layers' of the model, 'the middle six', 'the deepest layer' (of the run's own layers where it has
    them); `again`: a rerun, whose layers the span replaces."""
    from backends.subject.models import BUILTIN_LAYERS, DEFAULT_MODEL

    span = LAYER_SPAN.search(text)
    field = next((f for f in ("layers", "layer") if f in props and (again or f not in args)), None) if span else None
    if field is None:
        return
    which, count = span.group(1).lower(), span.group(2)
    count = int(SPELLED.get(count.lower(), count)) if count else None
    if which == "first" and count:
        return  # "the first 3 layers" is read with the layers (indices from 0)
    source = next((state.get(v) for k, v in args.items() if k.endswith("_run") and isinstance(v, str) and state.get(v)), None)
    made_from = [state.get(v) for k, v in (source.args.items() if source else ()) if k.endswith("_run") and isinstance(v, str) and state.get(v)]
    own = next((r.args.get("layers") for r in [source, *made_from] if r is not None and r.args.get("layers")), None)  # a continued dictionary's
    if count is None and which in ("deepest", "last", "final", "top") and isinstance(own, list) and all(isinstance(v, int) for v in own):
        layers = [max(own)]  # "the atoms the fine-tune added at the deepest layer": of the dictionary's layers
    else:
        model = str(args.get("model") or (source.args.get("model") if source else None) or DEFAULT_MODEL)
        total = BUILTIN_LAYERS.get(model)
        if total is None or (count or 1) > total:
            return
        n = count or 1
        start = {"middle": (total - n) // 2, "first": 0, "bottom": 0}.get(which, total - n)
        layers = list(range(start, start + n))
    if "array" in arguments.types_of(props[field]):
        args[field] = layers
    elif len(layers) == 1:
        args[field] = layers[0]
