"""Slips of fast typing in the user's own words, mended before anything reads the message.

"stere with it at layr12 scale4", "alternatvies for sentnce5 pls, 32 roll outs", "again but 200 stpes and
checkpoint evry 10", "bulid the hint-following model orgnaism", "ablate teh direction": a word that is no
English word (the embedder's vocabulary is the word list) and is one slip (a letter added, dropped or
changed, or two neighbours swapped) from exactly one of the words requests are made of is that word; a
setting glued to its number is two words. Quoted or pasted text is data and stays as typed: a word is
mended only where every place it stands is the user's own.
"""

from __future__ import annotations

import functools
import re

from agent.wording import KNOWN, one_slip, own_words

# The words requests are made of, beyond the settings' own (wording.KNOWN): what a slip is mended to
WORDS = frozenset(
    "layer layers steps scale scales seed seeds every question questions samples sample tokens adapters adapter organism organisms misaligned "
    "misalignment aligned positive negative generated second first third positions position controls vector vectors steer steered build "
    "train probe split sentence sentences rollout rollouts prompt chain chains answer answers could would should which what that with "
    "this there their about again rerun same only show plot table compare direction directions dictionary atoms model models judge "
    "evaluate rank checkpoint checkpoints heatmap heads strength fine-tune finetune please thanks before after against instead".split()) | KNOWN
SHORT = {"teh": "the", "hte": "the", "taht": "that", "thta": "that", "waht": "what", "jsut": "just", "wiht": "with", "adn": "and",
         "thsi": "this", "agian": "again", "agin": "again", "sme": "same"}  # too short to mend by the rule, too common to leave
GLUED = {"maxnewtokens": "max_new_tokens", "maxtokens": "max tokens", "checkpointevery": "checkpoint every", "heldout": "held-out"}
# settings typed against their number: "layer12", "seed7", "top8", "sentnce5"
NUMBERED = frozenset("layer layers seed scale top sentence sent step steps rank batch samples controls chains rollouts tokens temp".split())


@functools.cache
def _english() -> frozenset[str]:
    from backends.subject.embedder import words
    return words()


@functools.lru_cache(maxsize=8192)
def mend(word: str) -> str:
    """`word` as it was meant: itself when it is a word already or no one word is a slip away."""
    lower = word.lower()
    if lower in SHORT or lower in GLUED:
        return SHORT.get(lower) or GLUED[lower]
    glued = re.fullmatch(r"([a-z]{3,})(\d+(?:\.\d+)?)", lower)
    if glued:
        head = mend(glued.group(1)).lower()
        return f"{head} {glued.group(2)}" if head in NUMBERED else word
    if len(lower) < 4 or not lower.isalpha() or lower in WORDS or lower in _english():
        return word
    near = [w for w in WORDS if one_slip(lower, w) and not lower.startswith(w) and not w.startswith(lower)  # "whats", "ablated", "prompts",
            and lower[:-1] != w[:-1]  # "resampled" (another ending)
            and (len(lower) > 4 or len(w) > 4 or sorted(lower) == sorted(w))]  # "layr" is layer, "shwo" show; "samp" is no "same"
    return near[0] if len(near) == 1 else word


def mended(text: str) -> str:
    """`text` with the slips of the user's own words mended ("tempreature 1.0" -> "temperature 1.0"); quoted and pasted text as typed."""
    own = own_words(text)
    fixes = {}
    for found in re.finditer(r"(?<![\w'/.:-])[A-Za-z]{3,}\d*(?:\.\d+)?(?![\w'/-])", own):
        fixed = mend(found.group(0))
        if fixed != found.group(0):
            fixes[found.group(0)] = fixed
    fixes |= {m.group(0): "rollouts" for m in re.finditer(r"\broll[ -]outs\b", own, re.I)}
    for typed, fixed in fixes.items():
        at = rf"(?<![\w'/.:-]){re.escape(typed)}(?![\w'/-])"
        if len(re.findall(at, text)) == len(re.findall(at, own)):  # nowhere in quoted or pasted text
            text = re.sub(at, fixed, text)
    return text
