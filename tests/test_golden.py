"""Every tool gives the recorded result on fixed inputs and seeds (tests/golden/): the same text, runs and
structure, and the same numbers to a relative 1e-4 (float32 results move in their last bits across CPUs and
builds of the numeric libraries). Where a kind of CPU flips a sampled token, its result is a recorded variant."""

from __future__ import annotations

import json

import pytest

from tests.golden.cases import GROUPS
from tests.golden.replay import departures, differences, replay


@pytest.mark.parametrize("group", [g for g in GROUPS if g != "embedded"])
def test_each_tool_gives_its_recorded_result_on_tiny_random(group, tiny, parley_home):
    _check(group, parley_home)


def test_cheap_tools_give_their_recorded_result_on_the_embedded_model(smol, parley_home):
    _check("embedded", parley_home)


def test_a_changed_number_text_or_shape_is_caught_and_last_bit_noise_is_not():
    want = {"loss": 10.746761322, "text": "42", "rows": [0.5, 0.25], "full": {"n": 3}}
    assert differences({**want, "loss": 10.7467622757}, want) == []  # 1e-7 apart: float32 noise
    assert differences({**want, "rows": [0.500024, 0.25]}, want) == []  # 5e-5 apart: another CPU's summation order
    assert differences({**want, "loss": 10.75}, want) == [".loss: 10.75 != 10.746761322"]
    assert differences({**want, "loss": float("nan")}, {**want, "loss": float("nan")}) == []  # a kurtosis of constant rows
    assert differences({**want, "loss": float("nan")}, want) == [".loss: nan != 10.746761322"]
    assert differences({**want, "text": "41"}, want) == [".text: '41' != '42'"]
    assert differences({**want, "rows": [0.5]}, want) == [".rows: 1 items != 2"]
    assert differences({**want, "full": {"n": 3, "m": 1}}, want) == [".full: keys ['m'] differ"]
    assert differences({**want, "full": {"n": 4}}, want) == [".full.n: 4 != 3"]


def test_a_result_passes_when_it_matches_a_variant_recorded_on_another_kind_of_cpu(tmp_path, monkeypatch):
    from tests.golden import replay as golden

    monkeypatch.setattr(golden, "FILES", tmp_path)
    monkeypatch.setattr(golden, "VARIANTS", tmp_path / "variants")
    (tmp_path / "variants").mkdir()
    (tmp_path / "sample.json").write_text(json.dumps({"text": "paintings circles", "p": 0.5}))
    assert departures({"text": "paintings circles", "p": 0.50001}, "sample") == []
    assert departures({"text": "paintingsbrid", "p": 0.5}, "sample") == [".text: 'paintingsbrid' != 'paintings circles'"]
    (tmp_path / "variants" / "sample.amx.json").write_text(json.dumps({"text": "paintingsbrid", "p": 0.5}))
    assert departures({"text": "paintingsbrid", "p": 0.5}, "sample") == []
    assert departures({"text": "paintings", "p": 0.5}, "sample") == [".text: 'paintings' != 'paintings circles'"]


def _check(group, home):
    got = replay(group, home)
    for name, reduced in got.items():
        found = departures(reduced, name)
        assert not found, f"{name}: the result differs from tests/golden/files/{name}.json at\n" + "\n".join(found[:20])
