"""The paper's own analysis, run on Parley's export, reproduces Parley's importance table and matrix.

A real experiment (ImportanceRun with the real MiniLM embedder) is sampled from a scripted model
whose answers depend on which original sentences the prefix holds; it is exported, and the
reference code of interp-reasoning/thought-anchors (tests/backends/reference_ta.py, verbatim
copies) reads the export the way its scripts do: analyze_rollouts.py's `analyze_problem` with the
forced-answer tree (`-icf`), and step_attribution.py's `compute_step_importance_matrix`.

Deliberate differences, asserted as such: the reference has no position after the last sentence,
so it writes 0.0 for every metric of the last sentence; and it writes 0.0 where Parley writes
null (nothing to measure).
"""

from __future__ import annotations

import json
import random
import shutil

import pytest

from backends.thought_anchors.answers import boxed_answer
from backends.subject.sampling import Rollout
from backends.thought_anchors.export import export_run, forced_dir
from backends.thought_anchors.resampling import ANSWER_CUE, ImportanceRun, Settings
from tests.backends import reference_ta as ref

SENTENCES = [
    "First I list the prices of the pens and the pencils.",
    "A pen costs 6 dollars and there are 7 pens in the bag.",
    "So the pens cost 6 times 7, which is 42 dollars.",
    "I check the multiplication once more to be sure.",
    "The total cost of the pens is 42 dollars.",
]
COT = " ".join(SENTENCES) + " The answer is \\boxed{42}."  # 6 sentences: the last states the answer
PROMPT = "<|user|>How much do 7 pens at 6 dollars cost?<|assistant|><think>\n"  # a template that opens <think>
DETOURS = ["Let me think about the weather in Paris today.", "Maybe I should draw a picture of a cat first.",
           "Honestly this reminds me of my old school days."]
METRICS = {  # their chunks_labeled.json key -> our table key
    "resampling_importance_accuracy": "resampling_accuracy", "resampling_importance_kl": "resampling_kl",
    "counterfactual_importance_accuracy": "counterfactual_accuracy", "counterfactual_importance_kl": "counterfactual_kl",
    "forced_importance_accuracy": "forced_accuracy", "forced_importance_kl": "forced_kl",
    "different_trajectories_fraction": "different_trajectories_fraction", "overdeterminedness": "overdeterminedness",
    "accuracy": "accuracy_before",
}


class ScriptedModel:
    """The answer is 42 more often the more of sentences 1-2 the prefix holds; a rollout says the next
    original sentence again or a detour, then some later originals, then an answer, none, or the
    template's placeholder. Every text ends in a newline, so both sentence splitters see the same
    sentences (the reference drops an unterminated last piece; see the matrix test below)."""

    name = "scripted"

    def sample(self, prefix, n, params, **kwargs):
        rng = random.Random(params.seed)
        forced = prefix.endswith(ANSWER_CUE)
        body = prefix.removesuffix(ANSWER_CUE).removesuffix("\n</think>")
        k = sum(s in body for s in SENTENCES) + ("\\boxed{42}" in body)  # the position
        p42 = 0.25 + 0.3 * (SENTENCES[1] in body) + 0.35 * (SENTENCES[2] in body)
        out = []
        for _ in range(n):
            answer = rng.choice(["42", "\\frac{84}{2}"]) if rng.random() < p42 else rng.choice(["41", "48"])
            if forced:
                out.append(Rollout(rng.choice([answer, answer, "answer"]), 1, "stop"))
                continue
            if k >= len(SENTENCES) + 1:  # after the whole chain: it ended on its own
                out.append(Rollout(rng.choice(["", "", f"Indeed \\boxed{{{answer}}} it is.\n"]), 1, "eos"))
                continue
            first = SENTENCES[k] if k < len(SENTENCES) and rng.random() < 0.45 else rng.choice(DETOURS)
            later = [s for s in SENTENCES[k + 1:] if rng.random() < (0.8 if SENTENCES[1] in body else 0.3)]
            end = rng.choices([f"The answer is \\boxed{{{answer}}}.", "I am not sure yet.", "So \\boxed{answer}."],
                              weights=[6, 1, 1])[0]
            out.append(Rollout(" ".join([first, *later, end]) + "\n", 20, "eos"))
        return out


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    run = ImportanceRun(ScriptedModel(), PROMPT, COT, boxed_answer, "42",
                        Settings(rollouts=10, round_size=10, adaptive=False, n_boot=20, seed=3))
    assert run.n == 6 and run.advance()
    out = tmp_path_factory.mktemp("export") / "correct_base_solution"
    table, matrix = run.table(), run.matrix()
    export_run(out, run, question="How much do 7 pens at 6 dollars cost?", table=table, matrix=matrix)
    return run, table, matrix, out


@pytest.fixture(scope="module")
def embedder():
    from backends.subject.embedder import load_embedder

    model = load_embedder()
    ref.embedding_model_cache["all-MiniLM-L6-v2"] = model  # the reference's default --sentence_model
    return model


def _theirs(value):
    return 0.0 if value is None else value  # they write 0.0 where nothing can be measured


def test_the_reference_analysis_reproduces_the_importance_table(experiment, embedder, tmp_path):
    run, table, _, out = experiment
    # their script rewrites chunks_labeled.json: run it on a copy laid out as its -ic / -icf arguments
    ic, icf = tmp_path / "correct_base_solution", tmp_path / "correct_base_solution_forced_answer"
    shutil.copytree(out, ic)
    shutil.copytree(forced_dir(out), icf)
    result = ref.analyze_problem(ic / "problem_parley", forced_answer_dir=icf, sentence_model="all-MiniLM-L6-v2",
                                 similarity_threshold=0.8)
    chunks = {c["chunk_idx"]: c for c in result["labeled_chunks"]}
    assert sorted(chunks) == list(range(run.n))
    ours = {r["index"]: r for r in table}
    compared = 0
    for i in range(run.n - 1):
        for theirs, key in METRICS.items():
            assert chunks[i][theirs] == pytest.approx(_theirs(ours[i][key]), abs=1e-9), (i, theirs)
            compared += ours[i][key] is not None
    # the run exercises what used to differ: dissimilar and similar resamples, rollouts without an answer or
    # with a placeholder, forced answers, equal answers written apart (\frac{84}{2} is 42)
    assert compared >= 0.9 * (run.n - 1) * len(METRICS)
    assert all(0 < ours[i]["different_trajectories_fraction"] < 1 for i in range(run.n - 1))
    assert sum(r["n_no_answer"] for r in table) > 0 and any(r["forced_kl"] for r in table)
    assert any(r["counterfactual_kl"] for r in table)
    # the last sentence: they have no position after it and write 0.0; we measured it
    last = chunks[run.n - 1]
    assert all(last[m] == 0.0 for m in METRICS if m != "accuracy")
    assert ours[run.n - 1]["resampling_accuracy"] is not None
    assert last["accuracy"] == pytest.approx(ours[run.n - 1]["accuracy_before"], abs=1e-9)


def test_the_reference_step_attribution_reproduces_the_matrix(experiment, embedder, tmp_path):
    run, _, matrix, out = experiment
    theirs, _ = ref.compute_step_importance_matrix(out / "problem_parley", embedder, similarity_threshold=0.8,
                                                   use_cache=False, output_dir=tmp_path)
    cells = [(i, j) for i in range(run.n - 1) for j in range(i + 1, run.n)]
    for i, j in cells:
        assert theirs[i][j] == pytest.approx(matrix[i][j], abs=1e-9), (i, j)
    assert sum(abs(matrix[i][j]) > 0 for i, j in cells) >= 5  # not a matrix of zeros


def test_without_the_new_fields_the_reference_gets_it_wrong(experiment, embedder, tmp_path):
    """Why the fields are written: without `chunk_removed` every resample is 'different'; without
    `rollout` the step matrix is all zeros; without the forced tree the forced metrics are not recomputed."""
    run, table, _, out = experiment
    folder = tmp_path / "problem_parley"
    shutil.copytree(out / "problem_parley", folder)
    for k in range(run.n):
        path = folder / f"chunk_{k}" / "solutions.json"
        records = json.loads(path.read_text())
        path.write_text(json.dumps([{key: v for key, v in r.items() if key not in ("chunk_removed", "rollout")}
                                    for r in records]))
    result = ref.analyze_problem(folder, forced_answer_dir=None, sentence_model="all-MiniLM-L6-v2")
    assert all(c["different_trajectories_fraction"] == 1.0 for c in result["labeled_chunks"][:-1])
    assert any(c["different_trajectories_fraction"] != 1.0 for c in table)
    steps, _ = ref.compute_step_importance_matrix(folder, embedder, similarity_threshold=0.8, use_cache=False,
                                                  output_dir=tmp_path)
    assert not steps.any()


def test_the_export_holds_the_reference_records_and_the_closed_forced_cue(experiment):
    run, _, _, out = experiment
    record = json.loads((out / "problem_parley" / "chunk_2" / "solutions.json").read_text())[0]
    assert record["chunk_removed"] == SENTENCES[2]
    assert record["prefix_without_chunk"] == " ".join(SENTENCES[:2])
    assert record["full_cot"] == PROMPT + " ".join(SENTENCES[:2]) + " " + record["rollout"]
    forced = json.loads((forced_dir(out) / "problem_parley" / "chunk_2" / "solutions.json").read_text())
    assert len(forced) == 10 and {r["chunk_removed"] for r in forced} == {SENTENCES[2]}
    # the template opened <think>: the forced answer is cued after closing it, as generate_rollouts.py does
    assert forced[0]["full_cot"].startswith(PROMPT + " ".join(SENTENCES[:2]) + " \n</think>\n\nTherefore, the final "
                                            "answer is \\boxed{")
    assert {r["answer"] for r in forced} <= {"42", "41", "48", ""} and any(r["answer"] == "" for r in forced)
    assert (forced_dir(out) / "problem_parley" / "chunks.json").exists()


def test_the_reference_splitter_drops_an_unterminated_last_piece_ours_keeps_it():
    from backends.thought_anchors.sentences import split_sentences

    text = "First I add the two numbers. Then I box the result \\boxed{42}"
    assert ref.split_solution_into_chunks(text) == ["First I add the two numbers."]
    assert split_sentences(text).texts() == ["First I add the two numbers.", "Then I box the result \\boxed{42}"]
