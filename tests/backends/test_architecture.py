"""Blocks and attention found by architecture: steering, ablation, residual reading, attention weights
and attention suppression run on tiny random GPT-2, GPT-NeoX, Qwen2 and Gemma models (built from
configs, nothing downloaded), and the hook and nnsight forms give the same numbers on each."""

import dataclasses

import numpy as np
import pytest
import torch

from backends.core.settings import Placement
from backends.organisms.lora import LoraSpec
from backends.steering.generate import generate_rows
from backends.subject import whitebox
from backends.subject.architecture import attention, decoder_layers, layout
from backends.subject.interventions import Edit
from backends.subject.models import ModelHandle, smollm2_tokenizer
from backends.subject.nnsight_model import NnsightHandle, wrap
from backends.subject.sampling import SamplingParams
from backends.thought_anchors.attention import sentence_attention, suppression_matrix
from backends.thought_anchors.sentences import split_sentences
from tests.conftest import MODEL_CACHE

pytestmark = pytest.mark.timeout(120)

TEXT = "We add two and three. That gives five. Then we double it. Ten is the result. So the answer is ten."
LAYOUTS = {"gpt2": ("transformer.h", "attn"), "gpt_neox": ("gpt_neox.layers", "attention"),
           "qwen2": ("model.layers", "self_attn"), "gemma": ("model.layers", "self_attn")}


def _config(kind: str, vocab: int):
    import transformers as t

    small = dict(vocab_size=vocab, num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=256)
    if kind == "gpt2":
        return t.GPT2Config(vocab_size=vocab, n_embd=32, n_layer=2, n_head=4, n_positions=256)
    if kind == "gpt_neox":
        return t.GPTNeoXConfig(hidden_size=32, intermediate_size=64, **small)
    if kind == "qwen2":
        return t.Qwen2Config(hidden_size=32, intermediate_size=64, num_key_value_heads=2, **small)
    return t.GemmaConfig(hidden_size=32, intermediate_size=64, num_key_value_heads=2, head_dim=8, **small)


@pytest.fixture(scope="module", params=list(LAYOUTS))
def pair(request):
    """(hook form, nnsight form) of one tiny random model: the same weights, the second traced through
    nnsight's simulation of a remote server."""
    from transformers import AutoModelForCausalLM, GenerationConfig

    tokenizer = smollm2_tokenizer(MODEL_CACHE)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(_config(request.param, len(tokenizer))).eval()
    model.generation_config = GenerationConfig(eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id)
    local = ModelHandle(name=request.param, model=model, tokenizer=tokenizer, source="built in test", revision="0")
    traced = NnsightHandle(**{f.name: getattr(local, f.name) for f in dataclasses.fields(local)},
                           placement=Placement(backend="nnsight", simulate=True), remote="local")
    traced._nnsight = wrap(model, tokenizer)
    return local, traced


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_blocks_attention_and_lora_targets_are_found_by_architecture(pair):
    local, traced = pair
    blocks, name = LAYOUTS[local.name]
    assert layout(local.model).layers == blocks and layout(traced.nnsight).attention == name
    assert decoder_layers(local.model) is local.model.get_submodule(blocks) and len(decoder_layers(local.model)) == 2
    assert attention(local.model, 1) is local.model.get_submodule(f"{blocks}.1.{name}")
    assert attention(traced.nnsight, 1)._module is attention(local.model, 1)  # the envoy of the same module
    module = {"gpt2": "mlp.c_proj", "gpt_neox": "mlp.dense_4h_to_h"}.get(local.name, "mlp.down_proj")
    assert LoraSpec(modules=[module], layers=[1]).targets(local) == [f"{blocks}.1.{module}"]


def test_residual_reading_with_and_without_ablation_agrees_between_forms(pair):
    local, traced = pair
    ids = local.tokenizer([TEXT], return_tensors="pt").input_ids.expand(2, -1).clone()
    mask = torch.ones_like(ids)
    mask[1, -3:] = 0
    rows, positions = torch.tensor([0, 0, 1]), torch.tensor([1, 4, 6])
    direction = torch.randn(2, 32, generator=torch.Generator().manual_seed(1))
    before = _hooks(local.model)
    for edit in (None, Edit(ablate=direction, ablate_layers=[0])):
        hooks = whitebox.residuals(local, ids, mask, [0, 1], rows, positions, edit)
        traces = whitebox.residuals(traced, ids, mask, [0, 1], rows, positions, edit)
        assert all(torch.equal(hooks[layer], traces[layer]) for layer in (0, 1))
    ablated = whitebox.residuals(local, ids, mask, [0], rows, positions, Edit(ablate=direction, ablate_layers=[0]))[0]
    q, _ = torch.linalg.qr(direction.T)
    assert float((ablated @ q).abs().max()) < 1e-5  # the span is gone where it was projected out
    steered = Edit(add={1: 3 * direction[0]})
    assert torch.equal(whitebox.token_logprobs(local, ids, mask, steered), whitebox.token_logprobs(traced, ids, mask, steered))
    assert _hooks(local.model) == before


@pytest.mark.timeout(60)
@pytest.mark.parametrize("where, start", [("both", 2), ("generated", 0)])
def test_steered_generation_agrees_between_forms(pair, where, start):
    local, traced = pair
    v = torch.randn(32, generator=torch.Generator().manual_seed(2))
    rows = [{}, {0: 4 * v}, {1: -4 * v}]
    params = SamplingParams(temperature=0, max_new_tokens=6)
    hooks = generate_rows(local, TEXT, rows, params, where=where, start=start)
    traces = generate_rows(traced, TEXT, rows, params, where=where, start=start)
    assert [r.text for r in traces] == [r.text for r in hooks] and [r.n_tokens for r in traces] == [r.n_tokens for r in hooks]
    assert hooks[0].text != hooks[1].text or hooks[0].text != hooks[2].text  # the steering did something


def test_attention_weights_and_suppression_agree_between_forms(pair):
    local, traced = pair
    spans = [(s.start, s.end) for s in split_sentences(TEXT).sentences]
    implementation = local.model.config._attn_implementation
    weights = sentence_attention(local, TEXT, spans)
    assert weights.shape == (2, 4, len(spans), len(spans))
    assert np.array_equal(weights, sentence_attention(traced, TEXT, spans))
    hooks, _ = suppression_matrix(local, TEXT, spans, batch=3)
    traces, _ = suppression_matrix(traced, TEXT, spans, batch=3)
    assert np.array_equal(hooks, traces, equal_nan=True) and np.isfinite(hooks[1:, 0]).all()
    assert local.model.config._attn_implementation == implementation and _hooks(local.model) == 0


def test_a_model_of_unknown_layout_is_one_line_naming_what_was_tried():
    with pytest.raises(ValueError, match="cannot find its decoder blocks"):
        layout(torch.nn.Linear(2, 2))
