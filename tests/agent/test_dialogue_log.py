"""The dialogue log: durable, append-only, secret-free, summarised, exported and rated."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import types

import pytest
import typer
from typer.testing import CliRunner

from agent.dialogue_log import DialogueLog, new_session_id, read_events
from agent.log_export import export
from agent.log_rating import rate
from agent.log_render import session_summary
from agent.log_sessions import list_sessions
from agent.redaction import redact
from backends.core.errors import UsageError
from tests.conftest import REPO
from tui.logs_cli import logs_app, rate_cmd

PLANTED = "sk-planted-0123456789abcdef"


def _conversation(log: DialogueLog, turns: int = 2) -> None:
    log.append("session_start", provider="offline", model="smollm2-135m", versions={"python": "3"}, settings={}, seed=0)
    for _ in range(turns):
        turn = log.next_turn()
        log.append("user_message", turn=turn, text=f"question {turn}")
        log.append("assistant_message", turn=turn, text=f"answer {turn}")


def test_session_ids_sort_by_time_and_are_unique(parley_home):
    # 500 in about a second: 4 random hex digits alone repeat within the same second more often than not
    ids = [new_session_id() for _ in range(500)]
    assert len(set(ids)) == 500
    assert all(len(i.split("-")) == 3 and i[:8].isdigit() for i in ids)


def test_a_new_session_id_is_never_one_whose_log_exists(parley_home, monkeypatch):
    import agent.dialogue_log as dialogue_log

    taken = "20261202-110942-0ba4"
    DialogueLog(parley_home, taken).append("session_start", provider="offline")
    draws = iter(["0ba4", "0ba4", "1c2d"])  # the same second, and the first draw names the existing log
    monkeypatch.setattr(dialogue_log, "_secrets", types.SimpleNamespace(token_hex=lambda n: next(draws)))
    monkeypatch.setattr(dialogue_log, "dt", types.SimpleNamespace(datetime=_FrozenClock))
    assert new_session_id(parley_home) == "20261202-110942-1c2d"


class _FrozenClock(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 12, 2, 11, 9, 42)


def test_events_get_increasing_seq_and_a_reopened_session_continues(parley_home):
    log = DialogueLog(parley_home, "s1")
    assert log.path == parley_home / "logs" / "s1.jsonl"
    assert log.next_turn() == 1
    _conversation(log, turns=2)
    first = log.append("rating", turn=2, score=4, comment=None)
    assert first["seq"] == 6 and first["session"] == "s1" and first["type"] == "rating" and first["ts"].endswith("+00:00")
    log.close()

    resumed = DialogueLog(parley_home, "s1")
    assert resumed.next_turn() == 3
    event = resumed.append("user_message", turn=3, text="back again")
    assert event["seq"] == 7 and resumed.next_turn() == 4
    seqs = [e["seq"] for e in resumed.events()]
    assert seqs == list(range(1, 8))


def test_two_writers_to_one_session_never_reuse_a_seq(parley_home):
    chat, other = DialogueLog(parley_home, "s"), DialogueLog(parley_home, "s")
    _conversation(chat, turns=1)
    other.append("rating", turn=1, score=5)  # e.g. `parley rate` from another shell
    chat.append("user_message", turn=chat.next_turn(), text="next")
    assert [e["seq"] for e in chat.events()] == [1, 2, 3, 4, 5]
    assert chat.events()[-1]["turn"] == 2


def test_each_event_is_on_disk_before_append_returns(parley_home):
    log = DialogueLog(parley_home, "live")
    for i in range(3):
        event = log.append("user_message", turn=i + 1, text=f"m{i}")
        with open(log.path, encoding="utf-8") as f:  # a separate reader; the log stays open
            on_disk = [json.loads(line) for line in f]
        assert on_disk[-1] == event and len(on_disk) == i + 1


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from agent.dialogue_log import DialogueLog
log = DialogueLog(Path(sys.argv[1]), "killed")
i = 0
while True:
    i += 1
    event = log.append("tool_call", turn=i, name="generate_cot", args={"i": i}, run_id=None,
                       duration_s=0.0, status="complete", ok=True, error=None)
    print(event["seq"], flush=True)
    time.sleep(0.002)
"""


def test_a_killed_process_loses_none_of_its_returned_events(parley_home):
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(parley_home)], stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    returned = []
    try:
        while len(returned) < 40:
            line = proc.stdout.readline()
            assert line, "writer ended early"
            returned.append(int(line))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    on_disk = [e["seq"] for e in read_events(parley_home / "logs" / "killed.jsonl")]
    assert set(returned) <= set(on_disk)
    assert on_disk == list(range(1, len(on_disk) + 1))
    resumed = DialogueLog(parley_home, "killed").append("error", turn=None, kind="crash", message="killed")
    assert resumed["seq"] == on_disk[-1] + 1


def test_a_planted_key_never_reaches_any_file_under_home(parley_home, monkeypatch, tmp_path):
    monkeypatch.setenv("PARLEY_TEST_API_KEY", PLANTED)
    explicit = "explicit-secret-hunter2"
    other_shape = "sk-ant-api03-" + "A" * 30  # only its shape gives it away
    log = DialogueLog(parley_home, "leaky", secrets=[explicit, PLANTED])
    log.append("session_start", provider="anthropic", model="m", versions={}, seed=1,
               settings={"anthropic_api_key": PLANTED, "openai_api_key": "x" * 12, "model": "m"})
    log.append("user_message", turn=1, text=f"my key is {PLANTED} and {explicit}, also {other_shape}")
    log.append("tool_call", turn=1, name="generate_cot", run_id="r1", duration_s=0.1, status="complete", ok=True,
               error=None, args={"question": "q", "nested": {"list": [f"Bearer {PLANTED}", {"deep": explicit}],
                                                                "Authorization": f"Bearer {PLANTED}",
                                                                "password": "p4ssw0rd-abc", "token": "tok-abc"}})
    log.append("assistant_message", turn=1, text=f"you said {PLANTED}")
    log.append("error", turn=1, kind="llm", message=f"401 for key {PLANTED[:-1] + PLANTED[-1]}")
    rate(parley_home, "leaky", 4, comment=f"oops {PLANTED}")
    log.close()
    export(parley_home, None, parley_home / "exports-jsonl", fmt="jsonl")
    export(parley_home, None, parley_home / "exports-csv", fmt="csv")

    leaks = [PLANTED, explicit, other_shape, "p4ssw0rd-abc", "tok-abc", "x" * 12]
    files = [p for p in parley_home.rglob("*") if p.is_file()]
    assert len(files) == 4  # the log, its JSONL copy, its CSV and summary.csv
    for path in files:
        data = path.read_bytes()
        for leak in leaks:
            assert leak.encode() not in data, (leak, path)
    events = read_events(log.path)
    assert "[redacted]" in events[1]["text"] and events[2]["args"]["question"] == "q"
    assert events[2]["args"]["nested"]["password"] == "[redacted]"


def test_redaction_keeps_ordinary_fields():
    args = {"max_new_tokens": 48, "token": 17, "tokens": ["a", "b"], "question": "what is sk-short?", "seed": 1}
    assert redact(args) == args
    assert redact({"OPENAI_API_KEY": "abcdefghij", "k": ["abcdefghij"]}, secrets=["abcdefghij"]) == {
        "OPENAI_API_KEY": "[redacted]", "k": ["[redacted]"]}


def _constructed_session(home) -> DialogueLog:
    log = DialogueLog(home, "constructed")
    _conversation(log, turns=3)
    for name, ok in (("generate_cot", True), ("generate_cot", False), ("split_sentences", True)):
        log.append("tool_call", turn=1, name=name, args={}, run_id=None, duration_s=0.5,
                   status="complete" if ok else "failed", ok=ok, error=None if ok else "boom")
    p1 = log.append("prediction", turn=1, question="Which layer?", options=["early", "late"], answer="late")
    p2 = log.append("prediction", turn=2, question="Does it flip?", options=["yes", "no"], answer="yes")
    p3 = log.append("prediction", turn=3, question="Bigger?", options=None, answer="no")
    log.append("outcome", turn=1, prediction_seq=p1["seq"], actual="late", correct=True)
    log.append("outcome", turn=2, prediction_seq=p2["seq"], actual="no", correct=False)
    log.append("outcome", turn=3, prediction_seq=p3["seq"], actual="no", correct=True)
    log.append("rating", turn=1, score=5, comment="clear")
    log.append("rating", turn=2, score=2, comment=None)
    log.append("rating", turn=3, score=4, comment="multi\nline, \"quoted\"")
    log.append("user_model_correction", field="expertise", old="novice", new="expert", source="user")
    log.append("approval", turn=2, tool="generate_cot", args={"q": 1}, decision="edit", edited_args={"q": 2})
    return log


def test_summary_counts_turns_tools_ratings_and_prediction_accuracy(parley_home):
    summary = session_summary(_constructed_session(parley_home).events())
    assert summary["turns"] == 3
    assert summary["tools_used"] == {"generate_cot": 2, "split_sentences": 1}
    assert summary["tool_failures"] == 1
    assert summary["mean_rating"] == pytest.approx(11 / 3, abs=1e-3) and summary["ratings"] == 3
    assert summary["predictions"] == 3 and summary["prediction_accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["user_model_corrections"] == 1
    empty = session_summary([])
    assert empty["mean_rating"] is None and empty["prediction_accuracy"] is None and empty["turns"] == 0


def test_rerating_a_turn_counts_the_latest_score(parley_home):
    log = DialogueLog(parley_home, "re")
    _conversation(log, turns=1)
    rate(parley_home, "re", 1)
    rate(parley_home, "re", 5)
    assert session_summary(log.events())["mean_rating"] == 5 and session_summary(log.events())["ratings"] == 1


def test_sessions_are_listed_newest_first(parley_home):
    _conversation(DialogueLog(parley_home, "20260101-000000-aaaa"), turns=1)
    time.sleep(0.01)
    _conversation(DialogueLog(parley_home, "20260101-000000-bbbb"), turns=2)
    rows = list_sessions(parley_home)
    assert [r["session"] for r in rows] == ["20260101-000000-bbbb", "20260101-000000-aaaa"]
    assert rows[0]["turns"] == 2 and rows[0]["provider"] == "offline" and rows[0]["last_event"] >= rows[0]["started"]


def test_export_writes_identical_jsonl_and_parseable_csv(parley_home, tmp_path):
    log = _constructed_session(parley_home)
    _conversation(DialogueLog(parley_home, "second"), turns=1)
    jsonl = export(parley_home, ["constructed"], tmp_path / "j", fmt="jsonl")
    assert jsonl == [tmp_path / "j" / "constructed.jsonl"]
    assert jsonl[0].read_bytes() == log.path.read_bytes()

    written = export(parley_home, None, tmp_path / "c", fmt="csv")
    assert {p.name for p in written} == {"constructed.csv", "second.csv", "summary.csv"}
    with open(tmp_path / "c" / "constructed.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:5] == ["seq", "ts", "type", "turn", "text"]  # the first columns; one per field after them
    assert len(rows) == 1 + len(log.events())
    by_type = {r[2]: r for r in rows[1:]}
    assert by_type["rating"][4].startswith("4/5 multi\nline")
    assert any(r[4].startswith("generate_cot({}) -> failed") and "boom" in r[4] for r in rows[1:])
    with open(tmp_path / "c" / "summary.csv", newline="", encoding="utf-8") as f:
        summary = {r["session"]: r for r in csv.DictReader(f)}
    assert set(summary) == {"constructed", "second"}
    assert float(summary["constructed"]["mean_rating"]) == pytest.approx(11 / 3, abs=1e-3)
    assert summary["second"]["prediction_accuracy"] == ""

    with pytest.raises(UsageError, match="^format: 'xml'"):
        export(parley_home, None, tmp_path / "x", fmt="xml")
    with pytest.raises(UsageError, match="^session: no session 'nope'"):
        export(parley_home, ["nope"], tmp_path / "x")


def test_rate_checks_score_and_turn_with_one_line_messages(parley_home):
    log = DialogueLog(parley_home, "r")
    _conversation(log, turns=3)
    with pytest.raises(UsageError) as e:
        rate(parley_home, "r", 7)
    assert str(e.value) == "score: 7 is out of range; allowed 1 to 5" and e.value.field == "score"
    with pytest.raises(UsageError, match="^score: 0 is out of range; allowed 1 to 5$"):
        rate(parley_home, None, 0)
    with pytest.raises(UsageError) as e:
        rate(parley_home, "r", 3, turn=9)
    assert str(e.value).startswith("turn: 9 ") and "allowed 1 to 3" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(UsageError, match="^session: no session 'ghost'"):
        rate(parley_home, "ghost", 3)

    latest = rate(parley_home, None, 4)
    assert latest["type"] == "rating" and latest["turn"] == 3 and latest["score"] == 4 and latest["session"] == "r"
    chosen = rate(parley_home, "r", 2, turn=1, comment="too long")
    assert chosen["turn"] == 1 and chosen["comment"] == "too long" and chosen["seq"] == latest["seq"] + 1


def test_rate_without_sessions_or_answers_says_so(parley_home):
    with pytest.raises(UsageError, match="^session: no sessions yet"):
        rate(parley_home, None, 3)
    DialogueLog(parley_home, "q").append("user_message", turn=1, text="hi")
    with pytest.raises(UsageError, match="^turn: session q has no assistant turn yet"):
        rate(parley_home, None, 3)


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)
    app.add_typer(logs_app, name="logs")
    app.command("rate")(rate_cmd)
    return app


def test_cli_lists_shows_exports_and_rates(parley_home, tmp_path):
    _constructed_session(parley_home)
    runner, app = CliRunner(), _app()

    listed = runner.invoke(app, ["logs", "list"])
    assert listed.exit_code == 0 and "constructed" in listed.stdout and "3 turns" in listed.stdout
    assert json.loads(runner.invoke(app, ["logs", "list", "--json"]).stdout)[0]["session"] == "constructed"

    shown = runner.invoke(app, ["logs", "show", "constructed"])
    assert shown.exit_code == 0, shown.output
    for expected in ("[turn 1]", "user: question 1", "assistant: answer 1", "tool generate_cot", "FAILED",
                     "rating: 5/5 clear", "prediction: Which layer?", "mean rating: 3.67 from 3 ratings",
                     "generate_cot x2", "67% right of 3"):
        assert expected in shown.stdout, expected
    as_json = json.loads(runner.invoke(app, ["logs", "show", "latest", "--json"]).stdout)
    assert as_json["summary"]["tools_used"]["generate_cot"] == 2

    rated = runner.invoke(app, ["rate", "4"])
    assert rated.exit_code == 0 and "rated turn 3" in rated.stdout
    rated = runner.invoke(app, ["rate", "2", "5", "--session", "constructed", "--comment", "good"])
    assert rated.exit_code == 0 and "rated turn 2" in rated.stdout
    last = read_events(parley_home / "logs" / "constructed.jsonl")[-1]
    assert (last["turn"], last["score"], last["comment"]) == (2, 5, "good")
    assert runner.invoke(app, ["rate", "--turn", "1", "3"]).exit_code == 0

    bad = runner.invoke(app, ["rate", "7"])
    assert bad.exit_code == 2 and bad.stderr == "error: score: 7 is out of range; allowed 1 to 5\n"
    bad = runner.invoke(app, ["rate", "9", "3"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: turn: 9 ") and bad.stderr.count("\n") == 1
    bad = runner.invoke(app, ["logs", "show", "ghost"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: session: no session 'ghost'")

    out = tmp_path / "out"
    exported = runner.invoke(app, ["logs", "export", "constructed", "--out", str(out), "--format", "csv"])
    assert exported.exit_code == 0 and (out / "constructed.csv").exists() and (out / "summary.csv").exists()
    bad = runner.invoke(app, ["logs", "export", "--out", str(out), "--format", "xml"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: format: 'xml'")


def test_the_logs_cli_imports_no_torch():
    modules = "tui.logs_cli, agent.dialogue_log, agent.log_sessions, agent.log_export, agent.log_rating"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {modules}"],
                         capture_output=True, text=True, cwd=REPO, timeout=60, env=os.environ)
    assert out.returncode == 0, out.stderr
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert not {m for m in imported if m.split(".")[0] in ("torch", "transformers", "nnsight", "numpy")}
