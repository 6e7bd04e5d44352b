"""Export a resampling experiment in the layout the Thought Anchors visualizer and analysis code read.

Sources read (public code, so the next engineer can check them):

- Visualizer (thought-anchors.com), repo interp-reasoning/thought-anchors.com:
  * src/app/page.js: problems are folders `src/app/data/{model}/{solution_type}/problem_<id>/`; the
    model (deepseek-r1-distill-qwen-14b | deepseek-r1-distill-llama-8b), the solution type
    (correct_base_solution | incorrect_base_solution) and the list of problem folders are hard-coded
    there, and each problem's `problem.json` `nickname` names it in the menu.
  * src/components/visualization/ProblemVisualizer.js: imports `chunks_labeled.json`,
    `step_importance.json`, `summary.json` (all three required: a missing one aborts the load),
    `problem.json` (optional, but if present `nickname` must be a non-empty string: it does
    `problemData?.nickname[0].toUpperCase()`), `step_importance_supp.json` (optional attention
    suppression; when present it becomes the default metric, so we do not write it) and
    `chunks_resampled.json` (optional; `{"<chunk_idx>": [resampled sentence, ...]}`, shown as
    "Resampled steps", entries equal to the original sentence are dropped by the page).
    Node size = `counterfactual_importance_kl`; `Math.abs(null) || 0.01` makes null tolerated.
  * src/components/visualization/ChainOfThought.js and src/constants/visualization.js: every chunk
    needs `function_tags[0]` to be a string (`formatFunctionTag(tag)` calls `tag.split`), so an empty
    list would crash the page; unknown tags just get the grey colour.
  * Example data: src/app/data/deepseek-r1-distill-qwen-14b/correct_base_solution/problem_4682/
    chunks_labeled.json, src/app/data/problem_4682/{summary,problem,step_importance}.json,
    src/app/data/problem_330/chunk_texts.json,
    src/app/data/deepseek-r1/no_base_solution/scenario_0/chunks_resampled.json.
- Analysis code: interp-reasoning/thought-anchors at commit 2a15f778d11b2c3a12d0357f34000939b172066c
  (read from the upstream repository; tests/backends/reference_ta.py holds verbatim copies of the
  functions below, and tests/backends/test_ta_reference.py runs them on an export):
  * analyze_rollouts.py `analyze_problem`: needs problem.json, base_solution.json and chunks.json
    ({"source_text", "solution_text", "chunks"}); drops chunks shorter than 4 characters; per chunk
    k reads `chunk_k/solutions.json` and keeps, for every metric except the resampling KL, only the
    records with `answer` not "" (and not "None"); accuracy = is_correct True / (is_correct not
    None), 0.0 when none. Resampling = acc(chunk_{k+1}) - acc(chunk_k) and the answer-distribution
    KL of the two files (alpha 1e-9; `--use_prob_true` defaults to False). Counterfactual: a record
    is dissimilar when the cosine of the sentence embeddings (all-MiniLM-L6-v2) of its
    `chunk_removed` and `chunk_resampled` is below 0.8; acc(dissimilar) - acc(chunk_{k+1}) and
    KL(dissimilar || chunk_{k+1} + similar). Without `chunk_removed` it embeds "" and every record is
    dissimilar. different_trajectories_fraction = dissimilar / records with an answer;
    overdeterminedness = 1 - unique / all `chunk_resampled` strings of those records, word for word.
    Forced answers come from a separate tree, `<rollouts dir>_forced_answer/problem_<id>/chunk_k/
    solutions.json` (its `-icf` argument; without it the forced metrics are not recomputed), the same
    differences on those files. The last chunk has no chunk after it: every metric is 0.0 there,
    and so is any metric it cannot compute (we write null). `chunks_labeled.json` key order chunk,
    chunk_idx, function_tags, depends_on, accuracy, resampling_importance_accuracy/_kl,
    counterfactual_importance_accuracy/_kl, forced_importance_accuracy/_kl,
    different_trajectories_fraction, overdeterminedness, summary; `accuracy` is acc(chunk_k), our
    accuracy_before (R_i); fallbacks `function_tags: ["unknown"]`, `depends_on: []`.
  * generate_rollouts.py: `chunk_<k>/solutions.json` holds the rollouts regenerated from the prefix
    *without* chunk k, records {chunk_removed, prefix_without_chunk, chunk_resampled, rollout,
    full_cot (= prompt + rollout), answer, is_correct}; forced-answer rollouts (`-r forced_answer`)
    close the thinking block and cue the answer: prompt + "\n</think>\n\nTherefore, the final
    answers is \\boxed{"; base_solution.json {prompt, solution, full_cot, answer, is_correct}.
  * step_attribution.py `compute_step_importance_matrix`: original chunks from chunks_labeled.json
    `chunk`; for chunk i the records of chunk_i and chunk_{i+1} with a non-empty `rollout`, each
    split by utils.split_solution_into_chunks; M[i, j] = match rate of S_j (best cosine >= 0.8) in
    chunk_{i+1} minus in chunk_i, j > i. `step_importance.json` =
    [{source_chunk_idx, source_chunk_text, target_impacts: [{target_chunk_idx, importance_score}]}];
    `summary.json` {problem_idx, num_chunks, avg_importance, max_importance, min_importance,
    top_influential_steps, top_dependent_steps}; `chunk_texts.json` = list of chunk records
    {chunk, chunk_idx, function_tags, depends_on, importance, accuracy}.
  * utils.py `split_solution_into_chunks` drops a last piece with no sentence end after it (".", "?"
    or "!" then a space or newline, or a paragraph break); ours keeps it (backends/thought_anchors/sentences.py).

Layout written (`out_dir` plays the part of `src/app/data/{model}/{solution_type}/` for the page and
of `math_rollouts/{model}/{sampling}/correct_base_solution` for the scripts; copy the
`problem_<id>` folder there and add its name to `availableProblems` in page.js to view it):

    problem_<id>/
      problem.json            {problem, gt_answer, nickname}
      base_solution.json      {solution, full_cot}
      chunks.json             {source_text, solution_text, chunks}
      chunks_labeled.json     one record per sentence, fields as above, plus "parley" (our extras)
      chunks_resampled.json   {"k": [regenerated first sentences at position k]}
      chunk_texts.json        [{chunk, chunk_idx, function_tags, depends_on, importance, accuracy}]
      step_importance.json    M[i][j] (effect of i on j) for j > i, missing entries left out
      summary.json            {problem_idx, num_chunks, avg/max/min_importance, top_*_steps}
      chunk_<k>/solutions.json  [{chunk_removed, prefix_without_chunk, chunk_resampled, rollout,
                                  full_cot, answer, is_correct}] for k < N
    <out_dir>_forced_answer/problem_<id>/   (beside out_dir, the scripts' forced-answer tree)
      problem.json, base_solution.json, chunks.json, chunk_<k>/solutions.json (the forced answers)

With these, analyze_rollouts.py (`-ic out_dir -icf out_dir_forced_answer`) and step_attribution.py
recompute our numbers from the files, except where the two differ by design: the last sentence
(they have no position after it and write 0.0; we sample there), values we cannot measure (null
here, 0.0 there), and answers they normalize further (their normalize_latex also drops spaces and
case inside an answer).

Fields we cannot fill: `function_tags` (LLM-labelled in the paper) is ["unknown"], their own
fallback, because the page needs a string at index 0; `depends_on` is []; `summary` (an LLM
2-4 word summary there) is the sentence's first words; problem.json has no level / type /
gt_solution; base_solution.json has no prompt / answer / is_correct (we do not know the base
CoT's own answer, only the reference `answer`, written as gt_answer); `full_cot` is the exact
text the model continued (our prompt, the chain up to the sentence) plus the rollout; a rollout
with no answer gets `answer: ""` (their convention) and unknown correctness `is_correct: null`,
which their accuracy counts skip; `step_importance_supp.json` (attention suppression) is not
written. Metrics we could not compute (None or NaN) are written as null, which the page
tolerates (their code writes 0.0 instead). `chunk_texts.json` `importance` is
resampling_importance_accuracy. Chunk `accuracy` is our accuracy_before (R_i), as in their code.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from backends.core.redaction import redact

# our table key -> their chunks_labeled.json key
_METRICS = {
    "resampling_importance_accuracy": "resampling_accuracy",
    "resampling_importance_kl": "resampling_kl",
    "counterfactual_importance_accuracy": "counterfactual_accuracy",
    "counterfactual_importance_kl": "counterfactual_kl",
    "forced_importance_accuracy": "forced_accuracy",
    "forced_importance_kl": "forced_kl",
    "different_trajectories_fraction": "different_trajectories_fraction",
    "overdeterminedness": "overdeterminedness",
}
_UNKNOWN_TAGS = ["unknown"]


def _clean(value):
    """JSON-safe copy: NaN/inf -> None (the page's JSON import rejects NaN), numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def _number(value) -> float | None:
    value = _clean(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(redact(_clean(data), text_tokens=True), indent=2, allow_nan=False), encoding="utf-8")
    return path


def _folder_name(problem_id: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(problem_id)).strip(".") or "0"
    return f"problem_{name}"


def _first_words(text: str, n: int) -> str:
    return " ".join(str(text).split()[:n])


def export_thought_anchors(out_dir: Path, *, problem_id: str, question: str, cot: str, sentences: list[str],
                           answer: str | None, table: list[dict], rollouts: list[dict],
                           matrix: list[list[float | None]] | None) -> list[Path]:
    """Write `out_dir/problem_<id>/` in the Thought Anchors layout; returns the written paths."""
    folder = Path(out_dir) / _folder_name(problem_id)
    n = len(sentences)
    problem_idx = int(problem_id) if str(problem_id).isdigit() else str(problem_id)
    written: list[Path] = []

    nickname = _first_words(question, 4) or f"problem {problem_id}"
    written.append(_write(folder / "problem.json", {"problem": question, "gt_answer": answer, "nickname": nickname}))
    written.append(_write(folder / "base_solution.json", {"solution": cot, "full_cot": cot}))
    written.append(_write(folder / "chunks.json", {"source_text": cot, "solution_text": cot, "chunks": list(sentences)}))

    # chunks_labeled.json: one record per sentence, in their key order, our extras under "parley"
    chunks = []
    for row in sorted(table, key=lambda r: r["index"]):
        idx = int(row["index"])
        text = sentences[idx] if 0 <= idx < n else row.get("text", "")
        record = {"chunk": text, "chunk_idx": idx, "function_tags": list(_UNKNOWN_TAGS), "depends_on": [],
                  "accuracy": _number(row.get("accuracy_before"))}
        record.update({theirs: _number(row.get(ours)) for theirs, ours in _METRICS.items()})
        record["summary"] = _first_words(text, 6)
        extras = {k: v for k, v in row.items() if k not in ("index", "text", *_METRICS.values())}
        record["parley"] = _clean(extras)
        chunks.append(record)
    written.append(_write(folder / "chunks_labeled.json", chunks))

    # chunk_texts.json (step_attribution.py): chunk records with importance and accuracy
    chunk_texts = [{"chunk": c["chunk"], "chunk_idx": c["chunk_idx"], "function_tags": c["function_tags"],
                    "depends_on": c["depends_on"], "importance": c["resampling_importance_accuracy"],
                    "accuracy": c["accuracy"]} for c in chunks]
    written.append(_write(folder / "chunk_texts.json", chunk_texts))

    # step_importance.json: M[i][j] for j > i; missing (None/NaN) entries left out
    def cell(i: int, j: int) -> float | None:
        if not matrix or i >= len(matrix) or matrix[i] is None or j >= len(matrix[i]):
            return None
        return _number(matrix[i][j])

    steps, scores, outgoing, incoming = [], [], [], []
    for i in range(n):
        impacts = [{"target_chunk_idx": j, "importance_score": cell(i, j)} for j in range(i + 1, n)
                   if cell(i, j) is not None]
        scores += [t["importance_score"] for t in impacts]
        steps.append({"source_chunk_idx": i, "source_chunk_text": sentences[i], "target_impacts": impacts})
        outs = [t["importance_score"] for t in impacts]
        ins = [cell(k, i) for k in range(i) if cell(k, i) is not None]
        outgoing.append(sum(outs) / len(outs) if outs else 0.0)
        incoming.append(sum(ins) / len(ins) if ins else 0.0)
    written.append(_write(folder / "step_importance.json", steps))

    by_idx = {c["chunk_idx"]: c for c in chunk_texts}

    def top(values: list[float], key: str) -> list[dict]:
        order = sorted(range(n), key=lambda k: -values[k])[:5]
        return [{"step_idx": k, "step_text": by_idx.get(k, {"chunk": sentences[k], "chunk_idx": k}), key: values[k]}
                for k in order if values[k] > 0]

    written.append(_write(folder / "summary.json", {
        "problem_idx": problem_idx, "num_chunks": n,
        "avg_importance": sum(scores) / len(scores) if scores else None,
        "max_importance": max(scores) if scores else None,
        "min_importance": min(scores) if scores else None,
        "top_influential_steps": top(outgoing, "avg_outgoing_importance"),
        "top_dependent_steps": top(incoming, "avg_incoming_importance"),
    }))

    # chunk_<k>/solutions.json and chunks_resampled.json: position k = rollouts with sentence k regenerated
    resampled: dict[str, list[str]] = {}
    solution_files: list[Path] = []
    forced_positions = []
    for position in sorted(rollouts, key=lambda p: p["position"]):
        k = int(position["position"])
        if not 0 <= k < n:
            continue  # position N starts after the last sentence: no chunk to resample
        cot_prefix = position.get("cot_prefix", " ".join(sentences[:k]))
        records = []
        for r in position.get("rollouts", []):
            first, text = r.get("first_sentence") or "", r.get("text") or ""
            full = position["prefix"] + text if "prefix" in position else f"{cot_prefix} {text}".strip()
            records.append(_record(sentences[k], cot_prefix, first, text, full, r))
            if first.strip():
                resampled.setdefault(str(k), []).append(first)
        solution_files.append(_write(folder / f"chunk_{k}" / "solutions.json", records))
        if position.get("forced"):
            forced_positions.append((k, cot_prefix, position))
    written.append(_write(folder / "chunks_resampled.json", resampled))
    written.extend(solution_files)

    # the forced answers, in the scripts' separate tree beside out_dir
    if forced_positions:
        forced = forced_dir(out_dir) / folder.name
        for name in ("problem.json", "base_solution.json", "chunks.json"):
            written.append(_write(forced / name, json.loads((folder / name).read_text(encoding="utf-8"))))
        for k, cot_prefix, position in forced_positions:
            records = [_record(sentences[k], cot_prefix, (f.get("text") or "").strip(), f.get("text") or "",
                               position.get("forced_prefix", "") + (f.get("text") or ""), f)
                       for f in position["forced"]]
            written.append(_write(forced / f"chunk_{k}" / "solutions.json", records))
    return written


def forced_dir(out_dir: Path) -> Path:
    """Where the forced answers go: `<out_dir>_forced_answer`, beside out_dir, as the scripts lay it out."""
    out = Path(out_dir).expanduser()
    out = out if out.name not in ("", ".", "..") else out.resolve()
    return out.parent / f"{out.name or 'export'}_forced_answer"


def _record(removed: str, cot_prefix: str, first: str, text: str, full: str, r: dict) -> dict:
    """One rollout as generate_rollouts.py writes it (no answer: "" and is_correct null)."""
    return {"chunk_removed": removed, "prefix_without_chunk": cot_prefix.strip(), "chunk_resampled": first,
            "rollout": text, "full_cot": full, "answer": "" if r.get("answer") is None else str(r["answer"]),
            "is_correct": r.get("correct")}


def export_run(out_dir: Path, run, *, question: str | None, table: list[dict], matrix, problem_id: str = "parley"
               ) -> list[Path]:
    """Export a `thought_anchors.ImportanceRun`: its rollouts with the exact text each continued."""
    from backends.thought_anchors.resampling import answer_cue, prefixes

    texts, reference = prefixes(run.prompt, run.split), run.reference

    def correct(answer):
        return None if answer is None or reference is None else answer == reference

    positions = []
    for p, pos in enumerate(run.state["positions"]):
        forced_texts = pos.get("forced_texts") or [None] * len(pos["forced"])
        positions.append({
            "position": p, "prefix": texts[p], "cot_prefix": texts[p][len(run.prompt):],
            "forced_prefix": texts[p] + answer_cue(texts[p]),
            "rollouts": [{"text": t, "first_sentence": f, "answer": a, "correct": correct(a), "similarity": s}
                         for t, f, a, s in zip(pos["texts"], pos["first_sentences"], pos["answers"], pos["similarity"])],
            "forced": [{"text": t or "", "answer": a, "correct": correct(a)} for a, t in zip(pos["forced"], forced_texts)]
            if run.settings.forced else [],
        })
    return export_thought_anchors(out_dir, problem_id=problem_id, question=question or "", cot=run.split.text,
                                  sentences=run.sentences, answer=reference, table=table, rollouts=positions,
                                  matrix=matrix)
