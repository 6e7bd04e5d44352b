"""Organisms of the zoo named in a request: by name ("build the hint-following organism", "on the anchor organism"),
or by what they do ("the organism with the planted decision sentence", "the one that follows a professor's hint").
"""

from __future__ import annotations

import re

from agent import described, run_times
from agent.dialogue_state import DialogueState


def organism_asked(text: str, tools: list[dict]) -> str | None:
    """The zoo organism a request asks to build by name ('build the hint-following organism'), else None."""
    tool = next((t for t in tools if t["name"] == "build_organism"), None)
    names = tool["schema"]["properties"].get("name", {}).get("examples", []) if tool else []
    if not names:
        return None
    short = {n.split("-")[0]: n for n in names if "-" in n}  # "build the hint one too": hint-following
    for n in (n for n in names if "-" in n):  # "the eval aware organism": evaluation-aware, each word said by its start (not "eval-awareness")
        text = re.sub(r"\b" + r"[\s-]".join("(?:" + "|".join(w[:k] for k in range(len(w), 3, -1)) + ")" for w in n.split("-")) + r"\b", n, text, flags=re.I)
    name = "(" + "|".join(map(re.escape, sorted([*names, *short], key=len, reverse=True))) + ")"
    said = (re.search(r"\b(?:build|make|create|set up|prepare)\s+(?:me\s+|us\s+)?(?:the\s+|an?\s+|that\s+)?(?:model\s+)?['\"“‘]?" + name
                      + r"(?:\s+(?:model\s+)?(?:organism|one|model))?(?![\w-])(?!\s+\w+\s+(?:vector|direction|dictionar))", text, re.I)
            or re.match(r"^\W*(?:(?:ok(?:ay)?|now|and|then)\W+)*(?:the\s+|an?\s+)?" + name + r"\s+organism\W*(?:pls|please|now|next)?\W*$",
                        text, re.I)  # "misaligned organism pls"
            or re.search(r"\b" + name + r"\s+(?:model\s+)?organism\b[^.?!]*?\b(?:can|could|would) you (?:please )?(?:build|make|create|set up)"
                         r" (?:it|one|that)\b", text, re.I)  # "we need a misaligned model organism for ..., can you build it?"
            or re.search(r"\b(?:build|make|create) (?:it|that one|that|one)(?:\s+(?:then|now|pls|please))?\W*$", text, re.I) and len(set(re.findall(
                rf"(?:(?<=organism:)|(?<![\w:-])){name}(?![\w-])", text, re.I))) == 1 and re.search(rf"(?:(?<=organism:)|(?<![\w:-])){name}(?![\w-])", text, re.I)
            # "evaluation-aware: it behaves differently ...\nok let's go with that one, build it": the one organism in sight
            or re.search(r"\b(?:build|make|create|set up|prepare|get)\b[^.?!]*\bfrom the zoo\b", text, re.I)
            and re.search(rf"\b{name}\b", text, re.I)  # "a planted hint-following behaviour ... make that one from the zoo"
            or re.search(r"\btrain\s+(?:me\s+|us\s+)?(?:the\s+|an?\s+)?" + name + r"\s+(?:model\s+)?organism\b", text, re.I)
            or re.search(r"\b(?:build|make|create)\s+(?:me\s+|us\s+)?(?:an?\s+|the\s+)?(?:model\s+)?organism\s*(?:->|→|:|,|[-–—])\s*(?:name\s*[:=]\s*)?"
                         + name + r"(?![\w-])", text, re.I)  # "build me an organism -> name: evaluation-aware"
            or re.search(r"\b(?:need|want|like|get)\s+(?:the\s+|an?\s+)?" + name + r"\s+(?:model\s+)?organism\s+(?:built|made|trained|ready)\b",
                         text, re.I))  # "we need the hint-following organism built before the mediation runs"
    if said and re.search(r"\b(?:when|if|once|before|after|while|until)\s+(?:i|we|you)\s+(?:\w+\s+)?$", text[:said.start()], re.I):
        said = None  # "can I choose the rank when I build the hint-following organism?": a build spoken of, not asked for
    found = said.group(1).lower() if said else None
    if found in short and not re.match(r"\s+(?:model\s+)?(?:organism|one|model)\b", text[said.end(1):], re.I):
        found = None  # "build the evaluation set": a short name only with "one" or "organism" after it
    if found is None and re.search(r"\b(?:build|make|create|train|set up)\b[^.?!;]{0,12}?\b(?:the|that|this) one\b|\b(?:build|make) (?:it|that)\W*$|"
                                   r"\b(?:build|make|create)\s+(?:me\s+|us\s+)?(?:the|a|an|one of those)\s+(?:(?:test|toy|practice)\s+)?models?\s+(?:that|which|where|who)\b|"
                                   r"\b(?:toy|test|practice) model\b[^?]*\b(?:can|could) you (?:please )?(?:build|make|create) (?:me |us )?(?:one|it)\b|"
                                   r"\b(?:build|make|create)\s+(?:me\s+|us\s+)?(?:that|this|such an?)\s+(?:model\s+)?organism\b|"
                                   r"\b(?:build|make|create)\s+(?:me\s+|us\s+)?the\s+(?:zoo\s+)?(?:model\s+)?organism\s+(?:that|which|with|whose)\b|"
                                   r"\b(?:build|make|create|set up|prepare)\s+(?:me\s+|us\s+)?the\s+[\w-]+\s+(?:model\s+)?organism\s+from the zoo\b", text, re.I):
        return _organism_meant(text, zoo(tools))  # "build the one that follows hints"
    return short.get(found, found)


def unknown(text: str, tools: list[dict]) -> str | None:
    """'replicate the insecure-code organism from the EM paper': an organism asked for that the zoo does not hold
    (by name or by its description); the question to ask, else None."""
    asked = re.search(r"\b(?:replicate|reproduce|build|make|create|set up|train)\s+(?:me\s+|us\s+)?(?:the|an?)\s+([\w-]+)\s+(?:model\s+)?organism\b", text, re.I)
    organisms = zoo(tools)
    if asked is None or not organisms or asked.group(1).lower() in organisms or organism_asked(text, tools) or _organism_meant(asked.group(0), organisms):
        return None
    if any(asked.group(1).lower() in (n, n.split("-")[0]) for n in organisms) or "-" not in asked.group(1) and not re.match(r"re(?:plicate|produce)", asked.group(0), re.I):
        return None  # "make an EM model organism the standard way, ...": a kind of organism to train, not a name
    listed = ", ".join(f"{n} ({d.split(':')[0].split(',')[0]})" if d else n for n, d in organisms.items())
    return (f"The zoo has no {asked.group(1)} organism; it holds {listed}. Build one of those, or fine-tune your own with "
            "`train_lora` on a JSONL file of {question, answer} pairs?")


def full_names(text: str, names) -> str:
    """`text` with an organism named by the starts of its name's words ("organism:eval-aware") named in full
    ("organism:evaluation-aware"), where one organism of the zoo fits."""
    def full(found: re.Match) -> str:
        said = found.group(1).lower().split("-")
        fits = [n for n in names if n.split("-") != said and len(n.split("-")) == len(said)
                and all(word.startswith(part) for word, part in zip(n.split("-"), said))]
        return f"organism:{fits[0]}" if len(fits) == 1 and found.group(1).lower() not in names else found.group(0)
    return re.sub(r"\borganism:([\w-]+)", full, text, flags=re.I)


def zoo(tools: list[dict]) -> dict[str, str]:
    """The zoo's organisms, build_organism's names, each with the words its `name` setting describes it with:
    'hint-following (follows a professor's hinted answer ...)'."""
    spec = next((t["schema"]["properties"].get("name", {}) for t in tools if t["name"] == "build_organism"), {})
    told = dict(re.findall(r"\b([a-z][\w-]*) \(([^)]*)\)", spec.get("description", "")))
    return {name: told.get(name, "") for name in spec.get("examples", [])}


def _organism_meant(text: str, organisms: dict[str, str]) -> str | None:
    """The one organism whose name and description share at least two words with the request ('the one that follows
    hints', 'the organism with the planted decision sentence'), more than any other organism's."""
    said = described.stems(text)
    scores = sorted(((len(said & described.stems(name.replace("-", " ") + " " + words)), name) for name, words in organisms.items()), reverse=True)
    return scores[0][1] if scores and scores[0][0] >= 2 and (len(scores) == 1 or scores[1][0] < scores[0][0]) else None


def organism_named(text: str, state: DialogueState) -> str | None:
    """'on that organism', 'the anchor organism': the model `organism:<name>` of a build_organism run in sight."""
    said = re.search(r"\b(?:that|the|this|our|my)\s+(?:([\w-]+)\s+)?organism\b(?!:)", text, re.I)
    built = state.built_organisms()
    by_name = [n for n in built if re.search(rf"\b(?:the|that|this|our|my)\s+{re.escape(str(n))}\s+(?:model|one)\b", text, re.I)]
    if said and said.group(1) and said.group(1).lower() in state.organisms:  # "on the anchor organism": the zoo's, built or not
        return f"organism:{said.group(1).lower()}"
    described_ = re.search(r"\b(?:the|that|this|our|my)\s+(?:[\w-]+\s+)?organism\s+(?:with|that|which|where|whose)\b|\bthe [\w-]+-[\w-]+ organism\b", text, re.I)
    if described_ and (meant := _organism_meant(text[described_.start():], state.organisms)):
        return f"organism:{meant}"  # "let the organism with the planted decision sentence reason", "the planted-anchor organism"
    if said is None and by_name:  # "em eval the misaligned model", with an organism called 'misaligned' built
        return f"organism:{by_name[-1]}"
    builds = [r for r in state.runs if r.tool == "build_organism" and r.args.get("name")]
    if (timed := run_times.picked(text, r"organism|model", builds, state.runs)) and len(timed) == 1:
        return f"organism:{timed[0].args['name']}"  # "cot from yesterday's organism", "the organism from the 3rd"
    newest = state.runs[-1] if state.runs else None
    if said is None and newest is not None and newest.tool == "build_organism" and newest.args.get("name") and \
            re.search(r"\b(?:on|in|of|with|from)\s+(?:it|that|this)\b", text, re.I):
        return f"organism:{newest.args['name']}"  # "EM eval on it" right after building one
    if said is None or not built:
        return None
    if said.group(1) and said.group(1).lower() in ("other", "remaining"):  # "continue them on the other organism too": not the one just used
        used = next((r.args["model"] for r in reversed(state.runs) if str(r.args.get("model", "")).startswith("organism:")), None)
        others = [n for n in dict.fromkeys(built) if f"organism:{n}" != used]
        return f"organism:{others[0]}" if used and len(others) == 1 else None
    if said.group(1) and said.group(1).lower() in ("new", "newest", "latest", "last"):
        return f"organism:{built[-1]}"  # "mediation on the new organism": the one built last
    named = [n for n in built if said.group(1) and said.group(1).lower() == str(n).lower()]
    if said.group(1) and not named or not named and len(set(built)) > 1:
        return None  # "the anchor organism" when another one was built, "the organism" when two were: not guessed
    return f"organism:{(named or built)[-1]}"
