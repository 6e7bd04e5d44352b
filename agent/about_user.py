"""What a message says about its user: who they are, how they want replies, thanks and goodbyes.

A message that only does this is answered with an acknowledgement (`agent.offline`); what it
says moves the user model (`agent.user_model`).
"""

from __future__ import annotations

import re

from agent import bounds
from agent.intents import ASKED_TO, IMPERATIVE, MODEL_ASKED, QUOTED_TEXT, REQUEST_VERB, definition_asked, is_question_about_result

# standing instructions about replies: "from here on: two decimals max", "stop ending every reply with ...", "give me a one-line explainer"
STANDING = re.compile(r"\bfrom here on\b|\b(?:at the (?:bottom|end|top) of |after |in )?(?:every|each|all) (?:of )?(?:your )?(?:repl(?:y|ies)|answers?|responses?)\b|"
                      r"\b(?:length|size) of (?:your |the )?(?:repl(?:y|ies)|answers|responses)\b|"
                      r"\b(?:stop|quit) (?:ending|starting|opening|closing|adding|putting)\b[^.?!]{0,20}\b(?:repl(?:y|ies)|answers?|responses?)\b|\bdecimals? (?:max|only|at most)\b|"
                      r"\bdrop the caveats?\b(?: paragraph| section)?|\b(?:pls |please )?(?:give me )?(?:an? )?one-line (?:explainer|gloss|definition)s?\b|\bwhen (?:stuff|things|terms|jargon) (?:like [^.?!]{1,40} )?comes? up\b", re.I)
ABOUT_USER = re.compile(
    r"\b(?:i'?m|i am)\s+(?:an?\s+)?(?:expert|researcher|new|beginner|novice|phd|student|familiar|interpretability|ml|mech)|"
    r"\bi work (?:on|in)\b|\bmy background\b|\bbe (?:terse|brief|concise|short)\b|\bterse\b|\bno glossar(?:y|ies)\b|"
    r"\bi (?:already )?know (?:what|about|how|the)\b|\bskip the intro\b|\b(?:background on|about) me\b|\bphd student\b|"
    r"\bi like (?:equations|math|the math)\b|\bwith the math\b|\bno need to (?:define|explain|walk me)\b|\bnumbers only\b|\bi run the lab\b|"
    r"\bthanks!?\s*$|\bkeep it (?:short|brief|terse)\b|\bjust the numbers\b|\bskip the (?:basics|glossary|explanations?)\b|"
    r"\bmore detail\b|\bexplain more\b|\bno math\b|\bquiz me\b|\bdon'?t quiz me\b|\bno (?:more )?predictions\b|"
    r"^\s*(?:thanks|thank you|thx|cheers|ok(?:ay)?|got it|cool|great|nice|perfect|makes sense|understood)\b|"
    r"\b(?:please )?(?:always|never|from now on|in future|going forward)\b[^.?!;]{0,40}\b(?:show|explain|ask|use|give|tell|plot|keep|be|answer|write)|"
    r"\bgo easy on\b|\bi'?ve (?:done|worked (?:on|in|with)|never (?:touched|used|done|worked))\b|\bskip the [\w ]{0,15}\b101\b|\bis plenty for me\b|" + STANDING.pattern + r"|\bi'?m an? (?:[\w-]+ ){0,3}(?:student|postdoc|engineer|pi)\b|\bmerci\b|\bthat'?s all(?: for today)?\b|\bbye\b|"
    r"\bsee you\b|\bdone for (?:today|now)\b|\bthat'?s it for (?:now|today)\b|\bskip the definitions\b|"
    r"\bi do (?:mech ?interp|interpretability|ml research)\b|\b(?:is|are) my (?:field|area|specialt(?:y|ies)|speciality|day job|research area)\b|"
    r"\bmy (?:field|area|specialty) is\b|\bno need for (?:the )?(?:intro|introductory|beginner|basic|entry)[\w-]*\b|"
    r"\bkeep (?:your |the |all )?(?:answers|replies|responses|explanations)\s+(?:as\s+)?(?:short|brief|terse|concise|tight)\b|"
    r"\b(?:shorter|brief|concise|short) (?:answers|replies|responses|explanations)\b|"
    r"\b(?:leave out|drop|skip|omit|cut|lose|no more|without) (?:the |any |your )?glossar(?:y|ies)\b|\b(?:leave|keep) (?:the |any |your )?glossar(?:y|ies) out\b", re.I)


ACK = re.compile(r"^\s*(?:thanks|thank you|thx|cheers|ok(?:ay)?|got it|cool|great|nice|perfect|makes sense|understood)\b[\s,.!:;-]*", re.I)


def request_after_ack(text: str, score: float) -> bool:
    """'ok thought anchors on the planet chain; choice extractor': an acknowledgement, then a request
    the router knows well (a thank-you that goes on talking scores low)."""
    ack = ACK.match(text)
    rest = text[ack.end():] if ack else ""
    return bool(ack) and score >= 0.55 and len(re.findall(r"\w+", rest)) >= 5 and not rest.rstrip().endswith("?")


def said_alone(text: str) -> bool:
    """A short message with no number or quoted text to act on: what it says about the user is all it says."""
    return len(text.split()) <= 30 and not re.search(r"\d|[\"“”‘]", text) and not QUOTED_TEXT.search(text)


def about_user_only(text: str) -> bool:
    """A message that says something about the user and asks for nothing else."""
    if not ABOUT_USER.search(text) or is_question_about_result(text) or definition_asked(text) or bounds.asked(text):
        return False  # ("ok, the max then": a setting at its bound)
    rest = QUOTED_TEXT.sub(" ", ABOUT_USER.sub("", text))  # "stop ending every reply with 'next you could run...'": quoted words ask nothing
    if re.match(r"^\s*(?:thanks|thank you|thx|cheers|ok(?:ay)?|got it|cool|great|nice|perfect|makes sense|understood)\b", text, re.I) \
            and len(re.findall(r"\w+", rest)) > 3 and (REQUEST_VERB.search(rest) or re.search(r"\d|\b(?:now|layers?|instead|go back|again|keep|deeper|earlier|later|the same)\b|\bthe [\w-]+ one,? then\W*$|\b(?:resume|retry|rerun)\b", rest)):
        return False  # "ok now with layer 20": a request after the acknowledgement
    if re.match(r"^\s*(?:thanks|thank you|thx|cheers|ok(?:ay)?|got it|cool|great|nice|perfect)\W+(?:and|now|then|but)?\s*(?:on|with|at|for|using|"
                r"what about|how about)\b", text, re.I):
        return False  # "ok and on tiny-random?": the run just done, changed
    if text.strip().endswith("?") and len(rest.split()) > 3:
        return False
    if MODEL_ASKED.search(rest) or re.search(r"\b(?:could|can|would) (?:you|we)\b", rest, re.I) and len(rest.split()) > 8 and REQUEST_VERB.search(rest):
        return False  # "I wonder if you could have the model reason its way through ...? Many thanks!": a request, with thanks
    return not REQUEST_VERB.search(rest) or len(rest.split()) < 3


# "perfect, that's exactly the figure I needed. thanks!", "thx, the second chain's result is what i expected": thanks, nothing asked
THANKS = re.compile(r"\b(?:thanks|thank you|thx|cheers|ty)\b", re.I)


def thanks_only(text: str) -> bool:
    return bool(THANKS.search(text)) and "?" not in text and not IMPERATIVE.search(text) and not ASKED_TO.search(text) and (
        re.search(r"\b(?:is|was|are|were|looks?(?!\s+(?:for|at|into|again)\b)|seems?|made|exactly|needed|expected)\b", text, re.I) is not None
        or len(re.findall(r"\w+", THANKS.sub("", text))) <= 3)
