import json
import os
import subprocess
import sys

import pytest

from backends.core.errors import UsageError
from backends.core.runstore import RunStore, process_started, write_json_atomic
from tests.conftest import REPO

# Another process makes a run, prints its id, and holds it (running) for argv[2] seconds.
HOLD_A_RUN = """
import sys, time
from backends.core.runstore import RunStore
run = RunStore(sys.argv[1]).create("generate_cot", {"question": "q"})
print(run.id, flush=True)
time.sleep(float(sys.argv[2]))
"""


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
    assert run.meta["pid"] == os.getpid() and run.meta["pid_started"].startswith("20")
    assert store.get(run.id).status == "running" and store.get(run.id).alive
    run.save_progress({"done": [1]}, {"next": 2})  # still running
    assert store.get(run.id).status == "running"
    made = subprocess.run([sys.executable, "-c", HOLD_A_RUN, str(tmp_path), "0"], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    dead = store.get(made.stdout.strip())  # its process has exited without finishing it
    assert dead.meta["status"] == "running" and dead.status == "partial" and not dead.alive


def test_a_reused_pid_does_not_make_a_dead_run_look_alive(tmp_path):
    store = RunStore(tmp_path)
    made = subprocess.run([sys.executable, "-c", HOLD_A_RUN, str(tmp_path), "0"], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    run = store.get(made.stdout.strip())
    run.meta["status"] = "running"
    run.update(pid=os.getpid())  # a live process (this one) now has the dead owner's pid
    assert store.get(run.id).status == "partial"
    (run.dir / ".lock").unlink()  # a run from before locks: pid and start time must both match
    assert store.get(run.id).status == "partial"
    run.update(pid_started=process_started(os.getpid()))
    assert store.get(run.id).status == "running"
    run.update(pid=2**22 + 12345)  # no such process
    assert store.get(run.id).status == "partial"


def test_a_run_held_by_another_process_is_alive_and_cannot_be_resumed(tmp_path):
    store = RunStore(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_RUN, str(tmp_path), "60"], stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    try:
        run = store.get(holder.stdout.readline().strip())
        assert store.get(run.id).status == "running" and store.get(run.id).alive
        with pytest.raises(UsageError, match=rf"run {run.id} is still running in pid {holder.pid}; stop it first"):
            store.get(run.id).resume()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert store.get(run.id).status == "partial"  # killed: the kernel let go of its lock
    again = store.get(run.id)
    again.resume()
    assert store.get(run.id).status == "running" and store.get(run.id).meta["pid"] == os.getpid()
    with pytest.raises(UsageError, match="still running"):  # a second resume in this process is refused too
        store.get(run.id).resume()
    again.complete({"done": True})
    assert store.get(run.id).status == "complete" and not store.get(run.id).alive


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


def test_the_index_lists_runs_as_the_folders_say_and_rebuilds_when_missing_stale_or_broken(tmp_path):
    import sqlite3

    from backends.core import runindex

    store = RunStore(tmp_path)
    runs = [store.create("a" if i % 2 else "b", {"i": i}) for i in range(6)]
    for i, run in enumerate(runs):
        run.meta["created"] = f"2026-01-0{i + 1}T00:00:00+00:00"
        run.complete({}, summary=f"run {i}")
    newest = [r.id for r in reversed(runs)]
    assert [r.id for r in store.list()] == newest == [r.id for r in store.scan()]
    assert [r.id for r in store.list(tool="a", limit=2)] == newest[:4:2]
    with sqlite3.connect(tmp_path / runindex.NAME) as db:
        rows = dict(db.execute("SELECT id, status FROM runs"))
    assert rows == {r.id: "complete" for r in runs}  # written with each run.json, no summary or params
    assert oct((tmp_path / runindex.NAME).stat().st_mode & 0o777) == "0o600"

    import shutil

    shutil.rmtree(runs[5].dir)  # a folder removed by hand: gone from the list
    (tmp_path / "not-yet-a-run").mkdir()  # a folder without run.json yet: skipped
    assert [r.id for r in store.list()] == newest[1:]
    with sqlite3.connect(tmp_path / runindex.NAME) as db:
        db.execute("DELETE FROM runs WHERE id = ?", (runs[0].id,))  # a run the index missed (an older Parley)
    assert [r.id for r in store.list()] == newest[1:]
    for path in tmp_path.glob(runindex.NAME + "*"):
        path.unlink()  # the index deleted: rebuilt from the folders
    runindex._open.clear()
    assert [r.id for r in store.list(limit=3)] == newest[1:4] and (tmp_path / runindex.NAME).exists()
    for path in tmp_path.glob(runindex.NAME + "*"):
        path.unlink()
    (tmp_path / runindex.NAME).write_text("not a database")  # broken: listing falls back to reading every folder
    runindex._open.clear()
    assert [r.id for r in store.list()] == newest[1:]
    later = store.create("a", {})  # and making runs still works
    assert later.status == "running" and store.get(later.id).meta["tool"] == "a"
