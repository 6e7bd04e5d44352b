import json
import re

import pytest

from backends.core.errors import ModelNotFoundError, UsageError
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tools import REGISTRY, get_tool, run_tool
from tools.registry import ToolArgs, ToolOutput, parse_args, register


def test_every_tool_declares_the_contract():
    assert {"generate_cot", "split_sentences"} <= set(REGISTRY)
    for tool in REGISTRY.values():
        d = tool.describe()
        assert d["name"] and d["description"] and d["cost"] in ("cheap", "expensive")
        assert len(d["examples"]) >= 1
        assert json.loads(json.dumps(d["schema"]))["type"] == "object"
        assert tool.args.model_config.get("extra") == "forbid"


def test_the_papers_of_the_method_cards_name_real_tools_and_an_arxiv_id():
    from tools.cards import CARDS_FILE, papers

    import tomllib
    named = {t for paper in tomllib.loads(CARDS_FILE.read_text())["papers"].values() for t in paper["tools"]}
    assert named <= set(REGISTRY), named - set(REGISTRY)
    listed = papers(list(REGISTRY))
    assert len(listed) == 8 and all(re.search(r"\(20\d\d\)\. .+ arXiv:\d{4}\.\d{5}$", cite) for cite in listed)
    assert papers(["receiver_heads"]) == papers(["attention_suppression"]) and "Thought Anchors" in papers(["receiver_heads"])[0]
    assert papers(["recall", "cot_monitor", "generate_cot"]) == []  # Parley's own composition: no paper of its own


@pytest.mark.parametrize(
    "raw, field, words",
    [
        ('{"question": ', "args", "malformed JSON"),
        ("[1, 2]", "args", "JSON object"),
        ("{}", "question", "missing"),
        ('{"question": "q", "max_new_tokens": -4}', "max_new_tokens", ">= 1 and <= 8192"),
        ('{"question": "q", "top_p": 0}', "top_p", "> 0.0"),
        ('{"question": "q", "seed": "x"}', "seed", "integer"),
        ('{"question": "q", "colour": 1}', "colour", "allowed: question"),
    ],
)
def test_bad_arguments_are_one_line_naming_the_field(raw, field, words):
    with pytest.raises(UsageError) as e:
        parse_args(get_tool("generate_cot"), raw)
    assert e.value.field == field
    assert str(e.value).startswith(f"{field}: ") and words in str(e.value) and "\n" not in str(e.value)


def test_unknown_tool_lists_the_available_ones():
    with pytest.raises(UsageError, match="unknown tool 'nope'; available: .*generate_cot"):
        get_tool("nope")


def test_generate_cot_saves_a_full_run_and_returns_a_compact_result(tiny):
    out = run_tool("generate_cot", {"question": "Is 91 prime?", "model": "tiny-random", "seed": 2, "max_new_tokens": 16})
    run = RunStore(get_settings().runs_dir).get(out.run_id)
    assert out.status == run.status == "complete"
    assert run.meta["seed"] == 2 and run.meta["params"]["question"] == "Is 91 prime?"
    assert run.meta["model"]["name"] == "tiny-random" and run.meta["model"]["layers"] == 4
    assert "load_model_s" in run.meta["timings"] and "generate_s" in run.meta["timings"]
    assert run.results["cot"] == out.result["cot"] and out.result["n_tokens"] == 16
    assert run.results["prompt"] and "prompt" not in out.result  # the full data stays in the store
    assert "16-token chain of thought from tiny-random (seed 2" in out.summary


def test_a_stopped_tool_run_is_partial_and_resumes_to_the_end(tiny):
    steps = []
    args = {"question": "Is 91 prime?", "model": "tiny-random", "seed": 5, "max_new_tokens": 100}
    stopped = run_tool("generate_cot", args, should_stop=lambda: len(steps) >= 70,
                       progress=lambda d, t, n: steps.append(d))
    store = RunStore(get_settings().runs_dir)
    assert stopped.status == "partial" and stopped.result["n_tokens"] == 64  # whole chunks only
    assert stopped.summary.endswith(f"Resume: `parley runs resume {stopped.run_id}`.")
    checkpoint = store.get(stopped.run_id).checkpoint
    assert checkpoint["state"]["n_tokens"] == 64 and store.get(stopped.run_id).results["cot"] == checkpoint["state"]["text"]
    resumed = run_tool("", resume=stopped.run_id)
    assert resumed.run_id == stopped.run_id and resumed.status == "complete"
    assert resumed.result["n_tokens"] == 100 and resumed.result["cot"].startswith(stopped.result["cot"])
    assert store.get(stopped.run_id).checkpoint is None
    whole = run_tool("generate_cot", args)  # each chunk has its own seed: stopping changed nothing
    assert whole.result["cot"] == resumed.result["cot"]


def test_split_sentences_reads_a_chain_of_thought_from_a_run(tiny):
    cot = "First, add 17 and 25.\n\nThat gives 42. So the answer is \\boxed{42}."
    store = RunStore(get_settings().runs_dir)
    source = store.create("generate_cot", {})
    source.complete({"cot": cot, "question": "What is 17 + 25?"})
    out = run_tool("split_sentences", {"cot_run": source.id})
    assert [s["text"] for s in out.result["sentences"]] == [
        "First, add 17 and 25.", "That gives 42.", "So the answer is \\boxed{42}."]
    assert out.result["question"] == "What is 17 + 25?"
    full = store.get(out.run_id).results
    assert full["head"] + "".join(s["text"] + s["sep"] for s in full["sentences"]) + full["tail"] == cot
    with pytest.raises(UsageError, match="cot_run: .* holds no chain of thought"):
        empty = store.create("other", {})
        empty.complete({"x": 1})
        run_tool("split_sentences", {"cot_run": empty.id})


def test_an_unknown_model_leaves_no_run_behind():
    with pytest.raises(ModelNotFoundError):
        run_tool("generate_cot", {"question": "q", "model": "no-such-model"})
    assert RunStore(get_settings().runs_dir).list() == []


def test_an_internal_failure_marks_the_run_failed_and_keeps_it():
    class Args(ToolArgs):
        pass

    @register("test_boom", description="raises", args=Args, examples=("boom",))
    def boom(args, ctx) -> ToolOutput:
        raise RuntimeError("kaput")

    try:
        with pytest.raises(RuntimeError):
            run_tool("test_boom", {})
        [run] = RunStore(get_settings().runs_dir).list()
        assert run.status == "failed" and run.meta["error"] == "RuntimeError: kaput"
    finally:
        del REGISTRY["test_boom"]


def test_every_tool_seeds_with_the_default_seed_the_session_log_records():
    from backends.core.seeds import DEFAULT_SEED
    from tools import REGISTRY

    seeded = {name: tool.args.model_fields["seed"].default for name, tool in REGISTRY.items()
              if "seed" in tool.args.model_fields}
    assert len(seeded) >= 15 and set(seeded.values()) == {DEFAULT_SEED}, seeded


def test_a_model_asked_twice_in_one_run_keeps_the_first_loads_time(tiny):
    from tools.registry import ToolContext

    store = RunStore(get_settings().runs_dir)
    ctx = ToolContext(run=store.create("generate_cot", {}), store=store, settings=get_settings())
    first = ctx.load_model("tiny-random")  # the chat template ...
    ctx.run.meta["timings"]["load_model_s"] = 12.5  # (as a first load from disk would take)
    assert ctx.load_model("tiny-random") is first  # ... then the sampler: the same handle
    assert ctx.run.meta["timings"]["load_model_s"] == 12.5 and ctx.run.meta["model"]["name"] == "tiny-random"
