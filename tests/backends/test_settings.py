import pytest

from backends.core.errors import UsageError
from backends.core.settings import get_settings


def test_defaults_put_the_model_cache_inside_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("PARLEY_MODEL_CACHE")
    s = get_settings()
    assert s.model == "smollm2-135m" and s.device == "auto"
    assert s.models_dir == s.home / "models" and s.runs_dir == s.home / "runs"


def test_environment_beats_the_toml_file_which_beats_defaults(monkeypatch, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('model = "tiny-random"\ndevice = "cpu"\n')
    monkeypatch.setenv("PARLEY_CONFIG", str(config))
    assert get_settings().model == "tiny-random"
    monkeypatch.setenv("PARLEY_MODEL", "/models/mine")
    s = get_settings()
    assert s.model == "/models/mine" and s.device == "cpu"


def test_a_bad_setting_is_one_line_naming_it_and_the_allowed_values(monkeypatch):
    monkeypatch.setenv("PARLEY_DEVICE", "gpu")
    with pytest.raises(UsageError) as e:
        get_settings()
    assert "\n" not in str(e.value)
    assert "device" in str(e.value) and "'cuda'" in str(e.value) and "PARLEY_DEVICE" in str(e.value)
