"""The offline planner against the evaluation set of natural requests in context.

    python bench/planner.py [--part dev|held_out|all] [--show-misses]

Each case (agent/labelled_requests/*.jsonl, tests/agent/planner_cases/*.jsonl) gives the conversation before a request
(turns that ran tools, with their run ids, arguments and summaries), the request, and
what must happen: which tool runs with which arguments, or an answer, a run shown, or a
clarifying question with no tool. Prints routing accuracy (the right tool, or rightly
none), argument accuracy (every stated argument filled with its value, over the cases
that must run a tool), the expensive tools started by requests that did not ask for
them, and the time per planner turn (median, 95th percentile, slowest) for tool and
non-tool replies. The embedder is loaded before timing starts, as a session does in
the background while the user types. It runs in an empty data dir, so a reference finds
no run of this machine's own store.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "agent" / "labelled_requests"  # the parts the planner is tuned on and its request classifier learns from
HELD_OUT = ROOT / "tests" / "agent" / "planner_cases" / "held_out.jsonl"  # never used while tuning, never learned from
sys.path.insert(0, str(ROOT))
from agent import run_times  # noqa: E402  (after the path: the bench runs from a checkout)


# Parts written blind that the rules were tuned on but the classifier never learned from (kept apart from its training)
RULES_ONLY = HELD_OUT.parent
PARTS = sorted((p.stem for p in [*DEV.glob("dev*.jsonl"), *RULES_ONLY.glob("dev*.jsonl")]), key=lambda s: int(s[3:] or 1)) + ["held_out"]


def load_cases(part: str = "all") -> list[dict]:
    parts = PARTS if part == "all" else [part]
    cases = []
    for name in parts:
        path = HELD_OUT if name == "held_out" else DEV / f"{name}.jsonl" if (DEV / f"{name}.jsonl").exists() else RULES_ONLY / f"{name}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line) | {"part": name})
    return cases


def messages_for(case: dict, user_model: dict | None = None) -> list:
    """The conversation of a case as the graph would hold it."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    from agent.user_model import UserModel, update_by_rules

    user = UserModel.model_validate(user_model or {})
    for text in [t["user"] for t in case.get("context", [])] + [case["request"]]:
        user = update_by_rules(user, text)[0]  # as the graph's user-model node does before each reply
    messages = [SystemMessage("User model (JSON): " + user.model_dump_json())]
    for i, turn in enumerate(case.get("context", [])):
        messages.append(HumanMessage(turn["user"]))
        if turn.get("tool"):
            call = {"name": turn["tool"], "args": turn.get("args", {}), "id": f"ctx-{i}", "type": "tool_call"}
            messages.append(AIMessage(content=f"Running `{turn['tool']}`.", tool_calls=[call]))
            content = {"ok": True, "tool": turn["tool"], "run_id": turn["run_id"], "status": "complete",
                       "summary": turn.get("summary", ""), "result": turn.get("result", {}), "args": turn.get("args", {})}
            messages.append(ToolMessage(content=json.dumps(content), tool_call_id=f"ctx-{i}", name=turn["tool"]))
            messages.append(AIMessage(content=turn.get("summary", "")))
        else:
            messages.append(AIMessage(content=turn.get("reply", "")))
    messages.append(HumanMessage(case["request"]))
    return messages


def matches(expected, got) -> bool:
    if isinstance(expected, dict) and expected and all(k.startswith("$") for k in expected):
        if "$gt" in expected:
            return isinstance(got, (int, float)) and got > expected["$gt"]
        if "$contains" in expected:
            if isinstance(got, list):  # a list that holds the value
                return any(matches(expected["$contains"], g) for g in got)
            return isinstance(got, str) and str(expected["$contains"]).lower() in got.lower()
        return False
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return abs(expected - got) < 1e-9
    if isinstance(expected, str) and isinstance(got, str):
        return expected.strip().rstrip(".?").lower() == got.strip().rstrip(".?").lower()
    if isinstance(expected, list) and isinstance(got, list):
        # a sweep's layer row [12] is the same as [[12]]
        same = lambda v: v[0] if isinstance(v, list) and len(v) == 1 else v  # noqa: E731
        return len(expected) == len(got) and all(matches(same(e), same(g)) for e, g in zip(expected, got))
    return expected == got


def judge(case: dict, reply) -> dict:
    """Routing and argument verdicts for one planner reply."""
    expect = case["expect"]
    intent = reply.response_metadata.get("intent")
    call = reply.tool_calls[0] if reply.tool_calls else None
    pending = reply.response_metadata.get("pending")
    tool = call["name"] if call else (pending["tool"] if pending else None)
    args = call["args"] if call else (pending["args"] if pending else {})
    if expect["intent"] == "run":
        routed = tool == expect["tool"]
        wrong_args = [k for k, v in expect.get("args", {}).items() if not matches(v, args.get(k))]
        args_ok = routed and call is not None and not wrong_args
    else:
        routed = call is None and (intent == expect["intent"] or (expect["intent"] == "clarify" and intent == "ask"))
        if expect["intent"] == "show":
            routed = routed and (reply.response_metadata.get("show") or {}).get("run_id") == expect["args"].get("run")
        wrong_args, args_ok = [], None
    return {"id": case["id"], "routed": routed, "args_ok": args_ok, "tool": tool, "args": args, "intent": intent,
            "wrong_args": wrong_args, "expensive_unasked": bool(call) and call["name"] != expect.get("tool")
            and _cost(call["name"]) == "expensive"}


def _cost(name: str) -> str:
    from tools import REGISTRY

    return REGISTRY[name].cost if name in REGISTRY else "cheap"


def planner():
    from agent.offline import OfflinePlanner
    from tools import REGISTRY

    p = OfflinePlanner(tools=[t.describe() for t in REGISTRY.values()])
    p.warm()
    return p


def evaluate(cases: list[dict], p=None) -> tuple[list[dict], list[tuple[str, float]]]:
    p = p or planner()
    verdicts, times = [], []
    for case in cases:
        messages = messages_for(case, case.get("user_model"))
        day = run_times.DAY.set(day_of(case))  # the conversation is read on its own day, not the machine's
        started = time.perf_counter()
        try:
            reply = p.plan(messages)
        finally:
            seconds = time.perf_counter() - started
            run_times.DAY.reset(day)
        times.append(("tool" if reply.tool_calls else "no tool", seconds))
        verdicts.append(judge(case, reply) | {"request": case["request"], "expect": case["expect"], "part": case["part"]})
    return verdicts, times


def day_of(case: dict):
    """The day a labelled conversation happens on: that of its newest run (ids begin YYYYMMDD-HHMMSS); None (the
    clock's) when no run is in it. So "yesterday's chain" reads the same whatever day the evaluation runs."""
    days = [m.date() for turn in case.get("context", []) if (m := run_times.moment(turn.get("run_id") or ""))]
    return max(days, default=None)


def report(verdicts: list[dict], times: list[tuple[str, float]]) -> dict:
    runs = [v for v in verdicts if v["expect"]["intent"] == "run"]
    out = {
        "cases": len(verdicts),
        "routing": sum(v["routed"] for v in verdicts) / len(verdicts),
        "arguments": sum(bool(v["args_ok"]) for v in runs) / max(1, len(runs)),
        "expensive_unasked": sum(v["expensive_unasked"] for v in verdicts),
    }
    for kind in ("tool", "no tool"):
        seconds = sorted(s for k, s in times if k == kind)
        if seconds:
            out[f"{kind} median ms"] = 1000 * statistics.median(seconds)
            out[f"{kind} p95 ms"] = 1000 * seconds[int(0.95 * (len(seconds) - 1))]
            out[f"{kind} max ms"] = 1000 * seconds[-1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="all", choices=[*PARTS, "all"])
    parser.add_argument("--show-misses", action="store_true")
    options = parser.parse_args()
    # An empty data dir: a reference with nothing in its conversation must not find this machine's own runs
    # (the planner looks in the run store for earlier sessions' runs), so the numbers are the same everywhere.
    os.environ["PARLEY_HOME"] = tempfile.mkdtemp(prefix="parley-planner-bench-")
    started = time.perf_counter()
    p = planner()
    print(f"embedder and examples loaded in {time.perf_counter() - started:.1f} s")
    parts = PARTS if options.part == "all" else [options.part]
    for part in parts:
        verdicts, times = evaluate(load_cases(part), p)
        r = report(verdicts, times)
        print(f"\n[{part}] {r['cases']} requests")
        print(f"  routing accuracy   : {100 * r['routing']:5.1f}%")
        print(f"  argument accuracy  : {100 * r['arguments']:5.1f}%  (of the requests that must run a tool)")
        print(f"  expensive tools started unasked: {r['expensive_unasked']}")
        for kind in ("tool", "no tool"):
            if f"{kind} median ms" in r:
                print(f"  {kind:8s} reply: median {r[f'{kind} median ms']:6.1f} ms, p95 {r[f'{kind} p95 ms']:6.1f} ms, "
                      f"slowest {r[f'{kind} max ms']:6.1f} ms")
        if options.show_misses:
            for v in verdicts:
                if not v["routed"] or v["args_ok"] is False:
                    print(f"  MISS {v['id']}: {v['request']!r}\n       expected {v['expect']} got {v['intent']} "
                          f"{v['tool']} {json.dumps(v['args'])[:300]} wrong={v['wrong_args']}")


if __name__ == "__main__":
    main()
