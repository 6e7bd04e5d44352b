"""The remote sampler: rollouts from any OpenAI-compatible completions endpoint.

vLLM, SGLang and hosted providers serve the legacy text-completions API,
`POST {base_url}/completions`, with `n` choices per request; this is the path for
models that do not fit one machine. It uses the official `openai` client, whose
retries with backoff (honouring retry-after) cover 429, 5xx and timeouts; whatever
still fails after them is raised to the caller unchanged.

    sampler = RemoteSampler("http://localhost:8000/v1", "Qwen/Qwen3-8B", concurrency=8, tokenizer=tok)
    rollouts = sampler.sample(prefix, 40, SamplingParams(max_new_tokens=256, seed=0))
    per_prefix = sampler.sample_many([(p, 4, params.at("position", i)) for i, p in enumerate(prefixes)])

- Prompts go as token ids when the sampler has the served model's tokenizer: the ids of the
  prefix with add_special_tokens=False (a chat template writes its own BOS), sent as `prompt`
  (vLLM and SGLang take a token-id list there), so the server adds nothing and the model sees
  exactly what Parley tokenized; a text prompt would be re-tokenized by the server, which adds
  a BOS by default (twice, with a template that writes one). `first_prompt_ids` keeps the ids of
  the first prompt sent, for the run's record. Without a tokenizer the text is sent.
- `sample_many` sends a whole batch (every prefix of a round, every rollout) at once: each
  prefix's `n` split as below, all requests sharing one bound of `concurrency` in flight;
  `sample` is a batch of one.
- `n` is split into requests of at most `max_n_per_request` choices; at most
  `concurrency` run at once. Request k is sent seed `derive(seed, "request", k)`, and the rollouts come
  back in request order, each request's choices in `index` order, so the same call
  gives the same list wherever the server honours seeds.
- `should_stop()` is checked before each request is sent (and while waiting): when it
  turns true the rollouts of the requests finished so far are returned, possibly fewer
  than `n`. Requests already in flight are not waited for (a sync HTTP call cannot be
  interrupted; they finish in the background and, with a cache, are kept for next time).
- With `cache_dir`, each request's rollouts are a JSON file named by a sha256 of
  (base_url, model, prefix, its token ids when sent as ids, request index and size,
  max_tokens, temperature, top_p, seed, stop, logprobs), written atomically; a repeated call sends nothing. The API
  key is neither in the hash nor in the file.

Finish reasons: the API's "length" stays "length". Its "stop" means either the model's
end-of-sequence or a stop string: it becomes "stop" when a stop string matched, else
"eos". Whether one matched is read from what the server says (vLLM's `stop_reason`,
SGLang's `matched_stop`: the string, or null / a token id for end-of-sequence), else
from a stop string left in the text (then cut here). A server that says neither (the
OpenAI API itself) cannot be told apart: with stop strings given, its "stop" is taken
as "stop".

Token counts (`n_tokens`): the length of `logprobs.tokens` when the server returned
them (always when `logprobs=True`); else the request's `usage.completion_tokens`
split evenly over its choices (servers report only the total, so this is an average,
exact for n=1); else, with no usage either, a whitespace word count (an estimate).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import openai

from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.redaction import redact
from backends.subject.sampling import Rollout, SamplingParams, cut_at_stop
from backends.core.seeds import derive

_POLL_S = 0.1  # how often should_stop() is asked while requests are in flight


class RemoteSampler:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 4,
                 max_retries: int = 3, timeout: float = 120.0, cache_dir: Path | None = None,
                 max_n_per_request: int = 16, tokenizer: Any = None):
        """`tokenizer`: the served model's (backends/subject/template.py); with it every prompt is sent
        as the token ids it gives (add_special_tokens=False), so the model sees exactly those."""
        if concurrency < 1 or max_n_per_request < 1:
            raise ValueError("concurrency and max_n_per_request must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.concurrency = concurrency
        self.max_n_per_request = max_n_per_request
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.tokenizer = tokenizer
        self.first_prompt_ids: list[int] | None = None  # the first prompt sent as ids, for the run's record
        self.name = f"remote:{model}"
        # The key lives only inside the client (its Authorization header).
        self.client = openai.OpenAI(base_url=self.base_url, api_key=api_key or "not-needed",
                                    max_retries=max_retries, timeout=timeout)

    def __repr__(self) -> str:  # never the client (it holds the key)
        return f"RemoteSampler({self.base_url!r}, {self.model!r})"

    def encode(self, text: str) -> list[int] | str:
        """What is sent as `prompt`: the token ids of `text` exactly (nothing added), or the text
        itself without a tokenizer (the server then tokenizes it, adding its special tokens)."""
        if self.tokenizer is None:
            return text
        return list(self.tokenizer(text, add_special_tokens=False).input_ids)

    def sample(
        self,
        prefix: str,
        n: int,
        params: SamplingParams,
        *,
        logprobs: bool = False,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[Rollout]:
        [rollouts] = self.sample_many([(prefix, n, params)], logprobs=logprobs, progress=progress,
                                      should_stop=should_stop)
        return rollouts

    def sample_many(
        self,
        requests: list[tuple[str, int, SamplingParams]],
        *,
        logprobs: bool = False,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[list[Rollout]]:
        """Every (prefix, n, params) of the batch at once: each split into requests of at most
        `max_n_per_request` choices, all of them sent with at most `concurrency` in flight. Request k
        of a prefix has seed derive(params.seed, "request", k), as when sent alone; the rollouts come
        back per prefix, in request order."""
        progress, should_stop = progress or no_progress, should_stop or never_stop
        jobs: list[tuple[int, int, int, int, dict]] = []  # (prefix i, request k, size, seed, body)
        encoded: dict[str, list[int] | str] = {}
        for i, (prefix, n, params) in enumerate(requests):
            if prefix not in encoded:
                encoded[prefix] = self.encode(prefix)
            body = {"prompt": encoded[prefix], "text": prefix, "max_tokens": params.max_new_tokens,
                    "temperature": params.temperature, "top_p": params.top_p, "stop": list(params.stop) or None,
                    "logprobs": bool(logprobs)}
            size = self.max_n_per_request
            for k, start in enumerate(range(0, max(n, 0), size)):
                jobs.append((i, k, min(size, n - start), derive(params.seed, "request", k), body))
        if jobs and self.first_prompt_ids is None and isinstance(jobs[0][4]["prompt"], list):
            self.first_prompt_ids = list(jobs[0][4]["prompt"])
        total = sum(size for _, _, size, _, _ in jobs)
        results: dict[int, list[Rollout]] = {}
        pending: dict[Future, int] = {}
        next_j, done, stopped = 0, 0, False
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="remote-sampler")
        try:
            while not stopped and (next_j < len(jobs) or pending):
                while next_j < len(jobs) and len(pending) < self.concurrency:
                    if should_stop():
                        stopped = True
                        break
                    _, k, size, seed, body = jobs[next_j]
                    pending[pool.submit(self._request, k, size, seed, body)] = next_j
                    next_j += 1
                if stopped or not pending:
                    break
                finished, _ = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=pending.__getitem__):
                    j = pending.pop(future)
                    results[j] = future.result()  # an error after the SDK's retries propagates
                    done += len(results[j])
                    progress(done, total, "rollouts")
                if not finished and should_stop():
                    stopped = True
        finally:
            # Nothing is left on the normal path; on a stop or an error, requests not sent
            # yet are dropped and those in flight are not waited for.
            pool.shutdown(wait=False, cancel_futures=True)
        out: list[list[Rollout]] = [[] for _ in requests]
        for j in sorted(results):
            out[jobs[j][0]] += results[j]
        return out

    def score(self, prefix: str, text: str) -> list[float]:
        """Log-prob of each token of `text` after `prefix`, read from the server's echoed prompt
        log-probs (`echo` with `logprobs`, as vLLM serves them). With a tokenizer the joined text is
        sent as its token ids and the tokens that start inside `text` are picked by position; without,
        by the echoed text offsets. A server that echoes no log-probs gives an empty list."""
        first = None
        prompt: Any = prefix + text
        if self.tokenizer is not None and getattr(self.tokenizer, "is_fast", False):  # offsets need a fast one
            enc = self.tokenizer(prefix + text, add_special_tokens=False, return_offsets_mapping=True)
            prompt = list(enc.input_ids)
            first = next((k for k, (start, _) in enumerate(enc.offset_mapping) if start >= len(prefix)), len(prompt))
        response = self.client.completions.create(model=self.model, prompt=prompt, max_tokens=1, echo=True,
                                                  logprobs=0, temperature=0.0)
        lp = response.choices[0].logprobs if response.choices else None
        if lp is None or lp.token_logprobs is None:
            return []
        if first is not None:
            return [float(v) for v in lp.token_logprobs[max(first, 1):len(prompt)] if v is not None]
        if lp.text_offset is None:
            return []
        end = len(prefix) + len(text)
        return [float(v) for v, at in zip(lp.token_logprobs, lp.text_offset)
                if v is not None and len(prefix) <= at < end]

    # ------------------------------------------------------------------ one request

    def _request(self, k: int, size: int, seed: int, params: dict) -> list[Rollout]:
        path = self._cache_path(k, size, seed, params)
        if path is not None:
            cached = _read_cache(path)
            if cached is not None:
                return cached
        kwargs: dict[str, Any] = {"model": self.model, "prompt": params["prompt"], "n": size,
                                  "max_tokens": params["max_tokens"], "temperature": params["temperature"],
                                  "top_p": params["top_p"], "seed": seed}
        if params["stop"]:
            kwargs["stop"] = params["stop"]
        if params["logprobs"]:
            kwargs["logprobs"] = 1
        response = self.client.completions.create(**kwargs)
        choices = sorted(response.choices, key=lambda c: c.index)
        usage_tokens = getattr(response.usage, "completion_tokens", None) if response.usage else None
        per_choice = round(usage_tokens / len(choices)) if usage_tokens is not None and choices else None
        rollouts = [_rollout(c, params["stop"], params["logprobs"], per_choice) for c in choices]
        if path is not None:
            _write_atomic(path, [{"text": r.text, "n_tokens": r.n_tokens, "finish_reason": r.finish_reason,
                                  "logprobs": r.logprobs} for r in rollouts])
        return rollouts

    def _cache_path(self, k: int, size: int, seed: int, params: dict) -> Path | None:
        if self.cache_dir is None:
            return None
        fields = {"base_url": self.base_url, "model": self.model, "prefix": params["text"], "request": k,
                  "n": size, "max_tokens": params["max_tokens"], "temperature": params["temperature"],
                  "top_p": params["top_p"], "seed": seed, "stop": params["stop"], "logprobs": params["logprobs"]}
        if isinstance(params["prompt"], list):  # what the server saw: the ids (another tokenizer, another key)
            fields["prompt_ids"] = params["prompt"]
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
        return self.cache_dir / f"{digest}.json"


def _rollout(choice: Any, stop: list[str] | None, want_logprobs: bool, per_choice: int | None) -> Rollout:
    text, cut = cut_at_stop(choice.text or "", stop)  # servers asked to keep the stop string
    lp = choice.logprobs
    tokens = list(lp.tokens) if lp is not None and lp.tokens is not None else None
    token_logprobs = list(lp.token_logprobs) if lp is not None and lp.token_logprobs is not None else None
    if cut and tokens is not None:  # drop the tokens of the stop string and after
        kept, length = 0, 0
        while kept < len(tokens) and length < len(text):
            length += len(tokens[kept])
            kept += 1
        tokens = tokens[:kept]
        token_logprobs = token_logprobs[:kept] if token_logprobs is not None else None
    if tokens is not None:
        n_tokens = len(tokens)
    elif per_choice is not None:
        n_tokens = per_choice
    else:
        n_tokens = len(text.split())  # an estimate: no token list and no usage from the server
    reason = choice.finish_reason
    if reason == "length" and not cut:
        finish = "length"
    elif cut:
        finish = "stop"
    else:
        finish = "stop" if stop and _server_matched_stop(choice, stop) else "eos"
    return Rollout(text=text, n_tokens=n_tokens, finish_reason=finish,
                   logprobs=[float(x) if x is not None else float("nan") for x in token_logprobs]
                   if want_logprobs and token_logprobs is not None else None)


def _server_matched_stop(choice: Any, stop: list[str]) -> bool:
    """Whether the server says a stop string ended this choice (True when it does not say)."""
    extra = getattr(choice, "model_extra", None) or {}
    for field in ("stop_reason", "matched_stop"):  # vLLM, SGLang
        if field in extra:
            return isinstance(extra[field], str) and extra[field] in stop
    return True


def _read_cache(path: Path) -> list[Rollout] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Rollout(text=r["text"], n_tokens=r["n_tokens"], finish_reason=r["finish_reason"],
                        logprobs=r["logprobs"]) for r in rows]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or unreadable: ask the server again


def _write_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(redact(data, text_tokens=True), f)  # a rollout that repeats a key from its prompt
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def server_sampler(settings, placement, name: str, tokenizer: Any = None) -> RemoteSampler:
    """The sampler of a model placed on a completions server (backends/core/settings.Placement): its
    base_url, served name, concurrency and key (the env var `api_key_env`, default PARLEY_SAMPLER_API_KEY);
    with the served model's `tokenizer`, prompts go as token ids."""
    from backends.core.llm import SAMPLER_KEY_VAR
    from backends.subject.placement import served_name

    from backends.core.redaction import remember_secrets

    key = os.environ.get(placement.api_key_env or SAMPLER_KEY_VAR)
    remember_secrets([key])  # a key from a variable of the user's choosing is redacted like the known ones
    return RemoteSampler(placement.base_url, served_name(placement, name), api_key=key,
                         concurrency=placement.concurrency, cache_dir=settings.home / "sampler-cache",
                         tokenizer=tokenizer)
