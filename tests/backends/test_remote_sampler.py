"""The remote sampler, with the real openai client, against a loopback completions server."""

from __future__ import annotations

import openai
import pytest

from backends.core.seeds import derive
from backends.subject.sampling.remote import RemoteSampler
from backends.subject.sampling import SamplingParams
from tests.backends.completions_server import CompletionsServer, expected, tokens_of

KEY = "sk-planted-remote-0123456789"
PREFIX = "Q: What is 17 + 25?\nA: Let me think."


def expected_texts(prefix: str, n: int, per_request: int, seed: int, max_tokens: int) -> list[str]:
    """The fake's choices in the order the sampler must return them: request k (derive(seed, "request", k)), index order."""
    out = []
    for k, start in enumerate(range(0, n, per_request)):
        out += [expected(prefix, derive(seed, "request", k), i, max_tokens)[0] for i in range(min(per_request, n - start))]
    return out


@pytest.mark.timeout(60)
def test_forty_rollouts_come_in_three_requests_in_a_stable_seeded_order():
    with CompletionsServer(reverse_choices=True) as server:
        sampler = RemoteSampler(server.base_url, "served-model", max_n_per_request=16)
        calls = []
        first = sampler.sample(PREFIX, 40, SamplingParams(max_new_tokens=64, seed=5), progress=lambda *a: calls.append(a))
        sent = [r["json"] for r in server.requests]
        again = RemoteSampler(server.base_url, "served-model", max_n_per_request=16).sample(PREFIX, 40, SamplingParams(max_new_tokens=64, seed=5))
        other_seed = sampler.sample(PREFIX, 40, SamplingParams(max_new_tokens=64, seed=6))
    assert sampler.name == "remote:served-model"
    assert len(sent) == 3 and sorted((r["n"], r["seed"]) for r in sent) == sorted(
        [(16, derive(5, "request", 0)), (16, derive(5, "request", 1)), (8, derive(5, "request", 2))])
    assert {r["model"] for r in sent} == {"served-model"} and {r["prompt"] for r in sent} == {PREFIX}
    assert [r.text for r in first] == expected_texts(PREFIX, 40, 16, 5, 64)
    assert [r.text for r in again] == [r.text for r in first]
    assert [r.text for r in other_seed] != [r.text for r in first]
    assert all(r.finish_reason == "eos" and r.n_tokens > 0 and r.logprobs is None for r in first)
    done = [c[0] for c in calls]  # after each request, in the order they finished
    assert len(done) == 3 and done == sorted(done) and calls[-1] == (40, 40, "rollouts")


@pytest.mark.timeout(60)
def test_no_more_than_concurrency_requests_are_in_flight():
    with CompletionsServer(delay=0.1) as server:
        rollouts = RemoteSampler(server.base_url, "m", concurrency=3, max_n_per_request=4).sample(PREFIX, 40, SamplingParams(seed=1))
    assert len(rollouts) == 40 and len(server.requests) == 10
    assert server.max_in_flight == 3  # overlapped, never beyond the bound


@pytest.mark.timeout(60)
def test_429_and_500_are_retried_and_the_result_is_complete():
    with CompletionsServer(faults=[429, 500]) as server:
        sampler = RemoteSampler(server.base_url, "m", concurrency=1, max_retries=3, max_n_per_request=2)
        rollouts = sampler.sample(PREFIX, 4, SamplingParams(seed=1))
    assert server.faults_served == 2 and len(server.requests) == 4  # 2 faults, then both requests answered
    assert [r.text for r in rollouts] == expected_texts(PREFIX, 4, 2, 1, 256)


@pytest.mark.timeout(60)
def test_a_request_that_hangs_past_the_timeout_is_retried():
    with CompletionsServer(faults=["hang"], hang_s=5) as server:
        rollouts = RemoteSampler(server.base_url, "m", max_retries=2, timeout=0.5).sample(PREFIX, 3, SamplingParams(seed=2))
    assert len(server.requests) == 2 and len(rollouts) == 3


@pytest.mark.timeout(60)
def test_an_error_that_outlasts_the_retries_is_raised():
    with CompletionsServer(faults=[500, 500, 500]) as server:
        with pytest.raises(openai.InternalServerError):
            RemoteSampler(server.base_url, "m", max_retries=1).sample(PREFIX, 2, SamplingParams())
    assert len(server.requests) == 2


@pytest.mark.timeout(60)
def test_the_cache_answers_a_repeated_call_and_never_holds_the_key(tmp_path):
    cache = tmp_path / "sampler-cache"
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m", api_key=KEY, cache_dir=cache, max_n_per_request=2)
        a = sampler.sample(PREFIX, 3, SamplingParams(max_new_tokens=30, seed=2), logprobs=True)
        assert len(server.requests) == 2
        assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in server.requests)
        b = sampler.sample(PREFIX, 3, SamplingParams(max_new_tokens=30, seed=2), logprobs=True)
        # the key is no part of the cache key: another sampler with another key reads the same files
        c = RemoteSampler(server.base_url, "m", api_key="sk-other", cache_dir=cache, max_n_per_request=2).sample(PREFIX, 3, SamplingParams(max_new_tokens=30, seed=2), logprobs=True)
        assert len(server.requests) == 2
        sampler.sample(PREFIX, 3, SamplingParams(max_new_tokens=30, seed=3), logprobs=True)  # another seed is asked for
        assert len(server.requests) == 4
    assert a == b == c and a[0].logprobs
    files = list(cache.rglob("*"))
    assert len(files) == 4 and all(f.suffix == ".json" and not f.name.startswith(".tmp") for f in files)
    for f in files:
        assert KEY.encode() not in f.read_bytes() and b"sk-" not in f.read_bytes()


@pytest.mark.timeout(60)
def test_stop_strings_and_max_tokens_give_the_right_finish_reasons():
    stop = ["answer", "12"]
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m", max_n_per_request=16)
        rollouts = sampler.sample(PREFIX, 32, SamplingParams(max_new_tokens=12, seed=0, stop=stop))
        short = sampler.sample(PREFIX, 8, SamplingParams(max_new_tokens=2, seed=0))
    assert server.requests[0]["json"]["stop"] == stop
    want = [expected(PREFIX, derive(0, "request", k), i, 12, stop) for k in range(2) for i in range(16)]
    assert [r.text for r in rollouts] == [w[0] for w in want]
    reasons = [{"length": "length", "stop": "stop" if w[2] else "eos"}[w[1]] for w in want]
    assert [r.finish_reason for r in rollouts] == reasons and {"stop", "eos", "length"} <= set(reasons)
    assert all(not any(s in r.text for s in stop) for r in rollouts)
    short_want = [expected(PREFIX, derive(0, "request", 0), i, 2)[1] for i in range(8)]
    assert [r.finish_reason for r in short] == [{"length": "length", "stop": "eos"}[w] for w in short_want]
    assert "length" in short_want and all(len(tokens_of(r.text)) <= 2 for r in short)


@pytest.mark.timeout(60)
def test_a_stop_string_left_in_the_text_is_cut_here():
    # vLLM with include_stop_str_in_output; the token list is cut to match
    with CompletionsServer(keep_stop=True, stop_reason=False) as server:
        rollouts = RemoteSampler(server.base_url, "m").sample(PREFIX, 16, SamplingParams(max_new_tokens=40, seed=0, stop=[" 42"]), logprobs=True)
    for r in rollouts:
        assert " 42" not in r.text and r.finish_reason == "stop"  # every continuation says 42
        assert len(r.logprobs) == r.n_tokens == len(tokens_of(r.text))


@pytest.mark.timeout(60)
def test_log_probs_are_returned_when_asked():
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m")
        with_lp = sampler.sample(PREFIX, 4, SamplingParams(max_new_tokens=40, seed=4), logprobs=True)
        without = sampler.sample(PREFIX, 4, SamplingParams(max_new_tokens=40, seed=4))
    assert server.requests[0]["json"]["logprobs"] == 1 and "logprobs" not in server.requests[1]["json"]
    for r in with_lp:
        assert len(r.logprobs) == r.n_tokens == len(tokens_of(r.text)) > 0
        assert all(isinstance(x, float) and x < 0 for x in r.logprobs)
    assert [r.text for r in without] == [r.text for r in with_lp] and all(r.logprobs is None for r in without)


@pytest.mark.timeout(60)
def test_token_counts_fall_back_to_usage_then_to_words():
    with CompletionsServer() as server:
        one = RemoteSampler(server.base_url, "m", max_n_per_request=1).sample(PREFIX, 3, SamplingParams(max_new_tokens=40, seed=9))
        four = RemoteSampler(server.base_url, "m").sample(PREFIX, 4, SamplingParams(max_new_tokens=40, seed=9))
    assert [r.n_tokens for r in one] == [len(tokens_of(r.text)) for r in one]  # usage of a single choice: exact
    assert len({r.n_tokens for r in four}) == 1  # only the total is known: split evenly
    assert sum(r.n_tokens for r in four) == pytest.approx(sum(len(tokens_of(r.text)) for r in four), abs=2)
    with CompletionsServer(usage=False) as server:
        bare = RemoteSampler(server.base_url, "m").sample(PREFIX, 4, SamplingParams(max_new_tokens=40, seed=9))
    assert [r.n_tokens for r in bare] == [len(r.text.split()) for r in bare]


@pytest.mark.timeout(60)
def test_should_stop_after_the_first_request_returns_what_finished():
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m", concurrency=1, max_n_per_request=2)
        calls = []
        partial = sampler.sample(PREFIX, 8, SamplingParams(seed=1), progress=lambda *a: calls.append(a), should_stop=lambda: len(calls) >= 1)
        assert len(server.requests) == 1 and calls == [(2, 8, "rollouts")]
        assert [r.text for r in partial] == expected_texts(PREFIX, 2, 2, 1, 256)
        assert sampler.sample(PREFIX, 8, SamplingParams(), should_stop=lambda: True) == [] and len(server.requests) == 1
        assert sampler.sample(PREFIX, 0, SamplingParams()) == [] and len(server.requests) == 1


@pytest.mark.timeout(60)
def test_score_reads_the_log_probs_of_the_text_from_the_echoed_prompt():
    with CompletionsServer() as server:
        values = RemoteSampler(server.base_url, "served-model").score("Q: hi", " there friend")
        sent = server.requests[-1]["json"]
    assert sent["echo"] is True and sent["prompt"] == "Q: hi there friend" and sent["logprobs"] == 0
    # echoed tokens "Q:", " hi", " there", " friend": the last two start inside the text
    assert values == pytest.approx([-1.2, -1.3])


# --- token-id prompts and batches ----------------------------------------------------------------

def _chat(tokenizer, question: str = "What is 17 + 25?") -> str:
    return tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                         add_generation_prompt=True)


@pytest.mark.timeout(60)
def test_prompts_go_as_the_exact_token_ids_so_a_templates_bos_is_not_doubled():
    from tests.backends.toy_tokenizer import toy_tokenizer

    tok = toy_tokenizer()
    prompt = _chat(tok) + "Let me think."
    ids = tok(prompt, add_special_tokens=False).input_ids
    assert prompt.startswith("<s>") and ids.count(tok.bos_token_id) == 1
    with CompletionsServer(tokenizer=tok) as server:
        sampler = RemoteSampler(server.base_url, "m", max_n_per_request=2, tokenizer=tok)
        rollouts = sampler.sample(prompt, 3, SamplingParams(max_new_tokens=40, seed=7))
        as_text = RemoteSampler(server.base_url, "m").sample(prompt, 1, SamplingParams(seed=7))  # no tokenizer: text
    sent = server.prompts
    assert sent[:2] == [ids, ids] and sampler.first_prompt_ids == ids  # both requests: exactly Parley's ids
    assert [m.count(tok.bos_token_id) for m in server.model_inputs] == [1, 1, 2]  # the text path doubles the BOS
    assert sent[2] == prompt and len(as_text) == 1
    # replies depend on the ids: the same continuations the fake gives for those ids and seeds
    assert [r.text for r in rollouts] == [expected(ids, derive(7, "request", k), i, 40)[0] for k, i in [(0, 0), (0, 1), (1, 0)]]


@pytest.mark.timeout(60)
def test_the_cache_key_holds_the_ids_sent(tmp_path):
    from tests.backends.toy_tokenizer import toy_tokenizer

    toy, cache = toy_tokenizer(), tmp_path / "sampler-cache"
    with CompletionsServer() as server:
        params = SamplingParams(max_new_tokens=20, seed=1)
        RemoteSampler(server.base_url, "m", cache_dir=cache, tokenizer=toy).sample(PREFIX, 2, params)
        RemoteSampler(server.base_url, "m", cache_dir=cache, tokenizer=toy).sample(PREFIX, 2, params)
        assert len(server.requests) == 1  # the same ids: answered from the cache
        RemoteSampler(server.base_url, "m", cache_dir=cache).sample(PREFIX, 2, params)  # the same text, sent as text
        assert len(server.requests) == 2


@pytest.mark.timeout(60)
def test_a_batch_is_sent_at_once_with_bounded_concurrency_and_comes_back_as_one_by_one():
    from tests.backends.toy_tokenizer import toy_tokenizer

    tok = toy_tokenizer()
    prefixes = [_chat(tok) + "Step " * k for k in range(6)]
    base = SamplingParams(max_new_tokens=30, seed=3)
    requests = [(p, 5, base.at("position", k)) for k, p in enumerate(prefixes)]
    with CompletionsServer(delay=0.05) as server:
        sampler = RemoteSampler(server.base_url, "m", concurrency=4, max_n_per_request=2, tokenizer=tok)
        seen = []
        batch = sampler.sample_many(requests, progress=lambda *a: seen.append(a))
        in_flight, sent = server.max_in_flight, [r["json"] for r in server.requests]
        alone = [RemoteSampler(server.base_url, "m", max_n_per_request=2, tokenizer=tok).sample(p, n, params)
                 for p, n, params in requests]
    assert in_flight > 1  # overlapped across prefixes
    assert in_flight <= 4  # never beyond the bound
    assert len(sent) == 6 * 3 and sorted(r["n"] for r in sent) == [1] * 6 + [2] * 12  # 5 = 2 + 2 + 1 each
    assert [[r.text for r in rs] for rs in batch] == [[r.text for r in rs] for rs in alone]
    for (p, n, params), rollouts in zip(requests, batch):  # every prefix's rollouts, in request order
        ids = tok(p, add_special_tokens=False).input_ids
        assert [r.text for r in rollouts] == [expected(ids, derive(params.seed, "request", k), i, 30)[0]
                                              for k, size in enumerate((2, 2, 1)) for i in range(size)]
    assert seen[-1] == (30, 30, "rollouts")


@pytest.mark.timeout(60)
def test_should_stop_ends_a_batch_between_requests():
    with CompletionsServer() as server:
        sampler = RemoteSampler(server.base_url, "m", concurrency=1, max_n_per_request=2)
        seen = []
        out = sampler.sample_many([("a", 4, SamplingParams(seed=1)), ("b", 4, SamplingParams(seed=2))],
                                  progress=lambda *a: seen.append(a), should_stop=lambda: len(seen) >= 3)
    assert len(server.requests) == 3 and [len(x) for x in out] == [4, 2]
    assert [r.text for r in out[1]] == expected_texts("b", 2, 2, 2, 256)


@pytest.mark.timeout(60)
def test_score_with_a_tokenizer_sends_the_ids_and_picks_the_texts_tokens_by_position():
    from tests.backends.toy_tokenizer import toy_tokenizer

    tok = toy_tokenizer()  # one token per byte: "Q: hi" is 5 tokens, " there" 6
    with CompletionsServer(tokenizer=tok) as server:
        values = RemoteSampler(server.base_url, "m", tokenizer=tok).score("Q: hi", " there")
        sent = server.requests[-1]["json"]
    assert sent["prompt"] == tok("Q: hi there", add_special_tokens=False).input_ids and sent["echo"] is True
    assert values == pytest.approx([-1.0 - 0.1 * i for i in range(5, 11)])
