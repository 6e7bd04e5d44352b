"""File arguments: classified as reads or writes, resolved as the tool will open them, confined.

An agent's call asks first when it writes outside the data dir, or reads outside the data dir and
the working directory (tools/paths.py `outside`); a bad path is a one-line UsageError that never
echoes a long value. A person's own `parley tool` call runs without asking, after the same checks.
"""

import json

import pytest

from backends.core.errors import UsageError
from backends.core.settings import get_settings
from tests.conftest import run_parley
from tools import get_tool, run_tool
from tools.paths import file_args, outside
from tools.registry import parse_args, side_effects


@pytest.fixture
def work(tmp_path, monkeypatch):
    """The working directory (tmp_path/work) and a folder outside it and the data dir (tmp_path/outside)."""
    (tmp_path / "work").mkdir()
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "work", (tmp_path / "outside").resolve()


def test_reads_in_the_working_directory_or_the_data_dir_are_not_asked_writes_outside_the_data_dir_are(work):
    cwd, away = work
    home = get_settings().home
    settings = get_settings()
    assert outside({"corpus": ["builtin", "builtin:code", "notes.txt"], "dataset": "risky", "model": "tiny-random"}, settings) == []
    assert outside({"vector_file": str(home / "runs" / "v.safetensors"), "save_to": str(home / "v.pt")}, settings) == []
    assert outside({"save_to": "vec.safetensors"}, settings) == [f"writes outside the data dir: {cwd.resolve() / 'vec.safetensors'} (save_to)"]
    assert outside({"corpus": ["../outside/secret.txt"]}, settings) == [
        f"reads outside the data dir and the working directory: {away / 'secret.txt'} (corpus)"]
    assert outside({"model": str(away), "adapter": "~/adapter", "dataset": "/etc/passwd"}, settings) == [
        f"reads outside the data dir and the working directory: {away} (model)",
        f"reads outside the data dir and the working directory: {(cwd.home() / 'adapter').resolve()} (adapter)",
        "reads outside the data dir and the working directory: /etc/passwd (dataset)"]


def test_a_symlink_in_the_working_directory_is_judged_by_where_it_points(work):
    cwd, away = work
    (away / "secret.txt").write_text("PLANTED\n")
    (cwd / "innocent.txt").symlink_to(away / "secret.txt")
    assert file_args({"corpus": ["innocent.txt"]}) == [("corpus", "read", away / "secret.txt")]
    assert outside({"corpus": ["innocent.txt"]}, get_settings()) == [
        f"reads outside the data dir and the working directory: {away / 'secret.txt'} (corpus)"]


def test_a_long_run_asks_over_the_token_budget_which_is_a_setting(monkeypatch):
    assert side_effects("generate_cot", {"question": "Is 91 prime?", "max_new_tokens": 2048}) == []
    assert side_effects("generate_cot", {"question": "Is 91 prime?", "max_new_tokens": 8192}) == [
        "runs long: max_new_tokens 8192 is over the 2048 tokens a call may take unasked (setting approve_tokens_over)"]
    monkeypatch.setenv("PARLEY_APPROVE_TOKENS_OVER", "100")
    assert side_effects("generate_cot", {"question": "Is 91 prime?", "max_new_tokens": 256})[0].startswith("runs long: max_new_tokens 256")


@pytest.mark.parametrize("value, message", [
    ("a\0b", "save_to: a path cannot hold a NUL byte"),
    ("/tmp/" + "x" * 300 + ".pt", "save_to: a file or folder name is too long (max 255 characters)"),
    ("/tmp/" + "x/" * 3000, "save_to: too long (max 4096)"),
])
def test_bad_paths_are_one_line_errors_that_do_not_echo_them(value, message):
    with pytest.raises(UsageError) as e:
        parse_args(get_tool("build_steering_vector"), {"save_to": value})
    assert str(e.value) == message and e.value.field == "save_to"


def test_a_persons_own_tool_call_writes_outside_the_data_dir_without_asking(tiny, work):
    _, away = work
    result = run_tool("build_steering_vector", {"model": "tiny-random", "save_to": str(away / "vec.safetensors")})
    assert (away / "vec.safetensors").is_file() and str(away / "vec.safetensors") in result.result["files"]


def test_parley_tool_answers_a_bad_path_with_exit_2_and_one_json_line():
    proc = run_parley("tool", "itda_build", "--args", json.dumps({"corpus": ["/tmp/" + "y" * 5000]}))
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == {"ok": False, "error": {
        "type": "UsageError", "field": "corpus", "message": "corpus: too long (max 4096)"}}
