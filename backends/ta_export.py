"""Export a resampling experiment in the layout the Thought Anchors tools read.

One folder per problem, as in the public math-rollouts dataset card (uzaymacar/math-rollouts
README) and the thought-anchors.com app, which imports `data/{problem}/chunks_labeled.json`,
`step_importance.json`, `summary.json`, `problem.json` and `base_solution.json`:

    problem_<id>/
      problem.json           {"problem", "gt_answer", "nickname", "level", "type", "gt_solution"}
      base_solution.json     {"solution", "answer"}
      chunks_labeled.json    [{"chunk", "chunk_idx", "function_tags", "depends_on", "accuracy",
                               "resampling_importance_accuracy", "resampling_importance_kl",
                               "counterfactual_importance_accuracy", "counterfactual_importance_kl",
                               "forced_importance_accuracy", "forced_importance_kl",
                               "different_trajectories_fraction", "overdeterminedness", "summary"}]
      chunk_texts.json       [sentence, ...]
      step_importance.json   [{"source_chunk_idx", "source_chunk_text",
                               "target_impacts": [{"target_chunk_idx", "importance_score"}]}]   (j > i only,
                               as thought-anchors step_attribution.py writes it)
      summary.json           {"problem_idx", "num_chunks", "avg_importance", "max_importance", "min_importance"}
      chunk_<k>/solutions.json  [{"chunk_resampled", "is_correct", "answer", "full_cot"}]

Fields we do not compute: `function_tags` (an LLM labels them in the paper) and
`depends_on` are empty lists, `summary` is the sentence's first words. `accuracy` is
the accuracy with the chunk kept (R_{i+1}).
"""

from __future__ import annotations

import json
import math
from pathlib import Path


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _finite(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def export_thought_anchors(out_dir: Path, *, problem_id: str, question: str, cot: str, sentences: list[str],
                           answer: str | None, table: list[dict], rollouts: list[dict],
                           matrix: list[list[float | None]] | None) -> list[Path]:
    folder = Path(out_dir) / f"problem_{problem_id}"
    written = [
        _write(folder / "problem.json", {"problem": question, "gt_answer": answer, "nickname": question[:40],
                                         "level": None, "type": None, "gt_solution": None}),
        _write(folder / "base_solution.json", {"solution": cot, "answer": answer}),
        _write(folder / "chunk_texts.json", sentences),
    ]
    chunks = [{
        "chunk": sentences[row["index"]],
        "chunk_idx": row["index"],
        "function_tags": [],
        "depends_on": [],
        "accuracy": row.get("accuracy_after"),
        "resampling_importance_accuracy": row.get("resampling_accuracy"),
        "resampling_importance_kl": row.get("resampling_kl"),
        "counterfactual_importance_accuracy": row.get("counterfactual_accuracy"),
        "counterfactual_importance_kl": row.get("counterfactual_kl"),
        "forced_importance_accuracy": row.get("forced_accuracy"),
        "forced_importance_kl": row.get("forced_kl"),
        "different_trajectories_fraction": row.get("different_trajectories_fraction"),
        "overdeterminedness": row.get("overdeterminedness"),
        "summary": " ".join(sentences[row["index"]].split()[:6]),
    } for row in table]
    written.append(_write(folder / "chunks_labeled.json", chunks))
    steps, scores = [], []
    for i, sentence in enumerate(sentences):
        impacts = []
        for j in range(i + 1, len(sentences)):
            score = _finite(matrix[i][j]) if matrix else None
            if score is not None:
                impacts.append({"target_chunk_idx": j, "importance_score": float(score)})
                scores.append(float(score))
        steps.append({"source_chunk_idx": i, "source_chunk_text": sentence, "target_impacts": impacts})
    written.append(_write(folder / "step_importance.json", steps))
    written.append(_write(folder / "summary.json", {
        "problem_idx": problem_id, "num_chunks": len(sentences),
        "avg_importance": sum(scores) / len(scores) if scores else None,
        "max_importance": max(scores) if scores else None, "min_importance": min(scores) if scores else None,
    }))
    for position in rollouts:
        k = position["position"]
        if k >= len(sentences):
            continue  # after the last sentence: no chunk to resample
        written.append(_write(folder / f"chunk_{k}" / "solutions.json", [
            {"chunk_resampled": r["first_sentence"], "is_correct": r["correct"], "answer": r["answer"], "full_cot": r["text"]}
            for r in position["rollouts"]
        ]))
    return written
