"""Steered generation through nnsight against Parley's hooks, on the same model, prompt, vector, layer,
scale and tokens (greedy): times, their ratio, and whether the outputs are identical.

    python bench/nnsight_steering.py [--model smollm2-135m] [--tokens 32] [--rows 4] [--repeats 3] [--reads]

The hook side is `generate_rows` on a model loaded here (forward hooks, Parley's static-cache
decode). The nnsight side is the same call on the model placed on nnsight (`traces.generate_tokens`:
transformers' generate traced, every step steered), traced in this process (remote=False) and
through nnsight's simulation of a remote server (remote="local", which adds serializing the trace).
The nnsight side runs on its own copy of the weights, because wrapping a model in nnsight installs
a controller on every module that every later forward pays. `--reads` also times the forward-only
reads (residuals of every layer, attention weights, attention suppression) each way.
Times are medians over `--repeats`, the two sides interleaved.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROMPT = "Write a Python function that returns the average of a list of numbers."
COT = ("First we add seventeen and twenty five. That gives forty two. Then we check the sum. Forty two minus "
       "twenty five is seventeen. So the check passes. The answer is forty two. Nothing else is needed. Done.")


def _interleaved(first, second, repeats: int):
    """Median seconds of each of two calls run in turn, and their last outputs."""
    times, outs = ([], []), [None, None]
    for _ in range(repeats):
        for k, fn in enumerate((first, second)):
            started = time.perf_counter()
            outs[k] = fn()
            times[k].append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1]), outs


def _identical(a, b) -> bool:
    import numpy as np
    import torch

    if isinstance(a, dict):
        return all(torch.equal(a[k], b[k]) for k in a)
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    return bool(np.array_equal(a, b, equal_nan=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--rows", type=int, default=4, help="rows in the batch: 1 unsteered, the rest steered")
    parser.add_argument("--scale", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--reads", action="store_true", help="also time residual, attention and suppression reads")
    args = parser.parse_args()

    import torch

    from backends.core.settings import get_settings
    from backends.steering.contrast import DEFAULT_PAIRS, build_steering_vector
    from backends.steering.generate import generate_rows
    from backends.subject.models import load_model
    from backends.subject.nnsight_model import NnsightHandle, wrap
    from backends.subject.sampling import SamplingParams

    if args.threads:
        torch.set_num_threads(args.threads)
    handle = load_model(args.model, settings=get_settings())
    weights = copy.deepcopy(handle.model)
    traced = NnsightHandle(name=f"{args.model} (nnsight)", model=weights, tokenizer=handle.tokenizer, source=handle.source,
                           revision=handle.revision, _nnsight=wrap(weights, handle.tokenizer), remote=False)
    simulated = dataclasses.replace(traced, remote="local")
    layer = handle.num_layers // 2
    vector = build_steering_vector(handle, DEFAULT_PAIRS[:4], layers=[layer])
    rows = [{}] + [vector.deltas(args.scale * (k + 1) / (args.rows - 1), [layer]) for k in range(args.rows - 1)]
    prompt = handle.chat_prompt(PROMPT)
    params = SamplingParams(temperature=0, max_new_tokens=args.tokens)
    print(f"{args.model}: layer {layer}, {args.rows} rows (1 unsteered, scales up to {args.scale:g}), {args.tokens} "
          f"tokens, greedy, {torch.get_num_threads()} torch thread(s), {handle.device}, median of {args.repeats}")

    sides = {"hooks": handle, "nnsight": traced, "nnsight remote=local": simulated}
    for side in sides.values():  # warm-up
        generate_rows(side, prompt, rows, params.but(max_new_tokens=2))
    times = {name: [] for name in sides}
    texts = {}
    for _ in range(args.repeats):
        for name, side in sides.items():
            started = time.perf_counter()
            texts[name] = [r.text for r in generate_rows(side, prompt, rows, params)]
            times[name].append(time.perf_counter() - started)
    hooks_s = statistics.median(times["hooks"])
    for name in sides:
        s = statistics.median(times[name])
        print(f"{name}: {s:.2f} s" + ("" if name == "hooks" else f", {s / hooks_s:.2f}x the hooks") +
              ("" if name == "hooks" else f", outputs identical: {texts[name] == texts['hooks']}"))
    print(f"steered sample: {texts['hooks'][-1][:80]!r}")
    if args.reads:
        _reads(handle, traced, args.repeats)


def _reads(handle, traced, repeats: int) -> None:
    import torch

    from backends.subject import whitebox
    from backends.thought_anchors.attention import sentence_attention, suppression_matrix
    from backends.thought_anchors.sentences import split_sentences

    ids = handle.tokenizer([COT] * 4, return_tensors="pt").input_ids
    mask = torch.ones_like(ids)
    rows, positions = torch.arange(4).repeat_interleave(ids.shape[1]), torch.arange(ids.shape[1]).repeat(4)
    layers = list(range(handle.num_layers))
    spans = [(s.start, s.end) for s in split_sentences(COT).sentences]
    one = ids[:1, :1]
    jobs = {
        f"residuals (4 x {ids.shape[1]} tokens, every layer)": lambda h: whitebox.residuals(h, ids, mask, layers, rows, positions),
        "attention weights (pooled per sentence)": lambda h: sentence_attention(h, COT, spans),
        f"attention suppression ({len(spans)} sentences, batch 4)": lambda h: suppression_matrix(h, COT, spans, batch=4)[0],
        "a plain 1-token forward (pristine vs wrapped weights)": lambda h: h.model(input_ids=one).logits,
    }
    with torch.inference_mode():
        for name, job in jobs.items():
            job(handle), job(traced)
            hooks_s, traced_s, (a, b) = _interleaved(lambda: job(handle), lambda: job(traced), repeats)
            print(f"{name}: hooks {1000 * hooks_s:.0f} ms, nnsight {1000 * traced_s:.0f} ms, "
                  f"{traced_s / hooks_s:.2f}x, identical: {_identical(a, b)}")


if __name__ == "__main__":
    main()
