import json
import os

import pytest

from backends.errors import UsageError
from backends.runstore import RunStore, write_json_atomic


def test_a_completed_run_reads_back_with_params_seed_versions_and_timings(tmp_path):
    store = RunStore(tmp_path)
    run = store.create("generate_cot", {"question": "q", "seed": 4}, seed=4, model={"name": "tiny-random"})
    assert store.get(run.id).status == "running"
    run.add_timing("generate_s", 1.23456)
    run.complete({"cot": "text", "rows": [1, 2, 3]}, summary="done: 3 rows")
    again = store.get(run.id)
    assert again.status == "complete"
    assert again.results == {"cot": "text", "rows": [1, 2, 3]}
    assert again.meta["params"] == {"question": "q", "seed": 4} and again.meta["seed"] == 4
    assert {"python", "torch", "transformers"} <= set(again.meta["versions"])
    assert again.meta["timings"]["generate_s"] == 1.235 and again.meta["timings"]["wall_s"] >= 0
    assert again.meta["summary"] == "done: 3 rows"


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    path = tmp_path / "results.json"
    write_json_atomic(path, {"kept": True})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temp file left


def test_a_stopped_run_is_partial_keeps_its_results_and_resumes(tmp_path):
    store = RunStore(tmp_path)
    run = store.create("t", {})
    run.save_partial({"done": [1, 2]}, checkpoint={"next": 3}, summary="2 of 5")
    run = store.get(run.id)
    assert run.status == "partial" and run.results == {"done": [1, 2]} and run.checkpoint == {"next": 3}
    run.resume()
    assert store.get(run.id).status == "running" and store.get(run.id).meta["resumes"] == 1
    run.complete({"done": [1, 2, 3, 4, 5]})
    run = store.get(run.id)
    assert run.status == "complete" and run.checkpoint is None
    with pytest.raises(UsageError, match="already complete"):
        run.resume()


def test_a_running_run_whose_process_died_reads_as_partial(tmp_path):
    store = RunStore(tmp_path)
    run = store.create("t", {})
    run.update(pid=2**22 + 12345)  # no such process
    assert store.get(run.id).status == "partial"
    run.update(pid=os.getpid())
    assert store.get(run.id).status == "running"


def test_list_is_newest_first_and_filters_by_tool(tmp_path):
    store = RunStore(tmp_path)
    first = store.create("a", {})
    second = store.create("b", {})
    first.meta["created"], second.meta["created"] = "2026-01-01T00:00:00", "2026-01-02T00:00:00"
    first.update()
    second.update()
    assert [r.id for r in store.list()] == [second.id, first.id]
    assert [r.id for r in store.list(tool="a")] == [first.id]
    assert store.list(limit=1)[0].id == second.id


def test_unknown_run_ids_are_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="run_id"):
        RunStore(tmp_path).get("nope")
    with pytest.raises(UsageError):
        RunStore(tmp_path).get("../etc")
