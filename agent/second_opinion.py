"""The rules' reply, reviewed by the request classifier (agent/request_classifier.py).

Where the classifier is much surer of another reading of the request, the reply becomes that
reading: a tool run with the arguments the words and the dialogue state give, an answer, a run
shown, or a clarifying question. It never reviews an answer to a question the planner asked, a
result being explained, a request that names its tool outright or an organism by name, or a change
said of the newest run ("now push the other way": the rules read it against that run, the classifier
cannot); with nothing run, it answers only where the cards hold an answer; and it
never starts an expensive tool by itself: where it reads a request as one, the reply asks first.
"""

from __future__ import annotations

import re

from typing import Any, NamedTuple

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent import arguments, beforehand, by_result, copied, descriptions, filling, in_passing, intents, show, trials
from agent.answers import NO_ANSWER
from agent.dialogue_state import DialogueState
from agent.request_classifier import OVERRULE
from agent.typos import FREE

# Asked to be seen in so many words: the classifier does not turn the run shown into the same experiment run again
SHOWN_ASKED = re.compile(r"\b(?:show (?:me|us)|display|pull up|bring up|let me (?:see|look at|read)|lemme (?:see|read)|i want to read|(?:could|can|may) (?:i|we) (?:please )?(?:see|look at|view)|"
                         r"(?:please )?list (?:the|all|its|those))\b", re.I)
QUESTION_OVERRULE = 1.2  # log odds: an expensive run the rules read from a question needs less to be overruled


def label_of(reply: AIMessage) -> str:
    """The rules' reply as the classifier's label."""
    pending = reply.response_metadata.get("pending")
    if reply.tool_calls or pending:
        return "run:" + (reply.tool_calls[0]["name"] if reply.tool_calls else pending["tool"])
    intent = reply.response_metadata.get("intent")
    return "clarify" if intent in ("ask", "clarify") else intent or "answer"


class Turn(NamedTuple):
    """The user's message as the planner read it, once, for its rules and for the review."""

    text: str
    own: str  # the user's own words: quoted or pasted text left out
    state: DialogueState  # of the conversation before the message
    route: tuple  # the router's best tool, its score, and every tool ranked
    user: Any  # the user model
    prefix: str  # the planner's introduction, on its first reply
    undecided: str | None = None  # what to ask when the request hangs on a condition the newest result leaves open (agent/conditions.py)
    step: str = ""  # of steps said in order, the words of the one that runs now (agent/sequence.py)


def review(planner, messages: list[BaseMessage], reply: AIMessage, classifier, turn: Turn) -> AIMessage:
    text, own, state, route, user, prefix = turn[:6]
    if classifier is None or not isinstance(messages[-1], HumanMessage):
        return reply
    if len(messages) >= 2 and isinstance(messages[-2], AIMessage) and messages[-2].response_metadata.get("pending"):
        return reply  # the user answers what we asked
    if route[1] >= 1.0 or len(re.findall(r"[a-z]{2,}", own, re.I)) < 2:
        return reply  # the tool's own name, said outright; or too few words to learn anything from ("thanks!")
    previous = next((m.content for m in reversed(messages[:-1]) if isinstance(m, HumanMessage) and isinstance(m.content, str)), "")
    expensive = bool(reply.tool_calls) and (_named(planner, reply.tool_calls[0]["name"]) or {}).get("cost") == "expensive"
    tried = trials.asked(own) or trials.controlled(own, route[0], state) or trials.ordered(own, route[0])  # a question the run answers
    asked = expensive and intents.QUESTION.search(own) and not tried  # "so which is the anchor, 4 or 8? ...": from a question
    now = in_passing.asked_now(text) if in_passing.asked_now(own) != own else text  # "unlike CAFT, ... I just want ...": what is asked now
    choice = classifier.overrules(label_of(reply), copied.unnamed(now, state.runs), previous, [r.tool for r in state.runs],
                                  QUESTION_OVERRULE if asked else OVERRULE)
    if choice is None or reply.response_metadata.get("sure") or choice == "clarify" and reply.response_metadata.get("pending") \
            or reply.tool_calls and turn.step:  # the step not done yet of an order said ("plan is train -> eval -> probe. go on")
        return reply  # a rule that reads these words exactly (an organism by name, a change of the newest run), or already asking
    if label_of(reply) == "answer" and intents.CONCEPT.search(own) and "?" in own \
            and not (intents.ORDER_AFTER.search(own) or intents.ASKED_TO.search(own) or intents.IMPERATIVE.search(own)):
        return reply  # "What does forced-answer importance actually capture, and how does it differ from ...?": the term's card
    if (choice.startswith("run:") or choice == "answer" and intents.MODEL_ASKED.search(own)) and reply.tool_calls \
            and _new_text(planner, reply.tool_calls[0], choice[4:], own, state):
        return reply  # "cud u get it to reasn out 648/24" after a direction run, "have it work thru this: ..., avg speed?": a new
        # question for the model is a new chain, not the last run again nor a question to us
    shown = state.get((reply.response_metadata.get("show") or {}).get("run_id") or "")
    if shown and SHOWN_ASKED.search(own) and (not choice.startswith("run:") or shown.tool == choice[4:]) \
            and not show.new_settings(shown, (_named(planner, shown.tool) or {}).get("schema", {}).get("properties", {}), own):
        return reply  # "could you please let me see the sentences the egg chain was split into?": that run, asked to be seen
    if label_of(reply) == "answer" and state.runs and (intents.WHY.search(own) or intents.judged(own) or intents.NEXT.search(own)):
        return reply  # "... Why did it flag 'I will not blackmail him'?", "... or could it just be noise?", "... what would you suggest I try next?"
    if reply.tool_calls and (_said(planner, reply.tool_calls[0], own, text, state) >= 3 or _before(planner, reply.tool_calls[0], state) >= 2):
        return reply  # three settings of the tool read from the user's own words, not carried from runs; or two set up before ("ok go")
    if choice == "show" and reply.tool_calls and re.search(r"\b(?:run|launch|kick off)\s+(?:one|it|that|them|a new one)\b(?!\s+(?:again|before)\b)", own, re.I) \
            and state.last(reply.tool_calls[0]["name"]) is None:
        return reply  # "run one so I see what it looks like": nothing of that tool has run to be shown
    if choice in ("answer", "show", "clarify") and reply.tool_calls and tried:
        return reply  # "what happens if the model can't see one of its sentences?", "how does it hold up against a random control?": the run
    if choice == "clarify" and reply.tool_calls and by_result.clause(own):
        return reply  # "ablate the one that steered hardest": a run picked by its result (else the rules had asked which)
    if choice == "clarify" and reply.tool_calls and _described(reply.tool_calls[0], own, state):
        return reply  # "... on the risky-advice fine-tune, not the control": the one run of its kind the words describe
    if choice == "clarify":
        return planner.reply("clarify", prefix + planner.router.clarify(route[2], text))
    if choice == "answer" and _changed(reply, state) and "?" not in own and not intents.QUESTION.search(own):
        return reply  # "same q on plain smollm2 for comparison": a run with a setting changed, and no question asked
    if choice == "answer" and reply.tool_calls and intents.ORDER_AFTER.search(own) and _said(planner, reply.tool_calls[0], own, text, state) >= 1:
        return reply  # "... can we try that? train it on the reckless tips, 50 steps": the order after the question, its settings read
    if choice == "answer" and reply.tool_calls and intents.ASKED_TO.search(own) and not trials.about_settings(own) \
            and route[0] is not None and route[0]["name"] == reply.tool_calls[0]["name"]:  # the router and the rules agree
        return reply  # "can we redo that training but block off ...?", "what if we slip in '...' after sentence 1?": asked to be done
    if choice == "answer":
        answer = planner.answer_to(text, own, state, user, route[1])
        if answer is None and not state.runs and not (expensive and "?" in own):  # "how is a norm-matched random vector a fair baseline?"
            return reply  # nothing run and nothing to answer from: "what's the weather in Oslo?" gets the tools it may mean
        return planner.reply("answer", prefix + (answer or NO_ANSWER))
    wish = descriptions.PURPOSE.sub(" ", own)  # "... so i can open it in the viewer": a purpose, not a wish to see
    if choice == "show" and _changed(reply, state) and show.show_request(text) is None and not show.SHOW.search(wish) \
            and not re.search(rf"\b(?:{show.SHOWN['plot']})\b", own, re.I):
        return reply  # "redo the layers 10/14 one but only the generated tokens": nothing asked to be seen, a setting changed
    if choice == "show" and reply.tool_calls and re.search(r"\b(?:retry|re-?run|redo|start (?:it|that) again)\b", own, re.I) \
            and show.show_request(text) is None and not show.SHOW.search(wish):
        return reply  # "gpu's free now, retry this morning's build": run again, nothing asked to be seen
    if choice == "show" and label_of(reply) == "answer" and intents.WHY.search(own):
        return reply  # "why did layer 0 get 6k atoms when the others are ~2k": a why is answered, not shown
    pending = reply.response_metadata.get("pending")
    asking_top = bool(pending) and route[0] is not None and route[0]["name"] == pending["tool"]  # the rules ask for the input of the router's tool
    if choice == "show" and asking_top and show.show_request(text) is None and state.last(pending["tool"]) is None:
        return reply  # "could you show me what the model might have said instead ...?": the experiment, not a run to show
    if choice == "show":
        return _show(planner, text, state, route, label_of(reply)) or reply
    if label_of(reply) == "show" and show.SHOW.search(wish) and re.search(r"\b(?:again|back|once more)\b", own, re.I):
        return reply  # "let me see the notebook chain's receiver-head results again": asked to be seen, in so many words
    tool = _named(planner, choice[4:])
    if tool is None:
        return reply
    if asking_top and route[1] - route[2][1][0] >= 0.3 \
            and all(t is not tool for _, t in route[2][:3]):  # "find the sharpest turn of the B vector": asked for the input of the
        return reply  # tool its words clearly name, not turned into a tool they do not name
    if tool["cost"] == "expensive" and label_of(reply) == "show":
        return reply  # a run the rules found to show stays shown, not turned into a question about starting an expensive one
    if tool["cost"] == "expensive" and _own_settings(planner, tool, label_of(reply), route, own) < 2:  # it asks before running, as for any
        if asking_top:
            return reply  # a question either way: the input of the tool the words lead to, not a list of tools
        return planner.reply("clarify", prefix + planner.router.clarify(  # request the rules are unsure of, unless it states two settings
            [(1.0, tool)] + [st for st in route[2] if st[1] is not tool], text))  # only that tool takes ("true answer 1/2, math-verify")
    return planner.call(tool, filling.fill(tool, text, state), "", state, messages, prefix=prefix)


def _changed(reply: AIMessage, state: DialogueState) -> bool:
    """Whether the rules' reply runs a tool with arguments no run in sight had (so it is no run to show again)."""
    if not reply.tool_calls:
        return False
    call = reply.tool_calls[0]
    return all(run.args != call["args"] for run in state.runs if run.tool == call["name"])


# Settings many tools take: the common ones a user states once, less those that tell a tool apart (an answer, an extractor).
GENERIC = frozenset(arguments.COMMON) - {"answer", "extractor", "system", "export_dir"} | {"layer"}


def _own_settings(planner, tool: dict, rules: str, route, own: str) -> int:
    """How many settings the user's words give that `tool` takes and neither the rules' tool nor the router's next
    likeliest ones do; settings most tools take (rollouts, temperature, ...) tell nothing."""
    others = [t for t in planner.tools if rules == "run:" + t["name"]] + [t for _, t in route[2][:3] if t is not tool]
    theirs = GENERIC.union(*(t["schema"].get("properties", {}) for t in others))
    return len(set(arguments.read(tool["schema"].get("properties", {}), own)[0]) - theirs)


def _named(planner, name: str) -> dict | None:
    return next((t for t in planner.tools if t["name"] == name), None)


def _said(planner, call: dict, own: str, text: str, state: DialogueState) -> int:
    tool = _named(planner, call["name"])
    if tool is None:
        return 0
    read = arguments.read(tool["schema"].get("properties", {}), own)[0]
    quoted = [v for k, v in call["args"].items() if k not in read and isinstance(v, str) and len(v) >= 8 and v.lower() in text.lower()]
    # a prompt or question in quotes is said too; a pasted chain of thought says as much as two settings
    before = sum(call["args"].get(k) == v for k, v in beforehand.settings(tool, state).items() if k not in read)  # "recipe: ..." -> "go"
    return len(read) + sum(2 if len(v) >= 60 else 1 for v in quoted) + len(filling.RUN_ID.findall(own)) + before


def _described(call: dict, own: str, state: DialogueState) -> bool:
    """Whether each run the call reads that the user did not name by id is the one run of its tool the words describe best."""
    picked = [state.get(v) for k, v in call["args"].items() if k.endswith("_run") and isinstance(v, str) and v not in own]
    if not picked or None in picked:
        return False
    for run in picked:
        scores = sorted(descriptions.describe_scores(own, [r for r in state.runs if r.tool == run.tool], state.runs), key=lambda s: -s[0])
        if len(scores) < 2 or scores[0][2] is not run or scores[0][0] <= max(scores[1][0], 0):
            return False
    return True


def _new_text(planner, call: dict, other: str, own: str, state: DialogueState) -> bool:
    """Whether the rules' call takes a text from the user's words (a question, a prompt; not a search's query) that no run
    had and the classifier's tool, `other`, has no place for."""
    props = (_named(planner, other) or {}).get("schema", {}).get("properties", {})
    return any(isinstance(v, str) and len(v) >= 3 and k not in props and v.lower() in own.lower()
               and all(run.args.get(k) != v for run in state.runs) for k, v in call["args"].items() if k in FREE and k not in ("query", "system"))


def _before(planner, call: dict, state: DialogueState) -> int:
    """How many of the call's arguments were set up in a turn that ran nothing ("when we monitor, look for X, offline" -> "ok check that chain")."""
    tool = _named(planner, call["name"])
    return sum(call["args"].get(k) == v for k, v in beforehand.settings(tool, state).items()) if tool else 0


def _show(planner, text: str, state: DialogueState, route, rules: str) -> AIMessage | None:
    if not state.runs:
        return None
    shown = planner.shown(text, state, route)
    if shown is not None:
        return shown
    if rules.startswith("run:") and state.last(rules[4:]) is not None:  # "the s3 alternatives, show again": that tool's run
        return planner.show_run(state.last(rules[4:]), show.show_request(text) or "text")
    part = show.show_request(text) or ("plot" if re.search(r"\b(?:plot|chart|curve|graph|heatmap)\b", text, re.I) else "text")
    run = show.named_run(text, state) or next((state.last(t["name"]) for _, t in route[2][:3] if state.last(t["name"])), None) \
        or show.run_for(part, state) or state.last()
    return planner.show_run(run, part)
