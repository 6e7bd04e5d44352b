"""ITDA's two encoders (matching pursuit, orthogonal matching pursuit) and ITDA build time against
training a TopK sparse autoencoder to the same normalized MSE, in one run.

    python bench/itda.py [--layer 15] [--docs 320] [--tokens 64] [--tau 0.4] [--k 40] [--model smollm2-135m]
                         [--max-sae-seconds 900] [--sae-encoder mp]

Both sides get the same activations of one layer of the embedded model over the shipped
corpus, computed once beforehand (the model's forward pass is not timed on either side),
and the same held-out tokens to measure normalized MSE (error over the mean predictor's
error, as in the TopK SAE paper). ITDA builds its dictionary in one pass (k matching-pursuit
steps, threshold tau), and again with orthogonal matching pursuit deciding the atoms; each
dictionary's held-out tokens are encoded with both encoders, and every build and encoding is
timed. The SAE is a minimal TopK SAE in torch (Gao et al. 2024: encoder,
ReLU of the top k pre-activations, unit-norm decoder rows, decoder bias initialised to the
mean) with as many latents as the MP-built dictionary has atoms and the same k, trained with
Adam on batches of 1024 (learning rate `--lr`) until its held-out normalized MSE reaches that
dictionary's with `--sae-encoder` (checked every 25 steps), or `--max-sae-seconds` pass (then
the ratio printed is a lower bound; 0 skips the SAE). Prints both times and the ratio.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def nmse(x, x_hat) -> float:
    return float(((x - x_hat) ** 2).sum() / ((x - x.mean(0)) ** 2).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--docs", type=int, default=320)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--tau", type=float, default=0.4)
    parser.add_argument("--k", type=int, default=40)
    parser.add_argument("--max-sae-seconds", type=float, default=900)
    parser.add_argument("--sae-encoder", choices=["mp", "omp"], default="mp")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--model", default="smollm2-135m")
    args = parser.parse_args()

    import torch

    from backends.itda.corpus import load_corpus
    from backends.itda.activations import iter_activations, split_docs
    from backends.itda.dictionary import Dictionary, decode, select_new_atoms, unit
    from backends.subject.models import load_model

    torch.manual_seed(0)
    handle = load_model(args.model)
    docs = load_corpus("builtin")[: args.docs]
    build_docs, eval_docs = split_docs(docs, 0.1, 0)

    def acts(ds):
        return torch.cat([b.acts[args.layer] for b in iter_activations(handle, ds, [args.layer], args.tokens)])

    x, x_eval = acts(build_docs), acts(eval_docs)
    print(f"{args.model} layer {args.layer}: {x.shape[0]} training and {x_eval.shape[0]} held-out activations, width {x.shape[1]}")

    built, held_out = {}, {}
    for build_encoder in ("mp", "omp"):
        started = time.perf_counter()
        d = Dictionary.empty(args.layer, x.shape[1])
        for start in range(0, x.shape[0], 1024):
            chunk = x[start:start + 1024]
            picked = select_new_atoms(chunk, d, args.k, args.tau, build_encoder).tolist()
            d.add(unit(chunk[picked]), [("", start + i) for i in picked], [""] * len(picked), [""] * len(picked), "")
        built[build_encoder] = (d, time.perf_counter() - started)
        print(f"ITDA built with {build_encoder} (tau {args.tau}, k {args.k}): {d.size} atoms in {built[build_encoder][1]:.2f} s")
        for encoder in ("mp", "omp"):
            started = time.perf_counter()
            idx, coef = d.encode(x_eval, args.k, encoder)
            seconds = time.perf_counter() - started
            held_out[build_encoder, encoder] = nmse(x_eval, decode(idx, coef, d.atoms))
            print(f"  held-out encoded with {encoder}: normalized MSE {held_out[build_encoder, encoder]:.4f}, "
                  f"{seconds:.2f} s ({1e3 * seconds / x_eval.shape[0]:.3f} ms a token)")
    (d, itda_s), target = built["mp"], held_out["mp", args.sae_encoder]
    if args.max_sae_seconds <= 0:
        return

    m, k, width = d.size, args.k, x.shape[1]
    w_enc = torch.nn.Parameter(torch.randn(width, m) / math.sqrt(width))
    w_dec = torch.nn.Parameter(w_enc.detach().T.clone())
    b_enc = torch.nn.Parameter(torch.zeros(m))
    b_dec = torch.nn.Parameter(x.mean(0).clone())
    optim = torch.optim.Adam([w_enc, w_dec, b_enc, b_dec], lr=args.lr)

    def sae(inputs):
        pre = (inputs - b_dec) @ w_enc + b_enc
        values, index = pre.topk(k, dim=1)
        z = torch.zeros_like(pre).scatter(1, index, torch.relu(values))
        return z @ w_dec + b_dec

    with torch.no_grad():
        w_dec /= w_dec.norm(dim=1, keepdim=True)
    generator = torch.Generator().manual_seed(0)
    started, step, reached = time.perf_counter(), 0, None
    while time.perf_counter() - started < args.max_sae_seconds:
        batch = x[torch.randint(0, x.shape[0], (1024,), generator=generator)]
        loss = ((sae(batch) - batch) ** 2).sum(dim=1).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
        with torch.no_grad():
            w_dec /= w_dec.norm(dim=1, keepdim=True)
        step += 1
        if step % 25 == 0:
            with torch.no_grad():
                current = nmse(x_eval, sae(x_eval))
            if current <= target:
                reached = current
                break
    sae_s = time.perf_counter() - started
    if reached is None:
        with torch.no_grad():
            current = nmse(x_eval, sae(x_eval))
        print(f"TopK SAE ({m} latents, k {k}): did not reach {target:.4f} in {sae_s:.0f} s ({step} steps; at {current:.4f})")
        print(f"ratio (SAE time to match / ITDA build time): more than {sae_s / itda_s:.1f}x")
    else:
        print(f"TopK SAE ({m} latents, k {k}): normalized MSE {reached:.4f} after {step} steps, {sae_s:.2f} s")
        print(f"ratio (SAE time to match / ITDA build time): {sae_s / itda_s:.1f}x")


if __name__ == "__main__":
    main()
