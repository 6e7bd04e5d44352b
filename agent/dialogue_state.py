"""What the conversation is about: the subject, each tool's last run, the settings said.

Read from the messages of the conversation alone, so the offline planner and the LLM
path see the same state, and a resumed session rebuilds it exactly:
- every run so far, oldest first, with the arguments it really ran with (a tool
  result carries them, so an edit made at approval time is what a rerun keeps);
- the current subject: the chain, vector, fine-tune, dictionary, evaluation or
  direction the newest run made or used; "it", "that", "the chain" resolve to it;
- the settings the user stated ("4 rollouts", "answer 24", "last number as the
  answer", "layer 12, strength 6"), the newest value of each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.descriptions import ABOUT, OWNED, STOP_WORDS, content_words, describe_match, describe_scores, from_nth, nth_described, spelled_ordinals, unowned

# The kind of thing a `*_run` argument points to, and the tools whose runs hold one (a field's schema may name its own in `runs_of`, which wins).
REFERENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cot_run": ("chain", ("generate_cot",)),
    "more_cot_runs": ("chain", ("generate_cot",)),
    "vector_run": ("vector", ("build_steering_vector", "misalignment_direction")),
    "dictionary_run": ("dictionary", ("itda_build",)),
    "other_run": ("dictionary", ("itda_build",)),
    "base_run": ("dictionary", ("itda_build",)),
    "itda_run": ("dictionary", ("itda_build",)),
    "train_run": ("fine-tune", ("train_lora", "caft_finetune")),
    "eval_run": ("evaluation", ("em_evaluate",)),
    "direction_run": ("direction", ("misalignment_direction",)),
}
PRODUCES = {tool: kind for kind, tools in {r[0]: r[1] for r in REFERENCES.values()}.items() for tool in tools}
# Words that name a kind in a request ("the vector", "that chain", "the fine-tune").
KIND_WORDS = {
    "chain": r"chain|cot|reasoning|trace|thought",
    "vector": r"vector|vec",
    "dictionary": r"dictionar(?:y|ies)|dict|itda",
    "fine-tune": r"fine-?tuned?|finetuned?|ft|adapter|lora|organism|caft model",
    "evaluation": r"evaluation|eval",
    "direction": r"direction",
}
# The tools whose runs are things of each kind (a "vector" is a build_steering_vector or misalignment_direction run).
TOOLS_OF_KIND = {kind: frozenset(t for k, ts in REFERENCES.values() if k == kind for t in ts) for kind in KIND_WORDS}
_EITHER = TOOLS_OF_KIND["vector"] | TOOLS_OF_KIND["direction"]
REFERRED = {**TOOLS_OF_KIND, "vector": _EITHER, "direction": _EITHER}  # either word for either, when something is referred to
ORDINAL = re.compile(r"\b(?:first|second|third|last|latest|newest|previous|other|earlier|older|original|new|both|all|each|every|same|"
                     r"base|current|\d{8}-\d{6})\b", re.I)  # words that pick one of several runs, or all of them
COUNTED = re.compile(r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|both|all|few|several|many", re.I)  # "the three adapters"
TOOL_WORDS = {"caft": ("caft_finetune",), "sweep": ("steering_sweep",), "probe": ("lora_probe",), "phase": ("lora_phase",),
              "monitor": ("cot_monitor",), "resilience": ("sentence_resilience",), "mediation": ("hint_mediation",)}
TOOL_RUN = re.compile(rf"\bthe\s+({'|'.join(TOOL_WORDS)})\s+(?:run|one|results?|adapters?|model|fine-?tune)\b|"  # "the CAFT run"
                      rf"\b(?:re-?run|redo|repeat)\s+the\s+({'|'.join(TOOL_WORDS)})\b", re.I)  # "rerun the sweep"
NAMED_AS = {"scale": "strength", "scales": "strength", "rollouts": "rollout", "max_new_tokens": "tokens", "temperature": "temp"}
FILE = re.compile(r"[\w/.-]\.(?:pt|pth|safetensors|npy)\b")  # a tensor file said in the request
RUN_ID = re.compile(r"\b\d{8}-\d{6}-[a-z_]+-[0-9a-f]{4}\b")


@dataclass
class RunSeen:
    run_id: str
    tool: str
    args: dict
    ok: bool
    status: str = "complete"
    summary: str = ""
    result: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)  # the tool's numeric defaults: "the 8-rollout one" is a run left at 8
    asked: str = ""  # the user's words that asked for it: "the eval-awareness vec" is the one "build an eval-awareness vector" made

    @property
    def subject(self) -> tuple[str, str] | None:
        """(kind, run id) of what this run made or used."""
        if self.tool in PRODUCES:
            return PRODUCES[self.tool], self.run_id
        for name, (kind, _) in REFERENCES.items():
            value = self.args.get(name)
            if isinstance(value, str) and value:
                return kind, value
        return None

    def about(self) -> str:
        """What the run was about, in the user's words (its question, prompt, scenario...)."""
        for key in ("question", "prompt", "scenario", "dataset", "query", "text"):
            value = self.args.get(key) or self.result.get(key)
            if isinstance(value, str) and value:
                return value
        return ""

    def described_by(self) -> str:
        """Its subject and its settings as a person names them ("the seed-0 chain", "the tiny-random one")."""
        single = {k: v[0] if isinstance(v, list) and len(v) == 1 else v  # layers [12]: "the layer-12 one"
                  for k, v in (self.defaults | self.args).items()}
        settings = " ".join(f"{k}-{v} {k.rstrip('s')}-{v} {NAMED_AS.get(k, k)}-{v} {v}" for k, v in single.items()
                            if isinstance(v, (str, int, float)) and len(str(v)) < 40 and not k.endswith("_run"))
        counts = " ".join(f"n{len(v)}-{k.rstrip('s')}" for k, v in self.args.items() if isinstance(v, list) and len(v) > 1)  # "the 4-scale sweep"
        seed = self.seed()
        hour = re.match(r"\d{8}-(\d\d)", self.run_id)  # "this morning's eval": the run id holds the time it started
        when = "" if hour is None else " morning" if int(hour.group(1)) < 12 else " afternoon" if int(hour.group(1)) < 17 else " evening"
        seeded = f" seed-{seed}" if "seed" not in self.args and seed is not None else ""
        return f"{self.about()} {self.tool.replace('_', ' ')} {settings} {counts}{when}{seeded}"

    def seed(self) -> int | None:
        """The seed it ran with: its arguments', else the one its summary reports (a default seed is not in the arguments)."""
        if isinstance(self.args.get("seed"), int):
            return self.args["seed"]
        said = re.search(r"\bseed[\s=:-]*(\d+)\b", self.summary or "", re.I)
        return int(said.group(1)) if said else None


@dataclass
class DialogueState:
    runs: list[RunSeen] = field(default_factory=list)
    stated: dict = field(default_factory=dict)  # setting -> newest value the user said
    # settings said as standing ("seed 3 for every fine-tune today", "temperature 0.8 from now on"):
    # setting -> (value, the tools meant, or None for all)
    standing: dict = field(default_factory=dict)
    replies: list[str] = field(default_factory=list)  # what the assistant said in words, oldest first
    noted: list[tuple[str, int]] = field(default_factory=list)  # user turns answered in words, no run: (text, runs before it)
    organisms: dict = field(default_factory=dict)  # the zoo's organisms, name -> what it is: "the anchor organism" is organism:anchor, built or not

    @classmethod
    def from_messages(cls, messages: list[BaseMessage], read_settings=None, defaults: dict | None = None) -> "DialogueState":
        """`read_settings(text) -> dict` reads the settings said in one user message; `defaults`: tool -> its numeric defaults."""
        state = cls()
        calls: dict[str, dict] = {}
        asked, ran = "", False
        for m in messages:
            if isinstance(m, AIMessage):
                ran = ran or bool(m.tool_calls)
                for call in m.tool_calls:
                    calls[call["id"]] = call
                if not m.tool_calls and _text(m).strip():
                    state.replies.append(_text(m))
            elif isinstance(m, ToolMessage):
                content = _json(m)
                call = calls.get(m.tool_call_id, {})
                if content.get("ok") and content.get("run_id"):
                    state.runs.append(RunSeen(
                        run_id=content["run_id"], tool=content.get("tool") or m.name or call.get("name", ""),
                        args=content.get("args") or call.get("args") or {}, ok=True,
                        status=content.get("status", "complete"), summary=content.get("summary", ""),
                        result=content.get("result") or {}, defaults=(defaults or {}).get(content.get("tool") or m.name or "", {}),
                        asked=RUN_ID.sub(" ", asked)[:200],
                    ))
            elif isinstance(m, HumanMessage):
                if asked and not ran:
                    state.noted.append((asked, len(state.runs)))
                asked, ran = _text(m), False
            if isinstance(m, HumanMessage) and read_settings is not None:
                said = _settings_said(read_settings, _text(m))
                state.stated.update(said)
                if said and STANDING.search(_text(m)):
                    state.standing.update({k: (v, scope_of(_text(m))) for k, v in said.items()})
        if asked and not ran and messages and isinstance(messages[-1], AIMessage):
            state.noted.append((asked, len(state.runs)))
        return state

    # --- lookups --------------------------------------------------------------------

    def last(self, tool: str | None = None) -> RunSeen | None:
        return next((r for r in reversed(self.runs) if tool is None or r.tool == tool), None)

    def get(self, run_id: str) -> RunSeen | None:
        return next((r for r in reversed(self.runs) if r.run_id == run_id), None)

    def chain_runs(self, cot_run: str) -> list[RunSeen]:
        """A chain's own run and the splits of it, newest first: what is known of its sentences."""
        return [r for r in reversed(self.runs) if r.run_id == cot_run or r.tool == "split_sentences" and r.args.get("cot_run") == cot_run]

    def sentence_count(self, cot_run: str) -> int | None:
        """How many sentences a chain in sight has: its run's result or summary ("(7 sentences)"), or its split's."""
        for run in self.chain_runs(cot_run):
            said = run.result.get("n_sentences") or re.search(r"\b(\d+) sentences\b", run.summary or "")
            if said:
                return said if isinstance(said, int) else int(said.group(1))
        return None

    def subject(self, kind: str | None = None) -> str | None:
        """The run id of the thing being discussed (of one kind, when given): newest first."""
        for run in reversed(self.runs):
            found = run.subject
            if found and (kind is None or found[0] == kind):
                return found[1]
        return None

    def in_use(self, kind: str) -> str | None:
        """The run id of that kind the newest run made or used ("the other fine-tune" after a direction found in one)."""
        for run in reversed(self.runs):
            if PRODUCES.get(run.tool) == kind:
                return run.run_id
            used = next((v for n, v in run.args.items() if REFERENCES.get(n, (None,))[0] == kind and isinstance(v, str) and v), None)
            if used:
                return used
        return None

    def missing_referent(self, text: str) -> str | None:
        """'ablate that vector' with no vector in sight, 'the second fine-tune' with one, 'the other vector'
        with only one: the thing referred to is not in this conversation (a sentence saying so), else None."""
        counted = self.miscounted(text)
        if counted:
            return counted
        tuned = re.search(r"\b(?:on|to|with|for|from) the (?:fine-?tune|finetune|fine-?tuned model)\b(?!\s+(?:in|at|from)\s+\S*/)", text, re.I)
        if tuned and not self.runs and not re.search(r"\borganism:|/", text):  # "continue the itda dicts on the fine-tune", nothing run
            return f"I see no fine-tune in this conversation, so I can't tell which one \"{tuned.group(0)}\" means."
        about = re.search(r"\b(?:the|that|our)\s+(chain|cot|trace|vector|fine-?tune|dictionary)\s+(?:about|from)\s+(?:the\s+)?"
                          r"((?!(?:first|second|last|other|earlier|same|previous|before|yesterday|today|this|that|these|those|its|their|my|our|your|it|above)\b)[\w-]{3,}(?:\s+[\w-]{3,})?)", text, re.I)
        if about and not kind_of(about.group(2).split()[0]) and not text[about.end():].startswith("'"):  # "from the eval's answers": another run
            kind = kind_of(about.group(1))  # "run anchors on the chain about pizza" with no pizza chain in sight: never another chain
            runs = [r for r in self.runs if kind and r.tool in REFERRED[kind]]
            if runs and describe_match(f"the {about.group(2)} {about.group(1)}", runs, self.runs) is None:
                return f"I see no {about.group(1)} about {about.group(2)} in this conversation."
        named = TOOL_RUN.search(text)
        asked = named and named.group(1) and re.search(r"(?:^|\b(?:now|run|do|start|launch|kick off|go(?: ahead)?(?: with)?|time for|let'?s(?: do)?|then|next))\W*$",
                                    text[:named.start()], re.I)  # "now the CAFT run against that fine-tune": do it
        if named and not asked and not any(r.tool in TOOL_WORDS[(named.group(1) or named.group(2)).lower()] for r in self.runs):
            return f"I see no {named.group(1) or named.group(2)} run in this conversation."  # "now the same on the CAFT run" with none
        return self.undescribed(text) or self._ambiguous(text) or self.tied(text)

    def built_organisms(self) -> list[str]:
        """The names of the organisms built in this conversation, in order (a name twice when built twice)."""
        return [r.args["name"] for r in self.runs if r.tool == "build_organism" and r.args.get("name")]

    def miscounted(self, text: str, kinds: tuple[str, ...] = tuple(KIND_WORDS)) -> str | None:
        """'the other vector' with one vector, 'the two dicts' with three: a count the runs in sight contradict (a sentence saying so)."""
        organism = "fine-tune" in kinds and re.search(r"\b(?:on|with|for|to|from|of|in) the organism\b(?!:)", text, re.I)
        built = list(dict.fromkeys(self.built_organisms())) if organism else []
        if len(built) > 1:  # "same question on the organism" with two built
            return f"I see {len(built)} organisms in this conversation ({', '.join(built)}), so I can't tell which one \"the organism\" means."
        for kind, words in ((k, KIND_WORDS[k]) for k in kinds):
            said = re.search(rf"(?<!\ba )(?<!\bget a )\b(that|those|other|second|third|both|two|three)\s+(?:[\w-]+\s+)?(?:{words})s?\b(?!:)", text, re.I)  # "a third chain": new
            if said is None or kind == "fine-tune" and said.group(1).lower() in ("two", "three") or re.search(r"\b(?:one|some|any) of $", text[:said.start()]):
                continue  # "which of the three adapters": parts of one fine-tune; "two organisms to compare": to be made; "one of those dicts"
            built = ("build_organism",) if kind == "fine-tune" else ()  # a built organism is a fine-tune too
            seen = list(dict.fromkeys(r.run_id for r in self.runs if r.tool in REFERRED[kind] or r.tool in built))
            needed = {"other": 2, "second": 2, "both": 2, "two": 2, "third": 3, "three": 3}.get(said.group(1).lower(), 1)
            if len(seen) > 2 and (said.group(1).lower() in ("both", "two") and not re.search(r"\b(?:first|last|latest)\s+two\b|\bother two (?:(?!chains?\b)[\w-]+ )?"
                                  rf"{'' if len(seen) == 3 else '(?!chains?)'}\w", text, re.I)  # "the other two apples chains": described, or of three
                                  or said.group(1).lower() == "other" and not said.group(0).lower().endswith("s")):  # "now the other chain", of three
                return f"I see {len(seen)} {plural(kind)} in this conversation, so I can't tell which {'one' if said.group(1).lower() == 'other' else 'two'} \"{said.group(0)}\" means."
            if len(seen) < needed and not (needed == 1 and FILE.search(text)):  # "a vector file at v.pt ... that vector": the file
                return f"I see {'no' if not seen else 'only one' if len(seen) == 1 else f'only {len(seen)}'} {kind} in this conversation, so I can't tell which one \"{said.group(0)}\" means."
        return None

    def undescribed(self, text: str) -> str | None:
        """'receiver heads for the bat-and-ball chain' when no chain here is about that: never another chain; "the risky
        lora" when two fit alike: which? A run of another kind that fits none is not questioned: a vector, fine-tune or
        dictionary is often named by what its summary or data said ("the finance fine-tune", "the eval-awareness vector")."""
        for kind, words in KIND_WORDS.items():  # any kind two runs fit alike ("the risky lora" with two), but only a chain fits none
            named = re.search(rf"\b(?:the|our)\s+((?:[a-z][\w-]*\s+)?[a-z][\w/-]*)\s+({words}|one)s?\b(?!')", text, re.I)  # "the formal/casual vector"
            runs = [r for r in self.runs if r.tool in REFERRED[kind]] if named else []
            said = named.group(1).lower().split() if runs else []
            if not said or ORDINAL.search(named.group(1)) or re.search(r"\d|\bseed|\bgreedy\b|\btemp|\blater\b|\bfollowing\b|\bsubsequent\b|\bremaining\b|\brest\b",
                                                                         named.group(1)) or any(  # "the later reasoning": a part of the chain
                    w in STOP_WORDS or COUNTED.fullmatch(w) or kind_of(w) or w.endswith("'s") for w in said):
                continue
            described = content_words(named.group(1)) - {"same", "new", "old", "whole", "full", "entire", "current", "previous", "main"}
            scored = describe_scores(f"the {named.group(1)} one", runs, self.runs) if described else []
            best = max((s[0] for s in scored), default=0)
            if described and best == 0 and named.group(2).lower() != "one" and kind == "chain":  # "the X one" may be a run of another kind
                return f"I see no {kind} like \"{named.group(0)}\" in this conversation."
            tied = list(dict.fromkeys(r.run_id for s, _, r in scored if s == best)) if best else []
            if len(tied) >= 2:  # "the prime one" with two chains about primes
                return f"\"{named.group(0)}\" fits {len(tied)} {plural(kind)} here ({', '.join(f'`{t}`' for t in tied[-3:])}), so I can't tell which."
        return None

    def _ambiguous(self, text: str) -> str | None:
        """'evaluate the fine-tune' with two fine-tunes made here and nothing that picks one: which?"""
        if ORDINAL.search(text):
            return None
        for kind, words in KIND_WORDS.items():
            said = re.search(rf"\bthe\s+(?:{words})s?\b", text, re.I)
            runs = list({r.run_id: r for r in self.runs if r.tool in TOOLS_OF_KIND[kind]}.values()) if said else []
            if len(runs) >= 2 and describe_match(text, runs, self.runs) is None:
                named = "; ".join(f"`{r.run_id}`" + (f" ({r.about()[:50]})" if r.about() else "") for r in runs[-3:])
                return f"There are {len(runs)} {plural(kind)} in this conversation ({named}), so \"{said.group(0)}\" could be either."
        return None

    def tied(self, text: str) -> str | None:
        """'the 16-rollout one' with two importance runs at 16 rollouts, 'the chain about the train' with two: a setting or subject they share."""
        found = re.findall(r"\bthe\s+([\w.-]*\d[\w.-]*|(?:layer|seed|rank|scale|tau)\s+-?\d[\d.]*)\s+(one|run|adapter|chain|dictionary|dict|vector|vec|fine-?tune|ft|lora|sweep|eval|model|direction)\b", text, re.I)
        said = [f"the {s} one" for s, _ in found] or [m.group(0) for m in ABOUT.finditer(text) if kind_of(m.group("kind")) in (None, "chain")]
        kind = kind_of(found[0][1]) if len(found) == 1 else None  # "the layer-15 direction": of the directions
        runs = [r for r in self.runs if kind is None or r.tool in REFERRED[kind]]
        picked = ORDINAL.search(re.sub(r"\b(?:in|on|of|for|to) the base model\b", " ", text, flags=re.I))  # "in the base model": where, not which
        scored = describe_scores(said[0], runs, self.runs) if len(said) == 1 and not picked else []
        best = max((s for s, _, _ in scored), default=0)
        tied = list({r.run_id: r for s, _, r in scored if s == best}.values()) if best >= 1 else []
        layer = re.fullmatch(r"the layer[\s-]?(\d+) one", said[0] if said else "", re.I)  # "the layer-12 dictionary": of two that have one
        tied = [r for r in runs if int(layer.group(1)) in (r.args.get("layers") or [])] if layer and scored and len(tied) < 2 else tied
        if len(tied) < 2 or len({r.tool for r in tied}) > 1:
            return None
        return f"\"{said[0][0].upper() + said[0][1:]}\" fits {len(tied)} {tied[0].tool} runs here ({', '.join(f'`{r.run_id}`' for r in tied[-3:])}), so I can't tell which."

    def reference(self, field_name: str, runs_of: list[str] | None, text: str) -> str | None:
        """The run a `*_run` argument means: a description that matches one run's subject
        ("the apples chain"), else the subject of that kind, else the newest run of those tools."""
        kind, tools = REFERENCES.get(field_name, (None, ()))
        tools = tuple(runs_of or tools)
        text = spelled_ordinals(text)
        candidates = [r for r in self.runs if r.tool in tools]
        if not candidates:
            return None
        words = KIND_WORDS.get(kind or "", r"one|run")
        ordinal = next((m for m in re.finditer(rf"\b(first|second|third|last|latest|(?<=the )(?:new|newest)|previous|other|earlier|older|original|penultimate)\s+(?:{words}|one|run|build)s?\b", text, re.I)
                        if not ((owner := OWNED.search(text[:m.start()])) and not re.match(rf"(?:{words})", owner.group(1), re.I)
                                and not re.search(r"\bof\s", owner.group(0)))), None)
        # "the direction from the first fine-tune": its source (not "the dictionary from the first build", "a sweep of the second vector")
        if ordinal and len(candidates) > 1:
            which = ordinal.group(1).lower()
            if which in ("first", "earlier", "older", "original"):
                return candidates[0].run_id
            if which in ("second", "third", "penultimate"):  # "the chain before the last one" is the penultimate
                return candidates[{"second": min(len(candidates) - 1, 1), "third": min(len(candidates) - 1, 2), "penultimate": -2}[which]].run_id
            if which == "other":
                subject = self.in_use(kind) if kind else None
                others = [r for r in candidates if r.run_id != subject]
                return (others or candidates)[-1].run_id
            return candidates[-1].run_id
        described = nth_described(text, candidates, self.runs, words) or from_nth(text, candidates, self.runs) or \
            describe_match(unowned(text, words), candidates, self.runs)  # "the first apples chain", "the direction from the first fine-tune"
        if described:
            return described.run_id
        subject = self.subject(kind) if kind else None
        if subject and any(r.run_id == subject for r in candidates):
            return subject
        return candidates[-1].run_id

    def to_prompt(self, limit: int = 8) -> str:
        """A compact block for the system prompt: the subject, recent runs with arguments, settings said."""
        lines = []
        subject = self.subject()
        if subject:
            run = self.get(subject)
            about = f": {run.about()[:120]}" if run and run.about() else ""
            lines.append(f"Current subject: {subject}{about}")
        latest: dict[str, RunSeen] = {}
        for run in self.runs:
            latest[run.tool] = run
        for run in list(latest.values())[-limit:]:
            args = json.dumps({k: v for k, v in run.args.items() if v is not None}, ensure_ascii=False)
            first = run.summary.splitlines()[0][:160] if run.summary else ""
            lines.append(f"- last {run.tool}: {run.run_id} args={args[:300]} -> {first}")
        if self.stated:
            lines.append("Settings the user stated: " + json.dumps(self.stated, ensure_ascii=False))
        return "\n".join(lines) or "No runs yet."


def kind_of(word: str) -> str | None:
    """The kind a word names ("cot" -> "chain", "lora" -> "fine-tune"), or None."""
    return next((kind for kind, words in KIND_WORDS.items() if re.fullmatch(words, word, re.I)), None)


_SAID: dict = {}  # (reader, text) -> settings: every turn rereads every earlier message


STANDING = re.compile(r"\bfrom now on\b|\bgoing forward\b|\bunless i say otherwise\b|\bfor (?:every|all|each|any)\b|\beverywhere\b|"
                      r"\bby default\b|\bfor the rest of\b|\bfor today\b|\b(?:all|every) (?:the )?[\w-]+s? today\b", re.I)
TRAINING = ("train_lora", "caft_finetune")
SCOPES = {  # the runs a standing setting is meant for, by the words that say so ("for every fine-tune today")
    rf"(?:{KIND_WORDS['fine-tune']}|training)s?\b": TRAINING,
    r"steer(?:ing)?\b": ("steer_generate", "steering_sweep"),
    r"thought[- ]anchors?\b|anchors? runs?|importance runs?|resampling runs?": ("resample_importance",),
}


def scope_of(text: str) -> tuple[str, ...] | None:
    """The tools a standing setting is meant for ("for every fine-tune today"), or None for all."""
    return next((tools for words, tools in SCOPES.items()  # "all cots come from organism:anchor": no fine-tune meant
                 if re.search(rf"\b(?:{words})", re.sub(r"\borganism:[\w-]+", " ", text), re.I)), None)


def _settings_said(read_settings, text: str) -> dict:
    key = (read_settings, text)
    if key not in _SAID:
        if len(_SAID) >= 4096:
            _SAID.clear()
        _SAID[key] = read_settings(text)
    return _SAID[key]


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else " ".join(
        part.get("text", "") for part in message.content if isinstance(part, dict))


def _json(message: ToolMessage) -> dict:
    try:
        content = json.loads(_text(message))
    except json.JSONDecodeError:
        return {}
    return content if isinstance(content, dict) else {}


def plural(kind: str) -> str:
    return "dictionaries" if kind == "dictionary" else f"{kind}s"
