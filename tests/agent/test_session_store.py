"""A session's stores stay bounded and agree: pruned checkpoints, one writer per session,
memory repaired from the log (issue 19, items 2, 3 and 10)."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.checkpoints import compact, prune, recent
from agent.dialogue_log import DialogueLog
from agent.session import Session
from agent.session_lock import SessionLock
from backends.core.errors import UsageError
from backends.core.memory import TURNS, Memory
from backends.core.settings import get_settings
from tests.agent.loopback import OpenAIServer, Text, ToolCall
from tests.conftest import REPO, run_parley

QUESTION = "what does counterfactual importance mean?"


def _store_bytes(home) -> int:
    return sum((home / name).stat().st_size for name in ("sessions.sqlite", "sessions.sqlite-wal") if (home / name).exists())


def _checkpoints(home, session_id: str) -> int:
    with sqlite3.connect(home / "sessions.sqlite") as conn:
        return conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = ?", (session_id,)).fetchone()[0]


@pytest.mark.timeout(240)
def test_the_checkpoint_store_grows_by_flat_bytes_per_turn_over_200_turns():
    home = get_settings().home
    session = Session.open(provider="offline")
    sizes = []
    try:
        for i in range(200):
            text = 'split_sentences "A. B."' if i % 10 == 0 else QUESTION  # a tool turn, then nine answers
            result = session.turn(text)
            assert result.reply and (result.tool_calls == []) == (i % 10 != 0)
            sizes.append(_store_bytes(home))
        assert _checkpoints(home, session.id) == 1  # the newest checkpoint is all resume needs
        assert len(session.state["messages"]) == 20 * 4 + 180 * 2  # ... and it holds the whole history
    finally:
        session.close()
    first, last = sizes[49] - sizes[0], sizes[199] - sizes[150]
    # Measured: 295 KB over the first 50 turns, 287 KB over the last. Unpruned (every step's
    # checkpoint a full copy of the history, all kept) it was 8.3 MB and then 32.9 MB.
    assert last <= 1.5 * first + 64 * 1024, (first, last, sizes[::25])
    assert sizes[-1] < 12 * 2**20, sizes[::25]


def test_resume_keeps_only_the_newest_checkpoint_and_compacts_a_bloated_store():
    home = get_settings().home
    session = Session.open(provider="offline")
    try:
        session.turn(QUESTION)
    finally:
        session.close()
    with sqlite3.connect(home / "sessions.sqlite") as conn:  # 80 MB of checkpoints as an unpruned store kept them
        conn.executemany(
            "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, type, checkpoint, metadata) "
            "VALUES (?, '', ?, 'msgpack', zeroblob(2097152), '{}')",
            [(session.id, f"0000-old-{i:03d}") for i in range(40)])
        conn.executemany("INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value) "
                         "VALUES (?, '', ?, 't', 0, 'messages', 'msgpack', zeroblob(1024))",
                         [(session.id, f"0000-old-{i:03d}") for i in range(40)])
    assert _store_bytes(home) > 80 * 2**20
    resumed = Session.open(session.id, provider="offline")
    try:
        assert _checkpoints(home, session.id) == 1
        assert [m.content for m in resumed.state["messages"] if isinstance(m, HumanMessage)] == [QUESTION]
        assert resumed.turn("thanks, and what is resampling importance?").reply
    finally:
        resumed.close()
    assert _store_bytes(home) < 8 * 2**20
    with sqlite3.connect(home / "sessions.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM writes WHERE checkpoint_id LIKE '0000-old-%'").fetchone()[0] == 0
        assert compact(conn) is False  # nothing left worth compacting


def test_pruning_keeps_an_interrupt_waiting_for_approval(costly_tool):
    session = Session.open(provider="offline")

    def walk_away(request):
        raise KeyboardInterrupt  # the user quits at the approval dialog

    try:
        with pytest.raises(KeyboardInterrupt):
            session.turn("run the costly probe test with 3 rollouts", approve=walk_away)
        assert prune(session.graph.checkpointer, session.id) > 0
        assert _checkpoints(get_settings().home, session.id) == 1
        waiting = session.graph.get_state(session.config)
        assert waiting.next == ("tools",) and waiting.interrupts[0].value["tool"] == "costly_probe_test"
    finally:
        session.close()
    assert costly_tool == []


def test_an_llm_is_sent_the_last_turns_and_the_dialogue_state(monkeypatch):
    server = OpenAIServer([_answer] * 6)
    monkeypatch.setenv("PARLEY_OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    session = Session.open(provider="openai")
    session.nodes.history_turns = 2
    try:
        for text in ("first question", "second question", "third question"):
            session.turn(text)
        stored = [m.content for m in session.state["messages"] if isinstance(m, HumanMessage)]
    finally:
        session.close()
        server.close()
    sent = server.requests[-1]["json"]["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["second question", "third question"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == ["Answered: second question"]
    assert sent[0]["role"] == "system" and "Dialogue state:" in sent[0]["content"]
    assert stored == ["first question", "second question", "third question"]  # the store keeps every turn


def test_the_llm_sees_whole_recent_turns():
    turns = []
    for i in range(5):
        turns += [HumanMessage(f"q{i}"), AIMessage("", tool_calls=[{"name": "t", "args": {}, "id": f"c{i}"}]),
                  ToolMessage("x" * 100, tool_call_id=f"c{i}", name="t"), AIMessage(f"a{i}")]
    assert recent(turns, turns=2) == turns[12:]
    assert recent(turns, turns=20) == turns
    assert recent(turns, turns=3, chars=250) == turns[12:]  # 104 characters a turn: two fit, a third would not
    assert recent(turns, turns=3, chars=150) == turns[16:]
    assert recent(turns, turns=3, chars=10) == turns[16:]  # the current turn always
    assert recent([AIMessage("hi")]) == [AIMessage("hi")]


def test_a_second_parley_on_a_busy_session_waits_then_refuses_with_exit_2():
    home = get_settings().home
    session = Session.open(provider="offline")
    try:
        said = []
        with pytest.raises(UsageError) as refused:
            SessionLock.acquire(home, session.id, wait_s=0.3, on_wait=said.append)
        assert refused.value.field == "session" and f"(pid {os.getpid()})" in str(refused.value)
        assert said == [f"session {session.id} is busy in another Parley (pid {os.getpid()}); waiting up to 0.3 s..."]
        done = run_parley("ask", "--session", session.id, "--provider", "offline", "hello",
                          env={"PARLEY_SESSION_WAIT": "0.5"}, timeout=120)
    finally:
        session.close()
    assert done.returncode == 2, done.stderr
    assert "is busy in another Parley" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (f"error: --session: session {session.id} is busy in another Parley "
                                                    f"(pid {os.getpid()}); try again when it finishes")
    SessionLock.acquire(home, session.id, wait_s=0).release()  # free again once the holder closed


def _answer(request: dict):
    """The loopback LLM: no user-model change, and a reply naming the question it answers."""
    if any(t["function"]["name"] == "UserModelUpdate" for t in request.get("tools", [])):
        return ToolCall("UserModelUpdate", {})
    return Text("Answered: " + next(m["content"] for m in reversed(request["messages"]) if m["role"] == "user"))


@pytest.mark.timeout(240)
def test_two_processes_on_one_session_leave_the_log_and_the_graph_in_agreement(tmp_path):
    home = get_settings().home
    first = Session.open(provider="offline")
    first.close()
    session_id = first.id
    held = SessionLock.acquire(home, session_id)  # both start while the session is busy, then race for it
    server = OpenAIServer([_answer] * 4)
    env = {**os.environ, "PARLEY_SESSION_WAIT": "150", "PARLEY_OPENAI_BASE_URL": server.base_url,
           "OPENAI_API_KEY": "sk-test-0123456789abcdef", "PARLEY_LLM_MAX_RETRIES": "0"}
    texts = ["what is resampling importance?", "and counterfactual importance?"]
    errs = [tmp_path / f"err{i}.txt" for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-m", "tui.cli", "ask", "--session", session_id, "--provider", "openai",
                               text], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err.open("w"), text=True)
             for text, err in zip(texts, errs)]
    try:
        deadline = time.monotonic() + 150
        while not all("is busy in another Parley" in err.read_text() for err in errs):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [e.read_text() for e in errs]
            time.sleep(0.2)
    finally:
        held.release()
    try:
        for p in procs:
            p.wait(timeout=200)
    finally:
        server.close()
    assert [p.returncode for p in procs] == [0, 0], [e.read_text() for e in errs]
    events = DialogueLog(home, session_id).events()
    asked = [e["text"] for e in events if e["type"] == "user_message"]
    replies = [e["text"] for e in events if e["type"] == "assistant_message"]
    assert sorted(asked) == sorted(texts) and replies == [f"Answered: {text}" for text in asked]
    resumed = Session.open(session_id, provider="offline")
    try:
        messages = resumed.state["messages"]
    finally:
        resumed.close()
    assert [m.content for m in messages if isinstance(m, HumanMessage)] == asked
    assert [m.text for m in messages if isinstance(m, AIMessage)] == replies


def test_resume_puts_turns_missing_from_memory_back_from_the_log():
    home = get_settings().home
    session = Session.open(provider="offline")
    try:
        session.turn(QUESTION)
    finally:
        session.close()
    memory = Memory(home)
    memory.collection(TURNS).delete(where={"session": session.id})  # lost, as if killed before the memory write
    log = DialogueLog(home, session.id)  # ... and a second turn killed the same way, after its reply was logged
    log.append("user_message", turn=2, text="how do I read the precision of a steering vector?")
    log.append("assistant_message", turn=2, text="Precision of a steering vector: compare the flamingo direction.")
    log.close()
    assert memory.turns_of(session.id) == set()
    resumed = Session.open(session.id, provider="offline")
    resumed.close()
    assert memory.turns_of(session.id) == {(1, "user"), (1, "assistant"), (2, "user"), (2, "assistant")}
    hits = Memory(home).recall("flamingo direction precision", k=1, scope="turns")
    assert hits and hits[0]["session"] == session.id and hits[0]["turn"] == 2 and "flamingo" in hits[0]["text"]
    again = Session.open(session.id, provider="offline")  # nothing missing: nothing written twice
    again.close()
    assert Memory(home).collection(TURNS).count() == 4
