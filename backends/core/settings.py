"""Parley's configuration: one pydantic-settings object.

Sources, highest priority first: keyword arguments, environment variables
(`PARLEY_*`), the TOML file (`PARLEY_CONFIG`, default `~/.config/parley/config.toml`),
then the defaults below. Every field is documented in the README.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback)


def default_home() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / "parley"


def config_file() -> Path:
    return Path(os.environ.get("PARLEY_CONFIG") or _xdg("XDG_CONFIG_HOME", ".config") / "parley" / "config.toml")


class Placement(BaseModel):
    """Where one subject model runs (a `[models."NAME"]` table in the config file, or `PARLEY_MODELS` as JSON).

    - `local`: the weights load into this process (transformers; torch hooks, compiled decode).
    - `server`: an OpenAI-compatible completions endpoint (vLLM, SGLang) at `base_url`; black-box
      methods only. Only the tokenizer and chat template load here, never the weights.
    - `nnsight`: white-box through nnsight: NDIF (`remote=True`, key in `NDIF_API_KEY`) when
      `base_url` is empty, else the nnsight-serve at `base_url`. Only the tokenizer, config and
      chat template load here. `simulate` runs nnsight's offline simulation of remote execution
      (`remote="local"`) on weights loaded here: what the tests use.
    """

    model_config = ConfigDict(extra="forbid")

    backend: Literal["local", "server", "nnsight"] = Field("local", description="local | server | nnsight.")
    base_url: str | None = Field(None, description="server: the completions endpoint (e.g. http://localhost:8000/v1); nnsight: an nnsight-serve URL (empty: NDIF).")
    served_name: str | None = Field(None, description="The name the server or NDIF knows the model by (default: its name here).")
    tokenizer: str | None = Field(None, description="A local dir or cached HF id holding its tokenizer and chat template (default: served_name).")
    api_key_env: str | None = Field(None, description="The environment variable holding the key (default: PARLEY_SAMPLER_API_KEY for a server, NDIF_API_KEY for NDIF).")
    concurrency: int = Field(16, ge=1, le=256, description="Requests in flight at once (server): a vLLM or SGLang server batches them.")
    simulate: bool = Field(False, description="nnsight: run remote traces in nnsight's local simulation (remote='local'), weights loaded here.")

    @model_validator(mode="after")
    def _server_needs_url(self):
        if self.backend == "server" and not self.base_url:
            raise ValueError("a server model needs base_url (its OpenAI-compatible completions endpoint)")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Data dir: runs, logs, model cache.")
    model_cache: Path | None = Field(
        None, description="Where converted model weights live; default HOME/models."
    )
    model: str = Field("smollm2-135m", description="Default subject model: a built-in name, a local dir or a cached HF id.")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="Where subject models run.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="Subject model dtype; auto = float32 on CPU (bf16 is 2x slower there), bfloat16 on GPU."
    )

    decode_compile: bool = Field(
        True, description="On CUDA, compile the sampler's decode step into CUDA graphs (torch.compile reduce-overhead)."
    )

    provider: Literal["auto", "anthropic", "openai", "offline"] = Field(
        "auto",
        description="Who answers in the chat; auto = anthropic if ANTHROPIC_API_KEY is set, else openai if OPENAI_API_KEY is set, else offline.",
    )
    anthropic_model: str = Field("claude-sonnet-5-5", description="Model name for the anthropic provider.")
    anthropic_base_url: str | None = Field(None, description="Another Anthropic-compatible endpoint.")
    openai_model: str = Field("gpt-5.4-mini", description="Model name for the openai provider.")
    openai_base_url: str | None = Field(
        None, description="Any OpenAI-compatible server (vLLM, SGLang, llama.cpp server, Ollama), e.g. http://localhost:8000/v1."
    )
    llm_timeout: float = Field(60.0, gt=0, le=3600, description="Seconds before an LLM request times out.")
    llm_max_retries: int = Field(3, ge=0, le=10, description="Retries (with backoff) on 429, 5xx and timeouts.")
    sampler_base_url: str | None = Field(
        None, description="Sample rollouts from this OpenAI-compatible completions server (vLLM, SGLang, ...) instead of in process."
    )
    sampler_model: str | None = Field(None, description="The model name that server serves (default: the subject model's name).")
    sampler_concurrency: int = Field(16, ge=1, le=256, description="Requests in flight at once to the sampler server.")
    models: dict[str, Placement] = Field(
        default_factory=dict,
        description="Where each subject model runs, by name: local, server or nnsight (models not named run locally, "
                    "or on sampler_base_url when that is set).",
    )
    approve_tokens_over: int = Field(
        2048, ge=1, le=1_000_000,
        description="An agent's tool call asking for more new tokens than this asks the user first, even for a cheap tool.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML path is read when settings are built, so PARLEY_CONFIG set by a
        # test or a shell takes effect without re-importing this module.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file())

    @property
    def models_dir(self) -> Path:
        return self.model_cache or self.home / "models"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"


def get_settings(**overrides) -> Settings:
    """Fresh settings from the current environment (cheap; no caching, so env changes apply).

    A bad value is a one-line `UsageError` naming the setting and what it allows.
    """
    from pydantic import ValidationError

    from backends.core.errors import UsageError

    try:
        settings = Settings(**overrides)
    except ValidationError as e:
        err = e.errors()[0]
        loc = [str(p) for p in err["loc"]]
        name = ".".join(loc)
        source = f"PARLEY_{name.upper()} or {config_file()}"
        if loc[0] == "models":  # PARLEY_MODELS is the whole JSON; the file has one table per model
            table = f'the [models."{loc[1]}"] table of ' if len(loc) > 1 else ""
            source = f"PARLEY_MODELS or {table}{config_file()}"
        raise UsageError(
            f"settings: {name} = {err.get('input')!r}: {err['msg'].removeprefix('Value error, ')} (from {source})",
            field=name,
        ) from None
    from backends.core.redaction import remember_secrets, url_passwords

    # a password inside a base URL is a secret every store redacts, also where it appears alone
    remember_secrets(url_passwords([settings.openai_base_url, settings.anthropic_base_url, settings.sampler_base_url,
                                    *(p.base_url for p in settings.models.values())]))
    return settings


PRIVATE_UMASK = 0o077  # files 0600, folders 0700: the data dir holds whole conversations


def private_umask() -> None:
    """From now on this process creates files 0600 and folders 0700 (umask 077 added to the current one)."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def private_home(home: Path) -> Path:
    """Make `home` (the data dir) owner-only, and everything this process creates from now on too.

    Sets the process umask to 077 (adding to whatever it masks already), so the checkpoint
    database, Chroma's files, logs, runs and the model cache are created 0600 / 0700 by whichever
    library writes them; creates `home` 0700 and narrows it to 0700 if it was made wider (an
    older Parley, another tool). Called by the CLI and the app at start and by every session."""
    private_umask()
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    if home.stat().st_mode & 0o077:
        os.chmod(home, 0o700)
    return home
