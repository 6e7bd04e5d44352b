"""Thought Branches tools: does a stated reason cause the action?

`sentence_resilience` (does removed content come back, and what happens once it is gone) and
`compare_interventions` (edit the chain off-policy or find the edit on-policy); `hint_mediation`
is in tools/mediation.py. Each starts from a shipped scenario (`scenario`) or a question of your
own, with a chain of thought given (`cot`, `cot_run`) or sampled now from the prompt. The methods
run in backends/thought_branches/ (resilience.py, interventions.py); a tool resolves what they start
from and presents what they measured.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from backends.thought_branches.scenarios import scenario_ids  # json only: listing tools stays free of torch
from tools import branch_estimates as estimates
from tools.inputs import (
    ModelName, SamplingArgs, check_sentence, clip, decision_metric, interval, num, percent, resolve_cot,
)
from tools.registry import ToolContext, ToolOutput, register

ScenarioArg = Field(None, min_length=1, max_length=100, examples=scenario_ids(), description=(
    "A shipped scenario id (see the README or `parley tools --json`): its prompt, system prompt and decision."))


class ChainArgs(SamplingArgs):
    scenario: str | None = ScenarioArg
    question: str | None = Field(None, min_length=1, max_length=8000, description="The user message, when not using a scenario.")
    system: str | None = Field(None, min_length=1, max_length=8000, description="A system prompt (default: the scenario's).")
    cot: str | None = Field(None, min_length=1, max_length=200_000, description="The chain of thought (default: sampled now).")
    cot_run: str | None = Field(None, min_length=1, description="Id of a run that holds the chain of thought (e.g. generate_cot).")
    decision: str | None = Field(None, min_length=1, max_length=2000, description=(
        "How to judge a rollout's decision: regex:<pattern>, choice:<letter> or judge:<question> (default: the scenario's)."))
    model: ModelName = None
    rollouts: int = Field(8, ge=1, le=1000, description="Rollouts per condition (the paper used 100).")
    tries: int = Field(8, ge=1, le=64, description="Chains sampled to find one with the decision, when no chain is given.")

    @model_validator(mode="after")
    def _one_source(self):
        if self.cot is not None and self.cot_run is not None:
            raise ValueError("give at most one of `cot` (the text) or `cot_run` (a run id)")
        if self.scenario is None and self.question is None and self.cot_run is None:
            raise ValueError("give a `scenario`, a `question`, or a `cot_run` that holds one")
        return self


def _decision(args: ChainArgs) -> tuple:
    """The scenario (or None), the decision's spec and how a summary names it (json only, no model)."""
    from backends.thought_branches.scenarios import get_scenario

    scenario = get_scenario(args.scenario) if args.scenario else None
    spec = args.decision or (scenario.decision if scenario else None)
    if spec is None:
        raise UsageError("decision: needed without a scenario: regex:<pattern>, choice:<letter> or judge:<question>",
                         field="decision")
    return scenario, spec, scenario.decision_label if scenario and not args.decision else spec


def _start(args: ChainArgs, ctx: ToolContext) -> tuple:
    """What a Thought Branches run starts from: (decision metric, sampler, prompt, chain of thought, setup),
    `setup` being where the chain came from, which the experiment keeps in its state. Resuming, the
    prompt and the chain are the saved ones; else the prompt is formatted now and, without a chain
    given (`cot`, `cot_run`), one is sampled from it."""
    from backends.subject.sampling import SamplingParams
    from backends.thought_branches.branching import sample_chain

    scenario, spec, label = _decision(args)
    decide = decision_metric(spec)
    saved = (ctx.state or {}).get("setup")
    if saved is not None:
        return decide, ctx.sampler(args.model), saved["prompt"], saved["cot"], None
    prompt, question, cot, origin = None, args.question, args.cot, {"source": "text"}
    if args.cot_run:
        cot, origin = resolve_cot(args, ctx.store)  # reads `cot_run` (`cot` is None here)
        prompt = ctx.store.get(args.cot_run).results.get("prompt")
        question = question or origin.get("question")
    if prompt is None:
        asked = question or (scenario.prompt if scenario else None)
        if asked is None:
            raise UsageError("question: needed (the cot_run holds none)", field="question")
        system = args.system or (scenario.system if scenario else None)
        prompt = ctx.template(args.model).chat_prompt(asked, system=system)
    sampler = ctx.sampler(args.model)
    note = ""
    if cot is None:
        cot, note = sample_chain(sampler, prompt, SamplingParams.of(args), args.tries, decide, label)
        origin = {"source": "sampled"}
    if not cot.strip():
        raise UsageError("cot: the chain of thought is empty", field="cot")
    return decide, sampler, prompt, cot, {"scenario": scenario.id if scenario else None, "question": question,
                                          "origin": origin, "note": note}


def _describe(args: ChainArgs, result: dict) -> dict:
    """The run's chain, prompt, decision and sampler, for its full result."""
    setup = result["setup"]
    _, spec, label = _decision(args)
    return {"scenario": setup["scenario"], "question": setup["question"], "prompt": setup["prompt"], "cot": setup["cot"],
            "decision": spec, "decision_label": label, **setup["origin"], "sampler": result["sampler"]}


# --- sentence_resilience ----------------------------------------------------------------------

class ResilienceArgs(ChainArgs):
    sentences: list[int] | None = Field(None, min_length=1, max_length=200, description="Sentence indices to study (default: all).")
    chains: int = Field(4, ge=1, le=200, description="Resampling chains per sentence (paper: 30).")
    max_iterations: int = Field(20, ge=1, le=100, description="Most resamples per chain (paper: 20).")
    similarity: float = Field(0.6, gt=0.0, lt=1.0, description="Cosine at which resampled content counts as the same (paper: 0.6).")


def _predict_resilience(result: dict) -> dict | None:
    rows = [r for r in result.get("rows", []) if r.get("mean_resilience") is not None]
    if not rows:
        return None
    top = max(rows, key=lambda r: r["mean_resilience"])
    return {"question": "Which sentence's content will come back most often after being resampled away?",
            "options": [f"S{r['index']}" for r in rows][:6], "actual": f"S{top['index']}"}


def _present_resilience(args: ResilienceArgs, result: dict, partial: bool) -> ToolOutput:
    from tools.plots import bar

    rows, targets, setup = result["table"], result["targets"], result["setup"]
    label = _decision(args)[2]
    lines = [f"{'Partial: ' if partial else ''}Resilience of {len(rows)} of {len(targets)} sentences "
             f"({args.chains} chains each, at most {args.max_iterations} resamples, cosine >= {args.similarity}); "
             f"decision: {label}."]
    if setup["note"]:
        lines.append(setup["note"])
    lines.append("S#  resilience  persist  abandon  kept -> gone (counterfactual++)  kept -> resampled")
    for r in rows:
        lines.append(f"S{r['index']}  {num(r['mean_resilience'], False)}  {percent(r['persistence_rate'])}  "
                     f"{percent(r['abandonment_rate'])}  {percent(r['kept_rate'])} -> {percent(r['eliminated_rate'])} "
                     f"({num(r['counterfactual_pp'])}{interval(r['counterfactual_pp_low'], r['counterfactual_pp_high'])})  "
                     f"{percent(r['kept_rate'])} -> {percent(r['resampled_rate'])}  \"{clip(r['text'], 50)}\"")
    lines.append("Counterfactual++ is the decision rate with the sentence kept minus the rate once its content is gone "
                 "downstream: a reason that caused the action shows a large, positive value. High resilience with a "
                 "small ordinary resampling effect means the model says it again anyway, so plain resampling "
                 "understates the sentence's role.")
    compact = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k != "text"}
               | {"text": clip(r["text"], 80)} for r in rows]
    plot = None
    if rows:
        plot = bar("Mean resilience per sentence", [f"S{r['index']}" for r in rows],
                   [r["mean_resilience"] or 0.0 for r in rows], xlabel="sentence", ylabel="times the content came back",
                   highlight=[k for k, r in enumerate(rows) if (r["counterfactual_pp"] or 0) >= 0.2])
    return ToolOutput(summary="\n".join(lines),
                      result={"rows": compact, "decision": label, "n_sentences": len(result["sentences"]),
                              "source": setup["origin"]["source"]},
                      full={**_describe(args, result), "sentences": result["sentences"], "table": rows,
                            "state": result["state"]},
                      plot=plot)


@register(
    "sentence_resilience",
    description=(
        "Thought Branches resilience and counterfactual++: resample a sentence away and see whether its content "
        "comes back downstream (up to 20 times per chain); then compare the decision rate with the sentence kept "
        "against the rate once its content is gone everywhere."
    ),
    args=ResilienceArgs,
    cost="expensive",
    preflight=estimates.resilience,
    present=_present_resilience,
    examples=(
        "How resilient is each sentence of the blackmail scenario's reasoning?",
        "Does the survival sentence come back if I resample it away?",
        "Run sentence resilience and counterfactual++ on sentence 2",
    ),
    predict=_predict_resilience,
)
def sentence_resilience(args: ResilienceArgs, ctx: ToolContext):
    from backends.thought_anchors.sentences import split_sentences
    from backends.thought_branches.resilience import ResilienceRun, ResilienceSettings

    decide, sampler, prompt, cot, setup = _start(args, ctx)
    n = len(split_sentences(cot).sentences)
    targets = args.sentences if args.sentences is not None else list(range(n))
    for i in targets:
        check_sentence(i, n, "sentences")
    settings = ResilienceSettings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  top_p=args.top_p, seed=args.seed, chains=args.chains, max_iterations=args.max_iterations,
                                  similarity=args.similarity)
    return ResilienceRun(sampler, prompt, cot, decide, settings, targets, state=ctx.state, setup=setup)


# --- compare_interventions --------------------------------------------------------------------

DEFAULT_INSERT = "My primary goal is survival."


class InterventionArgs(ChainArgs):
    sentence: int = Field(ge=0, le=10_000, description="The target sentence (0-based): edits go right after it.")
    insert: str = Field(DEFAULT_INSERT, min_length=1, max_length=2000, description="The sentence to insert (off-policy) and to reach (on-policy).")
    donor_cot: str | None = Field(None, min_length=1, max_length=200_000, description=(
        "A chain from another rollout or model to take the most similar sentence from (default: sample `pool` rollouts)."))
    pool: int = Field(8, ge=1, le=200, description="Other rollouts to search for the most similar sentence.")
    candidates: int = Field(12, ge=1, le=200, description="On-policy: resamples of the target per iteration (paper: 12).")
    continuations: int = Field(8, ge=1, le=200, description="On-policy: short continuations of each candidate (paper: 8).")
    similarity: float = Field(0.7, gt=0.0, lt=1.0, description="On-policy: cosine at which the next sentence means the wanted text (paper: 0.7).")
    max_iterations: int = Field(6, ge=1, le=50, description="On-policy: iterations before giving up (paper: 6).")
    sentence_tokens: int = Field(48, ge=4, le=512, description="Tokens for one candidate or continuation sentence.")


def _present_interventions(args: InterventionArgs, result: dict, partial: bool) -> ToolOutput:
    from tools.plots import bar

    rows, search, label, note = result["table"], result["search"], _decision(args)[2], result["setup"]["note"]
    lines = [f"{'Partial: ' if partial else ''}Interventions after S{args.sentence} "
             f"(\"{clip(result['sentences'][args.sentence], 60)}\"), {args.rollouts} rollouts each; decision: {label}."]
    if note:
        lines.append(note)
    for r in rows:
        where = "" if r["inserted"] is None else f" \"{clip(r['inserted'], 50)}\""
        lp = "" if r["logprob"] is None else f"  mean log-prob {r['logprob']:.2f}"
        change = "" if r["change"] is None else f"  change {num(r['change'])}{interval(r['change_low'], r['change_high'])}"
        lines.append(f"  {r['condition']}: {percent(r['rate'])}{interval(r['low'], r['high'], True)}{change}{lp}{where}")
    if search.get("found") is False:
        best = max((it.get("similarity") or 0.0 for it in search["iterations"]), default=0.0)
        lines.append(f"  on-policy: not reached in {len(search['iterations'])} iterations (best cosine {best:.3f} < "
                     f"{args.similarity}): the model does not say this here on its own.")
    elif search.get("found"):
        lines.append(f"  on-policy: reached after {len(search['iterations'])} iteration(s) "
                     f"(cosine {search['similarity']:.2f}), replacing the target with \"{clip(search['candidate'], 50)}\".")
    lines.append("Log-prob near 0 means the model would plausibly write the sentence itself (on-policy); a handwritten "
                 "sentence far below that is off-policy, and its effect may not reflect how the model reasons.")
    compact = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]
    plot = bar("Decision rate per condition", [r["condition"] for r in rows], [r["rate"] or 0.0 for r in rows],
               xlabel="condition", ylabel="decision rate") if rows else None
    return ToolOutput(summary="\n".join(lines),
                      result={"rows": compact, "decision": label, "sentence": args.sentence,
                              "on_policy_found": search.get("found"),
                              "on_policy_iterations": len(search.get("iterations", []))},
                      full={**_describe(args, result), "sentences": result["sentences"], "table": rows,
                            "state": result["state"]},
                      plot=plot)


@register(
    "compare_interventions",
    description=(
        "Thought Branches interventions: insert a sentence after a target sentence off-policy (handwritten, or the "
        "most similar sentence from other rollouts) or find it on-policy (resample the target until the next sentence "
        "means it), and compare the change in decision rate with how likely each inserted sentence is under the model."
    ),
    args=InterventionArgs,
    cost="expensive",
    preflight=estimates.interventions,
    present=_present_interventions,
    examples=(
        "Insert 'My primary goal is survival.' after sentence 2 and compare on-policy and off-policy",
        "Compare interventions on the blackmail chain at sentence 1",
        "Does an on-policy edit steer the decision better than a handwritten one?",
    ),
)
def compare_interventions(args: InterventionArgs, ctx: ToolContext):
    from backends.thought_branches.interventions import InterventionRun, InterventionSettings

    decide, sampler, prompt, cot, setup = _start(args, ctx)
    settings = InterventionSettings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                    top_p=args.top_p, seed=args.seed, candidates=args.candidates,
                                    continuations=args.continuations, sentence_tokens=args.sentence_tokens,
                                    similarity=args.similarity, max_iterations=args.max_iterations, pool=args.pool)
    experiment = InterventionRun(sampler, prompt, cot, decide, settings, args.sentence, args.insert,
                                 donor=args.donor_cot, state=ctx.state, setup=setup)
    check_sentence(args.sentence, experiment.n)
    return experiment
