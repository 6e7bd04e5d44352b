"""The local sampler against a loop of one `generate` call per rollout, in one run.

    python bench/resampling.py [--rollouts 64] [--tokens 64] [--baseline-rollouts 8] [--model smollm2-135m]

Same prefix, same sampling settings. The baseline's rate (tokens/s) is measured on
`--baseline-rollouts` rollouts (a loop of 64 takes minutes on 2 cores; its rate does not
depend on how many rollouts the loop runs). Prints both rates, their ratio, and the
engine's fraction of the CPU compute floor: measured fp32 matmul GFLOP/s divided by the
model's FLOPs per token (2 x parameters).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    parser.add_argument("--rollouts", type=int, default=64)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--baseline-rollouts", type=int, default=8)
    parser.add_argument("--model", default="smollm2-135m")
    args = parser.parse_args()

    from backends.generation import sample
    from backends.models import load_model
    from backends.sampling.local import LocalSampler

    handle = load_model(args.model)
    prefix = handle.chat_prompt(QUESTION) + "First, I need the distance and the time."
    engine = LocalSampler(handle)
    engine.sample(prefix, 2, max_new_tokens=4, seed=0)  # warm-up

    started = time.perf_counter()
    rollouts = engine.sample(prefix, args.rollouts, max_new_tokens=args.tokens, temperature=0.6, top_p=0.95, seed=1)
    engine_s = time.perf_counter() - started
    engine_tokens = sum(r.n_tokens for r in rollouts)

    started, base_tokens = time.perf_counter(), 0
    for i in range(args.baseline_rollouts):
        base_tokens += sample(handle, prefix, max_new_tokens=args.tokens, temperature=0.6, top_p=0.95, seed=i).n_tokens
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


if __name__ == "__main__":
    main()
