"""build_steering_vector, steer_generate and steering_sweep through the registry and the real CLI."""

import json

import pytest

from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import parley_here, run_parley
from tools import run_tool
from tools.steering import default_layers

pytestmark = pytest.mark.timeout(900)


def test_default_layers_are_six_spread_over_the_middle():
    assert default_layers(30) == [7, 10, 13, 16, 19, 22]
    assert default_layers(4) == [1, 2, 3]


def test_build_then_steer_by_run_id_and_scale_zero_is_identical(tiny, tmp_path):
    built = run_tool("build_steering_vector", {"model": "tiny-random", "layers": [1, 2],
                                               "save_to": str(tmp_path / "eval.pt")})
    assert built.result["layers"] == [1, 2] and built.result["pairs"] == 16
    assert built.plot["kind"] == "bar" and built.plot["x"] == ["L1", "L2"]
    assert (tmp_path / "eval.pt").exists() and (tmp_path / "eval.pt.meta.json").exists()
    same = run_tool("steer_generate", {"model": "tiny-random", "prompt": "Write a function.", "vector_run": built.run_id,
                                       "layers": [1, 2], "scale": 0, "temperature": 0, "max_new_tokens": 8, "samples": 2})
    assert same.result["identical"] is True and same.result["vector_source"] == built.run_id
    moved = run_tool("steer_generate", {"model": "tiny-random", "prompt": "Write a function.",
                                        "vector_file": str(tmp_path / "eval.pt"), "layers": [1], "scale": 300,
                                        "temperature": 0, "max_new_tokens": 8, "samples": 1, "metric": "regex:def"})
    assert moved.result["identical"] is False and set(moved.result["rates"]) == {"unsteered", "steered"}
    assert moved.result["steered"][0]["text"] != moved.result["unsteered"][0]["text"]


def test_steering_starts_at_the_users_message_so_the_templates_own_system_prompt_is_never_steered(tiny):
    import torch

    from backends.subject.interventions import add_to_residual

    prompt = "Write a function."
    out = run_tool("steer_generate", {"model": "tiny-random", "prompt": prompt, "layers": [1], "scale": 300,
                                      "where": "prompt", "temperature": 0, "max_new_tokens": 4, "samples": 1})
    start = out.result["steering_starts_at"]
    text = tiny.chat_prompt(prompt)  # no `system`: the template inserts its own default system prompt
    ids = tiny.tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids
    before = tiny.tokenizer.decode(ids[0, :start])
    assert "You are a helpful AI assistant" in before and before.endswith("user\n") and not out.result["identical"]
    assert tiny.tokenizer.decode(ids[0, start:]).startswith(prompt)
    assert "Prompt steered from token" in out.summary
    delta = {1: 300 * torch.randn(tiny.model.config.hidden_size, generator=torch.Generator().manual_seed(0))}
    with torch.inference_mode():
        plain = tiny.model(input_ids=ids).logits[0]
        with add_to_residual(tiny.model, delta, where="prompt", prompt_len=ids.shape[1], start=start):
            steered = tiny.model(input_ids=ids).logits[0]
    assert torch.equal(plain[:start], steered[:start])  # every position before the user's message: unchanged
    assert not torch.allclose(plain[start], steered[start])


def test_without_a_vector_the_newest_one_for_the_model_is_used_or_one_is_built(tiny):
    first = run_tool("steer_generate", {"model": "tiny-random", "prompt": "Hello", "max_new_tokens": 4, "samples": 1})
    assert first.result["vector_source"] == "built now from the default pairs"
    built = run_tool("build_steering_vector", {"model": "tiny-random"})
    second = run_tool("steer_generate", {"model": "tiny-random", "prompt": "Hello", "max_new_tokens": 4, "samples": 1})
    assert second.result["vector_source"] == built.run_id


@pytest.mark.parametrize("tool, args, field, words", [
    ("steer_generate", {"prompt": "hi", "model": "tiny-random", "layers": [7]}, "layers",
     "layer 7 is out of range; allowed 0 to 3 for tiny-random"),
    ("steer_generate", {"prompt": "hi", "model": "tiny-random", "vector_run": "nope"}, "vector_run", "no run 'nope'"),
    ("steer_generate", {"prompt": "hi", "model": "tiny-random", "vector_file": "/no/such.pt"}, "vector", "no file"),
    ("steer_generate", {"prompt": "hi", "scale": 5000}, "scale", "allowed >= -1000.0 and <= 1000.0"),
    ("steer_generate", {"prompt": "hi", "where": "everywhere"}, "where", "'prompt', 'generated' or 'both'"),
    ("steering_sweep", {"model": "tiny-random", "metric": "vibes"}, "metric", "unknown metric 'vibes'"),
    ("steering_sweep", {"model": "tiny-random", "scales": [1, 2e6]}, "scales", "between -1000 and 1000"),
    ("steering_sweep", {"model": "tiny-random", "controls": 99}, "controls", "allowed >= 0 and <= 16"),
    ("build_steering_vector", {"model": "tiny-random", "pairs": [["a:", " "]]}, "pairs", "pair 0 has an empty prompt"),
    ("build_steering_vector", {"model": "tiny-random", "save_to": "/tmp/v.npy"}, "save_to", "must end in .safetensors"),
])
def test_bad_input_is_exit_2_with_a_one_line_message(tool, args, field, words, tiny):
    out = parley_here("tool", tool, "--args", json.dumps(args))
    assert out.returncode == 2, out.stdout + out.stderr
    error = json.loads(out.stdout)["error"]
    assert error["field"] == field and words in error["message"] and "\n" not in error["message"]


def test_a_stopped_sweep_is_partial_and_resuming_finishes_it(tiny):
    args = {"model": "tiny-random", "prompts": ["Write a function.", "Sort a list."], "layers": [1],
            "scales": [1.0, 50.0], "controls": 1, "samples": 2, "max_new_tokens": 6, "batch": 5, "metric": "regex:a"}
    seen = []
    stopped = run_tool("steering_sweep", args, progress=lambda d, t, n: seen.append(d),
                       should_stop=lambda: len(seen) >= 8)
    assert stopped.status == "partial" and stopped.summary.startswith("Partial")
    assert stopped.summary.endswith(f"Resume: `parley runs resume {stopped.run_id}`.")
    assert 0 < stopped.result["samples_done"] < stopped.result["samples_total"] == 2 * 5 * 2
    assert RunStore(get_settings().runs_dir).get(stopped.run_id).checkpoint
    resumed = run_tool("", resume=stopped.run_id)
    assert resumed.status == "complete" and resumed.result["samples_done"] == 20
    straight = run_tool("steering_sweep", args)
    assert resumed.result["rows"] == straight.result["rows"]


@pytest.mark.embedded
def test_a_sweep_on_the_embedded_model_through_the_cli_returns_its_table_and_plot(smol):
    out = run_parley("tool", "steering_sweep", "--args", json.dumps({
        "layers": [10, 15], "scales": [1, 8], "controls": 1, "samples": 2, "max_new_tokens": 12,
        "prompts": ["Write a Python function that returns the average of a list of numbers."],
        "metric": "regex:```"}), timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    rows = data["result"]["rows"]
    assert [(r["layers"], r["scale"]) for r in rows] == [([10], 1.0), ([10], 8.0), ([15], 1.0), ([15], 8.0)]
    assert all(r["steered"]["n"] == 2 and r["control"]["n"] == 2 for r in rows)
    assert all(r["verdict"] in ("above controls", "below controls", "within controls") for r in rows)
    assert data["result"]["samples_done"] == data["result"]["samples_total"] == 2 * (1 + 4 * 2)  # one batch
    plot = data["plot"]
    assert plot["kind"] == "line" and {s["name"] for s in plot["series"]} == {"vector L10", "random L10",
                                                                              "vector L15", "random L15"}
    assert all(s["x"] == [1, 8] and len(s["low"]) == 2 for s in plot["series"])
    assert "Steering sweep on smollm2-135m" in data["summary"] and "random" in data["summary"]


def test_the_judge_metric_asks_the_configured_llm_and_counts_unreadable_replies_apart(tiny, monkeypatch):
    from tests.agent.loopback import OpenAIServer, Text

    with OpenAIServer([Text("YES"), Text("NO"), Text("Perhaps."), Text("yes.")]) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-0123456789")
        monkeypatch.setenv("PARLEY_PROVIDER", "openai")
        monkeypatch.setenv("PARLEY_OPENAI_BASE_URL", server.base_url)
        out = run_tool("steer_generate", {"model": "tiny-random", "prompt": "Say hello.", "samples": 2,
                                          "max_new_tokens": 4, "metric": "judge:Is the reply polite?"})
    assert [r["score"] for r in out.result["unsteered"]] == [1.0, 0.0]
    assert [r["score"] for r in out.result["steered"]] == [None, 1.0]
    assert out.result["rates"] == {"unsteered": 0.5, "steered": 1.0}
    assert "Question: Is the reply polite?" in server.requests[0]["json"]["messages"][0]["content"]


def test_the_prediction_asks_whether_any_cell_beats_the_controls():
    from tools import get_tool

    predict = get_tool("steering_sweep").predict
    assert predict({"rows": [{"verdict": "within controls"}, {"verdict": "below controls"}]})["actual"] == "yes"
    assert predict({"rows": [{"verdict": "within controls"}]})["actual"] == "no"
    assert predict({"rows": []}) is None
