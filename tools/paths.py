"""File arguments: which arguments of a call name files, whether the tool reads or writes them,
and where they really point.

Writes: `save_to`, `export_dir` (and any `*_to` / `*_dir` argument). Reads: `vector_file`, `adapter`
(and any `*_file`), `corpus` entries other than `builtin[:kind]`, a `dataset` other than a shipped
one, and a `model` written as a path (`/...`, `~...`, `./...`, or an existing file or folder).

`resolve` follows a path the way the tool will open it (`~` expanded, symlinks followed); a NUL
byte or an overlong name is a one-line `UsageError` naming the argument, never echoing it.
`outside` says which paths of a call lie outside the data dir (PARLEY_HOME and the model cache)
and, for reads, the working directory: an agent's call asks the user first (agent/nodes.py); a
person's own `parley tool` call runs them, after the same checks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from backends.core.errors import UsageError

Kind = Literal["read", "write"]

MAX_NAME = 255  # one file or folder name
MAX_PATH = 4096  # the whole path
WRITES = ("save_to", "export_dir")
READS = ("vector_file", "adapter", "corpus", "dataset", "model")
SHIPPED_DATASETS = ("risky", "clean")


def kind_of(name: str) -> Kind | None:
    """Whether an argument of this name is a file the tool writes, one it reads, or no file."""
    if name in WRITES or name.endswith(("_to", "_dir")):
        return "write"
    if name in READS or name.endswith("_file"):
        return "read"
    return None


def _names_a_file(name: str, value: str) -> bool:
    if name == "corpus":
        return not (value == "builtin" or value.startswith("builtin:"))
    if name == "dataset":
        return value not in SHIPPED_DATASETS
    if name == "model":  # a built-in name or a Hugging Face id is not a path
        return value.startswith(("/", "~", ".")) or ("\0" not in value and len(value) <= MAX_PATH and _exists(value))
    return True


def _exists(value: str) -> bool:
    try:
        return Path(value).expanduser().exists()
    except (OSError, ValueError, RuntimeError):
        return False


def check_length(field: str, value: str, limit: int = MAX_NAME) -> str:
    """A one-line error for a string over `limit` characters, without echoing it."""
    if len(value) > limit:
        raise UsageError(f"{field}: too long (max {limit})", field=field)
    return value


def resolve(value: str, field: str) -> Path:
    """The path a file argument names: `~` expanded, made absolute, symlinks followed."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"{field}: give a file path", field=field)
    if "\0" in value:
        raise UsageError(f"{field}: a path cannot hold a NUL byte", field=field)
    check_length(field, value, MAX_PATH)
    if any(len(part) > MAX_NAME for part in value.split(os.sep)):
        raise UsageError(f"{field}: a file or folder name is too long (max {MAX_NAME} characters)", field=field)
    try:
        return Path(value).expanduser().resolve()
    except (OSError, RuntimeError) as e:  # a symlink loop, an unknown ~user
        raise UsageError(f"{field}: cannot resolve the path ({type(e).__name__})", field=field) from None


def file_args(args: dict[str, Any]) -> list[tuple[str, Kind, Path]]:
    """(argument, read or write, resolved path) for every file a call's arguments name; bad paths are
    a UsageError."""
    found = []
    for name, value in args.items():
        kind = kind_of(name)
        if kind is None or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and _names_a_file(name, item):
                found.append((name, kind, resolve(item, name)))
    return found


def _under(path: Path, root: Path) -> bool:
    try:
        root = root.expanduser().resolve()
    except (OSError, RuntimeError):
        return False
    return path == root or root in path.parents


def outside(args: dict[str, Any], settings) -> list[str]:
    """Why a call's files need the user's yes: each write outside the data dir, each read outside the
    data dir and the working directory, one line each ("writes outside the data dir: /etc/x")."""
    data = [Path(settings.home), Path(settings.models_dir)]
    reasons = []
    for name, kind, path in file_args(args):
        if any(_under(path, root) for root in data):
            continue
        if kind == "write":
            reasons.append(f"writes outside the data dir: {path} ({name})")
        elif not _under(path, Path.cwd()):
            reasons.append(f"reads outside the data dir and the working directory: {path} ({name})")
    return reasons
