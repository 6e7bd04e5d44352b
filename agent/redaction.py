"""Secrets out of everything Parley writes: known key values, `*_API_KEY`/`*_TOKEN` environment
values, `sk-...` key shapes, and the values of keys such as `api_key` or `password`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
_KEY_SHAPES = re.compile(r"sk-ant-[A-Za-z0-9_-]{16,}|sk-[A-Za-z0-9_-]{16,}")
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN")
_SECRET_KEYS = {
    "api_key", "apikey", "x_api_key", "authorization", "proxy_authorization", "password", "passwd",
    "token", "access_token", "auth_token", "refresh_token", "bearer_token", "secret", "client_secret",
}
_MIN_ENV_SECRET = 8


def _env_secrets() -> list[str]:
    return [
        value
        for name, value in os.environ.items()
        if name.upper().endswith(_SECRET_ENV_SUFFIXES) and value and len(value) >= _MIN_ENV_SECRET
    ]


def _secret_key(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    k = key.strip().lower().replace("-", "_")
    return k in _SECRET_KEYS or k.endswith("_api_key")


def _scrub(text: str, known: list[str]) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)


def _redact(obj: Any, known: list[str]) -> Any:
    if isinstance(obj, str):
        return _scrub(obj, known)
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            clean_key = _scrub(key, known) if isinstance(key, str) else key
            if _secret_key(key) and isinstance(value, (str, bytes)) and value:
                out[clean_key] = REDACTED
            else:
                out[clean_key] = _redact(value, known)
        return out
    if isinstance(obj, (list, tuple)):
        return [_redact(v, known) for v in obj]
    return obj


def redact(obj: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of `obj` with secrets replaced by "[redacted]" (recursing through dicts,
    lists and strings): each of `secrets`, the values of `*_API_KEY` / `*_TOKEN`
    environment variables (8+ chars), `sk-...` key shapes, and the string values of
    keys such as `api_key`, `authorization`, `password`, `token`."""
    known = {s for s in secrets if isinstance(s, str) and s} | set(_env_secrets())
    # longest first, so a secret that contains another is replaced whole
    return _redact(obj, sorted(known, key=len, reverse=True))
