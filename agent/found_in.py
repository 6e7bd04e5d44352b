"""A run named by what it found: "the sweep where layer 10 peaked", "the adapter that got 30% misaligned".

The clause after "where" / "that" is read for its numbers and words and matched against each run's
summary, and against the summaries of the runs made from it (an adapter's evaluation says how
misaligned it got; a sweep says where its vector peaked). One run must match a number of the clause
and match it better than every other, else no run is named so. A run is also named as the owner of a
setting, by its tool: "the ablation's layers", "half the plain run's learning rate" (OWNER).
"""

from __future__ import annotations

import re

# "with whichever layer had the best held-out FVE": a layer named by a measure its run's summary lists per layer ("FVE 0.91 / 0.88")
LAYER_BY = re.compile(r"\b(?:whichever|the|which)\s+layer\s+(?:that\s+)?(?:had|has|got|gets|with|showed)\s+the\s+"
                      r"(best|highest|lowest|worst|largest|smallest|biggest)\s+([\w-]+(?:\s+[\w-]+){0,2}?)(?=\s*(?:[,.;?!]|$|\b(?:and|then|on|in|at)\b))", re.I)
LOWER_IS_BETTER = re.compile(r"\b(?:n?mse|loss|error|perplexity|l0)\b", re.I)  # the best of these is the lowest

CLAUSE = re.compile(r"\b(?:the|that)\s+(?:[\w-]+\s+)?(chain|run|vector|vec|sweep|eval|evaluation|adapter|fine-?tune|ft|lora|dictionary|dict|probe|one)"
                    r"\s+(?:where|that|which|in which|whose|with)\s+([^,.;:?!()]{3,60})", re.I)
KINDS = {"chain": ("generate_cot",), "vector": ("build_steering_vector",), "vec": ("build_steering_vector",), "sweep": ("steering_sweep",),
         "eval": ("em_evaluate",), "evaluation": ("em_evaluate",), "adapter": ("train_lora", "caft_finetune", "build_organism"),
         "dictionary": ("itda_build",), "dict": ("itda_build",), "probe": ("lora_probe",)}
KINDS |= {word: KINDS["adapter"] for word in ("fine-tune", "finetune", "ft", "lora")}
_STEMS = ("peak", "misalign", "beat", "flip", "separat", "drop", "import", "anchor", "kl", "accura", "loss", "rate", "head")

SOURCES = {"ablation": ("ablate_direction",), "ablate run": ("ablate_direction",), "sweep": ("steering_sweep",), "steer": ("steer_generate",),
           "steering run": ("steer_generate",), "steering test": ("steer_generate",), "resilience": ("sentence_resilience",), "monitor": ("cot_monitor",), "caft": ("caft_finetune",),
           "direction": ("misalignment_direction",), "eval": ("em_evaluate",), "evaluation": ("em_evaluate",), "probe": ("lora_probe",),
           "vector": ("build_steering_vector",), "importance": ("resample_importance",), "alternatives": ("sentence_alternatives",),
           "mediation": ("hint_mediation",), "suppression": ("attention_suppression",), "plain run": ("train_lora",),
           "plain fine-tune": ("train_lora",), "plain lora": ("train_lora",), "lora": ("train_lora",), "fine-tune": ("train_lora",),
           "chain": ("generate_cot",), "dictionary": ("itda_build",), "receiver heads": ("receiver_heads",), "comparison": ("itda_compare",)}
SOURCE_WORDS = "|".join(sorted(map(re.escape, SOURCES), key=len, reverse=True))
SETTING_WORDS = r"(?P<what>[\w-]+(?:\s+(?:and\s+|&\s+)?[\w-]+){0,3}?)"
FACTORS = {"half": 0.5, "twice": 2, "double": 2, "triple": 3, "a third of": 1 / 3, "a quarter of": 0.25, "a tenth of": 0.1}
SHOWN = re.compile(r"(?:table|plot|figure|heatmap|text|samples?|results?|output|curve|numbers|summary|chart|graph|matrix|rows?)\b", re.I)
ARTEFACTS = ("fine-tune", "lora", "chain", "dictionary", "vector", "direction", "eval", "evaluation")  # "the fine-tune's dictionary" describes
# a run named as the owner of a setting: "the ablation's layers", "half the plain run's learning rate"
OWNER = re.compile(rf"(?:\b(?P<factor>{'|'.join(FACTORS)})\s+)?\b(?:the|that)\s+(?P<src>{SOURCE_WORDS})(?:\s+run)?'s\s+{SETTING_WORDS}"
                   r"(?=\s*(?:[,.;:!?]|$|\s+(?:for|in|on|at|and|but|with|to|as|please|pls)\b))", re.I)


PAST = re.compile(r"\b(?:peaked|flipped|dropped|beat|got|scored|showed|came|won|lost|rose|fell|was|were|had|flagged|failed|passed|worked|broke|"
                  r"reached|ended|looked|seemed|did|found|picked|caught|topped|hit|maxed|crashed|diverged|converged|survived|kept)\b", re.I)


def describing(text: str) -> list[str]:
    """The clauses that name a run by what it found ("where layer 12 peaked", "that got 30% misaligned"): words about
    a run, not settings asked for."""
    found = []
    for m in CLAUSE.finditer(text):
        past = PAST.search(m.group(2))
        if past and not re.match(r"\s*with\b", text[m.end(1):], re.I):
            said = re.match(r"\s+(?:at|to|on|in|around|near)\s+(?:[a-z]+\s+)?[+-]?\d[\d.]*", m.group(2)[past.end():], re.I)  # "was at layer 14"
            at = past.end() + (said.end() if said else 0)
            end = re.search(r"\s+(?:(?:with|and|at|using|for|but|then|on|to)\b|w/)", m.group(2)[at:])  # "... peaked with 12 samples"
            found.append(m.group(2)[:at + end.start()] if end else m.group(2))
    return found + [m.group(0) for m in PURPOSE.finditer(text)]


# "again with 4 controls per cell, i want to be sure layer 14 isnt a fluke": why, not a setting
PURPOSE = re.compile(r"(?:[,;—]|\s-+)\s*(?:i want to|i wanna|i'?d like to|to|so (?:that )?(?:i|we) can)\s+(?:be sure|make sure|check|see|know|confirm|verify|rule out)\b"
                     r"[^.;]*?\b(?:fluke|real|holds?|noise|robust|stable|chance|artifact|artefact)\b[^.;]*", re.I)


def named(text: str, runs: list, seen: list) -> object | None:
    """The one run of `runs` whose findings (or those of runs made from it, among `seen`) the clause describes, or None."""
    scores = _scored(text, runs, seen)
    if not scores or not scores[0][1] or len(scores) > 1 and scores[1][0] >= scores[0][0]:
        return None
    return scores[0][2]


def tied(text: str, runs: list, seen: list) -> bool:
    """Whether the clause describes two runs alike ("the sweep whose best cell was at layer 14" with two such sweeps)."""
    said = [c for c in describing(text) if not PURPOSE.fullmatch(c)]
    scores = _scored(text, runs, seen, said[0]) if said else []  # only what the clause says was found: "whose best cell was at layer 14"
    return len(scores) > 1 and scores[0][1] and scores[1][1] and scores[1][0] >= scores[0][0]


def _scored(text: str, runs: list, seen: list, found: str | None = None) -> list[tuple[float, bool, object]]:
    """(how well the clause fits its findings, whether a number of the clause is among them, run), best first; [] without a clause."""
    clause = CLAUSE.search(text)
    if not clause or re.match(r"\s*with\b", text[clause.end(1):], re.I) and not PAST.search(clause.group(2)) \
            and re.search(r"\b(?:rerun|re-run|redo|repeat|again)\b", text[:clause.start()], re.I):
        return []  # "rerun the reference-judged eval with 20 samples": the settings of the rerun, not what the run found
    kind = KINDS.get(clause.group(1).lower())
    runs = [r for r in runs if kind is None or r.tool in kind]  # "the adapter that ...": a fine-tune, not its evaluation
    numbers = _numbers(found or clause.group(2))
    if not numbers or not runs:
        return []
    stems = {s for s in _STEMS if s in clause.group(2).lower()}
    scores = []
    for run in runs:
        said = " ".join([run.summary or ""] + [r.summary or "" for r in seen if run.run_id in _references(r)])
        theirs, own = _numbers(said), _numbers(run.summary or "")
        score = 2 * len(numbers & theirs) + 0.5 * len(numbers & own) + sum(s in said.lower() for s in stems)  # its own findings first
        scores.append((score, bool(numbers & theirs), run))
    return sorted(scores, key=lambda s: -s[0])


def _numbers(text: str) -> set[str]:
    """Numbers as the findings write them: "layer 10" -> "layer-10", "30%" -> "0.3" and "30", "0.30" -> "0.3"."""
    out = {f"layer-{n}" for n in re.findall(r"\b(?:layer|L)\s*-?(\d+)\b", text, re.I)}
    for value, percent in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(%?)", text):
        number = float(value) / (100 if percent else 1)
        out.add(f"{number:g}")
    return out


def _references(run) -> set[str]:
    return {v for k, v in run.args.items() if k.endswith("_run") and isinstance(v, str)}


FLAGGED = re.compile(r"\b(?:flagged\s+(?:chain|cot|trace|one)|(?:chain|cot|trace|one)\s+(?:that\s+)?(?:the\s+(?:monitor|judge)\s+)?(?:got\s+|was\s+)?flagged)\b", re.I)
NOT_FLAGGED = re.compile(r"\bnot flagged\b|\b0 of \d+ sentences flagged\b|\bno intent\b|\bnothing flagged\b", re.I)


def flagged(text: str, runs: list, seen: list) -> object | None:
    """'the chain the monitor flagged', 'the flagged chain': the one chain of `runs` a monitor run in `seen` flagged."""
    if not FLAGGED.search(text):
        return None
    hits = [r for r in runs if r.tool == "generate_cot" and any(m.tool == "cot_monitor" and m.args.get("cot_run") == r.run_id
                                                                and "flagged" in (m.summary or "").lower() and not NOT_FLAGGED.search(m.summary or "") for m in seen)]
    return hits[0] if len(hits) == 1 else None

