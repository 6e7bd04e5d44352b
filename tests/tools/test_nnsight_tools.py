"""White-box tools on a model placed on nnsight (simulated: tiny-random's weights here, every trace through
nnsight's offline simulation of a remote server) give the numbers the same tools give on the local model."""

import json

import pytest

from tools import run_tool

pytestmark = pytest.mark.timeout(300)

COT = ("First we add seventeen and twenty five. That gives forty two. Then we check the sum. "
       "Forty two minus twenty five is seventeen. So the check passes. The answer is forty two.")
TEXTS = ["The cat sat on the mat and looked at the bird.", "def add(a, b):\n    return a + b",
         "Paris is the capital of France.", "The water cycle moves water from the sea to the sky."]


@pytest.fixture
def placed(monkeypatch, tiny):
    monkeypatch.setenv("PARLEY_MODELS", json.dumps({"tiny-nn": {"backend": "nnsight", "served_name": "tiny-random",
                                                                "simulate": True}}))


def _both(tool: str, args: dict):
    local = run_tool(tool, {"model": "tiny-random", **args})
    traced = run_tool(tool, {"model": "tiny-nn", **args})
    return local, traced


def test_steering_tools_on_nnsight_equal_the_local_model(placed):
    local, traced = _both("build_steering_vector", {"layers": [1, 2]})
    assert traced.result["norms"] == local.result["norms"] and traced.result["pairs"] == 16
    steer = {"prompt": "Write a function.", "layers": [1, 2], "scale": 40, "temperature": 0, "max_new_tokens": 8,
             "samples": 1}
    a = run_tool("steer_generate", {"model": "tiny-random", "vector_run": local.run_id, **steer})
    b = run_tool("steer_generate", {"model": "tiny-nn", "vector_run": traced.run_id, **steer})
    assert (b.result["steered"], b.result["unsteered"]) == (a.result["steered"], a.result["unsteered"])
    assert not a.result["identical"]
    # A temperature of 1e-4 picks the most likely token under both samplers: the same table.
    sweep = {"prompts": ["Write a function."], "layers": [1], "scales": [0, 40], "controls": 1, "samples": 1,
             "max_new_tokens": 6, "temperature": 1e-4, "metric": "regex:def"}
    a = run_tool("steering_sweep", {"model": "tiny-random", "vector_run": local.run_id, **sweep})
    b = run_tool("steering_sweep", {"model": "tiny-nn", "vector_run": traced.run_id, **sweep})
    assert b.result["rows"] == a.result["rows"] and b.result["samples_done"] == a.result["samples_done"] == 5


def test_attribution_tools_on_nnsight_equal_the_local_model(placed):
    local, traced = _both("receiver_heads", {"cot": COT, "k": 3})
    assert traced.result["sentences"] == local.result["sentences"] and traced.result["heads"] == local.result["heads"]
    local, traced = _both("attention_suppression", {"cot": COT, "batch": 4, "layers": [1, 3]})
    assert traced.result["display"] == local.result["display"] and traced.result["outflow"] == local.result["outflow"]


def test_itda_on_nnsight_equals_the_local_model(placed, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": f"{t} Number {i}."}) + "\n"
                              for i, t in enumerate(TEXTS * 3)))
    local, traced = _both("itda_build", {"corpus": [str(corpus)], "layers": [1, 2], "k": 8, "tau": 0.3, "batch": 4})
    assert traced.result["rows"] == local.result["rows"] and traced.result["tokens"] == local.result["tokens"]
    explain = {"layer": 2, "text": "The cat sat.", "atom": 0}
    a = run_tool("itda_explain", {"dictionary_run": local.run_id, **explain})
    b = run_tool("itda_explain", {"dictionary_run": traced.run_id, **explain})
    assert b.result["tokens"] == a.result["tokens"] and b.result["atom"] == a.result["atom"]
    a = run_tool("itda_compare", {"dictionary_run": local.run_id, "tokens": 64})
    b = run_tool("itda_compare", {"dictionary_run": traced.run_id, "tokens": 64})
    assert b.result["rows"] == a.result["rows"]


def test_misalignment_tools_on_nnsight_equal_the_local_model(placed):
    local, traced = _both("misalignment_direction", {"layer": 2, "controls": 1})
    assert traced.result["effects"] == local.result["effects"] and traced.result["norm"] == local.result["norm"]
    a = run_tool("ablate_direction", {"model": "tiny-random", "direction_run": local.run_id, "controls": 1})
    b = run_tool("ablate_direction", {"model": "tiny-nn", "direction_run": traced.run_id, "controls": 1})
    assert b.result["effects"] == a.result["effects"]
    assert (b.result["projection_before"], b.result["projection_after"]) == (a.result["projection_before"],
                                                                             a.result["projection_after"])


def test_a_run_on_nnsight_records_where_it_ran_and_training_stays_local(placed, tmp_path):
    from backends.core.errors import UsageError
    from backends.core.runstore import RunStore
    from backends.core.settings import get_settings

    out = run_tool("receiver_heads", {"cot": COT, "model": "tiny-nn", "k": 2})
    meta = RunStore(get_settings().runs_dir).get(out.run_id).meta["model"]
    assert (meta["backend"], meta["nnsight"], meta["served_name"]) == ("nnsight", "simulated", "tiny-random")
    with pytest.raises(UsageError, match="train_lora needs the model's weights"):
        run_tool("train_lora", {"model": "tiny-nn", "steps": 1})
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(UsageError, match='adapter: a fine-tune runs locally; models."tiny-nn".backend is nnsight'):
        run_tool("misalignment_direction", {"model": "tiny-nn", "adapter": str(tmp_path)})


def test_a_tool_on_an_nnsight_serve_that_is_not_there_is_one_line(monkeypatch, tiny, tmp_path):
    from backends.core.errors import UsageError

    folder = tmp_path / "tiny-config"  # config and tokenizer only: what a served model needs here
    tiny.model.config.save_pretrained(folder)
    tiny.tokenizer.save_pretrained(folder)
    monkeypatch.setenv("PARLEY_MODELS", json.dumps({"tiny-serve": {
        "backend": "nnsight", "base_url": "http://127.0.0.1:9", "served_name": "org/tiny", "tokenizer": str(folder)}}))
    with pytest.raises(UsageError) as e:
        run_tool("receiver_heads", {"cot": COT, "model": "tiny-serve"})
    assert str(e.value).startswith('models."tiny-serve".base_url: cannot reach http://127.0.0.1:9') and "\n" not in str(e.value)
