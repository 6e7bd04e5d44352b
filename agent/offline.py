"""The offline planner: a LangChain chat model that needs no network and no key.

It plans from the tool registry, the method cards and the dialogue state, so tools
added later are served without code changes. Each message is, in this order:
- an answer to the argument our last reply asked for;
- something about the user ("I'm an expert", "be terse"): acknowledged in one line;
- a question (what a term means, why a sentence scored so, how to read a result, what
  to try next, "explain that"): answered from the cards and the runs' data, no tool;
- a request to see an existing run ("show me the plot"): shown, nothing new runs;
- a rerun ("again with more rollouts"): the earlier run's arguments, changed as asked;
- a request for a tool: the tool whose example requests are closest (MiniLM), with a
  rule for words of a tool's name; arguments from the words, the dialogue state (the
  subject, earlier runs, settings said) and the run store ("the apples chain");
- otherwise a short question naming the two or three likeliest tools.
An expensive tool starts only from a request that clearly asks for it.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from agent import answers, arguments, intents, show
from agent import rerun as rerun_
from agent.dialogue_state import KIND_WORDS, REFERENCES, RUN_ID, DialogueState, RunSeen, from_store
from agent.user_model import UserModel

IDENTITY = (
    "I'm Parley's offline planner: I match your request to the tools' example requests, fill "
    "arguments with simple rules, and answer from the method cards and your runs' data. An LLM "
    "provider (set ANTHROPIC_API_KEY or OPENAI_API_KEY) adds free-form understanding and multi-step plans."
)
MATCH_THRESHOLD = 0.45
EXPENSIVE_THRESHOLD = 0.55  # an expensive tool needs a clearer request than a cheap one
KEYWORD_BONUS = 0.15
KEYWORD_CAP = 0.3
CARRY = ("model", "layers", "prompt", "system", "vector_run", "scale", "metric", "answer", "extractor", "scenario",
         "dataset", "decision", "where")
STICKY = ("answer", "extractor", "model")  # said once, meant for what follows
_WARMING = threading.Lock()


def _content(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else " ".join(
        part.get("text", "") for part in message.content if isinstance(part, dict))


class OfflinePlanner(BaseChatModel):
    """A chat model that routes requests to registry tools without any LLM."""

    tools: list[dict]  # each tool's describe(): name, description, schema, examples, cost
    _example_vectors: Any = PrivateAttr(default=None)
    _keywords: dict = PrivateAttr(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "parley-offline-planner"

    def bind_tools(self, tools: Any, **kwargs: Any):
        return self  # it plans from the registry it was built with

    def warm(self) -> None:
        """Load the embedder and embed the examples now, so the first turn answers at once."""
        self._vectors()

    # --- LangChain entry points ---------------------------------------------------------

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.plan(messages))])

    def _stream(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        message = self.plan(messages)
        pieces = re.findall(r"[^\n]*\n|[^\n]+", message.content) or [""]  # line by line: fast, and keeps the lines
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            chunk = AIMessageChunk(
                content=piece,
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": n}
                    for n, c in enumerate(message.tool_calls)
                ] if last else [],
                response_metadata=message.response_metadata if last else {},
            )
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)

    # --- planning -----------------------------------------------------------------------

    def plan(self, messages: list[BaseMessage]) -> AIMessage:
        user = _user_model(messages)
        last = messages[-1]
        first = not any(isinstance(m, AIMessage) for m in messages)
        state = DialogueState.from_messages(messages[:-1], arguments.read_settings)
        if isinstance(last, ToolMessage):
            return self._reply("answer", self._explain_new(messages, user))
        text = _content(last)
        routed = RUN_ID.sub(" ", text)  # a run id is a reference, never a tool name
        prefix = IDENTITY + "\n\n" if first else ""

        pending = _pending_ask(messages)
        if pending and not intents.is_question_about_result(text) and not intents.definition_asked(text) \
                and not self._route(routed)[1] >= 1.0:  # a new request that names a tool is not an answer
            tool = self._tool(pending["tool"])
            args = dict(pending["args"])
            name = pending["missing"][0]
            spec = tool["schema"]["properties"][name]
            if name.endswith("_run"):
                found = RUN_ID.search(text)
                args[name] = found.group(0) if found else state.reference(name, spec.get("runs_of"), text) or text.strip()
            else:
                args[name] = arguments.coerce(text.strip(), spec)
            return self._call(tool, args, "", state, messages)

        noted = _acknowledge(user, text)
        if intents.about_user_only(text):
            return self._reply("answer", noted or "Noted.")
        route = self._route(routed)
        answer = self._answer(text, routed, state, user, route[1])
        if answer is not None:
            return self._reply("answer", prefix + answer)
        shown = self._show(text, state, route)
        if shown is not None:
            return shown
        if intents.RERUN.search(text) and not state.runs and not route[1] >= 0.75:
            return self._reply("clarify", prefix + "There is no earlier run in this conversation to run again. "
                               "Which experiment do you mean? (`parley runs list` shows the runs of earlier sessions.)")
        missing_input = intents.MISSING_INPUT.search(text) and not re.search(arguments.PATH, text) \
            and not arguments.quoted(text) and not re.search(r":\s", text)
        if (intents.vague(text) or missing_input) and not intents.RERUN.search(text):
            return self._reply("clarify", prefix + self._clarify(route[2], text))
        rerun = rerun_.change(text, state, route, {t["name"]: t for t in self.tools})
        if rerun is not None:
            return self._call(self._tool(rerun[0]), rerun[1], noted, state, messages, prefix=prefix)
        tool, score, ranked = route
        margin = score - ranked[1][0] if len(ranked) > 1 else score
        unclear = tool is not None and tool["cost"] == "expensive" and score < EXPENSIVE_THRESHOLD and margin < 0.12
        if intents.vague(text) or tool is None or unclear:
            return self._reply("clarify", prefix + self._clarify(ranked, text))
        args = self._fill(tool, text, state)
        return self._call(tool, args, noted, state, messages, prefix=prefix)

    def _explain_new(self, messages: list[BaseMessage], user: UserModel) -> str:
        results = []
        for m in reversed(messages):
            if not isinstance(m, ToolMessage):
                break
            try:
                results.append(json.loads(_content(m)))
            except json.JSONDecodeError:
                results.append({"ok": False, "tool": m.name, "error": {"message": _content(m)}})
        return "\n\n".join(answers.explain(r, user) for r in reversed(results)) or "There is no result to explain yet."

    def _reply(self, intent: str, content: str, **meta) -> AIMessage:
        return AIMessage(content=content, response_metadata={"intent": intent, **meta})

    def _call(self, tool: dict, args: dict, noted: str, state: DialogueState, messages, prefix: str = "") -> AIMessage:
        schema = tool["schema"]
        props = schema.get("properties", {})
        missing = [f for f in schema.get("required", []) if f not in args]
        if "__missing__" in args:
            missing = [args.pop("__missing__")] + missing
        if "cot_run" in props and "cot" in props and not missing and not any(
                args.get(k) for k in ("cot", "cot_run", "scenario", "question")):
            missing = ["cot_run"]  # a chain of thought is needed and none is in sight
        lead = prefix + (noted + "\n\n" if noted else "")
        if missing:
            spec = schema["properties"][missing[0]]
            ask = f"To run `{tool['name']}` I need `{missing[0]}` ({spec.get('description', 'no description')}). What should it be?"
            return AIMessage(content=lead + ask, response_metadata={
                "intent": "ask", "pending": {"tool": tool["name"], "args": args, "missing": missing}})
        call = {"name": tool["name"], "args": args, "id": f"offline-{len(messages)}-{tool['name']}", "type": "tool_call"}
        intro = f"Running `{tool['name']}` with {json.dumps(args, ensure_ascii=False)}."
        return AIMessage(content=lead + intro, tool_calls=[call], response_metadata={"intent": "run"})

    def _tool(self, name: str) -> dict:
        return next(t for t in self.tools if t["name"] == name)

    # --- questions and showing ------------------------------------------------------------

    def _answer(self, text: str, routed: str, state: DialogueState, user: UserModel, score: float) -> str | None:
        defined = intents.definition_asked(text)
        kind = intents.is_question_about_result(text)
        if kind == "result" and score >= 0.75 and not intents.CONFIRM.search(text):
            kind = None  # "so which atoms are new in the fine-tune?": a request in a question's words
        if kind is None and text.rstrip().endswith("?") and _numbers_from_results(text, state):
            kind = "result"  # "is 0.08 big?": a number the last results showed
        if not defined and kind is None:
            return None
        if kind == "config":
            return answers.configuration()
        if kind == "meta":
            return answers.meta(text, self.tools)
        if kind == "explain" and not defined and state.runs:
            result = _last_result(state)
            return answers.plain_terms(result, user) if user.expertise != "expert" else answers.explain(result, user)
        parts = []
        if kind == "opinion":
            kind = "result"  # "should I believe that?", "is it broken?": answered from the result and its card
        if kind in ("why", "result", "read") and answers.SENTENCE.search(text):
            parts.append(answers.about_sentence(text, state, user) or "")
        if defined or kind == "difference":
            parts.append(answers.define(text, user) or "")
        if kind == "advice":
            parts.append(answers.advice(state, text) or "")
        if kind == "next":
            parts.append(answers.what_next(state) or "Nothing has run yet: start with a chain of thought, e.g. "
                         "\"generate a chain of thought for: Is 91 prime?\"")
        if kind in ("read", "why", "result") and not any(parts):
            parts.append(answers.how_to_read(state, text) or "")
        parts = [p for p in parts if p]
        if parts:
            return "\n\n".join(parts)
        if kind in ("read", "why", "explain", "result") and not state.runs:
            return "There is no result yet to read. Run an experiment first, e.g. \"generate a chain of thought for: Is 91 prime?\"."
        return ("I can answer from the method cards and your runs' numbers, but I don't have what that question needs "
                "offline. An LLM provider can reason about it freely.")

    def _show(self, text: str, state: DialogueState, route) -> AIMessage | None:
        """A run that already holds what the user asks to see: shown, nothing runs."""
        part = intents.show_request(text)
        if part is None or not state.runs:
            return None
        run = show.named_run(text, state)
        tool, score, ranked = route
        if run is None and tool is not None and part not in ("text",):
            candidates = [t for s, t in ranked[:3] if s >= score - 0.15 and state.last(t["name"]) is not None]
            if candidates:
                same = state.last(candidates[0]["name"])
                said, _ = arguments.read(candidates[0]["schema"].get("properties", {}), text)
                if any(same.args.get(k) != v for k, v in said.items()):
                    return None  # asks for something that run did not measure: a new run
                run = same
            elif part not in ("plot", "sentences") and score >= 0.6:
                return None  # names an experiment that has not run: a new run
        if run is None:
            kind = re.search(r"\b(?:the|that|this)\s+(\w+)\s+(?:run|one)\b", text, re.I)
            subject = state.subject(_kind_of(kind.group(1))) if kind and _kind_of(kind.group(1)) else None
            run = state.get(subject) if subject else None
        run = run or show.run_for(part, state)
        if run is None:
            return None
        body = show.render(run, part, answers.full_results(run.run_id))
        return self._reply("show", body, show={"run_id": run.run_id, "part": part})

    # --- reruns -----------------------------------------------------------------------

    # --- routing ------------------------------------------------------------------------

    def _named_tool(self, text: str) -> dict | None:
        lowered = text.lower()
        return next((t for t in self.tools if re.search(rf"\b{re.escape(t['name'])}\b", lowered)), None)

    def _vectors(self):
        from backends.models import embed

        with _WARMING:  # the warm-up thread and the first turn embed once between them
            if self._example_vectors is None:
                extra = _phrasings()
                self._keywords = {name: (tuple(re.compile(rf"(?<![\w-]){re.escape(k)}" + (r"(?![\w-])" if k[-1].isalnum() else ""))
                                                     for k in table.get("keywords", ())), float(table.get("weight", 1.0)))
                                  for name, table in extra.items()}
                self._example_vectors = [(t, embed(list(t["examples"]) + extra.get(t["name"], {}).get("phrasings", [])
                                                   + extra.get(t["name"], {}).get("requests", []) or [t["description"]]))
                                         for t in self.tools]
        return self._example_vectors

    def _route(self, text: str) -> tuple[dict | None, float, list[tuple[float, dict]]]:
        """The best tool, its score, and every tool ranked."""
        from backends.models import embed

        named = self._named_tool(text)
        vectors = self._vectors()
        original, text = text, _expand(text)
        # The request without its payload ("... for: <question>", quoted text) says which tool.
        request = arguments.QUOTED.sub("", re.sub(r":.*$", "", text, flags=re.S)).strip() or text
        settings_said = re.sub(r"\b(?:(?:use|with|and|using)\s+)?\d+(?:\.\d+)?\s+\w+", "", request).strip() or request
        queries = embed([text, request, settings_said])
        lowered = " " + " ".join(f"{original} {text}".lower().split()) + " "
        ranked = []
        for tool, vecs in vectors:
            # On top of similarity (MiniLM hears mostly the topic): words that point to this
            # tool and no other, said outright; the tool's own name wins.
            keywords, weight = self._keywords.get(tool["name"], ((), 1.0))
            hits = sum(bool(k.search(lowered)) for k in keywords)
            spoken = re.search(rf"\b{tool['name'].replace('_', '[ -]')}s?\b", lowered)  # "receiver heads", "steering sweep"
            score = (float((vecs @ queries.T).max()) + min(KEYWORD_CAP, KEYWORD_BONUS * hits) * weight
                     + (1.0 if tool is named else 0.4 if spoken else 0.0))
            ranked.append((score, tool))
        ranked.sort(key=lambda st: -st[0])
        best_score, best = ranked[0]
        return (best if best_score > MATCH_THRESHOLD else None), best_score, ranked

    def _clarify(self, ranked: list[tuple[float, dict]], text: str) -> str:
        top = [tool for _, tool in ranked[:3]]
        lines = ["I'm not sure which experiment you mean. The closest I have:"]
        lines += [f"- `{t['name']}`{' (expensive: asks before it runs)' if t['cost'] == 'expensive' else ''}: "
                  f"e.g. \"{t['examples'][0] if t['examples'] else t['description']}\"" for t in top]
        lines.append("Say which, or rephrase (F1 or /tools lists every tool).")
        return "\n".join(lines)

    # --- arguments ----------------------------------------------------------------------

    def _fill(self, tool: dict, text: str, state: DialogueState) -> dict:
        """Arguments said in the message, then references to runs, then what carries over."""
        props = tool["schema"].get("properties", {})
        args, said = arguments.read(props, text)
        explicit = RUN_ID.findall(text)
        pointed = re.search(r"\b(?:that|this|the|those|these|its?|last|same)\s+(?:\w+\s+)?(?:chain|cot|reasoning|trace|one)\b", text, re.I)
        for name, spec in props.items():
            if not (name.endswith("_run") or name.endswith("_runs")) or name in args:
                continue
            if name == "other_run":
                pair = _two_of(text, state, spec, explicit)
                if pair:
                    args["dictionary_run"], args[name] = pair
                continue
            if explicit and name.endswith("_run") and name != "base_run":
                args[name] = explicit[0]
                said.append(explicit[0])
                continue
            if name == "more_cot_runs":
                if re.search(r"\b(?:other|reliability|split-half|all (?:the |three |my )?chains)\b", text, re.I):
                    others = [r.run_id for r in state.runs if r.tool == "generate_cot" and r.run_id != args.get("cot_run")]
                    if others:
                        args[name] = others
                continue
            if name.endswith("_runs") or (name == "base_run" and not re.search(r"\b(?:continue|extend|diff|on top of)\b", text, re.I)):
                continue  # optional extras are guessed only when asked for
            if name == "cot_run" and ("scenario" in args or arguments.quoted(text) and "cot" in props and not pointed):
                continue  # pasted text or a scenario is its own chain
            found = state.reference(name, spec.get("runs_of"), text) or from_store(name, spec, text)
            if found:
                args[name] = found
        free = arguments.read_free(props, text, said, tuple(tool["schema"].get("required", [])))
        if args.get("cot_run") and pointed:  # quoted text here names a sentence of that chain, not a new question
            free.pop("question", None)
            free.pop("cot", None)
        args |= {k: v for k, v in free.items() if k not in args}
        if "sentence" in props and "sentence" not in args and re.search(
                r"\b(?:top|most important|biggest|that) sentence\b|\bthe one with the (?:negative|highest|biggest|top|largest)\b", text, re.I):
            top = _top_sentence(state, negative=bool(re.search(r"\bnegative\b", text, re.I)))
            if top is not None:
                args["sentence"] = top
        if "ablate_layers" in props and "layers" in args and "ablate_layers" not in args and re.search(r"\b(?:ablat|project)\w*", text, re.I):
            args["ablate_layers"] = args.pop("layers")  # "ablate PCs 0-2 at layers 15 and 20"
        self._carry(args, props, state, text)
        given = {REFERENCES.get(n, (None,))[0] for n in args} | {n.removesuffix("_file") for n in args} | set(args)
        for name in props:  # "ablate the direction" with no direction in sight: ask, never guess
            kind = REFERENCES.get(name, (None,))[0]
            stem = name.removesuffix("_run")
            if name.endswith("_run") and name not in args and kind and kind not in given and stem not in given \
                    and f"{stem}_file" not in given and re.search(
                    rf"\b(?:the|that|this|my)\s+(?:{KIND_WORDS.get(kind, kind)})\b", text, re.I):
                args.setdefault("__missing__", name)
        return args

    def _carry(self, args: dict, props: dict, state: DialogueState, text: str) -> None:
        """Arguments of the run being discussed that this tool shares, and settings said earlier."""
        subject = _carry_source(state, args)
        if subject is not None:
            for name in CARRY:
                value = subject.args.get(name)
                if value in (None, "", []):
                    continue
                if name in props and name not in args and not _conflicts(name, args):
                    args[name] = value
                plural = name + "s"
                if plural in props and plural not in args and name not in props:
                    if name == "scale":
                        args[plural] = [value]
                    elif name == "prompt":
                        args[plural] = [value]
            if "layers" in args and "layers" in props and subject.tool != "steering_sweep" and _nested(props["layers"]):
                layers = args["layers"]
                if isinstance(layers, list) and len(layers) > 1 and all(isinstance(v, int) for v in layers) \
                        and layers == subject.args.get("layers"):
                    args["layers"] = [layers]  # steered together before: one cell row
        for name in STICKY:
            if name in props and name not in args and name in state.stated:
                args[name] = state.stated[name]


# --- reading the conversation ---------------------------------------------------------------


SHORTHAND = {"alts": "alternatives", "alt": "alternative", "attn": "attention", "ta": "thought anchors", "cot": "chain of thought",
             "em": "emergent misalignment", "ft": "fine-tune", "vec": "vector", "dict": "dictionary", "w/": "with", "pls": "please",
             "sent": "sentence", "resamp": "resample", "heads": "heads"}


def _expand(text: str) -> str:
    """Shorthand spelled out for the embedder: 'alts for s6' -> 'alternatives for sentence 6'."""
    text = re.sub(r"\b[sS](\d+)\b", r"sentence \1", text)
    text = re.sub(r"\bL(\d+)\b", r"layer \1", text)
    return re.sub(r"(?<![\w/])(\w+/?)(?![\w/])", lambda m: SHORTHAND.get(m.group(1).lower(), m.group(1)), text)


def _phrasings() -> dict[str, dict]:
    """More ways of asking for each tool, and its keywords (agent/phrasings.toml)."""
    import tomllib
    from pathlib import Path

    with (Path(__file__).with_name("phrasings.toml")).open("rb") as f:
        return tomllib.load(f)


def _user_model(messages: list[BaseMessage]) -> UserModel:
    for m in messages:
        if isinstance(m, SystemMessage):
            found = re.search(r"User model \(JSON\): (\{.*\})", _content(m))
            if found:
                return UserModel.model_validate_json(found.group(1))
    return UserModel()


def _pending_ask(messages: list[BaseMessage]) -> dict | None:
    """The tool and missing argument our previous reply asked about, if the user is answering it."""
    if len(messages) >= 2 and isinstance(messages[-2], AIMessage):
        return messages[-2].response_metadata.get("pending")
    return None


def _last_result(state: DialogueState) -> dict:
    run = state.runs[-1]
    return {"ok": True, "tool": run.tool, "run_id": run.run_id, "summary": run.summary, "result": run.result,
            "status": run.status}


def _acknowledge(user: UserModel, text: str) -> str:
    if intents.ABOUT_USER.search(text) is None:
        return ""
    if user.expertise == "expert" and re.search(r"\bexpert|researcher|i work on\b", text, re.I):
        return "Noted: you're an expert, so I'll keep explanations terse and skip the basics."
    if user.preferences.detail == "brief":
        return "Noted: short answers, no glossary."
    if user.expertise == "novice":
        return "Noted: I'll explain in plain terms and gloss each technical word."
    if user.preferences.detail == "detailed":
        return "Noted: I'll give more detail."
    if re.search(r"\bquiz me\b", text, re.I):
        return "Noted: I'll ask you to predict results before showing them."
    return "You're welcome." if re.search(r"\bthank", text, re.I) else "Noted."


def _kind_of(word: str) -> str | None:
    from agent.dialogue_state import KIND_WORDS

    return next((kind for kind, words in KIND_WORDS.items() if re.fullmatch(words, word, re.I)), None)


def _numbers_from_results(text: str, state: DialogueState) -> bool:
    """Whether the message quotes a number that an earlier result showed."""
    said = {n.lstrip("+").rstrip("%") for n in re.findall(r"[-+]?\d*\.\d+(?:e-?\d+)?|[-+]?\d+e-?\d+|[-+]?\d+%", text)}
    named = r"(?:layers?|sentences?|seed|rollouts|samples|steps|tokens|atom|k|top|scale|L|S)\s*=?\s*"
    said |= {m.group(1) for m in re.finditer(r"(?<![\w.])(\d{2,})(?![\w.])", text)
             if not re.search(rf"\b{named}{m.group(1)}\b", text, re.I)}
    shown = " ".join(r.summary for r in state.runs[-3:])
    return any(re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", shown) for n in said)


def _two_of(text: str, state: DialogueState, spec: dict, explicit: list[str]) -> tuple[str, str] | None:
    """'match X against Y', 'compare the two dictionaries': (first, second) by run id or order of mention."""
    if len(explicit) >= 2:
        return explicit[0], explicit[1]
    if not re.search(r"\b(?:against|versus|vs\.?|two|both|with the other|between|with the base|compare (?:that|it|this|them) with)\b",
                     text, re.I):
        return None
    tools = spec.get("runs_of") or ["itda_build"]
    runs = [r for r in state.runs if r.tool in tools]
    if len(runs) < 2:
        return None
    lowered = text.lower()

    def mentioned(run: RunSeen) -> int:
        values = [str(v).lower() for v in run.args.values() if isinstance(v, str)]
        places = [m.start() for m in re.finditer(r"[\w.-]{4,}", lowered)
                  if any(v.startswith(m.group(0)) or m.group(0).startswith(v) for v in values if len(v) >= 4)]
        return min(places) if places else 10**6

    if re.search(r"\b(?:that|this|it|these|those)\s+(?:\w+\s+)?(?:with|against|to)\b", text, re.I):
        return runs[-1].run_id, runs[-2].run_id  # "compare that with the base model": the one discussed first
    first, second = sorted(runs[-2:], key=lambda r: (mentioned(r), state.runs.index(r)))
    return first.run_id, second.run_id


def _top_sentence(state: DialogueState, negative: bool = False) -> int | None:
    """The most important (or the negative) sentence of the newest run that ranked sentences (its table, else its summary)."""
    for run in reversed(state.runs):
        rows = [r for r in run.result.get("rows") or [] if isinstance(r, dict) and r.get("index") is not None]
        scored = [r for r in rows if isinstance(r.get("counterfactual_accuracy"), (int, float))]
        if scored and negative:
            scored = [r for r in scored if r["counterfactual_accuracy"] < 0] or scored
        if scored:
            return max(scored, key=lambda r: abs(r["counterfactual_accuracy"]))["index"]
        found = re.search(r"\b(?:S|sentence )(\d+)\b[^S\n]{0,12}?-\d" if negative else r"\b(?:S|sentence )(\d+)\b", run.summary)
        found = found or re.search(r"\b(?:S|sentence )(\d+)\b", run.summary)
        if found and run.tool in ("resample_importance", "receiver_heads", "attention_suppression", "sentence_resilience"):
            return int(found.group(1))
    return None


def _carry_source(state: DialogueState, args: dict) -> RunSeen | None:
    """The newest run worth carrying arguments from: the last run, unless it was a lookup."""
    return next((r for r in reversed(state.runs) if r.tool not in ("recall", "split_sentences")), None)


def _conflicts(name: str, args: dict) -> bool:
    return name == "prompt" and "scenario" in args or name == "vector_run" and "vector_file" in args


def _nested(spec: dict) -> bool:
    return "array" in arguments.item_types(spec) or any(
        s.get("type") == "array" and "anyOf" in s.get("items", {}) for s in spec.get("anyOf", []) + [spec])
