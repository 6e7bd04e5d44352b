"""A steering sweep's cells decoded in shared batches against one `generate` call per sample, in one run.

    python bench/steering.py [--samples 2] [--tokens 48] [--model smollm2-135m]

The sweep is the issue's: 2 layers x 3 scales, 2 norm-matched random controls per cell,
plus the unsteered baseline (19 cells), `--samples` samples per cell on one coding prompt.
The batched side is `SteeringSweep` (every cell's rows in one batch, each row carrying its
own vector and scale). The baseline steers the same model with the same hooks and calls
`model.generate` once per sample, as a loop over cells would. Both sides sample every
sample in full; prints seconds, tokens/s and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROMPT = "Write a Python function that returns the average of a list of numbers."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--model", default="smollm2-135m")
    args = parser.parse_args()

    import torch

    from backends.subject.behaviour import get_metric
    from backends.subject.interventions import add_to_residual
    from backends.subject.models import load_model
    from backends.core.seeds import derive
    from backends.steering.contrast import build_steering_vector
    from backends.steering.sweep import SteeringSweep, SweepSettings, cell_deltas, sweep_cells

    torch.manual_seed(0)
    handle = load_model(args.model)
    third = handle.num_layers // 3
    vector = build_steering_vector(handle)
    cells = sweep_cells([[third], [2 * third]], [1.0, 4.0, 8.0], controls=2)
    prompt = handle.chat_prompt(PROMPT)
    settings = SweepSettings(samples=args.samples, max_new_tokens=args.tokens, temperature=0.7, seed=0)
    metric = get_metric("type_hints")
    n = len(cells) * args.samples
    print(f"{args.model}: {len(cells)} cells x {args.samples} samples = {n} samples of up to {args.tokens} tokens")

    SteeringSweep(handle, vector, [prompt], cells[:2], metric, SweepSettings(samples=1, max_new_tokens=4)).advance()
    started = time.perf_counter()
    sweep = SteeringSweep(handle, vector, [prompt], cells, metric, settings)
    sweep.advance()
    batched_s = time.perf_counter() - started
    # Every batched row decodes until the batch is done (finished rows drop out in chunks),
    # so count the tokens each sample kept, like the baseline's.
    batched_tokens = sum(len(handle.tokenizer(r["text"], add_special_tokens=False).input_ids) + 1
                         for rows in sweep.samples().values() for r in rows)

    ids = handle.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).input_ids
    stop = handle.stop_token_ids
    started, base_tokens = time.perf_counter(), 0
    for c, cell in enumerate(cells):
        for s in range(args.samples):
            torch.manual_seed(derive(0, "cell", c, "sample", s))
            deltas = cell_deltas(vector, cell, 0)
            with add_to_residual(handle.model, deltas) if deltas else nullcontext():
                out = handle.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True,
                                            temperature=0.7, top_p=0.95, top_k=None, max_new_tokens=args.tokens,
                                            eos_token_id=stop, pad_token_id=stop[0])
            base_tokens += out.shape[1] - ids.shape[1]
    base_s = time.perf_counter() - started

    print(f"one generate call per sample: {base_s:.1f} s, {base_tokens} tokens, {base_tokens / base_s:.1f} tokens/s")
    print(f"batched sweep:                {batched_s:.1f} s, {batched_tokens} tokens, {batched_tokens / batched_s:.1f} tokens/s")
    print(f"ratio (time, same samples): {base_s / batched_s:.1f}x")
    print(f"ratio (tokens/s):           {(batched_tokens / batched_s) / (base_tokens / base_s):.1f}x")


if __name__ == "__main__":
    main()
