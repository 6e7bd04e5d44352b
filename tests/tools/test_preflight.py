"""Pre-flight checks: what an expensive call would cost, and whether it can succeed, before approval."""

import json
import subprocess
import sys

import pytest

from backends.subject import speed
from backends.core.errors import UsageError
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import REPO
from tools import REGISTRY, run_tool
from tools.registry import preflight

PLAIN = "First, 6 times 7 is 42. So the total is 42. That is the answer."  # no \boxed{}
BOXED = "First, 17 plus 20 is 37. Then 37 plus 5 is 42. So the total is 42. The answer is \\boxed{42}."
QUESTION = "What is 6 times 7?"


def test_a_chain_without_a_boxed_answer_is_blocking_and_the_extractor_that_works_is_proposed():
    found = preflight("resample_importance", {"cot": PLAIN, "question": QUESTION}, get_settings())
    assert found["blocking"] == (
        "resample_importance: the extractor 'boxed' finds no answer in this chain (it has no \\boxed{}), so every "
        "importance would be n/a; pass extractor='last_number' (finds '42') or answer='42'")
    assert "\n" not in found["blocking"] and "\n" not in found["estimate"]


def test_with_that_extractor_an_answer_or_a_boxed_chain_it_is_not_blocking():
    settings = get_settings()
    assert preflight("resample_importance", {"cot": PLAIN, "question": QUESTION, "extractor": "last_number"},
                     settings)["blocking"] is None
    given = preflight("resample_importance", {"cot": PLAIN, "question": QUESTION, "answer": "42"}, settings)
    assert given["blocking"] is None
    assert any("finds no answer in the chain itself" in w and "last_number" in w for w in given["warnings"])
    boxed = preflight("resample_importance", {"cot": BOXED, "question": QUESTION}, settings)
    assert boxed["blocking"] is None and boxed["warnings"] == []


def test_no_extractor_finds_an_answer_then_only_the_answer_argument_is_proposed():
    found = preflight("resample_importance", {"cot": "Think about it. Then decide what is right.", "question": "q"})
    assert found["blocking"].endswith("pass answer='<the correct answer>' or an extractor (regex:<pattern>) that finds it")


def test_the_estimate_counts_rollouts_and_tokens_for_the_arguments_given():
    n = 4  # sentences of BOXED
    found = preflight("resample_importance", {"cot": BOXED, "question": QUESTION, "rollouts": 16, "max_new_tokens": 512})
    rollouts = 16 * (n + 1)
    assert found["numbers"] == {"rollouts": rollouts, "tokens": rollouts * 512 + rollouts * 16, "seconds": None}
    assert found["estimate"].startswith(f"at most {n + 1} positions x 16 rollouts = {rollouts} rollouts of up to 512 tokens "
                                        f"and {rollouts} forced answers of up to 16")
    assert found["estimate"].endswith("time unknown until a first run on this model")
    plain = preflight("resample_importance", {"cot": BOXED, "question": QUESTION, "rollouts": 3, "max_new_tokens": 100,
                                              "forced": False, "adaptive": False})
    assert plain["numbers"]["rollouts"] == 15 and plain["numbers"]["tokens"] == 1500
    assert plain["estimate"].startswith("5 positions x 3 rollouts = 15 rollouts of up to 100 tokens (~1,500 tokens)")


def test_the_measured_speed_gives_the_time_once_recorded(monkeypatch):
    monkeypatch.setenv("PARLEY_DEVICE", "cpu")
    settings = get_settings()
    args = {"cot": BOXED, "question": QUESTION, "rollouts": 16, "max_new_tokens": 512}
    assert preflight("resample_importance", args, settings)["numbers"]["seconds"] is None
    speed.record(settings, "smollm2-135m", "cpu", 1600, 10.0, "rollouts")  # 160 tokens/s
    found = preflight("resample_importance", args, settings)
    tokens = found["numbers"]["tokens"]
    assert found["numbers"]["seconds"] == pytest.approx(tokens / 160)
    assert "(~42,000 tokens); about 4 min at 160 tokens/s measured on smollm2-135m, cpu" in found["estimate"]
    # another model, or another device, is not this one's measurement
    assert preflight("resample_importance", args | {"model": "tiny-random"}, settings)["numbers"]["seconds"] is None
    monkeypatch.setenv("PARLEY_DEVICE", "cuda")
    assert preflight("resample_importance", args, get_settings())["numbers"]["seconds"] is None


def test_a_sampling_run_records_its_speed_and_the_next_estimate_uses_it(tiny, monkeypatch):
    monkeypatch.setattr(speed, "MIN_SECONDS", 0.0)  # tiny-random is too quick for the real floor
    settings = get_settings()
    args = {"cot": BOXED, "question": QUESTION, "model": "tiny-random", "rollouts": 2, "round_size": 2,
            "max_new_tokens": 8, "adaptive": False}
    assert preflight("resample_importance", args, settings)["numbers"]["seconds"] is None
    run_tool("resample_importance", args, settings=settings)
    saved = json.loads(speed.speed_path(settings.home).read_text())
    entry = saved["speeds"]["tiny-random on cpu"]["rollouts"]
    assert entry["tokens"] > 0 and entry["tokens_per_s"] > 0 and saved["auto_device"] == "cpu"
    found = preflight("resample_importance", args, settings)
    assert found["numbers"]["seconds"] == pytest.approx(found["numbers"]["tokens"] / entry["tokens_per_s"])
    assert "measured on tiny-random, cpu" in found["estimate"]


def test_a_chain_from_the_run_store_is_read_and_a_cut_chain_is_warned_about():
    store = RunStore(get_settings().runs_dir)
    run = store.create("generate_cot", {"question": QUESTION})
    run.complete({"question": QUESTION, "cot": PLAIN + " Then", "finish_reason": "length"})
    blocked = preflight("resample_importance", {"cot_run": run.id})
    assert "pass extractor='last_number' (finds '42') or answer='42'" in blocked["blocking"]
    found = preflight("resample_importance", {"cot_run": run.id, "answer": "42"})
    assert found["blocking"] is None
    assert any(f"run {run.id} was cut at its max_new_tokens" in w for w in found["warnings"])
    with pytest.raises(UsageError, match="cot_run: no run 'nope'"):
        preflight("resample_importance", {"cot_run": "nope"})


def test_pasted_text_without_a_question_is_blocking():
    found = preflight("resample_importance", {"cot": BOXED})
    assert found["blocking"].startswith("resample_importance: question is needed with pasted text")


def test_bad_arguments_are_a_usage_error_and_cheap_tools_have_no_preflight():
    with pytest.raises(UsageError, match="rollouts"):
        preflight("resample_importance", {"cot": BOXED, "question": "q", "rollouts": 0})
    assert preflight("split_sentences", {"cot": BOXED}) is None


def test_every_expensive_tool_estimates_with_its_default_arguments():
    defaults = {"resample_importance": {"cot": BOXED, "question": QUESTION},
                "sentence_resilience": {"scenario": "replacement-affair"},
                "compare_interventions": {"scenario": "replacement-affair", "sentence": 1},
                "hint_mediation": {"scenario": "hint-capital"},
                "cot_monitor": {"scenario": "replacement-affair"}}
    expensive = sorted(name for name, tool in REGISTRY.items() if tool.cost == "expensive")
    assert expensive and all(REGISTRY[name].preflight is not None for name in expensive)
    for name in expensive:
        found = preflight(name, defaults.get(name, {}))
        assert found["estimate"] and "\n" not in found["estimate"], name
        assert found["blocking"] is None and set(found["numbers"]) >= {"rollouts", "tokens", "seconds"}, name


def test_an_intervention_on_a_sentence_the_chain_lacks_is_blocking():
    found = preflight("compare_interventions", {"question": "q", "decision": "regex:yes", "cot": BOXED, "sentence": 9})
    assert found["blocking"] == "sentence: 9 is out of range; allowed 0 to 3 (the chain has 4 sentences)"


def test_pre_flight_imports_no_torch():
    code = ("import sys, tools; from tools.registry import preflight; "
            f"preflight('resample_importance', {{'cot': {PLAIN!r}, 'question': 'q'}}); "
            "preflight('steering_sweep', {}); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
