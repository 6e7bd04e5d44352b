"""A loopback server speaking the OpenAI completions protocol (POST /v1/completions), for tests.

Replies are deterministic in (prompt, seed, choice index); `max_tokens` truncates to that
many words (finish_reason "length"), stop strings cut (finish_reason "stop"). `faults` is a
list of what the first requests get instead: 429, 500, or "hang" (no answer for 5 s).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = "so the answer is clearly forty two because seventeen plus twenty five gives it".split()


class CompletionsServer:
    def __init__(self, faults=(), delay: float = 0.0):
        self.faults = list(faults)
        self.delay = delay
        self.requests: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with server._lock:
                    server.requests.append({"json": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                    fault = server.faults.pop(0) if server.faults else None
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if fault == "hang":
                        time.sleep(5)
                        return
                    if fault:
                        self._send(fault, {"error": {"message": f"injected {fault}", "type": "server_error", "code": fault}},
                                   {"retry-after-ms": "1"})
                        return
                    time.sleep(server.delay)
                    self._send(200, server.reply(body))
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, status, obj, headers=None):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def reply(self, body: dict) -> dict:
        choices = []
        for index in range(body.get("n", 1)):
            digest = hashlib.sha256(f"{body['prompt']}|{body.get('seed')}|{index}".encode()).digest()
            words = [WORDS[b % len(WORDS)] for b in digest[:24]]
            reason = "stop"
            if len(words) > body.get("max_tokens", 16):
                words, reason = words[: body["max_tokens"]], "length"
            text = " " + " ".join(words)
            for s in body.get("stop") or []:
                if s in text:
                    text, reason = text[: text.index(s)], "stop"
            logprobs = None
            if body.get("logprobs"):
                tokens = text.split()
                logprobs = {"tokens": tokens, "token_logprobs": [-0.5] * len(tokens), "top_logprobs": None,
                            "text_offset": list(range(len(tokens)))}
            choices.append({"index": index, "text": text, "finish_reason": reason, "logprobs": logprobs})
        tokens = sum(len(c["text"].split()) for c in choices)
        return {"id": "cmpl-test", "object": "text_completion", "created": 0, "model": body["model"], "choices": choices,
                "usage": {"prompt_tokens": 5, "completion_tokens": tokens, "total_tokens": tokens + 5}}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
