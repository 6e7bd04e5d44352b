"""The one seed rule: every random draw's seed comes from the run's seed and where the draw is.

    derive(seed)                          -> seed itself
    derive(seed, "position", 3, "round", 2) -> a fixed 31-bit number for that place

The same (seed, where) always gives the same number, on every machine and Python version
(a CRC-32 of the repr, not Python's salted `hash`), and different places give unrelated
numbers, so adding a draw in one place never shifts the draws of another. No other module
does arithmetic on seeds.
"""

from __future__ import annotations

import zlib

# The seed of a tool call whose request names none (every tool's `seed` argument defaults to it);
# the dialogue log's session_start records it, and each tool call logs its own seed in its args.
DEFAULT_SEED = 0


def derive(seed: int, *where: object) -> int:
    """The seed for one random draw: `seed` when `where` is empty, else a hash of both."""
    if not where:
        return int(seed)
    return zlib.crc32(repr((int(seed), *where)).encode()) % 2**31
