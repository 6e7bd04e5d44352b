"""The remote sampler with the real openai client against a loopback completions server."""

import pytest

from backends.sampling.remote import RemoteSampler
from tests.backends.completions_server import CompletionsServer

KEY = "sk-planted-remote-0123456789"


@pytest.mark.timeout(60)
def test_rollouts_come_in_bounded_concurrent_requests_in_a_stable_order():
    with CompletionsServer(delay=0.2) as server:
        sampler = RemoteSampler(server.base_url, "served-model", concurrency=2, max_n_per_request=16)
        first = sampler.sample("Q: 17 + 25?", 40, max_new_tokens=8, seed=5)
        peak = server.max_in_flight
        again = RemoteSampler(server.base_url, "served-model").sample("Q: 17 + 25?", 40, max_new_tokens=8, seed=5)
    assert len(first) == 40 and [r.text for r in first] == [r.text for r in again]
    sent = [r["json"] for r in server.requests[:3]]
    assert sorted(r["n"] for r in sent) == [8, 16, 16] and sorted(r["seed"] for r in sent) == [5, 6, 7]
    assert peak == 2
    assert all(r.finish_reason == "length" and r.n_tokens > 0 for r in first)


@pytest.mark.timeout(60)
def test_429_500_and_a_timeout_are_retried():
    with CompletionsServer(faults=[429, 500, "hang"]) as server:
        sampler = RemoteSampler(server.base_url, "m", concurrency=1, max_retries=3, timeout=1)
        rollouts = sampler.sample("prefix", 4, max_new_tokens=30, seed=1)
    assert len(rollouts) == 4 and len(server.requests) == 4


@pytest.mark.timeout(60)
def test_the_cache_answers_repeated_calls_and_never_holds_the_key(tmp_path):
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m", api_key=KEY, cache_dir=tmp_path)
        a = sampler.sample("prefix", 3, max_new_tokens=30, seed=2)
        sent = len(server.requests)
        b = sampler.sample("prefix", 3, max_new_tokens=30, seed=2)
        assert len(server.requests) == sent == 1
        assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    assert [r.text for r in a] == [r.text for r in b]
    for path in tmp_path.rglob("*"):
        assert KEY.encode() not in path.read_bytes()


@pytest.mark.timeout(60)
def test_stop_strings_log_probs_and_stopping_early():
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m", concurrency=1, max_n_per_request=2)
        rollouts = sampler.sample("prefix", 2, max_new_tokens=30, seed=3, stop=["answer"], logprobs=True)
        assert all(r.finish_reason == "stop" and "answer" not in r.text for r in rollouts)
        assert all(r.logprobs and len(r.logprobs) == r.n_tokens for r in rollouts if r.text.strip())
        calls = []
        partial = sampler.sample("prefix", 8, max_new_tokens=5, progress=lambda d, t, n: calls.append(d),
                                 should_stop=lambda: len(server.requests) >= 2)
    assert 0 < len(partial) < 8
