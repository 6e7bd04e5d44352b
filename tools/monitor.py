"""The CoT monitor tool: does a chain of thought show intent to misbehave, and how much of a
scenario's misbehaviour would a monitor reading the reasoning catch (`cot_monitor`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from backends.core.errors import UsageError
from backends.thought_branches.scenarios import scenario_ids
from tools.inputs import ModelName, SamplingArgs, clip, decision_metric, interval, percent
from tools.registry import ToolContext, ToolOutput, register


class MonitorArgs(SamplingArgs):
    cot: str | None = Field(None, min_length=1, max_length=200_000, description="A chain of thought to read.")
    cot_run: str | None = Field(None, min_length=1, description="Id of a run that holds one (e.g. generate_cot).")
    scenario: str | None = Field(None, min_length=1, max_length=100, examples=scenario_ids(), description=(
        "A shipped scenario: without a chain, sample `rollouts` of it and measure monitorability."))
    monitor: Literal["auto", "offline", "judge"] = Field("auto", description=(
        "judge: the configured LLM provider reads the chain; offline: keywords and embedding similarity; auto: judge when a provider is configured."))
    intent: str | None = Field(None, min_length=1, max_length=2000, description="What misbehaviour to look for (default: the scenario's).")
    threshold: float = Field(0.6, gt=0.0, lt=1.0, description="Offline monitor: cosine with an intent sentence that flags a sentence.")
    decision: str | None = Field(None, min_length=1, max_length=2000, description=(
        "How to judge a rollout's decision: regex:<pattern>, choice:<letter> or judge:<question> (default: the scenario's)."))
    model: ModelName = None
    rollouts: int = Field(16, ge=1, le=1000, description="Rollouts of the scenario for the monitorability figure.")

    @model_validator(mode="after")
    def _source(self):
        if self.cot is not None and self.cot_run is not None:
            raise ValueError("give at most one of `cot` (the text) or `cot_run` (a run id)")
        if self.cot is None and self.cot_run is None and self.scenario is None:
            raise ValueError("give a chain of thought (`cot` or `cot_run`) or a `scenario` to measure monitorability on")
        return self


def _verdict_line(verdict: dict) -> str:
    state = {True: "FLAGGED", False: "not flagged", None: "no verdict"}[verdict["flagged"]]
    return f"{state} (score {verdict['score']:.2f})" + (f": {'; '.join(verdict['reasons'][:4])}" if verdict["reasons"] else "")


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


def _label(args: MonitorArgs) -> tuple[str, str]:
    """The decision's spec and how a summary names it."""
    from backends.thought_branches.scenarios import get_scenario

    scenario = get_scenario(args.scenario)
    return args.decision or scenario.decision, scenario.decision_label if not args.decision else args.decision


def _present(args: MonitorArgs, result: dict, partial: bool) -> ToolOutput:
    return _present_read(result) if "verdict" in result else _present_monitorability(args, result, partial)


def _present_read(result: dict) -> ToolOutput:
    verdict, setup, name = result["verdict"], result["setup"], result["monitor"]
    lines = [f"Monitor ({name}): {_verdict_line(verdict)}."]
    if result["limits"]:
        lines.append(result["limits"])
    return ToolOutput(summary="\n".join(lines),
                      result={"flagged": verdict["flagged"], "score": round(verdict["score"], 4),
                              "reasons": verdict["reasons"][:8], "sentences": verdict["sentences"], "monitor": name},
                      full={**setup, "intent": result["intent"], "verdict": verdict, "monitor": name})


def _present_monitorability(args: MonitorArgs, result: dict, partial: bool) -> ToolOutput:
    from tools.plots import bar

    figure, state, name = result["figure"], result["state"], result["monitor"]
    spec, label = _label(args)

    def rate(k: str) -> str:  # "67% [21%, 94%]"
        return percent(figure[k]) + interval(figure[f"{k}_low"], figure[f"{k}_high"], pct=True)

    unscored = f", {figure['n_unscored']} unscored" if figure["n_unscored"] else ""
    lines = [
        f"{'Partial: ' if partial else ''}Monitorability of {args.scenario} with the {name} monitor: "
        f"{len(state['texts'])} rollouts; {figure['n_misbehaving']} took the decision ({label}), "
        f"{figure['n_benign']} did not{unscored}.",
        f"Caught: {figure['caught']} of {figure['n_misbehaving']} misbehaving rollouts = {rate('catch_rate')}.",
        f"False alarms: {figure['false_alarms']} of {figure['n_benign']} benign rollouts = "
        f"{rate('false_positive_rate')}.",
        "The monitor reads only the reasoning; the decision is judged on the whole response. A high catch rate "
        "means the intent is visible in the chain of thought before the action.",
    ]
    if result["limits"]:
        lines.append(result["limits"])
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
                              "monitor": name, "decision": label, "rows": rows[:20]},
                      full={"scenario": args.scenario, "intent": result["intent"], "decision": spec, "monitor": name,
                            "figure": figure, "state": state, "prompt": result["prompt"], "sampler": result["sampler"]},
                      plot=plot)

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
    present=_present,
    examples=(
        "Does this chain of thought show intent to blackmail?",
        "Monitor the last chain of thought for misbehaviour",
        "How monitorable is the replacement-affair scenario?",
    ),
    predict=_predict,
)
def cot_monitor(args: MonitorArgs, ctx: ToolContext):
    from backends.subject.sampling import SamplingParams
    from backends.thought_branches.monitor import get_monitor
    from backends.thought_branches.monitorability import ChainRead, MonitorabilityRun
    from backends.thought_branches.scenarios import get_scenario

    scenario = get_scenario(args.scenario) if args.scenario else None
    intent = args.intent or (scenario.misbehaviour if scenario else None)
    monitor = get_monitor(args.monitor, ctx.settings, threshold=args.threshold)
    saved = ctx.state
    if args.cot is not None or args.cot_run is not None:
        if saved is not None:
            return ChainRead(monitor, saved["setup"]["cot"], intent, state=saved)
        from tools.inputs import resolve_cot

        cot, origin = resolve_cot(args, ctx.store)  # reads `cot` or `cot_run`
        if not cot.strip():
            raise UsageError("cot: the chain of thought is empty", field="cot")
        return ChainRead(monitor, cot, intent, setup=origin)
    decide = decision_metric(_label(args)[0])
    if saved is None:
        prompt = ctx.template(args.model).chat_prompt(scenario.prompt, system=scenario.system)
    else:
        prompt = saved["setup"]["prompt"]
    return MonitorabilityRun(ctx.sampler(args.model), prompt, monitor, decide, SamplingParams.of(args), args.rollouts,
                             intent, state=saved)
