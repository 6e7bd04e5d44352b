"""A short fix said right after a run failed: "ok the offline one then" (the judge monitor needed a provider),
"typo, 5e-5" (the learning rate was out of range), "forget that, just read layer 8" (layer 40 does not exist),
"the evaluation-aware one obviously" (the organism's name was unknown; the error listed the real ones).

The failed run is run again with everything it was asked for, and the fix in place of what failed. Only a short
message that is no question and names no other experiment reads so: "why did it fail?" is answered, and "build the
vector at layer 8 instead" with a vector in sight is the tools' own business.
"""

from __future__ import annotations

import re

from agent import arguments, bounds, intents
from agent.dialogue_state import DialogueState

FAILED = re.compile(r"^\s*(?:failed|error)\b|\bstopped at (?:the )?max_new_tokens\b", re.I)  # or cut off by its token budget
# "ok the offline one then", "the evaluation-aware one obviously": a value picked by name
ONE = re.compile(r"\b(?:the|use the|with the|try the)\s+(?P<value>[\w-]+)\s+one\b", re.I)
WRONG_RUN = re.compile(r"\bwrong (?:id|run|one|chain|vector|direction|dictionary|fine-?tune)\b|\bi meant\b|\bshould (?:have )?be(?:en)?\b", re.I)
ASKED = re.compile(r"\b(?:what|why)\b[^.!]{0,30}\b(?:went wrong|fail(?:ed|ure)?|error|broke|happened|crash(?:ed)?)\b|\bwhy (?:didn'?t|did ?n[o']t|won'?t) it\b", re.I)
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?(?![\w.])", re.I)


def fix(text: str, state: DialogueState, tools: dict[str, dict]) -> tuple[str, dict] | None:
    """(tool, arguments) of the failed newest run with the fix said, or None. In the app a call that failed is no run
    (it has no id): it is `state.failed`, the newest attempt while no run came after it."""
    run = state.attempt()
    if run is None or run.tool not in tools or not FAILED.search(run.summary) or "?" in text or len(text.split()) > 20:
        return None
    props = tools[run.tool]["schema"].get("properties", {})
    blamed = _blamed(run.summary, run.args, props)
    said, _ = arguments.read(props, text)
    fixed = dict(run.args) | said
    picked = ONE.search(text)
    named = picked.group("value").lower() if picked else None
    transposed(text, run.args, fixed, said)
    for field, spec in props.items():
        values = [str(v).lower() for v in spec.get("enum") or []]
        if named in values and run.args.get(field, spec.get("default")) != named:
            fixed[field] = next(v for v in spec["enum"] if str(v).lower() == named)  # "ok the offline one then"
        elif named and field == blamed and isinstance(run.args.get(field), str) and re.search(rf"(?<![\w-]){re.escape(named)}(?![\w-])", run.summary, re.I):
            fixed[field] = named  # "the evaluation-aware one": one of the names the error listed
    if blamed and blamed.endswith("_run") and blamed not in said and WRONG_RUN.search(text):
        meant = state.reference(blamed, props[blamed].get("runs_of"), text)  # "pasted the wrong id. the direction is the one ..."
        if meant and meant != run.args.get(blamed):
            fixed[blamed] = meant
    bare = bounds.BARE.match(text)
    if blamed and bare and (bound := _bound_said(run.summary, high := bounds.high(bare.group("way")))) is not None:
        fixed[blamed] = _within(run.args[blamed], bound, high, props[blamed])  # "fine, use the max" after "allowed 0 to 29 for smollm2-135m"
    number = NUMBER.findall(text)
    if blamed and blamed not in said and len(number) == 1 and arguments.types_of(props[blamed]) & {"integer", "number"}:
        fixed[blamed] = arguments.coerce(number[0], props[blamed])  # "typo, 5e-5": the value that was out of range
    if fixed == run.args and run is state.failed and intents.RERUN.search(text):
        return run.tool, fixed  # "retry, it was probably a fluke": the call that failed, as it was
    return (run.tool, fixed) if fixed != run.args else None


def asked(text: str) -> bool:
    """"why did it fail?", "what went wrong?", "huh, what happened": a question about the failure itself."""
    return bool(ASKED.search(text) or intents.is_question_about_result(text) in ("why", "opinion", "explain")) and len(text.split()) <= 12


def explained(run) -> str:
    """Why the call did not run, in its own error's words, and what to say next."""
    said = re.sub(r"^\s*Failed:\s*", "", run.summary)
    return (f"`{run.tool}` did not run: {said}\n\nEverything else it was asked for is kept: say the fix (a value, \"fine, "
            f"use the max\", \"the offline one then\") and I'll run it again with it, or \"retry\" to run it as it was.")


def _blamed(summary: str, args: dict, props: dict) -> str | None:
    """The setting the failure names ("lr must be at most 1", "layer 40 out of range"), else the one out of its bounds."""
    named = [f for f in args if f in props and re.search(rf"\b{re.escape(f)}\b|\b{re.escape(f.rstrip('s'))}\b", summary, re.I)]
    if len(named) == 1:
        return named[0]
    out = [f for f, v in args.items() if f in props and isinstance(v, (int, float)) and not isinstance(v, bool)
           and (v > props[f].get("maximum", v) or v < props[f].get("minimum", v))]
    return out[0] if len(out) == 1 else None


_NUM = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
# "allowed 0 to 29 for smollm2-135m", "must be between 1 and 256"; "allowed >= 1 and <= 8192", "at most 1"
RANGE = re.compile(rf"\b(?:allowed|must be)\s+(?:between\s+|from\s+)?(?P<low>{_NUM})\s+(?:to|and)\s+(?P<high>{_NUM})\b", re.I)
UPPER = re.compile(rf"(?:<=\s*|\bat most\s+|\bno more than\s+)(?P<high>{_NUM})\b", re.I)
LOWER = re.compile(rf"(?:>=\s*|\bat least\s+|\bno less than\s+)(?P<low>{_NUM})\b", re.I)


def _bound_said(summary: str, high: bool) -> float | None:
    """The bound the error states, the upper one or the lower ("allowed >= 1 and <= 8192": 8192 for "use the max")."""
    m = RANGE.search(summary) or (UPPER if high else LOWER).search(summary)
    said = m and m.groupdict().get("high" if high else "low")
    return None if said is None else float(said)


def _within(value, bound: float, high: bool, spec: dict):
    """The value with what lies beyond the bound set to it (a list keeps its other values: layers [8, 40] -> [8, 29])."""
    whole = "integer" in arguments.types_of(spec) or all(isinstance(v, int) for v in (value if isinstance(value, list) else [value]))
    bound = int(bound) if whole else bound
    if not isinstance(value, list):
        return bound
    kept = [v for v in value if not isinstance(v, (int, float)) or (v <= bound if high else v >= bound)]
    return sorted(set(kept) | {bound}) if len(kept) < len(value) else value


def transposed(text: str, before: dict, args: dict, said: dict) -> None:
    """"argh, flipped the digits. it's 42, rerun" after answer 24: a number said alone whose digits are those of one
    setting's value, in another order, corrects that setting."""
    numbers = NUMBER.findall(text)
    if len(numbers) != 1 or len(numbers[0]) < 2:
        return
    held = [f for f, v in before.items() if f not in said and isinstance(v, (int, str)) and not isinstance(v, bool)
            and str(v) != numbers[0] and sorted(str(v)) == sorted(numbers[0])]
    if len(held) == 1:
        args[held[0]] = type(before[held[0]])(numbers[0])
