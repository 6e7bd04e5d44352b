"""Residual-stream interventions: they fire on every generation step and always restore the model."""

import pytest
import torch

from backends.subject.interventions import ResidualAddition, ablate_directions, add_to_residual, decoder_layers, record_residual
from backends.steering.generate import generate_rows
from backends.subject.sampling import SamplingParams

pytestmark = pytest.mark.timeout(300)


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def _state(model) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


def _direction(tiny, seed=0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(tiny.model.config.hidden_size, generator=g)


def _prompt(tiny):
    return tiny.tokenizer(tiny.chat_prompt("Write a Python function that adds two numbers."),
                          return_tensors="pt", add_special_tokens=False).input_ids


@torch.inference_mode()
def _greedy_without_cache(tiny, ids, steps, deltas, where, prompt_len):
    """The reference: recompute the whole sequence at every step, steering inside each pass."""
    ids = ids.clone()
    with add_to_residual(tiny.model, deltas, where=where, prompt_len=prompt_len):
        for _ in range(steps):
            logits = tiny.model(input_ids=ids, use_cache=False).logits[:, -1]
            ids = torch.cat([ids, logits.argmax(-1, keepdim=True)], dim=1)
    return ids[0, prompt_len:].tolist()


def test_steering_fires_on_the_prompt_pass_and_every_generated_token(tiny):
    ids = _prompt(tiny)
    n = ids.shape[1]
    with add_to_residual(tiny.model, {1: _direction(tiny)}, where="both", prompt_len=n) as both:
        tiny.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False)
    # One call for the prompt pass, then one per generated token after the first: 12 passes in all.
    assert both.calls == [(1, 0, n)] + [(1, n + i, 1) for i in range(11)]
    with add_to_residual(tiny.model, {1: _direction(tiny)}, where="generated", prompt_len=n) as generated:
        tiny.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False)
    assert generated.calls == [(1, 0, 0)] + [(1, n + i, 1) for i in range(11)]
    with add_to_residual(tiny.model, {1: _direction(tiny)}, where="prompt", prompt_len=n, start=3) as prompt:
        tiny.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False)
    assert prompt.calls == [(1, 0, n - 3)] + [(1, n + i, 0) for i in range(11)]


@pytest.mark.parametrize("where", ["both", "generated", "prompt"])
def test_cached_batched_steering_equals_recomputing_every_step_without_a_cache(tiny, where):
    # If the hook only acted on the prompt pass (the KV-cache pitfall), the cached run would
    # drift from the reference, which steers inside every full recomputation.
    ids = _prompt(tiny)
    deltas = {1: 0.5 * _direction(tiny), 2: 0.5 * _direction(tiny, 1)}
    text = tiny.tokenizer.decode(ids[0])
    unsteered, steered = generate_rows(tiny, text, [{}, deltas], SamplingParams(max_new_tokens=10, temperature=0),
                                       where=where)
    reference = _greedy_without_cache(tiny, ids, 10, deltas, where, ids.shape[1])
    assert steered.n_tokens == 10 and tiny.tokenizer.decode(reference) == steered.text
    assert steered.text != unsteered.text  # the steering does change what is generated


def test_the_model_is_restored_after_the_context_even_when_it_raises(tiny):
    before, hooks = _state(tiny.model), _hooks(tiny.model)
    with pytest.raises(RuntimeError, match="inside"):
        with add_to_residual(tiny.model, {0: _direction(tiny), 3: _direction(tiny)}):
            assert _hooks(tiny.model) == hooks + 2
            raise RuntimeError("inside the context")
    with pytest.raises(RuntimeError, match="inside"):
        with ablate_directions(tiny.model, _direction(tiny)):
            raise RuntimeError("inside the context")
    after = _state(tiny.model)
    assert _hooks(tiny.model) == hooks and all(torch.equal(before[k], after[k]) for k in before)


@torch.inference_mode()
def test_ablation_leaves_no_component_along_the_directions(tiny):
    ids = _prompt(tiny)
    directions = torch.stack([_direction(tiny, 3), _direction(tiny, 4)])
    q = torch.linalg.qr(directions.T).Q
    layers = list(range(len(decoder_layers(tiny.model))))
    with record_residual(tiny.model, layers) as plain:
        tiny.model(input_ids=ids)
    with ablate_directions(tiny.model, directions, layers=[1, 2]) as basis:
        with record_residual(tiny.model, layers) as ablated:  # registered after: sees the ablated output
            tiny.model(input_ids=ids)
    assert torch.allclose(basis.abs(), q.abs(), atol=1e-5)
    for layer in (1, 2):
        assert (ablated[layer][0] @ q).abs().max() < 1e-4
        assert (plain[layer][0] @ q).abs().max() > 1e-2  # there was something to remove
    assert torch.equal(ablated[0][0], plain[0][0])  # layers before the first ablated one are untouched
    assert not torch.allclose(ablated[3][0] @ q, torch.zeros(1))  # later blocks write the direction again


def test_per_row_deltas_follow_their_rows_when_finished_rows_leave_the_batch():
    deltas = {0: torch.arange(4.0)[:, None].expand(4, 3).clone()}
    state = ResidualAddition(deltas, "both", None)
    hidden = torch.zeros(4, 1, 3)
    assert state._delta(0, hidden)[:, 0, 0].tolist() == [0, 1, 2, 3]
    state.keep(torch.tensor([0, 2, 3]))  # row 1 finished
    assert state._delta(0, hidden[:3])[:, 0, 0].tolist() == [0, 2, 3]
    state.keep(torch.tensor([1, 2]))  # then the row that was 0 finished
    assert state._delta(0, hidden[:2])[:, 0, 0].tolist() == [2, 3]
    with pytest.raises(ValueError, match="2 per-row deltas for a batch of 3"):
        state._delta(0, hidden[:3])


def test_rows_steered_in_one_batch_match_each_row_generated_alone(tiny):
    text = tiny.chat_prompt("Write a Python function that adds two numbers.")
    a, b = {1: 0.4 * _direction(tiny, 5)}, {2: 0.4 * _direction(tiny, 6)}
    batched = generate_rows(tiny, text, [a, {}, b], SamplingParams(max_new_tokens=8, temperature=0))
    alone = [generate_rows(tiny, text, [row], SamplingParams(max_new_tokens=8, temperature=0))[0] for row in (a, {}, b)]
    assert [r.text for r in batched] == [r.text for r in alone]
    assert len({r.text for r in batched}) == 3
