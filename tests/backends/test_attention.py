"""Receiver heads on hand-built attention patterns; attention suppression on a real tiny model."""

import numpy as np
import pytest
import torch
from scipy.stats import kurtosis

from backends.thought_anchors.attention import (
    display_form, head_kurtosis, receiver_heads, receiver_scores, sentence_attention, split_half_reliability,
    suppress_attention, suppression_matrix, token_sentences, vertical_scores, eager_attention,
)
from backends.thought_anchors.sentences import split_sentences

TEXT = ("First we add seventeen and twenty five. That gives forty two. Then we check the sum. "
        "Forty two minus twenty five is seventeen. So the check passes. The answer is forty two.")


def spans(text):
    return [(s.start, s.end) for s in split_sentences(text).sentences]


def test_vertical_scores_average_what_sentences_four_or_more_later_pay():
    n = 6
    m = np.zeros((n, n))
    m[4, 0], m[5, 0], m[5, 1] = 0.2, 0.4, 0.6
    m[3, 0] = 9.0  # only 3 later: ignored
    v = vertical_scores(m)
    assert v[0] == pytest.approx(0.3) and v[1] == pytest.approx(0.6)
    assert np.isnan(v[2:]).all()  # nothing 4 or more sentences later


def test_receiver_heads_are_the_most_kurtotic_outside_layer_0():
    rng = np.random.default_rng(0)
    vertical = rng.uniform(0.1, 0.2, size=(3, 2, 12))
    vertical[0, 0, 3] = 5.0  # layer 0: excluded however peaked
    vertical[2, 1, 5] = 3.0  # the sharpest receiver outside layer 0
    vertical[1, 0, 7] = 0.6  # a milder one
    kurt = head_kurtosis(vertical)
    assert kurt[2, 1] == pytest.approx(kurtosis(vertical[2, 1], fisher=True))
    assert receiver_heads(kurt, k=2) == [(2, 1), (1, 0)]
    scores = receiver_scores(vertical, [(2, 1), (1, 0)])
    assert int(np.argmax(scores)) == 5 and scores[5] == pytest.approx((3.0 + vertical[1, 0, 5]) / 2)


def test_split_half_reliability_is_high_for_consistent_head_rankings():
    base = np.arange(12, dtype=float).reshape(3, 4)
    noisy = [base + np.random.default_rng(i).normal(0, 0.1, base.shape) for i in range(6)]
    assert split_half_reliability(noisy) > 0.9
    assert split_half_reliability(noisy[:1]) is None


def test_sentence_attention_rows_are_block_means_of_real_attention(tiny):
    matrices = sentence_attention(tiny, TEXT, spans(TEXT))
    layers, heads = tiny.model.config.num_hidden_layers, tiny.model.config.num_attention_heads
    n = len(spans(TEXT))
    assert matrices.shape == (layers, heads, n, n)
    assert np.allclose(np.triu(matrices[..., :, :], k=1), 0.0)  # causal: no attention to later sentences
    assert tiny.model.config._attn_implementation != "eager"  # restored


def test_suppressing_a_sentence_leaves_earlier_tokens_unchanged_and_the_model_as_it_was(tiny):
    before = {k: v.clone() for k, v in tiny.model.state_dict().items()}
    text_spans = spans(TEXT)
    ids, owner = token_sentences(tiny, TEXT, text_spans)
    matrix, token_kl = suppression_matrix(tiny, TEXT, text_spans, batch=4)
    for j in range(len(text_spans)):
        first = owner.index(j)
        assert first == 0 or np.abs(token_kl[j][:first]).max() < 1e-6  # before sentence j nothing changes
        assert token_kl[j][first:].max() > 0  # at and after it something does
    assert all(torch.equal(v, before[k]) for k, v in tiny.model.state_dict().items())
    assert not any(layer.self_attn._forward_pre_hooks for layer in tiny.model.model.layers)
    shown = display_form(matrix)
    assert np.isnan(shown[0]).all() and np.nanmean(shown[3, :3]) == pytest.approx(0.0, abs=1e-9)


def test_batched_suppression_equals_one_pass_per_sentence(tiny):
    text_spans = spans(TEXT)
    batched, _ = suppression_matrix(tiny, TEXT, text_spans, batch=6)
    single, _ = suppression_matrix(tiny, TEXT, text_spans, batch=1)
    assert np.allclose(batched, single, atol=1e-4)


def test_the_context_manager_restores_even_when_the_body_raises(tiny):
    with eager_attention(tiny.model):
        with pytest.raises(RuntimeError):
            with suppress_attention(tiny.model, [[0, 1]]):
                raise RuntimeError("inside")
    assert not any(layer.self_attn._forward_pre_hooks for layer in tiny.model.model.layers)


def test_kl_of_near_identical_peaked_distributions_is_never_negative():
    # Without the clamp rounding makes 192 of these slightly negative; on the anchor organism some reached -1.8e-7,
    # below -1e-9, so the matrix's log(KL + 1e-9) was NaN and the entry n/a.
    from backends.thought_anchors.attention_traces import kl_divergence

    generator = torch.Generator().manual_seed(0)
    base = torch.randn(400, 4096, generator=generator) * 3
    base[:, 0] += 60
    kl = kl_divergence(base, base + torch.randn(base.shape, generator=generator) * 1e-4)
    assert (kl >= 0).all() and torch.isfinite(torch.log(kl + 1e-9)).all()
