"""What the checkpoint store keeps, and what the LLM sees of the history.

langgraph's SqliteSaver writes a checkpoint at every step, each a full copy of the
state, and keeps them all: a 752-turn session made a 10 GB `sessions.sqlite`. Resume
needs only the newest checkpoint of a thread and the writes pending on it (an
interrupt waiting for approval, a finished tool's result), so after each turn
`prune` deletes the rest and folds the write-ahead log into the file; SQLite reuses
the freed pages, and the file grows by a few times one turn's messages per turn. The graph has no DeltaChannel, whose history would need
the older checkpoints.

The LLM sees the last HISTORY_TURNS turns (fewer when they exceed HISTORY_CHARS);
older runs reach it through the dialogue state in the system prompt, which is read
from the whole stored history.
"""

from __future__ import annotations

import sqlite3

from langchain_core.messages import BaseMessage, HumanMessage

HISTORY_TURNS = 20  # user turns the LLM sees, the current one included
HISTORY_CHARS = 60_000  # ... and their text at most (about 15k tokens); the current turn always
VACUUM_FREE_BYTES = 64 * 2**20  # free pages worth compacting: a store bloated before pruning


def prune(saver, thread_id: str) -> int:
    """Delete every checkpoint of `thread_id` but the newest of each namespace, and the
    writes of the deleted ones; return how many checkpoints went."""
    with saver.cursor() as cur:  # the saver's own lock and transaction
        cur.execute(
            "DELETE FROM checkpoints AS c WHERE thread_id = ? AND checkpoint_id < (SELECT MAX(checkpoint_id) "
            "FROM checkpoints WHERE thread_id = c.thread_id AND checkpoint_ns = c.checkpoint_ns)",
            (thread_id,),
        )
        gone = cur.rowcount
        cur.execute(
            "DELETE FROM writes AS w WHERE thread_id = ? AND NOT EXISTS (SELECT 1 FROM checkpoints AS c "
            "WHERE c.thread_id = w.thread_id AND c.checkpoint_ns = w.checkpoint_ns AND c.checkpoint_id = w.checkpoint_id)",
            (thread_id,),
        )
    with saver.cursor() as cur:  # the WAL folded into the file: between turns the store is one file
        busy = cur.execute("PRAGMA busy_timeout").fetchone()[0]
        try:
            cur.execute("PRAGMA busy_timeout = 0")  # never wait for another Parley's reader: the next turn folds it
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError:
            pass
        finally:
            cur.execute(f"PRAGMA busy_timeout = {int(busy)}")
    return gone


def compact(conn: sqlite3.Connection, free_bytes: int = VACUUM_FREE_BYTES) -> bool:
    """VACUUM when more than `free_bytes`, and more than half the file, is free pages (a store
    from before pruning); skipped, never waited for, while another process writes."""
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    if free * page <= free_bytes or free * 2 <= pages:
        return False
    busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        conn.commit()
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True
    except sqlite3.OperationalError:  # locked by another Parley: next time
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(busy)}")


def recent(messages: list[BaseMessage], turns: int = HISTORY_TURNS, chars: int = HISTORY_CHARS) -> list[BaseMessage]:
    """The messages of the last `turns` user turns, from a user message on (so no tool result
    is cut from its call), dropping older turns while they exceed `chars`."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if not starts:
        return list(messages)
    starts = starts[-max(turns, 1):]
    size, keep = 0, starts[-1]
    ends = starts[1:] + [len(messages)]
    for start, end in zip(reversed(starts), reversed(ends)):
        size += sum(len(str(m.content)) for m in messages[start:end])
        if size > chars and start != starts[-1]:
            break
        keep = start
    return list(messages[keep:])
