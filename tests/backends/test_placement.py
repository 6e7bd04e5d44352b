"""Where a subject model runs is configuration: the `models` setting, from TOML or the environment."""

import json

import pytest

from backends.core.errors import UsageError
from backends.core.settings import get_settings
from backends.subject.placement import placement_of, served_name, tokenizer_source


def test_unnamed_models_run_locally(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "none.toml"))
    assert placement_of(get_settings(home=tmp_path), "tiny-random").backend == "local"


def test_toml_table_places_a_model_on_a_server(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[models."r1-qwen"]\nbackend = "server"\nbase_url = "http://localhost:8000/v1"\n'
                      'served_name = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"\nconcurrency = 16\n')
    monkeypatch.setenv("PARLEY_CONFIG", str(config))
    settings = get_settings(home=tmp_path)
    placement = placement_of(settings, "r1-qwen")
    assert (placement.backend, placement.base_url, placement.concurrency) == ("server", "http://localhost:8000/v1", 16)
    assert served_name(placement, "r1-qwen") == "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
    assert tokenizer_source(placement, "r1-qwen") == "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
    assert placement_of(settings, "tiny-random").backend == "local"


def test_environment_json_places_a_model_on_nnsight(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("PARLEY_MODELS", json.dumps({"llama-70b": {"backend": "nnsight", "served_name": "meta-llama/Llama-3.1-70B"}}))
    placement = placement_of(get_settings(home=tmp_path), "llama-70b")
    assert placement.backend == "nnsight" and placement.base_url is None and not placement.simulate


def test_global_sampler_url_is_a_server_for_unnamed_models(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "none.toml"))
    placement = placement_of(get_settings(home=tmp_path, sampler_base_url="http://127.0.0.1:9/v1"), "smollm2-135m")
    assert placement.backend == "server" and tokenizer_source(placement, "smollm2-135m") == "smollm2-135m"


@pytest.mark.parametrize("entry, field", [({"backend": "server"}, "base_url"), ({"backend": "gpu"}, "backend"),
                                          ({"backend": "local", "colour": 1}, "colour")])
def test_a_bad_entry_is_one_line_naming_it(tmp_path, monkeypatch, entry, field):
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("PARLEY_MODELS", json.dumps({"m": entry}))
    with pytest.raises(UsageError) as e:
        get_settings(home=tmp_path)
    message = str(e.value)
    assert "\n" not in message and "models" in message and (field in message or "base_url" in message)
    # the sources named: the env var that holds the whole JSON, and the model's table in the file
    assert 'from PARLEY_MODELS or the [models."m"] table of ' in message and "PARLEY_MODELS.M" not in message
