"""itda_build, itda_compare and itda_explain through the registry and the real CLI."""

import copy
import json

import pytest
import torch

from tests.conftest import parley_here, run_parley
from tools import run_tool

pytestmark = pytest.mark.timeout(900)

TEXTS = ["The cat sat on the mat and looked at the bird outside.", "def add(a, b):\n    return a + b",
         "Paris is the capital of France, a country in Europe.", "The water cycle moves water from the sea to the sky.",
         "A doctor asked the patient how she felt today.", "The quick brown fox jumps over the lazy dog again."]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": f"{t} Number {i}."}) + "\n"
                            for i, t in enumerate(TEXTS * 5)))
    return str(path)


def _build(corpus, **kw):
    return run_tool("itda_build", {"model": "tiny-random", "corpus": [corpus], "k": 8, "tau": 0.3, "batch": 6, **kw})


def test_build_compare_and_explain_on_tiny_random(tiny, corpus):
    built = _build(corpus)
    rows = built.result["rows"]
    assert [r["layer"] for r in rows] == [0, 1, 2, 3] and all(r["size"] > 0 and 0 < r["fve"] <= 1 for r in rows)
    assert built.result["dictionary"] == built.run_id and built.plot["kind"] == "bar"
    compared = run_tool("itda_compare", {"dictionary_run": built.run_id, "tokens": 128})
    assert compared.result["same"] and compared.result["measures"] == ["jaccard", "cka", "svcca", "relative"]
    assert [r["layer"] for r in compared.result["rows"]] == [0, 1, 2, 3]
    assert all(r["jaccard"]["best"] != r["layer"] for r in compared.result["rows"])  # the best *other* layer
    assert compared.plot["kind"] == "heatmap" and len(compared.plot["matrix"]) == 4
    explained = run_tool("itda_explain", {"dictionary_run": built.run_id, "layer": 2, "text": "The cat sat.", "atom": 0})
    assert [t["token"] for t in explained.result["tokens"]] == ["The", " cat", " sat", "."]
    assert explained.result["atom"]["index"] == 0 and len(explained.result["atom"]["nearest"]) == 5
    assert "d0@1" in explained.result["atom"]["label"]  # atom 0 is the first token read (position 0 is skipped)


def test_two_runs_on_the_same_stream_match_every_layer_to_itself(tiny, corpus):
    a, b = _build(corpus), _build(corpus)
    compared = run_tool("itda_compare", {"dictionary_run": a.run_id, "other_run": b.run_id, "tokens": 128})
    assert compared.result["accuracy"] == {"jaccard": 1.0, "cka": 1.0, "svcca": 1.0, "relative": 1.0}
    assert all(r["jaccard"]["value"] == 1.0 for r in compared.result["rows"])


def test_a_stopped_build_is_partial_and_resuming_gives_the_same_dictionaries(tiny, corpus):
    seen = []
    stopped = run_tool("itda_build", {"model": "tiny-random", "corpus": [corpus], "k": 8, "tau": 0.3, "batch": 6},
                       progress=lambda d, t, n: seen.append(d), should_stop=lambda: len(seen) >= 2)
    assert stopped.status == "partial" and stopped.summary.startswith("Partial")
    assert stopped.summary.endswith(f"Resume: `parley runs resume {stopped.run_id}`.")
    resumed = run_tool("", resume=stopped.run_id)
    straight = _build(corpus)
    assert resumed.status == "complete"
    assert [r["size"] for r in resumed.result["rows"]] == [r["size"] for r in straight.result["rows"]]
    assert [r["fve"] for r in resumed.result["rows"]] == [r["fve"] for r in straight.result["rows"]]


def test_continuing_on_a_fine_tune_adds_atoms_only_where_it_changed(tiny, corpus, tmp_path):
    tuned = copy.deepcopy(tiny.model)
    with torch.no_grad():
        tuned.model.layers[2].mlp.down_proj.weight.add_(0.5 * torch.randn_like(tuned.model.layers[2].mlp.down_proj.weight))
    tuned.save_pretrained(tmp_path / "tuned")
    tiny.tokenizer.save_pretrained(tmp_path / "tuned")
    base = _build(corpus)
    diff = _build(corpus, model=str(tmp_path / "tuned"), base_run=base.run_id)
    added = {r["layer"]: r["added"] for r in diff.result["rows"]}
    assert added[0] == added[1] == 0 and added[2] > 0 and added[3] > 0  # layers 0-1 are the base model's exactly
    listed = run_tool("itda_explain", {"dictionary_run": diff.run_id, "layer": 2, "added": True, "top": 3})
    assert listed.result["n_added"] == added[2] and len(listed.result["added"]) == min(added[2], 100)


def test_a_dictionary_on_one_distribution_reconstructs_another(tiny, corpus, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Numbers: 1 2 3 4 5 6 7 8 9 10.\n\nLists of numbers, again and again: 11 12 13 14.\n")
    built = _build(corpus)
    out = run_tool("itda_compare", {"dictionary_run": built.run_id, "mode": "distribution", "corpus": [str(other)]})
    rows = out.result["rows"]
    assert [r["layer"] for r in rows] == [0, 1, 2, 3] and all(r["fve_other"] is not None for r in rows)
    assert out.plot["kind"] == "line" and {s["name"] for s in out.plot["series"]} == {"own held-out", "other corpus"}


def test_the_papers_threshold_mse_builds_the_same_dictionaries_as_its_tau_and_the_run_records_its_encoders(tiny, corpus):
    from backends.itda.dictionary import threshold_mse_from_tau

    width = tiny.model.config.hidden_size
    by_tau = _build(corpus, encoder="mp")
    by_mse = run_tool("itda_build", {"model": "tiny-random", "corpus": [corpus], "k": 8, "batch": 6,
                                     "threshold_mse": threshold_mse_from_tau(0.3, width)})
    assert by_mse.result["taus"][0] == pytest.approx(0.3, abs=1e-9)
    assert [r["size"] for r in by_mse.result["rows"]] == [r["size"] for r in by_tau.result["rows"]]
    assert by_tau.result["threshold_mse"][0] == pytest.approx(threshold_mse_from_tau(0.3, width))
    assert (by_tau.result["encoder"], by_mse.result["encoder"], by_mse.result["build_encoder"]) == ("mp", "omp", "mp")
    # The same dictionaries: OMP's held-out error is lower than MP's, layer by layer.
    assert all(o["nmse"] <= m["nmse"] + 1e-6 for o, m in zip(by_mse.result["rows"], by_tau.result["rows"]))
    assert "held-out error measured with omp" in by_mse.summary
    explained = run_tool("itda_explain", {"dictionary_run": by_mse.run_id, "layer": 2, "text": "The cat sat."})
    assert explained.result["encoder"] == "omp"
    assert all(len({a["index"] for a in t["atoms"]}) == len(t["atoms"]) for t in explained.result["tokens"])


@pytest.mark.parametrize("tool, args, field, words", [
    ("itda_build", {"model": "tiny-random", "tau": 0.3, "threshold_mse": 0.001}, "threshold_mse", "not both"),
    ("itda_build", {"model": "tiny-random", "threshold_mse": 0.9}, "threshold_mse", "allowed between 0 and"),
    ("itda_build", {"model": "tiny-random", "tau": 1.5}, "tau", "between 0 and 1"),
    ("itda_build", {"model": "tiny-random", "layers": [9]}, "layers", "layer 9 is out of range; allowed 0 to 3"),
    ("itda_build", {"model": "tiny-random", "corpus": ["/no/such.txt"]}, "corpus", "no file or folder"),
    ("itda_build", {"model": "tiny-random", "base_run": "nope"}, "base_run", "no run 'nope'"),
    ("itda_compare", {"dictionary_run": "nope"}, "dictionary_run", "no run 'nope'"),
    ("itda_explain", {"dictionary_run": "nope", "text": "hi"}, "dictionary_run", "no run 'nope'"),
])
def test_bad_input_is_exit_2_with_a_one_line_message(tool, args, field, words, tiny):
    out = parley_here("tool", tool, "--args", json.dumps(args))
    assert out.returncode == 2, out.stdout + out.stderr
    error = json.loads(out.stdout)["error"]
    assert error["field"] == field and words in error["message"] and "\n" not in error["message"]


@pytest.mark.embedded
def test_the_layer_matching_table_over_the_embedded_models_30_layers_through_the_cli(smol):
    built = run_parley("tool", "itda_build", "--args", json.dumps({"docs": 20, "max_tokens": 32, "tau": 0.5}),
                       timeout=900)
    assert built.returncode == 0, built.stderr[-2000:]
    build = json.loads(built.stdout)
    assert [r["layer"] for r in build["result"]["rows"]] == list(range(30))
    out = run_parley("tool", "itda_compare", "--args", json.dumps({"dictionary_run": build["run_id"], "tokens": 256}),
                     timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    rows = data["result"]["rows"]
    assert [r["layer"] for r in rows] == list(range(30))
    assert all(set(r) == {"layer", "jaccard", "cka", "svcca", "relative"} for r in rows)
    # Neighbouring layers resemble each other most: the best other layer is usually adjacent.
    assert sum(abs(r["cka"]["best"] - r["layer"]) == 1 for r in rows) >= 20
    assert len(data["plot"]["matrix"]) == 30 and len(data["plot"]["xlabels"]) == 30
