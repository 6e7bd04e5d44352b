"""nnsight forms against Parley's hooks on a GPU: parity (steering, ablation, residuals) and the speed of
steered generation each way, on random weights in the Qwen2-1.5B shape. No internet, no model files.

    python bench/device_nnsight.py            # Qwen2-1.5B shape: hidden 1536, 28 layers, 12 heads, 2 kv heads
    python bench/device_nnsight.py --tiny     # a 2-layer model of width 64, to check the script on a CPU

Prints one line per number, `name: value`. The model is `Qwen2ForCausalLM` from its config with seeded
random weights (bfloat16 on CUDA, float32 on a CPU); the tokenizer is built in process (each token id
written as its number, so identical texts mean identical ids). The hook side is a model loaded here
(`generate_rows`: forward hooks, Parley's static-cache decode); the nnsight side is a copy of the
same weights placed on nnsight and traced in-process (remote=False; `--simulate` also times nnsight's
simulation of a remote server, remote="local"). Parity lines are max |hooks - nnsight| (0 means
identical) and, for generation, whether every row's greedy tokens agree and the first step where
one does not. Speed: median seconds over `--repeats`, the sides interleaved, and tokens per second.
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


def numeric_tokenizer(vocab: int):
    """A real HF tokenizer built in process: the text "17 4 9" is the ids [17, 4, 9]; id 0 ends a turn."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel(vocab={str(i): i for i in range(vocab)}, unk_token="1"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="0", unk_token="1", pad_token="0")


def build(args):
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    if args.tiny:
        shape = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     intermediate_size=128, vocab_size=1000)
    else:  # Qwen2-1.5B
        shape = dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                     intermediate_size=8960, vocab_size=151936)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    config = Qwen2Config(max_position_embeddings=4096, tie_word_embeddings=True, eos_token_id=0, pad_token_id=0, **shape)
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM(config).to(dtype).eval()
    model.generation_config = GenerationConfig(eos_token_id=0, pad_token_id=0)
    return model, numeric_tokenizer(shape["vocab_size"]), device, dtype


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a 2-layer model of width 64 (a CPU check of the script)")
    parser.add_argument("--cpu", action="store_true", help="stay on the CPU even with a GPU")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rows", type=int, default=8, help="rows steered together (row 0 unsteered)")
    parser.add_argument("--prompt-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--simulate", action="store_true", help="also time remote='local' (serialized traces)")
    args = parser.parse_args()

    import torch

    from backends.steering.generate import generate_rows
    from backends.subject import whitebox
    from backends.subject.interventions import Edit
    from backends.subject.models import ModelHandle
    from backends.subject.nnsight_model import NnsightHandle, wrap
    from backends.subject.sampling import SamplingParams

    started = time.perf_counter()
    model, tokenizer, device, dtype = build(args)
    hidden, n_layers = model.config.hidden_size, model.config.num_hidden_layers
    copy_ = copy.deepcopy(model)
    hooks = ModelHandle(name="qwen2-random", model=model, tokenizer=tokenizer, source="random", revision="seed 0")
    traced = NnsightHandle(name="qwen2-random (nnsight)", model=copy_, tokenizer=tokenizer, source="random",
                           revision="seed 0", _nnsight=wrap(copy_, tokenizer), remote=False)
    print(f"device: {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}")
    print(f"shape: hidden {hidden}, layers {n_layers}, vocab {model.config.vocab_size}, dtype {str(dtype)[6:]}")
    print(f"build_s: {time.perf_counter() - started:.1f}")

    g = torch.Generator().manual_seed(1)
    ids = torch.randint(2, model.config.vocab_size, (4, args.prompt_tokens), generator=g).to(device)
    mask = torch.ones_like(ids)
    mask[3, -5:] = 0
    rows = torch.arange(4).repeat_interleave(args.prompt_tokens)
    positions = torch.arange(args.prompt_tokens).repeat(4)
    layers = sorted({0, n_layers // 4, n_layers // 2, n_layers - 1})
    direction = torch.randn(2, hidden, generator=g)
    steer = torch.randn(hidden, generator=g)
    steer = steer / steer.norm() * 8.0
    checks = {
        "residuals": (None, True),
        "residuals_ablated": (Edit(ablate=direction, ablate_layers=list(range(n_layers))), True),
        "logprobs_ablated": (Edit(ablate=direction), False),
        "logprobs_steered": (Edit(add={n_layers // 2: steer}), False),
    }
    with torch.inference_mode():
        for name, (edit, residual) in checks.items():
            if residual:
                a = whitebox.residuals(hooks, ids, mask, layers, rows, positions, edit)
                b = whitebox.residuals(traced, ids, mask, layers, rows, positions, edit)
                diff = max(float((a[k].float().cpu() - b[k].float().cpu()).abs().max()) for k in layers)
            else:
                a = whitebox.token_logprobs(hooks, ids, mask, edit)
                b = whitebox.token_logprobs(traced, ids, mask, edit)
                diff = float((a.float().cpu() - b.float().cpu()).abs().max())
            print(f"parity_{name}_max_abs_diff: {diff:.3g}")

    prompt = " ".join(str(int(i)) for i in ids[0].tolist())
    deltas = [{}] + [{n_layers // 2: steer * (k + 1) / args.rows} for k in range(args.rows - 1)]
    params = SamplingParams(temperature=0, max_new_tokens=args.tokens)
    sides = {"hooks": hooks, "nnsight": traced}
    if args.simulate:
        sides["nnsight_simulated"] = dataclasses.replace(traced, remote="local")
    for side in sides.values():  # warm-up
        generate_rows(side, prompt, deltas, params.but(max_new_tokens=2))
    times = {name: [] for name in sides}
    texts = {}
    for _ in range(args.repeats):
        for name, side in sides.items():
            if device.type == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            texts[name] = [r.text.split() for r in generate_rows(side, prompt, deltas, params)]
            if device.type == "cuda":
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t)
    print(f"generated_words_per_row: {[len(t) for t in texts['hooks']]}")
    for name in sides:
        if name == "hooks":
            continue
        same = texts[name] == texts["hooks"]
        diverge = min((next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                       for a, b in zip(texts["hooks"], texts[name]) if a != b), default=None)
        print(f"parity_generate_{name}_identical: {same}")
        print(f"parity_generate_{name}_first_divergent_step: {diverge}")
    hooks_s = statistics.median(times["hooks"])
    for name in sides:
        s = statistics.median(times[name])
        print(f"steered_generate_{name}_s: {s:.3f}")
        print(f"steered_generate_{name}_tokens_per_s: {args.rows * args.tokens / s:.0f}")
        if name != "hooks":
            print(f"steered_generate_{name}_over_hooks: {s / hooks_s:.2f}")

    one = ids[:1, :1]
    with torch.inference_mode():
        for _ in range(2):
            model(input_ids=one), copy_(input_ids=one)
        pristine, wrapped = [], []
        for _ in range(max(5, args.repeats)):
            for fn, out in ((model, pristine), (copy_, wrapped)):
                if device.type == "cuda":
                    torch.cuda.synchronize()
                t = time.perf_counter()
                fn(input_ids=one)
                if device.type == "cuda":
                    torch.cuda.synchronize()
                out.append(time.perf_counter() - t)
    print(f"plain_forward_1token_pristine_ms: {1000 * statistics.median(pristine):.2f}")
    print(f"plain_forward_1token_wrapped_ms: {1000 * statistics.median(wrapped):.2f}")


if __name__ == "__main__":
    main()
