import torch

from backends.subject.sampling.local import LocalSampler, _next_tokens
from backends.subject.sampling import SamplingParams


def _prefix(handle) -> str:
    return handle.chat_prompt("What is 17 + 25?") + "First, add the tens."


def test_the_same_seed_gives_the_same_rollouts_and_another_seed_others(tiny):
    sampler = LocalSampler(tiny, batch_size=4)
    a = sampler.sample(_prefix(tiny), 6, SamplingParams(max_new_tokens=12, seed=3))
    b = sampler.sample(_prefix(tiny), 6, SamplingParams(max_new_tokens=12, seed=3))
    c = sampler.sample(_prefix(tiny), 6, SamplingParams(max_new_tokens=12, seed=4))
    assert len(a) == 6 and [r.text for r in a] == [r.text for r in b]
    assert [r.text for r in a] != [r.text for r in c]
    assert len({r.text for r in a}) > 1  # rows are not copies of each other


def test_greedy_rollouts_match_generate_token_for_token(tiny):
    """The shared static cache gives exactly what an ordinary generate call gives."""
    prefix = _prefix(tiny)
    ids = tiny.tokenizer(prefix, return_tensors="pt", add_special_tokens=False).input_ids
    out = tiny.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, do_sample=False,
                              eos_token_id=tiny.stop_token_ids, pad_token_id=tiny.stop_token_ids[0], top_k=None)
    new = out[0, ids.shape[1]:].tolist()
    reference = tiny.tokenizer.decode(new, skip_special_tokens=True)
    rollouts = LocalSampler(tiny).sample(prefix, 3, SamplingParams(max_new_tokens=20, temperature=0), logprobs=True)
    for r in rollouts:
        assert r.text == reference and r.n_tokens == len(new)


def test_log_probs_are_the_models_own_for_each_generated_token(tiny):
    prefix = _prefix(tiny)
    [r] = LocalSampler(tiny).sample(prefix, 1, SamplingParams(max_new_tokens=5, temperature=0), logprobs=True)
    ids = tiny.tokenizer(prefix, return_tensors="pt", add_special_tokens=False).input_ids.to(tiny.device)
    generated = tiny.tokenizer(r.text, add_special_tokens=False).input_ids
    with torch.no_grad():
        first = torch.log_softmax(tiny.model(input_ids=ids).logits[0, -1].float(), -1)
    assert len(r.logprobs) == r.n_tokens == 5
    assert abs(r.logprobs[0] - float(first.max())) < 1e-4
    assert all(lp <= 0 for lp in r.logprobs) and generated


def test_stop_strings_cut_the_text_and_say_so(tiny):
    rollouts = LocalSampler(tiny).sample(_prefix(tiny), 8, SamplingParams(max_new_tokens=40, seed=1, stop=["e"]))
    stopped = [r for r in rollouts if r.finish_reason == "stop"]
    assert stopped and all("e" not in r.text for r in stopped)
    assert all(r.finish_reason in ("stop", "length", "eos") for r in rollouts)


def test_should_stop_ends_early_with_what_was_sampled(tiny):
    calls = []
    rollouts = LocalSampler(tiny, batch_size=2).sample(_prefix(tiny), 6, SamplingParams(max_new_tokens=30, seed=1), progress=lambda d, t, n: calls.append(d), should_stop=lambda: len(calls) >= 5)
    assert 0 < len(rollouts) < 6
    assert all(r.n_tokens <= 30 for r in rollouts)


def test_nucleus_sampling_never_picks_outside_the_nucleus():
    logits = torch.tensor([[4.0, 3.0, 0.0, -1.0, -2.0]]).repeat(200, 1)
    picks = _next_tokens(logits, temperature=1.0, top_p=0.9, generator=torch.Generator().manual_seed(0))
    probs = torch.softmax(logits[0], -1)
    # the nucleus for top_p 0.9: tokens 0 and 1 hold 0.69 + 0.25 = 0.94
    assert probs[:2].sum() > 0.9 > probs[0]
    assert set(picks.tolist()) == {0, 1}
    assert _next_tokens(logits, 0, 0.9, torch.Generator()).tolist() == [0] * 200


def test_score_gives_back_the_log_probs_of_a_text_the_model_sampled(tiny):
    """Scoring a text teacher-forced gives the log-probs it had when sampled (temperature 1, as `logprobs` reports)."""
    prefix = _prefix(tiny)
    sampler = LocalSampler(tiny)
    [r] = sampler.sample(prefix, 1, SamplingParams(max_new_tokens=8, temperature=1.0, top_p=1.0, seed=3), logprobs=True)  # a seed whose text retokenizes to the same 8 tokens
    scored = sampler.score(prefix, r.text)
    assert len(scored) == len(r.logprobs) == 8
    # one forward over the text against step-by-step decoding: equal in float32, close in bf16 (on a GPU)
    tolerance = 1e-4 if tiny.dtype == torch.float32 else 1e-2
    assert torch.allclose(torch.tensor(scored), torch.tensor(r.logprobs), atol=tolerance)
    assert sampler.score(prefix, "") == []
