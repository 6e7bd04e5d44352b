"""Pre-flight for the Thought Branches tools: counts and checks before approval, no model loads.

What each run will sample (chains, resamples, rollouts, tokens) from its arguments and the chain
it names, and whether it can succeed (a decision to read, a sentence in range, a hint scenario).
"""

from __future__ import annotations

from tools.inputs import clip, decision_metric


def _given_chain(args, settings) -> str | None:
    """The chain of thought the arguments name (text, or a run's), or None when it is sampled now."""
    from backends.core.runstore import RunStore
    from tools.inputs import resolve_cot

    if getattr(args, "cot", None) is None and getattr(args, "cot_run", None) is None:
        return None
    return resolve_cot(args, RunStore(settings.runs_dir))[0]


def _sentences(text: str | None) -> int | None:
    from backends.thought_anchors.sentences import split_sentences

    return None if text is None else len(split_sentences(text).sentences)


def _decision_checks(args, cot: str | None, calls: int) -> tuple[list[str], str | None]:
    """(warnings, blocking) about the decision: missing, judged by a paid LLM, or not taken by the chain itself."""
    from backends.thought_branches.scenarios import get_scenario

    scenario = get_scenario(args.scenario) if args.scenario else None
    spec = args.decision or (scenario.decision if scenario else None)
    if spec is None:
        return [], "decision: needed without a scenario: regex:<pattern>, choice:<letter> or judge:<question>"
    if spec.startswith("judge:"):
        return [f"an LLM judge decides every rollout: up to {calls:,} calls to the provider"], None
    label = clip(scenario.decision_label if scenario and not args.decision else spec, 80)
    taken = decision_metric(spec)(cot) if cot is not None else 1.0
    if taken is None:
        return [f"the decision ({label}) cannot be read in the chain itself"], None
    if taken == 0.0:
        return [f"the chain itself does not take the decision ({label}): effects can only show as a rise"], None
    return [], None


def _chain_cost(args, cot: str | None) -> tuple[int, str]:
    """Rollouts spent sampling a chain when none is given, and words for it."""
    return (0, "") if cot is not None else (args.tries, f" + {args.tries} chains sampled to study one")


UNKNOWN_LENGTH = " per sentence"  # the chain is sampled in the run: its length is not known before


def resilience(args, settings) -> dict:
    from backends.subject.speed import sampling_preflight

    cot = _given_chain(args, settings)
    targets = len(args.sentences) if args.sentences is not None else _sentences(cot)
    per = args.chains * args.max_iterations + args.rollouts
    each = f"(up to {args.chains} chains x {args.max_iterations} resamples + {args.rollouts} kept rollouts)"
    if targets is not None:
        rollouts = per * targets + (0 if cot is not None else args.tries)
        what = f"{targets} sentences x {each}{_chain_cost(args, cot)[1]} = up to {rollouts:,} rollouts"
    else:
        rollouts = per
        what = f"per sentence of a chain sampled now ({args.tries} tries): {each} = up to {per:,} rollouts"
    warnings, blocking = _decision_checks(args, cot, rollouts)
    return sampling_preflight(settings, args.model or settings.model, f"{what} of up to {args.max_new_tokens} tokens",
                              rollouts, rollouts * args.max_new_tokens, warnings, blocking,
                              per="" if targets is not None else UNKNOWN_LENGTH)


def interventions(args, settings) -> dict:
    from backends.subject.speed import sampling_preflight

    cot = _given_chain(args, settings)
    n = _sentences(cot)
    extra, words = _chain_cost(args, cot)
    full = 4 * args.rollouts + (0 if args.donor_cot else args.pool) + extra
    short = args.max_iterations * args.candidates * (1 + args.continuations)
    tokens = full * args.max_new_tokens + short * args.sentence_tokens
    what = (f"4 conditions x {args.rollouts} rollouts{'' if args.donor_cot else f' + {args.pool} pool rollouts'}{words} "
            f"of up to {args.max_new_tokens} tokens, and on-policy up to {args.max_iterations} iterations x "
            f"{args.candidates} candidates x (1 + {args.continuations}) sentences of {args.sentence_tokens} tokens")
    warnings, blocking = _decision_checks(args, cot, full)
    if n is not None and not 0 <= args.sentence < n and blocking is None:
        blocking = f"sentence: {args.sentence} is out of range; allowed 0 to {n - 1} (the chain has {n} sentences)"
    return sampling_preflight(settings, args.model or settings.model, what, full + short, tokens, warnings, blocking)


def mediation(args, settings) -> dict:
    from backends.thought_anchors.answers import normalize_answer
    from backends.thought_branches.hint_mediation import cue_answer
    from backends.thought_branches.scenarios import get_scenario
    from backends.subject.speed import sampling_preflight

    scenario = get_scenario(args.scenario) if args.scenario else None
    if scenario is not None and scenario.kind != "hint":
        return {"estimate": "", "warnings": [], "blocking": f"scenario: {scenario.id} is not a hint scenario"}
    hinted, unhinted = _sentences(args.hinted_cot), _sentences(args.unhinted_cot)
    chains = (0 if args.hinted_cot else args.tries) + (0 if args.unhinted_cot else args.tries)
    positions = len(args.positions) if args.positions is not None else unhinted
    mediation = 2 * args.samples * args.continuations  # rollouts per position (each after a sampled sentence)
    each = (f"mediation 2 sides x {args.samples} next sentences of {args.sentence_tokens} tokens (+ "
            f"{args.continuations} rollout{'s' if args.continuations != 1 else ''} each)")
    known = hinted is not None and positions is not None
    if known:
        full = args.rollouts * (hinted + 1) + mediation * positions + chains
        short = 2 * args.samples * positions
        what = (f"transplant up to {hinted + 1} positions x {args.rollouts} rollouts, {each} at {positions} positions"
                + (f", {chains} chains sampled" if chains else "") + f" = up to {full:,} rollouts")
    else:
        full, short = args.rollouts + mediation, 2 * args.samples
        what = (f"per sentence of chains sampled now ({args.tries} tries each): transplant {args.rollouts} rollouts, "
                f"{each} = up to {full:,} rollouts")
    what += f" of up to {args.max_new_tokens} tokens"
    tokens = full * args.max_new_tokens + short * args.sentence_tokens
    warnings = []
    if args.hinted_cot is not None and cue_answer(normalize_answer(args.cue or scenario.cue))(args.hinted_cot) != 1.0:
        warnings.append("the hinted chain does not give the cue answer: the transplant curve may stay flat")
    return sampling_preflight(settings, args.model or settings.model, what, full + short, tokens, warnings,
                              per="" if known else UNKNOWN_LENGTH)
