"""The local sampler against the named baseline, in one run.

    python bench/resampling.py [--rollouts 64] [--tokens 64] [--baseline-rollouts 8] [--model smollm2-135m]
    python bench/resampling.py --gpu [--rollouts 64] [--tokens 256] [--prefix-tokens 512]

CPU (the default): the embedded model, against a loop of one `generate` call per rollout.
Same prefix, same sampling settings. The baseline's rate (tokens/s) is measured on
`--baseline-rollouts` rollouts (a loop of 64 takes minutes on 2 cores; its rate does not
depend on how many rollouts the loop runs). Prints both rates, their ratio, and the
engine's fraction of the CPU compute floor: measured fp32 matmul GFLOP/s divided by the
model's FLOPs per token (2 x parameters).

GPU (`--gpu`, CUDA): random bf16 weights in the shape of a 1.5B reasoning model (Qwen2:
hidden 1536, 28 layers, 12 heads, 2 KV heads, intermediate 8960, vocab 151936, tied
embeddings), a 512-token prefix, 64 rollouts x 256 tokens, against HF `generate` with the
same 64 rows in one batch. Prints both rates, their ratio, the engine with its decode step
left eager, and the fraction of the memory-bandwidth floor: measured device copy bandwidth
over the bytes one step must read (the weights, less the embedding table, plus every row's
keys and values so far, averaged over the rollout).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backends.subject.sampling import SamplingParams  # noqa: E402

QUESTION = "A train travels 60 km in 1.5 hours. What is its average speed? Think step by step."


def matmul_gflops(seconds: float = 2.0) -> float:
    import torch

    a, b = torch.randn(64, 576), torch.randn(576, 1536)
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        a @ b
        runs += 1
    return runs * 2 * 64 * 576 * 1536 / (time.perf_counter() - started) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="the CUDA benchmark (Qwen2-1.5B shape, random weights)")
    parser.add_argument("--rollouts", type=int, default=64)
    parser.add_argument("--tokens", type=int, default=None, help="new tokens per rollout (64 on CPU, 256 with --gpu)")
    parser.add_argument("--baseline-rollouts", type=int, default=8)
    parser.add_argument("--prefix-tokens", type=int, default=512)
    parser.add_argument("--model", default="smollm2-135m")
    args = parser.parse_args()
    if args.gpu:
        args.tokens = args.tokens or 256
        return gpu(args)
    args.tokens = args.tokens or 64

    import torch

    from backends.subject.models import load_model
    from backends.subject.sampling.local import LocalSampler

    handle = load_model(args.model)
    prefix = handle.chat_prompt(QUESTION) + "First, I need the distance and the time."
    engine = LocalSampler(handle)
    engine.sample(prefix, 2, SamplingParams(max_new_tokens=4, seed=0))  # warm-up

    started = time.perf_counter()
    rollouts = engine.sample(prefix, args.rollouts, SamplingParams(max_new_tokens=args.tokens, temperature=0.6, top_p=0.95, seed=1))
    engine_s = time.perf_counter() - started
    engine_tokens = sum(r.n_tokens for r in rollouts)

    started, base_tokens = time.perf_counter(), 0
    ids = handle.tokenizer(prefix, return_tensors="pt", add_special_tokens=False).input_ids
    for i in range(args.baseline_rollouts):  # the baseline: transformers' generate, one rollout at a time
        torch.manual_seed(i)
        out = handle.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.tokens,
                                    do_sample=True, temperature=0.6, top_p=0.95, top_k=None,
                                    eos_token_id=handle.stop_token_ids, pad_token_id=handle.stop_token_ids[0])
        base_tokens += out.shape[1] - ids.shape[1]
    base_s = time.perf_counter() - started

    params = sum(p.numel() for p in handle.model.parameters())
    floor = matmul_gflops() * 1e9 / (2 * params)
    engine_rate, base_rate = engine_tokens / engine_s, base_tokens / base_s
    print(f"model {handle.name}, prefix {len(handle.tokenizer(prefix).input_ids)} tokens, "
          f"{args.rollouts} rollouts x {args.tokens} new tokens")
    print(f"generate loop : {base_rate:8.1f} tokens/s  ({args.baseline_rollouts} rollouts, {base_s:.1f} s)")
    print(f"engine        : {engine_rate:8.1f} tokens/s  ({args.rollouts} rollouts, {engine_s:.1f} s)")
    print(f"ratio         : {engine_rate / base_rate:8.1f}x")
    print(f"compute floor : {floor:8.1f} tokens/s  -> engine at {engine_rate / floor:.0%} of it")


QWEN2_1_5B = dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                  intermediate_size=8960, vocab_size=151936, tie_word_embeddings=True, max_position_embeddings=4096)


def copy_bandwidth() -> float:
    """Device-to-device copy, bytes read and written per second (best of 10 copies of 2 GiB)."""
    import torch

    a = torch.empty(2**30, dtype=torch.bfloat16, device="cuda")
    b = torch.empty_like(a)
    best = float("inf")
    for _ in range(10):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        b.copy_(a)
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) / 1e3)
    return 2 * a.numel() * a.element_size() / best


def gpu(args) -> None:
    import torch
    from transformers import DynamicCache, Qwen2Config, Qwen2ForCausalLM

    from backends.subject.models import ModelHandle, smollm2_tokenizer
    from backends.subject.sampling.compiled import compiled_step, nucleus
    from backends.subject.sampling.local import LocalSampler
    from backends.core.settings import get_settings

    if not torch.cuda.is_available():
        sys.exit("--gpu: no CUDA device here")
    torch.manual_seed(0)
    config = Qwen2Config(**QWEN2_1_5B, attn_implementation="sdpa")
    with torch.device("cuda"):
        model = Qwen2ForCausalLM(config).to(torch.bfloat16).eval()
    # The SmolLM2 tokenizer writes the prefix and reads the rollouts; random weights sample ids
    # beyond its vocabulary too, which it skips when decoding (the text is noise either way).
    tok = smollm2_tokenizer(get_settings().models_dir)
    handle = ModelHandle(name="qwen2-1.5b-shape (random weights)", model=model, tokenizer=tok,
                         source="random", revision="seed 0")
    words = (handle.chat_prompt(QUESTION) + "First, I need the distance and the time. " * 200)
    ids = tok(words, add_special_tokens=False).input_ids[: args.prefix_tokens]
    prefix = tok.decode(ids)
    prefix_ids = tok(prefix, return_tensors="pt", add_special_tokens=False).input_ids.cuda()
    rows, new = args.rollouts, args.tokens
    settings = dict(temperature=0.6, top_p=0.95)

    def timed(fn):
        torch.cuda.synchronize()
        started = time.perf_counter()
        out = fn()
        torch.cuda.synchronize()
        return out, time.perf_counter() - started

    engine = LocalSampler(handle)
    _, compile_s = timed(lambda: engine.sample(prefix, rows, SamplingParams(max_new_tokens=8, seed=0, **settings)))  # compiles
    engine.sample(prefix, rows, SamplingParams(max_new_tokens=8, seed=0, **settings))
    rollouts, engine_s = timed(lambda: engine.sample(prefix, rows, SamplingParams(max_new_tokens=new, seed=1, **settings)))
    again = engine.sample(prefix, rows, SamplingParams(max_new_tokens=new, seed=1, **settings))
    engine_tokens = sum(r.n_tokens for r in rollouts)

    # Where a step's time goes: the compiled forward alone, replayed over the same cache shape.
    step = compiled_step(model)
    with torch.inference_mode():
        prefill = DynamicCache()
        model(input_ids=prefix_ids, cache=prefill, use_cache=True)
        cache = step.cache(prefill, rows, prefix_ids.shape[1] + new)
        token = torch.zeros(rows, dtype=torch.long, device="cuda")
        replays = min(new, 64)
        _, forward_s = timed(lambda: [step(token, cache, torch.tensor([prefix_ids.shape[1] + i], device="cuda"))
                                      for i in range(replays)])

        logits = step(token, cache, torch.tensor([prefix_ids.shape[1] + replays], device="cuda"))
        uniform = torch.rand(replays, rows, device="cuda")
        _, sampling_s = timed(lambda: [nucleus(logits, 0.6, 0.95, uniform[i]) for i in range(replays)])

    eager_new = min(new, 32)
    eager_engine = LocalSampler(handle, compile=False)
    eager, eager_s = timed(lambda: eager_engine.sample(prefix, rows, SamplingParams(max_new_tokens=eager_new, seed=1, **settings)))

    batch = prefix_ids.expand(rows, -1)
    model.generate(batch, attention_mask=torch.ones_like(batch), do_sample=True, max_new_tokens=4, min_new_tokens=4,
                   pad_token_id=tok.eos_token_id, **settings)  # warm-up
    out, base_s = timed(lambda: model.generate(
        batch, attention_mask=torch.ones_like(batch), do_sample=True, max_new_tokens=new, min_new_tokens=new,
        pad_token_id=tok.eos_token_id, **settings))
    base_tokens = rows * (out.shape[1] - batch.shape[1])

    bandwidth = copy_bandwidth()
    weights = sum(p.numel() * p.element_size() for n, p in model.named_parameters() if "embed_tokens" not in n)
    weights += model.lm_head.weight.numel() * model.lm_head.weight.element_size()  # tied: read once as the head
    kv_per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * (config.hidden_size // config.num_attention_heads) * 2
    context = prefix_ids.shape[1] + (new + 1) / 2
    step_bytes = weights + rows * context * kv_per_token
    floor = rows * bandwidth / step_bytes
    engine_rate, base_rate = engine_tokens / engine_s, base_tokens / base_s
    print(f"device {torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"model {handle.name}, {sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters, bf16; "
          f"prefix {prefix_ids.shape[1]} tokens, {rows} rollouts x {new} new tokens")
    print(f"HF generate   : {base_rate:9.1f} tokens/s  ({rows} rows in one batch, {base_s:.1f} s, "
          f"{base_s / new * 1e3:.1f} ms a step)")
    print(f"engine, eager : {sum(r.n_tokens for r in eager) / eager_s:9.1f} tokens/s  ({eager_new} tokens a rollout, "
          f"{eager_s / eager_new * 1e3:.1f} ms a step)")
    print(f"engine        : {engine_rate:9.1f} tokens/s  ({engine_s:.2f} s, {engine_s / new * 1e3:.2f} ms a step; "
          f"first call with compilation {compile_s:.1f} s)")
    print(f"  a step      : {forward_s / replays * 1e3:.2f} ms the compiled forward alone, "
          f"{sampling_s / replays * 1e3:.2f} ms sampling from its logits (each timed back to back)")
    print(f"same seed     : {'identical rollouts' if [r.text for r in again] == [r.text for r in rollouts] else 'DIFFERENT rollouts'}")
    print(f"ratio         : {engine_rate / base_rate:9.1f}x HF generate")
    print(f"memory floor  : {floor:9.1f} tokens/s  ({step_bytes / 1e9:.2f} GB a step at {bandwidth / 1e12:.2f} TB/s copy) "
          f"-> engine at {engine_rate / floor:.0%} of it")


if __name__ == "__main__":
    main()
