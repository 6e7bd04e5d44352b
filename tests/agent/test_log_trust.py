"""Logs an evaluator can trust: every rating kept and shown, replies that ask back flagged,
approvals with who decided, the user model's fields as CSV columns, `last` for any session."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from typer.testing import CliRunner

from agent.dialogue_log import DialogueLog, read_events
from agent.log_export import CSV_COLUMNS, USER_MODEL_COLUMNS
from agent.log_rating import rate
from agent.log_render import session_summary
from agent.log_sessions import resolve_session
from agent.user_model import Preferences, UserModel
from backends.core.errors import UsageError
from tui.logs_cli import logs_app, rate_cmd


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)
    app.add_typer(logs_app, name="logs")
    app.command("rate")(rate_cmd)
    return app


def _session(home, session_id: str = "trust") -> DialogueLog:
    """Two turns as the agent logs them: a no-match clarifying reply, then a denied and a run tool."""
    log = DialogueLog(home, session_id)
    log.append("session_start", provider="offline", model="offline-planner", versions={}, settings={}, seed=0)
    model = UserModel()
    log.append("user_message", turn=1, text="what's the weather like?")
    log.append("user_model", turn=1, snapshot=model.model_dump(), changes=[])
    log.append("assistant_message", turn=1, text="Which experiment do you mean?", intent="clarify",
               clarifying=True, no_match=True)
    log.append("user_message", turn=2, text="I know what KL is; estimate importance")
    model.known_concepts.append("kl")
    model.goals.append("find the key step")
    model.preferences.detail = "brief"
    log.append("user_model", turn=2, snapshot=model.model_dump(), changes=["knows: kl", "goal: find the key step"])
    log.append("approval", turn=2, tool="resample_importance", args={"rollouts": 4}, decision="deny",
               edited_args=None, source="automatic")
    log.append("approval", turn=2, tool="resample_importance", args={"rollouts": 4}, decision="approve",
               edited_args=None, source="flag")
    log.append("assistant_message", turn=2, text="done", intent="run")
    log.append("prediction", turn=2, question="Which step?", options=["1", "2"], answer="1")
    log.append("outcome", turn=2, prediction_seq=12, actual="1", correct=True)
    return log


def test_two_ratings_of_one_turn_are_both_shown_and_the_last_counts(parley_home):
    _session(parley_home)
    runner, app = CliRunner(), _app()
    assert runner.invoke(app, ["rate", "2", "--session", "last"]).exit_code == 0
    rated = runner.invoke(app, ["rate", "4", "--session", "last", "--comment", "better"])
    assert rated.exit_code == 0 and "rated turn 2 of session trust: 4/5" in rated.stdout
    ratings = [e for e in read_events(parley_home / "logs" / "trust.jsonl") if e["type"] == "rating"]
    assert [(r["turn"], r["score"]) for r in ratings] == [(2, 2), (2, 4)]  # both kept

    summary = session_summary(read_events(parley_home / "logs" / "trust.jsonl"))
    assert summary["mean_rating"] == 4 and summary["ratings"] == 1 and summary["rating_events"] == 2
    assert summary["rating_history"] == {2: [2, 4]}

    shown = runner.invoke(app, ["logs", "show", "last"])
    assert shown.exit_code == 0, shown.output
    assert "rating: 2/5" in shown.stdout and "rating: 4/5 better" in shown.stdout
    assert "rated 2/5, then 4/5 (the last counts)" in shown.stdout
    assert "mean rating: 4.00 from 1 rating (2 given" in shown.stdout
    assert "turn 2: rated 2/5, then 4/5 (the last counts)" in shown.stdout.split("summary")[-1]


def test_clarifying_and_no_match_replies_are_flagged_and_counted(parley_home):
    _session(parley_home)
    summary = session_summary(read_events(parley_home / "logs" / "trust.jsonl"))
    assert summary["clarifying_replies"] == 1 and summary["no_match_replies"] == 1
    assert summary["user_model_snapshots"] == 2
    assert summary["approval_sources"] == {"deny automatic": 1, "approve flag": 1}
    shown = CliRunner().invoke(_app(), ["logs", "show", "trust"]).stdout
    assert "assistant (clarifying, no match): Which experiment do you mean?" in shown
    assert "assistant: done" in shown
    assert "clarifying replies: 1 (1 where no tool matched)" in shown
    assert "deny automatically (no terminal to ask, no --yes): resample_importance" in shown
    assert "approve by --yes: resample_importance" in shown


def test_csv_keeps_the_first_columns_and_adds_one_per_field(parley_home, tmp_path):
    _session(parley_home)
    rate(parley_home, "last", 3, comment="ok")
    written = CliRunner().invoke(_app(), ["logs", "export", "--session", "last", "--out", str(tmp_path), "--format", "csv"])
    assert written.exit_code == 0, written.output
    with open(tmp_path / "trust.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(tmp_path / "trust.csv", newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[:5] == ["seq", "ts", "type", "turn", "text"] and header == list(CSV_COLUMNS)

    models = [r for r in rows if r["type"] == "user_model"]
    assert [m["turn"] for m in models] == ["1", "2"]
    assert models[1]["expertise"] == "practitioner" and models[1]["known_concepts"] == "kl"
    assert models[1]["goals"] == "find the key step" and models[1]["pref_detail"] == "brief"
    assert models[1]["pref_math"] == "true" and models[1]["pref_predict_first"] == ""
    assert models[1]["changes"] == "knows: kl;goal: find the key step"
    assert [a["source"] for a in rows if a["type"] == "approval"] == ["automatic", "flag"]
    replies = [r for r in rows if r["type"] == "assistant_message"]
    assert [(r["intent"], r["clarifying"], r["no_match"]) for r in replies] == [("clarify", "true", "true"),
                                                                                ("run", "false", "false")]
    [rating] = [r for r in rows if r["type"] == "rating"]
    assert (rating["score"], rating["comment"]) == ("3", "ok")
    assert [r["correct"] for r in rows if r["type"] == "outcome"] == ["true"]


def test_the_csv_columns_cover_every_user_model_field():
    fields = set(UserModel.model_fields) - {"preferences"}
    preferences = {f"pref_{name}" for name in Preferences.model_fields}
    assert set(USER_MODEL_COLUMNS) - {"changes"} == fields | preferences


def test_last_names_the_newest_session_everywhere(parley_home, tmp_path):
    with pytest.raises(UsageError, match="^session: no sessions yet"):
        resolve_session(parley_home, "last")
    _session(parley_home, "20260101-000000-aaaa")
    _session(parley_home, "20260102-000000-bbbb")
    for name in (None, "last", "latest", "LAST"):
        assert resolve_session(parley_home, name) == "20260102-000000-bbbb"
    assert resolve_session(parley_home, "20260101-000000-aaaa") == "20260101-000000-aaaa"
    with pytest.raises(UsageError, match="^session: no session 'ghost'"):
        resolve_session(parley_home, "ghost")

    runner, app = CliRunner(), _app()
    assert json.loads(runner.invoke(app, ["logs", "show", "last", "--json"]).stdout)["session"] == "20260102-000000-bbbb"
    exported = runner.invoke(app, ["logs", "export", "last", "--out", str(tmp_path / "j")])
    assert exported.exit_code == 0 and exported.stdout.strip().endswith("20260102-000000-bbbb.jsonl")
    rated = runner.invoke(app, ["rate", "5", "--session", "last"])
    assert rated.exit_code == 0 and "of session 20260102-000000-bbbb" in rated.stdout


def test_rating_a_session_without_turns_is_one_line(parley_home):
    DialogueLog(parley_home, "empty").append("session_start", provider="offline", model="m", versions={}, settings={},
                                             seed=0)
    bad = CliRunner().invoke(_app(), ["rate", "4", "--session", "last"])
    assert bad.exit_code == 2
    assert bad.stderr == "error: turn: session empty has no assistant turn yet; nothing to rate\n"
