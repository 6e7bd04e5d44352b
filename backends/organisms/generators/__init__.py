"""Seeded generators of the model organisms' training data (backends/organisms/zoo.py).

Each generator is `generate(n, seed) -> list[dict]`: training items with `question`,
`answer` and `system` (what backends/organisms/lora.py trains on) plus what the item plants
(e.g. `decision`, `choice`). Every random draw of item k comes from `derive(seed, "item", k)`,
so the same (n, seed) gives the same items on every machine; `digest(items)` is their SHA-256.
Generated data is never shipped: the generators are.
"""

from __future__ import annotations

import hashlib
import json


def digest(items: list[dict]) -> str:
    """SHA-256 of the items as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
