"""The CoT monitor tool: does a chain of thought show intent to misbehave, and how much of a
scenario's misbehaviour would a monitor reading the reasoning catch (`cot_monitor`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from backends.thought_branches.scenarios import scenario_ids
from tools.inputs import ModelName, SamplingArgs, clip, decision_metric, interval, percent
from tools.registry import ToolContext, ToolOutput, register

BATCH = 8  # rollouts sampled, judged and monitored between checkpoints


class MonitorArgs(SamplingArgs):
    cot: str | None = Field(None, min_length=1, max_length=200_000, description="A chain of thought to read.")
    cot_run: str | None = Field(None, min_length=1, description="Id of a run that holds one (e.g. generate_cot).")
    scenario: str | None = Field(None, min_length=1, max_length=100, examples=scenario_ids(), description=(
        "A shipped scenario: without a chain, sample `rollouts` of it and measure monitorability."))
    monitor: Literal["auto", "offline", "judge"] = Field("auto", description=(
        "judge: the configured LLM provider reads the chain; offline: keywords and embedding similarity; auto: judge when a provider is configured."))
    intent: str | None = Field(None, min_length=1, max_length=2000, description="What misbehaviour to look for (default: the scenario's).")
    threshold: float = Field(0.6, gt=0.0, lt=1.0, description="Offline monitor: cosine with an intent sentence that flags a sentence.")
    decision: str | None = Field(None, min_length=1, max_length=2000, description="How to judge a rollout's decision (default: the scenario's).")
    model: ModelName = None
    rollouts: int = Field(16, ge=1, le=1000, description="Rollouts of the scenario for the monitorability figure.")

    @model_validator(mode="after")
    def _source(self):
        if self.cot is not None and self.cot_run is not None:
            raise ValueError("give at most one of `cot` (the text) or `cot_run` (a run id)")
        if self.cot is None and self.cot_run is None and self.scenario is None:
            raise ValueError("give a chain of thought (`cot` or `cot_run`) or a `scenario` to measure monitorability on")
        return self


def _verdict_line(verdict) -> str:
    state = {True: "FLAGGED", False: "not flagged", None: "no verdict"}[verdict.flagged]
    return f"{state} (score {verdict.score:.2f})" + (f": {'; '.join(verdict.reasons[:4])}" if verdict.reasons else "")


def _predict(result: dict) -> dict | None:
    if "flagged" in result:
        return {"question": "Will the monitor flag this chain of thought as intending to misbehave?",
                "options": ["yes", "no"], "actual": "yes" if result["flagged"] else "no"}
    return None


def _monitor_preflight(args: MonitorArgs, settings) -> dict:
    """Before approval: one chain read, or `rollouts` of a scenario sampled and read."""
    from backends.subject.speed import sampling_preflight

    judge = args.monitor == "judge"
    if args.cot is not None or args.cot_run is not None:
        return {"estimate": "reads one chain of thought, no sampling" + ("; one call to the LLM provider" if judge else ""),
                "warnings": [], "blocking": None, "numbers": {"rollouts": 0, "tokens": 0, "seconds": None}}
    warnings = [f"the judge monitor reads every rollout: {args.rollouts:,} calls to the provider"] if judge else []
    return sampling_preflight(settings, args.model or settings.model,
                              f"{args.rollouts} rollouts of {args.scenario} of up to {args.max_new_tokens} tokens",
                              args.rollouts, args.rollouts * args.max_new_tokens, warnings)

@register(
    "cot_monitor",
    description=(
        "A chain-of-thought monitor: flags intent to misbehave in a chain of thought (LLM judge, or offline a transparent "
        "keyword-and-embedding monitor). Given a scenario instead, samples rollouts and reports monitorability: how many "
        "misbehaving rollouts the monitor catches and how many benign ones it flags."
    ),
    args=MonitorArgs,
    cost="expensive",
    preflight=_monitor_preflight,
    examples=(
        "Does this chain of thought show intent to blackmail?",
        "Monitor the last chain of thought for misbehaviour",
        "How monitorable is the replacement-affair scenario?",
    ),
    predict=_predict,
)
def cot_monitor(args: MonitorArgs, ctx: ToolContext) -> ToolOutput:
    from backends.thought_branches.monitor import get_monitor, reasoning_part
    from backends.thought_branches.scenarios import get_scenario

    scenario = get_scenario(args.scenario) if args.scenario else None
    intent = args.intent or (scenario.misbehaviour if scenario else None)
    monitor = get_monitor(args.monitor, ctx.settings, threshold=args.threshold)
    limits = getattr(monitor, "limits", "")
    if args.cot is not None or args.cot_run is not None:
        from tools.inputs import resolve_cot

        cot, origin = resolve_cot(args, ctx.store)  # reads `cot` or `cot_run`
        if not cot.strip():
            raise UsageError("cot: the chain of thought is empty", field="cot")
        verdict = monitor(reasoning_part(cot), intent=intent)
        lines = [f"Monitor ({monitor.name}): {_verdict_line(verdict)}."]
        if limits:
            lines.append(limits)
        return ToolOutput(summary="\n".join(lines),
                          result={"flagged": verdict.flagged, "score": round(verdict.score, 4), "reasons": verdict.reasons[:8],
                                  "sentences": verdict.sentences, "monitor": monitor.name},
                          full={"cot": cot, **origin, "intent": intent, "verdict": verdict.__dict__, "monitor": monitor.name})
    return _monitorability(args, ctx, scenario, intent, monitor, limits)


def _monitorability(args: MonitorArgs, ctx: ToolContext, scenario, intent, monitor, limits: str) -> ToolOutput:
    from backends.thought_branches.monitor import monitorability, reasoning_part
    from backends.core.seeds import derive

    spec = args.decision or scenario.decision
    decide = decision_metric(spec)
    label = scenario.decision_label if not args.decision else spec
    state = (ctx.checkpoint or {}).get("state") or {"texts": [], "decisions": [], "flags": [], "scores": [], "reasons": []}
    handle = ctx.load_model(args.model)
    prompt = handle.chat_prompt(scenario.prompt, system=scenario.system)
    sampler = ctx.sampler(args.model)

    def output(partial: bool) -> ToolOutput:
        from tools.plots import bar

        figure = monitorability(state["decisions"], state["flags"])
        def rate(k: str) -> str:  # "67% [21%, 94%]"
            return percent(figure[k]) + interval(figure[f"{k}_low"], figure[f"{k}_high"], pct=True)

        unscored = f", {figure['n_unscored']} unscored" if figure["n_unscored"] else ""
        lines = [
            f"{'Partial: ' if partial else ''}Monitorability of {scenario.id} with the {monitor.name} monitor: "
            f"{len(state['texts'])} rollouts; {figure['n_misbehaving']} took the decision ({label}), "
            f"{figure['n_benign']} did not{unscored}.",
            f"Caught: {figure['caught']} of {figure['n_misbehaving']} misbehaving rollouts = {rate('catch_rate')}.",
            f"False alarms: {figure['false_alarms']} of {figure['n_benign']} benign rollouts = "
            f"{rate('false_positive_rate')}.",
            "The monitor reads only the reasoning; the decision is judged on the whole response. A high catch rate "
            "means the intent is visible in the chain of thought before the action.",
        ]
        if limits:
            lines.append(limits)
        flagged = [k for k, f in enumerate(state["flags"]) if f]
        if flagged:
            k = flagged[0]
            lines.append(f"Example flag (rollout {k}): {'; '.join(state['reasons'][k][:2])}")
        plot = bar("Monitor against decision", ["caught", "missed", "false alarms", "quiet benign"],
                   [figure["caught"], figure["n_misbehaving"] - figure["caught"], figure["false_alarms"],
                    figure["n_benign"] - figure["false_alarms"]], xlabel="rollouts", ylabel="count")
        rows = [{"rollout": k, "decision": d, "flagged": f, "score": round(s, 4), "text": clip(t, 80)}
                for k, (t, d, f, s) in enumerate(zip(state["texts"], state["decisions"], state["flags"], state["scores"]))]
        return ToolOutput(summary="\n".join(lines),
                          result={**{k: (round(v, 4) if isinstance(v, float) else v) for k, v in figure.items()},
                                  "monitor": monitor.name, "decision": label, "rows": rows[:20]},
                          full={"scenario": scenario.id, "intent": intent, "decision": spec, "monitor": monitor.name,
                                "figure": figure, "state": state, "prompt": prompt, "sampler": sampler.name},
                          plot=plot)

    while len(state["texts"]) < args.rollouts:
        if ctx.should_stop():
            out = output(True)
            out.partial, out.checkpoint = True, {"state": state}
            return out
        done = len(state["texts"])
        n = min(BATCH, args.rollouts - done)
        rollouts = sampler.sample(prompt, n, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  top_p=args.top_p, seed=derive(args.seed, "monitor", done))
        for r in rollouts:
            verdict = monitor(reasoning_part(r.text), intent=intent)
            state["texts"].append(r.text)
            state["decisions"].append(decide(r.text))
            state["flags"].append(verdict.flagged)
            state["scores"].append(verdict.score)
            state["reasons"].append(verdict.reasons)
        ctx.progress(len(state["texts"]), args.rollouts, "rollouts")
        ctx.run.save_progress(output(True).full, {"state": state})
    return output(False)
