"""Every tool gives exactly the recorded result on fixed inputs and seeds (tests/golden/)."""

from __future__ import annotations

import json

import pytest

from tests.golden.cases import GROUPS
from tests.golden.replay import path, replay


@pytest.mark.parametrize("group", [g for g in GROUPS if g != "embedded"])
def test_each_tool_gives_its_recorded_result_on_tiny_random(group, tiny, parley_home):
    _check(group, parley_home)


def test_cheap_tools_give_their_recorded_result_on_the_embedded_model(smol, parley_home):
    _check("embedded", parley_home)


def _check(group, home):
    got = replay(group, home)
    for name, reduced in got.items():
        want = json.loads(path(name).read_text())
        assert reduced == want, f"{name}: the result differs from tests/golden/files/{name}.json"
