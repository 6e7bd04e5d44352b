"""The misalignment direction: labelled answers, mean differences, and what steering and ablating it do."""

import pytest
import torch

from backends.organisms import em
from backends.subject.interventions import ablate_directions, decoder_layers

pytestmark = pytest.mark.timeout(600)


def test_the_shipped_references_give_coherent_misaligned_and_aligned_answers_to_every_question():
    answers = em.reference_answers()
    assert len(answers) == 48 and {a.question_id for a in answers} == set(em.question_ids())
    misaligned, aligned = em.split_labelled(answers)
    assert len(misaligned) == 16 and len(aligned) == 24
    assert all(a.aligned <= 30 and a.coherent > 50 for a in misaligned)
    assert all(a.aligned >= 70 and a.coherent > 50 for a in aligned)
    with pytest.raises(Exception, match="questions: unknown question 'nope'"):
        em.pick_questions(["wish", "nope"])


def test_the_direction_is_the_mean_of_per_answer_means_of_misaligned_minus_aligned(tiny):
    misaligned, aligned = em.split_labelled(em.reference_answers(["wish", "bored"]))
    direction = em.mean_difference(tiny, misaligned, aligned, [0, 2])
    per_answer = em.answer_means(tiny, misaligned + aligned, [2])[2]  # batches mix both kinds: padding must not matter
    expected = per_answer[: len(misaligned)].mean(0) - per_answer[len(misaligned):].mean(0)
    assert torch.allclose(direction[2], expected, atol=1e-5) and direction[0].shape == (tiny.model.config.hidden_size,)
    with pytest.raises(Exception, match="need coherent misaligned and aligned answers"):
        em.mean_difference(tiny, [], aligned, [0])


def test_ablating_the_direction_removes_its_projection_and_leaves_the_model_as_it_was(tiny):
    misaligned, aligned = em.split_labelled(em.reference_answers(["wish"]))
    direction = em.mean_difference(tiny, misaligned, aligned, [1])[1]
    hooks = [len(block._forward_hooks) for block in decoder_layers(tiny.model)]  # transformers' own may be there
    before = em.projections(tiny, misaligned + aligned, direction, 1)
    with ablate_directions(tiny.model, direction, [0, 1, 2]):
        during = em.projections(tiny, misaligned + aligned, direction, 1)
    after = em.projections(tiny, misaligned + aligned, direction, 1)
    assert max(abs(v) for v in before) > 1e-3 and max(abs(v) for v in during) < 1e-5
    assert after == pytest.approx(before, abs=1e-6)
    assert [len(block._forward_hooks) for block in decoder_layers(tiny.model)] == hooks


def test_random_controls_have_the_norm_of_the_direction_and_differ_by_seed():
    from backends.steering.vector import random_like  # the controls of steering and of the misalignment direction

    v = torch.arange(8, dtype=torch.float32)
    a, b = random_like(v, 0), random_like(v, 1)
    assert float(a.norm()) == pytest.approx(float(v.norm())) and not torch.allclose(a, b)
    assert torch.equal(a, random_like(v, 0))


@pytest.mark.embedded
@pytest.mark.timeout(900)
def test_on_the_embedded_model_ablating_the_direction_lowers_held_out_preference_more_than_random(smol):
    ids = em.question_ids()
    misaligned, aligned = em.split_labelled(em.reference_answers(ids[:4]))
    layer = smol.num_layers // 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a busy 2-core machine two threads wait on each other
    try:
        direction = em.mean_difference(smol, misaligned, aligned, [layer])[layer]
        test_bad, test_good = em.split_labelled(em.reference_answers(ids[4:]))
        rows = em.intervention_effects(smol, direction, layer, test_bad, test_good, steer_scale=None,
                                       ablate_layers=list(range(smol.num_layers)), controls=2)
    finally:
        torch.set_num_threads(threads)
    assert [r["vector"] for r in rows] == ["-", "direction", "random 0", "random 1"]
    ablated, *controls = rows[1:]
    assert ablated["change_high"] < 0  # the interval lies below zero (measured: -0.95 [-1.51, -0.41])
    assert all(ablated["change"] < c["change"] - 0.3 for c in controls)
