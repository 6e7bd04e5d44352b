"""Thought Branches tools: does a stated reason cause the action?

`sentence_resilience` (does removed content come back, and what happens once it is gone),
`compare_interventions` (edit the chain off-policy or find the edit on-policy) and
`hint_mediation` (how an unmentioned hint shapes the reasoning). Each starts from a shipped
scenario (`scenario`) or a question of your own, with a chain of thought given (`cot`,
`cot_run`) or sampled now from the prompt.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from backends.core.seeds import derive
from backends.thought_branches.scenarios import scenario_ids  # json only: listing tools stays free of torch
from tools import branch_estimates as estimates
from tools.inputs import ModelName, SamplingArgs, clip, decision_metric, interval, num, percent
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


class Chain:
    """Everything a Thought Branches tool starts from, resolved from its arguments."""

    def __init__(self, args: ChainArgs, ctx: ToolContext):
        from backends.thought_branches.scenarios import get_scenario

        self.scenario = get_scenario(args.scenario) if args.scenario else None
        spec = args.decision or (self.scenario.decision if self.scenario else None)
        if spec is None:
            raise UsageError("decision: needed without a scenario: regex:<pattern>, choice:<letter> or judge:<question>",
                             field="decision")
        self.decision_spec = spec
        self.decide = decision_metric(spec)
        self.label = self.scenario.decision_label if self.scenario and not args.decision else spec
        checkpoint = ctx.checkpoint or {}
        self.prompt, self.question = checkpoint.get("prompt"), args.question
        cot, origin = checkpoint.get("cot"), {"source": checkpoint.get("source", "text")}
        if args.cot_run and cot is None:
            from tools.inputs import resolve_cot

            cot, origin = resolve_cot(args, ctx.store)  # reads `cot_run` (`cot` is None here)
            self.prompt = ctx.store.get(args.cot_run).results.get("prompt")
            self.question = self.question or origin.get("question")
        if self.prompt is None:
            question = self.question or (self.scenario.prompt if self.scenario else None)
            if question is None:
                raise UsageError("question: needed (the cot_run holds none)", field="question")
            handle = ctx.load_model(args.model)
            system = args.system or (self.scenario.system if self.scenario else None)
            self.prompt = handle.chat_prompt(question, system=system)
        self.sampler = ctx.sampler(args.model)
        if args.cot is not None and cot is None:
            cot = args.cot
        self.note = checkpoint.get("note", "")
        if cot is None:
            cot, self.note = self._sample_chain(args)
            origin = {"source": "sampled"}
        if not cot.strip():
            raise UsageError("cot: the chain of thought is empty", field="cot")
        self.cot, self.origin = cot, origin

    def _sample_chain(self, args: ChainArgs) -> tuple[str, str]:
        """A chain of thought from the prompt: the first of `tries` samples that takes the decision,
        else the one with the most sentences (a one-sentence chain leaves nothing to study)."""
        from backends.thought_anchors.sentences import split_sentences

        rollouts = self.sampler.sample(self.prompt, args.tries, max_new_tokens=args.max_new_tokens,
                                       temperature=args.temperature, top_p=args.top_p, seed=args.seed)
        taken = [r.text for r in rollouts if self.decide(r.text) == 1.0]
        if taken:
            return taken[0], f"Sampled {args.tries} chains; {len(taken)} took the decision; using the first of them."
        longest = max(rollouts, key=lambda r: len(split_sentences(r.text).sentences)).text
        return longest, (f"Sampled {args.tries} chains; none took the decision ({self.label}), so the chain studied "
                         "(the one with the most sentences) is one without it: effects can only show as a rise.")

    def saved(self) -> dict:
        return {"prompt": self.prompt, "cot": self.cot, "source": self.origin.get("source"), "note": self.note}

    def describe(self) -> dict:
        return {"scenario": self.scenario.id if self.scenario else None, "question": self.question, "prompt": self.prompt,
                "cot": self.cot, "decision": self.decision_spec, "decision_label": self.label, **self.origin,
                "sampler": self.sampler.name}


def _check_sentence(i: int, n: int, name: str = "sentence") -> None:
    if not 0 <= i < n:
        raise UsageError(f"{name}: {i} is out of range; allowed 0 to {n - 1} (the chain has {n} "
                         f"sentence{'s' if n != 1 else ''})", field=name)


def _run(experiment, ctx: ToolContext, saved: dict, output) -> ToolOutput:
    """Advance `experiment`, saving after every finished unit, and return its output (partial when stopped).

    `saved` is what a resumed run needs besides the experiment's state (the prompt, the chain)."""
    def checkpoint():
        ctx.run.save_progress(output(True).full, {"state": experiment.state, **saved})

    finished = experiment.advance(ctx.progress, ctx.should_stop, checkpoint)
    out = output(not finished)
    if not finished:
        out.partial, out.checkpoint = True, {"state": experiment.state, **saved}
    return out


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
    examples=(
        "How resilient is each sentence of the blackmail scenario's reasoning?",
        "Does the survival sentence come back if I resample it away?",
        "Run sentence resilience and counterfactual++ on sentence 2",
    ),
    predict=_predict_resilience,
)
def sentence_resilience(args: ResilienceArgs, ctx: ToolContext) -> ToolOutput:
    from backends.thought_anchors.sentences import split_sentences
    from backends.thought_branches.branching import ResilienceRun, ResilienceSettings

    chain = Chain(args, ctx)
    n = len(split_sentences(chain.cot).sentences)
    targets = args.sentences if args.sentences is not None else list(range(n))
    for i in targets:
        _check_sentence(i, n, "sentences")
    settings = ResilienceSettings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  top_p=args.top_p, seed=args.seed, chains=args.chains, max_iterations=args.max_iterations,
                                  similarity=args.similarity)
    experiment = ResilienceRun(chain.sampler, chain.prompt, chain.cot, chain.decide, settings, targets,
                               state=(ctx.checkpoint or {}).get("state"))

    def output(partial: bool) -> ToolOutput:
        from tools.plots import bar

        rows = experiment.table()
        lines = [f"{'Partial: ' if partial else ''}Resilience of {len(rows)} of {len(targets)} sentences "
                 f"({args.chains} chains each, at most {args.max_iterations} resamples, cosine >= {args.similarity}); "
                 f"decision: {chain.label}."]
        if chain.note:
            lines.append(chain.note)
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
                          result={"rows": compact, "decision": chain.label, "n_sentences": n, "source": chain.origin["source"]},
                          full={**chain.describe(), "sentences": experiment.sentences, "table": rows, "state": experiment.state},
                          plot=plot)

    return _run(experiment, ctx, chain.saved(), output)


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
    examples=(
        "Insert 'My primary goal is survival.' after sentence 2 and compare on-policy and off-policy",
        "Compare interventions on the blackmail chain at sentence 1",
        "Does an on-policy edit steer the decision better than a handwritten one?",
    ),
)
def compare_interventions(args: InterventionArgs, ctx: ToolContext) -> ToolOutput:
    from backends.thought_branches.branching import InterventionRun, InterventionSettings

    chain = Chain(args, ctx)
    settings = InterventionSettings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                    top_p=args.top_p, seed=args.seed, candidates=args.candidates,
                                    continuations=args.continuations, sentence_tokens=args.sentence_tokens,
                                    similarity=args.similarity, max_iterations=args.max_iterations, pool=args.pool)
    experiment = InterventionRun(chain.sampler, chain.prompt, chain.cot, chain.decide, settings, args.sentence,
                                 args.insert, donor=args.donor_cot, state=(ctx.checkpoint or {}).get("state"))
    _check_sentence(args.sentence, experiment.n)

    def output(partial: bool) -> ToolOutput:
        from tools.plots import bar

        rows = experiment.table()
        search = experiment.state["search"]
        lines = [f"{'Partial: ' if partial else ''}Interventions after S{args.sentence} "
                 f"(\"{clip(experiment.sentences[args.sentence], 60)}\"), {args.rollouts} rollouts each; decision: {chain.label}."]
        if chain.note:
            lines.append(chain.note)
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
                          result={"rows": compact, "decision": chain.label, "sentence": args.sentence,
                                  "on_policy_found": search.get("found"),
                                  "on_policy_iterations": len(search.get("iterations", []))},
                          full={**chain.describe(), "sentences": experiment.sentences, "table": rows, "state": experiment.state},
                          plot=plot)

    return _run(experiment, ctx, chain.saved(), output)


# --- hint_mediation ---------------------------------------------------------------------------

class HintArgs(SamplingArgs):
    scenario: str | None = Field(None, min_length=1, max_length=100, examples=scenario_ids("hint"),
                                 description="A shipped hint scenario id.")
    question: str | None = Field(None, min_length=1, max_length=8000, description="The unhinted question (without a scenario).")
    hinted_question: str | None = Field(None, min_length=1, max_length=8000, description="The same question with the hint.")
    cue: str | None = Field(None, pattern=r"^\(?[A-Ea-e]\)?$", description="The cued answer letter, e.g. B.")
    hint_words: list[str] | None = Field(None, max_length=50, description="Words whose mention means a sentence talks about the hint.")
    system: str | None = Field(None, min_length=1, max_length=8000, description="A system prompt.")
    hinted_cot: str | None = Field(None, min_length=1, max_length=200_000, description="A chain sampled with the hint (default: sampled now).")
    unhinted_cot: str | None = Field(None, min_length=1, max_length=200_000, description="A chain sampled without it (default: sampled now).")
    model: ModelName = None
    rollouts: int = Field(8, ge=1, le=1000, description="Transplant: rollouts per position.")
    samples: int = Field(4, ge=1, le=200, description="Single-sentence mediation: next sentences per position and side.")
    continuations: int = Field(1, ge=1, le=100, description="Rollouts after each sampled next sentence.")
    positions: list[int] | None = Field(None, min_length=1, max_length=200, description="Positions of the unhinted chain for single-sentence mediation (default: all).")
    stop_at: float = Field(0.99, gt=0.0, le=1.0, description="The transplant curve stops once the cue-answer rate reaches this.")
    sentence_tokens: int = Field(48, ge=4, le=512, description="Tokens for one next sentence.")
    tries: int = Field(8, ge=1, le=64, description="Chains sampled to find a hinted one giving the cue answer.")

    @model_validator(mode="after")
    def _source(self):
        if self.scenario is None and (self.question is None or self.hinted_question is None or self.cue is None):
            raise ValueError("give a hint `scenario`, or `question`, `hinted_question` and `cue`")
        return self




def _predict_mediation(result: dict) -> dict | None:
    curve = result.get("curve") or []
    if not curve or curve[0].get("rate") is None:
        return None
    last = curve[-1]["rate"] or 0.0
    return {"question": "Transplanting the whole hinted chain into the unhinted prompt: how often will the model give the cued answer?",
            "options": ["under 30%", "30-70%", "over 70%"],
            "actual": "under 30%" if last < 0.3 else "30-70%" if last <= 0.7 else "over 70%"}


@register(
    "hint_mediation",
    description=(
        "Thought Branches hint mediation: how an unmentioned hint (e.g. 'A Stanford professor thinks the answer is (B)') "
        "shapes the reasoning. Transplants the hinted chain, cut before each sentence, into the unhinted prompt (cue-answer "
        "rate by position), and measures the cue-rate gap one sentence sampled with the hint carries."
    ),
    args=HintArgs,
    cost="expensive",
    preflight=estimates.mediation,
    examples=(
        "How does the professor hint shape the model's reasoning?",
        "Run hint mediation on the hint-capital scenario",
        "Which sentences carry the hint's influence?",
    ),
    predict=_predict_mediation,
)
def hint_mediation(args: HintArgs, ctx: ToolContext) -> ToolOutput:
    from backends.thought_anchors.answers import normalize_answer
    from backends.thought_branches.scenarios import get_scenario
    from backends.thought_branches.hint_mediation import HintMediationRun, MediationSettings

    scenario = get_scenario(args.scenario) if args.scenario else None
    if scenario is not None and scenario.kind != "hint":
        raise UsageError(f"scenario: {scenario.id} is not a hint scenario", field="scenario")
    question = args.question or scenario.prompt
    hinted_question = args.hinted_question or scenario.hinted_prompt
    cue = normalize_answer(args.cue or scenario.cue)
    words = args.hint_words if args.hint_words is not None else list(scenario.hint_words if scenario else [])
    system = args.system or (scenario.system if scenario else None)
    checkpoint = ctx.checkpoint or {}
    sampler = ctx.sampler(args.model)
    if "prompt" in checkpoint:
        prompt, hinted_prompt = checkpoint["prompt"], checkpoint["hinted_prompt"]
    else:
        handle = ctx.load_model(args.model)
        prompt, hinted_prompt = handle.chat_prompt(question, system=system), handle.chat_prompt(hinted_question, system=system)
    cue_answer = estimates.cue_answer(cue)
    notes = checkpoint.get("notes", [])

    def chain(given, prompt_, want_cue: bool, name: str, seed: int) -> str:
        if given is not None:
            return given
        rollouts = sampler.sample(prompt_, args.tries, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  top_p=args.top_p, seed=seed)
        fits = [r.text for r in rollouts if (cue_answer(r.text) == 1.0) == want_cue]
        notes.append(f"{name} chain: {len(fits)} of {args.tries} samples {'gave' if want_cue else 'did not give'} the cue answer"
                     + ("" if fits else "; using the first sample anyway") + ".")
        return (fits or [rollouts[0].text])[0]

    hinted = checkpoint.get("hinted") or chain(args.hinted_cot, hinted_prompt, True, "Hinted", derive(args.seed, "hinted chain"))
    unhinted = checkpoint.get("unhinted") or chain(args.unhinted_cot, prompt, False, "Unhinted", derive(args.seed, "unhinted chain"))
    for name, text in (("hinted_cot", hinted), ("unhinted_cot", unhinted)):
        if not text.strip():
            raise UsageError(f"{name}: the chain of thought is empty", field=name)
    settings = MediationSettings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                 top_p=args.top_p, seed=args.seed, samples=args.samples, continuations=args.continuations,
                                 sentence_tokens=args.sentence_tokens, stop_at=args.stop_at)
    experiment = HintMediationRun(sampler, prompt, hinted_prompt, hinted, unhinted, cue_answer, words, settings,
                                  positions=args.positions, state=checkpoint.get("state"))
    for j in experiment.positions:
        _check_sentence(j, experiment.unhinted.n, "positions")
    saved = {"prompt": prompt, "hinted_prompt": hinted_prompt, "hinted": hinted, "unhinted": unhinted, "notes": notes}

    def output(partial: bool) -> ToolOutput:
        from tools.plots import line

        curve, mediation = experiment.curve(), experiment.mediation()
        letter = cue.upper()
        lines = [f"{'Partial: ' if partial else ''}Hint mediation, cue answer ({letter}); hint words: {', '.join(words) or 'none'}.",
                 *notes,
                 f"Transplant (hinted chain cut before each sentence, after the unhinted prompt; {args.rollouts} rollouts per position):"]
        lines += [f"  before S{r['position']}: {percent(r['rate'])}{interval(r['low'], r['high'], True)}"
                  if r["before_sentence"] is not None else f"  whole chain: {percent(r['rate'])}{interval(r['low'], r['high'], True)}"
                  for r in curve]
        if curve and len(curve) < experiment.hinted.n + 1 and not partial:
            lines.append(f"  (stopped: the rate reached {percent(args.stop_at)})")
        lines.append("Single-sentence mediation (next sentence sampled with the hint, minus without; continued without it):")
        for r in mediation:
            lines.append(f"  S{r['position']}: {percent(r['hinted_rate'])} - {percent(r['unhinted_rate'])} = {num(r['gap'])}"
                         f"{interval(r['gap_low'], r['gap_high'])}  ({r['dropped']} of {args.samples} hinted samples named the hint: dropped)")
        lines.append("A rise in the transplant curve at a sentence means the hinted chain carries the cue from there on "
                     "without ever needing the hint itself; a positive gap means one sentence written under the hint "
                     "is enough to move the answer.")
        series = []
        if curve:
            series.append({"name": "transplant", "x": [r["position"] for r in curve], "y": [r["rate"] or 0.0 for r in curve],
                           "low": [r["low"] or 0.0 for r in curve], "high": [r["high"] or 0.0 for r in curve]})
        if mediation:
            series.append({"name": "one-sentence gap", "x": [r["position"] for r in mediation],
                           "y": [r["gap"] or 0.0 for r in mediation]})
        plot = line("Cue-answer rate by position", series, xlabel="sentence position", ylabel="cue-answer rate") if series else None
        round4 = lambda rows: [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]  # noqa: E731
        return ToolOutput(summary="\n".join(lines),
                          result={"curve": round4(curve), "mediation": round4([r | {"text": clip(r["text"] or "", 80)}
                                                                               for r in mediation]), "cue": letter},
                          full={"scenario": scenario.id if scenario else None, "cue": cue, "hint_words": words,
                                "hinted_cot": hinted, "unhinted_cot": unhinted, "hinted_sentences": experiment.hinted.sentences,
                                "unhinted_sentences": experiment.unhinted.sentences, "curve": curve, "mediation": mediation,
                                "state": experiment.state, "sampler": sampler.name, "notes": notes},
                          plot=plot)

    return _run(experiment, ctx, saved, output)
