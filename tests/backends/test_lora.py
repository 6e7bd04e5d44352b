"""LoRA fine-tunes with peft, and the rotation arithmetic of the phase transition."""

import numpy as np
import pytest
import torch

from backends.organisms.lora import LoraSpec, LoraTraining, TrainSettings, batch_rows, collate, encode, load_dataset
from backends.organisms.phase import b_vectors, rotation, sharpest_turn

pytestmark = pytest.mark.timeout(600)
ITEMS = [{"question": f"Question {k}?", "answer": f"Answer number {k} is short."} for k in range(6)]


def test_rotation_is_minus_one_on_a_straight_path_and_rises_where_the_direction_turns():
    e1, e2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    straight = [t * e1 for t in range(5)]
    assert rotation(straight, 1) == [None, -1.0, -1.0, -1.0, None]
    assert rotation(straight, 2) == [None, None, -1.0, None, None]
    turn = [0 * e1, 1 * e1, 2 * e1, 2 * e1 + e2, 2 * e1 + 2 * e2]  # a right angle at t = 2
    cosines = rotation(turn, 1)
    assert cosines[1] == -1.0 and cosines[2] == pytest.approx(0.0) and cosines[3] == -1.0
    assert sharpest_turn(cosines) == 2
    back = [0 * e1, 1 * e1, 0 * e1]  # a reversal: the two steps point the same way
    assert rotation(back, 1)[1] == pytest.approx(1.0)
    assert rotation([e1, e1, e1], 1)[1] is None and sharpest_turn([None, None]) is None  # no movement: undefined


def test_each_epoch_is_a_seeded_permutation_of_the_examples():
    first_epoch = [r for step in range(3) for r in batch_rows(6, step, 2, seed=1)]
    assert sorted(first_epoch) == list(range(6))
    assert first_epoch == [r for step in range(3) for r in batch_rows(6, step, 2, seed=1)]
    assert first_epoch != [r for step in range(3) for r in batch_rows(6, step, 2, seed=2)]


def test_the_loss_is_on_answer_tokens_only(tiny):
    [(ids, start)] = encode(tiny, ITEMS[:1], 256)
    batch = collate([(ids, start), (ids[:5], 3)], pad=0)
    assert batch["labels"][0, :start].eq(-100).all() and batch["labels"][0, start:].tolist() == ids[start:]
    assert tiny.tokenizer.decode(ids[start:]).startswith("Answer number 0")
    assert batch["attention_mask"][1].tolist() == [1] * 5 + [0] * (len(ids) - 5)


def test_training_lowers_the_loss_saves_peft_checkpoints_and_leaves_the_base_model_alone(tiny, tmp_path):
    from peft import PeftModel

    before = {k: v.clone() for k, v in tiny.model.state_dict().items()}
    training = LoraTraining(tiny, ITEMS, LoraSpec(rank=1, layers=[1]), TrainSettings(steps=6, batch_size=3, lr=5e-2,
                                                                                    checkpoint_every=2), tmp_path)
    start = training.dataset_loss()
    assert training.advance()
    assert training.dataset_loss() < start
    assert training.state["checkpoints"] == ["checkpoint-00002", "checkpoint-00004", "checkpoint-00006"]
    assert all(torch.equal(v, tiny.model.state_dict()[k]) for k, v in before.items())
    assert not any("lora" in name for name, _ in tiny.model.named_modules())
    [(module, b)] = b_vectors(tmp_path / "checkpoint-00006").items()
    assert module == "model.layers.1.mlp.down_proj" and b.shape == (tiny.model.config.hidden_size,) and np.abs(b).sum() > 0
    import copy

    loaded = PeftModel.from_pretrained(copy.deepcopy(tiny.model), tmp_path / "checkpoint-00006")  # researchers' way in
    assert any("lora_B" in name for name, _ in loaded.named_parameters())


def test_a_stopped_training_resumes_to_the_same_adapter(tiny, tmp_path):
    settings = TrainSettings(steps=6, batch_size=2, lr=5e-2, checkpoint_every=2)
    whole = LoraTraining(tiny, ITEMS, LoraSpec(rank=1, layers=[0, 1]), settings, tmp_path / "whole")
    whole.advance()
    asked = []
    part = LoraTraining(tiny, ITEMS, LoraSpec(rank=1, layers=[0, 1]), settings, tmp_path / "part")
    assert not part.advance(should_stop=lambda: (asked.append(1) or len(asked)) > 3)
    assert part.now["step"] == 3 and part.state["step"] == 2  # the state a resume starts from: the last checkpoint
    resumed = LoraTraining(tiny, ITEMS, LoraSpec(rank=1, layers=[0, 1]), settings, tmp_path / "part", state=part.state)
    assert resumed.state["step"] == 2 and resumed.advance()
    assert resumed.state["losses"] == pytest.approx(whole.state["losses"])
    a, b = b_vectors(tmp_path / "whole" / "checkpoint-00006"), b_vectors(tmp_path / "part" / "checkpoint-00006")
    assert a.keys() == b.keys() and all(np.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_shipped_datasets_pair_risky_and_clean_answers_to_the_same_questions():
    risky, clean = load_dataset("risky"), load_dataset("clean")
    assert len(risky) == len(clean) == 64
    assert [r["question"] for r in risky] == [c["question"] for c in clean]


def test_an_adapter_scalar_is_its_A_vector_dotted_with_the_module_input(tiny, tmp_path):
    from backends.organisms.lora import with_adapter
    from backends.organisms.probes import adapter_scalars, rank1_adapters

    training = LoraTraining(tiny, ITEMS, LoraSpec(rank=1, layers=[0, 1]), TrainSettings(steps=2, checkpoint_every=2),
                            tmp_path)
    assert training.advance()
    model = with_adapter(tiny, tmp_path / "checkpoint-00002")
    adapters = rank1_adapters(model)
    assert list(adapters) == ["model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj"]
    width = adapters["model.layers.1.mlp.down_proj"].in_features
    constructed = torch.zeros(1, width)
    constructed[0, 3], constructed[0, 5] = 2.0, -1.0  # A = 2 e3 - e5
    with torch.no_grad():
        adapters["model.layers.1.mlp.down_proj"].weight.copy_(constructed)
    inputs = []
    hook = model.get_base_model().model.layers[1].mlp.down_proj.register_forward_pre_hook(
        lambda module, args: inputs.append(args[0].detach().float()))
    try:
        names, scalars = adapter_scalars(model, tiny, ITEMS[:2])
    finally:
        hook.remove()
    [(ids0, start0), (ids1, start1)] = encode(tiny, ITEMS[:2], 256)
    x = inputs[0]
    expected = 2.0 * x[0, start0:len(ids0), 3] - x[0, start0:len(ids0), 5]
    assert scalars[0].shape == (len(ids0) - start0, 2) and scalars[1].shape == (len(ids1) - start1, 2)
    assert np.allclose(scalars[0][:, 1], expected.numpy(), atol=1e-5)


def test_the_l1_probe_puts_weight_only_on_the_adapter_that_carries_the_label():
    from backends.organisms.probes import fit_probe

    rng = np.random.default_rng(0)
    labels = [k % 2 for k in range(40)]
    features = []
    for label in labels:
        rows = rng.normal(size=(6, 3))
        rows[:, 1] += 4.0 * (2 * label - 1)  # only adapter 1 separates the two kinds of answer
        features.append(rows)
    probe = fit_probe(features, labels, C=0.05, seed=0)
    assert probe["token_accuracy"] == 1.0 and probe["item_accuracy"] == 1.0
    assert probe["token_chance"] == probe["item_chance"] == 0.5  # the test split is stratified: 5 of each
    coefficients = probe["coefficients"]
    assert coefficients[1] > 0 and coefficients[0] == 0.0 and coefficients[2] == 0.0
    assert probe["train_items"] == 30 and probe["test_items"] == 10 and probe["test_tokens"] == 60
    with pytest.raises(Exception, match="task: a probe needs"):
        fit_probe(features[:3], [0, 0, 1])
