"""A loopback fake of the OpenAI text-completions API (POST /v1/completions), for tests.

Project rule: fake only at the network boundary. This is a real HTTP server on
127.0.0.1 speaking the legacy completions wire protocol as vLLM serves it, so the real
`openai` client runs end to end (request building, parsing, error mapping, retries,
timeouts).

    with CompletionsServer(faults=[429, "hang"], delay=0.05) as srv:
        sampler = RemoteSampler(srv.base_url, "served-model", timeout=0.5)
        ...
        assert srv.requests[-1]["json"]["n"] == 16 and srv.max_in_flight <= 4

Replies are deterministic in (prompt, seed, choice index): each choice is one of
CONTINUATIONS, picked by a hash (`continuation`). A prompt is a text or, as vLLM and SGLang
take it, a list of token ids (`prompt_key`): the reply depends on the ids. `prompts` lists
every request's prompt as sent; with the served model's `tokenizer`, `model_inputs` holds the
ids its model saw (a token-id prompt as sent, a text prompt tokenized with special tokens
added, as vLLM's completions API does by default). The server honours `n`, `max_tokens`
(cut to that many whitespace tokens, finish_reason "length"), `stop` (cut before the
first stop string, finish_reason "stop", and vLLM's `stop_reason` naming it; null when
the text simply ended) and `logprobs` (one token per whitespace word with its leading
space, so the tokens join back to the text). `expected(...)` gives what a choice will be.

`faults` is what the first requests get instead of an answer, one each, in order:
429 (with `retry-after-ms: 1`, so the client's retry is immediate), 500, or "hang"
(read the request, answer nothing for `hang_s` seconds, then close). Every request is
recorded (`requests`: {"path", "json", "headers"}), and `max_in_flight` is the most
requests the server was working on at once (`delay` seconds per answer makes overlap
observable).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTINUATIONS = [
    " 17 + 25 = 42. So the answer is 42.",
    " Let me add the tens first: 10 + 20 = 30, then 7 + 5 = 12, so 42.",
    " The answer is 42.",
    " Hmm, wait. 17 + 25 is 42; the answer is 42.",
    " I think it is 41. No: 17 + 25 = 42.",
    " 42",
    " Adding 25 to 17 gives 42, which is the final answer.",
    " Check: 42 - 25 = 17, so 17 + 25 = 42.",
]

ERRORS = {429: "rate_limit_exceeded", 500: "server_error"}


def tokens_of(text: str) -> list[str]:
    """Whitespace tokens, each with its leading whitespace: "".join(tokens_of(t)) == t.rstrip()."""
    return re.findall(r"\s*\S+", text)


def prompt_key(prompt: str | list[int]) -> str:
    """What a reply depends on: the text, or the token ids (a token-id prompt, as vLLM takes one)."""
    return prompt if isinstance(prompt, str) else "ids:" + ",".join(str(int(i)) for i in prompt)


def continuation(prompt: str | list[int], seed: Any, index: int) -> str:
    digest = hashlib.sha256(f"{prompt_key(prompt)}|{seed}|{index}".encode()).digest()
    return CONTINUATIONS[int.from_bytes(digest[:4], "big") % len(CONTINUATIONS)]


def expected(prompt: str | list[int], seed: Any, index: int, max_tokens: int = 16, stop: list[str] | None = None,
             keep_stop: bool = False) -> tuple[str, str, str | None]:
    """(text, finish_reason, stop_reason) of one choice, as the server answers it."""
    tokens = tokens_of(continuation(prompt, seed, index))
    text, reason = "".join(tokens[:max_tokens]), ("length" if len(tokens) > max_tokens else "stop")
    hits = [(text.find(s), s) for s in stop or [] if s in text]
    if hits:
        at, s = min(hits)
        text, reason = text[: at + len(s) if keep_stop else at], "stop"
        return text, reason, s
    return text, reason, None


class CompletionsServer:
    """POST /v1/completions; give clients base_url (…/v1)."""

    endpoint = "/v1/completions"

    def __init__(self, faults: list = (), delay: float = 0.0, hang_s: float = 5.0, keep_stop: bool = False,
                 reverse_choices: bool = False, stop_reason: bool = True, usage: bool = True, tokenizer: Any = None):
        self.tokenizer = tokenizer  # the served model's: what a text prompt becomes, as vLLM tokenizes it
        self.model_inputs: list[list[int]] = []  # with a tokenizer: the token ids each request's model saw
        self.faults = list(faults)
        self.delay, self.hang_s = delay, hang_s
        self.keep_stop = keep_stop  # as vLLM's include_stop_str_in_output: leave the stop string in the text
        self.reverse_choices = reverse_choices  # choices listed last index first (clients must sort)
        self.stop_reason = stop_reason  # False: no vLLM `stop_reason`, as the OpenAI API itself
        self.usage = usage  # False: no `usage` object
        self.requests: list[dict] = []
        self.faults_served = 0
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ one request

    def _handle(self, h: _Handler, path: str, body: Any) -> None:
        with self._lock:
            self.requests.append({"path": path, "json": body,
                                  "headers": {k.lower(): v for k, v in h.headers.items()}})
            if self.tokenizer is not None and isinstance(body, dict) and "prompt" in body:
                self.model_inputs.append(self.model_input(body["prompt"]))
            n = len(self.requests)
            fault = self.faults.pop(0) if self.faults else None
            self.faults_served += fault is not None
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if path != self.endpoint or not isinstance(body, dict):
                return self._error(h, 404, f"this fake serves only POST {self.endpoint}", n)
            if fault == "hang":
                self._closing.wait(self.hang_s)
                h.close_connection = True  # no answer at all: the client's timeout fires
                return
            if fault is not None:
                return self._error(h, int(fault), f"injected {fault}", n)
            if self.delay:
                self._closing.wait(self.delay)
            self._send(h, 200, self.reply(body, n))
        finally:
            with self._lock:
                self.in_flight -= 1

    def model_input(self, prompt: str | list[int]) -> list[int]:
        """The ids the model sees: a token-id prompt as sent; a text prompt tokenized as vLLM's
        completions API does by default (add_special_tokens=True: a BOS-adding tokenizer adds one)."""
        if isinstance(prompt, list):
            return [int(i) for i in prompt]
        return list(self.tokenizer(prompt, add_special_tokens=True).input_ids)

    @property
    def prompts(self) -> list:
        """The `prompt` of every request, in arrival order (a text or a list of token ids)."""
        return [r["json"]["prompt"] for r in self.requests if isinstance(r["json"], dict) and "prompt" in r["json"]]

    def echoed(self, prompt: str | list[int]) -> list[str]:
        """The prompt's tokens as an echo lists them: whitespace tokens of a text; one per id (decoded
        with the tokenizer when there is one, else "<id>")."""
        if isinstance(prompt, str):
            return tokens_of(prompt)
        if self.tokenizer is not None:
            return [self.tokenizer.decode([i]) for i in prompt]
        return [f"<{i}>" for i in prompt]

    def reply(self, body: dict, n: int = 0) -> dict:
        stop = body.get("stop")
        stop = [stop] if isinstance(stop, str) else stop
        max_tokens = body.get("max_tokens") or 16
        choices, total = [], 0
        for index in range(body.get("n") or 1):
            text, reason, matched = expected(body["prompt"], body.get("seed"), index, max_tokens, stop,
                                             self.keep_stop)
            tokens = tokens_of(text)
            total += len(tokens)
            logprobs = None
            if body.get("logprobs") is not None:
                offsets = [sum(len(t) for t in tokens[:i]) for i in range(len(tokens))]
                logprobs = {"tokens": tokens, "token_logprobs": [-0.25 - 0.01 * i for i in range(len(tokens))],
                            "top_logprobs": None, "text_offset": offsets}
            if body.get("echo"):  # the prompt comes back first, with its own log-probs (the first has none)
                echoed = self.echoed(body["prompt"])
                prompt_text = "".join(echoed) if isinstance(body["prompt"], list) else body["prompt"]
                if logprobs is not None:
                    offsets = [sum(len(t) for t in echoed[:i]) for i in range(len(echoed))]
                    shift = len(prompt_text)
                    logprobs = {"tokens": echoed + tokens,
                                "token_logprobs": [None] + [-1.0 - 0.1 * i for i in range(1, len(echoed))]
                                + logprobs["token_logprobs"],
                                "top_logprobs": None,
                                "text_offset": offsets + [shift + o for o in logprobs["text_offset"]]}
                text = prompt_text + text
            choice = {"index": index, "text": text, "logprobs": logprobs, "finish_reason": reason}
            if self.stop_reason:
                choice["stop_reason"] = matched
            choices.append(choice)
        if self.reverse_choices:
            choices.reverse()
        reply = {"id": f"cmpl-{n:04d}", "object": "text_completion", "created": int(time.time()),
                 "model": body.get("model"), "system_fingerprint": None, "choices": choices}
        if self.usage:
            prompt_tokens = len(body["prompt"]) if isinstance(body["prompt"], list) else len(tokens_of(body["prompt"]))
            reply["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": total,
                              "total_tokens": prompt_tokens + total}
        return reply

    def _error(self, h: _Handler, status: int, message: str, n: int) -> None:
        kind = ERRORS.get(status, "invalid_request_error")
        headers = {"x-request-id": f"req_{n:04d}", "retry-after-ms": "1"}
        self._send(h, status, {"error": {"message": message, "type": kind, "param": None,
                                         "code": kind if status == 429 else None}}, headers)

    @staticmethod
    def _send(h: _Handler, status: int, obj: Any, headers: dict | None = None) -> None:
        data = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real servers do
    timeout = 10  # an idle keep-alive connection gives its thread back after this
    fake: CompletionsServer  # set on a per-server subclass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        try:
            self.fake._handle(self, self.path.split("?")[0], body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout)

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass
