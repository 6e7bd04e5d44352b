"""Models placed on a completions server (the `models` setting): their own chat template, prompts
sent as token ids, the weights never loaded here; and the tools that cannot run there say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backends.core.errors import UsageError
from backends.core.runstore import RunStore
from backends.core.settings import get_settings
from tests.backends.completions_server import CompletionsServer
from tests.backends.toy_tokenizer import save_toy_tokenizer, toy_tokenizer
from tests.conftest import run_parley
from tools import REGISTRY, run_tool

SERVED = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def weights_loaded(monkeypatch) -> list:
    """Every subject model whose weights load in this test (backends.subject.models.load_model, counted)."""
    import backends.subject.models as models

    calls, real = [], models.load_model

    def counting(name=None, **kwargs):
        calls.append(name)
        return real(name, **kwargs)

    monkeypatch.setattr(models, "load_model", counting)
    return calls


def place(monkeypatch, **entries) -> None:
    monkeypatch.setenv("PARLEY_MODELS", json.dumps(entries))


@pytest.mark.timeout(120)
def test_a_server_model_samples_with_its_own_template_as_token_ids_and_loads_no_weights(tmp_path, monkeypatch,
                                                                                       weights_loaded):
    from tools.inputs import DEFAULT_COT_SYSTEM

    tok = toy_tokenizer()  # Llama-2's form with a BOS, unlike the default model's ChatML
    folder = save_toy_tokenizer(tmp_path / "r1-tokenizer")
    with CompletionsServer(tokenizer=tok, delay=0.05) as server:  # a delay makes requests overlap
        place(monkeypatch, r1={"backend": "server", "base_url": server.base_url, "served_name": SERVED,
                               "tokenizer": str(folder), "concurrency": 3})
        cot = run_tool("generate_cot", {"question": "What is 17 + 25?", "model": "r1", "max_new_tokens": 100})
        first_sent, first_seen, cot_requests = server.prompts[0], server.model_inputs[0], len(server.requests)
        importance = run_tool("resample_importance", {"cot_run": cot.run_id, "model": "r1", "rollouts": 2,
                                                      "max_new_tokens": 12, "adaptive": False})
        models_asked = {r["json"]["model"] for r in server.requests}
        in_flight = server.max_in_flight
    store = RunStore(get_settings().runs_dir)
    run = store.get(cot.run_id)
    prompt = run.results["prompt"]
    assert prompt == tok.apply_chat_template([{"role": "system", "content": DEFAULT_COT_SYSTEM},
                                              {"role": "user", "content": "What is 17 + 25?"}],
                                             tokenize=False, add_generation_prompt=True)
    assert prompt.startswith("<s><<SYS>>") and "<|im_start|>" not in prompt
    # sent as the ids of exactly that text: they decode to it, and the model sees one BOS
    assert first_sent == tok(prompt, add_special_tokens=False).input_ids and tok.decode(first_sent) == prompt
    assert first_seen.count(tok.bos_token_id) == 1
    assert run.meta["prompt_tokens"] == {"model": "r1", "ids": first_sent, "count": len(first_sent),
                                         "special_tokens_added": False}
    assert run.meta["model"]["backend"] == "server" and run.meta["model"]["served_name"] == SERVED
    assert run.meta["model"]["weights"] == "not loaded here" and models_asked == {SERVED}
    assert "load_model_s" not in run.meta["timings"] and "load_tokenizer_s" in run.meta["timings"]
    assert run.results["sampler"] == f"remote:{SERVED}" and cot_requests >= 1
    # Thought Anchors on the same server: rounds in flight together, the run's prompt ids recorded
    full = store.get(importance.run_id)
    assert importance.result["rollouts_used"] == 2 * len(full.results["sentences"]) + 2
    assert tok.decode(full.meta["prompt_tokens"]["ids"]).startswith(prompt)
    assert "load_model_s" not in full.meta["timings"] and 1 < in_flight <= 3
    assert weights_loaded == []  # no subject model's weights loaded, in either run
    run_tool("generate_cot", {"question": "Hi?", "model": "tiny-random", "max_new_tokens": 2})
    assert weights_loaded == ["tiny-random"]  # the count sees a local model's load


def test_a_server_model_has_its_url_served_name_concurrency_and_key(tmp_path, monkeypatch):
    from tools.context import ToolContext

    key = "sk-r1-server-key-0123456789"
    monkeypatch.setenv("R1_KEY", key)
    with CompletionsServer() as server:
        place(monkeypatch, r1={"backend": "server", "base_url": server.base_url, "served_name": SERVED,
                               "tokenizer": "tiny-random", "concurrency": 7, "api_key_env": "R1_KEY"})
        settings = get_settings()
        store = RunStore(settings.runs_dir)
        ctx = ToolContext(run=store.create("generate_cot", {}), store=store, settings=settings)
        sampler = ctx.sampler("r1")
        from backends.subject.sampling import SamplingParams

        sampler.sample("Hello", 2, SamplingParams(max_new_tokens=4))
        headers = server.requests[0]["headers"]
    assert (sampler.base_url, sampler.model, sampler.concurrency) == (server.base_url, SERVED, 7)
    assert headers["authorization"] == f"Bearer {key}" and sampler.tokenizer is ctx.template("r1").tokenizer
    with pytest.raises(UsageError) as e:
        ctx.load_model("r1")
    assert str(e.value) == 'generate_cot needs the model\'s weights: models."r1".backend is server; use local'


@pytest.mark.parametrize("tool, args", [("receiver_heads", {"cot": "First. Then."}), ("train_lora", {}),
                                        ("steer_generate", {"prompt": "Hi"}), ("itda_build", {})])
def test_a_white_box_tool_on_a_server_model_is_one_line_naming_the_setting(monkeypatch, weights_loaded, tool, args):
    place(monkeypatch, r1={"backend": "server", "base_url": "http://127.0.0.1:9/v1"})
    from tools.support import backends_of

    with pytest.raises(UsageError) as e:
        run_tool(tool, {**args, "model": "r1"})
    allowed = " or ".join(backends_of(tool))  # local, and nnsight where the method has an nnsight form
    assert str(e.value) == (f"{tool} needs the model's weights{' or nnsight' if 'nnsight' in allowed else ''}: "
                            f'models."r1".backend is server; use {allowed}')
    assert e.value.field == "model" and weights_loaded == []
    assert RunStore(get_settings().runs_dir).list() == []  # refused before a run was opened


def test_the_command_line_says_it_in_one_line_with_exit_2():
    models = json.dumps({"r1": {"backend": "server", "base_url": "http://127.0.0.1:9/v1"}})
    out = run_parley("tool", "receiver_heads", "--args", json.dumps({"cot": "First. Then.", "model": "r1"}),
                     env={"PARLEY_MODELS": models})
    assert out.returncode == 2, out.stderr
    message = json.loads(out.stdout)["error"]["message"]
    assert message.startswith("receiver_heads needs the model's weights") and "\n" not in message
    assert 'models."r1".backend is server; use local' in message


def test_a_server_model_whose_tokenizer_is_nowhere_is_one_line(monkeypatch, weights_loaded):
    place(monkeypatch, r1={"backend": "server", "base_url": "http://127.0.0.1:9/v1", "served_name": "nobody/none-1b"})
    with pytest.raises(UsageError) as e:
        run_tool("generate_cot", {"question": "Hi?", "model": "r1"})
    message = str(e.value)
    assert message.startswith('models."r1".tokenizer: no tokenizer \'nobody/none-1b\'') and "\n" not in message
    assert "never downloads" in message and weights_loaded == []


def test_every_tool_says_which_backends_it_runs_on_and_the_readme_shows_it():
    from tools.support import BACKENDS, SUPPORT, table

    tools = {name for name in REGISTRY if not name.endswith("_test")}
    assert set(SUPPORT) == tools, f"declare the backends of {sorted(tools - set(SUPPORT))} in tools/support.py"
    assert all(set(b) <= set(BACKENDS) and "local" in b for b in SUPPORT.values())
    assert table() in README.read_text(encoding="utf-8"), \
        "README's tool x backend table differs from tools/support.py: paste `python -c 'from tools.support import table; print(table())'`"
