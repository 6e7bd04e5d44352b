"""Long-term memory in a real Chroma store under the test's PARLEY_HOME."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backends.core.errors import UsageError
from backends.core.findings import run_subject
from backends.core.memory import EMBEDDER_NAME, RELEVANT, Memory
from backends.core.memory_worker import MemoryStoreError, close_workers, worker_for
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import REPO

APPLES = "Tom has 3 apples and buys 2 more. How many apples does he have?"
PENS = "A box holds 12 pens; Sara takes 4. How many pens are left?"
RUNS = [
    ("run-blackmail", "resample", "Resampled the blackmail scenario 50 times: the model chose blackmail in 38% of rollouts."),
    ("run-steer", "steer", "A steering vector for type hints at layer 12 made the model annotate Python functions."),
    ("run-itda", "itda", "Trained ITDA dictionaries on residual stream activations of layer 6."),
]


@pytest.fixture
def memory(parley_home) -> Memory:
    mem = Memory(parley_home)
    for run_id, tool, summary in RUNS:
        mem.remember_run(run_id, tool, summary, created="2026-01-01T00:00:00+00:00", status="complete")
    return mem


def test_importing_memory_loads_neither_chromadb_nor_torch():
    code = "import sys, backends.core.memory; print(sorted({'chromadb', 'torch', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_recall_finds_the_closest_run_summary_first(memory, parley_home):
    hits = memory.recall("blackmail", k=3)
    assert [h["id"] for h in hits][0] == "run-blackmail"
    best = hits[0]
    assert best["kind"] == "run" and best["run_id"] == "run-blackmail" and best["tool"] == "resample"
    assert best["summary"] == RUNS[0][2] and best["text"] == f"resample: {RUNS[0][2]}"
    assert best["created"].startswith("2026-01-01") and best["status"] == "complete" and best["subject"] == ""
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert 0 < best["similarity"] <= 1 and best["score"] > hits[1]["score"] + 0.2
    assert (parley_home / "memory" / "chroma.sqlite3").exists()
    assert memory.recall("steering vectors", k=1)[0]["id"] == "run-steer"
    assert memory.recall("sparse dictionary learning", k=1)[0]["id"] == "run-itda"


def test_turns_are_searchable_by_role_and_scope_filters(memory):
    memory.remember_turn("s1", 0, "user", "Which sentences of the reasoning trace matter most?", "2026-01-02T10:00:00+00:00")
    memory.remember_turn("s1", 0, "assistant", "Sentence 4 had the highest counterfactual importance.", "2026-01-02T10:00:05+00:00")
    [reply] = memory.recall("sentence importance", k=5, scope="turns")  # the user's own message is not a finding
    assert reply["kind"] == "turn" and reply["id"] == "s1:0:assistant"
    assert reply["session"] == "s1" and reply["turn"] == 0 and reply["role"] == "assistant"
    both_roles = memory.recall("sentence importance", k=5, scope="turns", roles=("user", "assistant"))
    assert {h["id"] for h in both_roles} == {"s1:0:user", "s1:0:assistant"}
    assert memory.recall("sentence importance", k=5, scope="turns", roles=("user",))[0]["id"] == "s1:0:user"
    runs = memory.recall("sentence importance", k=5, scope="runs")
    assert {h["kind"] for h in runs} == {"run"} and len(runs) == 3
    everything = memory.recall("sentence importance", k=5)
    assert [h["kind"] for h in everything] == ["turn", "run", "run", "run"]  # no run is about it: the reply leads
    assert all(h["score"] < RELEVANT for h in everything[1:])
    assert [h["score"] for h in everything[1:]] == sorted((h["score"] for h in everything[1:]), reverse=True)
    assert [h["kind"] for h in memory.recall("blackmail", k=5)][:2] == ["run", "turn"]  # a relevant run leads
    with pytest.raises(UsageError, match="scope: 'everything'"):
        memory.recall("x", scope="everything")


def test_recall_of_what_we_found_about_apples_puts_the_apples_run_first_and_no_user_message(parley_home):
    store = RunStore(get_settings().runs_dir)
    apples = store.create("generate_cot", {"question": APPLES, "system": None})
    apples.complete({"cot": "..."}, summary="Sampled a 96-token chain of thought with smollm2-135m; it answered 5.")
    pens = store.create("generate_cot", {"question": PENS, "system": None})
    pens.complete({"cot": "..."}, summary="Sampled an 80-token chain of thought with smollm2-135m; it answered 8.")
    mem = Memory(parley_home)
    mem.sync_runs(store)
    mem.remember_turn("s1", 0, "user", "What did we find about apples?", "t")
    mem.remember_turn("s1", 0, "assistant", "The apples chain answered 5, which is right.", "t")
    hits = mem.recall("what did we find about apples", k=10)
    assert hits[0]["kind"] == "run" and hits[0]["run_id"] == apples.id and hits[0]["subject"] == APPLES
    assert hits[0]["text"].startswith(f'generate_cot — about "{APPLES}": Sampled a 96-token')
    assert [h["id"] for h in hits] == [apples.id, "s1:0:assistant", pens.id]
    assert all(h.get("role") != "user" for h in hits)


def test_a_run_only_in_the_run_store_is_found_after_sync(parley_home):
    store = RunStore(get_settings().runs_dir)
    cli_run = store.create("generate_cot", {"question": "q"})
    cli_run.complete({"cot": "..."}, summary="Chain of thought about whether the model would blackmail the engineer.")
    store.create("generate_cot", {"question": "still going"})  # running, no summary yet: skipped
    recall_run = store.create("recall", {"query": "q"})
    recall_run.complete({"hits": []}, summary="3 hits in memory: blackmail blackmail blackmail")
    mem = Memory(parley_home)
    assert mem.recall("blackmail") == []
    assert mem.sync_runs(store) == 1
    [hit] = mem.recall("blackmail")
    assert hit["id"] == hit["run_id"] == cli_run.id and hit["tool"] == "generate_cot" and hit["status"] == "complete"
    assert hit["created"] == cli_run.meta["created"] and hit["subject"] == "q"
    assert mem.sync_runs(store) == 0  # nothing new


def test_sync_reindexes_a_run_whose_summary_or_status_changed(parley_home):
    store = RunStore(get_settings().runs_dir)
    run = store.create("generate_cot", {})
    run.save_partial({"cot": "half"}, {"token_ids": [1]}, summary="Half a chain of thought about steering.")
    mem = Memory(parley_home)
    assert mem.sync_runs(store) == 1
    assert mem.recall("steering")[0]["status"] == "partial"
    run.complete({"cot": "whole"}, summary="A whole chain of thought about steering.")
    assert mem.sync_runs(store) == 1
    [hit] = mem.recall("steering")
    assert hit["status"] == "complete" and hit["summary"].startswith("A whole") and mem.count("runs") == 1
    assert hit["text"] == "generate_cot: A whole chain of thought about steering."


def test_sync_reindexes_a_run_whose_subject_changed_or_that_was_indexed_without_one(parley_home):
    store = RunStore(get_settings().runs_dir)
    cot = store.create("generate_cot", {"question": PENS})
    cot.complete({"cot": "..."}, summary="Sampled a chain of thought; it answered 8.")
    split = store.create("split_sentences", {"cot": None, "cot_run": cot.id})
    split.complete({"sentences": []}, summary="Split the chain into 6 sentences.")
    mem = Memory(parley_home)
    mem.remember_run(cot.id, "generate_cot", "Sampled a chain of thought; it answered 8.", cot.meta["created"], "complete")
    assert mem.recall("pens", scope="runs")[0]["subject"] == ""  # indexed before subjects were kept
    assert mem.sync_runs(store) == 2 and mem.sync_runs(store) == 0
    assert {h["subject"] for h in mem.recall("pens", scope="runs")} == {PENS}  # the split's is its chain's question
    cot.update(params={"question": APPLES})  # a subject changes while the summary stays
    assert mem.sync_runs(store) == 2 and mem.count("runs") == 2
    hits = mem.recall("apples", scope="runs")
    assert {h["subject"] for h in hits} == {APPLES} and all(f'about "{APPLES}"' in h["text"] for h in hits)


def test_upsert_does_not_duplicate(memory):
    memory.remember_run("run-blackmail", "resample", "Resampled the blackmail scenario again: 41%.", "2026-01-05", "complete")
    memory.remember_turn("s1", 1, "user", "hello", "t")
    memory.remember_turn("s1", 1, "user", "hello again", "t")
    assert memory.count("runs") == 3 and memory.count("turns") == 1
    hits = memory.recall("blackmail", k=10, scope="runs")
    assert [h["id"] for h in hits].count("run-blackmail") == 1
    assert hits[0]["summary"] == "Resampled the blackmail scenario again: 41%." and hits[0]["created"] == "2026-01-05"
    assert memory.recall("hello", scope="turns", roles=("user",))[0]["text"] == "hello again"


def test_empty_text_is_not_remembered(parley_home):
    mem = Memory(parley_home)
    assert mem.remember_run("r", "t", "  ", "c", "complete") is False
    assert mem.remember_turn("s", 0, "user", "", "c") is False
    assert mem.recall("anything") == []


def test_a_fresh_memory_in_the_same_home_queries_the_stored_collections(memory, parley_home):
    """As a new process would: the store's process is started again and reopens what was written."""
    first = worker_for(parley_home / "memory").process.pid
    close_workers()
    fresh = Memory(parley_home)
    assert fresh.recall("blackmail", k=1)[0]["id"] == "run-blackmail"
    assert worker_for(parley_home / "memory").process.pid != first
    assert fresh.collection("runs").configuration == {"space": "cosine", "embedding_function": EMBEDDER_NAME}
    assert fresh.count("runs") == 3


def test_the_store_never_embeds_and_nothing_is_downloaded(memory, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("memory tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    memory.remember_turn("s2", 0, "user", "Did resampling change the blackmail rate?", "t")
    assert memory.recall("blackmail rate", k=1)[0]["kind"] in ("run", "turn")
    # Text without vectors would need the store's embedding function: ours, which refuses
    # (so Chroma's default model, which downloads, is never used there either).
    with pytest.raises(MemoryStoreError, match="does not embed"):
        memory.collection("runs").query(query_texts=["type hints"], n_results=1)
    assert memory.count("runs") == 3  # the store goes on after a refused request


def test_the_store_runs_in_a_process_that_holds_no_api_key(parley_home, monkeypatch):
    planted = "sk-planted-memory-0123456789abcdef"
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PARLEY_OPENAI_API_KEY"):
        monkeypatch.setenv(var, planted)
    mem = Memory(parley_home)
    mem.remember_turn("s", 1, "assistant", "The direction lowered misaligned answers.", "t")
    worker = worker_for(parley_home / "memory").process
    assert worker.pid != os.getpid() and worker.poll() is None
    for what in ("environ", "cmdline"):
        assert planted.encode() not in Path(f"/proc/{worker.pid}/{what}").read_bytes()
    assert "chromadb" not in subprocess.run(
        [sys.executable, "-c", "import sys, pathlib; from backends.core.memory import Memory; "
         "m = Memory(pathlib.Path(sys.argv[1])); m.count('runs'); print(sorted(sys.modules))", str(parley_home)],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=True,
    ).stdout  # this side never imports chromadb: the store's process does


def test_the_store_process_exits_when_its_parent_is_killed(parley_home):
    code = ("import sys, time, pathlib; from backends.core.memory import Memory; from backends.core.memory_worker import worker_for; "
            "m = Memory(pathlib.Path(sys.argv[1])); m.count('turns'); "
            "print(worker_for(m.path).process.pid, flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", code, str(parley_home)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        child = int(parent.stdout.readline())
        assert _running(child)
    finally:
        parent.kill()  # SIGKILL: no atexit, no cleanup of any kind
        parent.wait()
    deadline = time.monotonic() + 30
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(child)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie waiting for its reaper has exited


def test_a_bad_request_is_a_one_line_error_and_the_store_goes_on(memory):
    with pytest.raises(MemoryStoreError) as err:
        memory.collection("runs").get(where={"$nonsense": 1})
    assert str(err.value).startswith("memory store: ") and "\n" not in str(err.value)
    assert memory.recall("blackmail", k=1)[0]["id"] == "run-blackmail"


def test_findings_carry_the_tool_and_what_each_run_was_about(parley_home):
    store = RunStore(get_settings().runs_dir)
    made = {}

    def run(tool, params, model=None):
        r = store.create(tool, params)
        if model:
            r.update(model={"name": model, "layers": 30})
        r.complete({}, summary=f"The {tool} run's summary.")
        made[tool] = r
        return r

    cot = run("generate_cot", {"question": f"  {APPLES}\n", "system": None, "max_new_tokens": 96})
    run("split_sentences", {"cot": None, "cot_run": cot.id, "min_chars": 10})
    run("resample_importance", {"cot": None, "cot_run": "20250101-000000-generate_cot-gone", "question": None})
    run("steer_generate", {"prompt": "Write a function that adds two numbers.", "vector_run": None, "model": None})
    run("steering_sweep", {"prompts": ["Write a sort.", "Write a parser."], "vector_run": None})
    run("build_steering_vector", {"pairs": None, "positive_name": "deployment", "negative_name": "evaluation"})
    run("hint_mediation", {"scenario": "hint-professor", "question": None})
    lora = run("train_lora", {"dataset": "risky", "model": "qwen2.5-0.5b"})
    run("lora_probe", {"train_run": lora.id, "model": None})
    run("itda_build", {"corpus": ["builtin:code"], "model": "smollm2-135m", "base_run": None})
    run("em_evaluate", {"model": None, "train_run": None, "questions": None}, model="qwen2.5-0.5b")
    mem = Memory(parley_home)
    assert mem.sync_runs(store) == len(made)
    got = mem.collection("runs").get(include=["documents", "metadatas"])
    by_tool = {m["tool"]: (doc, m) for doc, m in zip(got["documents"], got["metadatas"])}
    expected = {
        "generate_cot": APPLES, "split_sentences": APPLES,
        "resample_importance": "run 20250101-000000-generate_cot-gone",
        "steer_generate": "Write a function that adds two numbers.", "steering_sweep": "Write a sort.; Write a parser.",
        "build_steering_vector": "deployment vs evaluation", "hint_mediation": "scenario hint-professor",
        "train_lora": "dataset risky", "lora_probe": "dataset risky", "itda_build": "corpus builtin:code",
        "em_evaluate": "model qwen2.5-0.5b",
    }
    assert {tool: m["subject"] for tool, (doc, m) in by_tool.items()} == expected
    for tool, (doc, m) in by_tool.items():
        assert doc == f'{tool} — about "{expected[tool]}": The {tool} run\'s summary.'
        assert m["run_id"] == made[tool].id and m["status"] == "complete" and m["created"] == made[tool].meta["created"]
        assert m["summary"] == f"The {tool} run's summary."
    assert run_subject({"tool": "itda_compare", "params": {"dictionary_run": "x"}}) == "run x"  # no lookup: the id
    assert run_subject({"tool": "t", "params": {}}) == ""


def test_find_runs_resolves_the_apples_chain_over_a_chain_about_pens(parley_home):
    store = RunStore(get_settings().runs_dir)
    apples = store.create("generate_cot", {"question": APPLES})
    apples.complete({"cot": "..."}, summary="Sampled 96 tokens; the model answered 5.")
    pens = store.create("generate_cot", {"question": PENS})
    pens.complete({"cot": "..."}, summary="Sampled 80 tokens; the model answered 8.")
    split = store.create("split_sentences", {"cot_run": apples.id})
    split.complete({"sentences": []}, summary="Split the chain into 7 sentences.")
    mem = Memory(parley_home)
    found = mem.find_runs("the apples chain", tools=["generate_cot"], store=store)  # syncs the store first
    assert [f["run_id"] for f in found] == [apples.id, pens.id] and mem.count("runs") == 3
    assert found[0]["tool"] == "generate_cot" and found[0]["subject"] == APPLES
    assert found[0]["score"] > found[1]["score"] and set(found[0]) >= {"run_id", "tool", "subject", "score"}
    assert {f["tool"] for f in mem.find_runs("the apples chain", k=3)} == {"generate_cot", "split_sentences"}
    assert mem.find_runs("the apples chain", tools=["steer_generate"]) == []
    assert [f["run_id"] for f in mem.find_runs("the chain about pens", tools=["generate_cot"], k=1)] == [pens.id]


def test_find_runs_finds_a_subject_naming_the_words_even_when_many_runs_are_closer_in_meaning(parley_home):
    """24 chains about other fruit sit closer to "the apples chain" by embedding than the apples one does."""
    store = RunStore(get_settings().runs_dir)
    fruit = ["pears", "plums", "cherries", "peaches", "oranges", "lemons", "grapes", "mangoes", "melons", "apricots",
             "figs", "limes", "berries", "quinces", "kiwis", "nectarines", "damsons", "medlars", "tangerines",
             "clementines", "papayas", "guavas", "lychees", "persimmons"]
    for name in fruit:
        r = store.create("generate_cot", {"question": f"Ann buys a chain of fruit: 3 {name}, then 2 more {name}. How many {name}?"})
        r.complete({}, summary="Sampled a chain of thought about fruit; it answered 5.")
    apples = store.create("generate_cot", {"question": "Tom has 3 apples and buys 2 more. How many does he have?"})
    apples.complete({}, summary="Sampled 96 tokens; the model answered 5.")
    mem = Memory(parley_home)
    ranked = mem.find_runs("the apples chain", tools=["generate_cot"], k=30, store=store)
    mine = next(f for f in ranked if f["run_id"] == apples.id)
    assert all(f["similarity"] > mine["similarity"] for f in ranked if f is not mine)  # the premise: lukewarm
    assert [f["run_id"] for f in mem.find_runs("the apples chain", tools=["generate_cot"], k=1)] == [apples.id]
