"""An experiment asked as a question: "if I cut that direction out, what goes away?", or asked with its settings.

Newcomers ask for a run by asking what an intervention would do to the model: "what happens if
the model isn't allowed to look at one of its sentences?", "does pushing the model into 'real
user' mode make it stop writing type hints?". The question is the experiment, so it is run, not
answered. A question about a setting ("if I go to 100 rollouts, what round size makes sense?",
"if I dropped the cutoff to .45 would it flag more?") stays a question: the reply reasons about it.
"""

from __future__ import annotations

import re

from agent import arguments, intents
from agent.dialogue_state import DialogueState

# what is done to the model, its chain or its insides: the intervention the question asks about
_DONE = (r"(?:cut|cuts|cutting|remov\w*|delet\w*|drop\w*|ablat\w*|resampl\w*|push\w*|nudg\w*|steer\w*|suppress\w*|block\w*|"
         r"hid(?:e|es|ing)|mask\w*|insert\w*|add\w*|replac\w*|swap\w*|project\w*|transplant\w*|fine-?tun\w*|train\w*|forc\w*|"
         r"inject\w*|knock\w*|zero\w*|turn\w* off|switch\w* off|flip\w*|tak(?:e|es|ing) (?:out|away)|rip\w* out|strip\w*)")
_DOING = _DONE.replace(r"\w*", "ing")  # "does pushing ...", "would removing ..."
_BLINDED = r"(?:is ?n[o']t|was ?n[o']t|can'?t|cannot|could ?n[o']t|never|does ?n[o']t|did ?n[o']t) (?:allowed to |able to |get to )?(?:see|look|attend|read)s?\b"
_SUBJECT = r"(?:i|we|you|u|the model|it|smollm\w*)"
_OPENING = r"^\W*(?:(?:so|and|but|ok(?:ay)?|hm+|quick q|question)\W+)*"

HYPOTHESIS = re.compile(
    rf"\bwhat (?:happens|would happen|will happen|changes|would change|goes away|breaks)\b[^?]{{0,40}}?\b(?:if|when)\s+{_SUBJECT}\s+"
    rf"(?:just |only |were to |was to |somehow )?(?:{_DONE}|{_BLINDED})"
    rf"|(?:{_OPENING}(?:what )?|[,;:]\s+)if {_SUBJECT} (?:just |only |were to |somehow )?(?:{_DONE}|{_BLINDED})"
    rf"|{_OPENING}(?:does|do|would|will|can) (?:just |simply |actually )?{_DOING}\b"
    rf"|{_OPENING}(?:could|can) (?:we|you|i) (?:see|check|test|find out) (?:whether|if) (?:just |simply |only )?{_DOING}\b"  # "could we see whether steering at layer 10 alone changes it?"
    rf"|\bif {_SUBJECT} {_BLINDED}", re.I)

# the object of the change is a setting of the experiment, not the model: a question about settings
_SETTING = re.compile(r"\b(?:more|fewer|less|extra|bigger|smaller|larger|higher|lower)\s+(?:rollouts?|samples?|steps|epochs|controls|chains)\b|"  # "would more rollouts make ...?"
                      r"\b(?:go|went|going|drop\w*|push\w*|add\w*|turn\w*|cut\w*|zero\w*|set|setting|raise|raising|lower\w*|increas\w*|"
                      r"decreas\w*|doubl\w*|halv\w*|bump\w*)\s+(?:\w+\s+){0,2}?(?:to\s+)?(?:the\s+)?"
                      r"(?:\d[\d.]*\s*)?(?:rollouts?|cutoff|threshold|round size|c|samples?|temperature|temp|lr|learning rate|steps|"
                      r"epochs|alpha|tau|k|rank|batch|seed|chains?)\b", re.I)
# what a tool lets one choose: "can I choose the LoRA rank when I build it, or is the recipe fixed?"
_OPTIONS = re.compile(r"\b(?:can|could) (?:i|we) (?:choose|pick|control|configure|customi[sz]e)\b|\bor is (?:it|that|the [\w-]+) (?:fixed|hard-?coded|set in stone)\b|"
                      r"\bis (?:it|that|the [\w-]+) (?:configurable|adjustable)\b|"
                      r"\bwhich (?:[\w-]+ )?(?:is|would be|works?) (?:better|best)\b[^?]*,\s*[\w-]+ or [\w-]+\s*\?|"  # "which extractor is better for ..., boxed or last_number?"
                      r"\bwhich (?:of (?:those|these|them)|ones?|models?|runs?)\b[^?.]*\bcan (?:i|we)\s+(?:run|use)\b[^?.]*\?", re.I)  # "which of those can I run X on?"
# said of a run not to start: "no need to rerun, just reason about it", "how many trainable params is that"
_ASIDE = re.compile(r"\bno need to (?:re)?run\b|\bjust reason\b|\bin theory\b|\bhypothetically\b|\bwithout running\b|"
                    r"\bbefore (?:i|we) (?:run|launch|start)\b|\bhow (?:many (?:trainable )?param|long|much (?:time|memory|ram|vram|compute|does it cost))|"
                    r"\bhow many [\w-]+ (?:is|would) (?:that|this)\b", re.I)  # "how many rollouts is that for these nine sentences"


def asked(text: str) -> bool:
    """Whether `text` asks for an experiment by asking what an intervention does ("if I resample away sentence 3, does ...?")."""
    return bool(HYPOTHESIS.search(text)) and not _SETTING.search(text) and not _aside(text)


# A result asked against chance before any control has run: "how does that hold up against a random-vector control?",
# "is there a real effect from this vector, or is it indistinguishable from noise?"
CONTROLLED = re.compile(r"\bhow (?:does|do|would|will) (?:that|it|this|they|these)(?: \w+)? (?:hold up|compare|fare|stack up|do|look)\s+"
                        r"(?:against|next to|versus|vs\.?|beside)\s+(?:an?\s+|the\s+|some\s+)?(?:[\w-]+\s+)?(?:controls?|baselines?|noise|random)|"
                        r"\bis (?:there|it) (?:a |any )?real (?:effect|difference)\b|\b(?:in)?distinguishable from (?:noise|chance|random)\b", re.I)


def controlled(text: str, tool: dict | None, state: DialogueState) -> bool:
    """Whether `text` asks how a result compares with chance of a tool that runs controls and has not run yet: the run answers."""
    return bool(tool and "controls" in tool["schema"].get("properties", {}) and state.last(tool["name"]) is None
                and CONTROLLED.search(text) and not _aside(text))


def stated(text: str, tool: dict | None, state: DialogueState) -> bool:
    """Whether `text` states three or more settings of `tool` that its last run did not have: "... strengths 0.5, 1, 2 and 4,
    at layers 6, 12 and 18, eight samples per cell. Is the effect actually real?" asks for the run, whatever question closes
    it; "is L15 at 1.2 really beating the controls, given 4 samples and 2 controls?" asks about the run that had them."""
    if tool is None or _aside(text) or intents.WHY.search(text):
        return False  # "why are the CIs so wide at S4 w/ 8 rollouts at temp 0.6?" is about a result
    last = state.last(tool["name"])
    said = arguments.read(tool["schema"].get("properties", {}), text)[0]
    return sum(last is None or last.args.get(name, last.defaults.get(name)) != value for name, value in said.items()) >= 3


# A question, then an order that sets the experiment up: "does it also say nasty stuff on everyday questions? try 10
# answers per question", "is there one direction they share? look at layer 15": the question is what the run answers
_ORDER = re.compile(r"\?\s+(?:(?:ok(?:ay)?|so|and|then|maybe|just|please|pls)\W+)*(?:try|look at|use|get|give it|run|only (?:check|do|look at|use|run)|"
                    r"just (?:check|do|look at|use|run)|keep|build|go with|check)\b", re.I)


def ordered(text: str, tool: dict | None) -> bool:
    """Whether `text` asks a question and then orders the run that answers it, with a setting of `tool` in the order."""
    found = _ORDER.search(text) if tool is not None and not _aside(text) else None
    return bool(found) and bool(arguments.read(tool["schema"].get("properties", {}), text[found.start() + 1:])[0])


def about_settings(text: str) -> bool:
    """Whether `text` asks what a change of settings would do ("if I went from 8 to 32 rollouts, would the intervals
    narrow?", "would setting the temperature to 0 make these stabler?"): advice, not a run."""
    if ": " in text and "?" not in text.split(": ", 1)[0] and re.search(r"\b(?:cot|chain|sample|generate|reason)\b", text.split(": ", 1)[0], re.I):
        text = text.split(": ", 1)[0]  # "now a cot on plain smollm2-135m, ...: If 5 machines ..., how long do 100 machines take?": the problem's question
    asked = "?" in text or re.match(r"^\W*(?:so\s+|and\s+)?if\b[^.!]*\b(?:how many|how much|how long|what|would|will)\b", text, re.I)  # no "?" typed
    if not asked or intents.ASKED_TO.search(text) or intents.IMPERATIVE.search(text) or re.search(r"\blet'?s\b", text, re.I):
        return False
    hypothetical = re.search(r"\b(?:if|would|wouldn'?t|will|does|do|did|could|should|is it worth)\b", text, re.I) and (
        _SETTING.search(text) or _ASIDE.search(text))
    return bool(hypothetical or _OPTIONS.search(text))


def _aside(text: str) -> bool:
    return bool(_ASIDE.search(text) or intents.NOT_A_REQUEST.search(text))


def tried_on_newest(text: str, state: DialogueState, tools: dict[str, dict]) -> bool:
    """'could we see whether steering at layer 10 alone changes it?' right after a steer: the newest run with that setting
    changed, when the intervention asked about is what its tool does (the first word of its name) and a setting of it is said."""
    run = state.runs[-1] if state.runs else None
    if run is None or run.tool not in tools or not asked(text):
        return False
    verb = run.tool.split("_")[0]
    return bool(re.search(rf"\b{verb.rstrip('e')}(?:{verb[-1]})?ing\b", text, re.I)) and bool(
        arguments.read(tools[run.tool]["schema"].get("properties", {}), text)[0])
