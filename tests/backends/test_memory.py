"""Long-term memory in a real Chroma store under the test's PARLEY_HOME."""

import socket
import subprocess
import sys

import pytest

from backends.errors import UsageError
from backends.memory import EMBEDDER_NAME, Memory, embedding_function_class
from backends.runstore import RunStore
from backends.settings import get_settings
from tests.conftest import REPO

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
    code = "import sys, backends.memory; print(sorted({'chromadb', 'torch', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_recall_finds_the_closest_run_summary_first(memory, parley_home):
    hits = memory.recall("blackmail", k=3)
    assert [h["id"] for h in hits][0] == "run-blackmail"
    best = hits[0]
    assert best["kind"] == "run" and best["run_id"] == "run-blackmail" and best["tool"] == "resample"
    assert best["text"] == RUNS[0][2] and best["created"].startswith("2026-01-01") and best["status"] == "complete"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert 0 < best["score"] <= 1 and best["score"] > hits[1]["score"] + 0.2
    assert (parley_home / "memory" / "chroma.sqlite3").exists()
    assert memory.recall("steering vectors", k=1)[0]["id"] == "run-steer"
    assert memory.recall("sparse dictionary learning", k=1)[0]["id"] == "run-itda"


def test_turns_are_searchable_and_scope_filters(memory):
    memory.remember_turn("s1", 0, "user", "Which sentences of the reasoning trace matter most?", "2026-01-02T10:00:00+00:00")
    memory.remember_turn("s1", 0, "assistant", "Sentence 4 had the highest counterfactual importance.", "2026-01-02T10:00:05+00:00")
    turns = memory.recall("sentence importance", k=5, scope="turns")
    assert {h["kind"] for h in turns} == {"turn"} and len(turns) == 2
    assert turns[0]["id"] == "s1:0:assistant"
    assert turns[0]["session"] == "s1" and turns[0]["turn"] == 0 and turns[0]["role"] == "assistant"
    runs = memory.recall("sentence importance", k=5, scope="runs")
    assert {h["kind"] for h in runs} == {"run"} and len(runs) == 3
    both = memory.recall("sentence importance", k=5)
    assert {h["kind"] for h in both} == {"run", "turn"} and len(both) == 5
    assert both[0]["kind"] == "turn"
    assert [h["score"] for h in both] == sorted((h["score"] for h in both), reverse=True)
    with pytest.raises(UsageError, match="scope: 'everything'"):
        memory.recall("x", scope="everything")


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
    assert hit["created"] == cli_run.meta["created"]
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
    assert hit["status"] == "complete" and hit["text"].startswith("A whole") and mem.count("runs") == 1


def test_upsert_does_not_duplicate(memory):
    memory.remember_run("run-blackmail", "resample", "Resampled the blackmail scenario again: 41%.", "2026-01-05", "complete")
    memory.remember_turn("s1", 1, "user", "hello", "t")
    memory.remember_turn("s1", 1, "user", "hello again", "t")
    assert memory.count("runs") == 3 and memory.count("turns") == 1
    hits = memory.recall("blackmail", k=10, scope="runs")
    assert [h["id"] for h in hits].count("run-blackmail") == 1
    assert hits[0]["text"] == "Resampled the blackmail scenario again: 41%." and hits[0]["created"] == "2026-01-05"
    assert memory.recall("hello", scope="turns")[0]["text"] == "hello again"


def test_empty_text_is_not_remembered(parley_home):
    mem = Memory(parley_home)
    assert mem.remember_run("r", "t", "  ", "c", "complete") is False
    assert mem.remember_turn("s", 0, "user", "", "c") is False
    assert mem.recall("anything") == []


def test_a_fresh_memory_in_the_same_home_queries_the_stored_collections(memory, parley_home):
    """As a new process would: no cached Chroma client, our embedding function not yet registered."""
    from chromadb.api.client import SharedSystemClient
    from chromadb.utils.embedding_functions import known_embedding_functions

    SharedSystemClient.clear_system_cache()
    known_embedding_functions.pop(EMBEDDER_NAME)
    embedding_function_class.cache_clear()
    fresh = Memory(parley_home)
    assert fresh.recall("blackmail", k=1)[0]["id"] == "run-blackmail"
    assert EMBEDDER_NAME in known_embedding_functions
    col = fresh.collection("runs")
    assert col.query(query_texts=["type hints"], n_results=1)["ids"] == [["run-steer"]]
    assert col.configuration_json["embedding_function"]["name"] == EMBEDDER_NAME
    assert col.configuration_json["hnsw"]["space"] == "cosine"


def test_nothing_is_downloaded_the_embedder_is_ours(memory, monkeypatch):
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    def no_network(*args, **kwargs):
        raise AssertionError("memory tried to reach the network")

    def no_default_model(*args, **kwargs):
        raise AssertionError("memory used Chroma's default embedding model")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", no_default_model)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", no_default_model)
    memory.remember_turn("s2", 0, "user", "Did resampling change the blackmail rate?", "t")
    assert memory.recall("blackmail rate", k=1)[0]["kind"] in ("run", "turn")
    for name in ("runs", "turns"):
        assert memory.collection(name)._embedding_function.name() == EMBEDDER_NAME
