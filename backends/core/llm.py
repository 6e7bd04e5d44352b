"""The LLM clients, created in one place from settings.

The agent binds them to its graph; methods use the same clients as judges. API keys
come from the standard environment variables (ANTHROPIC_API_KEY, OPENAI_API_KEY) and
are never stored in settings, runs, logs or memory. Retries with exponential backoff
on 429, 5xx and timeouts are the SDK clients' own (`llm_max_retries`, honouring
retry-after); what still fails reaches the caller as the SDK's exception.

The offline planner is the agent's own and is not created here: it never judges.
"""

from __future__ import annotations

import os

from backends.core.errors import UsageError
from backends.core.settings import Settings

PROVIDERS = ("anthropic", "openai", "offline")
KEY_VARS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
SAMPLER_KEY_VAR = "PARLEY_SAMPLER_API_KEY"  # for a remote completions server that wants one


def resolve_provider(settings: Settings, requested: str | None = None) -> str:
    """The provider to use: the one asked for, else anthropic/openai by which key is set, else offline."""
    name = requested or settings.provider
    if name == "auto":
        for provider, var in KEY_VARS.items():
            if os.environ.get(var):
                return provider
        return "offline"
    if name not in PROVIDERS:
        raise UsageError(f"provider: unknown provider {name!r}; allowed: {', '.join(PROVIDERS)}", field="provider")
    return name


def api_key(provider: str) -> str | None:
    return os.environ.get(KEY_VARS[provider]) if provider in KEY_VARS else None


def secrets() -> list[str]:
    """Values that must never be written anywhere."""
    return [v for v in (os.environ.get(var) for var in [*KEY_VARS.values(), SAMPLER_KEY_VAR]) if v]


def model_name(settings: Settings, provider: str) -> str:
    return {"anthropic": settings.anthropic_model, "openai": settings.openai_model}.get(provider, "offline-planner")


def chat_model(settings: Settings, provider: str):
    """A LangChain chat model for `anthropic` or `openai` (any OpenAI-compatible server with a base URL)."""
    key = api_key(provider)
    if provider == "anthropic":
        if not key:
            raise UsageError("provider: anthropic needs ANTHROPIC_API_KEY in the environment", field="provider")
        from langchain_anthropic import ChatAnthropic

        return ChatAnthropic(
            model=settings.anthropic_model,
            api_key=key,
            base_url=settings.anthropic_base_url,
            max_retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
            max_tokens=4096,
        )
    if provider == "openai":
        if not key and not settings.openai_base_url:
            raise UsageError("provider: openai needs OPENAI_API_KEY (or openai_base_url for a local server)", field="provider")
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=settings.openai_model,
            api_key=key or "not-needed-for-local-servers",
            base_url=settings.openai_base_url,
            max_retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
            stream_usage=True,
        )
    raise UsageError(f"provider: {provider!r} has no LLM client; allowed: anthropic, openai", field="provider")


def judge_client(settings: Settings | None, what: str, field: str, instead: str, provider: str | None = None):
    """The chat model a method judges with; offline there is none, and that is a one-line UsageError
    naming `field` and what to use `instead` ("`what` needs an LLM provider: set ... or <instead>")."""
    from backends.core.settings import get_settings

    settings = settings or get_settings()
    name = resolve_provider(settings, provider)
    if name == "offline":
        raise UsageError(f"{field}: {what} needs an LLM provider: set ANTHROPIC_API_KEY or OPENAI_API_KEY "
                         f"(or openai_base_url), or {instead}", field=field)
    return chat_model(settings, name)
