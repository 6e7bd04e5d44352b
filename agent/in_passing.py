"""Experiments named in passing: what comes later, what came before, what this one is unlike.

A researcher planning aloud names other methods beside the one they ask for now: "lora_probe can come
after. right now just: when did the B vector turn?", "compare_interventions is the next step but first
i want resilience on ...", "before I burn budget on sentence_resilience, lemme see what else it
could've said there", "unlike CAFT, which ablates during training, I just want inference-time
ablation here: ...", "resample_importance on this would take ages, so just attention suppression",
"receiver heads + suppression both point at sentence 3 but that's attention. do the actual
resampling now". The router reads only what is asked now; the settings are still read from the whole
message (they are the asked experiment's, wherever they stand).
"""

from __future__ import annotations

import re

# A part of the message that puts an experiment off, or says why not it: it names what is not asked now
LATER = re.compile(r"\b(?:can|could|will|'ll|should|must) (?:wait|come (?:after|later|next|afterwards))\b|\bcomes? (?:later|afterwards|next)\b|"
                   r"\b(?:is|are|'s|'re) (?:the |our |my )?next(?: step| thing| up)?\b(?! (?:sentence|layer|token|one|chain|run|question)s?\b)|"
                   r"\bafterwards\b|\b(?:for|till|until|do (?:that|it|this)) (?:later|tomorrow)\b|\b(?:can|could) wait (?:till|until) \w+|"
                   r"\bafter (?:this|that)\b(?=,?\s+(?:i|we)(?:'ll| will| want| need| may| might)\b)|\b(?:i|we)(?:'ll| will) (?:want|need|do|get to|run)\b[^.;]*\blater\b|"
                   r"\b(?:would|will|'d|might|could) take (?:ages|forever|too long|hours|all day|all night)\b|\btook (?:forever|ages|too long|all day|all night|\d+\s*h(?:ours?)?)\b(?=[^.;!?]*\bso\b)|"
                   r"\bnot (?:yet|now|today)\b(?!\s*[?])|\bfor another day\b|\bcan wait\b", re.I)
# What is asked now begins here: "first:", "but first", "for now", "right now", "so just", "before any of that:"
NOW = re.compile(r"(?:^|[.;:!?]\s+|,\s*|\s)(?:(?:but|so|and|ok(?:ay)?)\s+)?(?:(?:first(?: things first| of all)?|for now|right now|today|this time)\b(?!\s+(?:one|sentence|layer|chain|run|dict|two|three|\d)\b)"
                 r"|before (?:any of )?(?:that|this|doing that)\b|(?<=so )(?:just|only)\b|(?<=, )so\b|just\s*:)\s*[:,]?\s*(?:(?:i|we)\s+(?:just\s+|only\s+)?(?:want|need)(?:\s+to)?\s+|just\s+|only\s+)?", re.I)
# An opening clause that names what this is not, or what it comes before: "unlike CAFT, which ablates during training, ...",
# "before I burn budget on X, ..."
OPENING = re.compile(r"^\W*(?:unlike|before (?:i|we|you) (?:\w+\s+){0,3}?(?:on|with|run|do|try|launch|start|spend|burn|commit))\b"
                     r"[^,:;.?!]*(?:,\s*(?:which|that|where|since|as)\b[^,:;.?!]*)?[,:;]\s*|"
                     r"^\W*(?:don'?t|do not|no need to)\s+[^,:;.?!]*\bagain\b[,:;.]\s*", re.I)  # "don't do the resampling thing again, ..."
# A later sentence that orders an experiment now, after sentences that ask nothing: "... but that's attention, not behaviour.
# do the actual resampling importance now, 16 rollouts"
NOW_ORDER = re.compile(r"^\s*(?:(?:ok(?:ay)?|so|then)\W+)?(?:do|run|try|let'?s do|go (?:with|for))\b[^.;!?]*\bnow\b", re.I)
# What has to come first, said outright: "so before any of that:", "but first things first,"
BEFORE_THAT = re.compile(r"\b(?:so |but )?(?:before (?:any of )?(?:that|this|all that|doing that)|first things first)\s*[:,]\s*", re.I)
# Sentences of the message (a decimal point ends none)
PIECES = re.compile(r"(?:[^.;!?]|[.!?](?!\s|$))+(?:[.;!?]+|$)")
SHORT = 8  # words: a sentence that puts an experiment off says little else ("misalignment direction comes later.")


def asked_now(own: str) -> str:
    """The part of `own` that asks for what runs now, with experiments put off or set aside for it left out;
    `own` itself when nothing is set aside or too little would be left to read."""
    rest = own
    opening = OPENING.match(rest)
    if opening and len(rest[opening.end():].split()) >= 3:
        rest = rest[opening.end():]  # "unlike CAFT, which ablates during training, I just want ..."
    pieces = [p for p in PIECES.finditer(rest) if p.group(0).strip()]
    order = next((p for p in pieces[1:] if NOW_ORDER.match(p.group(0))), None)
    if order is not None and not any("?" in p.group(0) for p in pieces if p.start() < order.start()):
        rest = rest[order.start():]
    elif LATER.search(rest):
        now = [m for m in NOW.finditer(rest) if LATER.search(rest[:m.end()]) and len(rest[m.end():].split()) >= 3]
        if now:  # "... is the next step but first i want ...", "after this I'll want X, but for now just ..."
            rest = rest[now[-1].end():]
        else:  # "misalignment direction comes later. first, does this fine-tune show EM at all?": the put-off sentence out
            pieces = [p.group(0) for p in PIECES.finditer(rest)]
            kept = [p for p in pieces if not (LATER.search(p) and len(p.split()) <= SHORT)]
            if kept and len(kept) < len(pieces) and len(" ".join(kept).split()) >= 3:
                rest = " ".join(p.strip() for p in kept)
    first = BEFORE_THAT.search(rest)
    if first and len(rest[first.end():].split()) >= 3:  # "CAFT with itda directions needs the atoms ..., so before any of that: continue ..."
        rest = rest[first.end():]
    return rest if rest != own and len(rest.split()) >= 3 else own
