"""The loopback provider fakes, exercised through the real langchain/SDK clients."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import anthropic
import openai
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from tests.agent.loopback import AnthropicServer, Fault, Hang, OpenAIServer, Reply, Text, ToolCall


@dataclass
class Provider:
    name: str
    server: type
    client: Callable[..., Any]  # (srv, **overrides) -> chat model
    sdk: ModuleType  # where the SDK's error classes live


def _openai(srv, **kw):
    # ChatOpenAI: `timeout` is the alias of `request_timeout`; max_retries goes to the SDK.
    return ChatOpenAI(model="gpt-test", base_url=srv.base_url, api_key="sk-test-loopback",
                      **{"max_retries": 0, "timeout": 10, **kw})


def _anthropic(srv, **kw):
    # ChatAnthropic: `timeout` is the alias of `default_request_timeout`.
    return ChatAnthropic(model="claude-test", base_url=srv.base_url, api_key="sk-ant-test-loopback",
                         **{"max_retries": 0, "timeout": 10, **kw})


OPENAI = Provider("openai", OpenAIServer, _openai, openai)
ANTHROPIC = Provider("anthropic", AnthropicServer, _anthropic, anthropic)


@pytest.fixture(params=[OPENAI, ANTHROPIC], ids=lambda p: p.name)
def provider(request) -> Provider:
    return request.param


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str = Field(description="City name")


WEATHER_DICT = {  # the same tool as an OpenAI-format dict schema
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]},
    },
}


def _collect(stream) -> tuple[list, AIMessage]:
    chunks = list(stream)
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    return chunks, total


def _tool_names_sent(p: Provider, req: dict) -> list[str]:
    tools = req["json"].get("tools") or []
    return [t["function"]["name"] if p is OPENAI else t["name"] for t in tools]


pytestmark = pytest.mark.timeout(60)


def test_invoke_returns_text_and_records_request(provider):
    with provider.server([Text("Hello from loopback.")]) as srv:
        msg = provider.client(srv).invoke("Say hello")
    assert isinstance(msg, AIMessage) and msg.text == "Hello from loopback."
    assert msg.usage_metadata and msg.usage_metadata["output_tokens"] > 0
    [req] = srv.requests
    assert req["path"] == provider.server.endpoint and not req["json"].get("stream")
    assert req["json"]["messages"][-1]["content"] in ("Say hello", [{"type": "text", "text": "Say hello"}])
    if provider is OPENAI:
        assert req["headers"]["authorization"] == "Bearer sk-test-loopback"
        assert req["json"]["model"] == "gpt-test"
    else:
        # anthropic 2.x sends the API key as `authorization: Bearer ...`; 0.x sent x-api-key.
        h = req["headers"]
        assert (h.get("x-api-key") or h["authorization"].removeprefix("Bearer ")) == "sk-ant-test-loopback"
        assert h["anthropic-version"]
        assert req["json"]["model"] == "claude-test"
    assert srv.remaining == 0 and srv.faults_served == 0


def test_stream_yields_several_chunks(provider):
    text = "Streaming works, in several pieces."
    # stream_usage=True makes ChatOpenAI ask for stream_options.include_usage.
    with provider.server([Text(text)]) as srv:
        chunks, total = _collect(provider.client(srv, stream_usage=True).stream("go"))
    assert len([c for c in chunks if c.text]) >= 2
    assert "".join(c.text for c in chunks) == text == total.text
    assert total.usage_metadata and total.usage_metadata["total_tokens"] > 0
    body = srv.requests[0]["json"]
    assert body["stream"] is True
    if provider is OPENAI:
        assert body["stream_options"] == {"include_usage": True}


def test_tool_call_invoke(provider):
    with provider.server([ToolCall("GetWeather", {"city": "Oslo"}, id="call_fixed")]) as srv:
        msg = provider.client(srv).bind_tools([GetWeather]).invoke("Weather in Oslo?")
    assert msg.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Oslo"}, "id": "call_fixed", "type": "tool_call"}]
    assert _tool_names_sent(provider, srv.requests[0]) == ["GetWeather"]


def test_tool_call_stream(provider):
    with provider.server([ToolCall("get_weather", {"city": "Oslo", "days": 3})]) as srv:
        chunks, total = _collect(provider.client(srv).bind_tools([WEATHER_DICT]).stream("Weather?"))
    assert len(chunks) > 3  # arguments arrived in fragments
    [call] = total.tool_calls
    assert call == {"name": "get_weather", "args": {"city": "Oslo", "days": 3},
                    "id": call["id"], "type": "tool_call"}
    assert call["id"].startswith("call_" if provider is OPENAI else "toolu_")
    assert _tool_names_sent(provider, srv.requests[0]) == ["get_weather"]


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_several_tool_calls_with_leading_text(provider, stream):
    step = Reply(Text("Checking both."), ToolCall("get_weather", {"city": "Oslo"}),
                 ToolCall("get_weather", {"city": "Bergen"}))
    with provider.server([step]) as srv:
        llm = provider.client(srv).bind_tools([WEATHER_DICT])
        msg = _collect(llm.stream("Two cities"))[1] if stream else llm.invoke("Two cities")
    assert msg.text == "Checking both."
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [
        ("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Bergen"})]
    assert len({c["id"] for c in msg.tool_calls}) == 2


def test_tool_result_round_trip(provider):
    with provider.server([ToolCall("get_weather", {"city": "Oslo"}), Text("It is sunny in Oslo.")]) as srv:
        llm = provider.client(srv).bind_tools([WEATHER_DICT])
        history: list = [HumanMessage("Weather in Oslo?")]
        ai = llm.invoke(history)
        history += [ai, ToolMessage("sunny, 21C", tool_call_id=ai.tool_calls[0]["id"])]
        final = llm.invoke(history)
    assert final.text == "It is sunny in Oslo."
    call_id = ai.tool_calls[0]["id"]
    last = srv.requests[1]["json"]["messages"][-1]
    if provider is OPENAI:
        assert last == {"role": "tool", "content": "sunny, 21C", "tool_call_id": call_id}
    else:
        assert last["role"] == "user"
        [block] = [b for b in last["content"] if b["type"] == "tool_result"]
        assert block["tool_use_id"] == call_id and "sunny" in str(block["content"])


def test_callable_step_sees_request(provider):
    def echo(body):
        last = body["messages"][-1]["content"]
        return Text("echo: " + (last if isinstance(last, str) else last[0]["text"]))

    with provider.server([echo]) as srv:
        assert provider.client(srv).invoke("ping").text == "echo: ping"


def test_retries_on_429_then_500(provider):
    with provider.server([Fault(429), Fault(500), Text("ok")]) as srv:
        msg = provider.client(srv, max_retries=2).invoke("hi")
    assert msg.text == "ok"
    assert len(srv.requests) == 3 and srv.faults_served == 2


@pytest.mark.timeout(20)  # a client that waited out the 60 s hang instead of timing out fails here
def test_retry_after_hang_times_out(provider):
    with provider.server([Hang(60), Text("ok")]) as srv:
        msg = provider.client(srv, timeout=1, max_retries=1).invoke("hi")
    assert msg.text == "ok" and len(srv.requests) == 2 and srv.faults_served == 1


@pytest.mark.parametrize("status,error", [(500, "InternalServerError"), (429, "RateLimitError"),
                                          (529, "InternalServerError")])
def test_fault_without_retries_raises_sdk_error(provider, status, error):
    with provider.server([Fault(status, "boom from loopback")]) as srv:
        with pytest.raises(getattr(provider.sdk, error), match="boom from loopback") as info:
            provider.client(srv, max_retries=0).invoke("hi")
    assert info.value.status_code == status and len(srv.requests) == 1
    if provider is ANTHROPIC and status == 529:
        assert isinstance(info.value, anthropic.OverloadedError)


def test_exhausted_script_fails_loudly_without_retries(provider):
    with provider.server([]) as srv:
        with pytest.raises(provider.sdk.InternalServerError, match="script exhausted"):
            provider.client(srv, max_retries=2).invoke("hi")
    assert len(srv.requests) == 1  # x-should-retry: false stopped the SDK retrying


def test_async_stream_and_invoke(provider):
    async def run(srv):
        llm = provider.client(srv)
        chunks = [c async for c in llm.astream("a")]
        return "".join(c.text for c in chunks), (await llm.ainvoke("b")).text

    with provider.server([Text("async stream"), Text("async invoke")]) as srv:
        assert asyncio.run(run(srv)) == ("async stream", "async invoke")
