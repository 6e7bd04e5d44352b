"""The offline planner: a LangChain chat model that needs no network and no key.

It plans from the tool registry alone, so tools added later are served without code
changes:
- picks a tool by the embedder's similarity between the message and each tool's example
  requests, after two rules (a tool named outright wins; "explain that" re-explains the
  last result instead of running anything);
- fills arguments from the message by each argument's name in the tool's schema
  ("16 rollouts", "sentence 3", "seed 2", "question: ...", quoted text) and from the
  conversation ("it", "the last chain of thought": the newest run whose result holds
  the field a `*_run` argument points to);
- asks for a required argument it cannot fill, and takes the next message as the answer;
- explains a result from the tool's summary, adapted to the user model in the system prompt.
It says plainly what it is, and what an LLM provider adds.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from agent.user_model import UserModel

IDENTITY = (
    "I'm Parley's offline planner: I match your request to the tools' example requests, fill "
    "arguments with simple rules, and explain results from the tools' summaries. An LLM provider "
    "(set ANTHROPIC_API_KEY or OPENAI_API_KEY) adds free-form understanding, multi-step plans, and "
    "richer explanations."
)
MATCH_THRESHOLD = 0.45
NAME_WORD_BONUS = 0.2
RUN_ID = re.compile(r"\b\d{8}-\d{6}-\w+?-[0-9a-f]{4}\b")
EXPLAIN = re.compile(
    r"\b(explain|what does (that|this|it) mean|what do(es)? (these|those|the) (numbers|results) mean|"
    r"tell me more|why|simpl|like i'?m new|in plain)\w*", re.I)
QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|'([^']{3,})'")
GLOSSARY = {
    "chain of thought": "the step-by-step reasoning text a model writes before giving its answer",
    "sentence": "one step of that reasoning; methods measure how much each step matters",
    "token": "the unit a language model reads and writes, roughly a word piece",
    "seed": "a number that fixes the randomness, so the same request gives the same text again",
    "temperature": "how adventurous sampling is: 0 always picks the likeliest token, higher values vary more",
    "top_p": "sampling only from the likeliest tokens that together hold this share of probability",
    "max_new_tokens": "the most tokens the model may write before it is cut off",
    "run": "a saved experiment: its inputs, versions and full results, readable later by id",
    "\\boxed{}": "the convention for marking the final answer, so it can be read automatically",
    "offsets": "character positions, so each sentence can be located exactly in the original text",
}


def _content(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else " ".join(
        part.get("text", "") for part in message.content if isinstance(part, dict))


class OfflinePlanner(BaseChatModel):
    """A chat model that routes requests to registry tools without any LLM."""

    tools: list[dict]  # each tool's describe(): name, description, schema, examples, cost
    _example_vectors: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "parley-offline-planner"

    def bind_tools(self, tools: Any, **kwargs: Any):
        return self  # it plans from the registry it was built with

    # --- LangChain entry points ---------------------------------------------------------

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.plan(messages))])

    def _stream(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        message = self.plan(messages)
        pieces = re.findall(r"\S+\s*|\s+", message.content) or [""]
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
        first_reply = not any(isinstance(m, AIMessage) for m in messages)
        if isinstance(last, ToolMessage):
            return AIMessage(content=self._explain(messages, user))
        text = _content(last)
        pending = _pending_ask(messages)
        tool, args = None, {}
        named = self._named_tool(text)
        if pending and not named and not EXPLAIN.search(text):
            tool, args = self._tool(pending["tool"]), dict(pending["args"])
            args[pending["missing"][0]] = _coerce(text.strip(), self._schema_of(tool)["properties"][pending["missing"][0]])
        elif named:
            tool = named
        elif EXPLAIN.search(text) and _tool_results(messages):
            return AIMessage(content=self._explain(messages, user, again=True))
        else:
            tool = self._closest_tool(text)
        if tool is None:
            return AIMessage(content=self._fallback(first_reply))
        args = {**self._fill(tool, text, messages), **args}
        missing = [f for f in self._schema_of(tool).get("required", []) if f not in args]
        if missing:
            spec = self._schema_of(tool)["properties"][missing[0]]
            ask = f"To run `{tool['name']}` I need `{missing[0]}` ({spec.get('description', 'no description')}). What should it be?"
            return AIMessage(content=(IDENTITY + "\n\n" if first_reply else "") + ask,
                             response_metadata={"pending": {"tool": tool["name"], "args": args, "missing": missing}})
        call = {"name": tool["name"], "args": args, "id": f"offline-{len(messages)}-{tool['name']}", "type": "tool_call"}
        intro = f"Running `{tool['name']}` with {json.dumps(args, ensure_ascii=False)}."
        return AIMessage(content=(IDENTITY + "\n\n" if first_reply else "") + intro, tool_calls=[call])

    def _tool(self, name: str) -> dict:
        return next(t for t in self.tools if t["name"] == name)

    @staticmethod
    def _schema_of(tool: dict) -> dict:
        return tool["schema"]

    def _named_tool(self, text: str) -> dict | None:
        lowered = text.lower()
        for tool in self.tools:
            if re.search(rf"\b{re.escape(tool['name'])}\b", lowered):
                return tool
        return None

    def _closest_tool(self, text: str) -> dict | None:
        from backends.models import embed

        if self._example_vectors is None:
            self._example_vectors = [(t, embed(list(t["examples"]) or [t["description"]])) for t in self.tools]
        # The request without its payload ("... for: <question>", quoted text) says which tool.
        request = QUOTED.sub("", re.sub(r":.*$", "", text, flags=re.S)).strip() or text
        settings_said = re.sub(r"\b(?:(?:use|with|and|using)\s+)?\d+(?:\.\d+)?\s+\w+", "", request).strip() or request
        queries = embed([text, request, settings_said])
        said = set(re.findall(r"[a-z]{3,}", text.lower()))
        words = {w[:5] for w in said}
        stems = [w[:5] for t in self.tools for w in t["name"].split("_") if len(w) >= 3]
        verbs = [t["name"].split("_")[0][:5] for t in self.tools]
        best, score = None, MATCH_THRESHOLD
        for tool, vectors in self._example_vectors:
            # Rule on top of similarity: a word that names this tool alone ("split",
            # "generate") said outright is strong evidence; MiniLM hears mostly the topic.
            # A word two tools share counts, said exactly, for the one tool it begins
            # ("generate": generate_cot over steer_generate).
            named = sum(w[:5] in words and (stems.count(w[:5]) == 1 or (i == 0 and w in said and verbs.count(w[:5]) == 1))
                        for i, w in enumerate(tool["name"].split("_")) if len(w) >= 3)
            similarity = float((vectors @ queries.T).max()) + NAME_WORD_BONUS * named
            if similarity > score:
                best, score = tool, similarity
        return best

    def _fill(self, tool: dict, text: str, messages: list[BaseMessage]) -> dict:
        """Arguments named in the message, then references to earlier runs."""
        props = self._schema_of(tool).get("properties", {})
        args: dict = {}
        said: list[str] = []  # phrases that set an argument ("with 48 tokens"), kept out of free text
        quoted = next((next(g for g in m.groups() if g) for m in QUOTED.finditer(text)), None)
        for name, spec in props.items():
            kinds = _types(spec)
            if name in ("question", "query", "prompt", "text"):
                continue  # free text: filled last, without the phrases that set other arguments
            if "string" in kinds and spec.get("examples"):  # a named choice: "the hint-capital scenario", "clean"
                named = next((e for e in spec["examples"] if re.search(rf"\b{re.escape(str(e))}\b", text, re.I)), None)
                if named is not None:
                    args[name] = named
                    said.append(named)
            elif name == "insert" and quoted:  # "insert 'My primary goal is survival.' after sentence 2"
                args[name] = quoted
            elif name == "model":
                named = re.search(r"\b(tiny-random|smollm2-135m)\b|\bmodel\s+([\w./-]+/[\w.-]+)", text)
                if named:
                    args[name] = named.group(1) or named.group(2)
                    said.append(named.group(0))
            elif name.endswith("_run"):
                explicit = RUN_ID.search(text)
                wanted = name.removesuffix("_run")
                if explicit:
                    args[name] = explicit.group(0)
                    said.append(explicit.group(0))
                elif not (quoted and wanted in props) and "scenario" not in args:  # a named scenario has its own prompt
                    run = (_latest_run_of(messages, spec["runs_of"]) if spec.get("runs_of")
                           else _latest_run_with(messages, wanted))
                    if run:
                        args[name] = run
            elif "string" in kinds and f"{name}_run" in props and quoted:
                args[name] = quoted
            elif "string" in kinds and f"{name}_run" not in props:  # "answer 21", "extractor: last_number"
                found = re.search(rf"\b{re.escape(name)}\s*(?:=|:|is)?\s*(\"[^\"]+\"|[\w./:<>-]+)", text, re.I)
                if found and found.group(1).lower() not in ("the", "a", "an", "of", "to"):
                    args[name] = found.group(1).strip('"').rstrip(".,")
                    said.append(found.group(0))
            elif "array" in kinds and _item_types(spec) & {"integer", "number"}:  # "layers 10 and 14"
                found = _numbers_for(name, text)
                if found is not None:
                    values, phrase = found
                    args[name] = [int(v) if "integer" in _item_types(spec) and float(v).is_integer() else float(v)
                                  for v in values]
                    said.append(phrase)
            elif kinds & {"integer", "number"}:
                found = _number_for(name, text)
                if found is not None:
                    value, phrase = found
                    args[name] = int(value) if "integer" in kinds and float(value).is_integer() else float(value)
                    said.append(phrase)
            elif "boolean" in kinds and spec.get("default") is False and re.search(rf"\b{re.escape(name)}\b", text, re.I):
                args[name] = True  # "list the atoms the fine-tune added": added
            elif "enum" in spec:
                for option in spec["enum"]:
                    if re.search(rf"\b{re.escape(str(option))}\b", text, re.I):
                        args[name] = option
        for free in ("question", "prompt", "text"):
            if free in props:
                colon = re.search(rf"(?:for|{free}|about|on|to)\s*:\s*(.+)$", text, re.I | re.S)
                if not colon and free != "question":  # "which atoms does this use: The cat sat."
                    colon = re.search(r":\s*(.+)$", text, re.S)
                value = quoted or (colon and _without(colon.group(1), said))
                if value:
                    args[free] = value
        if "query" in props:  # a search: the topic after "about", else the whole message
            topic = re.search(r"\b(?:about|for|on|regarding)\b\s+(.+)$", text, re.I | re.S)
            args["query"] = quoted or _without(topic.group(1) if topic else text, said).rstrip("?")
        return args

    def _explain(self, messages: list[BaseMessage], user: UserModel, again: bool = False) -> str:
        results = _tool_results(messages) if again else _tool_results(messages, since_last_ai=True)
        if again:
            results = results[-1:]
        parts = []
        for result in results:
            tool = next((t for t in self.tools if t["name"] == result.get("tool")), None)
            parts.append(_explanation(result, tool, user))
        if again and user.expertise == "novice":
            parts.append("(Offline planner: this explanation comes from the tool's own summary and a small glossary. "
                         "An LLM provider could answer follow-up questions about it in your own words.)")
        return "\n\n".join(parts) or "There is no result to explain yet."

    def _fallback(self, first_reply: bool) -> str:
        lines = [IDENTITY, "", "I couldn't match that to a tool. Here is what I can run, with an example request each:"]
        lines += [f"- `{t['name']}` ({t['cost']}): {t['description']} e.g. \"{t['examples'][0]}\"" for t in self.tools if t["examples"]]
        return "\n".join(lines)


# --- reading the conversation ---------------------------------------------------------------


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


def _tool_results(messages: list[BaseMessage], since_last_ai: bool = False) -> list[dict]:
    results = []
    for m in reversed(messages):
        if isinstance(m, ToolMessage):
            try:
                results.append(json.loads(_content(m)))
            except json.JSONDecodeError:
                results.append({"ok": False, "tool": m.name, "error": {"message": _content(m)}})
        elif since_last_ai and isinstance(m, (AIMessage, HumanMessage)) and not getattr(m, "tool_calls", None):
            break
    return list(reversed(results))


def _latest_run_with(messages: list[BaseMessage], key: str) -> str | None:
    for result in reversed(_tool_results(messages)):
        if result.get("ok") and key in (result.get("result") or {}):
            return result.get("run_id")
    return None


def _latest_run_of(messages: list[BaseMessage], tools: list[str]) -> str | None:
    """The newest successful run of one of `tools` (a field's schema names them in `runs_of`)."""
    for result in reversed(_tool_results(messages)):
        if result.get("ok") and result.get("tool") in tools:
            return result.get("run_id")
    return None


def _types(spec: dict) -> set[str]:
    kinds = {spec.get("type")} | {s.get("type") for s in spec.get("anyOf", [])}
    return {k for k in kinds if k}


def _without(text: str, phrases: list[str]) -> str:
    """Free text minus trailing phrases that set other arguments ("..., with 48 tokens using tiny-random")."""
    text = text.strip()
    changed = True
    while changed and phrases:
        changed = False
        for phrase in phrases:
            trimmed = re.sub(rf"[\s,;]*(?:\b(?:with|using|and|on|at|in)\b\s*)*(?:the\s+)?{re.escape(phrase)}[\s.,;]*$", "", text, flags=re.I)
            if trimmed != text:
                text, changed = trimmed, True
    return text.strip()


def _number_for(name: str, text: str) -> tuple[str, str] | None:
    """'16 rollouts', 'rollouts: 16', 'sentence 3', '64 tokens' for max_new_tokens: (number, phrase)."""
    words = {name, name.replace("_", " "), name.split("_")[-1]}
    words |= {w.rstrip("s") for w in words} | {w + "s" for w in words if not w.endswith("s")}
    alternatives = "|".join(sorted((re.escape(w) for w in words if len(w) > 2), key=len, reverse=True))
    if not alternatives:  # a one-letter name ("k") cannot be recognised in prose
        return None
    number = r"(-?\d+(?:\.\d+)?)"
    for pattern in (rf"\b{number}\s+(?:{alternatives})\b", rf"\b(?:{alternatives})\s*(?:=|:|of|is|to)?\s*{number}"):
        found = re.search(pattern, text, re.I)
        if found:
            return found.group(1), found.group(0)
    return None


def _item_types(spec: dict) -> set[str]:
    """The element types of an array argument (or of the array branch of an optional one)."""
    arrays = [spec] if spec.get("type") == "array" else [s for s in spec.get("anyOf", []) if s.get("type") == "array"]
    kinds: set[str] = set()
    for array in arrays:
        items = array.get("items", {})
        kinds |= _types(items)
    return kinds


def _numbers_for(name: str, text: str) -> tuple[list[str], str] | None:
    """'layers 10 and 14', 'scales: 0.5, 1, 2', 'layer 12': (numbers, phrase)."""
    words = {name, name.rstrip("s"), name.replace("_", " ")}
    alternatives = "|".join(sorted((re.escape(w) + "s?" for w in words if len(w) > 2), key=len, reverse=True))
    number = r"-?\d+(?:\.\d+)?"
    # A later number in the list must not be the count of something else ("scales 0.5 and 8, 1 sample").
    other = r"(?!\s+(?!(?:using|with|and|on|at|in|for|to|of|the|then)\b)[a-z])"
    found = re.search(rf"\b(?:{alternatives})\s*(?:=|:|of)?\s*({number}(?:\s*(?:,|and|&)\s*{number}{other})*)", text, re.I)
    if not found:
        return None
    return re.findall(number, found.group(1)), found.group(0)


def _coerce(text: str, spec: dict) -> Any:
    kinds = _types(spec)
    number = re.search(r"-?\d+(?:\.\d+)?", text)
    if "integer" in kinds and number:
        return int(float(number.group(0)))
    if "number" in kinds and number:
        return float(number.group(0))
    return text.strip().strip("\"'")


def _explanation(result: dict, tool: dict | None, user: UserModel) -> str:
    name = result.get("tool") or (tool or {}).get("name", "the tool")
    if not result.get("ok"):
        message = (result.get("error") or {}).get("message", "unknown error")
        return f"`{name}` did not run: {message}. Tell me the value to use and I'll try again."
    summary = result.get("summary", "").strip()
    run = f"(run `{result.get('run_id')}`)"
    if user.expertise == "expert" or user.preferences.detail == "brief":
        return f"{summary} {run}"
    if user.expertise == "novice":
        what = (tool or {}).get("description", "")
        lines = [f"In plain terms: I used `{name}`, which does this: {what}", "", "What came out:", summary, ""]
        text = (summary + " " + what).lower()
        glossed = [(term, meaning) for term, meaning in GLOSSARY.items()
                   if term in text.replace("chain-of-thought", "chain of thought") and term not in user.known_concepts]
        if glossed:
            lines.append("Words worth knowing:")
            lines += [f"- **{term}**: {meaning}" for term, meaning in glossed]
        lines.append(f"\nEverything is saved {run}, so you can come back to it.")
        return "\n".join(lines)
    detail = ""
    if user.preferences.detail == "detailed":
        scalars = {k: v for k, v in (result.get("result") or {}).items() if isinstance(v, (int, float, str)) and len(str(v)) < 80}
        detail = "\n" + "\n".join(f"- {k}: {v}" for k, v in scalars.items())
    return f"{summary}{detail}\n{run}"
