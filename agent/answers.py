"""Answers without running anything: terms, one sentence's numbers, how to read a result,
what to try next, and explanations of a result adapted to the user.

Everything comes from the method cards (tools/cards.toml) and from the runs' own data
(the compact result in the conversation, the full result in the run store), never from
invented numbers.
"""

from __future__ import annotations

import json
import re

from agent import run_times
from agent.dialogue_state import DialogueState, RunSeen
from agent.wording import QUOTED
from agent.user_model import UserModel
from tools.cards import card, find_terms, papers, reading, tools_measuring
from tools import present
from tools.support import backends_of, needs

SENTENCE = re.compile(r"\b(?:sentence|step|S)\s*#?\s*(\d+)\b", re.I)
METRIC_ORDER = ("counterfactual_accuracy", "receiver_score", "outflow", "resilience", "change", "resampling_accuracy")
NO_ANSWER = ("I can answer from the method cards and your runs' numbers, but I don't have what that question needs "
             "offline. An LLM provider can reason about it freely.")


def full_results(run_id: str) -> dict:
    """A run's full results from the run store ({} when it is not there, e.g. another data dir)."""
    try:
        from backends.core.runstore import RunStore
        from backends.core.settings import get_settings

        return RunStore(get_settings().runs_dir).get(run_id).results
    except Exception:
        return {}


def define(text: str, user: UserModel) -> str | None:
    """'what does counterfactual importance mean?': the glossary's words for each term named."""
    found = find_terms(text)
    lines = [f"**{term}**: {meaning}" for term, meaning in found]
    for name in re.findall(r"\b[a-z]+_[a-z_]+\b", text):  # a tool named outright: its card
        c = card(name)
        if c:
            lines.append(f"**{name}**: {c.measures}")
    return "\n".join(lines) or None


def cite(text: str, tool: str | None) -> str:
    """'what do I cite for counterfactual importance?': the papers of the methods named (a tool by name, a term a card
    measures), else of the tool the words lead to (`tool`); all of them when the method is none of theirs."""
    named = re.findall(r"\b[a-z]+_[a-z_]+\b", text) or [t for term, _ in find_terms(text) for t in tools_measuring(term)] or [tool or ""]
    found = papers(named)
    if found:
        return "The method comes from:\n" + "\n".join(f"- {c}" for c in found)
    return ("No paper of Parley's methods introduced that one by itself. The papers Parley's methods come from:\n"
            + "\n".join(f"- {c}" for c in papers()))


def _rows(run: RunSeen, index: int | None = None) -> list[dict]:
    """Per-sentence rows of a run: the compact ones in the conversation, else the full table."""
    for key in ("rows", "sentences", "table"):
        rows = [r for r in run.result.get(key) or [] if isinstance(r, dict)]
        if rows and "index" in rows[0] and (index is None or any(r.get("index") == index for r in rows)):
            return rows
    full = full_results(run.run_id)
    rows = full.get("table") or []
    return rows if rows and isinstance(rows[0], dict) else []


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:+.3f}" if abs(value) < 1000 else f"{value:.3g}"
    return "n/a" if value is None else str(value)


def about_sentence(text: str, state: DialogueState, user: UserModel) -> str | None:
    """'why is sentence 4 so important?': that sentence's numbers in the newest run that scored sentences."""
    said = SENTENCE.search(text)
    if not said:
        return None
    index = int(said.group(1))
    for run in reversed(state.runs):
        rows = _rows(run, index)
        row = next((r for r in rows if r.get("index") == index), None)
        if row is None:
            continue
        metric = next((m for m in METRIC_ORDER if m in row), None)
        lines = [f"Sentence {index} in `{run.tool}` (run `{run.run_id}`):"]
        if row.get("text"):
            lines.append(f"> {row['text']}")
        if metric:
            measured = [r for r in rows if isinstance(r.get(metric), (int, float))]
            rank = 1 + sum(abs(r[metric]) > abs(row[metric]) for r in measured) if isinstance(row.get(metric), (int, float)) else None
            low, high = row.get(f"{metric}_low"), row.get(f"{metric}_high")
            interval = f", 95% interval [{_fmt(low)}, {_fmt(high)}]" if low is not None else ""
            where = f" (rank {rank} of {len(measured)} measured sentences by size)" if rank else ""
            lines.append(f"- {metric}: {_fmt(row.get(metric))}{interval}{where}")
            if low is not None and high is not None and low <= 0 <= high:
                lines.append("  The interval includes 0: with these rollouts the effect is not distinguishable from none.")
            elif low is not None and high is not None:
                lines.append(f"  The interval excludes 0, and is {high - low:.2f} wide.")
            if isinstance(row.get(metric), (int, float)) and row[metric] < 0:
                lines.append("  It is negative: replacing this sentence with one that means something else lowered "
                             "accuracy, so the sentence pushes toward the answer." if metric == "counterfactual_accuracy"
                             else f"  It is negative. {reading(run.tool, metric) or ''}".rstrip())
        for key, value in row.items():
            if key in ("index", "text", metric) or key.endswith(("_low", "_high")) or isinstance(value, (list, dict)):
                continue
            lines.append(f"- {key}: {_fmt(value)}")
        if row.get("n_no_answer"):
            lines.append(f"  {row['n_no_answer']} of its rollouts gave no extractable answer; they are not counted in accuracy.")
        alternatives = (full_results(run.run_id).get("alternatives") or [None] * (index + 1))
        if index < len(alternatives) and alternatives[index]:
            options = alternatives[index][:3]
            lines.append("What the model said instead when this sentence was resampled:")
            lines += [f"  - {_alternative(a)}" for a in options]
        c = card(run.tool)
        if c and metric and user.expertise != "expert":
            lines.append(f"How to read {metric}: {reading(run.tool, metric) or c.measures}")
        return "\n".join(lines)
    return None


def _alternative(item) -> str:
    if isinstance(item, dict):
        text = item.get("text") or item.get("sentence") or ""
        count = item.get("count")
        return f"\"{' '.join(str(text).split())[:100]}\"" + (f" ({count}x)" if count else "")
    return f"\"{' '.join(str(item).split())[:100]}\""


def done(state: DialogueState, text: str, tool: str | None) -> str | None:
    """Asked of a run done ("did Tuesday's sweep beat the controls?", "I forget what the CAFT run's EM rate was"): what
    the newest run of the tool the words lead to found, in its own summary, then how to read it."""
    run = run_times.one(text, state.runs) or (state.last(tool) if tool else None)  # "Tuesday's sweep": that one
    if run is None:
        return None
    asked = ", ".join(f"{k} {json.dumps(v)}" for k, v in run.args.items() if not k.endswith("_run")) or "the defaults"
    return f"`{run.tool}` run `{run.run_id}` (asked with {asked}) found: {run.summary}\n\n" + (how_to_read(state, text, run=run) or "")


def how_to_read(state: DialogueState, text: str = "", tool: str | None = None, run: RunSeen | None = None) -> str | None:
    """How to read the numbers of `run`, else of the newest run (or, with nothing run, those of `tool`: "if X came back
    +0.28 ..., is that wide?")."""
    run = run or state.last()
    c = card(run.tool if run else tool or "")
    if c is None:
        return None
    wanted = [(k, v) for k, v in c.numbers.items() if k.replace("_", " ") in text.lower() or k in text.lower()]
    lines = [f"Reading `{run.tool}` (run `{run.run_id}`): {c.measures}" if run else f"Reading `{tool}`: {c.measures}"]
    lines += [f"- **{k}**: {v}" for k, v in (wanted or list(c.numbers.items()))]
    rows = _rows(run) if run else []
    crossing = [r["index"] for r in rows
                if r.get("counterfactual_accuracy_low") is not None and r["counterfactual_accuracy_low"] <= 0 <= r["counterfactual_accuracy_high"]]
    if rows and crossing:
        lines.append(f"In this run, {len(crossing)} of {len(rows)} sentences have an interval that includes 0 "
                     "(no detectable effect with these rollouts); more rollouts narrow the intervals.")
    lines.append("Caveats: " + " ".join(c.caveats))
    return "\n".join(lines)


def what_next(state: DialogueState) -> str | None:
    run = state.last()
    c = card(run.tool) if run else None
    if c is None or not c.next:
        return None
    lines = [f"After `{run.tool}`, natural next steps:"]
    lines += [f"- {what} — e.g. \"{example}\"" for what, example in c.next]
    return "\n".join(lines)


def explain(result: dict, user: UserModel) -> str:
    """A tool's result in words, adapted to the user model."""
    name = result.get("tool") or "the tool"
    if not result.get("ok"):
        error = result.get("error") or {}
        message = error.get("message", "unknown error")
        if error.get("type") == "Denied":  # nothing ran, and the reply says who said no
            return f"`{name}` was not run: {message}. Nothing was computed and no run was saved."
        message = message.removeprefix(f"{name}: ")
        if error.get("type") == "Preflight":  # stopped before approval: it could not have succeeded
            return (f"`{name}` was not started: the pre-flight check says it cannot succeed as asked. {message}. "
                    "Nothing ran and no run was saved; tell me the answer or extractor to use and I'll start it.")
        return f"`{name}` did not run: {message}. Tell me the value to use and I'll try again."
    raw = result.get("summary", "").strip()
    summary = present.markdown(result)  # line structure and a table, as the screen shows it
    guess = result.get("prediction")
    if guess:  # predict, then reveal: the reveal says whether the prediction was right
        summary = (f"You predicted **{guess['answer']}**; it was **{guess['actual']}**: "
                   f"{'right' if guess['correct'] else 'not this time'}.\n\n{summary}")
    run = f"(run `{result.get('run_id')}`)"
    if result.get("status") == "partial":
        run += f" — partial: `parley runs resume {result.get('run_id')}` goes on from where it stopped"
    if user.expertise == "expert" or user.preferences.detail == "brief":
        return f"{summary}\n\n{run}"
    c = card(name)
    if user.expertise == "novice":
        lines = [f"In plain terms: `{name}` {_lower_first(c.measures) if c else ''}", "", "What came out:", summary, ""]
        known = set(user.known_concepts)
        glossed = [(t, m) for t, m in find_terms(raw + " " + (c.measures if c else "")) if t not in known][:5]
        if glossed and user.preferences.glossary:
            lines.append("Words worth knowing:")
            lines += [f"- **{term}**: {meaning}" for term, meaning in glossed]
        lines.append(f"\nEverything is saved {run}, so you can come back to it.")
        return "\n".join(lines)
    detail = ""
    if user.preferences.detail == "detailed":
        scalars = {k: v for k, v in (result.get("result") or {}).items() if isinstance(v, (int, float, str)) and len(str(v)) < 80}
        detail = "\n\n" + "\n".join(f"- {k}: {present.fmt(v)}" for k, v in scalars.items())
    return f"{summary}{detail}\n\n{run}"


def plain_terms(result: dict, user: UserModel) -> str:
    """'explain that like I'm new': what the method does and what the result says, without repeating the summary."""
    name = result.get("tool") or "the tool"
    c = card(name)
    lines = [f"In plain terms: `{name}` {_lower_first(c.measures) if c else 'ran.'}"]
    first = (result.get("summary") or "").strip().splitlines()
    if first:
        lines.append(f"The headline: {first[0]}")
    if c:
        lines.append("How to read it:")
        lines += [f"- **{k}**: {v}" for k, v in list(c.numbers.items())[:4]]
    glossed = [(t, m) for t, m in find_terms(" ".join(first) + " " + (c.measures if c else "")) if t not in user.known_concepts][:4]
    if glossed and user.preferences.glossary:
        lines.append("Words worth knowing:")
        lines += [f"- **{term}**: {meaning}" for term, meaning in glossed]
    return "\n".join(lines)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def configuration() -> str:
    from backends.core.settings import get_settings

    settings = get_settings()
    return (f"The default subject model is `{settings.model}` (setting `model`, or `PARLEY_MODEL`); any tool takes "
            "`model` to use another (`tiny-random`, a local folder, or a cached Hugging Face id). "
            f"Runs are saved under `{settings.runs_dir}`.")


def advice(state: DialogueState, text: str) -> str | None:
    """'should I bump rollouts?', 'what would 100 rollouts cost?': the card's caveats and the run's own budget."""
    run = state.last()
    if run is None:
        return None
    c = card(run.tool)
    lines = []
    used, budget = run.result.get("rollouts_used"), run.result.get("fixed_budget")
    rollouts = run.args.get("rollouts")
    if used is not None and rollouts:
        lines.append(f"That run used {used} rollouts ({rollouts} per position at most, a fixed budget of {budget}).")
        asked = re.search(r"\b(\d+)\s+rollouts\b", text)
        if asked and used:
            factor = int(asked.group(1)) / rollouts
            lines.append(f"{asked.group(1)} rollouts per position is about {factor:.0f}x that work, so roughly {factor:.0f}x its time.")
    per = re.search(r"\b(\d+)\s*(?:rollouts\s+)?(?:per|each|a|/)\s*(?:position|sentence)\b", text, re.I)
    said = next((found for r in reversed(state.runs) if (found := r.result.get("n_sentences") or re.search(r"\b(\d+) sentences\b", r.summary or ""))),
                None)  # the chain's, its split's or a run over it ("importance over 9 sentences")
    if per and said and used is None:  # "how many rollouts would thought anchors need on that with 100 per position?"
        n = said if isinstance(said, int) else int(said.group(1))
        lines.append(f"Thought Anchors resamples at each of the {n + 1} positions (before each of the {n} sentences and after "
                     f"the last): {per.group(1)} per position is {int(per.group(1)) * (n + 1)} rollouts with a fixed budget; "
                     "adaptive stopping ends a position early once its estimate settles.")
    if c:
        lines += [f"- {caveat}" for caveat in c.caveats]
    rows = _rows(run)
    wide = [r for r in rows if r.get("counterfactual_accuracy_low") is not None
            and r["counterfactual_accuracy_high"] - r["counterfactual_accuracy_low"] > 0.5]
    if wide:
        lines.append(f"{len(wide)} of {len(rows)} intervals are wider than 0.5: more rollouts would narrow them "
                     "(the width shrinks roughly with the square root of the rollouts).")
    return "\n".join(lines) or None


def settings_named(text: str, tools: list[dict]) -> str | None:
    """'what round size makes sense, and should adaptive stay on?': what those settings of one tool do, and their defaults."""
    def named(tool: dict) -> list[tuple[str, dict]]:
        return [(n, spec) for n, spec in tool["schema"].get("properties", {}).items()
                if (len(n) > 2 or re.search(rf"\b{tool['name'].split('_')[0]}\b", text, re.I)) and re.search(rf"\b{n.replace('_', '[ _-]')}\b", text, re.I)]

    tool = max(tools, key=lambda t: len(named(t)), default=None)
    rows = named(tool) if tool else []
    if not rows:
        return None
    lines = [f"- `{n}`: {spec.get('description', '').rstrip('.')}" + (f" (default {spec['default']})" if spec.get("default") is not None else "")
             for n, spec in rows]
    return f"In `{tool['name']}`:\n" + "\n".join(lines)


def where_it_runs(text: str, tools: list[dict]) -> str | None:
    """'which of those can I run attention suppression on? the vllm ones only hand back text, right?': the backends a tool runs on."""
    if not re.search(r"\b(?:vllm|sglang|server|ndif|nnsight|backends?|black[- ]box|white[- ]box|remote(?:ly)?)\b", text, re.I):
        return None
    named = [t["name"] for t in tools if re.search(rf"\b{t['name'].replace('_', '[ _]')}\b", text, re.I)]
    if len(named) != 1:
        return None
    runs = backends_of(named[0])
    return (f"`{named[0]}` runs on {', '.join(f'`{b}`' for b in runs)} models: it needs {needs(runs)}. "
            + ("A `server` model (vLLM, SGLang) only returns sampled text and log-probs, so white-box tools do not run on it."
               if "server" not in runs else "A `server` model (vLLM, SGLang) serves it through its completions."))


def meta(text: str, tools: list[dict]) -> str:
    """Questions about Parley itself: what ships, what runs where."""
    lowered = text.lower()
    if "scenario" in lowered:
        ids = sorted({e for t in tools for spec in t["schema"].get("properties", {}).values()
                      if "scenario" in spec.get("description", "").lower() for e in spec.get("examples") or []})
        return "Shipped scenarios: " + ", ".join(f"`{i}`" for i in ids) + ". A scenario gives a prompt, a system prompt and a decision to score."
    if re.search(r"\b(?:hub|download|internet|hugging ?face)\b", lowered):
        return ("No: Parley never downloads weights or data at run time. It uses the embedded SmolLM2-135M, `tiny-random`, "
                "a local model folder, or a model already in your Hugging Face cache; a missing model is a clear error.")
    if re.search(r"\b(?:gpu|cpu|cuda)\b", lowered):
        return ("The CPU is fine for everything here (the embedded model is small). On a CUDA GPU the sampler uses a "
                "compiled decode step and runs much faster; nothing needs changing.")
    organisms = next((t["schema"]["properties"]["name"] for t in tools if t["name"] == "build_organism"), None)
    if organisms and re.search(r"\borganisms?\b", lowered):  # "which model organisms could I build?": the zoo, from its tool's own words
        listed = re.sub(r"^.*?:\s*", "", organisms.get("description", ""), count=1)
        return f"`build_organism` builds these model organisms: {listed} Ask e.g. \"build the anchor organism\"."
    names = ", ".join(f"`{t['name']}`" for t in tools)
    return f"Parley runs these tools: {names}. F1 or `/tools` shows each with an example request."


def quotes_a_result(text: str, state: DialogueState) -> bool:
    """Whether the message quotes a number that an earlier result showed (not inside quoted text: "the 'Wait, 2.5 x 60' sentence")."""
    text = QUOTED.sub(" ", text)
    said = {n.lstrip("+").rstrip("%") for n in re.findall(r"[-+]?\d*\.\d+(?:e-?\d+)?|[-+]?\d+e-?\d+|[-+]?\d+%", text)}
    named = r"(?:layers?|sentences?|seed|rollouts|samples|steps|tokens|atom|k|top|scale|L|S)\s*=?\s*"
    said |= {m.group(1) for m in re.finditer(r"(?<![\w.])(\d{2,})(?![\w.])", text)
             if not re.search(rf"\b{named}{m.group(1)}\b", text, re.I)}
    shown = " ".join(r.summary for r in state.runs[-3:])
    numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", shown.replace(",", ""))}

    def seen(n: str) -> bool:  # "4.29" is the 4.290 a summary showed
        decimals = len(n.split(".")[1]) if "." in n else 0
        try:
            value = float(n)
        except ValueError:
            return False
        return any(abs(round(v, decimals) - abs(value)) < 1e-9 for v in numbers)

    return any(seen(n) for n in said)
