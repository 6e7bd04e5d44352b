"""`parley runs resume`: a killed run goes on from its last checkpoint; a live run is refused."""

import json
import os
import signal
import subprocess
import sys
import time

from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import REPO, run_parley

ARGS = {"question": "Count to a thousand.", "model": "tiny-random", "seed": 5, "max_new_tokens": 100}


def test_a_generate_cot_killed_mid_generation_resumes_from_its_last_saved_tokens(tiny):
    store = RunStore(get_settings().runs_dir)
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "tool", "generate_cot", "--args", json.dumps(ARGS)],
                            cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:  # kill -9 once progress is saved
            if any(store.root.glob("*/checkpoint.json")):
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    [run] = store.list()
    saved = run.checkpoint["state"]
    assert 0 < saved["n_tokens"] < ARGS["max_new_tokens"] and run.results["cot"] == saved["text"]
    assert run.meta["status"] == "running" and run.meta["pid"] == proc.pid

    listed = run_parley("runs", "list", "--json")
    assert [(r["id"], r["status"]) for r in json.loads(listed.stdout)] == [(run.id, "partial")]

    resumed = run_parley("runs", "resume", run.id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    out = json.loads(resumed.stdout)
    assert out["status"] == "complete" and out["run_id"] == run.id
    done = store.get(run.id)
    assert done.meta["resumes"] == 1 and done.checkpoint is None
    assert done.results["cot"].startswith(saved["text"])  # the text from before, then the new chunks
    assert done.results["n_tokens"] == ARGS["max_new_tokens"] or done.results["finish_reason"] == "eos"
    # (That the text is the same as a run never killed is tested in-process, where it is quick:
    # tests/backends/test_generation.py.)


HOLD_A_RUN = """
import sys, time
from backends.core.runstore import RunStore
run = RunStore(sys.argv[1]).create("generate_cot", {"question": "q", "max_new_tokens": 8})
print(run.id, flush=True)
time.sleep(60)
"""


def test_resuming_a_run_that_another_process_is_running_is_refused_with_exit_2():
    store = RunStore(get_settings().runs_dir)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_RUN, str(store.root)], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    try:
        run_id = holder.stdout.readline().strip()
        refused = run_parley("runs", "resume", run_id)
        listed = run_parley("runs", "list", "--json")
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert refused.returncode == 2 and len(refused.stdout.splitlines()) == 1
    error = json.loads(refused.stdout)["error"]
    assert error["field"] == "run_id"
    assert error["message"] == f"run_id: run {run_id} is still running in pid {holder.pid}; stop it first"
    assert json.loads(listed.stdout)[0]["status"] == "running"
    assert "resumes" not in store.get(run_id).meta and store.get(run_id).meta["pid"] == holder.pid  # left alone
    assert store.get(run_id).status == "partial"  # now that its process is gone
