"""Thought Branches hint mediation (`hint_mediation`): how an unmentioned hint shapes the reasoning.

Starts from a shipped hint scenario or a question of your own asked with and without the hint, with
the hinted and unhinted chains given or sampled now; the method runs in
backends/thought_branches/hint_mediation.py.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from backends.thought_branches.scenarios import scenario_ids  # json only: listing tools stays free of torch
from tools import branch_estimates as estimates
from tools.inputs import ModelName, SamplingArgs, check_sentence, clip, interval, num, percent
from tools.registry import ToolContext, ToolOutput, register


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


def _hint(args: HintArgs) -> tuple:
    """The hint scenario (or None), the cued answer as `normalize_answer` gives it, and the hint words."""
    from backends.thought_anchors.answers import normalize_answer
    from backends.thought_branches.scenarios import get_scenario

    scenario = get_scenario(args.scenario) if args.scenario else None
    if scenario is not None and scenario.kind != "hint":
        raise UsageError(f"scenario: {scenario.id} is not a hint scenario", field="scenario")
    words = args.hint_words if args.hint_words is not None else list(scenario.hint_words if scenario else [])
    return scenario, normalize_answer(args.cue or scenario.cue), words


def _present_mediation(args: HintArgs, result: dict, partial: bool) -> ToolOutput:
    from tools.plots import line

    scenario, cue, words = _hint(args)
    curve, mediation, notes = result["curve"], result["mediation"], result["notes"]
    letter = cue.upper()
    lines = [f"{'Partial: ' if partial else ''}Hint mediation, cue answer ({letter}); hint words: {', '.join(words) or 'none'}.",
             *notes,
             f"Transplant (hinted chain cut before each sentence, after the unhinted prompt; {args.rollouts} rollouts per position):"]
    lines += [f"  before S{r['position']}: {percent(r['rate'])}{interval(r['low'], r['high'], True)}"
              if r["before_sentence"] is not None else f"  whole chain: {percent(r['rate'])}{interval(r['low'], r['high'], True)}"
              for r in curve]
    if curve and len(curve) < len(result["hinted_sentences"]) + 1 and not partial:
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
    full = {k: result[k] for k in ("hinted_cot", "unhinted_cot", "hinted_sentences", "unhinted_sentences", "curve",
                                   "mediation", "state", "sampler", "notes")}
    return ToolOutput(summary="\n".join(lines),
                      result={"curve": round4(curve), "mediation": round4([r | {"text": clip(r["text"] or "", 80)}
                                                                           for r in mediation]), "cue": letter},
                      full={"scenario": scenario.id if scenario else None, "cue": cue, "hint_words": words, **full},
                      plot=plot)


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
    present=_present_mediation,
    examples=(
        "How does the professor hint shape the model's reasoning?",
        "Run hint mediation on the hint-capital scenario",
        "Which sentences carry the hint's influence?",
    ),
    predict=_predict_mediation,
)
def hint_mediation(args: HintArgs, ctx: ToolContext):
    from backends.subject.sampling import SamplingParams
    from backends.thought_branches.hint_mediation import (
        HintMediationRun, MediationSettings, cue_answer, sample_hint_chain,
    )

    scenario, cue, words = _hint(args)
    decide = cue_answer(cue)
    sampler = ctx.sampler(args.model)
    saved = (ctx.state or {}).get("setup")
    if saved is not None:
        prompt, hinted_prompt, hinted, unhinted, notes = (saved[k] for k in ("prompt", "hinted_prompt", "hinted",
                                                                               "unhinted", "notes"))
    else:
        system = args.system or (scenario.system if scenario else None)
        handle = ctx.template(args.model)
        prompt = handle.chat_prompt(args.question or scenario.prompt, system=system)
        hinted_prompt = handle.chat_prompt(args.hinted_question or scenario.hinted_prompt, system=system)
        params, hinted, unhinted, notes = SamplingParams.of(args), args.hinted_cot, args.unhinted_cot, []
        if hinted is None:
            hinted, note = sample_hint_chain(sampler, hinted_prompt, params.at("hinted chain"), args.tries, decide,
                                             True, "Hinted")
            notes.append(note)
        if unhinted is None:
            unhinted, note = sample_hint_chain(sampler, prompt, params.at("unhinted chain"), args.tries, decide,
                                               False, "Unhinted")
            notes.append(note)
        for name, text in (("hinted_cot", hinted), ("unhinted_cot", unhinted)):
            if not text.strip():
                raise UsageError(f"{name}: the chain of thought is empty", field=name)
    settings = MediationSettings(rollouts=args.rollouts, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                 top_p=args.top_p, seed=args.seed, samples=args.samples, continuations=args.continuations,
                                 sentence_tokens=args.sentence_tokens, stop_at=args.stop_at)
    experiment = HintMediationRun(sampler, prompt, hinted_prompt, hinted, unhinted, decide, words, settings,
                                  positions=args.positions, state=ctx.state, notes=notes)
    for j in experiment.positions:
        check_sentence(j, experiment.unhinted.n, "positions")
    return experiment
