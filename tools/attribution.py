"""White-box Thought Anchors tools: `receiver_heads` (which sentences later reasoning attends to)
and `attention_suppression` (which sentences causally shape later tokens)."""

from __future__ import annotations

import time

from pydantic import Field

from tools.inputs import DEFAULT_COT_SYSTEM, CotInput, ModelName, clip, resolve_cot
from tools.registry import ToolContext, ToolOutput, register


class PromptedCot(CotInput):
    # Without the prompt the chain's first token is the attention sink, and S0 outscores every
    # sentence in every head (measured on SmolLM2 and the anchor organism; docs/methods.md).
    question: str | None = Field(None, min_length=1, max_length=8000,
                                 description="With pasted `cot`: the question it answers, so the model reads its chat "
                                             "prompt (default system prompt) before the chain, as when it wrote it. "
                                             "A `cot_run`'s own prompt (else its question) is used when it has one.")


class ReceiverArgs(PromptedCot):
    model: ModelName = None
    k: int = Field(20, ge=1, le=1000, description="How many receiver heads (layer 0 excluded).")
    more_cot_runs: list[str] = Field([], max_length=100, description="More runs with chains of thought, for the split-half reliability of the head ranking.")


class SuppressionArgs(PromptedCot):
    model: ModelName = None
    batch: int = Field(8, ge=1, le=256, description="Sentences suppressed per batched forward pass.")
    layers: list[int] | None = Field(None, description="Suppress only in these layers (default: all).")


def _text(args, ctx: ToolContext, cot_run: str | None = None):
    """The text the model reads (the run's prompt + chain of thought when known), sentence spans in it, and the model."""
    from backends.thought_anchors.sentences import split_sentences

    if cot_run:
        full = ctx.store.get(cot_run).results
        cot, prompt, model = full.get("cot", ""), full.get("prompt") or "", full.get("model")
        question = full.get("question")
    else:
        cot, origin = resolve_cot(args, ctx.store)
        prompt, model, question = "", None, args.question or origin.get("question")
        if origin.get("run_id"):
            full = ctx.store.get(origin["run_id"]).results
            prompt, model = full.get("prompt") or "", full.get("model")
    parts = split_sentences(cot)
    from backends.core.errors import UsageError

    if len(parts.sentences) < 2:
        raise UsageError("cot: needs at least 2 sentences", field="cot")
    handle = ctx.load_model(args.model or model)
    if not prompt and question:  # a run that kept its question but not its prompt (resample_importance), or pasted text
        prompt = handle.chat_prompt(question, system=DEFAULT_COT_SYSTEM)
    spans = [(len(prompt) + s.start, len(prompt) + s.end) for s in parts.sentences]
    return cot, prompt + cot, spans, parts.texts(), handle


@register(
    "receiver_heads",
    description=(
        "Thought Anchors white-box: which sentences later reasoning attends to. Finds receiver heads (attention "
        "heads whose attention concentrates on a few earlier sentences, by kurtosis of vertical scores) and each "
        "sentence's receiver score (how much it broadcasts)."
    ),
    args=ReceiverArgs,
    examples=(
        "Which sentences do receiver heads attend to?",
        "Find the receiver heads for the last chain of thought",
        "Which sentences broadcast to later reasoning?",
    ),
)
def receiver_heads(args: ReceiverArgs, ctx: ToolContext) -> ToolOutput:
    import numpy as np

    from backends.thought_anchors import attention as att
    from tools.plots import bar

    started = time.perf_counter()
    cot, text, spans, sentences, handle = _text(args, ctx)
    vertical = att.vertical_scores(att.sentence_attention(handle, text, spans))
    kurt = att.head_kurtosis(vertical)
    heads = att.receiver_heads(kurt, args.k)
    scores = att.receiver_scores(vertical, heads)
    kurtoses = [kurt]
    for run_id in args.more_cot_runs:
        _, more_text, more_spans, _, _ = _text(args, ctx, cot_run=run_id)
        kurtoses.append(att.head_kurtosis(att.vertical_scores(att.sentence_attention(handle, more_text, more_spans))))
    reliability = att.split_half_reliability(kurtoses)
    ctx.run.add_timing("attention_s", time.perf_counter() - started)
    order = [int(i) for i in np.argsort(-np.nan_to_num(scores, nan=-1))]
    rows = [{"index": i, "receiver_score": None if np.isnan(scores[i]) else round(float(scores[i]), 5),
             "text": clip(sentences[i], 100)} for i in range(len(sentences))]
    lines = [f"Receiver heads of {handle.name} over {len(sentences)} sentences (top {len(heads)} by kurtosis, layer 0 "
             f"excluded): " + ", ".join(f"L{l}H{h}" for l, h in heads[:8]) + (" ..." if len(heads) > 8 else "") + "."]
    lines.append("Sentences that broadcast most (receiver score):")
    lines += [f"  S{i} {scores[i]:.4f}  \"{clip(sentences[i], 70)}\"" for i in order[:3] if not np.isnan(scores[i])]
    scored = int(np.sum(~np.isnan(vertical[0, 0])))
    if scored < 5:
        lines.append(f"Caution: only {scored} sentences have a sentence 4 or more later to receive attention from; "
                     "kurtosis over so few is fragile (the paper used traces of dozens of sentences).")
    if reliability is not None:
        lines.append(f"Split-half reliability of the head ranking over {len(kurtoses)} traces: Spearman {reliability:.2f}.")
    combined = combined_view(ctx, cot, receiver=[r["receiver_score"] for r in rows])
    if combined:
        lines.append(combined["line"])
    return ToolOutput(
        summary="\n".join(lines),
        result={"sentences": rows, "heads": [{"layer": l, "head": h, "kurtosis": round(float(kurt[l, h]), 3)} for l, h in heads],
                "reliability": reliability, "combined": combined},
        full={"cot": cot, "sentences": sentences, "vertical": vertical.tolist(), "kurtosis": kurt.tolist(),
              "heads": heads, "receiver_scores": [r["receiver_score"] for r in rows], "reliability": reliability},
        plot=bar("Receiver score per sentence", [f"S{i}" for i in range(len(sentences))],
                 [r["receiver_score"] or 0.0 for r in rows], xlabel="sentence", ylabel="attention from receiver heads",
                 highlight=order[:3]),
    )


@register(
    "attention_suppression",
    description=(
        "Thought Anchors white-box: which sentences causally shape later tokens. Suppresses attention to each "
        "sentence in turn and measures the KL change of every later token's next-token distribution, as a "
        "sentence x sentence matrix."
    ),
    args=SuppressionArgs,
    examples=(
        "Which later sentences depend on which through attention?",
        "Run attention suppression on the last chain of thought",
        "Suppress attention to each sentence and show the effect matrix",
    ),
)
def attention_suppression(args: SuppressionArgs, ctx: ToolContext) -> ToolOutput:
    import numpy as np

    from backends.thought_anchors import attention as att
    from tools.plots import heatmap

    started = time.perf_counter()
    cot, text, spans, sentences, handle = _text(args, ctx)
    matrix, _ = att.suppression_matrix(handle, text, spans, batch=args.batch, layers=args.layers,
                                       progress=ctx.progress, should_stop=ctx.should_stop)
    ctx.run.add_timing("suppression_s", time.perf_counter() - started)
    shown = att.display_form(matrix)
    n = len(sentences)
    outflow = [float(np.nanmean(matrix[j + 1:, j])) if j + 1 < n and not np.isnan(matrix[j + 1:, j]).all() else None
               for j in range(n)]
    pairs = sorted(((shown[i, j], i, j) for i in range(n) for j in range(i) if not np.isnan(shown[i, j])), reverse=True)
    lines = [f"Attention suppression on {handle.name}: {n} sentences, each suppressed in every "
             f"{'layer' if args.layers is None else 'chosen layer'}; log KL of later tokens (row means removed)."]
    lines.append("Strongest dependencies (later sentence <- suppressed sentence):")
    lines += [f"  S{i} <- S{j}  {v:+.2f}  \"{clip(sentences[i], 40)}\" <- \"{clip(sentences[j], 40)}\"" for v, i, j in pairs[:3]]
    top = sorted((v, j) for j, v in enumerate(outflow) if v is not None)[-3:][::-1]
    lines.append("Most influential (mean log KL on later sentences): " + ", ".join(f"S{j} {v:.2f}" for v, j in top))
    partial = bool(np.isnan(matrix).all(axis=0).any())
    combined = combined_view(ctx, cot, outflow=outflow)
    if combined:
        lines.append(combined["line"])
    clean = lambda m: [[None if np.isnan(v) else round(float(v), 4) for v in row] for row in m]  # noqa: E731
    labels = [f"S{i}" for i in range(n)]
    return ToolOutput(
        summary=("Partial: " if partial else "") + "\n".join(lines),
        result={"display": clean(shown), "outflow": outflow, "combined": combined,
                "sentences": [clip(s, 100) for s in sentences]},
        full={"cot": cot, "sentences": sentences, "matrix": clean(matrix), "display": clean(shown), "outflow": outflow},
        plot=heatmap("Suppression effect (log KL, row mean removed)", clean(shown), labels, labels,
                     xlabel="suppressed sentence", ylabel="affected sentence"),
        partial=partial,
    )


def combined_view(ctx: ToolContext, cot: str, receiver: list | None = None, outflow: list | None = None) -> dict | None:
    """Rank correlations between counterfactual importance, receiver score and suppression outflow for the same text."""
    from scipy.stats import spearmanr

    series = {"receiver score": receiver, "suppression outflow": outflow}
    for run in ctx.store.list():
        if run.status != "complete" or run.id == ctx.run.id:
            continue
        tool = run.meta.get("tool")
        if tool not in ("resample_importance", "receiver_heads", "attention_suppression"):
            continue
        results = run.results
        if results.get("cot") != cot:
            continue
        if tool == "resample_importance" and "counterfactual importance" not in series:
            series["counterfactual importance"] = [r.get("counterfactual_accuracy") for r in results.get("table", [])]
        elif tool == "receiver_heads" and series["receiver score"] is None:
            series["receiver score"] = results.get("receiver_scores")
        elif tool == "attention_suppression" and series["suppression outflow"] is None:
            series["suppression outflow"] = results.get("outflow")
    named = {k: v for k, v in series.items() if v}
    if len(named) < 2:
        return None
    correlations = {}
    names = list(named)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            x, y = named[names[a]], named[names[b]]
            keep = [i for i in range(min(len(x), len(y))) if x[i] is not None and y[i] is not None]
            if len(keep) > 2:
                rho = spearmanr([x[i] for i in keep], [y[i] for i in keep]).statistic
                correlations[f"{names[a]} vs {names[b]}"] = None if rho != rho else round(float(rho), 3)
    if not correlations:
        return None
    line = "Same text, other measures (Spearman): " + "; ".join(
        f"{k} {v:+.2f}" if v is not None else f"{k} n/a" for k, v in correlations.items())
    return {"correlations": correlations, "line": line}
