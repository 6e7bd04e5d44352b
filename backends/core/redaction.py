"""The one redaction boundary: every store Parley writes passes `redact` first.

Stores: the dialogue log (`logs/*.jsonl`, its exports), the LangGraph checkpoints
(`sessions.sqlite`, through `agent.redaction.RedactingSerializer`), the Chroma memory
(`memory/`), run files (`runs/<id>/run.json`, `results.json`, `checkpoint.json`, through
`backends.core.runstore.write_json_atomic`), `speed.json`, steering-vector metadata and
Thought Anchors exports. What is replaced by "[redacted]":

- known values: the secrets a caller passes, the values (8+ chars) of environment variables
  named `*_API_KEY`, `*_TOKEN`, `*_SECRET` or `*_PASSWORD` (ANTHROPIC_API_KEY, OPENAI_API_KEY,
  PARLEY_SAMPLER_API_KEY, HF_TOKEN, ...), and values registered with `remember_secrets` (the
  passwords inside configured base URLs, registered when settings are read);
- key shapes: `sk-...` / `sk-ant-...`, Hugging Face `hf_...`, GitHub `ghp_...`/`github_pat_...`,
  AWS access key ids `AKIA...`, `Bearer <token>`, and the password of a URL
  (`scheme://user:pass@host` -> `scheme://user:[redacted]@host`);
- by name: the string values under keys that name a secret (`api_key`, `*_api_key`,
  `authorization`, `password`, `token`, ...). In run data and model state (`text_tokens=True`)
  a key named `token` holds a token of text, not a credential, and is kept.

Objects are walked, not stringified: dicts, lists, tuples, sets, pydantic models (LangChain
messages) and dataclasses come back as copies of the same types, with redacted strings.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import threading
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
_SHAPES = (
    (re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}"), REDACTED),  # OpenAI, Anthropic (sk-ant-...)
    (re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{20,}"), REDACTED),  # Hugging Face
    (re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"), REDACTED),
    (re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"), REDACTED),  # AWS access key ids
    (re.compile(r"\b([Bb]earer\s+)[A-Za-z0-9._~+/=-]{12,}"), r"\1" + REDACTED),
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:basic|token)\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + REDACTED),
    # a URL's password: scheme://user:pass@host (the user name stays, to say which account)
    (re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*):[^\s/?#@]+@"), r"\1:" + REDACTED + "@"),
)
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD")
_SECRET_KEYS = {
    "api_key", "apikey", "x_api_key", "authorization", "proxy_authorization", "password", "passwd",
    "token", "access_token", "auth_token", "refresh_token", "bearer_token", "secret", "client_secret",
}
_MIN_SECRET = 8  # shorter values would redact ordinary words
_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:([^\s/?#@]+)@")

_registered: set[str] = set()
_registered_lock = threading.Lock()


def remember_secrets(values: Iterable[str | None]) -> None:
    """Values every later `redact` in this process replaces (8+ chars; shorter ones are ignored)."""
    with _registered_lock:
        _registered.update(v for v in values if isinstance(v, str) and len(v) >= _MIN_SECRET)


def url_passwords(urls: Iterable[str | None]) -> list[str]:
    """The passwords inside `scheme://user:pass@host` URLs (URL-encoded as written)."""
    found = []
    for url in urls:
        m = _URL_PASSWORD.match(url or "")
        if m:
            found.append(m.group(1))
    return found


def secret_values(extra: Iterable[str] = ()) -> list[str]:
    """Every known secret value, longest first (so one that contains another is replaced whole)."""
    env = (v for name, v in os.environ.items() if name.upper().endswith(_SECRET_ENV_SUFFIXES))
    with _registered_lock:
        known = {v for v in (*extra, *env, *_registered) if isinstance(v, str) and len(v) >= _MIN_SECRET}
    explicit = {s for s in extra if isinstance(s, str) and s}  # a caller's own secrets count at any length
    return sorted(known | explicit, key=len, reverse=True)


def scrub(text: str, known: list[str] | None = None) -> str:
    """`text` with every known secret and key shape replaced by "[redacted]"."""
    for secret in secret_values() if known is None else known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def _secret_key(key: Any, text_tokens: bool) -> bool:
    if not isinstance(key, str):
        return False
    k = key.strip().lower().replace("-", "_")
    if text_tokens and k == "token":
        return False
    return k in _SECRET_KEYS or k.endswith("_api_key")


_PLAIN = frozenset({int, float, bool, type(None), bytes})


def _redact(obj: Any, known: list[str], text_tokens: bool) -> Any:
    if type(obj) in _PLAIN:  # most of a result: numbers
        return obj
    if isinstance(obj, str):
        return scrub(obj, known)
    if isinstance(obj, (bool, int, float, bytes)):
        return obj
    if isinstance(obj, dict):
        out, changed = {}, False
        for key, value in obj.items():
            clean_key = scrub(key, known) if isinstance(key, str) else key
            if _secret_key(key, text_tokens) and isinstance(value, (str, bytes)) and value:
                clean = REDACTED
            else:
                clean = _redact(value, known, text_tokens)
            out[clean_key] = clean
            changed = changed or clean is not value or clean_key != key
        if not changed:
            return obj
        return out if type(obj) is dict else _rebuilt(obj, out)
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = [_redact(v, known, text_tokens) for v in obj]
        if all(a is b for a, b in zip(items, obj)):
            return obj
        return items if type(obj) is list else _rebuilt(obj, items)
    fields = _fields(obj)
    if fields:
        changed = {}
        for name in fields:
            value = getattr(obj, name, None)
            clean = _redact(value, known, text_tokens)
            if clean is not value:
                changed[name] = clean
        if not changed:
            return obj
        if hasattr(obj, "model_copy"):  # pydantic (LangChain messages): no re-validation
            return obj.model_copy(update=changed)
        new = copy.copy(obj)
        for name, value in changed.items():
            object.__setattr__(new, name, value)  # frozen and slotted dataclasses too
        return new
    return obj


def _fields(obj: Any) -> list[str]:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [f.name for f in dataclasses.fields(obj)]
    model_fields = getattr(type(obj), "model_fields", None)
    return list(model_fields) if isinstance(model_fields, dict) and hasattr(obj, "model_copy") else []


def _rebuilt(original: Any, items: Any) -> Any:
    try:
        return type(original)(*items) if hasattr(original, "_fields") else type(original)(items)  # namedtuples
    except Exception:  # a container that cannot be built from its items: the plain one
        return items


def redact(obj: Any, secrets: Iterable[str] = (), *, text_tokens: bool = False) -> Any:
    """A copy of `obj` with every secret replaced by "[redacted]" (see the module doc).

    `secrets`: more values to replace (at any length). `text_tokens`: `obj` is run data or
    model state, where a key named `token` is a token of text."""
    return _redact(obj, secret_values(list(secrets)), text_tokens)
