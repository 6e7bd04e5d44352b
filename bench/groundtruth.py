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


# organism name -> its checks (each takes the parsed arguments and returns a list of Check).
CHECKS = {"anchor": lambda args: check_anchor(args.rollouts)}


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
