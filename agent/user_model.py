"""What the assistant believes about its user, and how a turn changes it.

The model goes into the system prompt and shapes each explanation; the user can read
and correct it. Offline, rules read the message (jargon used, "explain more simply",
"I know what KL is"); LLM providers add a structured-output update on top.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from backends.core.errors import UsageError
from agent.about_user import ABOUT_USER, STANDING
from agent.intents import definition_asked

Expertise = Literal["novice", "practitioner", "expert"]


class Preferences(BaseModel):
    detail: Literal["brief", "normal", "detailed"] = "normal"
    math: bool = True
    plots: bool = True
    predict_first: bool | None = Field(None, description="Ask for a prediction before revealing results; None: only for novices.")
    glossary: bool = Field(True, description="Gloss technical terms in explanations (for novices).")
    standing: list[str] = Field([], description="Standing instructions about replies, in the user's words (\"two decimals max\"): the LLM planner "
                                                "follows them; the offline planner's fixed replies do not change.")


class UserModel(BaseModel):
    expertise: Expertise = "practitioner"
    background: str = ""
    goals: list[str] = []
    known_concepts: list[str] = []
    asked_about: list[str] = Field([], description="Terms the user asked the meaning of: not known yet.")
    misconceptions: list[str] = []
    preferences: Preferences = Preferences()
    open_questions: list[str] = []

    @property
    def wants_predictions(self) -> bool:
        chosen = self.preferences.predict_first
        return self.expertise == "novice" if chosen is None else chosen

    def to_prompt(self) -> str:
        return "User model (JSON): " + self.model_dump_json()


class UserModelUpdate(BaseModel):
    """What an LLM may change about the user model after reading one message (omit what stays)."""

    expertise: Expertise | None = None
    background: str | None = None
    add_goals: list[str] = []
    add_known_concepts: list[str] = []
    add_misconceptions: list[str] = []
    detail: Literal["brief", "normal", "detailed"] | None = None
    open_question: str | None = None


# Terms whose use signals familiarity (and which the explanations gloss for novices).
JARGON = (
    "kl divergence", "kl", "logit", "logits", "residual stream", "attention head", "receiver head", "kurtosis",
    "counterfactual", "resampling", "steering vector", "activation", "sae", "sparse autoencoder", "lora",
    "top_p", "top-p", "temperature", "token", "embedding", "cosine", "bootstrap", "ablation", "probe",
)
_JARGON_SAID = tuple((term, re.compile(rf"\b{re.escape(term)}\b")) for term in JARGON)
_SIMPLER = re.compile(
    r"\b(like i'?m (new|five|a beginner)|i'?m new|new to (this|interpretability|ml)|explain (it |that |this )?(more )?simply|"
    r"simpler|eli5|in plain (english|words|terms)|i don'?t understand|beginner|lost me)\b",
    re.I,
)
_EXPERT = re.compile(
    r"\b(i'?m an? (?:[\w-]+ ){0,3}(expert|researcher|scientist|professor)|i am an? (?:[\w-]+ ){0,3}(expert|researcher)|"
    r"i work on (interpretability|mech ?interp|\w+ interpretability)|skip the basics|i do (mech ?interp|interpretability) research|"
    r"(mech(anistic)? ?interp\w*|interpretability|alignment|this) is my (field|area|specialty|speciality|day job|research area)|"
    r"no need for (the )?(intro|introductory|beginner|basic|entry)[\w-]*)\b", re.I)
_KNOWS = re.compile(r"\bi (?:already )?know (?:what |about |how )?(?:an? |the )?([\w\- ]{2,40}?)(?: is| are| works)?(?:[.,!?]|$)", re.I)
_GOAL = re.compile(r"\b(?:i want to|my goal is to|i'?m trying to|i need to) ([^.?!]{3,120})", re.I)
_BRIEF = re.compile(r"\b(briefly|be brief|brief|terse|tersely|concise|shorter|short answers|keep it short|tl;?dr|"
                    r"just the numbers|no glossar(y|ies)|keep (your |the |all )?(answers|replies|responses|explanations) (as )?short|"
                    r"short (replies|responses|explanations)|succinct)\b", re.I)
_NO_GLOSSARY = re.compile(r"\b(no glossar(y|ies)|(skip|without|leave out|drop|omit|cut|lose|no more) (the |any |your )?glossar(y|ies)|"
                          r"(leave|keep) (the |any |your )?glossar(y|ies) out|terse)\b", re.I)
_BACKGROUND = re.compile(r"\bmy background is (?:in )?([^,.;—–]{2,60}?)(?=\s*(?:[,.;—–]|\s-\s|$))", re.I)
_DETAIL = re.compile(r"\b(more detail|in depth|elaborate|go deeper|details please)\b", re.I)
_NO_MATH = re.compile(r"\b(no math|without (the )?math|skip the (math|equations))\b", re.I)
_PREDICT_ON = re.compile(r"\b(quiz me|ask me to predict|let me (guess|predict))\b", re.I)
_PREDICT_OFF = re.compile(r"\b(don'?t quiz me|no (more )?predictions|stop asking me to predict)\b", re.I)


def update_by_rules(model: UserModel, text: str) -> tuple[UserModel, list[str]]:
    """The offline update: returns the new model and a list of what changed (for the log)."""
    new = model.model_copy(deep=True)
    changes: list[str] = []
    lowered = text.lower()

    def note(change: str) -> None:
        changes.append(change)

    if _SIMPLER.search(text) and new.expertise != "novice":
        new.expertise = "novice"
        note("expertise -> novice (asked for a simpler explanation)")
    elif _EXPERT.search(text) and new.expertise != "expert":
        new.expertise = "expert"
        note("expertise -> expert (said so)")
    asked = [term for term, _ in definition_asked(text)]
    for term in asked:  # asking what a term means: not known yet, whatever words the question used
        if term in new.known_concepts:
            new.known_concepts.remove(term)
        if term not in new.asked_about:
            new.asked_about.append(term)
            note(f"asked about: {term}")
    for m in _KNOWS.finditer(text):
        concept = m.group(1).strip().lower()
        if concept and concept not in new.known_concepts:
            new.known_concepts.append(concept)
            note(f"knows: {concept}")
    used = sorted({t for t, said in _JARGON_SAID if said.search(lowered)} - set(new.known_concepts)
                  - {w for term in asked for w in JARGON if w in term or term in w})
    if used and not _SIMPLER.search(text):
        new.known_concepts.extend(used)
        note(f"used jargon: {', '.join(used)}")
        if new.expertise == "novice" and len(used) >= 3:
            new.expertise = "practitioner"
            note("expertise -> practitioner (fluent jargon)")
    for m in _GOAL.finditer(text):
        goal = m.group(1).strip()
        if goal not in new.goals:
            new.goals.append(goal)
            note(f"goal: {goal}")
    if STANDING.search(text) and text.strip()[:200] not in new.preferences.standing:  # kept in the user's words for the LLM planner
        new.preferences.standing = (new.preferences.standing + [text.strip()[:200]])[-10:]
        note("standing instruction noted")
    if (background := _BACKGROUND.search(text)) and background.group(1).strip() != new.background:
        new.background = background.group(1).strip()
        note(f"background: {new.background}")
    if _BRIEF.search(text) and new.preferences.detail != "brief":
        new.preferences.detail = "brief"
        note("detail -> brief")
    elif (_DETAIL.search(text) or _SIMPLER.search(text)) and new.preferences.detail != "detailed":
        new.preferences.detail = "detailed"
        note("detail -> detailed")
    if _NO_GLOSSARY.search(text) and new.preferences.glossary:
        new.preferences.glossary = False
        note("glossary -> off")
    if _NO_MATH.search(text) and new.preferences.math:
        new.preferences.math = False
        note("math -> off")
    if _PREDICT_OFF.search(text):
        if new.preferences.predict_first is not False:
            new.preferences.predict_first = False
            note("predictions -> off")
    elif _PREDICT_ON.search(text) and new.preferences.predict_first is not True:
        new.preferences.predict_first = True
        note("predictions -> on")
    if text.strip().endswith("?"):
        new.open_questions = (new.open_questions + [text.strip()])[-5:]
    return new, changes


def apply_update(model: UserModel, update: UserModelUpdate) -> tuple[UserModel, list[str]]:
    """Merge an LLM's structured update into the model."""
    new = model.model_copy(deep=True)
    changes: list[str] = []
    if update.expertise and update.expertise != new.expertise:
        new.expertise = update.expertise
        changes.append(f"expertise -> {update.expertise}")
    if update.background and update.background != new.background:
        new.background = update.background
        changes.append("background updated")
    for attr, items in (("goals", update.add_goals), ("known_concepts", update.add_known_concepts),
                        ("misconceptions", update.add_misconceptions)):
        for item in items:
            if item and item not in getattr(new, attr):
                getattr(new, attr).append(item)
                changes.append(f"{attr}: + {item}")
    if update.detail and update.detail != new.preferences.detail:
        new.preferences.detail = update.detail
        changes.append(f"detail -> {update.detail}")
    if update.open_question:
        new.open_questions = (new.open_questions + [update.open_question])[-5:]
    return new, changes


_LIST_FIELDS = ("goals", "known_concepts", "misconceptions", "open_questions")


def set_field(model: UserModel, key: str, value: str) -> tuple[UserModel, object, object]:
    """A user's correction: `expertise=novice`, `preferences.detail=brief`, `known_concepts=KL, logits`.

    Returns (new model, old value, new value); a bad key or value is a one-line UsageError.
    """
    data = model.model_dump()
    parts = key.strip().split(".")
    target = data
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            raise UsageError(f"user model: unknown field {key!r}; fields: {', '.join(_field_names())}", field=key)
        target = target[part]
    leaf = parts[-1]
    if leaf not in target or isinstance(target[leaf], dict):
        raise UsageError(f"user model: unknown field {key!r}; fields: {', '.join(_field_names())}", field=key)
    old = target[leaf]
    if leaf in _LIST_FIELDS:
        new_value: object = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(old, bool) or (old is None and leaf == "predict_first"):
        lowered = value.strip().lower()
        if lowered in ("none", "auto", "default"):
            new_value = None
        elif lowered in ("true", "yes", "on", "1"):
            new_value = True
        elif lowered in ("false", "no", "off", "0"):
            new_value = False
        else:
            raise UsageError(f"user model: {key} must be true or false (or auto), got {value!r}", field=key)
    else:
        new_value = value.strip()
    target[leaf] = new_value
    try:
        return UserModel.model_validate(data), old, new_value
    except ValidationError as e:
        err = e.errors()[0]
        raise UsageError(f"user model: {key} = {value!r}: {err['msg']}", field=key) from None


def _field_names() -> list[str]:
    names = [n for n in UserModel.model_fields if n != "preferences"]
    return names + [f"preferences.{n}" for n in Preferences.model_fields]


def acknowledgement(user: UserModel, text: str) -> str:
    """One line for what the user said about themselves ("I'm an expert", "be terse"), or "" if they said nothing so."""
    if ABOUT_USER.search(text) is None:
        return ""
    if user.expertise == "expert" and re.search(r"\bexpert|researcher|i work on\b|\bis my (?:field|area|day job)|\bno need for (?:the )?intro", text, re.I):
        return "Noted: you're an expert, so I'll keep explanations terse and skip the basics."
    if user.preferences.detail == "brief":
        return "Noted: short answers" + (", no glossary." if not user.preferences.glossary else ".")
    if user.expertise == "novice":
        return "Noted: I'll explain in plain terms and gloss each technical word."
    if user.preferences.detail == "detailed":
        return "Noted: I'll give more detail."
    if not user.preferences.glossary:
        return "Noted: no glossary."
    if STANDING.search(text):
        return ("Noted: kept in your profile. The language-model planner follows it; my offline replies are fixed templates, so they "
                "won't change.")
    if re.search(r"\bquiz me\b", text, re.I):
        return "Noted: I'll ask you to predict results before showing them."
    return "You're welcome." if re.search(r"\bthank", text, re.I) else "Noted."
