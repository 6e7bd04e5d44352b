"""A subject model placed on nnsight: `load_nnsight(name, settings, placement) -> NnsightHandle`.

A model whose placement has `backend = "nnsight"` runs its white-box methods as nnsight traces
(backends/subject/traces.py, backends/thought_anchors/attention_traces.py), where the placement
says:

- `simulate = true`: the weights load here (`served_name` names a model that loads locally: a
  built-in name, a directory or a cached HF id) and every trace goes through nnsight's offline
  simulation of remote execution (`remote="local"`: serialized, then deserialized with
  Parley's own modules hidden, as on a server). What the tests use.
- `base_url` empty: NDIF (`remote=True`). The API key is read from the environment variable
  `api_key_env` (default NDIF_API_KEY) into nnsight's CONFIG; it is never logged or recorded.
- `base_url` set: an nnsight-serve at that URL (nnsight takes a host as `remote="http://..."`).

For the last two only the config, generation config and tokenizer load here, from the
placement's `tokenizer` (else `served_name`): a local directory or the HF cache, offline. The
model is nnsight's `TransformersModel` on meta weights (never dispatched), named by
`served_name`, the id the server knows it by.
"""

from __future__ import annotations

import copy
import os
import warnings
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from backends.core.errors import ModelNotFoundError, UsageError
from backends.core.progress import Progress, no_progress
from backends.core.settings import Placement, Settings
from backends.subject.models import ModelHandle, load_model
from backends.subject.placement import served_name, tokenizer_source

DEFAULT_KEY_ENV = "NDIF_API_KEY"
_wrappers: "weakref.WeakKeyDictionary[torch.nn.Module, Any]" = weakref.WeakKeyDictionary()


@dataclass
class NnsightHandle(ModelHandle):
    """A subject model whose white-box methods run as nnsight traces, here or remotely.

    `remote` is what each trace passes nnsight: "local" (simulated), True (NDIF) or a URL."""

    placement: Placement = field(default_factory=Placement)
    remote: bool | str = "local"

    @property
    def device(self) -> torch.device:
        """Where inputs are built: here, on the CPU, when the weights are elsewhere (meta)."""
        device = self.model.device
        return torch.device("cpu") if device.type == "meta" else device

    @property
    def weights_here(self) -> bool:
        return self.model.device.type != "meta"

    def describe(self) -> dict:
        from backends.core.redaction import scrub

        p = self.placement
        where = "simulated" if self.remote == "local" else "ndif" if self.remote is True else "nnsight-serve"
        described = {**super().describe(), "backend": "nnsight", "nnsight": where,
                     "served_name": served_name(p, self.name)}
        if p.base_url:
            described["base_url"] = scrub(p.base_url)
        if not self.weights_here:
            described["device"], described["weights"] = "remote", "not loaded here"
        return described


def is_nnsight(handle) -> bool:
    """Whether `handle`'s white-box methods run as nnsight traces."""
    return isinstance(handle, NnsightHandle)


def remote_of(placement: Placement) -> bool | str:
    """What nnsight's `remote=` gets for this placement: "local" (simulated), a URL, or True (NDIF)."""
    if placement.simulate:
        return "local"
    return placement.base_url or True


def wrap(model, tokenizer):
    """An nnsight `TransformersModel` over already-loaded weights (one per model, built on first use).

    nnsight sets its tokenizer's padding side and pad token, so it gets a copy: the model's
    own tokenizer stays as it was."""
    if model not in _wrappers:
        from nnsight.modeling.transformers import TransformersModel

        _wrappers[model] = TransformersModel(model, task="text-generation", tokenizer=copy.deepcopy(tokenizer))
    return _wrappers[model]


def envoy(handle):
    """The nnsight model a handle's traces run on (a local handle's weights wrapped on first use)."""
    return handle._nnsight if is_nnsight(handle) else wrap(handle.model, handle.tokenizer)


def remote_setting(handle) -> bool | str:
    """`remote=` for a handle's traces: the placement's, or False (plain local tracing) for a local model."""
    return handle.remote if is_nnsight(handle) else False


@contextmanager
def running(handle):
    """Around a trace: nnsight's deprecation notes and its note on an open step loop (they say nothing
    about a result) are silenced, and a server that cannot be reached or a remote job that fails is a
    one-line error naming the model's setting."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*was never reached.*")
        warnings.filterwarnings("ignore", message=".*deprecated.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        try:
            yield
        except (ConnectionError, TimeoutError) as e:
            if not is_nnsight(handle) or handle.remote in (False, "local"):
                raise
            where = "NDIF" if handle.remote is True else handle.placement.base_url
            field = "api_key_env" if handle.remote is True else "base_url"
            raise UsageError(f'models."{handle.name}".{field}: cannot reach {where} ({type(e).__name__}: '
                             f'{str(e).splitlines()[0] if str(e) else "no answer"})', field=f"models.{handle.name}.{field}") from None
        except Exception as e:
            if type(e).__name__ != "RemoteError" or not is_nnsight(handle):
                raise
            raise UsageError(f'models."{handle.name}": the remote nnsight job failed: '
                             f'{(str(e).strip().splitlines() or ["no reason given"])[0]}', field="model") from None


def use_api_key(placement: Placement, name: str) -> None:
    """Put the placement's NDIF key into nnsight's CONFIG (from its environment variable; never logged)."""
    from nnsight import CONFIG

    variable = placement.api_key_env or DEFAULT_KEY_ENV
    key = os.environ.get(variable)
    if not key:
        raise UsageError(f'models."{name}".api_key_env: set {variable} in the environment to the NDIF API key '
                         "(https://login.ndif.us), or run the model locally", field=f"models.{name}.api_key_env")
    CONFIG.API.APIKEY = key


def load_nnsight(name: str, settings: Settings, placement: Placement, progress: Progress = no_progress) -> NnsightHandle:
    """The handle of model `name` placed on nnsight (see the module docstring)."""
    remote = remote_of(placement)
    if remote == "local":
        base = load_model(served_name(placement, name), settings=settings, progress=progress)
        return NnsightHandle(name=name, model=base.model, tokenizer=base.tokenizer, source=base.source,
                             revision=base.revision, _nnsight=wrap(base.model, base.tokenizer), placement=placement,
                             remote="local")
    if remote is True:
        use_api_key(placement, name)
    return _meta_handle(name, settings, placement, remote)


def _meta_handle(name: str, settings: Settings, placement: Placement, remote: bool | str) -> NnsightHandle:
    from nnsight.modeling import huggingface
    from nnsight.modeling.transformers import TransformersModel
    from transformers import AutoConfig, GenerationConfig

    from backends.subject.template import load_template

    repo = served_name(placement, name)
    folder = _config_folder(name, placement)
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    template = load_template(name, settings, placement)
    # The remote key names the model by its id; nnsight would ask the Hub to spell it canonically,
    # and Parley never reaches the Hub: the id as configured is the one the server knows.
    huggingface._ID_CACHE.setdefault(repo, repo)
    model = TransformersModel(repo, task="text-generation", config=config,
                              tokenizer=copy.deepcopy(template.tokenizer), dispatch=False)
    if (folder / "generation_config.json").is_file():
        model._module.generation_config = GenerationConfig.from_pretrained(folder, local_files_only=True)
    return NnsightHandle(name=name, model=model._module, tokenizer=template.tokenizer, source=f"nnsight:{repo}",
                         revision=_config_revision(folder), _nnsight=model, placement=placement, remote=remote)


def _config_folder(name: str, placement: Placement) -> Path:
    """A local folder holding the model's config.json: the tokenizer's, or the HF cache's snapshot of served_name."""
    from backends.subject.models import _hf_cache_snapshot

    tried = []
    for source in dict.fromkeys([tokenizer_source(placement, name), served_name(placement, name)]):
        path = Path(source).expanduser()
        if (path / "config.json").is_file():
            return path
        snapshot = _hf_cache_snapshot(source)
        if snapshot is not None and (snapshot / "config.json").is_file():
            return snapshot
        tried.append(source)
    raise ModelNotFoundError(
        f'models."{name}".served_name: no config.json for {" or ".join(repr(t) for t in tried)} in a local directory or '
        "the HF cache (Parley never downloads); put the model's config and tokenizer in a directory and name it "
        f'as models."{name}".tokenizer', field=f"models.{name}.served_name")


def _config_revision(folder: Path) -> str:
    import hashlib

    return "config-sha256:" + hashlib.sha256((folder / "config.json").read_bytes()).hexdigest()[:16]
