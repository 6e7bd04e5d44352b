"""ITDA tools: `itda_build` (dictionaries of real activations, one per layer), `itda_compare` (layers
and models by Jaccard of atom sources, with CKA, SVCCA and relative representations; or how a
dictionary carries to another text distribution) and `itda_explain` (atoms and their labels)."""

from __future__ import annotations

import time

from backends.core.errors import UsageError
from tools.inputs import clip, plural
from tools.dictionary_args import BuildArgs, CompareArgs, ExplainArgs
from tools.references import ATOMS_FILE, load_build
from tools.registry import ToolContext, ToolOutput, register


# --- loading a build's dictionaries ------------------------------------------------------------------

def _taus(args: BuildArgs, width: int | None = None) -> list[float]:
    """The thresholds as taus; threshold_mse converted at `width` (without it, only their number is right)."""
    if args.threshold_mse is not None:
        if "tau" in args.model_fields_set:
            raise UsageError("threshold_mse: give tau or threshold_mse, not both", field="threshold_mse")
        from backends.itda.dictionary import tau_from_threshold_mse

        thr = args.threshold_mse if isinstance(args.threshold_mse, list) else [args.threshold_mse]
        return [tau_from_threshold_mse(t, width) if width else 0.0 for t in thr]
    return args.tau if isinstance(args.tau, list) else [args.tau]


def _docs(ctx: ToolContext, corpus: list[str], split: bool, limit: int | None):
    from backends.itda.corpus import load_corpus

    docs = load_corpus(corpus, split=split)
    return docs[:limit] if limit else docs


def _build_preflight(args: BuildArgs, settings) -> dict:
    """Before approval: documents and tokens read (forward passes, no decoding); time from an earlier build."""
    from backends.subject.speed import about, previous_run_time

    taus = _taus(args)
    layers = f"{len(args.layers)} layers" if args.layers else "every layer"
    if args.docs:
        tokens = args.docs * args.max_tokens
        what = f"up to {args.docs:,} documents x {args.max_tokens} tokens (~{about(tokens)} tokens)"
    else:
        tokens, what = None, f"every document of {', '.join(args.corpus)}, up to {args.max_tokens} tokens each"
    when, seconds = previous_run_time(settings, "itda_build", args.model or settings.model,
                                      lambda p: (p.get("docs") or 0) * p.get("max_tokens", 128) * len(
                                          p.get("tau") if isinstance(p.get("tau"), list) else [1]),
                                      tokens * len(taus) if tokens else None)
    return {"estimate": f"{what}, {layers}, {len(taus)} dictionar{'y' if len(taus) == 1 else 'ies'} per layer; {when}",
            "warnings": [], "blocking": None, "numbers": {"rollouts": None, "tokens": tokens, "seconds": seconds}}


def _present_build(args: BuildArgs, result: dict, partial: bool) -> ToolOutput:
    from backends.itda.dictionary import threshold_mse_from_tau
    from tools.plots import bar, line

    layers, taus, width, base_info = result["layers"], result["taus"], result["width"], result["base"]
    run_id, build_s, eval_docs = result["dictionary"], result["build_s"], result["eval_documents"]
    thresholds = [threshold_mse_from_tau(t, width) for t in taus]
    rows = [{**r, **{key: (round(r[key], 4) if r[key] is not None else None) for key in ("nmse", "fve", "l0")}}
            for r in result["rows"]]
    first = [r for r in rows if r["tau"] == taus[0]]
    lines = [f"{'Partial: ' if partial else ''}ITDA on {result['model']}: {len(layers)} layer{'s' if len(layers) > 1 else ''}, "
             f"k={args.k}, tau={', '.join(f'{t:g}' for t in taus)}; {result['docs_done']} of {len(result['build_documents'])} "
             f"documents ({result['tokens_seen']} tokens) in {build_s:.1f} s; {len(eval_docs)} documents held out.",
             f"Atoms chosen with {args.build_encoder}; held-out error measured with {args.encoder} "
             f"({'orthogonal matching pursuit' if args.encoder == 'omp' else 'plain matching pursuit, as the paper'}). "
             f"tau {taus[0]:g} is the paper's threshold_mse {thresholds[0]:.3g} at width {width}."]
    if base_info:
        lines.append(f"Continued {base_info['run']} (built on {base_info['model']}): the atoms added are what "
                     f"{result['model']} represents that the base dictionary could not reconstruct within tau.")
        added = sorted(first, key=lambda r: -r["added"])[:3]
        lines.append("Most atoms added: " + ", ".join(f"L{r['layer']} {r['added']}" for r in added) + ".")
    if not partial:
        shown = first if len(first) <= 6 else [first[0], first[len(first) // 2], first[-1]]
        lines += [f"  L{r['layer']}: {r['size']} atoms, FVE {r['fve']:.3f}, NMSE {r['nmse']:.3f}, L0 {r['l0']:.1f}"
                  for r in shown if r["fve"] is not None]
        if len(taus) > 1:
            for tau in taus:
                sub = [r for r in rows if r["tau"] == tau]
                lines.append(f"  tau {tau:g}: {sum(r['size'] for r in sub)} atoms over {plural(len(sub), 'layer')}, mean FVE "
                             f"{sum(r['fve'] or 0 for r in sub) / len(sub):.3f}")
    lines.append(f"Dictionary id {run_id}: pass it as dictionary_run to itda_compare or itda_explain.")
    if len(taus) > 1:
        plot = line("Dictionary size against tau", [
            {"name": f"L{layer}", "x": taus, "y": [r["size"] for r in rows if r["layer"] == layer]}
            for layer in layers[:8]], xlabel="tau", ylabel="atoms")
    else:
        plot = bar("ITDA dictionary size per layer", [f"L{r['layer']}" for r in first], [r["size"] for r in first],
                   xlabel="layer", ylabel="atoms")
    full = {"model": result["model"], "layers": layers, "taus": taus, "threshold_mse": thresholds, "k": args.k,
            "encoder": args.encoder, "build_encoder": args.build_encoder, "rows": rows, "stream": result["stream"],
            "corpus": args.corpus, "documents": len(result["build_documents"]) + len(eval_docs),
            "build_documents": result["build_documents"], "eval_documents": eval_docs,
            "tokens_seen": result["tokens_seen"], "build_s": build_s, "base": base_info,
            "dictionaries": result["dictionaries"], "max_tokens": args.max_tokens}
    return ToolOutput(summary="\n".join(lines),
                      result={"dictionary": run_id, "model": result["model"], "encoder": args.encoder,
                              "build_encoder": args.build_encoder, "taus": taus, "threshold_mse": thresholds,
                              "rows": rows[:64], "build_s": round(build_s, 2),
                              "tokens": result["tokens_seen"], "continued_from": base_info},
                      full=full, plot=plot)


def _build_timing(args: BuildArgs, build, ctx: ToolContext) -> dict:
    ctx.run.add_timing("build_s", build.state["build_s"])
    ctx.run.add_timing("evaluate_s", build.state["evaluate_s"])
    return {}


@register(
    "itda_build",
    description=(
        "ITDA: build a dictionary of real activations for each layer of a subject model over a corpus (matching "
        "pursuit with k steps; an activation whose unit-vector error exceeds tau becomes an atom, labelled by its "
        "source token in context). Reports size, normalized MSE, variance explained and L0 per layer. With "
        "base_run, continues another run's dictionaries on a fine-tune: the atoms added are the difference."
    ),
    args=BuildArgs,
    cost="expensive",
    preflight=_build_preflight,
    present=_present_build,
    finish=_build_timing,
    examples=(
        "Build ITDA dictionaries for every layer",
        "Decompose the activations of layer 10 with ITDA",
        "Build an ITDA dictionary on the code corpus with tau 0.5",
        "Continue the base model's dictionary on the fine-tune",
    ),
)
def itda_build(args: BuildArgs, ctx: ToolContext):
    from backends.itda.activations import split_docs
    from backends.itda.build import ItdaBuild

    handle = ctx.load_model(args.model)
    taus = _taus(args, handle.model.config.hidden_size)
    base, base_info = None, None
    if args.base_run:
        base_run, base_results, base_sets = load_build(ctx, args.base_run, "base_run", every_tau=True)
        if base_sets[0] and next(iter(base_sets[0].values())).atoms.shape[1] != handle.model.config.hidden_size:
            raise UsageError(f"base_run: its atoms are {next(iter(base_sets[0].values())).atoms.shape[1]} wide; "
                             f"{handle.name} is {handle.model.config.hidden_size}", field="base_run")
        if base_results["taus"] != taus:
            raise UsageError(f"tau: the base run used {base_results['taus']}; continue with the same", field="tau")
        base, base_info = base_sets, {"run": base_run.id, "model": base_results["model"]}
    layers = handle.check_layers(args.layers if not base else (args.layers or sorted(base[0])))
    docs = _docs(ctx, args.corpus, args.split, args.docs)
    build_docs, eval_docs = split_docs(docs, args.held_out, args.seed)
    # A resumed build reads its atoms back from the run's folder, where it writes them at each checkpoint.
    return ItdaBuild(handle, build_docs, layers, k=args.k, taus=taus, max_tokens=args.max_tokens, batch_docs=args.batch,
                     base=base, state=ctx.state, encoder=args.build_encoder, held_out=eval_docs,
                     eval_encoder=args.encoder, directory=ctx.run.dir, atoms_file=ATOMS_FILE,
                     about={"dictionary": ctx.run.id, "base": base_info})


def _eval_activations(ctx: ToolContext, results: dict, handle, layers: list[int], tokens: int):
    """Block outputs of `handle` at the first `tokens` held-out tokens of a build's corpus, per layer."""
    import torch

    from backends.itda.activations import iter_activations

    docs = {d.id: d for d in _docs(ctx, results["corpus"], False, None)}
    chosen = [docs[i] for i in results["eval_documents"] + results["build_documents"] if i in docs]
    out: dict[int, list] = {layer: [] for layer in layers}
    streamed: list[int] = []
    for batch in iter_activations(handle, chosen, layers, results["max_tokens"],
                                  should_stop=lambda: len(streamed) >= tokens):
        for layer in layers:
            out[layer].append(batch.acts[layer])
        streamed += batch.token_ids
    return {layer: torch.cat(v)[:tokens] for layer, v in out.items()}, streamed[:tokens]


@register(
    "itda_compare",
    description=(
        "Compare ITDA dictionaries: for each layer of dictionary A, the best-matching layer of B (another run, or "
        "A's own other layers) by Jaccard of atom sources, with linear CKA, SVCCA and relative representations on "
        "the same activations as baselines; a layer-matching table and heatmap. Mode distribution: how well A's "
        "dictionaries reconstruct another corpus, layer by layer."
    ),
    args=CompareArgs,
    examples=(
        "Compare the layers of the ITDA dictionaries",
        "Which layers of the two models match?",
        "Match layers by Jaccard, CKA and SVCCA",
        "How well does the dictionary reconstruct code instead of prose?",
    ),
)
def itda_compare(args: CompareArgs, ctx: ToolContext) -> ToolOutput:
    run_a, res_a, sets_a = load_build(ctx, args.dictionary_run)
    if args.mode == "distribution":
        return _distribution(args, ctx, res_a, sets_a[0])
    from backends.itda import compare as itda
    from tools.plots import heatmap

    same = args.other_run is None or args.other_run == run_a.id
    run_b, res_b, sets_b = (run_a, res_a, sets_a) if same else load_build(ctx, args.other_run, "other_run")
    a, b = sets_a[0], sets_b[0]
    layers_a, layers_b = sorted(a), sorted(b)
    started = time.perf_counter()
    matrices = {}
    notes = []
    if res_a["stream"] == res_b["stream"]:
        matrices["jaccard"] = itda.jaccard_matrix(a, b)
    else:
        notes.append("Jaccard needs both dictionaries built on the same token stream (same corpus, documents and "
                     "tokenizer); these differ, so only the activation baselines are shown.")
    handle_a = ctx.load_model(res_a["model"])
    acts_a, toks_a = _eval_activations(ctx, res_a, handle_a, layers_a, args.tokens)
    if same:
        acts_b, toks_b = acts_a, toks_a
    else:
        handle_b = ctx.load_model(res_b["model"]) if res_b["model"] != res_a["model"] else handle_a
        acts_b, toks_b = _eval_activations(ctx, res_a, handle_b, layers_b, args.tokens)
    if toks_a != toks_b:
        raise UsageError("other_run: the two models tokenize the text differently, so their activations do not line "
                         "up token by token", field="other_run")
    xs, ys = [acts_a[l] for l in layers_a], [acts_b[l] for l in layers_b]
    matrices["cka"] = itda.linear_cka_matrix(xs, ys)
    matrices["svcca"] = itda.svcca_matrix(xs, xs if same else ys)
    matrices["relative"] = itda.relative_matrix(xs, xs if same else ys, seed=args.seed)
    ctx.run.add_timing("compare_s", time.perf_counter() - started)
    rows, accuracy = itda.layer_matching(matrices, layers_a, layers_b, exclude_self=same)
    names = list(matrices)
    lines = [f"ITDA layer matching: {res_a['model']} ({run_a.id}) against "
             + ("its own layers (best other layer)" if same else f"{res_b['model']} ({run_b.id})")
             + f"; {len(layers_a)} x {len(layers_b)} layers, baselines on {len(toks_a)} held-out tokens."]
    lines += notes
    for row in rows[:: max(1, len(rows) // 6)][:6]:
        lines.append(f"  L{row['layer']}: " + ", ".join(f"{n} L{row[n]['best']} ({row[n]['value']:.2f})" for n in names))
    if any(v is not None for v in accuracy.values()):
        lines.append("Matching accuracy (best layer = same layer): "
                     + ", ".join(f"{n} {v:.2f}" for n, v in accuracy.items() if v is not None) + ".")
    shown = "jaccard" if "jaccard" in matrices else "cka"
    clean = lambda m: [[round(float(v), 4) for v in r] for r in m]  # noqa: E731
    return ToolOutput(
        summary="\n".join(lines),
        result={"rows": rows, "accuracy": accuracy, "measures": names, "same": same},
        full={"rows": rows, "accuracy": accuracy, "matrices": {n: clean(m) for n, m in matrices.items()},
              "layers_a": layers_a, "layers_b": layers_b, "runs": [run_a.id, run_b.id], "tokens": len(toks_a)},
        plot=heatmap(f"{shown} between layers", clean(matrices[shown]), [f"L{l}" for l in layers_b],
                     [f"L{l}" for l in layers_a], xlabel=f"layer of {res_b['model']}", ylabel=f"layer of {res_a['model']}"),
    )


def _distribution(args: CompareArgs, ctx: ToolContext, res_a: dict, dictionaries) -> ToolOutput:
    from backends.itda.metrics import evaluate
    from tools.plots import line

    handle = ctx.load_model(res_a["model"])
    corpus = args.corpus or ["builtin:code"]
    own = {d.id: d for d in _docs(ctx, res_a["corpus"], False, None)}
    held_out = [own[i] for i in res_a["eval_documents"] if i in own]
    built_on = set(res_a["build_documents"])
    other = [d for d in _docs(ctx, corpus, False, None) if d.id not in built_on]
    if not other:
        raise UsageError("corpus: every document of it was in the dictionary's build set; give other text", field="corpus")
    started = time.perf_counter()
    k, max_tokens, encoder = res_a["k"], res_a["max_tokens"], res_a.get("encoder", "mp")  # runs before OMP: mp
    inside = evaluate(handle, dictionaries, held_out, k, max_tokens, encoder=encoder) if held_out else {}
    outside = evaluate(handle, dictionaries, other, k, max_tokens, should_stop=ctx.should_stop, encoder=encoder)
    ctx.run.add_timing("evaluate_s", time.perf_counter() - started)
    layers = sorted(dictionaries)
    rows = [{"layer": l, "fve_own": _r(inside.get(l, {}).get("fve")), "fve_other": _r(outside[l]["fve"]),
             "nmse_own": _r(inside.get(l, {}).get("nmse")), "nmse_other": _r(outside[l]["nmse"])} for l in layers]
    gaps = [(r["fve_own"] - r["fve_other"], r["layer"]) for r in rows if r["fve_own"] is not None and r["fve_other"] is not None]
    lines = [f"Cross-distribution: dictionaries built on {', '.join(res_a['corpus'])} ({res_a['model']}) reconstructing "
             f"{len(other)} documents of {', '.join(corpus)}, against their own held-out documents ({len(held_out)})."]
    lines += [f"  L{r['layer']}: FVE own {r['fve_own']}, other {r['fve_other']}" for r in rows[:: max(1, len(rows) // 6)][:6]]
    if gaps:
        worst = max(gaps)
        if worst[0] > 0:
            lines.append(f"Largest drop in variance explained on the other text: L{worst[1]} ({worst[0]:.3f}); a small "
                         f"drop means the atoms learned on one distribution also span the other there.")
        else:
            lines.append("No layer explains less variance of the other text than of its own held-out text: the atoms "
                         "span both distributions.")
    series = [{"name": "own held-out", "x": [r["layer"] for r in rows if r["fve_own"] is not None],
               "y": [r["fve_own"] for r in rows if r["fve_own"] is not None]},
              {"name": "other corpus", "x": [r["layer"] for r in rows], "y": [r["fve_other"] for r in rows]}]
    series = [s for s in series if s["x"]]
    return ToolOutput(summary="\n".join(lines), result={"rows": rows, "corpus": corpus},
                      full={"rows": rows, "corpus": corpus, "own": inside, "other": outside},
                      plot=line("Variance explained by layer", series, xlabel="layer", ylabel="FVE"))


def _r(v):
    return None if v is None else round(float(v), 4)


@register(
    "itda_explain",
    description=(
        "Interpret an ITDA dictionary: which atoms a text uses token by token, each labelled by its source token "
        "in context; an atom's label and its nearest atoms; or the atoms a continued build added (model diffing)."
    ),
    args=ExplainArgs,
    examples=(
        "Which ITDA atoms does this text use?",
        "Show atom 12 of the dictionary and its nearest atoms",
        "List the atoms the fine-tune added",
        "Explain this sentence with the dictionary atoms",
    ),
)
def itda_explain(args: ExplainArgs, ctx: ToolContext) -> ToolOutput:
    import torch

    from backends.itda.corpus import Document
    from backends.itda.activations import activations, tokenize

    run, results, sets = load_build(ctx, args.dictionary_run)
    dictionaries = sets[0]
    layers = sorted(dictionaries)
    layer = args.layer if args.layer is not None else layers[len(layers) // 2]
    if layer not in dictionaries:
        raise UsageError(f"layer: run {run.id} has no dictionary for layer {layer}; it has {layers[0]}-{layers[-1]}",
                         field="layer")
    d = dictionaries[layer]
    if args.atom is not None and args.atom >= d.size:
        raise UsageError(f"atom: {args.atom} is out of range; allowed 0 to {d.size - 1}", field="atom")
    encoder = results.get("encoder", "mp")
    lines, result = [f"ITDA dictionary {run.id}, layer {layer}: {d.size} atoms of {results['model']} (codes by {encoder})."], \
        {"layer": layer, "encoder": encoder}
    full = None  # the whole token list, when a text was read
    if args.atom is not None:
        cos = d.atoms @ d.atoms[args.atom]
        cos[args.atom] = -2.0
        near = torch.topk(cos, min(args.top, d.size - 1)).indices.tolist() if d.size > 1 else []
        lines.append(f"Atom {args.atom}: {d.label(args.atom)}")
        lines += [f"  nearest {j} (cosine {float(cos[j]):.2f}): {d.label(j)}" for j in near]
        result["atom"] = {"index": args.atom, "label": d.label(args.atom),
                          "nearest": [{"index": j, "cosine": round(float(cos[j]), 4), "label": d.label(j)} for j in near]}
    if args.added:
        base = (results.get("base") or {}).get("run")
        start = d.size - next((r["added"] for r in results["rows"] if r["layer"] == layer and r["tau"] == results["taus"][0]), 0)
        added = list(range(start, d.size))
        lines.append(f"{len(added)} atoms added" + (f" over base {base}" if base else " (a fresh build: all of them)") + ":")
        lines += [f"  {i}: {d.label(i)}" for i in added[: args.top]]
        result["added"] = [{"index": i, "label": d.label(i)} for i in added[:100]]
        result["n_added"] = len(added)
    if args.text:
        handle = ctx.load_model(results["model"])
        docs = [Document("input", args.text)]
        batch = activations(handle, docs, tokenize(handle, docs, 4096), [layer], skip_first=False)
        x = batch.acts[layer]
        idx, coef = d.encode(x, results["k"], encoder)
        tokens = []
        for t in range(x.shape[0]):
            weights: dict[int, float] = {}
            for i, c in zip(idx[t].tolist(), coef[t].tolist()):
                weights[i] = weights.get(i, 0.0) + c
            top = sorted(weights.items(), key=lambda kv: -abs(kv[1]))[: args.top]
            tokens.append({"token": handle.tokenizer.decode([batch.token_ids[t]]), "atoms": [
                {"index": i, "coefficient": round(c / float(x[t].norm()), 4), "label": d.label(i)} for i, c in top]})
        for row in tokens[:12]:
            lines.append(f"  {row['token']!r}: " + "; ".join(f"{a['coefficient']:+.2f} {clip(a['label'], 50)}"
                                                            for a in row["atoms"][:2]))
        result["tokens"] = [{**t, "atoms": t["atoms"][:3]} for t in tokens[:40]]  # compact; all of it in the run
        full = {**result, "tokens": tokens}
    if args.atom is None and not args.added and not args.text:
        lines.append("Give `text` (atoms a text uses), `atom` (one atom and its neighbours) or `added` (a diff).")
    return ToolOutput(summary="\n".join(lines), result=result, full=full)
