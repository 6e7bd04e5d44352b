"""The graph's nodes, closed over one session's LLM, log and cancellation flag.

A node that calls `interrupt` re-runs from its start when resumed, so every interrupt
comes before the node's side effects (tools run, events logged) and those happen once.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.config import get_stream_writer
from langgraph.types import interrupt

from agent.arguments import read_settings
from agent.checkpoints import HISTORY_TURNS, recent
from agent.dialogue_state import DialogueState
from agent.user_model import UserModel, UserModelUpdate, apply_update, update_by_rules
from backends.core.errors import UsageError
from tools import REGISTRY, run_tool

SYSTEM_PROMPT = """You are Parley, an assistant for interpretability research on language models.
You run experiments with the tools you are given and explain what came out, adapted to the user.
Call a tool only when the user asks for an experiment; pass earlier runs by their run id (e.g. cot_run).
Questions (what a term means, why a sentence scored as it did, how to read a number, what to try
next) are answered from the tools' method cards and the runs' numbers, without calling a tool.
Asking to see a run (its plot, text or table) never starts a new run: point to the run id.
"Again", "more", "that", "it" refer to the dialogue state below: a rerun keeps the earlier
arguments and changes only what was asked. Run ids are references, never tool names.
Explain results from the tool's summary and numbers; never invent numbers.
Adapt to the user model below: for a novice, plain words and a gloss for each technical term;
for an expert, terse and precise. Respect their preferences (detail, math, plots)."""

USER_MODEL_PROMPT = """Update what you believe about the user from their latest message.
Return only what changes. Current model: {model}"""


@dataclass
class Nodes:
    llm: Any  # a chat model with tools bound
    log: Any  # agent.dialogue_log.DialogueLog
    provider: str
    max_retries: int = 0
    structured: Any = None  # the unbound LLM's structured-output runnable, for user-model updates
    should_stop: Callable[[], bool] = lambda: False
    turn: int = 0
    settings: Any = None
    history_turns: int = HISTORY_TURNS  # user turns an LLM sees; older runs reach it through the dialogue state

    # --- user model ---------------------------------------------------------------------

    def update_user_model(self, state: dict) -> dict:
        text = next((m.content for m in reversed(state["messages"]) if isinstance(m, HumanMessage)), "")
        before = UserModel.model_validate(state.get("user_model") or {})
        model, changes = update_by_rules(before, text)
        if self.structured is not None:
            try:
                update = self.structured.invoke(
                    [SystemMessage(USER_MODEL_PROMPT.format(model=model.model_dump_json())), HumanMessage(text)]
                )
                if isinstance(update, UserModelUpdate):
                    model, more = apply_update(model, update)
                    changes += more
            except Exception as e:  # the conversation goes on with the rule-based update
                self.log.append("error", turn=self.turn, kind="user_model_update", message=f"{type(e).__name__}: {e}")
        # A snapshot every turn (with what changed, possibly nothing), so a turn's model is read, not rebuilt.
        self.log.append("user_model", turn=self.turn, snapshot=model.model_dump(), changes=changes)
        return {"user_model": model.model_dump()}

    # --- assistant ----------------------------------------------------------------------

    def assistant(self, state: dict) -> dict:
        user = UserModel.model_validate(state.get("user_model") or {})
        dialogue = DialogueState.from_messages(state["messages"], read_settings)
        system = SystemMessage(f"{SYSTEM_PROMPT}\n\n{user.to_prompt()}\n\nDialogue state:\n{dialogue.to_prompt()}")
        try:
            from agent.offline import OfflinePlanner  # no context window to fill: it reads the whole history

            seen = state["messages"] if isinstance(self.llm, OfflinePlanner) else recent(state["messages"], self.history_turns)
            reply = self.llm.invoke([system, *seen])
        except Exception as e:  # retries are the client's; what still fails is said in the conversation
            message = str(e).splitlines()[0] if str(e) else type(e).__name__
            self.log.append("error", turn=self.turn, kind=type(e).__name__, message=message)
            reply = AIMessage(
                content=f"The {self.provider} provider failed after {self.max_retries} retries "
                f"({type(e).__name__}: {message}). Nothing was lost: ask again, or switch provider "
                "(`--provider offline` works without a network)."
            )
        return {"messages": [reply]}

    # --- tools --------------------------------------------------------------------------

    def run_tools(self, state: dict) -> dict:
        calls = state["messages"][-1].tool_calls
        decisions = [self._approve(call) for call in calls]  # every interrupt first
        for call, decision in zip(calls, decisions):
            if decision is not None:
                self.log.append("approval", turn=self.turn, tool=call["name"], args=call["args"],
                                decision=decision["action"], edited_args=decision.get("args"),
                                source=decision["source"])
        writer = get_stream_writer()
        pending, runs = [], []
        for call, decision in zip(calls, decisions):
            content = self._run_one(call, decision, writer)
            pending.append({"call": call, "content": content})
            if content.get("ok"):
                runs.append({"run_id": content["run_id"], "tool": call["name"], "summary": content["summary"]})
        return {"pending": pending, "runs": runs}

    def _approve(self, call: dict) -> dict | None:
        tool = REGISTRY.get(call["name"])
        if tool is None:
            return None
        from tools.registry import preflight, side_effects

        try:  # a file outside the data dir, a long run: an agent's call of even a cheap tool asks first, saying why
            reasons = side_effects(call["name"], call["args"], self.settings)
        except UsageError:
            reasons = []  # bad arguments: the call fails on them without running anything
        except Exception as e:  # a check that breaks asks rather than lets the call through
            reasons = [f"its arguments could not be checked ({type(e).__name__})"]
        if tool.cost != "expensive" and not reasons:
            return None
        request = {"kind": "approval", "tool": call["name"], "args": call["args"], "description": tool.description,
                   "cost": tool.cost, **({"reasons": reasons} if reasons else {})}
        try:  # what it would cost and whether it can succeed, before anyone is asked (cheap: no model loads)
            checked = preflight(call["name"], call["args"], self.settings)
        except Exception as e:  # a check that fails never blocks: it is said, and the user decides
            checked = {"estimate": "", "warnings": [f"pre-flight check failed: {e or type(e).__name__}"],
                       "blocking": None, "numbers": {}}
        if checked is not None and checked.get("blocking"):
            # It cannot succeed: nobody is asked and nothing runs; the reason comes back as the call's error.
            return {"action": "blocked", "source": "preflight", "message": checked["blocking"]}
        if checked is not None:
            request["preflight"] = checked
        answer = interrupt(request)
        if not (isinstance(answer, dict) and answer.get("action") in ("approve", "deny", "edit")):
            return {"action": "deny", "source": "automatic"}  # no decision came back: nothing runs
        # A decision without a source came from a person (the app's dialog, a prompt).
        return {**answer, "source": answer.get("source") or "user"}

    def _run_one(self, call: dict, decision: dict | None, writer) -> dict:
        name, args = call["name"], call["args"]
        if decision is not None and decision["action"] == "deny":
            return {"ok": False, "tool": name, "error": {"type": "Denied", "message": denied_because(decision.get("source"))}}
        if decision is not None and decision["action"] == "edit":
            args = decision.get("args") or args
        started = time.perf_counter()

        def progress(done: int, total: int, note: str = "") -> None:
            writer({"kind": "progress", "tool": name, "done": done, "total": total, "note": note})

        try:
            if decision is not None and decision["action"] == "blocked":  # by its pre-flight check: no run is made
                content = {"ok": False, "tool": name, "error": {"type": "Preflight", "message": decision["message"]}}
            else:
                result = run_tool(name, args, settings=self.settings, progress=progress, should_stop=self.should_stop)
                content = result.to_json() | {"args": args}  # what really ran, edits included: reruns keep it
        except UsageError as e:
            content = {"ok": False, "tool": name, "error": {"type": type(e).__name__, "field": e.field, "message": str(e)}}
        except Exception as e:  # a failing tool is reported, the session goes on
            content = {"ok": False, "tool": name, "error": {"type": type(e).__name__, "message": str(e)}}
        self.log.append(
            "tool_call", turn=self.turn, name=name, args=args, run_id=content.get("run_id"),
            duration_s=round(time.perf_counter() - started, 3), status=content.get("status", "error"),
            ok=content["ok"], error=(content.get("error") or {}).get("message"),
        )
        return content

    # --- predict, then reveal -----------------------------------------------------------

    def reveal(self, state: dict) -> dict:
        user = UserModel.model_validate(state.get("user_model") or {})
        asked = []
        for item in state.get("pending", []):
            tool = REGISTRY.get(item["call"]["name"])
            content = item["content"]
            if not (user.wants_predictions and content.get("ok") and tool and tool.predict):
                continue
            question = tool.predict(content["result"])
            if not question or _already_shown(question, state["messages"]):
                continue
            answer = interrupt({"kind": "prediction", "tool": tool.name, "question": question["question"],
                                "options": question["options"]})
            asked.append((item, question, answer))
        predictions = []
        for item, question, answer in asked:  # logged once, after every interrupt was answered
            if answer in (None, ""):
                continue
            event = self.log.append("prediction", turn=self.turn, tool=item["call"]["name"],
                                    question=question["question"], options=question["options"], answer=answer)
            correct = str(answer).strip().lower() == str(question["actual"]).lower()
            self.log.append("outcome", turn=self.turn, prediction_seq=event["seq"], actual=question["actual"], correct=correct)
            item["content"]["prediction"] = {"question": question["question"], "answer": answer,
                                             "actual": question["actual"], "correct": correct}
            predictions.append(item["content"]["prediction"])
        messages = [
            ToolMessage(content=json.dumps(compact(item["content"]), ensure_ascii=False), tool_call_id=item["call"]["id"],
                        name=item["call"]["name"])
            for item in state.get("pending", [])
        ]
        return {"messages": messages, "pending": [], "predictions": predictions}


def _already_shown(question: dict, messages: list) -> bool:
    """A prediction is pointless once the answer was on screen (an earlier summary said "6 sentences")."""
    shown = question.get("shown_as")
    if not shown:
        return False
    earlier = " ".join(str(m.content) for m in messages if isinstance(m, (ToolMessage, AIMessage)))
    return re.search(shown, earlier) is not None


def denied_because(source: str | None) -> str:
    """Who denied a call, in the words the reply and the log use."""
    if source == "automatic":
        return "denied automatically: no terminal to ask and no --yes (pass --yes to approve expensive tools)"
    return "denied by the user: declined when asked"


def compact(content: dict, items: int = 12, chars: int = 4000) -> dict:
    """A tool result as the LLM sees it: the summary and the numbers that matter, not whole matrices
    (the full result stays in the run store, and the screen gets the plot)."""

    def shrink(value, depth=0):
        if isinstance(value, str):
            return value if len(value) <= chars else value[:chars] + f"... [{len(value) - chars} more characters in the run store]"
        if isinstance(value, dict):
            return {k: shrink(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            if value and all(isinstance(v, list) for v in value):
                return f"[{len(value)}x{len(value[0])} matrix in the run store]"
            kept = [shrink(v, depth + 1) for v in value[:items]]
            return kept + ([f"... {len(value) - items} more in the run store"] if len(value) > items else [])
        return round(value, 4) if isinstance(value, float) else value

    return {k: shrink(v) for k, v in content.items() if k != "plot"}
