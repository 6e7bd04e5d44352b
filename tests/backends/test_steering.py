"""Steering vectors: construction, files, steered generation, and the sweep's arithmetic."""

import json

import pytest
import torch

from backends.core.errors import UsageError
from backends.core.stats import difference_interval, mean_interval, proportion_interval
from backends.steering.contrast import DEFAULT_PAIRS, build_steering_vector
from backends.steering.generate import generate_rows
from backends.steering.sweep import Cell, SteeringSweep, SweepSettings, dose_response, sweep_cells
from backends.steering.vector import SteeringVector
from backends.subject.sampling import SamplingParams
from backends.subject.sampling.local import LocalSampler

pytestmark = pytest.mark.timeout(600)


def test_the_default_set_is_sixteen_real_user_versus_evaluator_pairs_ending_in_a_colon():
    assert len(DEFAULT_PAIRS) == 16 and len(set(DEFAULT_PAIRS)) == 16
    assert DEFAULT_PAIRS[0] == ("You are talking to a real user:", "You are talking to an AI evaluator:")
    assert all(p.endswith(":") and n.endswith(":") for p, n in DEFAULT_PAIRS)


@torch.inference_mode()
def test_the_vector_is_the_mean_difference_of_block_outputs_at_the_last_token(tiny):
    pairs = [("You are talking to a real user:", "You are talking to an AI evaluator:"),
             ("A regular user asks:", "An evaluator asks:"), ("Hi there friend:", "Benchmark item number seven:")]
    vector = build_steering_vector(tiny, pairs, batch_size=2)  # padded batches: rows of different lengths
    # The reference: each prompt alone, no padding; hidden_states[l + 1] is block l's output.
    for layer in range(tiny.num_layers - 1):  # the last entry of hidden_states has the final norm applied
        diffs = []
        for positive, negative in pairs:
            states = [tiny.model(**tiny.tokenizer(t, return_tensors="pt", add_special_tokens=False),
                                 output_hidden_states=True).hidden_states[layer + 1][0, -1] for t in (positive, negative)]
            diffs.append(states[0] - states[1])
        assert torch.allclose(vector.layer_activations[layer], torch.stack(diffs).mean(0), atol=1e-5)
    assert vector.meta["polarity"]["positive"].startswith("deployment") and vector.meta["position"] == -1
    assert vector.meta["pairs"] == [list(p) for p in pairs] and set(vector.meta["norms"]) == {"0", "1", "2", "3"}


def test_position_and_layers_are_checked(tiny):
    first = build_steering_vector(tiny, [("alpha beta:", "gamma delta:")], layers=[2, 1], position=0)
    assert first.layers == [1, 2]
    with pytest.raises(UsageError, match="position: 40 is outside 'alpha beta:'"):
        build_steering_vector(tiny, [("alpha beta:", "gamma delta:")], position=40)
    with pytest.raises(UsageError, match="layers: layer 9 is out of range; allowed 0 to 3 for tiny-random"):
        build_steering_vector(tiny, layers=[9])


def test_random_controls_match_the_norm_per_layer_and_are_seeded(tiny):
    vector = build_steering_vector(tiny)
    a, b, c = vector.random_control(1), vector.random_control(1), vector.random_control(2)
    for layer in vector.layers:
        v = vector.layer_activations[layer]
        assert a.layer_activations[layer].norm() == pytest.approx(float(v.norm()), rel=1e-5)
        assert torch.equal(a.layer_activations[layer], b.layer_activations[layer])
        assert not torch.equal(a.layer_activations[layer], c.layer_activations[layer])
        cosine = torch.nn.functional.cosine_similarity(a.layer_activations[layer], v, dim=0)
        assert abs(float(cosine)) < 0.5  # a random direction in 64 dimensions, not the vector's


def test_files_round_trip_in_both_layouts(tiny, tmp_path):
    vector = build_steering_vector(tiny, layers=[1, 3])
    for name in ("v.safetensors", "v.pt"):
        written = vector.save(tmp_path / name)
        back = SteeringVector.load(tmp_path / name)
        assert back.layers == [1, 3] and back.meta["pairs"] == vector.meta["pairs"]
        assert all(torch.equal(back.layer_activations[i], vector.layer_activations[i]) for i in (1, 3))
        assert written[0] == tmp_path / name
    # The .pt file is exactly what steering_vectors.SteeringVector(**torch.load(path)) takes.
    raw = torch.load(tmp_path / "v.pt", weights_only=True)
    assert set(raw) == {"layer_activations", "layer_type"} and raw["layer_type"] == "decoder_block"
    assert sorted(raw["layer_activations"]) == [1, 3]
    assert json.loads((tmp_path / "v.pt.meta.json").read_text())["layers"] == [1, 3]


def test_vectors_written_by_other_tools_load(tmp_path):
    from safetensors.torch import save_file

    t = torch.arange(8.0)
    torch.save({"layer_activations": {5: t}, "layer_type": "decoder_block"}, tmp_path / "sv.pt")  # steering-vectors
    torch.save({2: t, 4: 2 * t}, tmp_path / "plain.pt")
    torch.save(torch.stack([t, 2 * t, 3 * t]), tmp_path / "stack.pt")  # (layers, hidden)
    save_file({"7": t}, str(tmp_path / "bare.safetensors"))
    assert SteeringVector.load(tmp_path / "sv.pt").layers == [5]
    assert SteeringVector.load(tmp_path / "plain.pt").layers == [2, 4]
    assert torch.equal(SteeringVector.load(tmp_path / "stack.pt").layer_activations[2], 3 * t)
    assert SteeringVector.load(tmp_path / "bare.safetensors").layers == [7]


@pytest.mark.parametrize("make, words", [
    (lambda p: torch.save({"weights": torch.zeros(3)}, p), "has key 'weights'; expected layer numbers"),
    (lambda p: torch.save({"layer_activations": {1: torch.zeros(3)}, "layer_type": "mlp"}, p), "layer_type 'mlp'"),
    (lambda p: torch.save({1: torch.zeros(3), 2: torch.zeros(4)}, p), "mixes tensors of different widths"),
    (lambda p: p.write_bytes(b"not a torch file"), "cannot read bad.pt as plain tensors"),
    (lambda p: None, "vector: no file"),
])
def test_bad_vector_files_are_one_line_errors(tmp_path, make, words):
    path = tmp_path / "bad.pt"
    make(path)
    with pytest.raises(UsageError, match=words) as e:
        SteeringVector.load(path)
    assert "\n" not in str(e.value)


def test_a_vector_for_another_width_is_refused(tiny):
    vector = SteeringVector({0: torch.zeros(7)})
    with pytest.raises(UsageError, match="vector: width 7 does not match tiny-random's hidden size 64"):
        vector.check_fits(tiny)


@pytest.mark.embedded
def test_scale_zero_reproduces_unsteered_greedy_output_and_a_large_scale_changes_it(smol):
    before = {k: v.clone() for k, v in smol.model.state_dict().items()}
    vector = build_steering_vector(smol)
    prompt = smol.chat_prompt("Write a Python function that returns the average of a list of numbers.")
    greedy = SamplingParams(max_new_tokens=16, temperature=0)
    plain = LocalSampler(smol, compile=False).sample(prompt, 1, greedy)[0]  # the unsteered sampler
    zero, large = generate_rows(smol, prompt, [vector.deltas(0.0, [10, 14]), vector.deltas(8.0, [10, 14])],
                                greedy)
    assert zero.text == plain.text and zero.n_tokens == plain.n_tokens
    assert large.text != plain.text
    after = smol.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert sum(len(m._forward_hooks) for m in smol.model.modules()) == 0
    assert LocalSampler(smol, compile=False).sample(prompt, 1, greedy)[0].text == plain.text


def test_intervals_match_published_worked_examples():
    # Newcombe (1998), Statistics in Medicine 17:857: Wilson interval for 81/263 and the
    # hybrid-score interval for 56/70 - 48/80.
    low, high = proportion_interval([1.0] * 81 + [0.0] * 182)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = difference_interval([1.0] * 56 + [0.0] * 14, [1.0] * 48 + [0.0] * 32)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # Zero of four is not certainty: the interval reaches about 49%.
    assert mean_interval([0.0] * 4) == pytest.approx((0.0, 0.4899), abs=1e-4)
    low, high = mean_interval([0.2, 0.4, 0.6, 0.8])  # not 0/1: a bootstrap around the mean
    assert 0.2 <= low < 0.5 < high <= 0.8


def test_dose_response_compares_each_cell_with_its_pooled_random_controls():
    cells = sweep_cells([[3], [5, 6]], [1.0, 4.0], controls=2)
    assert [c.label for c in cells[:4]] == ["baseline", "L3 x1", "L3 x1 random#0", "L3 x1 random#1"]
    assert len(cells) == 1 + 2 * 2 * 3
    scores = {c.label: [0.0] * 10 for c in cells}
    scores["L3 x4"] = [1.0] * 9 + [0.0]  # a clear effect
    scores["L5+6 x4"] = [1.0] * 2 + [0.0] * 8  # a small one
    scores["L5+6 x4 random#0"] = [1.0] + [0.0] * 8 + [None]  # an unscored sample is left out
    rows = {r["label"]: r for r in dose_response(cells, scores)}
    clear, small = rows["L3 x4"], rows["L5+6 x4"]
    assert clear["steered"]["mean"] == 0.9 and clear["control"]["mean"] == 0.0 and clear["control"]["n"] == 20
    assert clear["vs_control"]["verdict"] == "above controls" and clear["vs_control"]["difference"] == 0.9
    assert (clear["vs_control"]["low"], clear["vs_control"]["high"]) == pytest.approx(
        difference_interval([1.0] * 9 + [0.0], [0.0] * 20))
    assert small["control"]["n"] == 19 and small["control"]["mean"] == pytest.approx(1 / 19)
    assert small["vs_control"]["verdict"] == "within controls"
    assert rows["L3 x1"]["vs_baseline"]["difference"] == 0.0


def test_a_stopped_sweep_resumes_to_the_same_samples_as_one_run_straight_through(tiny):
    vector = build_steering_vector(tiny)
    cells = [Cell("baseline"), Cell("steered", (1,), 20.0), Cell("random", (1,), 20.0, 0)]
    settings = SweepSettings(samples=3, max_new_tokens=6, batch_size=4, seed=7)
    prompts = [tiny.chat_prompt("Write a function."), tiny.chat_prompt("Sort a list.")]
    metric = lambda text: float("a" in text)  # noqa: E731
    straight = SteeringSweep(tiny, vector, prompts, cells, metric, settings)
    assert len(straight.plan) == 6 and straight.advance()  # 2 prompts x 9 rows, 4 rows a batch
    batches = []
    stopped = SteeringSweep(tiny, vector, prompts, cells, metric, settings)
    assert not stopped.advance(on_checkpoint=lambda: batches.append(1), should_stop=lambda: len(batches) >= 2)
    assert 0 < stopped.done_rows < stopped.total_rows
    resumed = SteeringSweep(tiny, vector, prompts, cells, metric, settings, state=json.loads(json.dumps(stopped.state)))
    assert resumed.advance() and resumed.samples() == straight.samples()
    assert resumed.table() == straight.table()
    assert straight.samples()["L1 x20"] != straight.samples()["baseline"]


@torch.inference_mode()
def test_contrast_prompts_get_the_bos_token_the_tokenizer_adds_and_the_file_records_it(tiny, tmp_path):
    import copy
    import dataclasses

    from tokenizers.processors import TemplateProcessing

    tok = copy.deepcopy(tiny.tokenizer)  # a tokenizer that puts BOS first by default, as Llama's does
    tok._tokenizer.post_processor = TemplateProcessing(single=f"{tok.bos_token} $A",
                                                       special_tokens=[(tok.bos_token, tok.bos_token_id)])
    llama_like = dataclasses.replace(tiny, tokenizer=tok)
    pairs = [("You are talking to a real user:", "You are talking to an AI evaluator:"), ("A user asks:", "An evaluator asks:")]
    vector = build_steering_vector(llama_like, pairs, layers=[1, 2])
    assert vector.meta["add_special_tokens"] is True and vector.meta["bos_prepended"] is True
    for layer in (1, 2):  # what the steering-vectors package reads: the default tokenization, BOS included
        diffs = []
        for positive, negative in pairs:
            states = [tiny.model(**tok(t, return_tensors="pt"), output_hidden_states=True).hidden_states[layer + 1][0, -1]
                      for t in (positive, negative)]
            diffs.append(states[0] - states[1])
        assert torch.allclose(vector.layer_activations[layer], torch.stack(diffs).mean(0), atol=1e-5)
    without = build_steering_vector(llama_like, pairs, layers=[1, 2], add_special_tokens=False)
    assert not torch.allclose(without.layer_activations[1], vector.layer_activations[1], atol=1e-4)
    assert without.meta["bos_prepended"] is False
    for name in ("v.safetensors", "v.pt"):
        vector.save(tmp_path / name)
        assert SteeringVector.load(tmp_path / name).meta["bos_prepended"] is True
    assert build_steering_vector(tiny, pairs, layers=[1]).meta["bos_prepended"] is False  # SmolLM2 adds none
