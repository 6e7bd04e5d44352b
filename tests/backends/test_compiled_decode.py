"""The compiled decode step (backends/subject/sampling/compiled.py).

On CPU the step is compiled with dynamo's `aot_eager` backend: the same graph capture
(whole forward, static cache passed in, kept and refilled per shape) without inductor's
minutes of C++ compilation. The CUDA tests run the real thing (inductor, CUDA graphs) where a
GPU is present and are skipped elsewhere.
"""

from __future__ import annotations

import pytest
import torch

from backends.subject.interventions import ablate_directions
from backends.subject.sampling.compiled import CompiledStep, cache_length, compiled_step, intervened, nucleus, use_step
from backends.subject.sampling.local import LocalSampler
from backends.core.settings import Settings
from backends.subject.sampling import SamplingParams


def _prefix(handle) -> str:
    return handle.chat_prompt("What is 17 + 25?") + "First, add the tens."


def _texts(rollouts) -> list[str]:
    return [r.text for r in rollouts]


def _tiny_on(device: str):
    from backends.subject.models import load_model
    from tests.conftest import MODEL_CACHE

    return load_model("tiny-random", settings=Settings(model_cache=MODEL_CACHE, device=device, dtype="float32"))


@pytest.fixture
def cpu_tiny():
    """tiny-random on the CPU whatever the machine has (on a CPU machine, the `tiny` handle itself)."""
    return _tiny_on("cpu")


@pytest.fixture
def compiled_tiny(cpu_tiny):
    step = CompiledStep(cpu_tiny.model, backend="aot_eager", mode=None)
    use_step(cpu_tiny.model, step)
    yield cpu_tiny, step
    use_step(cpu_tiny.model, None)


def test_cache_lengths_round_up_so_nearby_prefixes_share_a_graph():
    assert [cache_length(n) for n in (1, 256, 257, 520, 768)] == [256, 256, 512, 768, 768]


def test_compiled_step_gives_the_eager_rollouts_and_compiles_each_shape_once(compiled_tiny):
    tiny, step = compiled_tiny
    sampler = LocalSampler(tiny, batch_size=4)
    use_step(tiny.model, None)
    eager = sampler.sample(_prefix(tiny), 6, SamplingParams(max_new_tokens=12, temperature=0), logprobs=True)
    use_step(tiny.model, step)
    torch._dynamo.utils.counters.clear()
    compiled = sampler.sample(_prefix(tiny), 6, SamplingParams(max_new_tokens=12, temperature=0), logprobs=True)
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    # a longer prefix inside the same rounded cache length reuses both graphs and both caches
    again = sampler.sample(_prefix(tiny) + " Then", 6, SamplingParams(max_new_tokens=12, seed=3))
    assert _texts(compiled) == _texts(eager)
    assert all(abs(a - b) < 1e-5 for r, q in zip(eager, compiled) for a, b in zip(r.logprobs, q.logprobs))
    assert graphs == 2  # one per batch shape: 4 rows and the last 2
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == graphs
    assert sorted(step.caches) == [(2, 256), (4, 256)] and len(again) == 6


def test_nucleus_picks_by_inverse_cdf_from_the_nucleus_only():
    # tokens 1, 3, 0, 2 hold 0.5, 0.3, 0.15, 0.05: at top_p 0.9 the nucleus is {1, 3, 0} (mass 0.95)
    logits = torch.tensor([0.15, 0.5, 0.05, 0.3]).log().expand(6, -1)
    uniform = torch.tensor([0.0, 0.5, 0.6, 0.84, 0.85, 0.9999])  # x 0.95: 0, .475, .57, .798, .8075, .95
    assert nucleus(logits, 1.0, 0.9, uniform).tolist() == [1, 1, 3, 3, 0, 0]  # cumulative .5, .8, .95
    assert nucleus(logits, 1.0, 0.7, uniform).tolist() == [1, 1, 1, 3, 3, 3]  # nucleus {1, 3}, mass .8
    assert nucleus(logits, 0.0, 0.9, uniform).tolist() == [1] * 6  # greedy


def test_nucleus_frequencies_match_the_renormalised_nucleus_and_ties_keep_token_order():
    logits = torch.tensor([[1.0, 2.0, 2.0, 0.0, -5.0]])
    draws = nucleus(logits.expand(20000, -1), 0.7, 0.95, torch.rand(20000, generator=torch.Generator().manual_seed(0)))
    probs = torch.softmax(logits[0] / 0.7, -1)  # sorted: 1, 2 (tied, token order), 0, 3, 4
    kept = [1, 2, 0, 3] if float(probs[[1, 2, 0]].sum()) < 0.95 else [1, 2, 0]
    expected = probs[kept] / probs[kept].sum()
    counts = torch.bincount(draws, minlength=5).float() / 20000
    assert set(draws.tolist()) <= set(kept)
    assert torch.allclose(counts[kept], expected, atol=0.015)
    tied = torch.zeros(1, 6)
    assert nucleus(tied, 1.0, 0.4, torch.tensor([0.0])).tolist() == [0]  # ties in token order
    assert nucleus(tied, 1.0, 0.4, torch.tensor([0.99])).tolist() == [2]  # nucleus {0, 1, 2}


def test_compiled_decoding_cuts_at_stop_strings_and_stops_when_asked(compiled_tiny):
    tiny, _ = compiled_tiny
    sampler = LocalSampler(tiny, batch_size=8)
    rollouts = sampler.sample(_prefix(tiny), 8, SamplingParams(max_new_tokens=40, seed=1, stop=["e"]))
    stopped = [r for r in rollouts if r.finish_reason == "stop"]
    assert stopped and all("e" not in r.text for r in stopped)
    calls = []
    partial = sampler.sample(_prefix(tiny), 8, SamplingParams(max_new_tokens=30, seed=1), progress=lambda d, t, n: calls.append(d), should_stop=lambda: len(calls) >= 5)
    assert len(partial) == 8 and all(r.n_tokens <= 5 for r in partial)


def test_the_same_seed_gives_the_same_compiled_rollouts(compiled_tiny):
    tiny, _ = compiled_tiny
    sampler = LocalSampler(tiny, batch_size=4)
    a = sampler.sample(_prefix(tiny), 4, SamplingParams(max_new_tokens=12, seed=3))
    b = sampler.sample(_prefix(tiny), 4, SamplingParams(max_new_tokens=12, seed=3))
    c = sampler.sample(_prefix(tiny), 4, SamplingParams(max_new_tokens=12, seed=4))
    assert _texts(a) == _texts(b) != _texts(c)


def test_packed_attention_reads_each_key_value_head_once_and_gives_the_same_logits(monkeypatch):
    """A Qwen2 with 4 query heads per key/value head: the compiled step attends through `packed_sdpa`
    (query heads as positions of their shared head) and matches the eager forward."""
    from transformers import DynamicCache, Qwen2Config, Qwen2ForCausalLM

    from backends.subject.sampling import compiled

    calls = []
    monkeypatch.setitem(compiled.AttentionInterface._global_mapping, compiled.PACKED,
                        lambda module, query, key, *a, **k: calls.append((query.shape, key.shape))
                        or compiled.packed_sdpa(module, query, key, *a, **k))
    torch.manual_seed(0)
    config = Qwen2Config(hidden_size=128, num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
                         intermediate_size=256, vocab_size=1000, attn_implementation="sdpa")
    model = Qwen2ForCausalLM(config).eval()
    ids = torch.randint(0, 1000, (1, 20), generator=torch.Generator().manual_seed(0))
    step = CompiledStep(model, backend="aot_eager", mode=None)
    with torch.inference_mode():
        full = model(input_ids=ids).logits[0]
        prefill = DynamicCache()
        model(input_ids=ids[:, :12], cache=prefill, use_cache=True)
        cache = step.cache(prefill, 3, 20)
        for position in range(12, 20):
            logits = step(ids[0, position].expand(3), cache, torch.tensor([position]))
            assert torch.allclose(logits, full[position].expand(3, -1), atol=1e-5)
    assert calls and all(q == (3, 8, 1, 16) and k == (3, 2, 256, 16) for q, k in calls)
    assert model.config._attn_implementation == "sdpa"  # packed only inside the step


def test_an_intervention_hooked_in_is_decoded_eagerly_not_skipped(compiled_tiny):
    tiny, step = compiled_tiny
    sampler = LocalSampler(tiny, batch_size=4)
    plain = sampler.sample(_prefix(tiny), 4, SamplingParams(max_new_tokens=10, temperature=0))
    direction = torch.randn(1, tiny.model.config.hidden_size, generator=torch.Generator().manual_seed(0))
    assert not intervened(tiny.model) and compiled_step(tiny.model) is step
    with ablate_directions(tiny.model, direction):
        assert intervened(tiny.model) and compiled_step(tiny.model) is None
        ablated = sampler.sample(_prefix(tiny), 4, SamplingParams(max_new_tokens=10, temperature=0))
        use_step(tiny.model, None)
        reference = sampler.sample(_prefix(tiny), 4, SamplingParams(max_new_tokens=10, temperature=0))
    assert _texts(ablated) == _texts(reference) != _texts(plain)
    assert not intervened(tiny.model)


def test_the_setting_turns_compilation_off(cpu_tiny, monkeypatch):
    monkeypatch.setenv("PARLEY_DECODE_COMPILE", "0")
    from backends.core.settings import get_settings

    assert get_settings().decode_compile is False
    assert LocalSampler(cpu_tiny).compile is False and LocalSampler(cpu_tiny, compile=True).compile is True
    assert compiled_step(cpu_tiny.model, get_settings().decode_compile) is None
    assert compiled_step(cpu_tiny.model) is None  # on CPU nothing is compiled unless a step was given


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture
def cuda_tiny():
    handle = _tiny_on("cuda")
    yield handle
    use_step(handle.model, None)


@cuda
def test_on_cuda_the_step_is_cuda_graphs_and_the_same_seed_gives_the_same_rollouts(cuda_tiny):
    sampler = LocalSampler(cuda_tiny, batch_size=8)
    step = compiled_step(cuda_tiny.model)
    assert step is not None and step.cudagraphs
    a = sampler.sample(_prefix(cuda_tiny), 8, SamplingParams(max_new_tokens=24, seed=5))
    b = sampler.sample(_prefix(cuda_tiny), 8, SamplingParams(max_new_tokens=24, seed=5))
    c = sampler.sample(_prefix(cuda_tiny), 8, SamplingParams(max_new_tokens=24, seed=6))
    assert _texts(a) == _texts(b) != _texts(c)
    assert list(step.caches) == [(8, 256)]


@cuda
def test_on_cuda_compiled_logits_match_the_eager_forward(cuda_tiny):
    """Teacher-forced through the static cache, each compiled step's logits are the eager model's."""
    model, tok = cuda_tiny.model, cuda_tiny.tokenizer
    from transformers import DynamicCache

    ids = tok(_prefix(cuda_tiny) + " Then add the ones: 30 + 12 = 42.", return_tensors="pt",
              add_special_tokens=False).input_ids.cuda()
    split = ids.shape[1] - 8
    step = compiled_step(model)
    with torch.inference_mode():
        prefill = DynamicCache()
        model(input_ids=ids[:, :split], cache=prefill, use_cache=True)
        full = model(input_ids=ids).logits[0].float()
        for _ in range(2):  # the second pass replays the recorded graph over a refilled cache
            cache = step.cache(prefill, 3, ids.shape[1])
            for position in range(split, ids.shape[1]):
                logits = step(ids[0, position].expand(3), cache, torch.tensor([position], device="cuda"))
                assert torch.allclose(logits, full[position].expand(3, -1), atol=1e-3, rtol=1e-3)
