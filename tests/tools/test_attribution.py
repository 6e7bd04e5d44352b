"""receiver_heads and attention_suppression through the registry and the real CLI."""

import json

import pytest

from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import run_parley
from tools import run_tool

COT = ("First we add seventeen and twenty five. That gives forty two. Then we check the sum. "
       "Forty two minus twenty five is seventeen. So the check passes. The answer is forty two. "
       "Nothing else is needed here. We are done now.")


def test_receiver_heads_scores_every_sentence_and_names_heads_outside_layer_0(tiny):
    out = run_tool("receiver_heads", {"cot": COT, "model": "tiny-random", "k": 3})
    assert len(out.result["sentences"]) == 8 and len(out.result["heads"]) == 3
    assert all(h["layer"] >= 1 for h in out.result["heads"])
    scored = [r for r in out.result["sentences"] if r["receiver_score"] is not None]
    assert [r["index"] for r in scored] == [0, 1, 2, 3]  # only sentences with one 4 or more later
    assert out.plot["kind"] == "bar" and len(out.plot["y"]) == 8


def test_attention_suppression_gives_a_lower_triangle_display_and_outflow(tiny):
    out = run_tool("attention_suppression", {"cot": COT, "model": "tiny-random", "batch": 3})
    display = out.result["display"]
    assert len(display) == 8 and all(v is None for v in display[0])
    assert all(display[i][j] is None for i in range(8) for j in range(i, 8))  # later targets only
    assert out.plot["kind"] == "heatmap" and out.result["outflow"][-1] is None


def test_the_combined_view_correlates_measures_of_the_same_text(tiny):
    run_tool("receiver_heads", {"cot": COT, "model": "tiny-random"})
    out = run_tool("attention_suppression", {"cot": COT, "model": "tiny-random"})
    assert "receiver score vs suppression outflow" in out.result["combined"]["correlations"]
    assert "Spearman" in out.summary


def test_too_short_a_text_is_a_clear_error():
    out = run_parley("tool", "receiver_heads", "--args", json.dumps({"cot": "Just one sentence here.", "model": "tiny-random"}))
    assert out.returncode == 2 and json.loads(out.stdout)["error"]["message"] == "cot: needs at least 2 sentences"


@pytest.mark.embedded
def test_both_tools_on_a_chain_of_thought_from_the_embedded_model(smol):
    made = json.loads(run_parley("tool", "generate_cot", "--args", json.dumps(
        {"question": "A shop sells pens at 3 dollars each. How much do 7 pens cost?", "seed": 1, "max_new_tokens": 128})).stdout)
    for tool in ("receiver_heads", "attention_suppression"):
        out = run_parley("tool", tool, "--args", json.dumps({"cot_run": made["run_id"]}))
        assert out.returncode == 0, out.stderr[-2000:]
        answer = json.loads(out.stdout)
        assert answer["ok"] and answer["status"] == "complete"
        run = RunStore(get_settings().runs_dir).get(answer["run_id"])
        assert run.meta["model"]["name"] == "smollm2-135m"
        print(tool, run.meta["timings"])
