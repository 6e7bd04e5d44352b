"""The process that owns the Chroma store: started without any secret, spoken to over a pipe.

Why a process of its own: Chroma's HNSW index writes whole buffers to disk
(`length.bin`, `data_level0.bin`) of which only the filled slots were ever
initialised; the rest is whatever the allocator handed back, which in the process that
talks to an LLM provider can be a freed HTTP request with the API key in it (seen in CI:
the OpenAI key inside `memory/<id>/length.bin`). A process started with an environment
stripped to a few harmless variables, never sent a key, can write nothing secret however
its buffers are filled.

`Worker(path)` starts `python -m backends.core.memory_worker PATH`. The protocol is one
JSON object a line each way: requests `{"op": "open", "name"}` (get or create the
collection, cosine space; answers its space and embedding function) and `{"op": "call", "name", "method", "kwargs"}` with
`method` one of upsert/get/query/count/delete; replies `{"ok": result}` or
`{"error": {"type", "message"}}`. The worker never embeds: the parent sends vectors, and
the embedding function registered here (so collections persisted under its name reopen)
refuses to run. It exits when its stdin closes, so it dies with the parent, even one
killed with SIGKILL.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

EMBEDDER_NAME = "parley-minilm-l6-v2"
METHODS = ("upsert", "get", "query", "count", "delete")
# Everything else in the parent's environment (API keys above all) stays there.
ENV_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
START_TIMEOUT_S = 120.0  # importing chromadb on a loaded machine


class MemoryStoreError(RuntimeError):
    """The memory store's process failed or refused a request."""


# --- the parent's side ---------------------------------------------------------------------


def worker_env() -> dict[str, str]:
    """The worker's whole environment: a few harmless variables and the path to our code."""
    env = {k: os.environ[k] for k in ENV_KEPT if k in os.environ}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


class Worker:
    """One store process for one memory directory; requests are serialised by a lock."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.owner = os.getpid()
        self._lock = threading.Lock()
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._log = self.path / "worker.log"
        with open(self._log, "wb") as log:  # the last start's messages only
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backends.core.memory_worker", str(self.path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=worker_env(),
                cwd=str(self.path), text=True, encoding="utf-8",
            )
        self._read(START_TIMEOUT_S)  # {"ok": "ready"} once the store is open

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and self.owner == os.getpid()

    def request(self, message: dict) -> Any:
        with self._lock:
            try:
                self.process.stdin.write(json.dumps(message) + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                raise self._died() from None
            return self._read(None)

    def _read(self, timeout: float | None) -> Any:
        line = _readline(self.process.stdout, timeout)
        if not line:
            raise self._died()
        reply = json.loads(line)
        if "error" in reply:
            raise MemoryStoreError(f"memory store: {reply['error']['message']}")
        return reply["ok"]

    def _died(self) -> MemoryStoreError:
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        tail = self._log.read_text(errors="replace").strip().splitlines()[-1:] if self._log.exists() else []
        why = f": {tail[0]}" if tail else ""
        return MemoryStoreError(f"memory store: its process stopped (exit {self.process.returncode}){why}")

    def close(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            self.process.stdin.close()  # the worker's cue to close the store and exit
            self.process.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def _readline(stream, timeout: float | None) -> str:
    if timeout is None:
        return stream.readline()
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return got[0] if got else ""


_workers: dict[Path, Worker] = {}
_workers_lock = threading.Lock()


def worker_for(path: Path) -> Worker:
    """This process's store process for `path`, started on first use (one per directory)."""
    key = Path(path).resolve()
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None or not worker.alive:
            worker = _workers[key] = Worker(key)
        return worker


def close_workers() -> None:
    """Stop every store process this process started (at exit, and between tests)."""
    with _workers_lock:
        workers = [w for w in _workers.values() if w.owner == os.getpid()]
        _workers.clear()
    for worker in workers:
        worker.close()


atexit.register(close_workers)


# --- the worker's side ---------------------------------------------------------------------


def _embedding_function():
    """Registered under our embedder's name so stored collections reopen; never called here."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import known_embedding_functions, register_embedding_function

    class ParleyEmbeddingFunction(EmbeddingFunction[Documents]):
        """all-MiniLM-L6-v2, computed by the parent process: vectors always come with the request."""

        def __init__(self) -> None:
            pass

        def __call__(self, input: Documents) -> Embeddings:
            raise RuntimeError("the memory store process does not embed: send embeddings")

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


def plain(value: Any) -> Any:
    """Arrays to lists and enums to their values, so Chroma's arguments and results travel as JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value


def serve(path: str, stdin=sys.stdin, stdout=sys.stdout) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
    ef = _embedding_function()()
    collections: dict[str, Any] = {}

    def answer(reply: dict) -> None:
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()

    def collection(name: str):
        if name not in collections:
            collections[name] = client.get_or_create_collection(
                name, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}},
                metadata={"parley": f"{name} memory"},
            )
        return collections[name]

    answer({"ok": "ready"})
    for line in stdin:
        try:
            request = json.loads(line)
            col = collection(str(request["name"]))
            if request["op"] == "open":
                config = col.configuration_json
                answer({"ok": {"space": config["hnsw"]["space"], "embedding_function": config["embedding_function"]["name"]}})
            elif request["op"] == "call" and request["method"] in METHODS:
                answer({"ok": plain(getattr(col, request["method"])(**request.get("kwargs", {})))})
            else:
                answer({"error": {"type": "UsageError", "message": f"unknown request {request.get('op')!r}"}})
        except Exception as exc:  # one bad request must not end the store
            message = " ".join(str(exc).split()) or type(exc).__name__
            answer({"error": {"type": type(exc).__name__, "message": message}})


if __name__ == "__main__":
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything a library prints goes to the log, never into the protocol
    sys.stdout = sys.stderr
    serve(sys.argv[1], stdout=protocol)
