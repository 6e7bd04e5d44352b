"""What the router reads of a message: the part that asks, with what names no tool taken out.

Run ids and runs named by description are references and organism:X a model, so none of them names a tool; what
others did, told in passing ("they used 100 rollouts per sentence"), is not asked for; a first step said before
"then" is what runs now. When the whole message routes too weakly to act on and a question is followed by an order
("can we try that? train it on the risky tips, 50 steps"), the order alone is routed too, and the clearer wins.
"""

from __future__ import annotations

import re

from agent import asides, copied, descriptions, in_passing, intents, pasted_output, run_times
from agent.dialogue_state import DialogueState
from agent.run_kinds import RUN_ID

# A question given as the first thing to work on, after what is to be found out
START_WITH = re.compile(r"\b(?:start|begin|starting|beginning)\s+(?:with|on)\s+(?:this|the following|these)(?:\s+(?:one|question|problem|prompt))?\s*:\s*(?=\S)", re.I)
WEAK = 0.55  # below it the planner would ask which experiment is meant
# What a learner says of themselves before the ask: "I'm new to the thought-anchors stuff and want ...", "I still don't
# get what 'resampled' means concretely.", "receiver heads just aren't clicking.", "easier for me to learn it by running it."
LEARNER = re.compile(r"^\s*(?:[^.!?]*\b(?:i'?m|i am)\s+(?:new to|(?:still\s+)?learning|reading|trying to (?:learn|understand|get|wrap))|"
                     r"i (?:still\s+)?(?:don'?t|do not|can'?t) (?:get|understand|see)|[^.!?]*\b(?:isn'?t|aren'?t|not|never) (?:clicking|making sense)|"
                     r"(?:it'?s\s+)?(?:easier|better|simpler) for me to (?:learn|understand|see|get))\b[^.!?]*[.!?]\s+", re.I)


def route(router, own: str, state: DialogueState) -> tuple:
    """The router's (tool, score, ranked) for the words of a message (`own`: its own words, quotes and pastes out)."""
    then = intents.THEN_NEXT.search(own)  # "make a vector from these pairs, then steer with it": the first step runs now
    if then and re.match(r"\s*(?:q|question|problem|prompt)\s*:", own, re.I):
        then = None  # "Q: <a problem>\nCoT: <its chain>\n\nthen resample each sentence": what comes first is given, not done
    said = asides.untold(own[:then.start()] if then and len(own[:then.start()].split()) >= 3 else own)  # (its settings may be the first's)
    said = in_passing.asked_now(said)  # "lora_probe can come after. right now just: when did the B vector turn?"
    said = pasted_output.without(said, state.runs)  # "EM rate 12% (6/50), aligned 61.2\nhow is aligned 61 but ...?": a line we printed
    learner = LEARNER.match(said)
    found = router.route(_plain(said, state))
    if learner and len(said[learner.end():].split()) >= 4:  # what they are learning is said first; what to run is asked after it
        asked = router.route(_plain(said[learner.end():], state))
        found = asked if asked[1] >= WEAK or found[1] < WEAK else found  # the ask alone, unless only the whole routes clearly
    if then and said != own and re.search(r":\W*$", own[:then.start()]):  # "put this after sentence 2: <the sentence>. then compare the
        whole = router.route(_plain(in_passing.asked_now(asides.untold(own)), state))  # interventions": what is given, then the experiment
        found = max(found, whole, key=lambda r: r[1])
    start = START_WITH.search(said)
    if start and re.search(r"[?\d]", said[start.end():]):  # "which sentence drives the answer. start with
        found = router.route(f"generate a chain of thought for: {said[start.end():]}")  # this one: <a question>": its chain is the first step
    order = intents.ORDER_AFTER.search(said)
    if found[1] < WEAK and order and len(said[order.start() + 1:].split()) >= 4:
        found = max(found, router.route(_plain(said[order.start() + 1:], state)), key=lambda r: r[1])
    return found


def _plain(text: str, state: DialogueState) -> str:
    text = run_times.for_routing(text, state.runs)  # "when did last week's adapter turn?": that adapter, not a memory search
    return re.sub(r"\borganism:[\w-]+", "that model", RUN_ID.sub(" ", descriptions.for_routing(copied.unnamed(text, state.runs), state.runs)))
