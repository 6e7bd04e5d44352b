"""The real `parley` command line, run in a subprocess as a researcher would."""

import json
import subprocess
import sys

import pytest

from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import REPO, run_parley
from tools import run_tool


def _one_json(out) -> dict:
    lines = out.stdout.splitlines()
    assert len(lines) == 1, out.stdout  # exactly one JSON object on stdout
    return json.loads(lines[0])


def test_listing_tools_imports_no_torch():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "tui.cli", "tools", "--json"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert "generate_cot" in out.stdout
    assert not {m for m in imported if m.split(".")[0] in ("torch", "transformers", "nnsight", "numpy")}


def test_tools_json_lists_name_cost_description_schema_examples():
    tools = json.loads(run_parley("tools", "--json").stdout)
    by_name = {t["name"]: t for t in tools}
    assert {"generate_cot", "split_sentences"} <= set(by_name)
    assert set(by_name["generate_cot"]) == {"name", "cost", "description", "schema", "examples"}
    assert by_name["generate_cot"]["schema"]["properties"]["max_new_tokens"]["minimum"] == 1
    human = run_parley("tools").stdout
    assert "generate_cot  [cheap]" in human and "max_new_tokens: integer (>=1, <=8192)" in human


@pytest.mark.parametrize(
    "name, args, field",
    [
        ("generate_cot", '{"question": "What is 2+2?",', "args"),  # malformed JSON
        ("no_such_tool", "{}", "tool"),
        ("generate_cot", '{"seed": 1}', "question"),  # a missing field
        ("generate_cot", '{"question": "q", "max_new_tokens": -1}', "max_new_tokens"),  # a negative count
        ("generate_cot", '{"question": "q", "model": "gpt-17-ultra"}', "model"),  # an unknown model
    ],
)
def test_bad_input_is_ok_false_one_line_and_exit_2(name, args, field):
    out = run_parley("tool", name, "--args", args)
    assert out.returncode == 2, out.stderr
    answer = _one_json(out)
    assert answer["ok"] is False and answer["error"]["field"] == field
    message = answer["error"]["message"]
    assert message.startswith(f"{field}: ") and "\n" not in message
    assert "Traceback" not in out.stderr


def test_an_internal_failure_is_ok_false_and_exit_1(tmp_path):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "not-a-real-architecture"}')
    out = run_parley("tool", "generate_cot", "--args", json.dumps({"question": "q", "model": str(broken)}))
    assert out.returncode == 1
    answer = _one_json(out)
    assert answer["ok"] is False and answer["error"]["type"] and "Traceback" not in out.stdout


@pytest.mark.embedded
def test_generate_cot_on_the_default_model_is_reproducible_and_splits_exactly(smol):
    args = json.dumps({"question": "A farmer has 17 sheep and buys 25 more. How many sheep now?", "seed": 1,
                       "max_new_tokens": 48})
    first, second = run_parley("tool", "generate_cot", "--args", args), run_parley("tool", "generate_cot", "--args", args)
    a, b = _one_json(first), _one_json(second)
    assert a["ok"] and b["ok"] and a["run_id"] != b["run_id"]
    assert a["result"]["model"] == "smollm2-135m"
    assert a["result"]["cot"] == b["result"]["cot"] and len(a["result"]["cot"]) > 40
    split = _one_json(run_parley("tool", "split_sentences", "--args", json.dumps({"cot_run": a["run_id"]})))
    full = RunStore(get_settings().runs_dir).get(split["run_id"]).results
    assert full["head"] + "".join(s["text"] + s["sep"] for s in full["sentences"]) + full["tail"] == a["result"]["cot"]
    assert split["result"]["n_sentences"] == a["result"]["n_sentences"] >= 1


def test_runs_list_show_and_resume(tiny):
    steps = []
    partial = run_tool("generate_cot", {"question": "q", "model": "tiny-random", "max_new_tokens": 80},
                       should_stop=lambda: len(steps) >= 68, progress=lambda d, t, n: steps.append(d))
    listed = run_parley("runs", "list")
    assert partial.run_id in listed.stdout and "partial" in listed.stdout
    shown = json.loads(run_parley("runs", "show", partial.run_id, "--json").stdout)
    assert shown["run"]["status"] == "partial" and shown["results"]["n_tokens"] == 64  # its first whole chunk
    assert "tiny-random" in run_parley("runs", "show", partial.run_id).stdout
    resumed = _one_json(run_parley("runs", "resume", partial.run_id))
    assert resumed["run_id"] == partial.run_id and resumed["status"] == "complete"
    assert resumed["result"]["n_tokens"] == 80
    missing = run_parley("runs", "show", "nope")
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr


def test_a_bad_setting_is_one_line_not_a_traceback():
    out = run_parley("runs", "list", env={"PARLEY_DEVICE": "tpu"})
    assert out.returncode == 2 and out.stderr.startswith("error: settings: device") and "Traceback" not in out.stderr


def test_parley_opens_the_chat_with_the_agent_and_its_commands(tiny):
    out = run_parley(stdin='/tools\nsplit_sentences "One step here. Then another step."\n/set expertise=novice\n'
                           "/rate 5 very clear\n/me\n/quit\n", env={"PARLEY_PROVIDER": "offline"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "generate_cot [cheap]" in out.stdout
    assert "2 sentences in 33 characters" in out.stdout
    assert "rated turn 1: 5" in out.stdout
    assert '"expertise": "novice"' in out.stdout


# --- honest approvals, trustworthy logs --------------------------------------------------------


def _events(session: str | None = None) -> list[dict]:
    from agent.dialogue_log import read_events
    from agent.log_sessions import resolve_session

    home = get_settings().home
    return read_events(home / "logs" / f"{resolve_session(home, session)}.jsonl")


def test_ask_without_a_terminal_denies_automatically_and_says_so(costly_tool):
    from typer.testing import CliRunner

    from tui.cli import app

    runner = CliRunner()  # stdin is not a terminal, and no --yes
    clarified = runner.invoke(app, ["ask", "what's the weather like?", "--provider", "offline"])
    assert clarified.exit_code == 0, clarified.output
    denied = runner.invoke(app, ["ask", "run costly_probe_test with 16 rollouts", "--session", "last"])
    assert denied.exit_code == 0, denied.output
    assert costly_tool == []  # nothing ran
    reply = denied.stdout
    assert ("`costly_probe_test` was not run: denied automatically: no terminal to ask and no --yes "
            "(pass --yes to approve expensive tools)") in reply
    assert "Running `" not in reply and "did not run" not in reply and "declined" not in reply

    events = _events()
    [approval] = [e for e in events if e["type"] == "approval"]
    assert (approval["decision"], approval["source"]) == ("deny", "automatic")
    assert [e["turn"] for e in events if e["type"] == "user_model"] == [1, 2]  # a snapshot every turn
    replies = [e for e in events if e["type"] == "assistant_message"]
    assert (replies[0]["intent"], replies[0]["clarifying"], replies[0]["no_match"]) == ("clarify", True, True)
    assert "clarifying" not in replies[1] and "no_match" not in replies[1]


def test_ask_yes_approves_by_the_flag(costly_tool):
    from typer.testing import CliRunner

    from tui.cli import app

    out = CliRunner().invoke(app, ["ask", "run costly_probe_test with 16 rollouts", "--provider", "offline", "--yes"])
    assert out.exit_code == 0, out.output
    assert costly_tool == [16] and "probed with 16 rollouts" in out.stdout
    [approval] = [e for e in _events() if e["type"] == "approval"]
    assert (approval["decision"], approval["source"]) == ("approve", "flag")


def test_the_prompt_prints_the_preflight_and_answers_as_the_user():
    import typer
    from typer.testing import CliRunner

    from tui.terminal import ask_approval, print_preflight

    app = typer.Typer(add_completion=False)
    request = {"tool": "resample_importance", "args": {"rollouts": 4},
               "preflight": {"estimate": "about 40 s on cpu", "warnings": ["a 4-layer model", "few rollouts"]}}

    @app.command()
    def decide(with_preflight: bool = True) -> None:
        asked = request if with_preflight else {k: v for k, v in request.items() if k != "preflight"}
        typer.echo(json.dumps(ask_approval(asked)))

    out = CliRunner().invoke(app, [], input="deny\n")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout.splitlines()[-1]) == {"action": "deny", "source": "user"}
    assert "estimate: about 40 s on cpu\nwarning: a 4-layer model\nwarning: few rollouts\n" in out.stderr
    plain = CliRunner().invoke(app, ["--no-with-preflight"], input="\n")
    assert json.loads(plain.stdout.splitlines()[-1]) == {"action": "approve", "source": "user"}
    assert "estimate" not in plain.stderr and "warning" not in plain.stderr
    print_preflight({"tool": "x", "args": {}})  # no preflight: nothing, no error


def test_runs_show_prints_the_whole_chain_of_thought_and_every_sentence(tiny):
    cot = run_tool("generate_cot", {"model": "tiny-random", "question": "What is 2+3?", "max_new_tokens": 40})
    chain = RunStore(get_settings().runs_dir).get(cot.run_id).results["cot"]
    shown = run_parley("runs", "show", cot.run_id)
    assert shown.returncode == 0, shown.stderr
    assert f"chain of thought ({len(chain)} characters):\n{chain}\n" in shown.stdout

    text = "First I add 2 and 3. " + "That gives five, which I check twice " * 8 + "to be sure. So the answer is 5."
    split = run_tool("split_sentences", {"cot": text})
    shown = run_parley("runs", "show", split.run_id).stdout
    assert f"chain of thought ({len(text)} characters):\n{text}\n" in shown
    sentences = RunStore(get_settings().runs_dir).get(split.run_id).results["sentences"]
    listed = shown.split(f"sentences ({len(sentences)}):\n")[1]
    for s in sentences:
        assert f"  [{s['index']}] {s['text']}\n" in listed
