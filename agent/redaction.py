"""Redaction for the agent's stores: `backends.core.redaction` (the one boundary every store
passes; re-exported here) and the checkpoint serializer that puts LangGraph's
checkpoints (`sessions.sqlite`) through it."""

from __future__ import annotations

from typing import Any

from backends.core.redaction import REDACTED, redact, remember_secrets, scrub, secret_values  # noqa: F401


class RedactingSerializer:
    """LangGraph's checkpoint serializer (JsonPlusSerializer), with every checkpoint and pending
    write redacted before it is serialized: messages (a pasted key, a provider error that echoes
    one), tool-call arguments and results, interrupts, the user model. Loading is unchanged, so a
    resumed session (or a turn resumed after an approval) sees "[redacted]" where a secret was."""

    def __init__(self, inner: Any = None):
        from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

        self.inner = inner or JsonPlusSerializer()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.inner.dumps_typed(redact(obj, text_tokens=True))

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)
