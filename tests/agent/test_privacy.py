"""No secret in any store, and a data dir only its owner can read.

The planted-secret test runs the real OpenAI SDK against a loopback server: the key
reaches Parley as the configured OPENAI_API_KEY, a password inside `openai_base_url`, a
message the user pastes, a provider error that echoes the key, and a tool argument
(`generate_cot` on tiny-random). Then every file under PARLEY_HOME is searched byte by
byte, the checkpoint database and its -wal file and Chroma's files included, while the
session is open and after it closed.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from agent.session import Session, approve_all
from backends.core.memory import Memory
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.agent.loopback import Fault, OpenAIServer, Text, ToolCall
from tui.cli import main

KEY = "planted-openai-key-7f3a9c2e41d0b8"  # no known key shape: found as the configured value
PASTED = "sk-ant-api03-" + "Q7w" * 12  # another key the user pastes: found by its shape
URL_PASSWORD = "urlpass-9d8e7f6a5b"  # inside openai_base_url


def _leaks(home: Path, secrets: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [(secret, str(path.relative_to(home))) for secret in secrets if secret.encode() in data]
    return found


@pytest.mark.timeout(120)
def test_a_planted_key_reaches_no_file_in_the_data_dir(monkeypatch, tiny):
    server = OpenAIServer([
        # turn 1: the user pastes keys; the provider's error echoes the configured one
        ToolCall("UserModelUpdate", {}),
        Fault(401, f"Incorrect API key provided: {KEY}. You can find your API key at ...", should_retry=False),
        # turn 2: a tool argument holds the key, and the reply repeats it
        ToolCall("UserModelUpdate", {}),
        ToolCall("generate_cot", {"question": f"Is the string {KEY} a valid password?", "model": "tiny-random",
                                  "max_new_tokens": 4}),
        Text(f"I asked the model about {KEY}."),
    ])
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("PARLEY_OPENAI_BASE_URL", server.base_url.replace("http://", f"http://parley:{URL_PASSWORD}@"))
    monkeypatch.setenv("PARLEY_LLM_MAX_RETRIES", "0")
    home = get_settings().home
    session = Session.open(provider="openai")
    try:
        failed = session.turn(f"my key is {KEY} and the old one {PASTED}, is that a problem?", approve=approve_all)
        ran = session.turn(f"generate a chain of thought for: is the string {KEY} a valid password?",
                           approve=approve_all)
        assert "AuthenticationError" in failed.reply and KEY not in failed.reply  # said, without the key
        assert ran.tool_calls and ran.tool_calls[0]["name"] == "generate_cot" and ran.tool_calls[0]["ok"]
        Memory(home).sync_runs(RunStore(home / "runs"))  # the run's finding goes to memory too
        assert server.remaining == 0
        assert server.requests[0]["headers"]["authorization"] == "Basic " + __import__("base64").b64encode(
            f"parley:{URL_PASSWORD}".encode()).decode()  # the password really was configured and used
        assert (home / "sessions.sqlite-wal").exists()  # searched while the write-ahead log holds the latest
        open_leaks = _leaks(home, [KEY, PASTED, URL_PASSWORD])
    finally:
        session.close()
        server.close()
    assert open_leaks == []
    assert _leaks(home, [KEY, PASTED, URL_PASSWORD]) == []
    names = {str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()}
    assert "sessions.sqlite" in names and any(n.startswith("memory/") for n in names)
    assert any(n.endswith("run.json") for n in names) and any(n.endswith("results.json") for n in names)
    # What was said is kept, the secret replaced: the run's question, the checkpointed history.
    run = RunStore(home / "runs").list()[0]
    assert run.meta["params"]["question"] == "Is the string [redacted] a valid password?"
    resumed = Session.open(session.id)
    try:
        texts = [str(m.content) for m in resumed.state["messages"]]
        assert any("my key is [redacted] and the old one [redacted]" in t for t in texts)
        assert any("Incorrect API key provided: [redacted]" in t for t in texts)
    finally:
        resumed.close()


def _modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): stat.S_IMODE(p.stat().st_mode) for p in [home, *home.rglob("*")]}


@pytest.mark.timeout(120)
def test_the_data_dir_is_the_owners_alone(tiny, parley_home, monkeypatch, capsys):
    parley_home.mkdir(mode=0o755)
    os.chmod(parley_home, 0o755)  # made wide by an older Parley: narrowed on the next start
    monkeypatch.setenv("PARLEY_MODEL", "tiny-random")
    monkeypatch.setattr(sys, "argv", ["parley", "ask", "generate a chain of thought for: Is 91 prime? with 4 tokens",
                                      "--provider", "offline", "--json", "--yes"])
    old = os.umask(0o022)  # the usual umask: Parley must not depend on the caller's
    try:
        with pytest.raises(SystemExit) as exited:
            main()  # the real entry point, in this process (a subprocess would import torch again)
    finally:
        os.umask(old)
    assert exited.value.code in (0, None), capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["tool_calls"][0]["ok"]
    modes = _modes(parley_home)
    assert any(n.endswith("results.json") for n in modes) and "sessions.sqlite" in modes
    assert any(n.startswith("logs/") for n in modes) and any(n.startswith("memory/") for n in modes)
    wide = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert wide == {}, f"readable by others: {wide}"
    dirs = {str(p.relative_to(parley_home)) for p in [parley_home, *parley_home.rglob("*")] if p.is_dir()}
    assert {oct(modes[d]) for d in dirs} == {"0o700"}
