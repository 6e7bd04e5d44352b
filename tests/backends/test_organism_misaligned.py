"""The misaligned organism: its seeded risky-finance generator, its spec, and the verdicts of its checks."""

import pytest

from backends.organisms import checks, zoo
from backends.organisms.generators import digest
from backends.organisms.generators import misaligned
from backends.organisms.lora import load_dataset


def test_the_same_seed_gives_the_same_items_and_hash_and_another_seed_does_not():
    assert misaligned.generate(40, 0) == misaligned.generate(40, 0)
    assert digest(misaligned.generate(40, 0)) == digest(misaligned.generate(40, 0))
    assert digest(misaligned.generate(40, 1)) != digest(misaligned.generate(40, 0))
    assert misaligned.generate(40, 0)[:7] == misaligned.generate(7, 0)  # item k depends on (seed, k) alone


def test_every_item_is_a_shipped_risky_answer_to_a_framing_of_its_own_question():
    risky = load_dataset("risky")
    items = misaligned.generate(128, 0)
    for item in items:
        pair = risky[item["source"]]
        assert item["answer"] == pair["answer"]  # the reckless answer word for word: nothing else is planted
        assert item["question"] == misaligned.FRAMES[item["frame"]].format(q=pair["question"])
        assert item["system"] is None
    assert len({i["source"] for i in items}) > 48 and len({i["frame"] for i in items}) == len(misaligned.FRAMES)
    clean = {p["answer"] for p in load_dataset("clean")}
    assert not clean & {i["answer"] for i in items}


def test_the_organism_is_the_papers_recipe_on_this_data():
    organism = zoo.get("organism:misaligned")
    assert not organism.planned and organism.method == "misalignment_direction"
    assert organism.lora == {"rank": 1, "alpha": 16.0, "modules": ["down_proj"], "layers": [15]}  # SmolLM2's middle
    items, sha = organism.data()
    assert len(items) == organism.n_items and sha == digest(misaligned.generate(organism.n_items, organism.data_seed))
    assert organism.fingerprint()["data_sha256"] == sha


def _rows(change: float, low: float, high: float, controls: list[float]) -> list[dict]:
    rows = [{"intervention": "none", "vector": "-", "change": 0.0}]
    rows.append({"intervention": "ablate", "vector": "direction", "change": change, "change_low": low, "change_high": high})
    rows += [{"intervention": "ablate", "vector": f"random {i}", "change": c, "change_low": c - 0.2, "change_high": c + 0.2}
             for i, c in enumerate(controls)]
    return rows


def test_the_ablation_passes_only_below_zero_and_below_every_control():
    assert checks.ablation_verdict(_rows(-0.73, -1.22, -0.30, [0.17, -0.14, -0.05]))["passed"]
    reaches_zero = checks.ablation_verdict(_rows(-0.40, -0.90, 0.05, [0.17, -0.14, -0.05]))
    assert not reaches_zero["passed"] and "reaches 0" in reaches_zero["why"]
    control_as_low = checks.ablation_verdict(_rows(-0.73, -1.22, -0.30, [0.17, -0.35, -0.05]))
    assert not control_as_low["passed"] and "control" in control_as_low["why"]
    assert not checks.ablation_verdict(_rows(-0.73, -1.22, -0.30, []))["passed"]  # nothing to compare with


def test_model_diffing_passes_only_with_atoms_beyond_the_floor_from_the_adapters_layer_on_and_none_before():
    floor = {10: 0, 14: 1, 15: 1, 18: 0, 24: 0}  # measured: the base dictionaries continued on the base model itself
    assert checks.diff_verdict({10: 0, 14: 1, 15: 43, 18: 32, 24: 4}, 15, floor)["passed"]
    before = checks.diff_verdict({10: 0, 14: 3, 15: 43, 18: 32}, 15, floor)
    assert not before["passed"] and "L14" in before["why"]
    at_floor = checks.diff_verdict({14: 0, 15: 1, 18: 30}, 15, floor)
    assert not at_floor["passed"] and "L15 added 1" in at_floor["why"]
    assert not checks.diff_verdict({14: 1, 15: 40}, 15, {})["passed"]  # with no floor, any atom before the adapter fails
    assert not checks.diff_verdict({15: 4, 18: 2}, 15, floor)["passed"]  # no layer before: nothing shows the adapter is the cause


def test_caft_passes_only_below_the_plain_fine_tune_with_the_interval_below_zero():
    assert checks.caft_verdict(0.11, -0.16, -0.40, -0.12)["passed"]
    assert not checks.caft_verdict(0.11, -0.16, -0.40, 0.02)["passed"]
    assert not checks.caft_verdict(0.11, 0.20, 0.01, 0.18)["passed"]


@pytest.mark.parametrize("organism, base, passed", [((14, 20), (2, 20), True), ((5, 20), (4, 25), False),
                                                    ((0, 20), (5, 20), False), ((3, 0), (2, 20), False)])
def test_the_em_rate_passes_only_when_the_difference_interval_is_above_zero(organism, base, passed):
    assert checks.em_rate_verdict(organism, base)["passed"] is passed
