"""`parley ask`, `sessions`, `user-model`, `rate`, `logs` through the real command line."""

import json
import os
import signal
import subprocess
import sys
import time

from agent.dialogue_log import DialogueLog
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import REPO, run_parley

TINY = {"PARLEY_MODEL": "tiny-random"}


def test_ask_json_then_resume_rate_correct_and_export(tiny, tmp_path):
    first = run_parley("ask", "generate a chain of thought for: Is 91 prime? with 6 tokens", "--provider", "offline",
                       "--json", env=TINY)
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert set(answer) == {"session", "turn", "reply", "tool_calls", "user_model", "shown", "intent", "predictions"}
    assert answer["intent"] == "run" and answer["shown"] == []
    assert answer["tool_calls"][0]["name"] == "generate_cot" and answer["tool_calls"][0]["ok"]
    session = answer["session"]

    second = json.loads(run_parley("ask", "split it into sentences", "--session", session, "--json", env=TINY).stdout)
    assert second["session"] == session and second["turn"] == 2
    assert second["tool_calls"][0]["args"] == {"cot_run": answer["tool_calls"][0]["run_id"]}

    listed = run_parley("sessions")
    assert session in listed.stdout and "offline" in listed.stdout

    corrected = run_parley("user-model", "set", "expertise=expert", "preferences.math=false", "--session", session)
    assert corrected.returncode == 0, corrected.stderr
    shown = json.loads(run_parley("ask", "--user-model", "--session", session, "--json").stdout)
    assert shown["user_model"]["expertise"] == "expert" and shown["user_model"]["preferences"]["math"] is False
    bad = run_parley("user-model", "set", "expertise=wizard", "--session", session)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "expertise" in bad.stderr

    assert run_parley("rate", "1", "4", "--session", session, "--comment", "clear").returncode == 0
    assert run_parley("rate", "9", "--session", session).returncode == 2

    events = DialogueLog(get_settings().home, session).events()
    kinds = [e["type"] for e in events]
    for kind in ("session_start", "user_message", "tool_call", "assistant_message", "user_model",
                 "user_model_correction", "rating"):
        assert kind in kinds, kind
    out = tmp_path / "export"
    assert run_parley("logs", "export", session, "--out", str(out), "--format", "csv").returncode == 0
    summary = (out / "summary.csv").read_text()
    assert session in summary and "4" in summary


def test_ask_streams_the_reply_in_text_mode(tiny):
    out = run_parley("ask", "what's the weather like?", "--provider", "offline", env=TINY)
    assert out.returncode == 0
    # No match: a short clarifying question naming at most three tools, never the whole list.
    assert "offline planner" in out.stdout and "I'm not sure which experiment you mean" in out.stdout
    assert out.stdout.count("- `") == 3 and len(out.stdout) < 1200
    assert out.stderr.strip().endswith(tuple("0123456789abcdef")) and "session: " in out.stderr


def test_an_unknown_session_or_provider_is_one_line_and_exit_2():
    missing = run_parley("ask", "hello", "--session", "nope")
    assert missing.returncode == 2 and missing.stderr.startswith("error: session: no session 'nope'")
    provider = run_parley("ask", "hello", "--provider", "gemini")
    assert provider.returncode == 2 and "provider" in provider.stderr and "offline" in provider.stderr


def test_killing_the_process_mid_turn_loses_no_event_and_the_session_resumes(tiny):
    home = get_settings().home
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "ask", "generate a chain of thought for: Count to a thousand. with 4000 tokens",
         "--provider", "offline", "--json", "--yes"],  # over 2048 tokens asks first (approve_tokens_over)
        cwd=REPO, env={**os.environ, **TINY}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # kill once the tool is generating
            runs = RunStore(get_settings().runs_dir).list()
            if runs and (runs[0].dir / "run.json").exists() and runs[0].meta.get("model"):
                break
            time.sleep(0.2)
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    [log_file] = (home / "logs").glob("*.jsonl")
    lines = log_file.read_text().splitlines()
    events = [json.loads(line) for line in lines]  # every line parses: no half-written event
    assert [e["type"] for e in events][:2] == ["session_start", "user_message"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    session = events[0]["session"]
    [run] = RunStore(get_settings().runs_dir).list()
    assert run.status == "partial"  # its process died mid-run

    resumed = run_parley("ask", "what can you do?", "--session", session, "--json", env=TINY)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["turn"] == 2
    after = DialogueLog(home, session).events()
    assert [e["type"] for e in after][: len(events)] == [e["type"] for e in events]
    assert {"session_resume", "assistant_message"} <= {e["type"] for e in after[len(events):]}
