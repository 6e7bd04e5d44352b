"""Steps said in order: "next up is the scoring: importance with 12 rollouts, the right answer is 16. receiver heads
after that", "plan is train -> eval -> probe. go on", "receiver heads are done, so suppression next. batch 16",
"ok so the order is: split, importance, then alternatives for the top sentence. carry on".

One call starts per turn: the step that must run now is the first one, in the order said, that has not been done (its
tool ran in this conversation and the step is said in a word or two, or the words say it is done: "receiver heads are
done", "once the fine-tune is done"). A short step said to wait ("receiver heads after that", "before you steer") goes
last, "..., after CAFT" puts CAFT first, "forget the sweep" drops the sweep. The request is read without the other
steps' words, keeping the settings said beside the one that runs ("batch 16", "the right answer is 16"). Where the
first step said runs first, nothing changes: the request is read whole, as before.
"""

from __future__ import annotations

import re

from agent import arguments
from agent.dialogue_state import DialogueState

# between steps: "->", "; ", ". ", ", then", "and then", "after that,", ", next", ", followed by", ", "
_SPLIT = re.compile(r"\s*(->|→|=>|;|(?<=[a-z0-9)'\"])[.!]\s+|,?\s+(?:and\s+)?then\b[,:]?|,?\s+followed by\b|,)\s*", re.I)
ORDERED = re.compile(r"->|→|=>|\b(?:then|after that|afterwards|next|first|followed by|before|after|once|comes? after|last|later|"
                     r"can wait|step (?:one|1)|the order is|plan(?: for today)? is|plan for today)\b", re.I)
# a step said to come later than what follows it: "before you steer, ..." (the steer waits)
LATER = re.compile(r"^\s*(?:and\s+)?before\b(?!\s+(?:sentence|position|token|step|layer)\b)|"
                   r"\b(?:after that|afterwards|comes? after|can wait|later|at the end|last)\W*$", re.I)
# a step that comes before the one said just before it: "run the eval last, after CAFT"
EARLIER = re.compile(r"^\s*(?:but\s+)?(?:only\s+)?(?:after|once|when)\b(?!\s+(?:that|sentence|position|token|step|layer)\b)", re.I)
DONE = re.compile(r"\b(?:(?:is|are|'s|was|were)\s+(?:done|finished|built|complete|through|in)|(?:has|have)\s+(?:finished|run|ended)|"
                  r"finish(?:es|ed)|ends|ended|done)\b", re.I)
DROPPED = re.compile(r"^\s*(?:(?:and|but|so)\s+)?(?:forget|drop|never ?mind|no need for|don'?t (?:bother with|do|run)|not)\b|^\s*skip\b(?!\s+(?:ahead|straight|to)\b)", re.I)
AGAIN = re.compile(r"\b(?:again|redo|re-?run|once more|repeat)\b", re.I)
PLAN = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|right)\W+)*(?:the\s+|my\s+|our\s+)?(?:plan|order|idea|steps?)(?:\s+for today)?(?:\s+(?:is|will be))?\s*:?\s*", re.I)  # "the plan is train"
# a step said in one word, as in "train -> eval -> probe": the experiment each word stands for
ONE_WORD = {"train": "train_lora", "training": "train_lora", "fine-tune": "train_lora", "eval": "em_evaluate", "evaluate": "em_evaluate",
            "evaluation": "em_evaluate", "probe": "lora_probe", "split": "split_sentences", "importance": "resample_importance",
            "heads": "receiver_heads", "suppression": "attention_suppression", "steer": "steer_generate", "sweep": "steering_sweep",
            "caft": "caft_finetune", "phase": "lora_phase", "direction": "misalignment_direction", "ablate": "ablate_direction",
            "ablation": "ablate_direction", "monitor": "cot_monitor", "alternatives": "sentence_alternatives"}
THRESHOLD = 0.6  # a step's words must point at a tool this clearly; "the right answer is 16" goes with its step


def now(text: str, state: DialogueState, router) -> str:
    """The request without the steps that do not run now (done, said to wait, or after the one that runs now), or ""
    when the text says no order of two experiments, or the first step said is the one to run."""
    if not ORDERED.search(text) or "?" in text or len(text) > 400 or "\n" in text or arguments.quoted(text) \
            or re.search(r"\b(?:step (?:one|1)|the first step)\s+(?:is|will be)\b", text, re.I):
        return ""  # a chain or a sentence given to work on is data, not steps; "step one is only the dictionary: ..." says it
    steps: list[dict] = []  # {parts: its words and the settings said beside it, tool, later, done}
    moved, pieces = False, _SPLIT.split(text)  # moved: a step said to wait ("receiver heads after that") or to come first
    loose: list[str] = []
    for part, before in zip(pieces[::2], [""] + pieces[1::2]):
        if not part.strip():
            continue
        if DROPPED.search(part):  # "forget the sweep"
            steps.append({"parts": [part], "tool": "", "later": False, "done": True})
            continue
        word = re.sub(r"^(?:the|an?)\s+", "", PLAN.sub("", part).strip(" .!,"), flags=re.I).lower()
        tool, score, _ = (named, 1.0, []) if (named := next((t for t in router.tools if t["name"] == ONE_WORD.get(word)), None)) \
            else router.route(PLAN.sub("", part) or part)
        mine = [s for s in steps if s["tool"]]
        if before.strip() == "," and re.search(r"\d", part) or mine and tool is not None and tool["name"] == mine[-1]["tool"] \
                or len(part.split()) > 12:  # a long sentence is a thought ("the interesting question is which one ..."), not a step
            tool = None  # "..., 24 rollouts", "..., with 5 random controls": settings of the step before, not a step
        if tool is None or score < THRESHOLD:
            (mine[-1]["parts"] if mine else loose).append(part)  # "batch 16": a setting of the step before it
            continue
        short = len(PLAN.sub("", part).split()) <= 6  # "receiver heads after that", "before you steer", "after CAFT"; not a long aside
        step = {"parts": [*loose, part], "tool": tool["name"], "later": short and bool(LATER.search(part)),
                "done": bool(DONE.search(part)) and not AGAIN.search(part)}
        loose = []
        moved = moved or step["later"] or step["done"]
        if short and EARLIER.search(part) and mine:
            moved = True
            steps.insert(steps.index(mine[-1]), step)  # "run the eval last, after CAFT": CAFT comes first
        else:
            steps.append(step)
    mine = [s for s in steps if s["tool"]]
    if len({s["tool"] for s in mine}) < 2:
        return ""
    ordered = [s for s in mine if not s["later"]] + [s for s in mine if s["later"]]
    ran = {r.tool for r in state.runs}
    todo = [s for s in ordered if not s["done"] and (s["tool"] not in ran or len(PLAN.sub("", " ".join(s["parts"])).split()) > 3
                                                     or AGAIN.search(" ".join(s["parts"])))]  # "split, importance, then ...": done
    moved = moved or bool(re.search(r"\bstep (?:one|1)\b|\bthe first step\b", text, re.I))  # "kick off step one": the first step alone
    if not todo or todo[0] is mine[0] and not moved:
        return ""  # the first step said runs first: the request as a whole is read (its settings may be the first step's)
    kept = text
    for step in steps:
        if step is not todo[0]:
            for part in step["parts"]:
                kept = kept.replace(part, " ", 1)
    return re.sub(r"^[\s,;.>-]+|(?:\s*[,;]\s*)+(?=[,;.]|$)", "", re.sub(r"\s*(?:->|→|=>)\s*", " ", kept)).strip() or ""
