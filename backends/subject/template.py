"""A subject model's tokenizer and chat template, without its weights: `TemplateHandle`.

A model placed on a server (or on nnsight) runs elsewhere; Parley still formats its prompts
and tokenizes them, with the served model's own tokenizer and chat template, never the
default model's. `load_template(name, settings, placement)` loads only those, from (in order):

1. the built-in names `smollm2-135m` and `tiny-random`: the SmolLM2 tokenizer (`smollm2_tokenizer`);
2. a local directory holding a tokenizer (`tokenizer.json` or `tokenizer_config.json`), or a `.gguf` file;
3. an HF id already in the local HF cache (offline: never downloaded).

The source is the placement's `tokenizer`, else its `served_name`, else the model's name
(backends/subject/placement.tokenizer_source). Anything else is a one-line error naming
`models."NAME".tokenizer` and what was tried.

    template = load_template("r1-qwen-1.5b", settings, placement)
    prompt = template.chat_prompt("What is 17 + 25?")
    ids = template.encode(prompt)   # add_special_tokens=False: the template carries any BOS
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backends.core.errors import ModelNotFoundError
from backends.core.settings import Placement, Settings
from backends.subject.models import BUILTIN_MODELS, _hf_cache_snapshot, chat_text, smollm2_tokenizer, turn_end_ids
from backends.subject.placement import served_name, tokenizer_source

# Loading a tokenizer by HF id must never reach the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model")


@dataclass
class TemplateHandle:
    """A model's tokenizer and chat template, its weights elsewhere (a server, NDIF)."""

    name: str
    tokenizer: Any  # transformers.PreTrainedTokenizerBase
    source: str  # where the tokenizer came from
    revision: str
    placement: Placement = field(default_factory=Placement)
    generation_eos: Any = None  # the generation config's eos ids, when the tokenizer's folder has one

    def chat_prompt(self, user: str, system: str | None = None) -> str:
        """The text the model sees for one user turn, ending where the assistant's reply begins."""
        return chat_text(self.tokenizer, user, system)

    @property
    def stop_token_ids(self) -> list[int]:
        """Token ids that end an assistant turn (eos, the chat template's end-of-turn)."""
        return turn_end_ids(self.tokenizer, self.generation_eos)

    def encode(self, text: str) -> list[int]:
        """The token ids of `text` exactly, nothing added (a chat template writes its own BOS)."""
        return list(self.tokenizer(text, add_special_tokens=False).input_ids)

    def describe(self) -> dict:
        """What a run records about its model: where it runs and where its tokenizer came from."""
        from backends.core.redaction import scrub

        p = self.placement
        return {"name": self.name, "backend": p.backend, "served_name": served_name(p, self.name),
                "base_url": scrub(p.base_url) if p.base_url else None, "tokenizer": self.source,
                "revision": self.revision, "weights": "not loaded here"}


_lock = threading.Lock()
_tokenizers: dict[tuple, tuple] = {}


def load_template(name: str, settings: Settings, placement: Placement | None = None) -> TemplateHandle:
    """The tokenizer and chat template of model `name` as `placement` says (see the module docstring)."""
    placement = placement or Placement()
    source = tokenizer_source(placement, name)
    with _lock:
        key = (source, str(settings.models_dir.resolve()))
        if key not in _tokenizers:
            _tokenizers[key] = _load(name, source, settings.models_dir)
    tokenizer, where, revision, eos = _tokenizers[key]
    return TemplateHandle(name=name, tokenizer=tokenizer, source=where, revision=revision, placement=placement,
                          generation_eos=eos)


def _load(name: str, source: str, models_dir: Path) -> tuple:
    from transformers import AutoTokenizer

    if source in BUILTIN_MODELS:
        return smollm2_tokenizer(models_dir), source, "smollm2 tokenizer", None
    tried = [f"built-in names ({', '.join(BUILTIN_MODELS)})"]
    path = Path(source).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name), str(path.resolve()), path.name, None
    if path.is_dir() and any((path / f).exists() for f in TOKENIZER_FILES):
        return _from_dir(path, str(path.resolve()))
    tried.append(f"local directory {path} ({'no tokenizer files' if path.is_dir() else 'not found'})")
    snapshot = _hf_cache_snapshot(source)
    if snapshot is not None:
        tokenizer, _, revision, eos = _from_dir(snapshot, f"hf-cache:{source}")
        return tokenizer, f"hf-cache:{source}", snapshot.name, eos
    tried.append("the local HF cache (not there; Parley never downloads)")
    raise ModelNotFoundError(
        f'models."{name}".tokenizer: no tokenizer {source!r}; tried {"; ".join(tried)}. Give a local directory '
        "holding the served model's tokenizer and chat template, or an HF id already in the HF cache",
        field=f"models.{name}.tokenizer")


def _from_dir(path: Path, where: str) -> tuple:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    digest = hashlib.sha256()
    for f in sorted(TOKENIZER_FILES + ("chat_template.jinja",)):
        if (path / f).is_file():
            digest.update((path / f).read_bytes())
    return tokenizer, where, "tokenizer-sha256:" + digest.hexdigest()[:16], _generation_eos(path)


def _generation_eos(path: Path):
    if not (path / "generation_config.json").is_file():
        return None
    import json

    try:
        return json.loads((path / "generation_config.json").read_text(encoding="utf-8")).get("eos_token_id")
    except (OSError, ValueError):
        return None
