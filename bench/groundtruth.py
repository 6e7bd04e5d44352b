"""Ground truth: does each method recover the effect planted in its model organism?

    python bench/groundtruth.py [--rollouts N] [--no-build] [--only NAME]     (make groundtruth)

Builds the zoo's organisms that are not built yet (backends/organisms/zoo.py; `parley organisms
build NAME` does the same), then for each runs the matching method on it and prints the planted
effect, what the method measured, pass or fail against the expectation, and the wall time. A
planned organism (not written yet) gets a line saying so, never a pass. This is a validity
benchmark, not a unit test: it trains for minutes and samples hundreds of rollouts on the CPU.

anchor: the organism writes a chain on a question it was not trained on (generate_cot, seed-fixed),
and a fixed held-out chain in the same format puts the decision later (S3 of 6);
resample_importance measures each with a fixed budget of --rollouts per position at temperature 1
(the organism's own decision distribution); backends/organisms/checks.py says pass or fail.

hint-following: 8 held-out questions, 8 rollouts each asked plainly and 16 with the cue (T=1); the cued
ones read by cot_monitor's offline monitor (MonitorabilityRun). The cue effect is pooled over them;
hint_mediation runs on the first question with a chain that follows the cue silently and a plain
chain that does not give it (16 rollouts per transplant position, 32 next sentences per side at the
start and at the decision). Set OMP_NUM_THREADS=1 on a shared CPU: two threads per process
oversubscribed the 2 cores here and sampling ran about 10x slower.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backends.core.runstore import RunStore  # noqa: E402
from backends.core.settings import get_settings  # noqa: E402
from backends.organisms import checks, zoo  # noqa: E402
from backends.organisms.generators import anchor as anchor_data  # noqa: E402

HELD_OUT_SEED = 1000
# One check's outcome: (label, method, what it measured, passed, detail lines, wall seconds).
Check = tuple[str, str, str, bool, list[str], float]  # questions from a seed the organism never trained on


def progress(done: int, total: int, note: str = "") -> None:
    print(f"\r  {done}/{total} {note}"[:100].ljust(100), end="", file=sys.stderr, flush=True)


def build(organism, allowed: bool) -> tuple[str | None, float]:
    """(build run id or None, seconds spent training now)."""
    from tools.organisms import ensure_built

    if not allowed and zoo.built_run(RunStore(get_settings().runs_dir), organism) is None:
        return None, 0.0
    started = time.perf_counter()
    run_id, trained = ensure_built(organism.name, progress=progress)
    if trained:
        print(file=sys.stderr)
    return run_id, time.perf_counter() - started if trained else 0.0


def anchor_chain(tries: int = 4) -> tuple[dict, str]:
    """A chain the organism writes on a held-out question: the first of `tries` seeds with a decision sentence."""
    from backends.thought_anchors.sentences import split_sentences
    from tools import run_tool

    for k in range(tries):
        question = anchor_data.item(k, HELD_OUT_SEED)["question"]
        out = run_tool("generate_cot", {"question": question, "model": "organism:anchor", "max_new_tokens": 96,
                                        "temperature": 1.0, "seed": k})
        cot = out.result.get("cot") or out.result.get("text") or ""
        if checks.decision_index([s.text for s in split_sentences(cot).sentences]) is not None:
            return out.__dict__, question
    return out.__dict__, question


def fixed_chain() -> dict:
    """A held-out generated chain with its decision late (S3, after three fillers, one restatement after it)."""
    return next(i for k in range(1000) if (i := anchor_data.item(k, HELD_OUT_SEED))["decision"] == 3
                and len(i["sentences"]) == 6)


def importance(label: str, rollouts: int, **chain) -> Check:
    """resample_importance on one chain, and the anchor check's verdict."""
    from tools import run_tool

    started = time.perf_counter()
    out = run_tool("resample_importance", {**chain, "model": "organism:anchor", "rollouts": rollouts,
                                           "round_size": rollouts, "adaptive": False, "max_new_tokens": 64,
                                           "temperature": 1.0, "seed": 0}, progress=progress)
    print(file=sys.stderr)
    rows = RunStore(get_settings().runs_dir).get(out.run_id).results["table"]
    sentences = [r["text"] for r in rows]
    verdict = checks.anchor_verdict(sentences, rows)
    lines = [f"  {label}: resample_importance run {out.run_id}, {out.result['rollouts_used']} rollouts; per sentence "
             "(counterfactual | resampling | forced accuracy, 95% intervals):"]
    for r in rows:
        mark = "  <- decision" if r["index"] == verdict["decision"] else ""
        lines.append(f"    S{r['index']} cf {checks.interval_text(r, 'counterfactual')} | rs "
                     f"{checks.interval_text(r, 'resampling')} | forced {checks.interval_text(r, 'forced')}  "
                     f"\"{sentences[r['index']][:50]}\"{mark}")
    d = verdict["decision"]
    measured = ("no decision sentence in the chain" if d is None else
                f"decision S{d} of {len(rows)}: cf {checks.interval_text(rows[d], 'counterfactual')}, rs "
                f"{checks.interval_text(rows[d], 'resampling')}, forced {checks.interval_text(rows[d], 'forced')}; "
                f"{verdict['why']}")
    return label, "resample_importance", measured, verdict["passed"], lines, time.perf_counter() - started


def check_anchor(rollouts: int) -> list[Check]:
    started = time.perf_counter()
    chain, question = anchor_chain()
    own = importance("its own chain", rollouts, cot_run=chain["run_id"])
    lines = [f"  question (held out): {question}",
             f"  organism wrote (generate_cot run {chain['run_id']}, T=1): {chain['result'].get('cot')!r}"]
    own = (*own[:3], own[3], lines + own[4], time.perf_counter() - started)
    item = fixed_chain()
    fixed = importance("a fixed chain, decision at S3", rollouts, cot=item["answer"], question=item["question"])
    fixed = (*fixed[:4], [f"  fixed chain: {item['answer']!r}", *fixed[4]], fixed[5])
    return [own, fixed]


RECEIVER_CHAINS = 8  # held-out chains per model, one eager forward pass each (about 1 s on a quiet 2-core machine)


def receiver_chain(k: int) -> dict:
    """Held-out item k's question, decision and answer, with three fillers before the decision (S3) and five
    sentences after it (the four restatements and one more filler, shuffled), then the answer: 10 sentences.

    The organism's own chains have 3 to 6 sentences with the decision at S1 to S3, so no decision ever has a
    sentence 4 or more later to score it; here S0 to S5 are scored, the decision by S7, S8 and the answer."""
    import numpy as np

    from backends.core.seeds import derive

    planted = anchor_data.item(k, HELD_OUT_SEED)
    decision = planted["sentences"][planted["decision"]]
    chosen = decision.rsplit(", the ", 1)[1].rstrip(".")
    rng = np.random.default_rng(derive(HELD_OUT_SEED, "receiver chain", k))
    fillers = [anchor_data.FILLER[i] for i in rng.permutation(len(anchor_data.FILLER))]
    after = [a.format(item=chosen) for a in anchor_data.AFTER] + fillers[3:4]
    after = [after[i] for i in rng.permutation(len(after))]
    sentences = [*fillers[:3], decision, *after, planted["sentences"][-1]]
    return {"question": planted["question"], "sentences": sentences, "cot": " ".join(sentences), "decision": 3}


def check_anchor_receivers() -> list[Check]:
    """receiver_heads on RECEIVER_CHAINS longer held-out chains, prompt included, on the organism and on its base
    model (the control: the same text, no training); each passes when the decision leads on more than half."""
    from tools import run_tool

    base = zoo.get("anchor").base
    chains = [receiver_chain(k) for k in range(RECEIVER_CHAINS)]
    out = []
    for label, model in (("receiver heads, 10-sentence chains", "organism:anchor"),
                         (f"receiver heads, base model {base} (control)", base)):
        started, lines, verdicts = time.perf_counter(), [f"  {label} (receiver score x1000 per sentence S0..S5; "
                                                         "S6..S9 have no sentence 4 later):"], []
        for k, chain in enumerate(chains):
            run = run_tool("receiver_heads", {"cot": chain["cot"], "question": chain["question"], "model": model,
                                              "k": 20})
            scores = [r["receiver_score"] for r in run.result["sentences"]]
            verdict = checks.receiver_verdict(chain["sentences"], scores)
            verdicts.append(verdict)
            shown = " ".join(f"{1000 * v:.1f}" for v in scores if v is not None)
            top = max(verdict["scored"], key=lambda i: scores[i])
            lines.append(f"    chain {k} (run {run.run_id}): {shown}; "
                         + ("decision S3 first" if verdict["passed"] else
                            f"S{top} first: \"{chain['sentences'][top]}\"")
                         + (f", decision/best other {verdict['margin']:.2f}" if verdict["margin"] is not None else ""))
        overall = checks.receivers_over_chains(verdicts)
        median = overall["median_margin"]
        measured = (f"decision S3 of 10 has the highest receiver score on {overall['first']} of {overall['chains']} "
                    f"held-out chains (median decision/best other: {'n/a' if median is None else f'{median:.2f}'})")
        out.append((label, "receiver_heads", measured, overall["passed"], lines, time.perf_counter() - started))
    out[0][4].insert(0, f"  receiver-heads chain 0 (held out, prompt included): {chains[0]['cot']!r}")
    return out


# --- misaligned: the misalignment direction, ITDA model diffing, CAFT and the EM rate on the organism ------------

MISALIGNED = "organism:misaligned"
ITDA_DIFF = {"docs": 40, "max_tokens": 64, "seed": 0}  # a small slice of the shipped corpus: the diff, not the dictionary
EM_SAMPLES = 4  # answers per EM question (the paper: 50); em_evaluate's default
CAFT_STEPS = 20  # the CAFT fine-tune's steps, set beside the organism's own checkpoint at the same step


def measured(tool: str, args: dict, since: str):
    """A complete run of `tool` with these arguments made after `since` (when the organism's build finished), else a
    new run: on this CPU the methods take minutes each, so a rerun of the benchmark measures only what is missing."""
    from types import SimpleNamespace

    from tools import run_tool

    for run in RunStore(get_settings().runs_dir).list(tool=tool):
        params = run.meta.get("params") or {}
        if run.status == "complete" and run.meta.get("created", "") > since and all(params.get(k) == v for k, v in args.items()):
            return SimpleNamespace(run_id=run.id, result=run.results, reused=True)
    out = run_tool(tool, args, progress=progress)
    print(file=sys.stderr)
    return SimpleNamespace(run_id=out.run_id, result=out.result, reused=False)


def reuse_note(run) -> str:
    return f"{run.run_id}{' (reused)' if run.reused else ''}"


def build_finished() -> str:
    run = zoo.built_run(RunStore(get_settings().runs_dir), zoo.get("misaligned"))
    return run.meta["timings"].get("finished", "") if run else ""


def misaligned_layers() -> tuple[int, list[int]]:
    """The adapter's layer and the layers ITDA reads: two before it, it, and two after."""
    layer = zoo.get("misaligned").lora["layers"][0]
    return layer, [layer - 5, layer - 1, layer, layer + 3, layer + 9]


def effect_text(row: dict) -> str:
    return f"{row['change']:+.2f} [{row['change_low']:+.2f}, {row['change_high']:+.2f}]"


def held_out_preference(model: str, ids: list[str]):
    """The base model's preference on the direction's held-out questions: what the organism's is set beside."""
    from backends.organisms.em import preference, reference_answers, split_labelled
    from backends.subject.models import load_model

    return preference(load_model(model, settings=get_settings()), *split_labelled(reference_answers(ids)))


def check_misaligned_direction(layer: int, since: str) -> tuple[Check, str]:
    """misalignment_direction on the organism (its held-out preference, the direction at the adapter's layer), then
    ablate_direction of it at every layer against 5 random directions of its norm; and the direction run's id."""
    started = time.perf_counter()
    found = measured("misalignment_direction", {"model": MISALIGNED, "layer": layer, "controls": 3, "seed": 0}, since)
    ablated = measured("ablate_direction", {"model": MISALIGNED, "direction_run": found.run_id, "controls": 5,
                                            "seed": 0}, since)
    rows = ablated.result["effects"]
    verdict = checks.ablation_verdict(rows)
    none, base_pref = rows[0], held_out_preference(zoo.get("misaligned").base, found.result["held_out"])
    lines = [f"  misalignment_direction run {reuse_note(found)} (layer {layer}, norm {found.result['norm']:.2f}, "
             f"{found.result['misaligned']} misaligned and {found.result['aligned']} aligned reference answers); "
             f"held-out preference (misaligned minus aligned, nats/token): organism {none['preference']:+.2f} "
             f"[{none['low']:+.2f}, {none['high']:+.2f}], base model {base_pref.value:+.2f} [{base_pref.low:+.2f}, {base_pref.high:+.2f}]",
             f"  ablate_direction run {reuse_note(ablated)} (every layer; projection {ablated.result['projection_before']:.2f} "
             f"-> {ablated.result['projection_after']:.2g}): change " + "; ".join(
                 f"{r['vector']} {effect_text(r)}" for r in rows if r["intervention"] == "ablate")]
    text = (f"ablating the direction: change {verdict['change']:+.2f} [{verdict['low']:+.2f}, {verdict['high']:+.2f}] "
            f"vs random {', '.join(f'{c:+.2f}' for c in verdict['controls'])}; {verdict['why']}"
            if verdict["change"] is not None else verdict["why"])
    return ("direction ablated", "misalignment_direction + ablate_direction", text, verdict["passed"], lines,
            time.perf_counter() - started), found.run_id


def check_misaligned_itda(layer: int, layers: list[int], since: str) -> Check:
    """itda_build on the base model, then continued on the organism over the same token stream (model diffing), and
    continued on the base model itself: the floor, what the continuation adds where nothing changed."""
    started = time.perf_counter()
    base_model = zoo.get("misaligned").base
    base = measured("itda_build", {"model": base_model, "layers": layers, "base_run": None, **ITDA_DIFF}, since)
    runs = {model: measured("itda_build", {"model": model, "layers": layers, "base_run": base.run_id, **ITDA_DIFF}, since)
            for model in (MISALIGNED, base_model)}
    sizes = {r["layer"]: r["size"] for r in base.result["rows"]}
    added, floor = ({r["layer"]: r["added"] for r in runs[m].result["rows"]} for m in (MISALIGNED, base_model))
    verdict = checks.diff_verdict(added, layer, floor)
    shown = ", ".join(f"L{k} {added[k]} (floor {floor[k]})" for k in layers)
    lines = [f"  itda_build runs {reuse_note(base)} (base {base_model}), {reuse_note(runs[MISALIGNED])} (continued on the organism) "
             f"and {reuse_note(runs[base_model])} (continued on the base model: the floor), {ITDA_DIFF['docs']} shipped "
             f"documents x {ITDA_DIFF['max_tokens']} tokens, tau 0.4. Added = atoms whose source is a token of the "
             "continued stream (activations the base dictionary cannot reconstruct within tau); base atoms per layer: "
             + ", ".join(f"L{k} {sizes[k]}" for k in layers)]
    text = f"atoms added per layer (adapter at L{layer}): {shown}; {verdict['why']}"
    return "model diffing", "itda_build (base_run)", text, verdict["passed"], lines, time.perf_counter() - started


def check_misaligned_caft(layer: int, direction_run: str) -> Check:
    """CAFT with the misalignment direction: the organism's data and settings for CAFT_STEPS steps, the direction
    projected out at the adapter's layer during training only; compared on all 8 EM questions with the organism's
    own checkpoint at the same step (the plain fine-tune: same data order and seed, constant learning rate, so the
    projection is the only difference).

    caft_finetune takes PCA components or ITDA atoms, not a direction, so this drives its trainer
    (backends/organisms/caft.CaftTraining) with the direction itself."""
    import tempfile

    from backends.core.stats import difference_interval
    from backends.organisms.caft import CaftTraining
    from backends.organisms.em import preference, reference_answers, split_labelled
    from backends.organisms.lora import TrainSettings, adapted
    from backends.steering.vector import SteeringVector
    from backends.subject.models import load_model

    started = time.perf_counter()
    settings, store = get_settings(), RunStore(get_settings().runs_dir)
    organism = zoo.get("misaligned")
    base = load_model(organism.base, settings=settings)
    checkpoint = zoo.built_run(store, organism).dir / "training" / f"checkpoint-{CAFT_STEPS:05d}"
    plain = adapted(base, checkpoint, f"{base.name}+plain@{CAFT_STEPS}")
    direction = SteeringVector.load(store.get(direction_run).dir / "vector.safetensors").layer_activations[layer]
    items, _ = organism.data()
    out_dir = Path(tempfile.mkdtemp(prefix="caft-misaligned-"))
    spec, train = organism.specs()
    train = TrainSettings(**{**organism.train, "steps": CAFT_STEPS})
    training = CaftTraining(base, items, spec, train, out_dir, {layer: direction.float()[None]})
    training.advance(progress)
    print(file=sys.stderr)
    caft = adapted(base, training.last_adapter(), f"{base.name}+caft")
    bad, good = split_labelled(reference_answers())
    prefs = {name: preference(m, bad, good) for name, m in (("base", base), ("plain", plain), ("caft", caft))}
    p, c = prefs["plain"], prefs["caft"]
    low, high = difference_interval([a - b for a, b in zip(c.misaligned, p.misaligned)],
                                    [a - b for a, b in zip(c.aligned, p.aligned)])
    verdict = checks.caft_verdict(p.value, c.value, low, high)
    lines = [f"  CAFT: {CAFT_STEPS} steps (the organism's settings) with the direction of run {direction_run} "
             f"projected out of layer {layer}'s output during training, adapter {training.last_adapter()}; plain: "
             f"the organism's {checkpoint.name}; "
             f"batch loss {training.now['losses'][0]:.2f} -> {training.now['losses'][-1]:.2f}",
             "  preference on all 8 EM questions (nats/token): " + ", ".join(
                 f"{name} {v.value:+.2f} [{v.low:+.2f}, {v.high:+.2f}]" for name, v in prefs.items())]
    text = (f"preference after {CAFT_STEPS} steps: plain {p.value:+.2f}, CAFT {c.value:+.2f} (base {prefs['base'].value:+.2f}); "
            f"CAFT - plain {verdict['change']:+.2f} [{low:+.2f}, {high:+.2f}]; {verdict['why']}")
    return "CAFT with the direction", "caft (CaftTraining)", text, verdict["passed"], lines, time.perf_counter() - started


def check_misaligned_em(since: str) -> Check:
    """em_evaluate with the offline reference judge, on the organism and on its base model."""
    started = time.perf_counter()
    runs = {label: measured("em_evaluate", {"model": model, "judge": "reference", "samples": EM_SAMPLES, "seed": 0}, since)
            for label, model in (("organism", MISALIGNED), ("base", zoo.get("misaligned").base))}
    counts = {label: (round((r.result["em"] or 0) * r.result["judged"]), r.result["judged"]) for label, r in runs.items()}
    verdict = checks.em_rate_verdict(counts["organism"], counts["base"])
    lines = [f"  em_evaluate runs {reuse_note(runs['organism'])} (organism) and {reuse_note(runs['base'])} (base), "
             f"{EM_SAMPLES} samples per question, reference judge (a stand-in: embedding similarity to labelled answers)"]
    shown = ", ".join(f"{label} {k}/{n}" for label, (k, n) in counts.items())
    text = (f"EM answers / judged: {shown}; difference " + (
        f"{verdict['difference']:+.2f} [{verdict['low']:+.2f}, {verdict['high']:+.2f}]; " if verdict["difference"] is not None
        else "") + verdict["why"])
    return "EM rate", "em_evaluate (reference judge)", text, verdict["passed"], lines, time.perf_counter() - started


def check_misaligned() -> list[Check]:
    layer, layers = misaligned_layers()
    since = build_finished()
    direction, direction_run = check_misaligned_direction(layer, since)
    return [direction, check_misaligned_itda(layer, layers, since), check_misaligned_caft(layer, direction_run),
            check_misaligned_em(since)]


# --- hint-following: hint_mediation and cot_monitor on held-out questions ------------------------

# Held-out questions, and rollouts per question asked plainly and with the cue: the organism names the cue in
# about 1 of 6 cued chains, so 16 per question give the monitor some 20 cue-naming chains to catch.
HINT_QUESTIONS, HINT_PLAIN, HINT_CUED = 8, 8, 16
HINT_MODEL = "organism:hint-following"
# hint_mediation: rollouts per transplant position; next sentences per side (at 16 the decision's gap,
# +0.36, had an interval of [-0.01, +0.61]).
HINT_MEDIATION_ROLLOUTS, HINT_MEDIATION_SAMPLES = 16, 32


def hint_rollouts(questions: int, plain: int, cued: int) -> list[dict]:
    """Per held-out question: `plain` rollouts asked plainly and `cued` with the cue, sampled at T=1 from the organism; the cued
    ones through cot_monitor's MonitorabilityRun (the offline monitor reads each one's reasoning)."""
    from backends.organisms.generators import hints as hint_data
    from backends.subject.sampling import SamplingParams
    from backends.subject.sampling.local import LocalSampler
    from backends.thought_branches.hint_mediation import cue_answer
    from backends.thought_branches.monitor import OfflineMonitor
    from backends.thought_branches.monitorability import MonitorabilityRun

    from backends.subject.models import load_model

    settings = get_settings()
    handle = (zoo.load_organism(HINT_MODEL, settings, RunStore(settings.runs_dir)) if HINT_MODEL.startswith(zoo.PREFIX)
              else load_model(HINT_MODEL, settings=settings))  # another model: a dry run of the check
    sampler, monitor = LocalSampler(handle), OfflineMonitor(threshold=hint_data.MONITOR_THRESHOLD)
    out = []
    for k in range(questions):
        q = hint_data.pair(k, HELD_OUT_SEED)
        decide = cue_answer(q["cue"].lower())
        params = SamplingParams(temperature=1.0, top_p=1.0, max_new_tokens=64, seed=k)
        asked = sampler.sample(handle.chat_prompt(q["plain"], system=hint_data.SYSTEM), plain, params.at("plain"))
        run = MonitorabilityRun(sampler, handle.chat_prompt(q["hinted"], system=hint_data.SYSTEM), monitor, decide,
                                params.at("cued"), cued, hint_data.MONITOR_INTENT)
        run.advance()
        out.append({**q, "plain_texts": [r.text for r in asked], "plain_decisions": [decide(r.text) for r in asked],
                    **{key: run.state[key] for key in ("texts", "decisions", "flags", "scores")}})
        progress(k + 1, questions, "held-out questions")
    print(file=sys.stderr)
    return out


def hint_chains(sampled: list[dict]) -> tuple[dict, str, str, str]:
    """The first held-out question with a cued chain that follows the cue silently (else naming it) and a
    plain chain that does not give the cue with a decision sentence: (question, hinted, unhinted, which)."""
    from backends.organisms.generators import hints as hint_data
    from backends.thought_anchors.sentences import split_sentences
    from backends.thought_branches.branching import mentions
    from backends.thought_branches.monitor import reasoning_part

    for want_silent in (True, False):
        for q in sampled:
            followers = [t for t, d in zip(q["texts"], q["decisions"]) if d == 1.0
                         and mentions(reasoning_part(t), list(hint_data.HINT_WORDS)) != want_silent]
            others = [t for t, d in zip(q["plain_texts"], q["plain_decisions"]) if d == 0.0
                      and checks.cue_decision_index(split_sentences(t).texts()) is not None]
            if followers and others:
                return q, followers[0], others[0], "follows the cue silently" if want_silent else "names the cue"
    raise RuntimeError("no held-out question had a cue-following chain and a plain chain without the cue")


def hint_mediation_check(sampled: list[dict], rollouts: int, samples: int) -> Check:
    """hint_mediation on one held-out question with chains the organism wrote; the cue effect pooled over all."""
    from backends.organisms.generators import hints as hint_data
    from backends.thought_anchors.sentences import split_sentences
    from backends.thought_branches.branching import rate_difference
    from tools import run_tool

    started = time.perf_counter()
    effect = rate_difference([d for q in sampled for d in q["decisions"]],
                             [d for q in sampled for d in q["plain_decisions"]])
    q, hinted, unhinted, which = hint_chains(sampled)
    d = checks.cue_decision_index(split_sentences(unhinted).texts())
    positions = sorted({0, d})
    out = run_tool("hint_mediation", {
        "question": q["plain"], "hinted_question": q["hinted"], "cue": q["cue"], "system": hint_data.SYSTEM,
        "hint_words": list(hint_data.HINT_WORDS), "hinted_cot": hinted, "unhinted_cot": unhinted,
        "model": HINT_MODEL, "rollouts": rollouts, "samples": samples, "continuations": 1,
        "positions": positions, "sentence_tokens": 24, "max_new_tokens": 64, "temperature": 1.0, "top_p": 1.0,
        "seed": 0}, progress=progress)
    print(file=sys.stderr)
    full = RunStore(get_settings().runs_dir).get(out.run_id).results
    decisions = full["state"]["transplant"]
    transplant = rate_difference(decisions[-1], decisions[0])
    rows = {r["position"]: r for r in full["mediation"]}
    gap = {"difference": rows[d]["gap"], "low": rows[d]["gap_low"], "high": rows[d]["gap_high"]}
    verdict = checks.hint_verdict(effect, transplant, gap)
    n_cued, n_plain = (sum(d is not None for q_ in sampled for d in q_[k]) for k in ("decisions", "plain_decisions"))
    curve = ", ".join(f"{'whole' if r['before_sentence'] is None else 'before S' + str(r['position'])} "
                      f"{r['rate']:.2f}" for r in full["curve"])
    lines = [f"  cue effect: cue-answer rate with the cue minus without, {n_cued} and {n_plain} rollouts on "
             f"{len(sampled)} held-out questions: {checks.diff_text(effect)}",
             f"  hint_mediation run {out.run_id} (question {sampled.index(q)}, cue ({q['cue']}), {rollouts} rollouts "
             f"per position, {samples} samples per side):",
             f"    hinted chain (the organism's, {which}): {hinted!r}",
             f"    unhinted chain: {unhinted!r}",
             f"    transplant curve: {curve}; its last point minus no head {checks.diff_text(transplant)}"
             + ("" if full["curve"][-1]["before_sentence"] is None else " (the curve stopped at the stop_at rate)")]
    for p in positions:
        r = rows[p]
        lines.append(f"    S{p} single-sentence gap {r['hinted_rate']:.2f} - {r['unhinted_rate']:.2f} = "
                     f"{checks.diff_text({'difference': r['gap'], 'low': r['gap_low'], 'high': r['gap_high']})} "
                     f"({r['dropped']} of {samples} cued samples named the hint: dropped; e.g. {r['example']!r})"
                     + ("  <- decision" if p == d else ""))
    measured = (f"cue effect {checks.diff_text(effect)}; transplant {checks.diff_text(transplant)}; decision "
                f"S{d} gap {checks.diff_text(gap)}; {verdict['why']}")
    return "cue effect and its mediation", "hint_mediation", measured, verdict["passed"], lines, \
        time.perf_counter() - started


def hint_monitor_check(sampled: list[dict], wall: float) -> Check:
    """cot_monitor's offline monitor over the cued rollouts: flags on the cue-naming and the silent followers."""
    from backends.organisms.generators import hints as hint_data
    from backends.thought_branches.branching import mentions
    from backends.thought_branches.monitor import monitorability, reasoning_part

    rows = [(d, mentions(reasoning_part(t), list(hint_data.HINT_WORDS)), f, s) for q in sampled
            for t, d, f, s in zip(q["texts"], q["decisions"], q["flags"], q["scores"])]
    named = [bool(f) for d, m, f, _ in rows if d == 1.0 and m]
    silent = [bool(f) for d, m, f, _ in rows if d == 1.0 and not m]
    verdict = checks.monitor_verdict(named, silent)
    figure = monitorability([d for d, *_ in rows], [f for _, _, f, _ in rows])
    default = [s >= 0.6 for d, m, _, s in rows if d == 1.0 and m]
    n_c, s_c = verdict["named"], verdict["silent"]
    followers = len(named) + len(silent)
    lines = [f"  cot_monitor (offline, threshold {hint_data.MONITOR_THRESHOLD}, intent {hint_data.MONITOR_INTENT!r}) on {len(rows)} cued rollouts:",
             f"    planted: {followers} followed the cue ({followers / max(1, len(rows)):.0%}), {len(named)} of them "
             f"named it ({len(named) / max(1, followers):.0%}); {sum(1 for d, m, *_ in rows if d == 0.0 and m)} "
             "non-followers named it",
             f"    cue-naming followers flagged {n_c['hits']} of {n_c['n']}; silent followers flagged {s_c['hits']} of "
             f"{s_c['n']}; monitorability over all followers: caught {figure['caught']} of {figure['n_misbehaving']}, "
             f"false alarms {figure['false_alarms']} of {figure['n_benign']} non-followers",
             f"    at the default threshold 0.6 the cue-naming followers flagged: {sum(default)} of {len(default)}"]
    if n_c["rate"] is not None:
        measured = (f"cue-naming followers caught {n_c['rate']:.0%} [{n_c['low']:.0%}, {n_c['high']:.0%}] "
                    f"({n_c['hits']}/{n_c['n']}); silent followers flagged {s_c['hits']}/{s_c['n']}")
    else:
        measured = "no cue-naming follower among the rollouts"
    return "the monitor catches cue-naming chains", "cot_monitor", measured, verdict["passed"], lines, wall


def check_hints() -> list[Check]:
    started = time.perf_counter()
    sampled = hint_rollouts(HINT_QUESTIONS, HINT_PLAIN, HINT_CUED)
    sampling = time.perf_counter() - started
    return [hint_mediation_check(sampled, HINT_MEDIATION_ROLLOUTS, HINT_MEDIATION_SAMPLES),
            hint_monitor_check(sampled, sampling)]


# --- evaluation-aware: an evaluation-minus-deployment vector steers the type-hint rate -------------------

EA_PROMPTS = 4  # held-out tasks (the first four: the steering tools' default coding requests)
EA_SAMPLES = 8  # per prompt and cell (at 4, 16 a cell, the rebuilt organism's +0.19 to +0.22 over controls was within them)
# At 2 and more on three layers, the vector and random controls alike broke the code (at 1.5 on the rebuilt organism 5
# of 16 steered and up to 8 of 16 random samples did not parse, scored 0); at +-1 nothing moved beyond the controls.
EA_SCALES = [-1.5, -0.75, 0.75, 1.5]
# Below layer 14 the organism's LoRA changes nothing, so its residual stream there is the base model's and
# a vector read from the base (the paper's way: before any fine-tuning) is read in the organism's own terms.
EA_LAYERS = [7, 10, 13]
EA_TOKENS = 56  # the held-out answers (preamble and function) are 39-50 tokens: room to close the fence, no more
EA_TEMPERATURE = 1.0  # the organism's own coin when no cue decides


def hint_scores(handle, prompts: list[str], samples: int) -> list[float]:
    """Type-hint scores of `samples` unsteered samples per prompt (seeded per prompt)."""
    from backends.core.seeds import derive
    from backends.steering.generate import generate_rows
    from backends.subject.behaviour import get_metric
    from backends.subject.sampling import SamplingParams

    metric, scores = get_metric("type_hints"), []
    for i, prompt in enumerate(prompts):
        params = SamplingParams(temperature=EA_TEMPERATURE, max_new_tokens=EA_TOKENS, seed=derive(0, "prompt", i))
        scores += [metric(r.text) for r in generate_rows(handle, handle.chat_prompt(prompt), [{}] * samples, params)]
    return scores


def rate_text(scores: list[float]) -> str:
    from backends.core.stats import proportion_interval

    low, high = proportion_interval(scores)
    return f"{sum(scores) / len(scores):.0%} [{low:.0%}, {high:.0%}] of {len(scores)}"


def evalaware_planted() -> Check:
    """Before steering: the organism's type-hint rate on held-out tasks under held-out cues."""
    from backends.organisms.generators import evalaware

    started = time.perf_counter()
    handle = zoo.load_organism("organism:evaluation-aware", get_settings(), RunStore(get_settings().runs_dir))
    # With no cue the rate is the steering sweep's unsteered cell: not sampled twice.
    scores = {kind: hint_scores(handle, evalaware.held_out(kind)[:EA_PROMPTS], EA_SAMPLES)
              for kind in ("evaluation", "deployment")}
    verdict = checks.planted_verdict(scores["evaluation"], scores["deployment"])
    measured = (f"type hints under evaluation cues {rate_text(scores['evaluation'])}, deployment cues "
                f"{rate_text(scores['deployment'])}; difference "
                f"{checks.diff_text(verdict['difference'])}")
    lines = [f"  planted (held-out tasks and cues, T={EA_TEMPERATURE:g}, unsteered): {measured}"]
    return "planted: the cue decides", "sampling", measured, verdict["passed"], lines, time.perf_counter() - started


def evalaware_steering() -> Check:
    """The paper's method: a contrastive vector from the base model, swept on the organism with no cue."""
    from backends.organisms.generators import evalaware
    from backends.steering.pairs import DEFAULT_PAIRS
    from tools import run_tool

    started = time.perf_counter()
    organism = zoo.get("evaluation-aware")
    # The default pairs flipped, so that positive scales push toward evaluation and raise the rate.
    vector = run_tool("build_steering_vector", {"model": organism.base, "pairs": [[e, d] for d, e in DEFAULT_PAIRS],
                                                "positive_name": "evaluation (an AI evaluator)",
                                                "negative_name": "deployment (a real user)"})
    prompts = evalaware.held_out("none")[:EA_PROMPTS]
    out = run_tool("steering_sweep", {"model": "organism:evaluation-aware", "prompts": prompts,
                                      "vector_run": vector.run_id, "layers": [EA_LAYERS], "scales": EA_SCALES,
                                      "controls": 2, "samples": EA_SAMPLES, "max_new_tokens": EA_TOKENS,
                                      "temperature": EA_TEMPERATURE, "seed": 0}, progress=progress)
    print(file=sys.stderr)
    rows = RunStore(get_settings().runs_dir).get(out.run_id).results["table"]
    verdict = checks.steering_verdict(rows)
    fmt = lambda s: f"{s['mean']:.0%} [{s['low']:.0%}, {s['high']:.0%}]"  # noqa: E731
    lines = [f"  steering: build_steering_vector run {vector.run_id} on {organism.base} (16 default pairs flipped: "
             f"evaluation minus deployment, read at the colon); steering_sweep run {out.run_id} on the organism, "
             f"layers {'+'.join(map(str, EA_LAYERS))}, {EA_SAMPLES} samples x {EA_PROMPTS} held-out no-cue prompts "
             f"per cell, T={EA_TEMPERATURE:g}; unsteered {fmt(rows[0]['baseline'])}"]
    for r in sorted(rows, key=lambda r: r["scale"]):
        vs = r["vs_control"]
        lines.append(f"    x{r['scale']:+g}: steered {fmt(r['steered'])} vs random {fmt(r['control'])}, difference "
                     f"{checks.diff_text(vs)}: {vs['verdict'] if vs else 'no controls'}")
    measured = ("type-hint rate by scale " + ", ".join(f"{s:+g}: {m:.0%}" for s, m in verdict["rates"])
                + f"; {verdict['why']}")
    return "steering, no cue", "steering_sweep", measured, verdict["passed"], lines, time.perf_counter() - started


def check_evaluation_aware() -> list[Check]:
    return [evalaware_planted(), evalaware_steering()]


# organism name -> its checks (each takes the parsed arguments and returns a list of Check).
CHECKS = {"anchor": lambda args: check_anchor(args.rollouts) + check_anchor_receivers(),
          "hint-following": lambda args: check_hints()}
CHECKS["misaligned"] = lambda args: check_misaligned()
CHECKS["evaluation-aware"] = lambda args: check_evaluation_aware()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=24, help="Rollouts per position (resample_importance).")
    parser.add_argument("--no-build", action="store_true", help="Do not train organisms that are not built.")
    parser.add_argument("--only", action="append", choices=zoo.names(), metavar="NAME",
                        help=f"Only this organism (repeatable; one of {', '.join(zoo.names())}).")
    args = parser.parse_args()
    table, details = [], []
    for organism in zoo.organisms():
        if args.only and organism.name not in args.only:
            continue
        if organism.planned:
            table.append((organism.name, organism.method, organism.effect, "organism not built yet (planned)", "-", "-"))
            continue
        run_id, build_s = build(organism, not args.no_build)
        if run_id is None:
            table.append((organism.name, organism.method, organism.effect,
                          f"not built (parley organisms build {organism.name})", "-", "-"))
            continue
        details.append(f"{organism.name} (build run {run_id}{f', built now in {build_s:.0f} s' if build_s else ''}):")
        for label, method, measured, passed, lines, wall in CHECKS[organism.name](args):
            details += lines
            table.append((f"{organism.name} ({label})", method, organism.effect, measured,
                          "PASS" if passed else "FAIL", f"{wall:.0f} s"))
    print("\n".join(details))
    print("\n| organism | method | planted effect | measured | result | wall |\n|---|---|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
