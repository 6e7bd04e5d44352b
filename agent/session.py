"""One conversation: its provider, graph, SQLite checkpoints, dialogue log and memory.

`Session.open(...)` starts a new session or resumes one by id (after exit, or after the
process was killed mid-turn). `session.turn(text, ...)` runs one user turn to the end,
answering approvals and predictions through callbacks, and streaming tokens and
progress through others.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.types import Command

from agent.checkpoints import compact, prune
from agent.dialogue_log import DialogueLog, new_session_id
from agent.graph import build_graph
from agent.log_sessions import resolve_session
from agent.nodes import Nodes
from agent.offline import OfflinePlanner
from agent.redaction import RedactingSerializer
from agent.session_lock import SessionLock
from agent.user_model import UserModel, UserModelUpdate, set_field
from backends.core import llm as llms
from backends.core.seeds import DEFAULT_SEED
from backends.core.settings import Settings, get_settings, private_home
from tools import REGISTRY

Approve = Callable[[dict], dict]  # {"tool", "args", ...} -> {"action": approve|deny|edit, "args"?, "source"?}
Predict = Callable[[dict], Any]  # {"question", "options", ...} -> the user's answer, or None to skip

# Who decided an approval: "user" (a person answered; a decision without a source counts as
# the user's), "flag" (`--yes` approved it), "automatic" (nobody to ask and no --yes: denied).
APPROVAL_SOURCES = ("user", "flag", "automatic")
REPAIR_ROWS = 256  # turn texts memory takes back from the log per open (a kill loses one turn; a lost store, all)


def deny_all(request: dict) -> dict:
    """No terminal to ask and no --yes: deny, and say it was automatic."""
    return {"action": "deny", "source": "automatic"}


def approve_all(request: dict) -> dict:
    """`--yes`: approve, and say the flag did."""
    return {"action": "approve", "source": "flag"}


def skip_prediction(request: dict) -> None:
    return None


@dataclass
class TurnResult:
    session: str
    turn: int
    reply: str
    tool_calls: list[dict] = field(default_factory=list)
    user_model: dict = field(default_factory=dict)
    shown: list[dict] = field(default_factory=list)  # existing runs the reply shows ({"run_id", "part"}); nothing ran
    intent: str | None = None  # the offline planner's reading of the turn: run, answer, show, clarify, ask
    predictions: list[dict] = field(default_factory=list)  # this turn's: question, answer, actual, correct

    def to_json(self) -> dict:
        return {"session": self.session, "turn": self.turn, "reply": self.reply,
                "tool_calls": self.tool_calls, "user_model": self.user_model, "shown": self.shown, "intent": self.intent,
                "predictions": self.predictions}


def registry_tools() -> list:
    """Every registry tool as a LangChain tool spec (name, description, JSON schema)."""
    from tools.cards import card

    def described(t) -> str:
        c = card(t.name)
        return t.description + (f"\n{c.compact()}" if c else "")

    return [{"type": "function", "function": {"name": t.name, "description": described(t), "parameters": t.schema()}}
            for t in REGISTRY.values()]


class Session:
    def __init__(self, session_id: str, provider: str, settings: Settings, llm: Any, structured: Any):
        self.id = session_id
        self.provider = provider
        self.settings = settings
        self.stop = threading.Event()
        self.log = DialogueLog(settings.home, session_id, secrets=llms.secrets())
        private_home(settings.home)  # 0700, and umask 077: the checkpoints below are created 0600
        from langgraph.checkpoint.sqlite import SqliteSaver

        self._conn = sqlite3.connect(settings.home / "sessions.sqlite", check_same_thread=False)
        self.nodes = Nodes(llm=llm, log=self.log, provider=provider, max_retries=settings.llm_max_retries,
                           structured=structured, should_stop=self.stop.is_set, settings=settings)
        self.graph = build_graph(self.nodes, SqliteSaver(self._conn, serde=RedactingSerializer()))  # no secret reaches a checkpoint
        self.config = {"configurable": {"thread_id": session_id}}

    @classmethod
    def open(cls, session_id: str | None = None, provider: str | None = None, settings: Settings | None = None) -> "Session":
        settings = settings or get_settings()
        if session_id is not None:  # an id, or `last` / `latest`: the one resolver every --session uses
            session_id = resolve_session(settings.home, session_id)
        resumed = session_id is not None
        session_id = session_id or new_session_id(settings.home)
        if resumed and provider is None:
            provider = _logged_provider(settings, session_id)
        name = llms.resolve_provider(settings, provider)
        if name == "offline":
            llm, structured = OfflinePlanner(tools=[t.describe() for t in REGISTRY.values()]), None
        else:
            base = llms.chat_model(settings, name)
            llm = base.bind_tools(registry_tools())
            # Forced tool calls are the portable way for OpenAI-compatible servers; current
            # Claude models refuse forced tool choice, so Anthropic gets a JSON schema.
            method = {"method": "function_calling"} if name == "openai" else {"method": "json_schema"}
            structured = base.with_structured_output(UserModelUpdate, **method)
        lock = SessionLock.acquire(settings.home, session_id)  # one Parley per session: waits, then refuses
        try:
            session = cls(session_id, name, settings, llm, structured)
        except BaseException:
            lock.release()
            raise
        session._lock = lock
        try:
            if not resumed:
                session.log.start(provider=name, model=llms.model_name(settings, name), settings=settings,
                                  seed=DEFAULT_SEED, subject_model=settings.model)
            else:
                session._close_dangling_tool_calls()
                prune(session.graph.checkpointer, session_id)  # a store from before pruning shrinks on resume
                compact(session._conn)
                session._repair_memory()
        except BaseException:
            session.close()  # and the lock with it
            raise
        session._resumed = resumed
        return session

    # --- state --------------------------------------------------------------------------

    @property
    def state(self) -> dict:
        return self.graph.get_state(self.config).values or {}

    @property
    def user_model(self) -> UserModel:
        return UserModel.model_validate(self.state.get("user_model") or {})

    def warm(self) -> None:
        """Load what the first turn needs now (the offline planner's embedder, about 5-13 s cold).

        The app calls this in the worker that opened the session, before the user's first
        message; in the same thread, so no two threads import torch at once."""
        if isinstance(self.nodes.llm, OfflinePlanner):
            try:
                self.nodes.llm.warm()
            except Exception:  # the first turn loads it again and says what fails
                pass

    def correct_user_model(self, key: str, value: str, source: str = "cli") -> UserModel:
        """The user corrects a belief; the agent sees it next turn and the log keeps it."""
        model, old, new = set_field(self.user_model, key, value)
        self.graph.update_state(self.config, {"user_model": model.model_dump()}, as_node="user_model")
        self.log.append("user_model_correction", field=key, old=old, new=new, source=source)
        prune(self.graph.checkpointer, self.id)
        return model

    def _close_dangling_tool_calls(self) -> None:
        """A turn killed mid-tool leaves calls without results; providers reject such histories."""
        messages = self.state.get("messages", [])
        answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
        last_ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
        if last_ai is None:
            return
        missing = [c for c in last_ai.tool_calls if c["id"] not in answered]
        if missing:
            closing = [ToolMessage(content='{"ok": false, "error": {"type": "Interrupted", "message": '
                                           '"the session stopped before this tool finished; its run is kept as partial"}}',
                                   tool_call_id=c["id"], name=c["name"]) for c in missing]
            self.graph.update_state(self.config, {"messages": closing, "pending": []}, as_node="reveal")
            self.log.append("error", turn=self.log.next_turn() - 1, kind="interrupted",
                            message=f"closed {len(missing)} tool call(s) left open when the session stopped")

    # --- one turn -----------------------------------------------------------------------

    def turn(
        self,
        text: str,
        *,
        approve: Approve = deny_all,
        predict: Predict = skip_prediction,
        on_token: Callable[[str], None] = lambda t: None,
        on_progress: Callable[[dict], None] = lambda p: None,
        on_tool_start: Callable[[dict], None] = lambda call: None,
        on_tool: Callable[[dict], None] = lambda c: None,
    ) -> TurnResult:
        self.stop.clear()
        if getattr(self, "_resumed", False):
            self.log.append("session_resume", provider=self.provider)
            self._resumed = False
        turn = self.log.next_turn()
        self.nodes.turn = turn
        self.log.append("user_message", turn=turn, text=text)
        start = self.state  # each read loads the whole checkpoint: twice a turn
        before, asked_before = len(start.get("messages", [])), len(start.get("predictions", []))
        payload: Any = {"messages": [HumanMessage(text)]}
        streamed: list = []  # ids of the streamed messages' chunks
        while True:
            interrupted = None
            for mode, data in self.graph.stream(payload, self.config, stream_mode=["messages", "custom", "updates"]):
                if mode == "messages":
                    chunk, meta = data
                    if meta.get("langgraph_node") == "assistant" and isinstance(chunk, AIMessageChunk) and chunk.text:
                        if streamed and chunk.id != streamed[-1]:
                            on_token("\n\n")  # a new message (the explanation after a tool) starts apart
                        streamed.append(chunk.id)
                        on_token(str(chunk.text))
                elif mode == "custom" and isinstance(data, dict) and data.get("kind") == "progress":
                    on_progress(data)
                elif mode == "updates" and "__interrupt__" in data:
                    interrupted = data["__interrupt__"][0].value
                elif mode == "updates" and data.get("assistant"):
                    for message in data["assistant"].get("messages", []):
                        for call in getattr(message, "tool_calls", []):
                            on_tool_start(call)
                elif mode == "updates" and "tools" in data:
                    for item in (data["tools"] or {}).get("pending", []):
                        on_tool(item["content"])
            if interrupted is None:
                break
            answer = approve(interrupted) if interrupted["kind"] == "approval" else predict(interrupted)
            payload = Command(resume="" if answer is None else answer)  # langgraph cannot resume with None: "" is a skip
        prune(self.graph.checkpointer, self.id)  # resume needs the newest checkpoint only: the store stays bounded
        end = self.state
        messages = end.get("messages", [])[before:]
        reply = "\n\n".join(str(m.text) for m in messages if isinstance(m, AIMessage) and m.text)
        calls = []
        for m in messages:
            if isinstance(m, ToolMessage):
                content = json.loads(m.content)
                call = next(c for a in messages if isinstance(a, AIMessage) for c in a.tool_calls if c["id"] == m.tool_call_id)
                calls.append({"name": m.name, "args": call["args"], "run_id": content.get("run_id"), "ok": content.get("ok", False)})
        replies = [m for m in messages if isinstance(m, AIMessage)]
        shown = [m.response_metadata["show"] for m in replies if m.response_metadata.get("show")]
        intent = next((m.response_metadata.get("intent") for m in replies if m.response_metadata.get("intent")), None)
        flags = {}
        if intent in ("clarify", "ask"):  # a question back, not an answer: "clarify" found no tool to run
            flags = {"clarifying": True, **({"no_match": True} if intent == "clarify" else {})}
        self.log.append("assistant_message", turn=turn, text=reply, **({"intent": intent} if intent else {}),
                        **flags, **({"shown": shown} if shown else {}))
        self._remember(turn, text, reply)
        return TurnResult(self.id, turn, reply, calls, UserModel.model_validate(end.get("user_model") or {}).model_dump(),
                          shown, intent, end.get("predictions", [])[asked_before:])

    def _remember(self, turn: int, text: str, reply: str) -> None:
        """Dialogue turns go to long-term memory, for `recall` in later sessions."""
        try:
            from backends.core.memory import Memory

            self._memory = getattr(self, "_memory", None) or Memory(self.settings.home)
            created = self.log.events()[-1]["ts"]
            self._memory.remember_turns(self.id, [(turn, "user", text, created), (turn, "assistant", reply, created)])
        except Exception as e:  # memory is a convenience; the log is the record
            self.log.append("error", turn=turn, kind="memory", message=f"{type(e).__name__}: {e}")

    def _repair_memory(self) -> None:
        """Turns the log has and memory lacks (killed between the reply and its memory write) go to memory."""
        try:
            from backends.core.memory import Memory

            events = self.log.events()
            replies = {e["turn"]: e for e in events if e["type"] == "assistant_message"}
            asked = {e["turn"]: e.get("text", "") for e in events if e["type"] == "user_message"}
            if not replies:
                return
            self._memory = getattr(self, "_memory", None) or Memory(self.settings.home)
            held = self._memory.turns_of(self.id)
            missing = [(t, role, text, replies[t]["ts"]) for t in sorted(replies)
                       for role, text in (("user", asked.get(t, "")), ("assistant", replies[t].get("text", "")))
                       if (t, role) not in held and text.strip()]
            self._memory.remember_turns(self.id, missing[-REPAIR_ROWS:])  # the newest; the rest on later opens
        except Exception as e:  # memory is a convenience; the log is the record
            self.log.append("error", turn=self.log.next_turn() - 1, kind="memory",
                            message=f"repairing memory: {type(e).__name__}: {e}")

    def close(self) -> None:
        self.log.close()
        self._conn.close()
        if getattr(self, "_lock", None) is not None:
            self._lock.release()


def _logged_provider(settings: Settings, session_id: str) -> str | None:
    for event in DialogueLog(settings.home, session_id).events():
        if event["type"] == "session_start":
            return event.get("provider")
    return None
