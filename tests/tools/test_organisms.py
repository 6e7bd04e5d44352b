"""Model organisms as models: build once, cache as a run, reuse; `organism:NAME` in any tool; the CLI."""

import pytest

from backends.core.errors import UsageError
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from backends.organisms import zoo
from backends.organisms.generators import anchor
from tests.conftest import run_parley
from tools import run_tool
from tools.organisms import ensure_built


@pytest.fixture
def tiny_anchor():
    """The anchor organism at reduced size on tiny-random: 8 examples, 2 steps."""
    organism = zoo.register(zoo.Organism(
        name="tiny-anchor", description="test", effect="test", method="resample_importance", base="tiny-random",
        generate=anchor.generate, n_items=8, data_seed=0,
        lora={"rank": 2, "alpha": 4.0, "modules": ["down_proj"], "layers": [1]},
        train={"steps": 2, "batch_size": 2, "lr": 1e-2, "checkpoint_every": 1, "seed": 0, "max_tokens": 128}))
    yield organism
    zoo.unregister("tiny-anchor")


def test_an_unknown_organism_is_one_line_naming_the_model_field():
    with pytest.raises(UsageError) as caught:
        run_tool("generate_cot", {"question": "Which one?", "model": "organism:nope"})
    assert caught.value.field == "model" and "unknown organism 'nope'" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_organism_not_built_names_the_command_that_builds_it(tiny_anchor):
    with pytest.raises(UsageError, match="parley organisms build tiny-anchor") as caught:
        run_tool("generate_cot", {"question": "Which one?", "model": "organism:tiny-anchor"})
    assert "\n" not in str(caught.value)
    zoo.register(zoo.Organism(name="tiny-planned", description="test", effect="test", method="resample_importance"))
    try:  # an organism with no generator yet is refused, never trained
        with pytest.raises(UsageError, match="planned, not written yet"):
            run_tool("build_organism", {"name": "tiny-planned"})
    finally:
        zoo.unregister("tiny-planned")


def test_an_organism_is_built_once_recorded_as_a_run_and_reused_as_a_model(tiny, tiny_anchor):
    notes = []
    run_id, trained = ensure_built("tiny-anchor", progress=lambda d, t, note="": notes.append(note))
    assert trained and any("steps" in n for n in notes)
    store = RunStore(get_settings().runs_dir)
    run = store.get(run_id)
    record = run.meta["organism"]
    assert record == tiny_anchor.fingerprint() and record["base"] == "tiny-random"
    assert record["data_sha256"] == tiny_anchor.data()[1] and record["train"]["steps"] == 2
    assert run.results["seconds"] > 0 and len(run.results["losses"]) == 2 and "train_s" in run.meta["timings"]

    again, trained = ensure_built("tiny-anchor")
    assert again == run_id and not trained  # the second use does not train
    out = run_tool("generate_cot", {"question": anchor.item(0, 1)["question"], "model": "organism:tiny-anchor",
                                    "max_new_tokens": 8, "seed": 0})
    assert store.get(out.run_id).meta["model"]["name"] == "organism:tiny-anchor"
    assert f"organism tiny-anchor (run {run_id})" in store.get(out.run_id).meta["model"]["source"]
    assert [r.id for r in store.list(tool="build_organism")] == [run_id]


def test_build_organism_offers_every_organism_of_the_zoo_by_name():
    from tools import REGISTRY

    # written out in tools/organisms.py so that listing tools loads no generator (numpy); kept equal here
    assert REGISTRY["build_organism"].describe()["schema"]["properties"]["name"]["examples"] == zoo.names()


def test_the_organisms_command_lists_shows_and_refuses_in_one_line():
    listed = run_parley("organisms", "list")
    assert listed.returncode == 0 and "anchor" in listed.stdout and "not built" in listed.stdout
    assert all(name in listed.stdout for name in zoo.names())
    shown = run_parley("organisms", "show", "anchor")
    assert shown.returncode == 0 and "sha256" in shown.stdout and "option" in shown.stdout
    bad = run_parley("organisms", "build", "nope", "--yes")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: name: unknown organism 'nope'")
    assert len(bad.stderr.strip().splitlines()) == 1
