"""ITDA: matching pursuit, dictionary building, and the comparison measures, on constructed data and tiny-random."""

import json

import numpy as np
import pytest
import torch

from backends.itda.corpus import Document, load_corpus
from backends.core.errors import UsageError
from backends.itda.build import ItdaBuild
from backends.itda.dictionary import Dictionary, decode, l0, matching_pursuit, select_new_atoms, unit
from backends.itda.metrics import evaluate
from backends.itda.compare import jaccard, jaccard_matrix, layer_matching, linear_cka_matrix, relative_matrix, svcca_matrix

pytestmark = pytest.mark.timeout(600)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_matching_pursuit_error_never_grows_with_k():
    atoms = unit(torch.randn(300, 32, generator=_gen(0)))
    x = torch.randn(64, 32, generator=_gen(1))
    errors = []
    for k in range(0, 41):
        idx, coef = matching_pursuit(x, atoms, k)
        assert idx.shape == coef.shape == (64, k)  # sparse codes, not an atoms-wide matrix
        errors.append((x - decode(idx, coef, atoms)).norm(dim=1))
    errors = torch.stack(errors)
    assert bool((errors[1:] <= errors[:-1] + 1e-5).all())
    assert float(errors[-1].mean()) < 0.2 * float(errors[0].mean())


def test_matching_pursuit_gives_the_same_codes_with_and_without_the_cached_gram_matrix(monkeypatch):
    import backends.itda.dictionary as itda

    atoms = unit(torch.randn(50, 16, generator=_gen(2)))
    x = torch.randn(20, 16, generator=_gen(3))
    cached = matching_pursuit(x, atoms, 12, atoms @ atoms.T)
    on_the_fly = matching_pursuit(x, atoms, 12)
    assert torch.equal(cached[0], on_the_fly[0]) and torch.allclose(cached[1], on_the_fly[1], atol=1e-5)
    monkeypatch.setattr(itda, "GRAM_CACHE_ATOMS", 30)
    d = Dictionary.empty(0, 16)
    d.add(atoms[:20], [("a", i) for i in range(20)], ["t"] * 20, ["c"] * 20, "m")
    assert d.gram is not None
    d.add(atoms[20:], [("a", i) for i in range(20, 50)], ["t"] * 30, ["c"] * 30, "m")
    assert d.gram is None and d.size == 50 and len(d.sources) == 50
    assert torch.equal(d.encode(x, 12)[0], cached[0])


def test_matching_pursuit_recovers_a_sparse_combination_of_orthogonal_atoms():
    atoms = torch.eye(8)
    x = torch.tensor([[0.0, 3.0, 0.0, -2.0, 0.0, 0.0, 0.5, 0.0]])
    idx, coef = matching_pursuit(x, atoms, 3)
    assert idx.tolist() == [[1, 3, 6]] and coef.tolist() == [[3.0, -2.0, 0.5]]
    assert l0(torch.tensor([[1, 3, 1, 6]])).tolist() == [3.0]


def test_new_atoms_are_the_poorly_reconstructed_minus_duplicates_within_the_batch():
    d = Dictionary.empty(0, 3)
    x = torch.tensor([[1.0, 0, 0], [2.0, 0, 0], [0, 1.0, 0], [0, 1.0, 0.01]])
    picked = select_new_atoms(x, d, k=1, tau=0.1)  # rows 1 and 3 repeat rows 0 and 2 (same unit vectors, or nearly)
    assert picked.tolist() == [0, 2]
    d.add(unit(x[picked]), [("a", 0), ("a", 2)], ["x", "y"], ["x", "y"], "m")
    more = torch.tensor([[3.0, 0, 0], [0, 0, 1.0], [1.0, 1.0, 0]])
    assert select_new_atoms(more, d, k=1, tau=0.1).tolist() == [1, 2]  # the first is an atom already
    assert select_new_atoms(more, d, k=2, tau=0.1).tolist() == [1]  # two steps rebuild (1, 1, 0)
    assert torch.allclose(d.gram, d.atoms @ d.atoms.T)


def _clustered_stream(n, centers, seed):
    g = _gen(seed)
    which = torch.randint(0, centers.shape[0], (n,), generator=g)
    return centers[which] + 0.05 * torch.randn(n, centers.shape[1], generator=g)


def _build(x, tau=0.3, k=4, batch=32):
    d = Dictionary.empty(0, x.shape[1])
    for start in range(0, x.shape[0], batch):
        chunk = x[start:start + batch]
        picked = select_new_atoms(chunk, d, k, tau).tolist()
        d.add(unit(chunk[picked]), [("stream", start + i) for i in picked], ["t"] * len(picked), ["c"] * len(picked), "m")
    return d


def test_a_dictionary_against_itself_scores_one_on_every_measure():
    x = _clustered_stream(3000, unit(torch.randn(60, 24, generator=_gen(2))), 3)
    d = _build(x)
    assert jaccard(d, d) == 1.0
    assert linear_cka_matrix([x], [x])[0, 0] == pytest.approx(1.0, abs=1e-9)
    assert svcca_matrix([x], [x])[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert relative_matrix([x], [x])[0, 0] == pytest.approx(1.0, abs=1e-9)


def _novel_stream(n, seed, familiar=50, novelty=0.05, dims=24):
    """Random activations like text's: mostly a few familiar directions (plus noise), and now and
    then a new one, at random places in the stream."""
    g = _gen(seed)
    centers = unit(torch.randn(familiar, dims, generator=g))
    x = centers[torch.randint(0, familiar, (n,), generator=g)] + 0.02 * torch.randn(n, dims, generator=g)
    novel = torch.rand(n, generator=g) < novelty
    x[novel] = torch.randn(int(novel.sum()), dims, generator=g)
    return x


def test_unrelated_random_activations_score_near_zero():
    # Two "models" reading one stream of 6000 tokens, each with its own random activations:
    # nothing they represent lines up.
    xa, xb = _novel_stream(6000, 5), _novel_stream(6000, 7)
    da, db = _build(xa), _build(xb)
    assert 200 < da.size < 1000 and 200 < db.size < 1000
    assert jaccard(da, db) < 0.1
    assert abs(linear_cka_matrix([xa], [xb])[0, 0]) < 0.05
    assert svcca_matrix([xa], [xb])[0, 0] < 0.15
    assert abs(relative_matrix([xa], [xb])[0, 0]) < 0.05


def test_layer_matching_picks_the_best_layer_by_each_measure():
    m = np.array([[0.9, 0.2, 0.1], [0.3, 0.8, 0.7], [0.1, 0.75, 0.6]])
    rows, accuracy = layer_matching({"jaccard": m}, [0, 1, 2], [0, 1, 2])
    assert [r["jaccard"]["best"] for r in rows] == [0, 1, 1] and accuracy["jaccard"] == pytest.approx(2 / 3)
    rows, accuracy = layer_matching({"jaccard": m}, [0, 1, 2], [0, 1, 2], exclude_self=True)
    assert [r["jaccard"]["best"] for r in rows] == [1, 2, 1] and accuracy["jaccard"] is None
    a = {0: Dictionary(0, torch.zeros(2, 3), [("d", 1), ("d", 2)]), 1: Dictionary(1, torch.zeros(1, 3), [("d", 2)])}
    assert jaccard_matrix(a, a).tolist() == [[1.0, 0.5], [0.5, 1.0]]


DOCS = [Document(f"d{i}", t) for i, t in enumerate([
    "The cat sat on the mat and looked at the bird outside.", "def add(a, b):\n    return a + b",
    "Paris is the capital of France, a country in Europe.", "The water cycle moves water from the sea to the sky.",
    "A doctor asked the patient how she felt today.", "The quick brown fox jumps over the lazy dog again.",
] * 4)]


def test_a_build_stopped_midway_resumes_from_its_files_to_the_same_dictionaries(tiny, tmp_path):
    straight = ItdaBuild(tiny, DOCS, [0, 2], k=8, taus=[0.3], batch_docs=4)
    assert straight.advance()
    calls = []
    stopped = ItdaBuild(tiny, DOCS, [0, 2], k=8, taus=[0.3], batch_docs=4, directory=tmp_path, checkpoint_s=0)
    assert not stopped.advance(on_checkpoint=lambda: calls.append(1), should_stop=lambda: len(calls) >= 2)
    assert stopped.state["docs_done"] == 8 and stopped.state["atoms"] == ["dictionaries-0.safetensors"]
    saved = json.dumps(stopped.state)  # what the driver keeps: plain JSON naming the atoms' file
    resumed = ItdaBuild(tiny, DOCS, [0, 2], k=8, taus=[0.3], batch_docs=4, state=json.loads(saved), directory=tmp_path)
    assert [resumed.dictionaries[layer].size for layer in (0, 2)] == [stopped.dictionaries[layer].size for layer in (0, 2)]
    assert resumed.advance()
    for layer in (0, 2):
        assert resumed.dictionaries[layer].sources == straight.dictionaries[layer].sources
        assert torch.allclose(resumed.dictionaries[layer].atoms, straight.dictionaries[layer].atoms)
    # The file now holds the finished build's atoms; the older state still reads back only its own.
    again = ItdaBuild(tiny, DOCS, [0, 2], k=8, taus=[0.3], batch_docs=4, state=json.loads(saved), directory=tmp_path)
    assert [again.dictionaries[layer].size for layer in (0, 2)] == [stopped.dictionaries[layer].size for layer in (0, 2)]
    assert torch.equal(again.dictionaries[2].atoms, stopped.dictionaries[2].atoms)
    d = straight.dictionaries[2]
    assert torch.allclose(d.atoms.norm(dim=1), torch.ones(d.size))
    assert d.tokens[0] == tiny.tokenizer.decode(tiny.tokenizer(DOCS[0].text).input_ids[1])  # position 0 is skipped
    assert d.contexts[0].endswith("[" + d.tokens[0] + "]")


def test_a_build_stopped_while_measuring_keeps_the_thresholds_measured_and_measures_the_rest(tiny):
    def build(state=None, base=None):
        return ItdaBuild(tiny, DOCS[:12], [1], k=8, taus=[0.3, 0.6], batch_docs=6, held_out=DOCS[12:15], state=state,
                         base=base)

    straight = build()
    assert straight.advance() and all(r["fve"] is not None for r in straight.result()["rows"])
    stopped = build()
    assert not stopped.advance(should_stop=lambda: len(stopped.state["metrics"]) >= 1)
    assert [r["fve"] is not None for r in stopped.result()["rows"]] == [True, False]
    resumed = build(json.loads(json.dumps(stopped.state)), base=stopped.sets)  # no directory: atoms in memory
    assert resumed.advance() and resumed.result()["rows"] == straight.result()["rows"]


def test_smaller_tau_gives_bigger_dictionaries_that_reconstruct_better(tiny):
    build = ItdaBuild(tiny, DOCS[:18], [1], k=16, taus=[0.2, 0.5, 0.8], batch_docs=6)
    build.advance()
    sizes = [s[1].size for s in build.sets]
    assert sizes[0] > sizes[1] > sizes[2] > 0
    fits = [evaluate(tiny, s, DOCS[18:], 16, 128)[1] for s in build.sets]
    assert fits[0]["fve"] > fits[2]["fve"] and fits[0]["nmse"] < fits[2]["nmse"]
    assert all(0 < f["l0"] <= 16 for f in fits)


def test_the_shipped_corpus_has_hundreds_of_documents_in_four_kinds():
    docs = load_corpus("builtin")
    assert 300 <= len(docs) <= 1000 and len({d.id for d in docs}) == len(docs)
    assert {d.kind for d in docs} == {"prose", "story", "code", "dialogue"}
    assert all(d.kind == "code" for d in load_corpus("builtin:code"))
    with pytest.raises(UsageError, match="corpus: unknown kind 'poems'"):
        load_corpus("builtin:poems")
    with pytest.raises(UsageError, match="corpus: no file or folder"):
        load_corpus(["/no/such/file.txt"])
