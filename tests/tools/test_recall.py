"""The `recall` tool: syncs the run store into memory, then searches it."""

import subprocess
import sys

import pytest

from backends.core.errors import UsageError
from backends.core.memory import Memory
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.conftest import REPO
from tools import REGISTRY, get_tool, run_tool
from tools.registry import parse_args

PARAMS = {"resample": {"scenario": "blackmail"}, "steer": {"prompt": "Write a function."}, "itda": {"corpus": ["builtin:code"]}}
SUMMARIES = {
    "resample": "Resampled the blackmail scenario 50 times: the model chose blackmail in 38% of rollouts.",
    "steer": "A steering vector for type hints at layer 12 made the model annotate Python functions.",
    "itda": "Trained ITDA dictionaries on residual stream activations of layer 6.",
}


def _runs_from_the_cli() -> dict[str, str]:
    """Completed runs written straight to the run store, as `parley tool ...` would leave them."""
    store = RunStore(get_settings().runs_dir)
    ids = {}
    for tool, summary in SUMMARIES.items():
        run = store.create(tool, PARAMS[tool])
        run.complete({"rows": []}, summary=summary)
        ids[tool] = run.id
    return ids


def test_recall_is_a_cheap_registered_tool_with_bounded_args():
    tool = get_tool("recall")
    assert tool.cost == "cheap" and "recall" in REGISTRY and len(tool.examples) >= 3
    props = tool.schema()["properties"]
    assert props["k"]["minimum"] == 1 and props["k"]["maximum"] == 50 and props["k"]["default"] == 5
    assert props["query"]["maxLength"] == 2000 and props["scope"]["enum"] == ["all", "runs", "turns"]
    assert props["include_user"]["default"] is False
    assert parse_args(tool, {"query": "steering"}).scope == "all"
    assert parse_args(tool, {"query": "q", "scope": "turns", "include_user": True}).include_user
    for bad, field in (({"query": ""}, "query"), ({"query": "q", "k": 51}, "k"), ({"query": "q", "scope": "web"}, "scope"),
                       ({"query": "q", "include_user": True}, "include_user")):
        with pytest.raises(UsageError) as e:
            parse_args(tool, bad)
        assert e.value.field == field


def test_recall_syncs_the_run_store_and_puts_the_closest_run_first():
    ids = _runs_from_the_cli()
    out = run_tool("recall", {"query": "what did we find about the blackmail scenario last week?", "k": 3})
    assert out.status == "complete"
    hits = out.result["hits"]
    assert [h["id"] for h in hits][0] == ids["resample"] and len(hits) == 3
    assert hits[0]["kind"] == "run" and hits[0]["tool"] == "resample"
    head, *lines = out.summary.splitlines()
    assert head.startswith("3 hits in memory (runs and turns)") and "first indexed 3 runs" in head
    assert len(lines) == 3
    assert lines[0].startswith(
        f"  resample {ids['resample']} ({hits[0]['score']:.2f}) — about \"scenario blackmail\": Resampled the blackmail"
    )
    stored = RunStore(get_settings().runs_dir).get(out.run_id)
    assert stored.results["hits"] == hits and stored.results["synced"] == 3


def test_recall_runs_are_not_themselves_remembered():
    _runs_from_the_cli()
    first = run_tool("recall", {"query": "blackmail"})
    again = run_tool("recall", {"query": "blackmail", "k": 50})
    assert "first indexed" not in again.summary  # nothing new; the first recall run is skipped
    assert first.run_id not in {h["id"] for h in again.result["hits"]}
    assert {h["tool"] for h in again.result["hits"]} == set(SUMMARIES)


def test_recall_scope_turns_returns_replies_and_the_users_own_messages_only_when_asked():
    _runs_from_the_cli()
    memory = Memory(get_settings().home)
    memory.remember_turn("chat-1", 2, "user", "How important is each sentence of the chain of thought?", "2026-01-03")
    memory.remember_turn("chat-1", 2, "assistant", "Sentence 3 mattered most: resampling it changed the answer.", "2026-01-03")
    out = run_tool("recall", {"query": "search memory for sentence importance", "scope": "turns"})
    [hit] = out.result["hits"]
    assert hit["kind"] == "turn" and hit["id"] == "chat-1:2:assistant" and hit["role"] == "assistant"
    assert memory.count("runs") == 0  # a turns-only search does not index runs
    assert out.summary.splitlines()[1].startswith("  turn chat-1:2:assistant (")
    asked = run_tool("recall", {"query": "search memory for sentence importance", "scope": "turns", "include_user": True})
    assert {h["id"] for h in asked.result["hits"]} == {"chat-1:2:user", "chat-1:2:assistant"}


def test_recall_what_did_we_find_about_apples_lists_the_apples_chain_as_a_finding_first():
    store = RunStore(get_settings().runs_dir)
    apples = store.create("generate_cot", {"question": "Tom has 3 apples and buys 2 more. How many apples does he have?"})
    apples.complete({"cot": "..."}, summary="Sampled a 96-token chain of thought; it answered 5.")
    pens = store.create("generate_cot", {"question": "A box holds 12 pens; Sara takes 4. How many pens are left?"})
    pens.complete({"cot": "..."}, summary="Sampled an 80-token chain of thought; it answered 8.")
    Memory(get_settings().home).remember_turn("chat-2", 0, "user", "What did we find about apples?", "2026-01-04")
    out = run_tool("recall", {"query": "what did we find about apples", "k": 5})
    hits = out.result["hits"]
    assert hits[0]["run_id"] == apples.id and all(h.get("role") != "user" for h in hits)
    assert out.summary.splitlines()[1] == (
        f"  generate_cot {apples.id} ({hits[0]['score']:.2f}) — about \"Tom has 3 apples and buys 2 more. How many "
        'apples does he...": Sampled a 96-token chain of thought; it answered 5.'
    )


def test_recall_on_an_empty_memory_says_so():
    out = run_tool("recall", {"query": "recall earlier runs about steering"})
    assert out.result == {"hits": [], "unindexed": 0} and "nothing" in out.summary


def test_the_first_recall_over_300_runs_never_indexed_is_bounded_shows_progress_and_says_what_is_left():
    from backends.core.memory import SYNC_LIMIT

    store = RunStore(get_settings().runs_dir)
    made = []
    for i in range(300):  # as `parley tool` would leave them, none yet in memory
        run = store.create("generate_cot", {"question": f"How many apples are {i} apples and {i} more?"})
        run.complete({"cot": "..."}, summary=f"Sampled a chain of thought about {i} apples; it answered {2 * i}.")
        made.append(run.id)
    newest_first = [r.id for r in store.list()]
    calls = []
    first = run_tool("recall", {"query": "apples"}, progress=lambda done, total, note: calls.append((done, total, note)))
    indexed = 300 - first.result["unindexed"]
    assert 0 < indexed <= SYNC_LIMIT  # the work is capped: the rest waits for the next call
    assert calls[0] == (0, SYNC_LIMIT, "indexing runs into memory") and calls[-1][:2] == (indexed, SYNC_LIMIT)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    memory = Memory(get_settings().home)
    assert memory.count("runs") == indexed
    assert set(memory.collection("runs").get()["ids"]) == set(newest_first[:indexed])  # the newest first
    head = first.summary.splitlines()[0]
    assert f"first indexed {indexed} runs" in head and f"{300 - indexed} older runs are not indexed yet" in head
    # The next call goes on where the first stopped (a small step here, to keep the test quick).
    assert memory.sync_some(store, limit=32) == (32, 300 - indexed - 32)
    assert set(memory.collection("runs").get()["ids"]) == set(newest_first[: indexed + 32])


def test_listing_tools_imports_neither_chromadb_nor_torch():
    code = "import sys, tools; assert 'recall' in tools.REGISTRY; print(sorted({'chromadb', 'torch', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
