"""A request that depends on the last result, read as the branch that result picks.

"if the EM rate came out under 10%, retrain with 80 steps" after "EM rate 6.3% ..." is the retraining;
"is 3 still the top one? if so grab 64 alternatives for it, else just put the table back up" after a run
whose top sentence is 5 is the table; "Run the EM eval on that adapter, unless the loss went up" after
"loss 2.91 -> 1.12" is the eval. The conditions read are those a summary answers: a number said beside the
words of the condition compared with a bound ("under 10%", "more than 200 atoms", "in the first 10 steps"), the
answer a chain gave ("did it get 24?"), the top sentence, a loss that went up, an interval that clears zero,
steered against unsteered, beating the controls. A condition the newest summary does not answer, with an
order for either outcome, is asked about rather than guessed.
"""

from __future__ import annotations

import re

from agent.intents import IMPERATIVE
from agent.wording import own_words

_KEY = r"(?:only if|if|provided(?: that)?|as long as|in case|assuming|unless|when)"
KEY = re.compile(rf"\b{_KEY}\b", re.I)  # most requests have none: nothing more is read
_ELSE = (r"(?:otherwise|else|if not|if no|if (?:it|they|that|this) (?:didn't|did not|doesn't|does not|isn't|wasn't|hasn't|don't|aren't)"
         r"(?:\s+\w+)?|if (?:it|they)'?re not)\b[,:]?\s*")
ELSE = re.compile(rf"(?:^|[;,.!?]\s*)(?:but\s+)?{_ELSE}", re.I)  # ("what else", "everything else the same" are no branch)
LEADING = re.compile(rf"^(?P<pre>.*?(?:^|[.!?:]\s+))(?P<key>{_KEY})\s+(?P<cond>[^,;:]+?)(?:\s*,\s*(?:then\s+)?|\s*:\s*|\s+then\s+)(?P<rest>\S.*)$", re.I | re.S)
TRAILING = re.compile(rf"^(?P<order>.*?\w.*?)(?:,?\s*(?:but\s+)?)\b(?P<key>{_KEY})\s+(?P<cond>[^,;.]+?)\s*(?:[,;.]\s*(?P<rest>.*))?$", re.I | re.S)
QUESTION_THEN = re.compile(r"^(?P<pre>.*?(?:^|[.!]\s+))(?P<cond>[^.?!]*\?)\s*(?:(?:if (?:yes|so|it did|they did)|then|yes)\b[,:]?\s*)(?P<rest>\S.*)$", re.I | re.S)
# an order that asks whether, not one done on a condition: "tell me if the interval excludes zero", "what happens if ..."
ASKING = re.compile(r"\?|\b(?:tell|let me know|check|see|wonder|know|sure|curious|whether|what|how|why|would|could|does|do|is|are|happens?|"
                    r"ask|say|explain|unclear)\W*$|^\W*(?:what|how|why|which|who|is|are|does|do|did|would|could|can|should)\b", re.I)
# a condition on what a result showed ("when the on-policy edit moves the rate more than the handwritten one"), not on the
# user or the machine ("if you can", "if it's not too slow")
ABOUT_RESULT = re.compile(r"\b(?:beat|beats|above|below|under|over|more than|less than|fewer|higher|lower|bigger|smaller|on top|top one|"
                          r"crossed|moved?|moves|went (?:up|down)|came out|halved|doubled|flat|diverged|excludes?|clears?|agrees?|disagrees?)\b", re.I)
_NUMBER = r"-?\d+(?:\.\d+)?"
FRACTIONS = {"half": "0.5", "a half": "0.5", "a quarter": "0.25", "a third": "0.33", "a tenth": "0.1", "a fifth": "0.2"}
_BOUND = rf"({_NUMBER}|{'|'.join(FRACTIONS)})"
LESS = re.compile(rf"\b(?:under|below|less than|fewer than|smaller than|lower than|at most|<)\s*{_BOUND}\s*(%)?", re.I)
MORE = re.compile(rf"\b(?:over|above|more than|greater than|bigger than|higher than|exceeds?|at least|>)\s*{_BOUND}\s*(%)?", re.I)
STOP = set("if the a an of it its is was did does came out got be been at on in to by for and or than more less under over above below "
           "this that these those then still any every there their what whether any one ones".split())


def _clauses(text: str, said: str | None = None) -> tuple[str, str, str, str | None, bool] | None:
    """(text before, condition, order if it holds, order if not, whether the condition opens its sentence) of a
    conditional request, or None. A condition in quoted
    or pasted text ("The problem: If a rectangle has ...") or one that asks ("If sentence 2 gets resampled away, does ...?") is none."""
    parts = _parts(text)
    if parts is None or "?" in parts[2] or parts[1].strip().endswith("?") and not QUESTION_THEN.match(text) \
            or parts[1].strip(" ?").lower().removeprefix("not ") not in own_words(said or text).lower():
        return None  # (`said`: the user's message, where a proposal of ours was put before it: its conditions are not the user's)
    return parts


def _parts(text: str) -> tuple[str, str, str, str | None, bool] | None:
    question = QUESTION_THEN.match(text)
    if question:
        a, b = _split_else(question.group("rest"))
        return question.group("pre"), question.group("cond"), a, b, False
    leading = LEADING.match(text)
    if leading and len(leading.group("cond").split()) <= 16:
        a, b = _split_else(leading.group("rest"))
        cond = leading.group("cond")
        if re.match(r"(?:yes|so)$", cond.strip(), re.I):
            return None
        negate = leading.group("key").lower() == "unless"
        if leading.group("key").lower() == "when" and not re.search(r"\bthen\b", leading.group(0)[:leading.start("rest")], re.I):
            return None  # "when did the adapter turn": a question, not a condition
        return leading.group("pre"), ("not " if negate else "") + cond, a, b, True
    trailing = TRAILING.match(text)
    if trailing and trailing.group("key").lower() != "when" and not re.search(r"[.!?]\s*$", trailing.group("order")):
        pre, order = re.match(r"^(.*[.!?]\s+)?(.*)$", trailing.group("order"), re.S).groups()  # the order is the sentence the condition ends
        if len(order.split()) < 2 or ASKING.search(order):
            return None
        rest = trailing.group("rest") or ""
        b = _split_else(" " + rest)[1] if rest else None
        negate = trailing.group("key").lower() == "unless"
        return pre or "", ("not " if negate else "") + trailing.group("cond"), order.rstrip(" ,;"), b, False
    return None


def _split_else(rest: str) -> tuple[str, str | None]:
    found = ELSE.search(rest)
    if not found:
        return rest.strip(), None
    return rest[:found.start()].strip(" ,;."), rest[found.end():].strip() or None


def _after(then: str) -> tuple[str, str]:
    """The order, and a later sentence that sets a condition of its own ("EM-eval it. if the loss went up, retrain ...")."""
    later = re.search(rf"(?<=[.;!?])\s+(?={_KEY}\b)", then, re.I)
    return (then[:later.start()].strip(" ;"), then[later.end():]) if later else (then, "")


def holds(condition: str, summary: str) -> bool | None:
    """Whether the newest summary says the condition holds (None: it does not say)."""
    negated = bool(re.match(r"\s*not\s+", condition)) != bool(re.search(r"\b(?:no|none of|didn't|did not|doesn't|isn't|wasn't|never)\b", condition, re.I))
    truth = _truth(re.sub(r"^\s*not\s+", "", condition), summary)
    return None if truth is None else truth != negated


def _truth(condition: str, summary: str) -> bool | None:
    low = condition.lower()
    if re.search(r"\b(?:beat|beats|above|outperform\w*|better than)\b.*\b(?:controls?|random)\b", low):
        layer = re.search(r"\b(?:layer|at)\s+(\d+)\b", low)
        where = summary
        if layer and re.search(rf"\blayers?\s+[\d, and]*\b{layer.group(1)}\b", summary):
            at = re.search(rf"\blayers?\s+[\d, and]*\b{layer.group(1)}\b[^;]*", summary)
            where = at.group(0)
        if re.search(r"\bno (?:cell|scale|layer)\b[^;.]*\bbeats?\b|\bnot above\b", where, re.I):
            return False
        if re.search(r"\bbeats?\b[^;]*\bcontrols\b", where, re.I):
            return True
        if re.search(r"\bwithin (?:the )?(?:controls|random)", where, re.I):
            return False
        versus = re.search(rf"({_NUMBER})\s*\[({_NUMBER}),\s*({_NUMBER})\]\s*vs\s*(?:the\s+)?(?:random|norm-matched)?\s*(?:controls?|directions?|vectors?)\s*([+-]?\d*\.?\d+)", where, re.I)
        return None if not versus else float(versus.group(2)) > float(versus.group(4)) or float(versus.group(3)) < float(versus.group(4))
    said = re.search(rf"\b(?:get|gets|got|land(?:ed)? on|answer(?:ed)?|say|said)\s+({_NUMBER}|[A-E])\b", condition, re.I)
    answer = re.search(r"answer:\s*([^\s;,()]+)", summary)
    if said and answer:
        return said.group(1).rstrip(".").lower() == answer.group(1).rstrip(".").lower()
    top = re.search(r"\b(?:sentence\s+)?(\d+)(?:'s)?\s+(?:is\s+)?(?:still\s+)?(?:on top|the top(?: one| sentence)?)\b|\bsentence (\d+) is (?:still )?(?:on )?top\b", low)
    on_top = re.search(r"\btop [\w +-]*?importance: sentence (\d+)", summary, re.I)
    if top and on_top:
        return (top.group(1) or top.group(2)) == on_top.group(1)
    loss = re.search(r"\bloss\s+(\d+(?:\.\d+)?)\s*->\s*(\d+(?:\.\d+)?)", summary)
    if re.search(r"\b(?:loss\b.*\b(?:went|go|goes|gone) up|diverged|blew up|rose|got worse)\b", low) and loss:
        return float(loss.group(2)) > float(loss.group(1))
    if re.search(r"\b(?:interval|ci)\b.*\b(?:excludes?|clears?|doesn't cross|above)\s+(?:0|zero)\b", low):
        interval = re.search(rf"[+-]?\d*\.\d+\s*\[({_NUMBER}),\s*({_NUMBER})\]", summary)
        return None if not interval else float(interval.group(1)) > 0 or float(interval.group(2)) < 0
    if re.search(r"\bsteer(?:ed|ing)\b.*\b(?:raised|more|higher|increased|wrote more)\b", low):
        sides = re.search(rf"\bsteered\s+({_NUMBER})\s+vs\s+unsteered\s+({_NUMBER})", summary)
        return None if not sides else float(sides.group(1)) > float(sides.group(2))
    if re.search(r"\bhalved\b|\bcut (?:it )?in half\b", low):
        pair = re.search(rf"({_NUMBER})%?[^;\d]*?\bvs\.?\s+({_NUMBER})%?", summary)
        return None if not pair else float(pair.group(1)) <= float(pair.group(2)) / 2
    first = re.search(r"\bin the first (\d+) steps\b|\bbefore step (\d+)\b", low)
    step = re.search(r"\bstep (\d+)\b", summary)
    if first and step:
        return int(step.group(1)) <= int(first.group(1) or first.group(2))
    return _compared(condition, summary)


def _compared(condition: str, summary: str) -> bool | None:
    """'the EM rate came out under 10%' against 'EM rate 6.3% [...]': the number said after the condition's own words."""
    bound = LESS.search(condition) or MORE.search(condition)
    if not bound:
        return None
    words = [w for w in re.findall(r"[a-z][a-z+-]*", condition[:bound.start()].lower()) if w not in STOP and len(w) > 1]
    limit = float(FRACTIONS.get(bound.group(1).lower(), bound.group(1)))
    arrows = re.findall(rf"({_NUMBER})\s*->\s*({_NUMBER})", summary)
    for word in reversed(words):
        stem = word[:max(4, len(word) - 2)]  # "explains" finds "explained"
        said = re.search(rf"\b{re.escape(stem)}\w*\b[\s:=(]*(?:(?:of|is|was|at|about|~)\s+)?({_NUMBER})\s*(%)?(?:\s*->\s*({_NUMBER}))?", summary, re.I)
        if said:
            if re.match(r"\s*/", summary[said.end():]) or bound.group(1).lower() in FRACTIONS and float(said.group(1)) > 1 and not said.group(2):
                return None  # one value a layer ("0.88 / 0.74 / 0.81"), or a count against "a quarter": not this number
            value = float(said.group(3) or said.group(1))
            if said.group(2) and not bound.group(2) and limit <= 1:
                limit *= 100  # "under 0.1" of a rate said in percent
            elif bound.group(2) and not said.group(2) and value <= 1:
                value *= 100  # "more than 80%" of "variance explained 0.88"
            inclusive = re.match(r"at (?:least|most)", bound.group(0), re.I)
            less = bound.re is LESS
            return (value <= limit if inclusive else value < limit) if less else (value >= limit if inclusive else value > limit)
    share = re.match(r"\s*of (?:the |its )?([a-z][\w+-]*(?:\s+[a-z][\w+-]*)?)", condition[bound.end():], re.I)
    if share and limit <= 1 and re.search(r"\b(?:removed|cut|reduced|dropped|lowered|lost)\b", condition, re.I):
        said = re.search(rf"\b{re.escape(share.group(1))}\w*\s+({_NUMBER})\s*->\s*({_NUMBER})", summary, re.I)
        if said and float(said.group(1)):  # "removed more than half of the misaligned preference" of "0.58 -> 0.21"
            return (float(said.group(1)) - float(said.group(2))) / float(said.group(1)) > limit
    for word in reversed(words):  # "added more than 200 atoms" of "(312 added)": the number before the word
        before = re.search(rf"({_NUMBER})\s+{re.escape(word[:max(4, len(word) - 2)])}\w*\b", summary, re.I)
        if before and word in ("added", "removed", "kept", "flagged", "caught", "used", "judged", "missed"):
            value = float(before.group(1))
            return value < limit if bound.re is LESS else value > limit
    if not words and len(arrows) == 1:  # "if it got below 1.0 by the end" of "loss 2.70 -> 0.62"
        value = float(arrows[0][1])
        return value < limit if bound.re is LESS else value > limit
    return None


def _read(text: str, summary: str | None, said: str | None):
    """The request's condition and orders, with what the newest summary says of the condition (None: no condition)."""
    parts = _clauses(text, said) if summary and KEY.search(said or text) else None
    if not parts:
        return None
    pre, condition, then, otherwise, leading = parts
    then, after = _after(then)
    before = leading and len(pre.split()) >= 3 and not QUESTION_THEN.match(text) and "?" not in pre  # an order before the condition's sentence
    return pre, condition, then, otherwise, after, before, holds(condition, summary)


def decided(text: str, summary: str | None, said: str | None = None) -> tuple[str, str | None]:
    """The request with the branch the newest result picks (`chosen`), and what to ask when that result leaves its
    condition open (`undecided`), from one reading. `said`: the user's message, where a proposal of ours was put before it."""
    read = _read(text, summary, said)
    return (chosen(text, summary, said, read), undecided(text, summary, said, read)) if read else (text, None)


def chosen(text: str, summary: str | None, said: str | None = None, read=None) -> str:
    """The request with the branch the newest result picks, or as it was (no condition, or one the summary does not answer)."""
    read = read or _read(text, summary, said)
    if not read:
        return text
    pre, condition, then, otherwise, after, before, truth = read
    if truth is None:  # "search memory for whether we did it. if we did, ...": the order before is what runs now
        return pre.strip() if before else text
    if not truth:
        return f"{pre}{otherwise}".strip() if otherwise and not QUESTION_THEN.match(text) else otherwise or (chosen(after, summary, said) if after else text)
    if otherwise is None and re.search(r"\b(?:them|those|these)\b", then, re.I):
        return text  # "if the fine-tune added more than 200 atoms, list them": what "them" are is said in the condition
    pre = "" if QUESTION_THEN.match(text) else pre
    return f"{pre}{_there(then, condition, summary)}".strip()


def _there(then: str, condition: str, summary: str) -> str:
    """'steer at 15' or 'what else it could have said there' after 'if layer 15 beat ...' or 'if the top sentence's CI ...': that layer, that sentence."""
    named = re.search(r"\b(layer|sentence|position)\s+(\d+)\b", condition, re.I)
    top = re.search(r"\btop [\w +-]*?importance: sentence (\d+)", summary, re.I) if re.search(r"\btop sentence\b", condition, re.I) else None
    kind, number = (named.group(1).lower(), named.group(2)) if named else ("sentence", top.group(1)) if top else (None, None)
    if kind is None:
        return then
    then = re.sub(r"\bthere\b", f"at {kind} {number}", then, flags=re.I)
    return re.sub(rf"\bat {number}\b(?!\s*(?:%|percent|steps?|tokens?|rollouts?|samples?|chains?)\b)", f"at {kind} {number}", then, flags=re.I)


def undecided(text: str, summary: str | None, said: str | None = None, read=None) -> str | None:
    """What to ask when the request hangs on a condition the newest result does not answer (or one that fails with no other order)."""
    read = read or _read(text, summary, said)
    if not read:
        return None
    pre, condition, then, otherwise, after, before, truth = read
    if truth is None and before:
        return None  # the order before it runs
    if truth is False and otherwise is None:
        return undecided(after, summary, said) if after else \
            f"The last result says: {summary.splitlines()[0][:200]} So \"{condition.strip()}\" does not hold, and I ran nothing. What next?"
    open_ = truth is None and (otherwise or not after and ABOUT_RESULT.search(condition) and IMPERATIVE.search(then)
                               and not re.match(r"\s*(?:not\s+)?(?:you|i|we)\b", condition, re.I))
    if not open_:
        return None
    return (f"Your request depends on whether {condition.strip().rstrip('?')}, and the last result does not say it plainly: "
            f"{summary.splitlines()[0][:200]} Should I {then.rstrip('.')}" + (f", or {otherwise.rstrip('.')}?" if otherwise else " anyway?"))
