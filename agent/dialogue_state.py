"""What the conversation is about: the subject, each tool's last run, the settings said.

Read from the messages of the conversation alone, so the offline planner and the LLM
path see the same state, and a resumed session rebuilds it exactly:
- every run so far, oldest first, with the arguments it really ran with (a tool
  result carries them, so an edit made at approval time is what a rerun keeps);
- the current subject: the chain, vector, fine-tune, dictionary, evaluation or
  direction the newest run made or used; "it", "that", "the chain" resolve to it;
- the settings the user stated ("4 rollouts", "answer 24", "last number as the
  answer", "layer 12, strength 6"), the newest value of each.
A reference the runs in sight cannot resolve is checked in agent/referents.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.descriptions import OWNED, describe_match, from_nth, nth_described, spelled_ordinals, unowned
from agent import run_times
from agent.referents import Referents
from agent.run_kinds import KIND_WORDS, PRODUCES, REFERENCES, RUN_ID, TOOL_WORDS, TOOLS_OF_KIND, kind_of

NAMED_AS = {"scale": "strength", "scales": "strength", "rollouts": "rollout", "max_new_tokens": "tokens", "temperature": "temp"}

BUILT_IN = ("smollm2-135m", "tiny-random")
SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([mb])(?![\w.])", re.I)  # a model's size in its name: "1.5b", "135m"
AFTER = r"(?<![\w./:-]){}(?![\w-]|\.\w)"  # a model's name as a whole word: not inside "r1-llama-8b" nor a path
# Words a summary may say of a model in brackets after its name ("r1-qwen-1.5b (R1 distill, vLLM server; ...)"), by which
# a person may call it; other words there ("(layer 0 excluded)") describe the run, not the model
DESCRIBING = frozenset("distill distilled base instruct chat reasoning reasoner math coder vllm sglang ndif nnsight server served remote "
                       "local gpu tuned fine-tuned".split())


def model_words(name: str, summaries: Iterable[str]) -> set[str]:
    """The words a person shortens a model's name to: its own words and size ("llama", "8b"), and what summaries say of it."""
    own = name.rstrip("/").rsplit("/", 1)[-1]  # "google/gemma-2-2b-it", "/models/gemma-2-2b": the model's own name, not its place
    words = {w.lower() for w in re.split(r"[-_\s]+", own) if len(w) >= 3 and w.isalpha() or re.fullmatch(r"[a-z]\d", w, re.I) or SIZE.fullmatch(w)}  # "r1"
    for summary in summaries:
        said = re.search(AFTER.format(re.escape(name)) + r"\s*\(([^);]*)", summary or "", re.I)
        if said:  # "r1-qwen-1.5b (R1 distill, vLLM server; ...)"
            words |= {w.lower() for w in re.findall(r"[A-Za-z][\w.-]+", said.group(1)) if w.lower() in DESCRIBING}
    return words


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
        greedy = " greedy" if single.get("temperature") == 0 else ""  # "the greedy one": decoded at temperature 0
        sizes = "".join(f" {size}" for size in self.sizes())  # "the 135m one"
        model = self.args.get("model")  # "the llama one", "the gemma eval", "the distill chain": words of its model's name
        named = "".join(f" {w}" for w in model_words(model, [self.summary or ""]) - set(self.sizes())) if isinstance(model, str) and model.lower() not in BUILT_IN else ""
        return f"{self.about()} {self.tool.replace('_', ' ')} {settings} {counts}{when}{seeded}{greedy}{sizes}{named}"

    def sizes(self) -> list[str]:
        """The size of the model it ran on, as a person names it ("135m", "1.5b"): from its model, else its summary's."""
        model = str(self.args.get("model") or "") or " ".join(re.findall(r"\b(?:of|on|from|for)\s+([\w./-]*\d[mb]\b[\w./-]*)", self.summary or "", re.I))
        return re.findall(r"(?<![\d.])(\d+(?:\.\d+)?[mb])(?![a-z0-9])", model.lower())

    def seed(self) -> int | None:
        """The seed it ran with: its arguments', else the one its summary reports (a default seed is not in the arguments)."""
        if isinstance(self.args.get("seed"), int):
            return self.args["seed"]
        said = re.search(r"\bseed[\s=:-]*(\d+)\b", self.summary or "", re.I)
        return int(said.group(1)) if said else None


@dataclass
class DialogueState(Referents):
    runs: list[RunSeen] = field(default_factory=list)
    stated: dict = field(default_factory=dict)  # setting -> newest value the user said
    # settings said as standing ("seed 3 for every fine-tune today", "temperature 0.8 from now on"):
    # setting -> (value, the tools meant, or None for all)
    standing: dict = field(default_factory=dict)
    replies: list[str] = field(default_factory=list)  # what the assistant said in words, oldest first
    noted: list[tuple[str, int]] = field(default_factory=list)  # user turns answered in words, no run: (text, runs before it)
    organisms: dict = field(default_factory=dict)  # the zoo's organisms, name -> what it is: "the anchor organism" is organism:anchor, built or not
    configured: list[str] = field(default_factory=list)  # the names of the `models` setting: "on llama-8b" names one (agent/model_names.py)
    # the newest tool call, when it failed and no run came after it: no run id, its summary "Failed: <the error>"
    # ("fine, use the max" right after "max_new_tokens must be between 1 and 8192" reruns it; agent/after_failure.py)
    failed: RunSeen | None = None

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
                if not m.tool_calls and message_text(m).strip():
                    state.replies.append(message_text(m))
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
                    state.failed = None
                elif content.get("ok") is False and (content.get("error") or {}).get("type") != "Denied":
                    name = content.get("tool") or m.name or call.get("name", "")
                    state.failed = RunSeen(run_id="", tool=name, args=call.get("args") or {}, ok=False, status="failed",
                                           summary=f"Failed: {(content.get('error') or {}).get('message', '')}",
                                           defaults=(defaults or {}).get(name, {}), asked=RUN_ID.sub(" ", asked)[:200])
            elif isinstance(m, HumanMessage):
                if asked and not ran:
                    state.noted.append((asked, len(state.runs)))
                asked, ran = message_text(m), False
            if isinstance(m, HumanMessage) and read_settings is not None:
                said = _settings_said(read_settings, message_text(m))
                state.stated.update(said)
                if said and STANDING.search(message_text(m)):
                    state.standing.update({k: (v, scope_of(message_text(m))) for k, v in said.items()})
        if asked and not ran and messages and isinstance(messages[-1], AIMessage):
            state.noted.append((asked, len(state.runs)))
        return state

    # --- lookups --------------------------------------------------------------------

    def last(self, tool: str | None = None) -> RunSeen | None:
        return next((r for r in reversed(self.runs) if tool is None or r.tool == tool), None)

    def attempt(self) -> RunSeen | None:
        """The newest tool call: the one that failed when nothing ran after it, else the newest run."""
        return self.failed or self.last()

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

    def built_organisms(self) -> list[str]:
        """The names of the organisms built in this conversation, in order (a name twice when built twice)."""
        return [r.args["name"] for r in self.runs if r.tool == "build_organism" and r.args.get("name")]

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
        timed = run_times.picked(text, words, candidates, self.runs)  # "yesterday's chain", "the fine-tune from the 14th"
        if timed and len(timed) == 1:
            return timed[0].run_id
        candidates = timed or candidates
        if (left := self.remaining(field_name, candidates, text, words)) is not None:
            return left.run_id  # "and the remaining fine-tune", "the one we haven't swept yet"
        ordinal = next((m for m in re.finditer(rf"\b(first|second|third|last|latest|(?<=the )(?:new|newest)|previous|other|earlier|older|original|penultimate)\s+(?:of the two\s+)?(?:{words}|one|run|build)s?\b|(?<=the )(older|earlier|newer|later) of the two\b", text, re.I)
                        if not ((owner := OWNED.search(text[:m.start()])) and not re.match(rf"(?:{words})", owner.group(1), re.I)
                                and not re.search(r"\bof\s", owner.group(0)))), None)
        # "the direction from the first fine-tune": its source (not "the dictionary from the first build", "a sweep of the second vector")
        if ordinal and len(candidates) > 1:
            which = (ordinal.group(1) or ordinal.group(2)).lower()
            if which in ("first", "earlier", "older", "original"):
                return candidates[0].run_id
            if which in ("second", "third", "penultimate"):  # "the chain before the last one" is the penultimate
                return candidates[{"second": min(len(candidates) - 1, 1), "third": min(len(candidates) - 1, 2), "penultimate": -2}[which]].run_id
            if which == "other":
                subject = self.in_use(kind) if kind else None
                others = [r for r in candidates if r.run_id != subject]
                return (others or candidates)[-1].run_id
            return candidates[-1].run_id
        placed = self.placed_before(text, words, candidates)  # "the vector from before the fine-tune"
        if placed is not None:
            return placed.run_id
        described = nth_described(text, candidates, self.runs, words) or from_nth(text, candidates, self.runs) or \
            describe_match(unowned(text, words), candidates, self.runs)  # "the first apples chain", "the direction from the first fine-tune"
        if described:
            return described.run_id
        subject = self.subject(kind) if kind else None
        if subject and any(r.run_id == subject for r in candidates):
            return subject
        return candidates[-1].run_id

    def placed_before(self, text: str, words: str, candidates: list[RunSeen]) -> RunSeen | None:
        """'the vector from before the fine-tune', 'the chain before the hexagon one': the newest of `candidates` made
        before the one run the words name (a kind or a tool with one run here, or one of `candidates` described)."""
        before = re.search(rf"\b(?:{words}|one)\s+(?:(?:from|made|built|sampled|trained)\s+)?before\s+(?:the|that|this|our|my)\s+"
                           r"(?!(?:last|latest|newest)\b)([\w-]+)(?:\s+(one|run))?\b", text, re.I)
        if before is None:
            return None
        word, described = before.group(1), bool(before.group(2))
        if described:  # "before the hexagon one": one of the candidates, described
            mark = describe_match(f"the {word} one", candidates, self.runs)
        else:  # "before the fine-tune" (an organism is one too), "before the sweep": the one such run here
            kind = kind_of(word) or ""
            tools = TOOLS_OF_KIND.get(kind, frozenset()) | ({"build_organism"} if kind == "fine-tune" else set()) or TOOL_WORDS.get(word.lower().rstrip("s"), ())
            marks = [r for r in self.runs if r.tool in tools]
            mark = marks[0] if len(marks) == 1 else None  # two sweeps: "before the sweep" places nothing
        earlier = [r for r in candidates if mark is not None and self.runs.index(r) < self.runs.index(mark)]
        return earlier[-1] if earlier else None

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


def message_text(message: BaseMessage) -> str:
    """A message's text, whether its content is a string or a list of parts."""
    return message.content if isinstance(message.content, str) else " ".join(
        part.get("text", "") for part in message.content if isinstance(part, dict))


def _json(message: ToolMessage) -> dict:
    try:
        content = json.loads(message_text(message))
    except json.JSONDecodeError:
        return {}
    return content if isinstance(content, dict) else {}
