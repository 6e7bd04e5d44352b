"""Settings said in a turn that ran nothing are meant for the runs that follow.

"Recipe for today's fine-tunes: rank 1, down_proj, layers 12 and 18, 80 steps" answered with
"Noted.", then "train one on the risky data with that": the recipe is the run's. So is a question
given before the run ("today's question: '...', greedy, up to 400 tokens" then "ok go"), a prompt
("the prompt I care about is '...'") or a monitor's intent. A setting holds until a later run took
another value for it; a question the user asked is not a setting, and what the request says itself
always wins.
"""

from __future__ import annotations

import re

from agent import arguments, free_text, intents
from agent.dialogue_state import STANDING, DialogueState, scope_of


# "ok go", "go ahead, sample it", "launch it": the turn before says what to run
GO = re.compile(r"^\W*(?:(?:ok(?:ay)?|alright|right|great|cool|good|perfect|so|now|then|and|fine|yes|yep|sure|please|pls|sounds (?:right|good|great|fine)|makes sense)\W+)*(?:go(?: ahead)?|do it|run it|"
                r"launch(?: it)?|start(?: it)?|kick (?:it|that) off|let'?s go|fire away|proceed|make it so)\b(?!\s+(?:again|back))", re.I)

# "when I run thought anchors on the next chain: 50 rollouts": a condition, not a question
WHEN = re.compile(r"\W*(?:when(?:ever)?|once|if|for when)\s+(?:i|we|you)\s+(?:run|do|try|train|build|steer|sweep|evaluate|eval|probe|monitor|sample)\b", re.I)
# the reply invites a go-ahead for what the turn before set up ("Say go when you want it.", "Ready when you are.")
INVITE = re.compile(r"\b(?:say (?:go|when)|ready when you are|whenever you(?:'re| are) ready|let me know when|just say (?:go|the word))\b", re.I)
# "Noted: seed 7, up to 400 new tokens.", "Got it.": a reply that took settings down says them after these words
NOTED = re.compile(r"^\W*(?:noted|got (?:it|both|them|that)|understood|will do|recorded)\b[\s:.,!-]*", re.I)


def settings(tool: dict, state: DialogueState) -> dict:
    """The settings of `tool` said in the conversation's unrun turns that no later run overrode, the newest of each."""
    props = tool["schema"].get("properties", {})
    found: dict = {}
    for text, runs_before in state.noted:
        own = arguments.own_words(text)
        scope = scope_of(own) if STANDING.search(own) else None  # "for all the steering runs ...": those runs only
        if "?" in own or intents.QUESTION.search(own) and not WHEN.match(own) or scope is not None and tool["name"] not in scope:
            continue
        label = re.search(r"\b(?:chain|cot|trace)\s*:\s*(.+)$", text, re.I | re.S)
        if label and not free_text.reasoning(label.group(1)):  # "on the next GSM chain: 50 rollouts, rounds of 10": settings, no chain
            text = text[:label.start(1)].rstrip(": ") + ", " + label.group(1)
        read, said = arguments.read(props, text)
        free = free_text.read_free(props, text, said)  # text said as such ("today's question: '...'"), never the whole turn
        for name, value in (free | read).items():
            if not any(name in run.args and run.args[name] != value for run in state.runs[runs_before:]):
                found[name] = value
    return found


def set_up(tool: dict, state: DialogueState) -> bool:
    """Whether unrun turns said two or more settings of `tool`: the user set this experiment up before asking for it."""
    return len(settings(tool, state)) >= 2
