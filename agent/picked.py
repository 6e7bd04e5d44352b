"""Settings picked out of an earlier run's results rather than said as numbers.

- "right after the least resilient sentence": the sentence with the lowest resilience in the newest resilience run;
- "only in the layers where the top three receiver heads sit": the layers of the newest receiver-heads run's first
  three heads (L17H3, L21H7, L17H9 -> layers 17 and 21);
- "the atom that ' meme' used": the atom the newest explanation gave that token;
- "steer with that file": the newest file of that kind Parley named in a reply ("You wrote it to vecs/x.safetensors");
- "use that exact question as the prompt": the newest run's question, as this tool's prompt;
- "alternatives for the final sentence": the last sentence of the chain, counted by its newest split;
- "steer at the layer where it was strongest", "samples at the best cell": the newest sweep's strongest cell;
- "at the layer of the adapter that carries misalignment": the adapter the newest probe weighs most for that task.

Each reads the run's result table where it has one, else its summary, the way the user read it.
"""

from __future__ import annotations

import re

from agent import arguments, found_in
from agent.dialogue_state import DialogueState
from agent.wording import PATH, SPELLED

RESILIENT = re.compile(r"\b(least|most) resilient (?:sentence|one)\b|\b(?:sentence|one|step) (?:whose (?:content|idea) |that )(never) (?:came|comes) back\b", re.I)
HEAD_LAYERS = re.compile(r"\blayers?\s+(?:where|that hold|holding|of|with)\s+(?:the\s+)?(?:(?:top|strongest|best|first)\s+(\w+)|(\w+)\s+(?:top|strongest|best))\s+"
                         r"(?:receiver\s+)?heads\b|"  # "the top three receiver heads", "the two top heads"
                         r"\b(?:the\s+)?(?:top|strongest|best|first)\s+(?:receiver\s+)?head'?s\s+layer\b|"  # "the top receiver head's layer"
                         r"\blayer\s+of\s+the\s+(?:top|strongest|best|first)\s+(?:receiver\s+)?head\b|"
                         r"\blayers?\s+(?:that\s+)?(?:those|the|these)\s+(?:top|strongest|best|first)\s+(\w+)\s+(?:receiver\s+)?heads\s+(?:are|sit|live|lie)\s+(?:in|on)\b",
                         re.I)  # "only in the layers those top 3 heads are in"
MOVED = re.compile(r"\b(?:that|the same|the|its|this)\s+(?:exact\s+|same\s+)?(question|prompt)\s+as\s+(?:the\s+|a\s+)?(question|prompt)\b", re.I)
FINAL = re.compile(r"\b(?:the\s+)?(?:very\s+)?(?:final|closing|last)\s+(?:sentence|step)\b(?!\s+(?:you|we|i)\b)", re.I)  # "alts for the final sentence"
# "only the last three layers", "the middle six layers", "the deepest layer": counted in the model (or the run's own layers)
LAYER_SPAN = re.compile(r"\b(?:the\s+)?(last|final|top|middle|deepest|bottom|first)\s+(?:(\d+|two|three|four|five|six|seven|eight|ten)\s+)?layers?\b", re.I)
# "steer at the layer where it was strongest", "the best layer": the newest sweep's
STRONGEST_LAYER = re.compile(r"\bthe layer (?:where|at which) (?:it|the effect|steering|the steering) (?:was|were|is|looked|worked) (?:the )?(?:strongest|best|biggest|largest)\b|"
                             r"\bthe (?:strongest|best|winning) layer\b(?!\s+\d)|\bthe (?:only )?layer (?:that|which) (?:beat|beats|cleared|clears) the controls\b", re.I)
# "the layer of the adapter that carries misalignment": the adapter the newest probe weighs most for that task
CARRIER = re.compile(r"\blayer\s+of\s+the\s+adapter\s+(?:that|which)\s+(?:carries|holds|encodes|tracks|picks up|speciali[sz]es in)\s+(?:the\s+)?"
                     r"(misalign\w*|(?:in|out)[- ]of[- ]domain|domain)\b|\bthe\s+(misalignment|domain)\s+adapter'?s\s+layer\b", re.I)
THOSE_ATOMS = re.compile(r"\b(?:those|these)\s+(?:(\w+)\s+)?atoms\b", re.I)  # "ablating those three atoms": the newest explanation's
# "ablate the crypto, gamble and lottery atoms": atoms named by the tokens the newest explanation labelled them with
TOKEN_ATOMS = re.compile(r"\bthe\s+((?:['\"]?[a-z][\w-]*['\"]?(?:\s*,\s*(?:and\s+)?|\s+and\s+)){0,5}['\"]?[a-z][\w-]*['\"]?)\s+atoms?\b", re.I)
ATOM_OF = re.compile(r"\batom (?:(?:that|which|for)\s+)?['\"]([^'\"]+)['\"]\s+(?:was\s+)?(?:used|uses|got|gets|has|had|fired|mapped to|maps to|went to)\b", re.I)


def pick(args: dict, props: dict, text: str, state: DialogueState) -> None:
    """Fill the settings `text` picks out of an earlier run's results, where none was said."""
    if "sentence" in props and "sentence" not in args and (which := RESILIENT.search(text)):
        scores = _resilience(state)
        if scores:
            args["sentence"] = (max if (which.group(1) or "").lower() == "most" else min)(scores, key=scores.get)  # "never came back": least
    if "sentence" in props and "sentence" not in args and FINAL.search(text) and (count := _sentences(state, args.get("cot_run"))):
        args["sentence"] = count - 1
    layer_span(text, props, args, state)
    strongest(text, props, args, state)
    listed = [int(n) for n in re.findall(r"(?m)^[ \t>]*atom\s+#?(\d+)\b", text, re.I)]  # "atom 3301  ' risky'  doc 41 pos 9" a line, copied
    if "atoms" in props and len(listed) >= 2 and set(args.get("atoms") or []) <= set(listed):
        args["atoms"] = listed
    field = next((f for f in ("layer", "layers") if f in props and f not in args), None)
    carrier, by = CARRIER.search(text), found_in.LAYER_BY.search(text)
    layer = _carrier_layer(state, carrier.group(1) or carrier.group(2)) if field and carrier else \
        _layer_by(state, by.group(1).lower(), by.group(2)) if field and by else None  # "with whichever layer had the best held-out FVE"
    if layer is not None:
        args[field] = layer if field == "layer" else [layer]
    if "layers" in props and "layers" not in args and (top := HEAD_LAYERS.search(text)):
        word = (top.group(1) or top.group(2) or top.group(3) or "one").lower()  # one head: its layer
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
    if "atoms" in props and "atoms" not in args and (those := THOSE_ATOMS.search(text)):
        listed = next((re.findall(r"\b(\d+) \(['\"]", r.summary) for r in reversed(state.runs) if r.tool == "itda_explain"), [])
        word = (those.group(1) or "").lower()
        count = int(SPELLED.get(word, word)) if word.isdigit() or word in SPELLED else len(listed)
        if listed and count <= len(listed):
            args["atoms"] = [int(a) for a in listed[:count]]
    if {"atoms", "atom"} & set(props) and not {"atoms", "atom"} & set(args) and (named := TOKEN_ATOMS.search(text)):
        _atoms_named(named.group(1), props, args, state)
    if "atom" in props and "atom" not in args and (token := ATOM_OF.search(text)):
        for run in reversed(state.runs):
            found = re.search(rf"'{re.escape(token.group(1))}'\s*(?:->|→|:)\s*atom (\d+)", run.summary) if run.tool == "itda_explain" else None
            if found:
                args["atom"] = int(found.group(1))
                if str(args.get("text", "")).strip() == token.group(1).strip():
                    args.pop("text")  # the token named the atom; it is not the text to explain
                return


def _atoms_named(said: str, props: dict, args: dict, state: DialogueState) -> None:
    """The atoms whose labels are the tokens said ("crypto, gamble and lottery"), from the newest explanation that lists them all."""
    words = [w.strip("'\"") for w in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", said) if w.strip("'\"")]
    for run in reversed(state.runs):
        if run.tool != "itda_explain":
            continue
        found = [re.search(rf"(?:#|\b)(\d+):?\s+['\"]\s?{re.escape(w)}['\"]", run.summary, re.I) for w in words]
        if all(found):
            atoms = [int(f.group(1)) for f in found]
            if "atoms" in props:
                args["atoms"] = atoms
            elif len(atoms) == 1:
                args["atom"] = atoms[0]
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


def strongest(text: str, props: dict, args: dict, state: DialogueState) -> None:
    """'steer at the layer where it was strongest', 'zoom in on the layer that beat the controls': the newest sweep's layers."""
    if "layers" in props and "layers" not in args and STRONGEST_LAYER.search(text) and (layers := strongest_layers(state)):
        args["layers"] = layers


def strongest_layers(state: DialogueState) -> list[int] | None:
    """The layers of the newest sweep's strongest cell (its rows, else its summary's 'best cell L14 x1.2' or 'layer 12 strongest')."""
    best = best_cell(state)
    if best:
        return best[0]
    sweep = state.last("steering_sweep")
    said = sweep and re.search(r"\blayers? (\d+) (?:is |was )?(?:strongest|best)\b|\b(?:strongest|best) (?:at |is |was )?layers? (\d+)\b|"
                               r"\bonly (?:layer |L)(\d+) (?:beats|beat|cleared|clears) the controls\b", sweep.summary, re.I)  # "only L16 beats the controls"
    return [int(said.group(1) or said.group(2) or said.group(3))] if said else None


def best_cell(state: DialogueState) -> tuple[list[int], float] | None:
    """(layers, scale) of the newest sweep's cell furthest beyond its controls (its rows, else its summary's 'best cell L14 x1.2')."""
    sweep = state.last("steering_sweep")
    if sweep is None:
        return None
    rows = [r for r in sweep.result.get("rows") or [] if isinstance(r, dict) and isinstance(r.get("difference"), dict)
            and r.get("verdict") in ("above controls", "below controls")]
    if rows:
        best = max(rows, key=lambda r: abs(r["difference"].get("difference") or 0))
        return list(best["layers"]), float(best["scale"])
    said = re.search(r"\b(?:best cell|largest at|peak(?:ed|s)? at)[:\s]\s*(?:layers?\s*\[?|L)(\d+(?:\s*[,+]\s*\d+)*)]?\s*(?:@|x|at scale|,?\s*scale)\s*(-?\d+(?:\.\d+)?)",
                     sweep.summary, re.I) or re.search(r"\b(?:layers?|group|L)\s*(\d+(?:\s*(?:[,+]|-|–)\s*\d+)*)\s+(?:@|x|at scale|,?\s*scale)\s*(-?\d+(?:\.\d+)?)\s+"
                                                      r"(?:is|was)\s+(?:the only (?:cell )?)?outside the controls|"
                                                      r"\bonly\s+L(\d+)\s*(?:@|x|at scale)\s*(-?\d+(?:\.\d+)?)\s+(?:beats|beat|clears|cleared) the controls", sweep.summary, re.I)
    if said is None:  # "best cell L14 x1.2", "peak at layer 14, scale 2.0", "group 18-20 at scale 1.2 is the only cell outside the controls"
        return None
    layers, scale = [g for g in said.groups() if g is not None][:2]  # "Only L14 x 1.2 beats the controls"
    span = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", layers)
    return (list(range(int(span.group(1)), int(span.group(2)) + 1)) if span else [int(n) for n in re.findall(r"\d+", layers)]), float(scale)


def _layer_by(state: DialogueState, way: str, measure: str) -> int | None:
    """The layer of the newest run whose summary gives `measure` per layer ("layers 6, 12, 18 ... FVE 0.91 / 0.88 / 0.79")
    with the highest value, or the lowest ("lowest", "smallest"; "best" and "worst" of an error or a loss turn over)."""
    words = [w for w in re.findall(r"[\w-]+", measure.lower()) if w not in ("value", "score")]
    for run in reversed(state.runs):
        said = words and re.search(r"\b" + r"[\s-]+".join(map(re.escape, words)) + r"\s*[:=]?\s*(-?\d*\.?\d+(?:\s*/\s*-?\d*\.?\d+)+)", run.summary, re.I)
        layers = run.args.get("layers") if isinstance(run.args.get("layers"), list) else None
        values = [float(v) for v in re.findall(r"-?\d*\.?\d+", said.group(1))] if said else []
        if values and layers and len(layers) == len(values) and all(isinstance(v, int) for v in layers):
            high = way in ("best", "highest", "largest", "biggest")
            high = not high if way in ("best", "worst") and found_in.LOWER_IS_BETTER.search(measure) else high
            return layers[values.index(max(values) if high else min(values))]
    return None


def _carrier_layer(state: DialogueState, task: str) -> int | None:
    """The layer of the adapter the newest probe weighs most for the task (its rows, else 'layer 21 adapter' in its summary's line)."""
    task = "aligned_vs_misaligned" if task.lower().startswith("misalign") else "in_vs_out_of_domain"
    probe = state.last("lora_probe")
    if probe is None:
        return None
    row = next((r for r in probe.result.get("tasks") or [] if isinstance(r, dict) and r.get("task") == task and r.get("adapters")), None)
    if row:  # its adapters ranked by the size of their coefficient: "model.layers.21.mlp.down_proj"
        found = re.search(r"\blayers\.(\d+)\.", str(row["adapters"][0].get("module", "")))
        return int(found.group(1)) if found else None
    words = r"aligned[\s_-]*vs\.?[\s_-]*misaligned" if task.startswith("aligned") else r"in[\s_-]*vs\.?[\s_-]*out"
    line = next((part for part in re.split(r"[\n;]", probe.summary) if re.search(words, part, re.I)), "")
    found = re.search(r"\b(\d+)\.mlp\b|\blayer (\d+)\b", line)  # the ranking's first: "21.mlp.down_proj +2.31", "the layer 21 adapter"
    return int(found.group(1) or found.group(2)) if found else None
