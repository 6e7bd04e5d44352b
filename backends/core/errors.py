"""Error types shared by every layer.

`UsageError` is the user's to fix (bad arguments, an unknown model): the CLI
answers it with exit code 2 and a one-line message. Anything else is ours (exit 1).
"""


class UsageError(ValueError):
    """Bad input: the message is one line naming the field and what is allowed."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ModelNotFoundError(UsageError):
    """A subject model that is neither built in, a local directory, nor in the local HF cache."""
