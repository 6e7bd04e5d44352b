"""Chain-of-thought tools: sample one (`generate_cot`) and cut one into sentences (`split_sentences`)."""

from __future__ import annotations

from pydantic import Field

from backends.thought_anchors.sentences import split_sentences as split
from tools.inputs import DEFAULT_COT_SYSTEM, CotInput, ModelName, Seed, resolve_cot
from tools.registry import ToolArgs, ToolContext, ToolOutput, register


class GenerateCotArgs(ToolArgs):
    question: str = Field(min_length=1, max_length=8000, description="The question the model reasons about.")
    model: ModelName = None
    seed: Seed = 0
    max_new_tokens: int = Field(256, ge=1, le=8192, description="Most tokens to generate.")
    temperature: float = Field(0.6, ge=0.0, le=2.0, description="Sampling temperature; 0 is greedy.")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="Nucleus sampling mass.")
    system: str | None = Field(None, max_length=8000, description="System prompt; default asks for step-by-step reasoning and a \\boxed{} answer.")


def _predict_boxed(result: dict) -> dict:
    return {
        "question": "Will the model end its reasoning with a \\boxed{} final answer?",
        "options": ["yes", "no"],
        "actual": "yes" if result.get("answer") is not None else "no",
    }


def _predict_count(result: dict) -> dict:
    n = result.get("n_sentences", 0)
    return {
        "question": "How many sentences will the chain of thought split into?",
        "options": ["1-4", "5-9", "10 or more"],
        "actual": "1-4" if n < 5 else "5-9" if n < 10 else "10 or more",
        "shown_as": rf"\b{n} sentences?\b",  # an earlier summary that gave the count: no need to ask
    }


def _present_cot(args: GenerateCotArgs, result: dict, partial: bool) -> ToolOutput:
    from backends.thought_anchors.answers import boxed_answer

    text, model = result["cot"], result["model"]
    sentences = split(text).sentences
    answer = boxed_answer(text)
    compact = {"question": args.question, "cot": text, "answer": answer, "n_tokens": result["n_tokens"],
               "n_sentences": len(sentences), "finish_reason": result["finish_reason"], "model": model}
    ending = {
        "eos": "ended on its own",
        "length": f"hit max_new_tokens={args.max_new_tokens}",
        "stopped": "stopped early: partial, resumable",
    }[result["finish_reason"]]
    summary = (
        f"Sampled a {result['n_tokens']}-token chain of thought from {model} "
        f"(seed {args.seed}, temperature {args.temperature}, top_p {args.top_p}) in {result['seconds']:.1f} s; {ending}.\n"
        f"{len(sentences)} sentence{'' if len(sentences) == 1 else 's'}; final answer: "
        + (f"\\boxed{{{answer}}}" if answer is not None else "none in \\boxed{}")
    )
    full = compact | {"prompt": result["prompt"], "system": result["system"], "sampler": result["sampler"]}
    return ToolOutput(summary=summary, result=compact, full=full)


@register(
    "generate_cot",
    description="Sample a chain of thought from a subject model for a question (seeded: the same seed gives the same text).",
    args=GenerateCotArgs,
    examples=(
        "Generate a chain of thought for: what is 17 + 25?",
        "Have the model reason step by step about this question with seed 3",
        "Sample a CoT from tiny-random for 'Is 91 prime?'",
    ),
    predict=_predict_boxed,
    present=_present_cot,
    timing="generate_s",
)
def generate_cot(args: GenerateCotArgs, ctx: ToolContext):
    from backends.subject.generation import CotGeneration
    from backends.subject.sampling import SamplingParams

    template = ctx.template(args.model)  # the served model's own template on a server; no weights load there
    system = args.system if args.system is not None else DEFAULT_COT_SYSTEM
    return CotGeneration(ctx.sampler(args.model), template.chat_prompt(args.question, system=system),
                         SamplingParams.of(args), state=ctx.state, about={"model": template.name, "system": system})


class SplitSentencesArgs(CotInput):
    min_chars: int = Field(10, ge=0, le=200, description="Pieces shorter than this merge into the next sentence.")


@register(
    "split_sentences",
    description="Cut a chain of thought into sentences with exact character offsets (only the text inside <think>...</think> when present).",
    args=SplitSentencesArgs,
    examples=(
        "Split the last chain of thought into sentences",
        "How many sentences does this reasoning have?",
        "Show me the sentences of run 20261126-120000-generate_cot-ab12",
    ),
    predict=_predict_count,
)
def split_sentences(args: SplitSentencesArgs, ctx: ToolContext) -> ToolOutput:
    text, origin = resolve_cot(args, ctx.store)
    parts = split(text, min_chars=args.min_chars)
    rows = [{"index": s.index, "start": s.start, "end": s.end, "text": s.text} for s in parts.sentences]
    shown = 12  # whole sentences, never cut; a longer chain lists the rest in its run
    preview = "\n".join(f"  [{r['index']}] {' '.join(r['text'].split())}" for r in rows[:shown])
    more = f"\n  ... and {len(rows) - shown} more in the run (`parley runs show`)" if len(rows) > shown else ""
    summary = (
        f"{len(rows)} sentence{'' if len(rows) == 1 else 's'} in {len(text)} characters"
        + (f" (from run {origin['run_id']})" if origin.get("run_id") else "")
        + "; the text rebuilds byte-exactly from sentences and separators."
        + (f"\n{preview}{more}" if rows else "")
    )
    plot = None
    if rows:
        from tools.plots import bar

        plot = bar("Characters per sentence", [f"S{r['index']}" for r in rows], [r["end"] - r["start"] for r in rows],
                   xlabel="sentence", ylabel="characters")
    return ToolOutput(
        summary=summary,
        result={"n_sentences": len(rows), "sentences": rows, **origin},
        full={"text": text, **origin, **parts.to_dict()},
        plot=plot,
    )

