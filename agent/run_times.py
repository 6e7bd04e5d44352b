"""Runs picked by when they ran: "yesterday's chain", "this morning's build", "the 3pm sweep", "the fine-tune from the
14th", "the one I did before lunch", "the first thing we ran today".

A run id begins with the moment the run started (YYYYMMDD-HHMMSS), so the time a person names picks runs without
anything else stored. "Today" is the later of the clock's date and the newest run's: a conversation whose runs are
dated ahead of the clock (a labelled request written for another day) keeps its own today.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from typing import Any

from agent.descriptions import describe_match
from agent.run_kinds import KIND_WORDS, REFERRED, TOOL_WORDS, kind_of

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|weds|thurs"
_PART = r"morning|afternoon|evening|night"
# A moment a person names: a day, a part of a day, a day of the month, a time on the clock
WHEN = (rf"overnight|(?:yesterday|today|tonight|earlier today)(?:\s+(?:{_PART}))?|(?:this|last)\s+(?:{_PART})|(?:last|this|earlier this|past)\s+week|"
        rf"(?:last\s+)?(?:{_DAY})(?:\s+(?:{_PART}))?|(?:before|after)\s+lunch|"
        r"(?:(?<=from )|(?<=on )|(?<=of ))the\s+\d{1,2}(?:st|nd|rd|th)\b(?!\s+(?:sentence|layer|step|position|atom|question|token|rollout|pair|run|one|"
        r"chain|cot|vector|dict\w*|fine-?tune|adapter|lora|eval\w*|direction|sweep|build|seed|sample|head|iteration|checkpoint|prompt|option|try)s?\b)|"
        r"\d{1,2}(?::\d\d)?\s*[ap]\.?m\b\.?|\d{1,2}:\d\d\b|(?:about|around|approx(?:imately)?|~)\s*\d{1,2}(?::\d\d)?(?:\s*ish)?"
        r"(?=\s*(?:[,;!?)]|\.(?!\d)|$|o'?clock\b|(?:today|yesterday|this|last|and|or|but|pls|please|then)\b))|\d{1,2}\s*ish\b")
GENERIC = r"one|run|thing|build|training|job|result"
# An order beside the moment picks among the runs it fits ("the first thing we ran today", "the older of this morning's")
ORDERED = re.compile(r"\b(?:first|earliest|last|latest|newest|older|earlier|newer)\b", re.I)
# Nouns of the tools a person names a run by ("the 3pm steer", "this morning's intervention run")
_TOOL_NOUNS = {r"steer(?:ing)?": ("steer_generate",), r"intervention": ("compare_interventions",), r"split": ("split_sentences",),
               r"build": ("build_steering_vector", "itda_build", "build_organism"), r"training": ("train_lora", "caft_finetune")}
ANY_RUN = "|".join([*KIND_WORDS.values(), *TOOL_WORDS, *_TOOL_NOUNS])  # the words of any run a moment is said of
_BETWEEN = r"(?:\s+(?:from|of|on|at|in|that|which|i|we|you|did|ran|run|made|built|sampled|trained|started|generated|got|had|done|just|the|\w+ed))"


def moment(run_id: str) -> datetime | None:
    try:
        return datetime.strptime(run_id[:15], "%Y%m%d-%H%M%S")
    except ValueError:
        return None


# The day a conversation is read on, when it is not the clock's: a conversation replayed on a later day (a logged
# dialogue, a labelled request of the planner's evaluation) reads "yesterday" as the day before its own
DAY: ContextVar[date | None] = ContextVar("parley_day", default=None)


def today_of(runs: list) -> date:
    """The day pinned in `DAY`; else the later of the clock's date and the newest run's."""
    if (pinned := DAY.get()) is not None:
        return pinned
    dates = [m.date() for r in runs if (m := moment(r.run_id))]
    return max([date.today(), *dates])


def said_for(text: str, words: str) -> str | None:
    """The moment said of a thing of `words` ("chain|cot|..."), or of "the one/run/thing", in `text`; None when none is."""
    said = said_of(text, words)
    return said and said[0]


def said_of(text: str, words: str) -> tuple[str, str] | None:
    """(the moment, the word of the thing it is said of) for a thing of `words` or "the one/run/thing" in `text`."""
    thing = rf"((?:{words}|{GENERIC})s?)\b"
    for pattern in (rf"\b({WHEN})(?:'s|’s)\s+(?:[\w/:.+-]+\s+){{0,3}}?{thing}",  # "yesterday's chain", "monday's formal/casual vector"
                    rf"\bthe\s+({WHEN})\s+(?:[\w/-]+\s+){{0,2}}?{thing}"):  # "the 3pm sweep", "the 9:40 chain"
        if found := re.search(pattern, text, re.I):
            return found.group(1), found.group(2)
    if found := re.search(rf"\b{thing}{_BETWEEN}{{0,5}}?\s+(?:the\s+)?({WHEN})(?![\w:])", text, re.I):  # "the chain from about 10", "the one i did before lunch"
        return found.group(2), found.group(1)
    return None


def one(text: str, runs: list) -> Any:
    """The one run of `runs` a moment said in `text` picks ("pull up the loss curve from monday's fine-tune": that
    fine-tune; "retry this morning's build": the build run this morning), among the runs of what it is said of; else None."""
    said = said_of(text, ANY_RUN)
    if said is None:
        return None
    word = said[1].lower().rstrip("s") if not said[1].lower().endswith("ss") else said[1].lower()
    kind = kind_of(word)
    tools = REFERRED.get(kind) if kind else TOOL_WORDS.get(word) or next((t for w, t in _TOOL_NOUNS.items() if re.fullmatch(w, word)), None)
    fit = fits(said[0], [r for r in runs if tools is None or r.tool in tools], today_of(runs))
    if len(fit) > 1:  # "yesterday's risky fine-tune" of yesterday's two: the one the other words describe
        fit = [described] if (described := describe_match(text.replace(said[0], " "), fit, runs)) is not None else fit
    return fit[0] if len(fit) == 1 else None


def fits(said: str, runs: list, today: date) -> list:
    """The runs that started at the moment `said` names, best first for a time on the clock."""
    said = said.lower().strip()
    timed = [(r, m) for r in runs if (m := moment(r.run_id))]
    yesterday = today - timedelta(days=1)
    hours = {"morning": (0, 12), "afternoon": (12, 18), "evening": (17, 24), "night": (18, 24)}
    part = next((p for p in hours if said.endswith(p)), None)

    def within(day: date | None, span: tuple[int, int] | None = None) -> list:
        return [r for r, m in timed if (day is None or m.date() == day) and (span is None or span[0] <= m.hour < span[1])]

    if said in ("last night", "overnight"):
        return [r for r, m in timed if m.date() == yesterday and m.hour >= 18 or m.date() == today and m.hour < 5]
    if said.startswith(("yesterday", "today", "tonight", "earlier today", "this ")) and not said.endswith("week"):
        day = yesterday if said.startswith("yesterday") else today
        return within(day, hours.get(part) or ((17, 24) if said == "tonight" else None))
    if said.endswith("week"):
        monday = today - timedelta(days=today.weekday())
        if said.startswith("last") or said.startswith("past"):
            return [r for r, m in timed if monday - timedelta(days=7) <= m.date() < monday] or \
                [r for r, m in timed if today - timedelta(days=13) <= m.date() <= today - timedelta(days=5)]
        return [r for r, m in timed if monday <= m.date() < today]
    if day_name := re.search(_DAY, said):
        wanted = next(i for i, d in enumerate(WEEKDAYS) if d.startswith(day_name.group(0)[:3]))
        back = (today.weekday() - wanted) % 7 or (7 if said.startswith("last") else 0)
        return within(today - timedelta(days=back), hours.get(part))
    if "lunch" in said:
        return [r for r, m in timed if m.date() == today and ((m.hour, m.minute) < (12, 30)) == said.startswith("before")]
    if ordinal := re.fullmatch(r"(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)", said):
        days = sorted({m.date() for r, m in timed if m.day == int(ordinal.group(1)) and m.date() <= today})
        return within(days[-1]) if days else []
    return _at_clock(said, timed, today)


def _at_clock(said: str, timed: list, today: date) -> list:
    """'3pm', '9:40', 'about 10', 'around 2': the runs started nearest that time (today's first), all as near as the nearest."""
    clock = re.search(r"(\d{1,2})(?::(\d\d))?\s*(?:([ap])\.?m)?", said)
    hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
    if clock.group(3):
        hour = hour % 12 + (12 if clock.group(3) == "p" else 0)
    elif hour <= 7:  # "around 2": the afternoon, not the night
        hour += 12
    window, near = (15, 10) if clock.group(2) else (45, 20)
    for day in (today, None):
        off = [(abs(m.hour * 60 + m.minute - hour * 60 - minute), r) for r, m in timed if day is None or m.date() == day]
        close = sorted((o, i, r) for i, (o, r) in enumerate(off) if o <= window)
        if close:
            return [r for o, _, r in close if o <= close[0][0] + near]
    return []


def picked(text: str, words: str, runs: list, seen: list) -> list | None:
    """Of `runs` (the candidates of a kind), those the moment said of that kind in `text` fits; None when no moment is said
    of it, or none of `runs` fits (then the request means something else by it)."""
    said = said_for(text, words)
    if said is None:
        return None
    fit = fits(said, runs, today_of(seen))
    if len(fit) > 1 and (end := re.search(rf"\b(?:(first|earliest)|last|latest|newest)\s+(?:{words}|{GENERIC})s?\b", text, re.I)):
        fit = sorted(fit, key=lambda r: r.run_id)[:1] if end.group(1) else sorted(fit, key=lambda r: r.run_id)[-1:]  # "the first thing we ran today"
    return fit or None


def for_routing(text: str, runs: list) -> str:
    """'when did last week's adapter turn?': a run of this conversation picked by its moment is no search of memory;
    the router reads "the adapter"."""
    said = said_of(text, ANY_RUN)
    if said is None or one(text, runs) is None:
        return text
    return re.sub(rf"\b{re.escape(said[0])}(?:'s|’s)?", "the", text, count=1, flags=re.I)
