"""Answering the assistant: the user's short reply to a reply of ours that ran nothing.

A reply may propose an experiment ("Next I'd steer at layers 12 and 16 with scale 2 on '...'"),
offer options ("(1) list what else it could have said at sentence 4 ... (2) ..."), or ask for one
value ("Which layer should I read and steer at?"). The answer is then read as what it answers:
- "go", "sounds good", "yep": the proposal;
- "yes but 40 rollouts", "yeah resplit, but with 25": the proposal, then the user's change (said
  later, so it wins);
- "option 1 please", "the second", "b", "go with the itda atoms": the option picked (and the words
  that introduced the options, which often name the tool or the run);
- "layer 14", "14", "the seed 2 one": the request the question was about, then the answer.
A message that names another tool of its own is a new request, not an answer.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent import beforehand, chat_habits, corrections, dictated, intents
from agent.dialogue_state import message_text
from agent.phrases import as_sentence
from agent.wording import QUOTED

# a message made only of these words says yes to what was proposed
YES_WORDS = {"ok", "okay", "k", "kk", "sure", "yes", "yeah", "yep", "yup", "ya", "go", "ahead", "for", "it", "do", "that", "this", "run",
             "please", "pls", "plz", "sounds", "good", "great", "fine", "perfect", "cool", "let's", "lets", "start", "launch", "makes",
             "sense", "alright", "right", "then", "proceed", "agreed", "deal", "nice", "excellent", "kick", "off", "plan", "the",
             "with", "one", "that's", "thats", "works", "me", "by", "all", "absolutely", "definitely", "exactly", "just", "now", "and",
             "sgtm", "lgtm", "go-ahead", "approved", "on", "course", "of", "hit", "fire", "away"}  # not thanks: "thanks!" after a proposal accepts nothing
# "yes but 40 rollouts", "sure, and skip the forced answers", "those settings are fine. prompts: ...", "go, seed 5 is fine but ..."
YES_THEN = re.compile(r"^\W*(?:(?:(?:yes|yeah|yep|yup|sure)\b|(?:ok(?:ay)?|fine|go|alright|great|perfect|cool|please|pls|sounds (?:good|great|right|fine)|"
                      r"makes sense|(?:those|these|the|that|your) (?:settings|values|numbers|plan|proposal|suggestion)s? (?:are|is|sound|sounds|look|looks) "
                      r"(?:fine|good|great|ok(?:ay)?|right)|(?:that|this|it)(?:'s| is| sounds| looks) (?:fine|good|great|ok(?:ay)?|right))"
                      r"(?=\s*[,.;:!-]|\s+(?:but|please|pls)\b|\s*$))\W*)+", re.I)
# said outright, these take a reply as a proposal even when it offers nothing in so many words ("yes please, start the continuation")
STRONG_YES = re.compile(r"\b(?:yes|yeah|yep|yup|sure|please|pls|sounds (?:good|great|right|fine)|makes sense|settings|values|proposal|suggestion|plan|"
                        r"go(?=\s*[,.;:!]|\s*$)|do it|let'?s do (?:it|that))\b", re.I)
WEAK_YES = re.compile(r"^\W*(?:(?:ok(?:ay)?|alright|great|cool|fine|perfect|right|good|then|so)\b\W*)+", re.I)
CLEAR = 0.9  # what the user adds names a tool this clearly: a request of its own ("ok run thought anchors on the chain, 16 rollouts")
# a yes/no question or an offer in a reply: what it proposes is the thing to run
OFFER = re.compile(r"\b(?:want me to|shall i|should i (?:go|run|start|launch|do)|go\?|ok\?|okay\?|say the word|would you like|"
                   r"i (?:can|could) (?:run|try|do|take|start|use)|i'?d\b|i suggest|next step|natural next|fits that|measures (?:exactly )?that|"
                   r"options?\b|ways? to\b|follow-ups?\b|would\b|\bone (?:cheap|quick|simple|easy|good|useful) (?:check|test|thing|option|way|experiment)\b)|"
                   r"(?:^|(?<=[.!?])\s)\s*\w+ (?:it|that|this|them|one)\?", re.I)
# "Which layer should I read at?", "What prompt do you want?": the last sentence asks for a value
ASKS_FOR = re.compile(r"\b(?:which|what)\s+(?:(?:one|of (?:the|these|those|them))\b|([a-z_-]+))[^.?!]*\?\s*$|\bwhere (?:is|are) (?:it|they|that|those)\?\s*$", re.I)
# a setting refused for its bounds: "I can't run that: rollouts must be between 1 and 1000"
BOUND = re.compile(r"\b([a-z][a-z_]*) (?:(?:must|has to|needs to) be (?:between|at most|at least|no more than|no less than|<=|>=|under|below|above)|"
                   r"is (?:capped|limited) (?:at|to)|can'?t (?:exceed|go (?:above|past|over)))\b", re.I)
MARKER = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=:))\(?([1-4]|[a-d])\)\s+|(?:^|\n)\s*(?:[-*•]|([1-4])\.)\s+", re.I)
NAMED_OPTIONS = re.compile(r"\b(?:two|three|several|a couple of|some|the)\s+(?:(?:natural|obvious|possible|cheap|quick)\s+)?(?:options|choices|ways|follow-ups|possibilities|routes|checks|experiments|tests)\b[^:]*:\s*|"
                           r"\beither\s+", re.I)
ORDINALS = {"first": 0, "1": 0, "a": 0, "one": 0, "former": 0, "second": 1, "2": 1, "b": 1, "two": 1, "latter": -1,
            "third": 2, "3": 2, "c": 2, "three": 2, "fourth": 3, "4": 3, "d": 3, "last": -1}
PICK = re.compile(r"^\W*(?:(?:ok(?:ay)?|yes|yeah|sure|then|so|hmm|let'?s|i'?ll|i'?d|we'?ll)\W+)*(?:(?:go|do|run|try|take|pick|choose|want|prefer|with|"
                  r"like|the|option|choice|number|no\.?|#|one)\W+)*\(?(first|second|third|fourth|former|latter|last|[1-4a-d])\)?"
                  r"(?:\W+(?:one|option|choice|please|pls|then|thanks))*\W*$", re.I)
# the option picked, then what the user adds: "the second, with 64 resamples", "option 1 but at layer 14"
PICK_THEN = re.compile(r"^\W*(?:(?:ok(?:ay)?|yes|yeah|sure|then|so|let'?s)\W+)*(?:(?:go with|do|take|the|option|choice)\W+)*(first|second|third|former|latter)"
                       r"(?:\s+(?:one|option|choice))?(?=\s*,\s*|\s+(?:but|with|and|at|on)\b)", re.I)
STOP = {"the", "a", "an", "with", "go", "do", "run", "please", "pls", "one", "option", "let's", "lets", "ok", "okay", "yes", "yeah", "sure",
        "i", "we", "to", "of", "and", "on", "in", "at", "it", "that", "this", "use", "using", "want", "take", "try", "for", "then"}


def options(reply: str) -> tuple[str, list[str]]:
    """The words before the options and the options a reply offers: "(1) ... (2) ...", "a) ... b) ...", bullets, or
    "Two options: X, or Y"."""
    marks = list(MARKER.finditer(reply))
    if len(marks) >= 2:
        parts = [reply[m.end():(marks[i + 1].start() if i + 1 < len(marks) else len(reply))].strip(" ;,") for i, m in enumerate(marks)]
        parts = [re.sub(r"[;,]?\s*(?:or|and)\s*$", "", p) for p in parts]
        return reply[:marks[0].start()].strip(), parts
    named = NAMED_OPTIONS.search(reply)
    if named:
        rest = reply[named.end():]
        split = re.split(r",?\s+or\s+|;\s+(?:or\s+)?", rest, maxsplit=3)
        if len(split) >= 2:
            parts = [s.strip() for s in split]
            verb = re.match(r"([a-z]+)\s", parts[0])  # "ablate PC0 only, or PC0 and PC2": the second is ablated too
            if verb and verb.group(1).lower() not in STOP:
                parts = [p if re.match(r"[a-z]+\s", p) and not re.match(r"(?:pc|layer|sentence|component)s?\b", p, re.I) else f"{verb.group(1)} {p}" for p in parts]
            return reply[:named.end()].strip(), parts
    inline = re.search(r"(?:^|(?<=[.!?:]\s))([^.!?]*?\bI (?:can|could)\s+)([^.!?]+?),?\s+or\s+(?!not\b)([^.!?]+)[.!?]?\s*$", reply)
    if inline:  # "I can rerun the importance against the correct answer 43, or list what else the model might say at sentence 6."
        return reply[:inline.start(2)].strip(), [inline.group(2).strip(), inline.group(3).strip()]
    return reply, []


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9_'-]+|\d+", text.lower()) if w not in STOP}


def picked(text: str, offered: list[str]) -> int | None:
    """Which offered option the user took: by its order ("option 1", "the second", "b") or by words only it has ("the itda atoms")."""
    if len(offered) < 2:
        return None
    order = PICK.match(text) or PICK_THEN.match(text)
    if order:
        index = ORDINALS[order.group(1).lower()]
        return index if index < len(offered) else None
    said = _words(text)
    own = [len(said & (_words(o) - set().union(*(_words(p) for j, p in enumerate(offered) if j != i)))) for i, o in enumerate(offered)]
    best = max(own)
    return own.index(best) if best and own.count(best) == 1 else None


def yes_only(text: str) -> bool:
    words = re.findall(r"[\w'-]+", text.lower())
    return bool(words) and len(words) <= 8 and all(w in YES_WORDS for w in words)


def yes_end(text: str, offered: bool) -> int | None:
    """Where the yes that opens `text` ends (its whole length when it is all yes), or None when it opens with none.
    A weak one ("ok rebuild it, only those layers") counts only after a reply that `offered` something."""
    if yes_only(text):
        return len(text)
    said = YES_THEN.match(text) or offered and WEAK_YES.match(text)
    return said.end() if said else None


def unpicked(text: str, reply: str) -> list[str]:
    """The options of `reply` when `text` says yes to them without picking one ("yeah go for it" after "(1) ... or (2) ...")."""
    offered = options(reply)[1]
    return offered if len(offered) >= 2 and (yes_only(text) or YES_THEN.fullmatch(text)) else []


def composed(text: str, reply: str, before: str, routes: Callable[[str], tuple[str | None, float]]) -> tuple[str, str] | None:
    """What `text` answers after `reply` (ours, no tool) answered `before`: (the request proposed or asked about, what the
    user adds to it), or None when `text` is a request of its own. `routes(words)` is the tool those words are closest to,
    with its score (1 or more: the words name it outright)."""
    reply = reply.strip()
    if not reply:
        return None

    def strong(words: str) -> str | None:
        name, score = routes(words)
        return name if score >= 1.0 else None

    preamble, offered = options(reply)
    choice = picked(text, offered)
    own_tool = strong(text)
    if choice is not None and (PICK.match(text) or PICK_THEN.match(text) or len(text.split()) <= 8):
        proposal = cleaned(f"{as_sentence(preamble)}\n{offered[choice]}", strong)
        asked = f"{before.strip()}\n{cleaned(offered[choice], strong)}" if before.rstrip().endswith("?") else None
        if asked and not re.match(r"\W*(?:why|how come)\b", before, re.I) and routes(asked)[1] > routes(proposal)[1]:
            # "which PCs would you ablate for CAFT?" -> "Two options: ..." -> "second option" (not "why would sentence 4 ...?")
            proposal = asked
        return None if own_tool and own_tool != strong(proposal) else (proposal, _rest(text))
    bound = BOUND.search(reply)
    number = re.match(r"\W*(?:(?:ok(?:ay)?|fine|alright|sure|yes|yeah|then|so|let'?s (?:do|go with|say)|make it|use|go with|try)\W+)*"
                      r"(\d+(?:\.\d+)?)(?![\w.])\W*(?:(?:then|instead|it is|please|pls)\b\W*)*", text, re.I)
    if bound and number and before and not own_tool:  # "rollouts must be between 1 and 1000" -> "ok, 150 then": the request, with that value
        more = re.sub(r"^(?:and|but|also)\b\W*", "", text[number.end():].strip(), flags=re.I)  # "50 it is, and lower similarity to 0.65 too"
        return before, f"again with {bound.group(1)} {number.group(1)}" + (f", {more}" if more else "")
    question = next((q for q in map(ASKS_FOR.search, re.split(r"(?<=\?)\s+", intents.QUOTED_TEXT.sub(" ", reply))) if q), None)  # (not a quoted title's)
    offer = OFFER.search(reply)
    end = yes_end(text, bool(offer))  # where the yes ends and what the user adds begins
    if end is None and yes_then_settings(text):  # "do it, top 10 heads": a yes, then settings
        end = intents.ACCEPT.match(text).end()
    outright = end is not None and end < len(text) and STRONG_YES.search(text[:end]) \
        and not re.search(r"[.!?]\s+\S|^\W*(?:now|next|also)\b", text[end:], re.I)  # "yeah expected. now the real model ...": a new request
    if end is not None and (offer or outright):
        asked = "?" in before or re.match(r"\W*(?:what|why|how|which|is|are|does|do|can|could|would|should)\b", before, re.I)
        proposal = cleaned(reply, strong)
        proposal = proposal if routes(proposal)[0] or not before or asked else f"{as_sentence(before)}\n{proposal}"  # "I'd suggest layer 14 ..."
        if before and proposal.rstrip().endswith("?") and routes(f"{as_sentence(before)}\n{proposal}")[1] > max(routes(proposal)[1], 0.6):
            proposal = f"{as_sentence(before)}\n{proposal}"  # "phase transition with k up to 8" -> "... Run it there with k 1, 2, 4 and 8?" -> "yes"
        rest = text[end:]
        if re.search(r"\b(?:again|re-?run|redo)\b", rest, re.I) or re.match(r"\W*(?:skip|forget|hold off|never ?mind|not now|no\b|don'?t)", rest, re.I):
            return None  # "ok train it again with seed three": the run before, not the proposal; "yeah skip the importance for now. ...": declined
        named = routes(rest) if rest else (None, 0.0)
        if named[1] >= CLEAR and named[0] != routes(proposal)[0] or own_tool and own_tool != strong(proposal):
            return None  # "ok, build the one that follows hints": a request of its own
        return proposal, re.sub(r"^(?:but|and|just|only)\b\W*", "", rest.strip(), flags=re.I)
    if question and end is None and before and len(text.split()) <= 14 and not (own_tool and own_tool != strong(before)) \
            and not (text.rstrip().endswith("?") and intents.QUESTION.search(text)):  # "which would you pick, and why?": a question back
        answer = text.strip()
        noun = question.group(1)
        if noun and re.fullmatch(r"[\d.,\s-]+|(?:and|,|\s|\d)+", answer):  # "14" to "Which layer ...?" is layer 14
            answer = f"{noun} {answer}"
        elif noun and (first := re.match(r"(\d+)(?:\.(?!\d)|,)\s+(?=[a-z])", answer, re.I)):  # "9. steer at 8x and use 6 random controls"
            answer = f"{noun} {first.group(1)}. {answer[first.end():]}"
        elif re.search(r"\bwhich\b[^?]*\b(?:mean|one)\b", question.group(0), re.I) and re.fullmatch(r"[a-z][\w-]*(?:\s+[a-z][\w-]*)?", answer, re.I) \
                and not re.match(r"(?:the|that|this|my|both|either|neither|none|all)\b", answer, re.I):
            answer = f"the {answer} one"  # "Which chain do you mean: the apples one or the train one?" -> "apples"
        proposed = cleaned(reply, strong)
        if QUOTED.search(answer):  # "insert '...' instead" after "Without one I'd use the default '...'": the default set aside
            proposed = re.sub(r"(?:^|(?<=[.!?])\s+)[^.!?]*\bdefault\b[^.!?]*(?:[.!?]|$)", " ", proposed, flags=re.I).strip() or proposed
        if re.match(r"\W*(?:so\s+)?(?:how|what|why)\b", before, re.I) and before.rstrip().endswith("?") \
                and (strong(proposed) or noun is None and routes(proposed)[0]):
            return f"{as_sentence(proposed)}\n{answer}", ""  # "how would I see what changed?" -> "... continue the dictionaries on it. Where is it?"
        return f"{as_sentence(before.rstrip(' ?'))}\n{answer}", ""
    return None


# what a proposal says besides the run: the offer itself ("Shall I start it?"), how it is introduced ("the natural next step
# is", "I'd suggest"), an alternative set aside ("the LLM judge, not the offline reference judge"), why ("so that accuracy
# means ...", "where the receiver heads cluster") and the step after it ("Then itda_explain with added=true lists them.")
ASIDES = [re.compile(p, re.I) for p in (
    r"(?:^|(?<=[.!?])\s+)(?:(?:so|ok(?:ay)?|then)\W+)?(?:which|what|how|why|is|are|does|do|did|can|could|would|will|shall|should|may|want|"
    r"do you want|would you like)\b[^.!?]*\?",
    r"(?:^|(?<=[.!?])\s+)(?:then|after that|afterwards)\b[^.!?]*[.!?]?",
    r",?\s+(?:not|rather than|instead of)\s+(?:the |a |an )?[^,.;:]*",
    r",?\s+(?:so that|so|where|which|because|since|to see|and see|to check whether|to set (?:it |that |them )?(?:beside|next to|against)|to compare (?:it |that )?(?:with|against|to))\b[^,.;:]*")]


LEAD = re.compile(r"\bone (?:cheap|quick|simple|easy|good|useful) (?:check|test|thing|option|way|experiment) (?:is|would be) to\b|\b(?:the |a )?(?:natural |obvious |sensible )?next step (?:is|would be)\b:?|\b(?:next )?i'?d (?:suggest|recommend|propose)\b:?|"
                  r"\bi (?:suggest|recommend|propose)\b:?|\bnext i'?d\b|\bi'?d\b|\bi (?:would|can|could)\b", re.I)


def cleaned(proposal: str, strong: Callable[[str], str | None] = lambda words: None) -> str:
    """The run a proposal describes, without its asides (above) and what comes before its lead ("Since the chain lands on
    the right answer, the natural next step is ..."), unless the lead's own words name no tool and those before do: then
    what it leads to first, where its settings win, and the words before after it."""
    lead = LEAD.search(proposal)
    if lead:
        after = proposal[lead.end():]
        proposal = after if strong(after) or not strong(proposal) else f"{after}\n{proposal[:lead.start()]}"  # what it proposes first
    quotes = [m.group(0) for m in QUOTED.finditer(proposal)]  # a question quoted as a setting is no aside
    proposal = QUOTED.sub(lambda m: f"\x00{quotes.index(m.group(0))}\x00", proposal)
    for aside in ASIDES:
        kept = aside.sub(" ", proposal)
        proposal = kept if re.search(r"\w", kept) else proposal
    proposal = re.sub(r"\x00(\d+)\x00", lambda m: quotes[int(m.group(1))], proposal)
    return re.sub(r"\s+([.,;:])(?=\s|$)", r"\1", re.sub(r"[ \t]+", " ", proposal)).strip()


def named(rest: str, proposal: str, args: dict) -> str:
    """"but with 25" after "Resplitting with min_chars 20 ...": the one number the proposal set is the one changed
    ("but with min_chars 25"), when the user's words name no setting."""
    numbers = re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", rest)
    if len(numbers) != 1 or len(re.findall(r"[a-z]+", rest.lower())) > 4:
        return rest
    said = [name for name, value in args.items() if isinstance(value, (int, float)) and not isinstance(value, bool)
            and re.search(rf"(?<![\w.]){re.escape(str(value))}(?:\.0)?(?![\w.])", proposal)]
    return re.sub(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", lambda m: f"{said[0]} {m.group(0)}", rest) if len(said) == 1 else rest


def yes_then_settings(text: str) -> bool:
    """"ok do that, but 25", "yes do that but at layer 8, and with 4 controls": a yes, then settings that change the
    proposal (a bare number is the proposal's one setting changed, which `named` finds)."""
    said = intents.ACCEPT.match(text)
    rest = text[said.end():] if said else ""
    return bool(re.fullmatch(r"\W*(?:(?:but|with|make it|at|use|instead)\W+)*\d+(?:\.\d+)?\W*(?:instead)?\W*", rest, re.I)
                or re.match(r"\W*(?:but|,)\s", rest, re.I) and re.search(r"\d", rest))


def _rest(text: str) -> str:
    """What the user adds to the option picked ("option 1 please" adds nothing; "the second, but at layer 14" adds the layer)."""
    if PICK.match(text):
        return ""
    then = PICK_THEN.match(text)
    return re.sub(r"^\W*(?:but|with|and)?\s*", "", text[then.end():].strip(" ,"), flags=re.I) if then else text


def answered(planner, messages: list[BaseMessage]) -> AIMessage | None:
    """The planner's reply to the user's answer to a reply of ours that proposed or asked (None: not such an answer).
    The proposal is planned as a request; what the user adds changes that run, as a rerun would."""
    if len(messages) < 3 or not isinstance(messages[-3], HumanMessage) or not isinstance(messages[-2], AIMessage) or messages[-2].tool_calls:
        return None
    reply, text = messages[-2], corrections.corrected(dictated.written(chat_habits.read(message_text(messages[-1]))))  # "👍", "+1", "lgtm, ship it"
    content = message_text(reply)

    routed: dict[str, tuple[str | None, float]] = {}  # a turn routes the same proposal up to three times: once

    def routes(words: str) -> tuple[str | None, float]:
        if words not in routed:
            tool, score, _ = planner.router.route(words)
            routed[words] = (tool["name"], score) if tool else (None, score)
        return routed[words]

    offered = unpicked(text, content)
    if offered and any(name and planner._tool(name).get("cost") == "expensive" for name in (routes(o)[0] for o in offered)):
        return planner.reply("clarify", "Which of these do you mean?\n" + "\n".join(f"({i}) {o}" for i, o in enumerate(offered, 1)),
                             sure=True)  # "yeah go for it" after two expensive options
    if reply.response_metadata.get("pending") or beforehand.INVITE.search(content) or beforehand.NOTED.match(content) \
            or intents.ACCEPT.match(text) and reply.response_metadata.get("intent") != "clarify" and not yes_then_settings(text):  # read where they always were
        return None
    found = composed(text, content, message_text(messages[-3]), routes)
    if found is None:
        return None
    proposal, rest = found
    earlier = messages[:-3]
    first = planner.plan(earlier + [HumanMessage(proposal)])
    if not first.tool_calls:  # the reply proposed no run after all (or one the user's words complete): read them together, else alone
        whole = planner.plan(earlier + [HumanMessage(f"{proposal}\n{rest}")]) if rest else first
        return whole if whole.tool_calls or whole.response_metadata.get("pending") or whole.response_metadata.get("show") else None
    if not rest:
        return first
    call = first.tool_calls[0]
    rest = named(rest, proposal, call["args"])
    run_id = f"00000000-000000-{call['name']}-0000"  # the proposed run, as if it had run: what the user adds changes it
    done = ToolMessage(json.dumps({"ok": True, "tool": call["name"], "run_id": run_id, "status": "complete", "summary": "",
                                   "result": {}, "args": call["args"]}), tool_call_id=call["id"], name=call["name"])
    second = planner.plan(earlier + [HumanMessage(proposal), AIMessage("", tool_calls=[call]), done, AIMessage(""), HumanMessage(rest)])
    if not second.tool_calls or run_id in json.dumps(second.tool_calls):
        return planner.plan(earlier + [HumanMessage(f"{proposal}\n{rest}")])
    return second
