"""The remote sampler: rollouts from any OpenAI-compatible completions endpoint.

vLLM, SGLang and hosted providers serve `POST /v1/completions` with `n` choices per
request; this is the path for models that do not fit one machine. Requests of at most
`max_n_per_request` choices run with bounded concurrency; request k uses seed `seed + k`
so results are reproducible where the server honours seeds. The official `openai`
client retries 429, 5xx and timeouts with backoff. With a `cache_dir`, each request's
choices are kept on disk under a hash of its parameters (never the key), so a repeated
call sends nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backends.progress import Progress, ShouldStop, never_stop, no_progress
from backends.sampling import Rollout, cut_at_stop


class RemoteSampler:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 4,
                 max_retries: int = 3, timeout: float = 120.0, cache_dir: Path | None = None,
                 max_n_per_request: int = 16):
        from openai import OpenAI

        self.base_url, self.model = base_url, model
        self.concurrency, self.max_n = concurrency, max_n_per_request
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", max_retries=max_retries, timeout=timeout)
        self.name = f"remote:{model}"

    def sample(self, prefix: str, n: int, *, max_new_tokens: int = 256, temperature: float = 0.6, top_p: float = 0.95,
               seed: int = 0, stop: list[str] | None = None, logprobs: bool = False,
               progress: Progress | None = None, should_stop: ShouldStop | None = None) -> list[Rollout]:
        progress, should_stop = progress or no_progress, should_stop or never_stop
        sizes = [min(self.max_n, n - start) for start in range(0, n, self.max_n)]
        params = dict(prompt=prefix, max_tokens=max_new_tokens, temperature=temperature, top_p=top_p, stop=stop or None,
                      logprobs=1 if logprobs else None)
        results: list[list[Rollout] | None] = [None] * len(sizes)
        done = 0
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [(k, pool.submit(self._request, k, size, seed + k, stop, params, should_stop))
                       for k, size in enumerate(sizes)]
            for k, future in futures:
                results[k] = future.result()
                done += len(results[k])
                progress(done, n, "rollouts")
        return [r for chunk in results if chunk for r in chunk]

    def _request(self, k: int, size: int, seed: int, stop, params: dict, should_stop: ShouldStop = never_stop) -> list[Rollout]:
        if should_stop():  # checked when the request's turn comes, not when it was queued
            return []
        key = hashlib.sha256(json.dumps([self.base_url, self.model, k, size, seed, params], sort_keys=True).encode()).hexdigest()
        cached = self.cache_dir / f"{key}.json" if self.cache_dir else None
        if cached and cached.exists():
            choices = json.loads(cached.read_text(encoding="utf-8"))
        else:
            response = self.client.completions.create(model=self.model, n=size, seed=seed, **params)
            per_choice = (response.usage.completion_tokens // max(len(response.choices), 1)) if response.usage else None
            choices = []
            for choice in sorted(response.choices, key=lambda c: c.index):
                tokens = choice.logprobs.tokens if choice.logprobs and choice.logprobs.tokens else None
                choices.append({
                    "text": choice.text,
                    "finish_reason": choice.finish_reason,
                    # Token counts: from the log-prob tokens when asked for; else the usage total split
                    # evenly over the choices (servers report only the sum); else a word estimate.
                    "n_tokens": len(tokens) if tokens else per_choice or len(choice.text.split()),
                    "logprobs": list(choice.logprobs.token_logprobs) if choice.logprobs and params["logprobs"] else None,
                })
            if cached:
                _write_atomic(cached, choices)
        rollouts = []
        for c in choices:
            text, stopped = cut_at_stop(c["text"], stop)
            reason = "length" if c["finish_reason"] == "length" else ("stop" if stop and (stopped or c["finish_reason"] == "stop") else "eos")
            rollouts.append(Rollout(text=text, n_tokens=c["n_tokens"], finish_reason=reason, logprobs=c["logprobs"]))
        return rollouts


def _write_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)
