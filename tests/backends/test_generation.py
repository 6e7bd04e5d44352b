"""A chain of thought sampled in chunks through the sampler interface (backends/subject/generation.py)."""

import json

import torch

from backends.subject.generation import CotGeneration
from backends.subject.sampling import SamplingParams
from backends.subject.sampling.local import LocalSampler

PROMPT_Q = "What is 17 + 25?"


def _generate(handle, params, chunk=8, state=None, question=PROMPT_Q, **advance):
    generation = CotGeneration(LocalSampler(handle), handle.chat_prompt(question), params, chunk=chunk, state=state)
    done = generation.advance(**advance)
    return generation, done


def test_the_same_seed_gives_the_same_text_and_another_seed_another(tiny):
    a, _ = _generate(tiny, SamplingParams(max_new_tokens=24, seed=7))
    b, _ = _generate(tiny, SamplingParams(max_new_tokens=24, seed=7))
    c, _ = _generate(tiny, SamplingParams(max_new_tokens=24, seed=8))
    assert a.result()["cot"] == b.result()["cot"] and a.result()["n_tokens"] == 24
    assert a.result()["cot"] != c.result()["cot"]


def test_sampling_leaves_the_callers_random_state_alone(tiny):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _generate(tiny, SamplingParams(max_new_tokens=5, seed=1))
    assert torch.equal(torch.rand(3), expected)


def test_progress_counts_tokens_up_to_the_budget_and_a_checkpoint_follows_each_chunk(tiny):
    calls, saved = [], []
    generation = CotGeneration(LocalSampler(tiny), tiny.chat_prompt(PROMPT_Q), SamplingParams(max_new_tokens=20, seed=1),
                               chunk=8)
    done = generation.advance(progress=lambda d, t, n: calls.append((d, t)),
                              on_checkpoint=lambda: saved.append(json.loads(json.dumps(generation.state))))
    assert done and generation.result()["finish_reason"] == "length"
    assert [s["n_tokens"] for s in saved] == [8, 16, 20]  # plain JSON, one per chunk
    assert calls[-1] == (20, 20) and all(t == 20 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_a_stop_keeps_whole_chunks_and_resuming_gives_the_text_of_a_run_never_stopped(tiny):
    params = SamplingParams(max_new_tokens=30, seed=3)
    whole, _ = _generate(tiny, params)
    steps = []
    stopped, done = _generate(tiny, params, should_stop=lambda: len(steps) >= 12,
                              progress=lambda d, t, n: steps.append(d))
    assert not done and stopped.result()["finish_reason"] == "stopped"
    assert stopped.state["n_tokens"] == 8  # the unfinished second chunk is thrown away
    assert whole.result()["cot"].startswith(stopped.result()["cot"])
    resumed, done = _generate(tiny, params, state=json.loads(json.dumps(stopped.state)))
    assert done and resumed.result()["cot"] == whole.result()["cot"]


def test_generation_ends_at_the_end_of_turn_token_and_hides_it(smol):
    generation, done = _generate(smol, SamplingParams(max_new_tokens=40, temperature=0), chunk=64,
                                 question="Say only the word: yes")
    result = generation.result()
    assert done and result["finish_reason"] == "eos"
    assert "<|im_end|>" not in result["cot"] and result["cot"].strip()
