"""The anthropic and openai providers, each against a loopback server speaking its real protocol.

The real SDK clients (through langchain) run end to end: streaming, tool calls,
structured output for the user model, retries on 429/500/timeouts, and a clear message
in the conversation when retries run out.
"""

import json
from pathlib import Path

import pytest

from agent.dialogue_log import DialogueLog
from agent.session import Session
from backends.core.settings import get_settings
from tests.agent.loopback import AnthropicServer, Fault, Hang, OpenAIServer, Text, ToolCall

OPENAI_KEY = "sk-planted-openai-0123456789abcdefXYZ"
ANTHROPIC_KEY = "sk-ant-planted-anthropic-0123456789abcdefXYZ"
PROVIDERS = {
    "openai": (OpenAIServer, "PARLEY_OPENAI_BASE_URL", "OPENAI_API_KEY", OPENAI_KEY),
    "anthropic": (AnthropicServer, "PARLEY_ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", ANTHROPIC_KEY),
}


@pytest.fixture(params=sorted(PROVIDERS))
def provider(request, monkeypatch):
    name = request.param
    server_cls, url_var, key_var, key = PROVIDERS[name]
    servers = []

    def start(script):
        server = server_cls(script)
        servers.append(server)
        monkeypatch.setenv(url_var, server.base_url)
        return server

    monkeypatch.setenv(key_var, key)
    monkeypatch.setenv("PARLEY_LLM_TIMEOUT", "1")
    monkeypatch.setenv("PARLEY_LLM_MAX_RETRIES", "3")
    yield name, start, key
    for server in servers:
        server.close()


def user_model_update(provider: str, **fields):
    """What each provider returns for the structured user-model update."""
    return ToolCall("UserModelUpdate", fields) if provider == "openai" else Text(json.dumps(fields))


def _tool_result(request: dict) -> dict:
    """The last tool result the client sent back, in either protocol."""
    for message in reversed(request["messages"]):
        if message.get("role") == "tool":
            return json.loads(message["content"])
        if isinstance(message.get("content"), list):
            for block in message["content"]:
                if block.get("type") == "tool_result":
                    content = block["content"]
                    text = content if isinstance(content, str) else content[0]["text"]
                    return json.loads(text)
    raise AssertionError("no tool result in the request")


def _system(request: dict) -> str:
    if "system" in request:
        system = request["system"]
        return system if isinstance(system, str) else " ".join(b["text"] for b in system)
    return next(m["content"] for m in request["messages"] if m["role"] == "system")


def _no_secret_anywhere(home: Path, key: str) -> None:
    for path in home.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), f"the API key leaked into {path}"


@pytest.mark.timeout(300)
def test_the_three_turn_conversation_with_streaming_tool_calls_and_retries(provider, tiny):
    name, start, key = provider
    question = "Is 91 prime?"
    server = start([
        # turn 1: user-model update, then a 429, a 500 and a timeout before the tool call
        user_model_update(name, add_goals=["see how the model reasons"]),
        Fault(429), Fault(500), Hang(2.5),
        ToolCall("generate_cot", {"question": question, "model": "tiny-random", "max_new_tokens": 8}),
        Text("The model wrote an 8-token chain of thought."),
        # turn 2: split the run the first turn made, found in the tool result the client sent
        user_model_update(name),
        lambda req: ToolCall("split_sentences", {"cot_run": _tool_result(req)["run_id"]}),
        Text("It splits into sentences as shown."),
        # turn 3: the user asks for a simpler explanation; no tool
        user_model_update(name, expertise="novice"),
        Text("In plain words: a chain of thought is the model's step-by-step reasoning."),
    ])
    session = Session.open(provider=name)
    try:
        first = session.turn(f"generate a chain of thought for: {question}")
        second = session.turn("split it into sentences")
        third = session.turn("explain that to me like I'm new to this")
    finally:
        session.close()
    assert first.tool_calls[0]["name"] == "generate_cot" and first.tool_calls[0]["ok"]
    assert "8-token chain of thought" in first.reply
    assert second.tool_calls == [{"name": "split_sentences", "args": {"cot_run": first.tool_calls[0]["run_id"]},
                                  "run_id": second.tool_calls[0]["run_id"], "ok": True}]
    assert third.tool_calls == [] and third.user_model["expertise"] == "novice"
    assert "see how the model reasons" in third.user_model["goals"]
    assert server.faults_served == 3 and server.remaining == 0

    requests = [r["json"] for r in server.requests]
    assistant_calls = [r for r in requests if any(t.get("name", t.get("function", {}).get("name")) == "generate_cot"
                                                  for t in r.get("tools", []))]
    assert assistant_calls and all(r.get("stream") for r in assistant_calls)  # replies stream
    assert '"expertise":"novice"' in _system(requests[-1])  # the user model shapes the explanation

    events = DialogueLog(get_settings().home, session.id).events()
    kinds = [e["type"] for e in events]
    assert kinds.count("user_message") == kinds.count("assistant_message") == 3
    assert kinds.count("tool_call") == 2 and kinds[0] == "session_start"
    assert events[0]["provider"] == name
    _no_secret_anywhere(get_settings().home, key)


@pytest.mark.timeout(300)
def test_when_retries_run_out_the_reply_says_so_and_the_session_goes_on(provider, tiny):
    name, start, key = provider
    server = start([
        user_model_update(name),
        Fault(500), Fault(500), Fault(429), Fault(500),  # the first try and 3 retries all fail
        user_model_update(name),
        Text("Back to normal."),
    ])
    session = Session.open(provider=name)
    try:
        failed = session.turn("hello")
        assert f"The {name} provider failed after 3 retries" in failed.reply
        recovered = session.turn("hello again")
        assert recovered.reply == "Back to normal."
    finally:
        session.close()
    errors = [e for e in DialogueLog(get_settings().home, session.id).events() if e["type"] == "error"]
    assert len(errors) == 1 and errors[0]["turn"] == 1
    assert server.remaining == 0
    _no_secret_anywhere(get_settings().home, key)


@pytest.mark.timeout(300)
def test_the_llm_sees_the_dialogue_state_the_method_cards_and_compact_results(monkeypatch, tiny):
    server = OpenAIServer([
        ToolCall("UserModelUpdate", {}),
        ToolCall("generate_cot", {"question": "Is 91 prime?", "model": "tiny-random", "max_new_tokens": 8}),
        Text("Done."),
        ToolCall("UserModelUpdate", {}),
        Text("It has a few sentences."),
    ])
    monkeypatch.setenv("PARLEY_OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    session = Session.open(provider="openai")
    try:
        first = session.turn("generate a chain of thought for: Is 91 prime?")
        session.turn("how many sentences did it have?")
    finally:
        session.close()
        server.close()
    run_id = first.tool_calls[0]["run_id"]
    last = server.requests[-1]["json"]
    system = _system(last)
    assert "Dialogue state:" in system and f"Current subject: {run_id}" in system and "last generate_cot" in system
    described = {t["function"]["name"]: t["function"]["description"] for t in last["tools"]}
    assert "Measures:" in described["resample_importance"] and "Caveats:" in described["resample_importance"]
    result = _tool_result(last)
    assert result["run_id"] == run_id and "plot" not in result and result["args"]["max_new_tokens"] == 8
