"""resample_importance and sentence_alternatives through the registry and the real CLI."""

import json

import pytest

from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import parley_here, run_parley
from tools import run_tool

COT = "First, 17 plus 20 is 37. Then 37 plus 5 is 42. So the total is 42. The answer is \\boxed{42}."
PENS = "A shop sells pens at 3 dollars each. How much do 7 pens cost?"


@pytest.mark.parametrize("args, field, words", [
    ({"cot": "   ", "question": "q"}, "cot", "empty"),
    ({"cot": COT, "question": "q", "rollouts": 0}, "rollouts", ">= 1 and <= 1000"),
    ({"cot": COT, "question": "q", "rollouts": 5000}, "rollouts", ">= 1 and <= 1000"),
    ({"cot": COT, "question": "q", "extractor": "vibes"}, "extractor", "allowed: boxed, last_number"),
    ({"cot": COT}, "question", "needed"),
])
def test_bad_input_is_exit_2_with_a_one_line_message(args, field, words):
    out = parley_here("tool", "resample_importance", "--args", json.dumps(args))
    assert out.returncode == 2, out.stderr
    error = json.loads(out.stdout)["error"]
    assert error["field"] == field and words in error["message"] and "\n" not in error["message"]


def test_a_stopped_run_is_partial_and_resuming_finishes_it(tiny):
    args = {"cot": COT, "question": "What is 17 + 25?", "model": "tiny-random", "rollouts": 4, "round_size": 2,
            "max_new_tokens": 8, "adaptive": False}
    seen = []
    stopped = run_tool("resample_importance", args, progress=lambda d, t, n: seen.append(d), should_stop=lambda: len(seen) >= 3)
    assert stopped.status == "partial" and "Partial" in stopped.summary
    run = RunStore(get_settings().runs_dir).get(stopped.run_id)
    assert run.checkpoint and 0 < stopped.result["rollouts_used"] < 4 * 5
    resumed = run_tool("", resume=stopped.run_id)
    assert resumed.status == "complete" and resumed.result["rollouts_used"] == 4 * 5
    assert resumed.result["fixed_budget"] == 20 and len(resumed.result["rows"]) == 4


def test_sentence_alternatives_lists_what_else_was_said(tiny):
    out = run_tool("sentence_alternatives", {"cot": COT, "question": "What is 17 + 25?", "model": "tiny-random",
                                             "sentence": 1, "rollouts": 6, "max_new_tokens": 12})
    assert out.result["original"] == "Then 37 plus 5 is 42."
    assert sum(a["count"] for a in out.result["alternatives"]) == 6
    with pytest.raises(Exception, match="sentence: 9 is out of range; allowed 0 to 3"):
        run_tool("sentence_alternatives", {"cot": COT, "question": "q", "model": "tiny-random", "sentence": 9})


@pytest.mark.embedded
@pytest.mark.timeout(900)
def test_six_sentences_from_the_embedded_model_end_to_end_through_the_cli(smol):
    made = json.loads(run_parley("tool", "generate_cot", "--args",
                                 json.dumps({"question": PENS, "seed": 1, "max_new_tokens": 128})).stdout)
    assert made["result"]["n_sentences"] == 6
    out = run_parley("tool", "resample_importance", "--args", json.dumps({
        "cot_run": made["run_id"], "answer": "21", "extractor": "last_number", "rollouts": 4, "round_size": 4,
        "adaptive": False, "max_new_tokens": 48}), timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout)
    assert answer["ok"] and answer["status"] == "complete"
    assert len(answer["result"]["rows"]) == 6 and answer["result"]["rollouts_used"] == 4 * 7
    assert answer["result"]["accuracy_against"] == "correct answer"
    assert "Thought Anchors importance for 6 sentences" in answer["summary"]
    run = RunStore(get_settings().runs_dir).get(answer["run_id"])
    assert len(run.results["matrix"]) == 6 and run.meta["plot"]["kind"] == "bar"


def test_export_writes_the_thought_anchors_layout(tiny, tmp_path):
    out = run_tool("resample_importance", {"cot": COT, "question": "What is 17 + 25?", "model": "tiny-random",
                                           "rollouts": 2, "max_new_tokens": 6, "adaptive": False,
                                           "export_dir": str(tmp_path)})
    folder = tmp_path / "problem_parley"
    chunks = json.loads((folder / "chunks_labeled.json").read_text())
    assert [c["chunk_idx"] for c in chunks] == [0, 1, 2, 3]
    assert chunks[1]["chunk"] == "Then 37 plus 5 is 42."
    rows = {r["index"]: r for r in out.result["rows"]}
    assert chunks[2]["different_trajectories_fraction"] == pytest.approx(rows[2]["different_trajectories_fraction"])
    assert set(chunks[0]) >= {"resampling_importance_accuracy", "counterfactual_importance_kl", "forced_importance_kl",
                              "overdeterminedness", "function_tags", "depends_on"}
    steps = json.loads((folder / "step_importance.json").read_text())
    assert steps[0]["source_chunk_idx"] == 0 and [t["target_chunk_idx"] for t in steps[0]["target_impacts"]] == [1, 2, 3]
    solutions = json.loads((folder / "chunk_1" / "solutions.json").read_text())
    assert len(solutions) == 2 and set(solutions[0]) == {"chunk_removed", "prefix_without_chunk", "chunk_resampled",
                                                         "rollout", "full_cot", "answer", "is_correct"}
    assert solutions[0]["chunk_removed"] == "Then 37 plus 5 is 42." and solutions[0]["full_cot"].endswith(solutions[0]["rollout"])
    assert json.loads((folder / "problem.json").read_text())["gt_answer"] == "42"
    forced = tmp_path.parent / f"{tmp_path.name}_forced_answer" / "problem_parley"  # the scripts' -icf tree, beside it
    assert len(json.loads((forced / "chunk_1" / "solutions.json").read_text())) == 2
    assert f"forced answers in {forced.parent}" in out.summary and "matrix_note" in out.result


def test_the_default_system_prompt_shows_the_form_without_a_placeholder_to_copy():
    from backends.thought_anchors.answers import boxed_answer
    from tools.inputs import DEFAULT_COT_SYSTEM

    assert "\\boxed{}" in DEFAULT_COT_SYSTEM and boxed_answer(DEFAULT_COT_SYSTEM) is None
    assert "{answer}" not in DEFAULT_COT_SYSTEM


def test_a_sampler_server_in_settings_serves_the_same_tool(tiny, monkeypatch):
    from tests.backends.completions_server import CompletionsServer

    with CompletionsServer() as server:
        monkeypatch.setenv("PARLEY_SAMPLER_BASE_URL", server.base_url)
        monkeypatch.setenv("PARLEY_SAMPLER_MODEL", "served-model")
        out = run_tool("resample_importance", {"cot": COT, "question": "What is 17 + 25?", "model": "tiny-random",
                                               "rollouts": 2, "max_new_tokens": 6, "adaptive": False, "forced": False})
    assert out.result["rollouts_used"] == 2 * 5
    assert {r["json"]["model"] for r in server.requests} == {"served-model"}
    assert RunStore(get_settings().runs_dir).get(out.run_id).results["sampler"] == "remote:served-model"


def test_the_judge_extractor_asks_the_configured_llm(tiny, monkeypatch):
    from tests.agent.loopback import OpenAIServer, Text

    with OpenAIServer([Text("42")] * 40) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-0123456789")
        monkeypatch.setenv("PARLEY_PROVIDER", "openai")
        monkeypatch.setenv("PARLEY_OPENAI_BASE_URL", server.base_url)
        out = run_tool("resample_importance", {"cot": COT, "question": "What is 17 + 25?", "model": "tiny-random",
                                               "rollouts": 2, "max_new_tokens": 6, "adaptive": False, "forced": False,
                                               "extractor": "judge"})
        judged = len(server.requests)
    assert out.result["reference"] == "42" and judged == 1 + 2 * 5  # the original, then every rollout
    assert all(row["n_no_answer"] == 0 for row in out.result["rows"])
    assert "answer only" in server.requests[0]["json"]["messages"][0]["content"]


def test_the_judge_offline_is_a_clear_error():
    out = run_parley("tool", "resample_importance", "--args", json.dumps({"cot": COT, "question": "q", "extractor": "judge"}),
                     env={"PARLEY_PROVIDER": "offline"})
    assert out.returncode == 2 and "judge needs an LLM provider" in json.loads(out.stdout)["error"]["message"]
