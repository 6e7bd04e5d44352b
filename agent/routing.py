"""Which tool a request asks for: the embedder's similarity to each tool's example requests and
phrasings (agent/phrasings.toml), plus keywords that point to one tool and the tool's name said outright.
"""

from __future__ import annotations

import functools
import json
import re
import threading

from agent import arguments
from agent.phrases import asked_part
from agent.wording import LABEL_NAMES

MATCH_THRESHOLD = 0.45
KEYWORD_BONUS = 0.15
KEYWORD_CAP = 0.3
LEAD_BONUS = 0.2
SETTINGS_MARGIN = 0.35  # a tool this close goes first when the first reads one setting said and it two more the first does not take
TIE = 0.005  # two tools this close are told apart by how many of the settings said each takes
AGREEMENT_MARGIN = 0.1  # two tools this close: the one whose setting is said in its number (one scale, not scales) goes first
USED_TO = re.compile(r"^\W*(?:(?:ok(?:ay)?|now|so|then|pls|please)\W+)*(?:use|take|try)\b[^.?!:'\"]{0,50}?\bto\s+", re.I)  # the request opens with the tool's own verb ("sweep the vector ...", "generate a chain for ...")
OPENING = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|now|then|and|pls|please|hi|hey|yes|sure|great|nice|cool|alright|right|next(?: up)?|first|also|meh|hm+|ugh|well|"
                     r"(?:can|could|would) (?:you|u)(?: please| pls)?|cn u|let'?s|i (?:want|wanna|would like|'d like) (?:you )?to|"
                     r"go ahead and|just|(?:do|run|try) (?:the|a|an)|(?:would|do) you mind|mind)\W+)*", re.I)  # "do the concept-ablation fine-tune ..."
_WARMING = threading.Lock()
_EMBEDDED: dict[str, tuple] = {}  # the tools, as JSON -> (example vectors, keywords): once per process, not per session


class Router:
    def __init__(self, tools: list[dict]):
        self.tools = tools
        self._example_vectors = None
        self._keywords: dict = {}

    def named_tool(self, text: str) -> dict | None:
        lowered = _nouns_removed(text.lower(), self.tools)
        return next((t for t in self.tools if _names(t["name"])[0].search(lowered)), None)

    def vectors(self):
        from backends.subject.embedder import embed

        with _WARMING:  # the warm-up thread and the first turn embed once between them
            key = json.dumps(self.tools, sort_keys=True, default=str) if self._example_vectors is None else ""
            if key in _EMBEDDED:  # embedded for an equal list of tools: the vectors, held with this router's own tool dicts
                vectors, self._keywords = _EMBEDDED[key]  # (the planner tells tools apart by identity)
                self._example_vectors = [(tool, found) for tool, (_, found) in zip(self.tools, vectors)]
            if self._example_vectors is None:
                extra = _phrasings()
                self._keywords = {name: (tuple(re.compile(pattern) for pattern in dict.fromkeys(  # "dose-response" and "dose response": one
                                             rf"(?<![\w-]){_spaced(k.rstrip('*'))}" + (r"(?![\w-])" if k[-1].isalnum() else "") for k in table.get("keywords", ()))),
                                         float(table.get("weight", 1.0)),
                                         re.compile("|".join(table["leads"]), re.I) if table.get("leads") else None)
                                  for name, table in extra.items()}
                self._example_vectors = [(t, embed(list(t["examples"]) + extra.get(t["name"], {}).get("phrasings", [])
                                                   + extra.get(t["name"], {}).get("requests", []) or [t["description"]]))
                                         for t in self.tools]
                _EMBEDDED[key] = (self._example_vectors, self._keywords)
        return self._example_vectors

    def route(self, text: str) -> tuple[dict | None, float, list[tuple[float, dict]]]:
        """The best tool, its score, and every tool ranked."""
        from backends.subject.embedder import embed

        vectors = self.vectors()
        pre, colon, post = text.partition(":")
        if colon and post.strip() and arguments.ON_RUN.match(pre):  # "on the 221 chain: what else could it have said at sentence 4?"
            text = post
        asked = asked_part(text)  # "Interesting that the receiver heads sit high. Could you suppress ...": the ask
        whole, text = ([expand(text)] if asked != text else []), asked  # motivation and all, it counts by its topic and keywords, not by a tool's name
        original, text = text, expand(text)
        # The request without its payload ("... for: <question>", quoted text) says which tool; a tool
        # named in the payload (a question, a pasted chain) is data, not the tool asked for.
        named = self.named_tool(re.sub(r":.*$", "", original, flags=re.S))
        bare = text
        for field, value in arguments.labelled(text).items():  # "question: ...\nchain: ...\nsuppress each sentence": the words around them
            if field != "answer":  # (a pasted chain's answer: a number that may stand elsewhere too)
                bare = bare.replace(value, " ")
        if bare != text:  # "Q: ...\nCoT: ...\n\nthen resample each sentence": the labels name the parts, not the tool
            bare = re.sub(rf"(?:^|(?<=\n))[^\S\n]*(?:{LABEL_NAMES}|answer)\s*:", " ", bare, flags=re.I)
        request = arguments.QUOTED.sub("", bare if bare != text else re.sub(r":.*$", "", text, flags=re.S)).strip() or text
        settings_said = re.sub(r"\b(?:(?:use|with|and|using)\s+)?\d+(?:\.\d+)?\s+\w+", "", request).strip() or request
        queries = embed([text, request, settings_said, *whole])
        lowered = self._lowered(f"{original} {text}")
        everything = self._lowered(f"{original} {text} {whole[0]}") if whole else lowered  # keywords count in the motivation too
        used = USED_TO.match(original)  # "use the formal one to steer ...": the verb after "to"
        ranked = []
        starts = [0] + [m.end() for m in re.finditer(r"[.!?;]\s+(?=[a-z])", original)]  # "need a longer problem. new chain on ...": a sentence's own opening
        openings = [start + OPENING.match(original[start:]).end() for start in starts]  # past its "ok", "now", "can you"
        for tool, vecs in vectors:
            # On top of similarity (MiniLM hears mostly the topic): words that point to this
            # tool and no other, said outright; the tool's own name wins.
            keywords, weight, lead = self._keywords.get(tool["name"], ((), 1.0, None))
            hits = sum(bool(k.search(everything)) for k in keywords)
            led = bool(lead and (any(lead.match(original, at) for at in openings) or used and lead.match(original, used.end())))
            spoken = _names(tool["name"])[1].search(lowered)  # "receiver heads", "steering sweep"
            score = (float((vecs @ queries.T).max()) + min(KEYWORD_CAP, KEYWORD_BONUS * hits) * weight
                     + (1.0 if named is not None and tool["name"] == named["name"] else 0.25 if spoken else 0.0) + (LEAD_BONUS if led else 0.0))
            ranked.append((score, tool))
        ranked.sort(key=lambda st: -st[0])
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < AGREEMENT_MARGIN and _agrees(original, ranked[1][1], ranked[0][1]):
            ranked[0], ranked[1] = ranked[1], ranked[0]  # "scale -2 at layers 12 and 16": one scale is a steer, not a sweep of scales
        elif len(ranked) > 1 and ranked[0][0] - ranked[1][0] < TIE and len(_read(original, ranked[1][1])) > len(_read(original, ranked[0][1])):
            ranked[0], ranked[1] = ranked[1], ranked[0]  # "..., 5 samples each way, and count the type hints": the tool those settings are of
        else:  # "fine-tune on the risky data ... project out the top 3 principal components while it trains": CAFT, by its own settings
            first = len(_read(original, ranked[0][1]))  # it reads some settings, another reads two more that it does not take
            owners = [i for i in (1, 2) if i < len(ranked) and ranked[0][0] - ranked[i][0] < SETTINGS_MARGIN and first in (1, 2)
                      and len(_read(original, ranked[i][1], ranked[0][1])) >= 2 * first and len(_read(original, ranked[i][1])) >= first + 2]
            # two settings read by the first: four more of the other's ("vec from v.pt @ L3, α=-2, generated tokens only; prompt '...'; metric ...")
            own = owners[-1] if len(owners) == 2 and _agrees(original, ranked[owners[-1]][1], ranked[owners[0]][1]) else owners[0] if owners else None
            if own is not None:  # of two such, the one that takes one value as one ("α=-2": a steer, not a sweep of scales)
                ranked.insert(0, ranked.pop(own))
        best_score, best = ranked[0]
        return (best if best_score > MATCH_THRESHOLD else None), best_score, ranked

    def _lowered(self, text: str) -> str:
        """The request in lower case for its keywords, less the words that name no tool here."""
        lowered = " " + " ".join(text.lower().split()) + " "
        # memory the machine's, not Parley's: "batch of 2 so it fits in memory" asks for no search
        lowered = re.sub(r"\b(?:fits?|fitting|run(?:s|ning)? out of|out of|saves?|saving|use[sd]?|less|more|enough|gpu|cpu|peak)\s+"
                         r"(?:in(?:to)?\s+|of\s+)?(?:the\s+)?memory\b", " ", lowered)
        lowered = re.sub(r"\bproject(\w*)\s+((?:[\w./-]+\s+){1,8}?)out of\b", r"project\1 out of \2", lowered)  # "project the vector in v.pt out of ..."
        return _nouns_removed(lowered, self.tools)

    def clarify(self, ranked: list[tuple[float, dict]], text: str) -> str:
        top = [tool for _, tool in ranked[:3]]
        lines = ["I'm not sure which experiment you mean. The closest I have:"]
        lines += [f"- `{t['name']}`{' (expensive: asks before it runs)' if t['cost'] == 'expensive' else ''}: "
                  f"e.g. \"{t['examples'][0] if t['examples'] else t['description']}\"" for t in top]
        lines.append("Say which, or rephrase (F1 or /tools lists every tool).")
        return "\n".join(lines)


def _spaced(keyword: str) -> str:
    """A keyword's pattern: its words joined by a space or a hyphen alike ("random vector", "random-vector")."""
    return r"[\s-]".join(re.escape(word) for word in re.split(r"[ -]", keyword))


def _agrees(text: str, tool: dict, other: dict) -> bool:
    """Whether `text` says one value of a setting `tool` takes as one and `other` only as a list ('scale -2' vs `scales`)."""
    mine, theirs = tool["schema"].get("properties", {}), other["schema"].get("properties", {})
    return any(f"{name}s" in theirs and name not in theirs and f"{name}s" not in mine and not re.search(rf"\b{name}s\b", text, re.I)
               and (said := arguments.name_pattern(name, tuple(mine)))  # "scale -2", "α=-2"
               and re.search(rf"(?<![\w-])(?:{said})\s*[=:]?\s*[+-]?\d+(?:\.\d+)?\b(?!\s*(?:,|and|or|to|through|thru|-)\s*[+-]?\d)", text, re.I)
               for name in mine if name != "sentence")  # one sentence of a list is natural ("resample away sentence 3"); one scale of a sweep is not


def _read(text: str, tool: dict, other: dict | None = None) -> dict:
    """The settings of `tool` said in `text` (those `other` does not take, when given)."""
    said = arguments.read(tool["schema"].get("properties", {}), text)[0]
    return {k: v for k, v in said.items() if other is None or k not in other["schema"].get("properties", {})}


def _nouns_removed(lowered: str, tools: list[dict]) -> str:
    """A one-word tool name after an article is a noun, not the tool: "deceive the customer about the recall" (but "the recall tool")."""
    for name in (t["name"] for t in tools if "_" not in t["name"]):
        lowered = re.sub(rf"\b(?:the|a|an|this|that)\s+{name}\b(?!\s+(?:tool|search|command))", " ", lowered)
    return lowered


@functools.lru_cache(maxsize=None)
def _names(tool: str) -> tuple[re.Pattern, re.Pattern]:
    """A tool's name as written ("receiver_heads") and as spoken ("receiver heads", "steering sweeps"), compiled once."""
    first, *rest = tool.split("_")  # "resampling importance", "steering sweeps": the first word in any of its forms
    spoken = rf"\b{re.escape(first[:-1] if first.endswith('e') else first)}(?:e|es|ed|ing|s)?" + "".join(f"[ -]{re.escape(w)}" for w in rest)
    if tool.endswith("s"):  # "the receiver-head results": a singular before what the run made (not "what is a receiver head?")
        spoken = spoken[:-1] + r"(?:s|(?=[ -](?:results?|scores?|runs?|plots?|tables?|numbers|rankings?|analys[ie]s)\b))"
    return re.compile(rf"\b{re.escape(tool)}\b"), re.compile(spoken + r"s?\b")


SHORTHAND = {"alts": "alternatives", "alt": "alternative", "attn": "attention", "ta": "thought anchors", "cot": "chain of thought",
             "em": "emergent misalignment", "ft": "fine-tune", "vec": "vector", "dict": "dictionary", "w/": "with", "pls": "please",
             "sent": "sentence", "resamp": "resample", "heads": "heads", "mis": "misalignment", "ctrl": "control", "ctrls": "controls",
             "rcvr": "receiver", "abt": "about", "imp": "importance", "couldve": "could have", "wouldve": "would have", "shouldve": "should have",
             "mightve": "might have"}


PATTERN_N = (r"\bpatterns?\s+#?(?=\d)", "atom ")  # a newcomer's "pattern 231": an atom of the dictionary
# A newcomer's everyday words for what the tools work on, in the words the tools are asked by: "nudge it toward X"
# is a steer, "that chatty push" the vector, "the practice model" an organism, "the little add-ons" its adapters,
# "nasty answers" misaligned ones, "pattern 231" an atom of a dictionary.
EVERYDAY = ((r"\bnudg(?:e|es)\b", "steer"), (r"\bnudged\b", "steered"), (r"\bnudging\b", "steering"),
            (r"\b(that|the|this|a|any|same)\s+((?:[\w-]+\s+)?)push\b(?!\s+(?:it|the|them|this)\b)", r"\1 \2steering vector"),
            (r"\bpractice models?\b", "model organism"), (r"\badd-?ons\b", "adapters"),
            (r"\b(?:nasty|evil|harmful|bad|shady)\s+(answers|stuff|things|replies|responses|advice)\b", r"misaligned \1"),
            (r"\bturn(?:s|ed|ing)?\s+evil\b", "becoming misaligned"),
            PATTERN_N, (r"\b(those|these|which|what|recurring)\s+patterns\b(?!\s*[:'\"])", r"\1 atoms"),
            (r"\bcatalog(?:ue)?\b", "dictionary"), (r"\bCF\+\+", "counterfactual++"))  # and the papers' "CF++" spelled out


def expand(text: str) -> str:
    """Shorthand spelled out for the embedder: 'alts for s6' -> 'alternatives for sentence 6'; everyday words for the tools' own."""
    text = re.sub(r"\b[sS](\d+)\b", r"sentence \1", arguments.mend_typos(text))
    for everyday, own in EVERYDAY:
        text = re.sub(everyday, own, text, flags=re.I)
    text = re.sub(r"\bL(\d+)\b", r"layer \1", text)
    return re.sub(r"(?<![\w/])(\w+/?)(?![\w/])", lambda m: SHORTHAND.get(m.group(1).lower(), m.group(1)), text)


@functools.cache
def tool_words(name: str) -> frozenset[str]:
    """The words that name a tool: its name's parts and its keywords' words ('thought anchors' for resample_importance)."""
    table = _phrasings().get(name, {})
    words = set(name.split("_")) | {w for k in table.get("keywords", ()) for w in re.findall(r"[a-z]{3,}", k.lower())}
    return frozenset(words | {w.rstrip("s") for w in words})


@functools.cache
def _phrasings() -> dict[str, dict]:
    """More ways of asking for each tool, and its keywords (agent/phrasings.toml)."""
    import tomllib
    from pathlib import Path

    with (Path(__file__).with_name("phrasings.toml")).open("rb") as f:
        return tomllib.load(f)


def content_words(text: str, tool: dict) -> set[str]:
    """Words of a request beyond argument names, values and fillers: what asks for an experiment."""
    names = {w for name in tool["schema"].get("properties", {}) for w in name.split("_")} | {"layer", "sentence", "token", "sample"}
    words = {w.rstrip("s") for w in re.findall(r"[a-z]{3,}", text.lower())}
    return words - names - {"the", "and", "with", "for", "look", "use", "using", "please", "now", "then", "try", "run", "again", "only",
                            "just", "can", "you", "this", "that", "those", "these", "them", "from", "all"}
