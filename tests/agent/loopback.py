"""Loopback fakes of the OpenAI and Anthropic HTTP APIs, for tests.

Project rule: fake only at the network boundary. These are real HTTP servers on
127.0.0.1 speaking each provider's wire protocol, so the real SDK clients (openai /
anthropic, under langchain) run end to end: request building, SSE parsing, tool-call
assembly, error mapping, retries and timeouts.

    with OpenAIServer([ToolCall("get_weather", {"city": "Oslo"}), Text("Sunny.")]) as srv:
        llm = ChatOpenAI(model="gpt-test", base_url=srv.base_url, api_key="sk-test")
        ...
        assert srv.requests[1]["json"]["messages"][-1]["role"] == "tool"

A script is a list of steps, one consumed per HTTP request, in order:
    Text("hi")                               reply with text
    Text("85", top_logprobs={"85": -0.1, "90": -2.5})
                                             ... and (OpenAI) logprobs for its first token
    ToolCall("name", {"arg": 1})             reply with one tool call
    Reply(Text("..."), ToolCall(..), ...)    several parts in one reply (text first)
    Fault(429) / Fault(500) / Fault(529)     HTTP error with the provider's error body
    Hang(3)                                  read the request, send nothing for 3 s, close
    a callable f(request_json) -> step       reply that depends on the request
When the script runs out the server answers 500 "script exhausted" (marked not
retryable), so a test that asks for more than it scripted fails loudly, never hangs.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Union
from urllib.parse import urlsplit

# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Text:
    text: str
    # OpenAIServer only: the top logprobs of the reply's first token, {token: logprob}. The sampled
    # token is the text itself when listed, else the likeliest. Anthropic's API has no logprobs.
    top_logprobs: dict[str, float] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict = field(default_factory=dict)
    id: str | None = None  # None: a fresh provider-style id (call_0001 / toolu_0001)


class Reply:
    """One assistant turn of several parts: Reply(Text("Checking."), ToolCall(...), ToolCall(...))."""

    def __init__(self, *parts: Text | ToolCall):
        self.parts = parts

    def __repr__(self) -> str:
        return f"Reply{self.parts!r}"


@dataclass(frozen=True)
class Fault:
    status: int
    message: str | None = None
    # The SDKs ignore `retry-after: 0` (they only honour a delay > 0) and fall back to
    # 0.5 s, 1 s, ... exponential backoff; `retry-after-ms: 1` (which both read first)
    # keeps retry tests fast. None leaves the header out, i.e. real backoff.
    retry_after_ms: int | None = 1
    should_retry: bool | None = None  # sets `x-should-retry`, which both SDKs obey


@dataclass(frozen=True)
class Hang:
    seconds: float


Step = Union[Text, ToolCall, Reply, Fault, Hang, Callable[[Any], Any]]

# --------------------------------------------------------------------------- servers


def _pieces(s: str, n: int = 3) -> list[str]:
    """Split s into up to n consecutive non-empty pieces, so streaming clients must reassemble."""
    size = max(1, -(-len(s) // n))
    return [s[i : i + size] for i in range(0, len(s), size)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked SSE, as the real APIs do
    timeout = 10  # an idle keep-alive connection gives its thread back after this
    fake: _LoopbackServer  # set on a per-server subclass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        try:
            self.fake._handle(self, urlsplit(self.path).path, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout, aborted stream)

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass


class _LoopbackServer:
    endpoint = ""  # the one path served
    url_suffix = ""  # what base_url adds after host:port
    id_prefix = ""  # tool call ids
    error_types: dict[int, str] = {}

    def __init__(self, script: Iterable[Step] = ()):
        self.requests: list[dict] = []  # {"method", "path", "headers", "json"}
        self.faults_served = 0  # Fault and Hang steps served
        self._script = list(script)
        self._lock = threading.Lock()
        self._closing = threading.Event()  # ends Hang steps early on shutdown
        self._ids = itertools.count(1)
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{self.url_suffix}"

    @property
    def remaining(self) -> int:
        """Steps not consumed yet."""
        return len(self._script)

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # One request: record it, take the next step, resolve callables, answer.
    def _handle(self, h: _Handler, path: str, body: Any) -> None:
        with self._lock:
            self.requests.append(
                {"method": h.command, "path": path, "json": body,
                 "headers": {k.lower(): v for k, v in h.headers.items()}}
            )
            n = len(self.requests)
            if path != self.endpoint:
                step: Any = Fault(404, f"loopback serves only POST {self.endpoint}, not {path}",
                                  should_retry=False)
            elif not self._script:
                step = Fault(500, f"loopback script exhausted: request #{n} had no scripted step",
                             should_retry=False)
            else:
                step = self._script.pop(0)
        while callable(step):
            step = step(body)
        if isinstance(step, (Fault, Hang)):
            with self._lock:
                self.faults_served += 1
        if isinstance(step, Hang):
            self._closing.wait(step.seconds)
            h.close_connection = True  # no response at all: the client sees a dropped connection
        elif isinstance(step, Fault):
            self._fault(h, step, n)
        elif isinstance(step, (Text, ToolCall, Reply)):
            parts = step.parts if isinstance(step, Reply) else (step,)
            calls = [(c.id or f"{self.id_prefix}{next(self._ids):04d}", c)
                     for c in parts if isinstance(c, ToolCall)]
            text = "".join(p.text for p in parts if isinstance(p, Text))
            usage_in = max(1, len(json.dumps(body)) // 4)  # rough, but nonzero and stable
            usage_out = max(1, len(text + "".join(json.dumps(c.args) for _, c in calls)) // 4)
            self._reply(h, body or {}, n, parts, calls, (usage_in, usage_out))
        else:
            self._fault(h, Fault(500, f"loopback: bad script step {step!r}", should_retry=False), n)

    def _fault(self, h: _Handler, f: Fault, n: int) -> None:
        headers = {"x-request-id": f"req_{n:04d}", "request-id": f"req_{n:04d}"}
        if f.status == 429:
            headers["retry-after"] = "0"
        if f.retry_after_ms is not None:
            headers["retry-after-ms"] = str(f.retry_after_ms)
        if f.should_retry is not None:
            headers["x-should-retry"] = "true" if f.should_retry else "false"
        kind = self.error_types.get(f.status, self.error_types[500])
        self._send_json(h, f.status, self._error_body(kind, f.message or f"loopback {kind} ({f.status})"),
                        headers)

    @staticmethod
    def _send_json(h: _Handler, status: int, obj: Any, headers: dict | None = None) -> None:
        data = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    @staticmethod
    def _send_sse(h: _Handler, events: list[str]) -> None:
        # Chunked transfer encoding, one HTTP chunk per event, flushed as it goes.
        h.send_response(200)
        h.send_header("content-type", "text/event-stream; charset=utf-8")
        h.send_header("cache-control", "no-cache")
        h.send_header("transfer-encoding", "chunked")
        h.end_headers()
        for event in events:
            data = event.encode()
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            h.wfile.flush()
        h.wfile.write(b"0\r\n\r\n")

    def _error_body(self, kind: str, message: str) -> dict:
        raise NotImplementedError

    def _reply(self, h, body, n, parts, calls, usage) -> None:
        raise NotImplementedError


class OpenAIServer(_LoopbackServer):
    """POST /v1/chat/completions; give clients base_url (…/v1)."""

    endpoint = "/v1/chat/completions"
    url_suffix = "/v1"
    id_prefix = "call_"
    error_types = {400: "invalid_request_error", 401: "invalid_request_error",
                   404: "invalid_request_error", 429: "rate_limit_exceeded",
                   500: "server_error", 503: "server_error", 529: "server_error"}

    def _error_body(self, kind: str, message: str) -> dict:
        code = kind if kind == "rate_limit_exceeded" else None
        return {"error": {"message": message, "type": "requests" if code else kind,
                          "param": None, "code": code}}

    @staticmethod
    def _logprobs(parts) -> dict | None:
        top = next((p.top_logprobs for p in parts if isinstance(p, Text) and p.top_logprobs), None)
        if top is None:
            return None
        text = "".join(p.text for p in parts if isinstance(p, Text))
        token = text if text in top else max(top, key=top.get)
        return {"content": [{"token": token, "logprob": top[token], "bytes": None,
                             "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in top.items()]}],
                "refusal": None}

    def _reply(self, h, body, n, parts, calls, usage) -> None:
        text = "".join(p.text for p in parts if isinstance(p, Text))
        finish = "tool_calls" if calls else "stop"
        logprobs = self._logprobs(parts)
        base = {"id": f"chatcmpl-{n:04d}", "created": int(time.time()),
                "model": body.get("model", "gpt-test"), "system_fingerprint": None}
        usage_obj = {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                     "total_tokens": sum(usage)}
        if not body.get("stream"):
            message: dict = {"role": "assistant", "content": text or None, "refusal": None}
            if calls:
                message["tool_calls"] = [
                    {"id": cid, "type": "function",
                     "function": {"name": c.name, "arguments": json.dumps(c.args)}}
                    for cid, c in calls]
            choice = {"index": 0, "message": message, "logprobs": logprobs, "finish_reason": finish}
            return self._send_json(h, 200, {**base, "object": "chat.completion",
                                            "choices": [choice], "usage": usage_obj})

        # Streaming: role chunk, text pieces, then per tool call a header chunk
        # (index, id, type, name, empty arguments) and argument fragments, then finish.
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(choices: list, **extra: Any) -> str:
            obj = {**base, "object": "chat.completion.chunk", "choices": choices, **extra}
            if want_usage:
                obj.setdefault("usage", None)  # as OpenAI: null on all but the last chunk
            return f"data: {json.dumps(obj)}\n\n"

        def delta(d: dict, finish_reason: str | None = None, lp: dict | None = None) -> str:
            return chunk([{"index": 0, "delta": d, "logprobs": lp, "finish_reason": finish_reason}])

        events = [delta({"role": "assistant", "content": "", "refusal": None})]
        events += [delta({"content": p}, lp=logprobs if i == 0 else None) for i, p in enumerate(_pieces(text))]
        for i, (cid, c) in enumerate(calls):
            events.append(delta({"tool_calls": [{"index": i, "id": cid, "type": "function",
                                                 "function": {"name": c.name, "arguments": ""}}]}))
            events += [delta({"tool_calls": [{"index": i, "function": {"arguments": frag}}]})
                       for frag in _pieces(json.dumps(c.args))]
        events.append(delta({}, finish))
        if want_usage:
            events.append(chunk([], usage=usage_obj))
        events.append("data: [DONE]\n\n")
        self._send_sse(h, events)


class AnthropicServer(_LoopbackServer):
    """POST /v1/messages; give clients base_url (no /v1: the SDK adds it)."""

    endpoint = "/v1/messages"
    url_suffix = ""
    id_prefix = "toolu_"
    error_types = {400: "invalid_request_error", 401: "authentication_error",
                   403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                   429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}

    def _error_body(self, kind: str, message: str) -> dict:
        return {"type": "error", "error": {"type": kind, "message": message}}

    def _reply(self, h, body, n, parts, calls, usage) -> None:
        ids = iter(cid for cid, _ in calls)
        blocks = [{"type": "text", "text": p.text} if isinstance(p, Text)
                  else {"type": "tool_use", "id": next(ids), "name": p.name, "input": p.args}
                  for p in parts]
        stop = "tool_use" if calls else "end_turn"
        message = {"id": f"msg_{n:04d}", "type": "message", "role": "assistant",
                   "model": body.get("model", "claude-test"), "content": blocks,
                   "stop_reason": stop, "stop_sequence": None,
                   "usage": {"input_tokens": usage[0], "output_tokens": usage[1]}}
        if not body.get("stream"):
            return self._send_json(h, 200, message)

        def event(name: str, **data: Any) -> str:
            return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"

        events = [event("message_start", message={**message, "content": [], "stop_reason": None,
                                                  "usage": {"input_tokens": usage[0], "output_tokens": 1}}),
                  event("ping")]  # the real API sends pings; clients must skip them
        for i, b in enumerate(blocks):
            if b["type"] == "text":
                start = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": p} for p in _pieces(b["text"])]
            else:  # input arrives as JSON fragments the client must join and parse
                start = {**b, "input": {}}
                deltas = [{"type": "input_json_delta", "partial_json": p}
                          for p in _pieces(json.dumps(b["input"]))]
            events.append(event("content_block_start", index=i, content_block=start))
            events += [event("content_block_delta", index=i, delta=d) for d in deltas]
            events.append(event("content_block_stop", index=i))
        events.append(event("message_delta", delta={"stop_reason": stop, "stop_sequence": None},
                            usage={"output_tokens": usage[1]}))
        events.append(event("message_stop"))
        self._send_sse(h, events)
