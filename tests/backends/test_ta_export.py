"""The Thought Anchors export writes the visualizer's files with their field names and our values."""

from __future__ import annotations

import json
import math

import pytest

from backends.thought_anchors.export import export_thought_anchors

SENTENCES = ["First add 17 and 20.", "That gives 37.", "Then 37 plus 5 is 42."]
LABELED_KEYS = ["chunk", "chunk_idx", "function_tags", "depends_on", "accuracy",
                "resampling_importance_accuracy", "resampling_importance_kl",
                "counterfactual_importance_accuracy", "counterfactual_importance_kl",
                "forced_importance_accuracy", "forced_importance_kl",
                "different_trajectories_fraction", "overdeterminedness", "summary"]


def _row(i: int) -> dict:
    return {
        "index": i, "text": SENTENCES[i],
        "resampling_accuracy": 0.1 * (i + 1), "resampling_accuracy_low": 0.0, "resampling_accuracy_high": 0.5,
        "resampling_kl": 0.2 + i, "counterfactual_accuracy": -0.3 + i * 0.25, "counterfactual_kl": 0.4 * (i + 1),
        "forced_accuracy": None if i == 2 else 0.05 * i, "forced_kl": float("nan") if i == 2 else 0.01,
        "different_trajectories_fraction": 0.5 - 0.1 * i, "overdeterminedness": 0.25 * i,
        "accuracy_before": 0.6 + 0.1 * i, "accuracy_after": 0.7 + 0.1 * i, "n_rollouts": 4, "n_no_answer": i % 2,
    }


def _rollouts() -> list[dict]:
    positions = []
    for p in range(len(SENTENCES) + 1):
        positions.append({"position": p, "prefix_sentence": p, "rollouts": [
            {"text": f"Alt {p}a. So 42.", "first_sentence": f"Alt {p}a.", "answer": "42", "correct": True, "similarity": 0.3},
            {"text": f"{SENTENCES[p] if p < 3 else 'Done.'} So 41.", "first_sentence": SENTENCES[p] if p < 3 else "Done.",
             "answer": "41", "correct": False, "similarity": 1.0},
            {"text": "No answer here", "first_sentence": "", "answer": None, "correct": None, "similarity": None},
        ]})
    return positions


MATRIX = [[None, 0.5, -0.25], [0.9, None, None], [0.1, 0.2, None]]


@pytest.fixture
def exported(tmp_path):
    table = [_row(i) for i in range(3)]
    paths = export_thought_anchors(tmp_path, problem_id="7", question="What is 17 + 25 in total?",
                                   cot=" ".join(SENTENCES), sentences=SENTENCES, answer="42", table=table,
                                   rollouts=_rollouts(), matrix=MATRIX)
    return tmp_path / "problem_7", paths, table


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_written_file_is_strict_json_in_the_problem_folder(exported):
    folder, paths, _ = exported
    assert all(p.exists() and p.is_relative_to(folder) for p in paths)
    names = {p.relative_to(folder).as_posix() for p in paths}
    assert names == {"problem.json", "base_solution.json", "chunks.json", "chunks_labeled.json", "chunk_texts.json",
                     "step_importance.json", "summary.json", "chunks_resampled.json",
                     "chunk_0/solutions.json", "chunk_1/solutions.json", "chunk_2/solutions.json"}
    for p in paths:
        text = p.read_text(encoding="utf-8")
        assert "NaN" not in text and "Infinity" not in text
        json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in {p}"))
        assert text.startswith(("{\n", "[\n", "[]", "{}"))  # indented


def test_chunks_labeled_maps_our_metrics_to_their_fields(exported):
    folder, _, table = exported
    chunks = _load(folder / "chunks_labeled.json")
    assert [c["chunk_idx"] for c in chunks] == [0, 1, 2]
    for chunk, row in zip(chunks, table):
        assert list(chunk)[: len(LABELED_KEYS)] == LABELED_KEYS
        assert chunk["chunk"] == SENTENCES[row["index"]]
        assert chunk["resampling_importance_accuracy"] == pytest.approx(row["resampling_accuracy"])
        assert chunk["resampling_importance_kl"] == pytest.approx(row["resampling_kl"])
        assert chunk["counterfactual_importance_accuracy"] == pytest.approx(row["counterfactual_accuracy"])
        assert chunk["counterfactual_importance_kl"] == pytest.approx(row["counterfactual_kl"])
        assert chunk["different_trajectories_fraction"] == pytest.approx(row["different_trajectories_fraction"])
        assert chunk["overdeterminedness"] == pytest.approx(row["overdeterminedness"])
        assert chunk["accuracy"] == pytest.approx(row["accuracy_before"])  # their accuracy: chunk_i's rollouts (R_i)
        # the page reads function_tags[0] as a string; depends_on is a list
        assert chunk["function_tags"] == ["unknown"] and chunk["depends_on"] == []
        assert isinstance(chunk["summary"], str) and chunk["summary"]
        assert chunk["parley"]["accuracy_after"] == pytest.approx(row["accuracy_after"])
        assert chunk["parley"]["n_rollouts"] == 4
    assert chunks[1]["forced_importance_accuracy"] == pytest.approx(0.05)
    assert chunks[2]["forced_importance_accuracy"] is None and chunks[2]["forced_importance_kl"] is None  # None, NaN


def test_step_importance_keeps_j_after_i_and_skips_missing(exported):
    folder, _, _ = exported
    steps = _load(folder / "step_importance.json")
    assert [s["source_chunk_idx"] for s in steps] == [0, 1, 2]
    assert [s["source_chunk_text"] for s in steps] == SENTENCES
    assert steps[0]["target_impacts"] == [{"target_chunk_idx": 1, "importance_score": 0.5},
                                          {"target_chunk_idx": 2, "importance_score": -0.25}]
    assert steps[1]["target_impacts"] == [] and steps[2]["target_impacts"] == []  # M[1][2] None; j <= i dropped
    summary = _load(folder / "summary.json")
    assert summary["problem_idx"] == 7 and summary["num_chunks"] == 3
    assert summary["avg_importance"] == pytest.approx(0.125)
    assert summary["max_importance"] == 0.5 and summary["min_importance"] == -0.25
    assert [s["step_idx"] for s in summary["top_influential_steps"]] == [0]
    assert summary["top_influential_steps"][0]["step_text"]["chunk_idx"] == 0


def test_resampled_solutions_per_chunk(exported):
    folder, _, _ = exported
    for k in range(3):
        solutions = _load(folder / f"chunk_{k}" / "solutions.json")
        assert len(solutions) == 3
        assert list(solutions[0]) == ["chunk_removed", "prefix_without_chunk", "chunk_resampled", "rollout", "full_cot",
                                      "answer", "is_correct"]  # generate_rollouts.py's record
        assert solutions[0] == {"chunk_removed": SENTENCES[k], "prefix_without_chunk": " ".join(SENTENCES[:k]),
                                "chunk_resampled": f"Alt {k}a.", "rollout": f"Alt {k}a. So 42.", "is_correct": True,
                                "answer": "42", "full_cot": " ".join([*SENTENCES[:k], f"Alt {k}a. So 42."])}
        assert solutions[1]["is_correct"] is False and solutions[1]["chunk_resampled"] == SENTENCES[k]
        assert solutions[2]["answer"] == "" and solutions[2]["is_correct"] is None  # their "no answer" convention
    assert not (folder / "chunk_3").exists()  # position N has no chunk
    resampled = _load(folder / "chunks_resampled.json")
    assert resampled == {str(k): [f"Alt {k}a.", SENTENCES[k]] for k in range(3)}


def test_problem_and_text_files(exported):
    folder, _, _ = exported
    problem = _load(folder / "problem.json")
    assert problem["problem"] == "What is 17 + 25 in total?" and problem["gt_answer"] == "42"
    assert isinstance(problem["nickname"], str) and problem["nickname"]
    assert _load(folder / "chunks.json")["chunks"] == SENTENCES
    assert _load(folder / "base_solution.json")["solution"] == " ".join(SENTENCES)
    texts = _load(folder / "chunk_texts.json")
    assert [t["chunk_idx"] for t in texts] == [0, 1, 2] and texts[1]["chunk"] == SENTENCES[1]
    assert texts[1]["importance"] == pytest.approx(0.2) and texts[1]["accuracy"] == pytest.approx(0.7)


def test_no_matrix_still_writes_a_loadable_step_importance(tmp_path):
    table = [_row(i) for i in range(3)]
    for row in table:
        row["counterfactual_kl"] = math.nan
    export_thought_anchors(tmp_path, problem_id="parley", question="", cot="", sentences=SENTENCES, answer=None,
                           table=table, rollouts=[], matrix=None)
    folder = tmp_path / "problem_parley"
    steps = _load(folder / "step_importance.json")
    assert [s["target_impacts"] for s in steps] == [[], [], []]
    summary = _load(folder / "summary.json")
    assert summary["problem_idx"] == "parley" and summary["avg_importance"] is None
    assert all(c["counterfactual_importance_kl"] is None for c in _load(folder / "chunks_labeled.json"))
    assert _load(folder / "problem.json")["nickname"]  # the page indexes nickname[0]
    assert _load(folder / "chunks_resampled.json") == {}
