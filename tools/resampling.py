"""Thought Anchors tools: which sentences of a chain of thought matter (`resample_importance`),
and what else the model could have said at a sentence (`sentence_alternatives`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from tools.inputs import DEFAULT_COT_SYSTEM, CotInput, ModelName, Seed, clip, num, resolve_cot
from tools.paths import resolve
from tools.registry import ToolContext, ToolOutput, register


class ResampleArgs(CotInput):
    question: str | None = Field(None, min_length=1, max_length=8000,
                                 description="The question the chain of thought answers (taken from cot_run when it has one).")
    answer: str | None = Field(None, min_length=1, description="The correct answer; without it accuracy is agreement with the chain of thought's own answer.")
    model: ModelName = None
    rollouts: int = Field(8, ge=1, le=1000, description="Most rollouts per sentence position (the paper used 100).")
    round_size: int = Field(4, ge=1, le=1000, description="Rollouts per position per adaptive round.")
    adaptive: bool = Field(True, description="Stop a position early once the sentences it serves are settled.")
    max_new_tokens: int = Field(256, ge=1, le=8192, description="Most tokens per rollout.")
    temperature: float = Field(0.6, gt=0.0, le=2.0, description="Sampling temperature (paper: 0.6).")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="Nucleus sampling mass (paper: 0.95).")
    seed: Seed = 0
    extractor: str = Field("boxed", min_length=1, description="How to read an answer: boxed, last_number, choice, regex:<pattern>, or judge (asks the configured LLM provider).")
    threshold: float = Field(0.8, gt=0.0, lt=1.0, description="Cosine below which a resampled sentence means something else.")
    alpha: float = Field(1e-9, ge=0.0, le=10.0, description="Laplace smoothing of answer distributions (math code 1e-9, agentic code 1).")
    forced: bool = Field(True, description="Also measure forced-answer importance.")
    equivalence: Literal["auto", "math", "exact"] = Field(
        "auto", description="When two answers are equal: math (math-verify: 1/2 = 0.5 = \\frac{1}{2}), exact (the normalized "
                            "strings), auto (math where math-verify is installed).")
    export_dir: str | None = Field(None, description="Also write the thought-anchors.com visualizer's and the paper's "
                                                     "scripts' files here (forced answers beside it, in <dir>_forced_answer).")

    @model_validator(mode="after")
    def _rounds_fit(self):
        if self.round_size > self.rollouts:
            self.round_size = self.rollouts
        return self


def _prepare(args, ctx: ToolContext, extractor: str = "boxed"):
    """The chain of thought, the exact prompt it continues, and the answer extractor."""
    from backends.thought_anchors.answers import get_extractor

    extract = get_extractor(extractor)  # a bad name is a UsageError before any work
    cot, origin = resolve_cot(args, ctx.store)
    if not cot.strip():
        raise UsageError("cot: the chain of thought is empty", field="cot")
    prompt = None
    if args.cot_run:
        full = ctx.store.get(args.cot_run).results
        prompt = full.get("prompt")  # exactly what produced the chain of thought
    question = args.question or origin.get("question")
    if prompt is None:
        if not question:
            raise UsageError("question: needed with pasted text (or pass cot_run from generate_cot)", field="question")

        prompt = ctx.template(args.model).chat_prompt(question, system=DEFAULT_COT_SYSTEM)
    return cot, prompt, question, extract


# Extractors a pre-flight tries on the chain when the chosen one finds no answer (no judge: it costs a call).
FALLBACK_EXTRACTORS = ("boxed", "last_number", "choice")


def _preflight(args: ResampleArgs, settings) -> dict:
    """Before approval: how many rollouts and tokens, and whether the answers can be read at all.

    The extractor runs on the chain itself: when it finds no answer there and no `answer` is given,
    the reference is unknown and every accuracy would be n/a, so the call is blocked with the
    extractor (or answer) that would work. Reads the run store; loads no model."""
    from backends.thought_anchors.answers import get_extractor, read_answer
    from backends.core.runstore import RunStore
    from backends.thought_anchors.sentences import split_sentences
    from backends.thought_anchors import resampling as ta
    from backends.subject.speed import about, time_estimate

    store = RunStore(settings.runs_dir)
    cot, origin = resolve_cot(args, store)
    n = len(split_sentences(cot).sentences) if cot.strip() else 0
    positions = n + 1
    rollouts = args.rollouts * positions
    forced_tokens = ta.Settings().forced_tokens
    tokens = rollouts * args.max_new_tokens + (rollouts * forced_tokens if args.forced else 0)
    model = args.model or settings.model
    when, seconds = time_estimate(settings, model, tokens)
    estimate = (f"{'at most ' if args.adaptive else ''}{positions} positions x {args.rollouts} rollouts = {rollouts:,} rollouts "
                f"of up to {args.max_new_tokens} tokens" + (f" and {rollouts:,} forced answers of up to {forced_tokens}"
                                                            if args.forced else "")
                + f" (~{about(tokens)} tokens); {when}")
    warnings, blocking = [], None
    if origin.get("run_id") and store.get(origin["run_id"]).results.get("finish_reason") == "length":
        warnings.append(f"the chain in run {origin['run_id']} was cut at its max_new_tokens, so it may stop before its answer")
    if n == 0:
        blocking = "resample_importance: the chain of thought has no sentences to resample"
    elif args.cot_run is None and not args.question:
        blocking = "resample_importance: question is needed with pasted text (or pass cot_run from generate_cot)"
    if args.extractor == "judge":
        warnings.append(f"the judge extractor asks the LLM provider once per rollout (up to {rollouts:,} calls); "
                        "it is not tried before the run")
    elif blocking is None:
        own = read_answer(get_extractor(args.extractor)(cot))  # a bad extractor name is a UsageError here too
        if own is None:
            found = {}
            for name in FALLBACK_EXTRACTORS:
                if name != args.extractor:
                    answer = read_answer(get_extractor(name)(cot))
                    if answer is not None:
                        found[name] = answer
            why = " (it has no \\boxed{})" if args.extractor == "boxed" else ""
            if args.answer is None:
                if found:
                    name, answer = next(iter(found.items()))
                    fix = f"pass extractor='{name}' (finds '{answer}') or answer='{answer}'"
                else:
                    fix = "pass answer='<the correct answer>' or an extractor (regex:<pattern>) that finds it"
                blocking = (f"resample_importance: the extractor '{args.extractor}' finds no answer in this chain{why}, "
                            f"so every importance would be n/a; {fix}")
            else:
                other = next(iter(found), None)
                warnings.append(f"the extractor '{args.extractor}' finds no answer in the chain itself{why}: rollouts "
                                "may give none either, leaving accuracies n/a"
                                + (f"; extractor='{other}' finds one" if other else ""))
    return {"estimate": estimate, "warnings": warnings, "blocking": blocking,
            "numbers": {"rollouts": rollouts, "tokens": tokens, "seconds": seconds}}


MATRIX_NOTE = ("matrix (in the full result): M[i][j] = how much more often sentence j reappears in rollouts when "
               "sentence i is kept; a rollout's sentences include its last piece even without a sentence end, which "
               "the paper's splitter drops, so cells for a final unterminated sentence can differ from the paper's.")

# What the run store keeps of an importance run (the rest of Experiment.result() is for the summary).
FULL_FIELDS = ("question", "cot", "sentences", "table", "matrix", "reference", "accuracy_against", "rollouts_used",
               "fixed_budget", "alternatives", "sampler", "equivalence", "exported")


def _export(args: ResampleArgs, experiment, ctx: ToolContext) -> dict:
    """A finished run's files for the thought-anchors.com visualizer and the paper's scripts."""
    if not args.export_dir:
        return {}
    from backends.thought_anchors.export import export_run

    out_dir = resolve(args.export_dir, "export_dir")
    paths = export_run(out_dir, experiment, question=experiment.question, table=experiment.table(),
                       matrix=experiment.matrix())
    return {"exported": [str(p) for p in paths]}


def _present(args: ResampleArgs, result: dict, partial: bool) -> ToolOutput:
    from backends.thought_anchors.export import forced_dir
    from tools.plots import bar

    table, n, counts = result["table"], len(result["sentences"]), result["counts"]
    used, budget = result["rollouts_used"], result["fixed_budget"]
    measured = [r for r in table if r["counterfactual_accuracy"] is not None]  # n/a rows are not ranked
    ranked = sorted(measured, key=lambda r: -abs(r["counterfactual_accuracy"]))
    complete = sum(c >= result["rollouts_cap"] for c in counts)
    reference = result["reference"]
    lines = [
        f"{'Partial: ' if partial else ''}Thought Anchors importance for {n} sentences "
        f"({used} rollouts of a fixed budget of {budget}; accuracy against the {result['accuracy_against']}"
        f"{': ' + str(reference) if reference is not None else ', which is unknown: use the KL columns'}).",
        f"Rollouts with no extractable answer: {result['no_answer']}; answers compared "
        + ("with math-verify (1/2 = 0.5)." if result["equivalence"] == "math" else "as normalized strings."),
    ]
    if partial:
        lines.append(f"Stopped with {complete} of {n + 1} positions fully sampled; {len(measured)} of "
                     f"{n} sentences have a measured importance.")
    lines.append("Most important by counterfactual accuracy (95% interval):" if ranked else
                 "No sentence has a measured counterfactual accuracy yet (every value is n/a).")
    for row in ranked[:3]:
        lines.append(f"  S{row['index']} {num(row['counterfactual_accuracy'])} [{num(row['counterfactual_accuracy_low'])}, "
                     f"{num(row['counterfactual_accuracy_high'])}]  resampling {num(row['resampling_accuracy'])}  "
                     f"KL {num(row['counterfactual_kl'])}  \"{clip(row['text'], 60)}\"")
    compact = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()
                if k in ("index", "counterfactual_accuracy", "counterfactual_accuracy_low", "counterfactual_accuracy_high",
                         "resampling_accuracy", "forced_accuracy", "counterfactual_kl", "n_rollouts", "n_no_answer",
                         "different_trajectories_fraction")} | {"text": clip(row["text"], 80)} for row in table]
    full = {k: result[k] for k in FULL_FIELDS if k in result} | {"matrix_note": MATRIX_NOTE}
    if result.get("exported"):
        lines.append(f"Wrote the visualizer's and the paper's scripts' files to {args.export_dir} "
                     f"({len(result['exported'])} files"
                     + (f"; forced answers in {forced_dir(resolve(args.export_dir, 'export_dir'))}" if result["forced"] else "")
                     + ").")
    plot = bar("Counterfactual importance per sentence", [f"S{r['index']}" for r in table],
               [r["counterfactual_accuracy"] or 0.0 for r in table], xlabel="sentence", ylabel="accuracy change",
               highlight=[r["index"] for r in ranked[:3]])
    return ToolOutput(summary="\n".join(lines),
                      result={"rows": compact, "rollouts_used": used, "fixed_budget": budget,
                              "accuracy_against": result["accuracy_against"], "reference": reference,
                              "matrix_note": MATRIX_NOTE},
                      full=full, plot=plot)


@register(
    "resample_importance",
    description=(
        "Thought Anchors: which sentences of a chain of thought matter. Resamples from before and after every "
        "sentence and reports resampling, counterfactual and forced-answer importance (accuracy and KL, with 95% "
        "intervals), the sentence-to-sentence matrix, and rollouts used against the fixed budget."
    ),
    args=ResampleArgs,
    cost="expensive",
    preflight=_preflight,
    present=_present,
    finish=_export,
    examples=(
        "Which sentences of the last chain of thought matter?",
        "Run resampling importance on it with 16 rollouts",
        "Find the thought anchors of this reasoning",
        "Measure counterfactual importance per sentence",
    ),
)
def resample_importance(args: ResampleArgs, ctx: ToolContext):
    from backends.thought_anchors import resampling as ta

    cot, prompt, question, extract = _prepare(args, ctx, args.extractor)
    settings = ta.Settings(rollouts=args.rollouts, round_size=args.round_size, adaptive=args.adaptive,
                           max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p,
                           seed=args.seed, threshold=args.threshold, alpha=args.alpha, forced=args.forced,
                           equivalence=args.equivalence)
    experiment = ta.ImportanceRun(ctx.sampler(args.model), prompt, cot, extract, args.answer, settings,
                                  state=ctx.state, question=question)
    if experiment.n == 0:
        raise UsageError("cot: no sentences found in the chain of thought", field="cot")
    return experiment


class AlternativesArgs(CotInput):
    sentence: int = Field(ge=0, le=10_000, description="Index of the sentence (0-based).")
    question: str | None = Field(None, min_length=1, max_length=8000, description="The question (taken from cot_run when it has one).")
    model: ModelName = None
    rollouts: int = Field(16, ge=1, le=512, description="How many resamples of the sentence.")
    max_new_tokens: int = Field(48, ge=4, le=1024, description="Tokens per resample (enough for one sentence).")
    temperature: float = Field(0.6, gt=0.0, le=2.0, description="Sampling temperature.")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="Nucleus sampling mass.")
    seed: Seed = 0


@register(
    "sentence_alternatives",
    description="What else the model could have said at one sentence of a chain of thought: resamples it and lists the alternatives, most frequent first, with their similarity to the original.",
    args=AlternativesArgs,
    examples=(
        "What else could the model have said at sentence 3?",
        "Show alternatives for sentence 2 of the last chain of thought",
        "Resample sentence 4 and list the alternatives",
    ),
)
def sentence_alternatives(args: AlternativesArgs, ctx: ToolContext) -> ToolOutput:
    from backends.subject.sampling import SamplingParams
    from backends.thought_anchors import resampling as ta
    from backends.thought_anchors.answers import boxed_answer

    cot, prompt, question, _ = _prepare(args, ctx)
    experiment = ta.ImportanceRun(ctx.sampler(args.model), prompt, cot, boxed_answer, None,
                                  ta.Settings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens,
                                              temperature=args.temperature, top_p=args.top_p, seed=args.seed, forced=False))
    if args.sentence >= experiment.n:
        raise UsageError(f"sentence: {args.sentence} is out of range; allowed 0 to {experiment.n - 1}", field="sentence")
    rollouts = experiment.sampler.sample(ta.prefixes(prompt, experiment.split)[args.sentence], args.rollouts,
                                         SamplingParams.of(args), progress=ctx.progress, should_stop=ctx.should_stop)
    experiment.record(args.sentence, [r.text for r in rollouts], [])
    alternatives = experiment.alternatives(args.sentence, limit=args.rollouts)
    original = experiment.sentences[args.sentence]
    lines = [f"Sentence {args.sentence}: \"{clip(original, 100)}\"", f"{len(rollouts)} resamples, {len(alternatives)} distinct:"]
    lines += [f"  {a['count']}x  (cosine {a['similarity']:.2f})  \"{clip(a['sentence'], 90)}\"" for a in alternatives[:8]]
    return ToolOutput(summary="\n".join(lines),
                      result={"sentence": args.sentence, "original": original, "alternatives": alternatives[:20]},
                      full={"sentence": args.sentence, "original": original, "alternatives": alternatives,
                            "rollouts": [r.text for r in rollouts]})
