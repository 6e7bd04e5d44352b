"""Hostile input on the command line: exit 2 with one line (a JSON object from `parley tool` and
`runs resume`, `error: ...` on stderr elsewhere) that names the field and never echoes a long input."""

import json

import pytest

from tests.conftest import run_parley

LONG = "a" * 100_000  # one argument may hold 128 KiB
DEEP = "[" * 60_000 + "]" * 60_000  # as deep as one argument can carry; 100,000 levels in-process below


CASES = {  # {file}: a file where a folder belongs
    "runs show, long id": (["runs", "show", LONG], "run_id: too long (max 255)"),
    "logs show, long id": (["logs", "show", LONG], "session: too long (max 255)"),
    "runs resume, long id": (["runs", "resume", LONG], "run_id: too long (max 255)"),
    "runs resume, empty id": (["runs", "resume", ""], "run_id: give the id of a partial run (see `parley runs list`)"),
    "ask, long session": (["ask", "--session", LONG, "hi"], "session: too long (max 255)"),
    "ask, empty session": (["ask", "--session", "", "hi"], "session: '' is not a session id"),
    "chat, empty session": (["--session", ""], "session: '' is not a session id"),
    "rate, long session": (["rate", "4", "--session", LONG], "session: too long (max 255)"),
    "tool, long model": (["tool", "generate_cot", "--args", json.dumps({"question": "hi", "model": LONG})],
                         "model: too long (max 255)"),
    "tool, long run id": (["tool", "split_sentences", "--args", json.dumps({"cot_run": LONG})], "cot_run: too long (max 255)"),
    "tool, long path": (["tool", "build_steering_vector", "--args", json.dumps({"save_to": LONG})], "save_to: too long (max 4096)"),
    "tool, long argument name": (["tool", "generate_cot", "--args", json.dumps({LONG: 1, "question": "hi"})], "unknown argument"),
    "tool, nested too deep": (["tool", "generate_cot", "--args", DEEP], "args: nested too deep"),
    "logs export onto a file": (["logs", "export", "--out", "{file}"], "is a file, not a folder"),
    "logs export, long --out": (["logs", "export", "--out", "/tmp/" + LONG], "--out: too long (max 4096)"),
    "user-model set, not UTF-8": (["user-model", "set", "background=\udcff\udcfe"], "not valid UTF-8"),
    "ablate_direction, bad direction_run": (["tool", "ablate_direction", "--args", json.dumps(
        {"model": "tiny-random", "direction_run": "no-such-run"})], "direction_run: no run 'no-such-run'"),
    "caft_finetune, itda arguments with pca": (["tool", "caft_finetune", "--args", json.dumps(
        {"model": "tiny-random", "directions": "pca", "itda_run": "x", "atoms": [3]})], "itda_run: goes with directions=itda only"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_2_with_one_line_that_does_not_echo_it(case, tmp_path, tiny):
    (tmp_path / "a-file").write_text("not a folder\n")
    args, expected = CASES[case]
    proc = run_parley(*[a.replace("{file}", str(tmp_path / "a-file")) for a in args], stdin="")
    assert proc.returncode == 2, (proc.stdout[-500:], proc.stderr[-2000:])
    if proc.stdout.strip():  # `parley tool` and `runs resume`: exactly one JSON object
        line = proc.stdout.strip()
        assert "\n" not in line
        error = json.loads(line)["error"]
        message = error["message"]
        assert error["type"] == "UsageError" and len(error.get("field") or "") <= 60
    else:
        line = proc.stderr.strip()
        assert "\n" not in line and line.startswith("error: ")
        message = line
    assert expected in message and "a" * 300 not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


def test_json_nested_100000_deep_is_a_usage_error_in_process():
    from backends.core.errors import UsageError
    from tools import get_tool
    from tools.registry import parse_args

    with pytest.raises(UsageError, match="^args: nested too deep$"):
        parse_args(get_tool("generate_cot"), "[" * 100_000 + "]" * 100_000)
    with pytest.raises(UsageError, match="^args: nested too deep$"):
        parse_args(get_tool("generate_cot"), '{"question": ' + "[" * 100_000 + "]" * 100_000 + "}")
