"""CAFT: directions from activation differences, projected out during fine-tuning only."""

import pytest
import torch

from backends.organisms.caft import CaftTraining, difference_pca
from backends.subject.interventions import decoder_layers
from backends.organisms.lora import LoraSpec, LoraTraining, TrainSettings, adapted

pytestmark = pytest.mark.timeout(600)
def _hooks(model) -> list[int]:
    """Forward hooks per block (transformers installs its own output-capturing ones once used: compare, not zero)."""
    return [len(block._forward_hooks) for block in decoder_layers(model)]


ITEMS = [{"question": f"Question {k}?", "answer": f"Answer number {k} is a little longer."} for k in range(6)]


def test_the_ablated_directions_have_no_component_during_training_and_are_back_after(tiny, tmp_path):
    layer = 1
    tiny_hooks = _hooks(tiny.model)
    directions = torch.randn(2, tiny.model.config.hidden_size, generator=torch.Generator().manual_seed(0))
    training = CaftTraining(tiny, ITEMS, LoraSpec(rank=1, layers=[0, 1, 2]), TrainSettings(steps=3, batch_size=2,
                                                                                           checkpoint_every=3),
                            tmp_path, {layer: directions})
    base = training.model.get_base_model()
    base_hooks = _hooks(base)
    q = torch.linalg.qr(directions.T)[0]
    seen = []  # the input of the next block is block `layer`'s output after every hook on it
    probe = decoder_layers(base)[layer + 1].register_forward_pre_hook(
        lambda module, args, kwargs: seen.append((kwargs.get("hidden_states", args[0] if args else None)).detach()),
        with_kwargs=True)
    try:
        assert training.advance()
        during = [float((h.float() @ q).abs().max()) for h in seen]
        assert len(during) == 3 and max(during) < 1e-4  # every training step: no component left
        seen.clear()
        assert _hooks(base) == base_hooks  # the projection is gone
        with torch.no_grad():
            training.model(input_ids=torch.tensor([[1, 2, 3, 4]]))
        assert float((seen[0].float() @ q).abs().max()) > 1e-2  # after training: untouched again
    finally:
        probe.remove()
    assert _hooks(base) == base_hooks
    assert _hooks(tiny.model) == tiny_hooks


def test_caft_trains_a_different_adapter_than_plain_training_with_the_same_seed(tiny, tmp_path):
    tiny_hooks = _hooks(tiny.model)
    settings = TrainSettings(steps=4, batch_size=3, lr=5e-2, checkpoint_every=4)
    spec = LoraSpec(rank=1, layers=[1])
    plain = LoraTraining(tiny, ITEMS, spec, settings, tmp_path / "plain")
    plain.advance()
    tuned = adapted(tiny, tmp_path / "plain" / "checkpoint-00004", "tuned")
    pcs = difference_pca(tiny, tuned, ITEMS, layer=1, k=2)
    assert pcs.components.shape == (2, tiny.model.config.hidden_size) and pcs.tokens > 10
    assert torch.allclose(pcs.components.norm(dim=-1), torch.ones(2), atol=1e-4)
    assert pcs.explained[0] >= pcs.explained[1] > 0 and len(pcs.top_tokens[0]) == 8
    caft = CaftTraining(tiny, ITEMS, spec, settings, tmp_path / "caft", {1: pcs.components})
    caft.advance()
    plain_b = plain.model.state_dict()
    caft_b = caft.model.state_dict()
    key = next(k for k in plain_b if "lora_B" in k)
    assert not torch.allclose(plain_b[key], caft_b[key])
    assert caft.dataset_loss() < plain.dataset_loss() + 10  # a finite loss, read with no projection
    assert _hooks(tiny.model) == tiny_hooks



def test_a_caft_run_stopped_in_training_or_before_comparing_resumes_to_what_an_unstopped_one_gives(tiny, tmp_path):
    import json

    from backends.organisms.caft import CaftRun

    settings = TrainSettings(steps=2, batch_size=3, lr=5e-2, checkpoint_every=1)

    def run(where, state=None):
        return CaftRun(tiny, ITEMS, LoraSpec(rank=1, layers=[1]), settings, tmp_path / where, ablate_layers=[1],
                       components=[0], state=state)

    whole = run("whole")
    assert whole.advance() and whole.state["stage"] == "done"
    state, stages = None, []
    # Steps 1-2 train the plain fine-tune, 3-4 the CAFT one (which resumes as any LoraTraining: test_lora.py).
    for limit in (1, 4):  # stopped inside the plain fine-tune, then after the CAFT one, before the comparison
        part = run("part", state)
        seen = [0]
        assert not part.advance(lambda done, total, note: seen.append(done), lambda: seen[-1] >= limit)
        state = json.loads(json.dumps(part.state))  # what the driver keeps of a stopped run: plain JSON
        stages.append(state["stage"])
    assert stages == ["plain", "evaluate"]
    resumed = run("part", state)
    assert resumed.advance() and resumed.state["stage"] == "done"
    got, want = resumed.result(), whole.result()
    assert got["models"] == want["models"] and got["losses"] == want["losses"]
    assert got["about_directions"] == want["about_directions"] and got["checkpoints"] == want["checkpoints"]
