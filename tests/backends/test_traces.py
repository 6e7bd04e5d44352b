"""The nnsight forms of the white-box methods give the hook forms' numbers exactly (max abs diff 0),
traced here and through nnsight's simulation of a remote server (remote="local"), on tiny-random and
on the embedded model; a model placed on nnsight loads as the placement says, never its weights
when they are elsewhere, and its key is never written down."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from backends.core.errors import UsageError
from backends.core.settings import Placement, Settings, get_settings
from backends.steering.contrast import build_steering_vector
from backends.steering.generate import generate_rows
from backends.subject import whitebox
from backends.subject.interventions import Edit
from backends.subject.nnsight_model import is_nnsight, load_nnsight, remote_of
from backends.subject.sampling import SamplingParams
from backends.thought_anchors.attention import sentence_attention, suppression_matrix
from backends.thought_anchors.sentences import split_sentences
from tests.conftest import MODEL_CACHE

pytestmark = pytest.mark.timeout(120)

TEXT = "First we add two. Then we multiply by three. So the answer is nine. We check it. Nine is right. Done."


def _forms(name: str):
    """The simulated nnsight handle of a built-in model, and the same traced in-process (no serialization)."""
    settings = Settings(model_cache=MODEL_CACHE)
    simulated = load_nnsight(f"{name}-nn", settings, Placement(backend="nnsight", served_name=name, simulate=True))
    return simulated, dataclasses.replace(simulated, remote=False)


@pytest.fixture(scope="module")
def tiny_forms(tiny):
    return _forms("tiny-random")


def test_a_simulated_placement_loads_the_served_model_here_and_traces_remotely(tiny, tiny_forms):
    simulated, _ = tiny_forms
    assert is_nnsight(simulated) and simulated.model is tiny.model and simulated.remote == "local"
    assert simulated.describe()["nnsight"] == "simulated" and simulated.describe()["served_name"] == "tiny-random"
    assert tiny.tokenizer.padding_side == "right"  # nnsight's own copy is the one it left-pads
    assert remote_of(Placement(backend="nnsight")) is True
    assert remote_of(Placement(backend="nnsight", base_url="http://gpu:6677")) == "http://gpu:6677"


@pytest.mark.parametrize("remote", [False, "local"])
def test_reads_and_edits_equal_the_hooks(tiny, tiny_forms, remote):
    handle = tiny_forms[0] if remote == "local" else tiny_forms[1]
    ids = tiny.tokenizer(["The cat sat on the mat. It purred.", "A dog barked at the mailman twice."],
                         return_tensors="pt", padding=True).input_ids
    mask = torch.ones_like(ids)
    mask[1, -2:] = 0
    rows, positions = torch.tensor([0, 0, 1, 1]), torch.tensor([1, 5, 2, 3])
    d = torch.randn(64, generator=torch.Generator().manual_seed(0))
    for edit in (None, Edit(add={1: 3 * d}), Edit(ablate=torch.stack([d, d.roll(1)]), ablate_layers=[0, 2])):
        hooks = whitebox.residuals(tiny, ids, mask, [1, 3], rows, positions, edit)
        traces = whitebox.residuals(handle, ids, mask, [1, 3], rows, positions, edit)
        assert all(float((hooks[layer] - traces[layer]).abs().max()) == 0.0 for layer in (1, 3))
        assert torch.equal(whitebox.token_logprobs(tiny, ids, mask, edit), whitebox.token_logprobs(handle, ids, mask, edit))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("where, start", [("both", 0), ("both", 4), ("prompt", 4), ("generated", 0)])
def test_steered_generation_equals_the_hooks_at_every_step(tiny, tiny_forms, where, start):
    prompt = tiny.chat_prompt("Write a haiku about the sea.")
    v = torch.randn(64, generator=torch.Generator().manual_seed(1))
    rows = [{}, {2: 2 * v}, {2: -2 * v, 3: 2 * v}]
    params = SamplingParams(temperature=0, max_new_tokens=10)
    hooks = generate_rows(tiny, prompt, rows, params, where=where, start=start)
    for handle in tiny_forms:
        traces = generate_rows(handle, prompt, rows, params, where=where, start=start)
        assert [(r.text, r.n_tokens, r.finish_reason) for r in traces] == [(r.text, r.n_tokens, r.finish_reason) for r in hooks]


@pytest.mark.timeout(60)
def test_traced_sampling_is_seeded_wherever_it_runs(tiny_forms):
    simulated, here = tiny_forms
    prompt, rows = "Once upon a time", [{}, {}]
    a = generate_rows(simulated, prompt, rows, SamplingParams(temperature=0.8, max_new_tokens=8, seed=3))
    b = generate_rows(here, prompt, rows, SamplingParams(temperature=0.8, max_new_tokens=8, seed=3))
    c = generate_rows(here, prompt, rows, SamplingParams(temperature=0.8, max_new_tokens=8, seed=4))
    assert [r.text for r in a] == [r.text for r in b] != [r.text for r in c]
    assert a[0].text != a[1].text  # each row its own draws


def test_attention_and_suppression_equal_the_hooks(tiny, tiny_forms):
    spans = [(s.start, s.end) for s in split_sentences(TEXT).sentences]
    weights = sentence_attention(tiny, TEXT, spans)
    matrix, token_kl = suppression_matrix(tiny, TEXT, spans, batch=4, layers=[1, 2])
    for handle in tiny_forms:
        assert np.array_equal(sentence_attention(handle, TEXT, spans), weights)
        got, got_kl = suppression_matrix(handle, TEXT, spans, batch=4, layers=[1, 2])
        assert np.array_equal(got, matrix, equal_nan=True) and np.array_equal(got_kl, token_kl, equal_nan=True)


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a busy 2-core machine two threads wait on each other
    yield
    torch.set_num_threads(threads)


@pytest.mark.embedded
@pytest.mark.timeout(120)
def test_on_the_embedded_model_every_form_equals_the_hooks(smol, one_thread):
    simulated, here = _forms("smollm2-135m")
    pairs = [("You are talking to a real user:", "You are talking to an AI evaluator:")]
    vector = build_steering_vector(smol, pairs, layers=[3, 20])
    for handle in (simulated, here):
        traced = build_steering_vector(handle, pairs, layers=[3, 20])
        assert all(torch.equal(vector.layer_activations[k], traced.layer_activations[k]) for k in (3, 20))
    prompt = smol.chat_prompt("Name a colour.")
    rows = [{}, vector.deltas(8.0, [20])]
    params = SamplingParams(temperature=0, max_new_tokens=5)
    hooks = generate_rows(smol, prompt, rows, params)
    assert [r.text for r in generate_rows(simulated, prompt, rows, params)] == [r.text for r in hooks]
    spans = [(s.start, s.end) for s in split_sentences(TEXT).sentences]
    assert np.array_equal(sentence_attention(here, TEXT, spans), sentence_attention(smol, TEXT, spans))
    got, _ = suppression_matrix(simulated, TEXT, spans[:3], batch=3, layers=[5])
    want, _ = suppression_matrix(smol, TEXT, spans[:3], batch=3, layers=[5])
    assert np.array_equal(got, want, equal_nan=True)


def _served_folder(tiny, tmp_path):
    """What an NDIF or nnsight-serve model needs here: its config and tokenizer, no weights."""
    folder = tmp_path / "tiny-config"
    tiny.model.config.save_pretrained(folder)
    tiny.model.generation_config.save_pretrained(folder)
    tiny.tokenizer.save_pretrained(folder)
    return folder


def test_a_served_model_loads_its_config_and_tokenizer_only(tiny, tmp_path):
    folder = _served_folder(tiny, tmp_path)
    placement = Placement(backend="nnsight", base_url="http://127.0.0.1:9", served_name="org/tiny", tokenizer=str(folder))
    handle = load_nnsight("tiny-serve", Settings(model_cache=MODEL_CACHE), placement)
    assert handle.model.device.type == "meta" and not handle.weights_here and handle.device.type == "cpu"
    assert handle.num_layers == 4 and handle.chat_prompt("hi") == tiny.chat_prompt("hi")
    assert handle.describe()["weights"] == "not loaded here" and handle.describe()["served_name"] == "org/tiny"
    ids, mask = torch.tensor([[1, 2, 3]]), torch.ones(1, 3, dtype=torch.long)
    spans = [(s.start, s.end) for s in split_sentences(TEXT).sentences]
    every_method = [  # each gets as far as sending its trace: nothing here needs the weights
        lambda: whitebox.residuals(handle, ids, mask, [1], torch.tensor([0]), torch.tensor([1])),
        lambda: whitebox.token_logprobs(handle, ids, mask, Edit(ablate=torch.ones(64))),
        lambda: generate_rows(handle, "hi", [{}, {1: torch.ones(64)}], SamplingParams(temperature=0, max_new_tokens=2)),
        lambda: sentence_attention(handle, TEXT, spans),
        lambda: suppression_matrix(handle, TEXT, spans, batch=2),
    ]
    for method in every_method:
        with pytest.raises(UsageError, match=r'^models."tiny-serve".base_url: cannot reach http://127.0.0.1:9 \('):
            method()


def test_ndif_needs_its_key_in_the_environment_and_never_records_it(tiny, tmp_path, monkeypatch):
    from nnsight import CONFIG

    folder = _served_folder(tiny, tmp_path)
    monkeypatch.setenv("PARLEY_MODELS", json.dumps({"tiny-ndif": {"backend": "nnsight", "served_name": "org/tiny",
                                                                   "tokenizer": str(folder), "api_key_env": "TEST_NDIF_KEY"}}))
    settings = get_settings(model_cache=MODEL_CACHE)
    placement = settings.models["tiny-ndif"]
    monkeypatch.delenv("TEST_NDIF_KEY", raising=False)
    with pytest.raises(UsageError, match='models."tiny-ndif".api_key_env: set TEST_NDIF_KEY'):
        load_nnsight("tiny-ndif", settings, placement)
    monkeypatch.setenv("TEST_NDIF_KEY", "secret-key-123")
    monkeypatch.setattr(CONFIG.API, "APIKEY", None)
    handle = load_nnsight("tiny-ndif", settings, placement)
    assert handle.remote is True and CONFIG.API.APIKEY == "secret-key-123"
    assert "secret-key-123" not in json.dumps(handle.describe()) + repr(handle)
