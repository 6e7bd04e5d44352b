"""The experiment contract every method's run keeps.

A method's run is an object with plain-JSON `state` (everything needed to go on after a stop,
and nothing else: no tensors, no open files) that advances in steps:

    experiment = ImportanceRun(sampler, ..., state=saved)   # saved: None on a fresh run
    done = experiment.advance(progress, should_stop, on_checkpoint)
    experiment.result()                                     # what it has so far, as a dict

`advance` works until the method is finished (returns True) or `should_stop()` is true (returns
False), calling `progress(done, total, note)` as it goes and `on_checkpoint()` after each step
whose work would be costly to redo (a round of rollouts, a batch, a training interval). It never
writes anything itself: the caller (the tool registry's driver) saves `state` and a partial result
at each checkpoint, so a stopped or crashed run resumes from its last one by building the same
experiment with `state=` that saved state. `result()` may be called at any time, partial or not.
"""

from __future__ import annotations

from typing import Callable, Protocol, runtime_checkable

from backends.core.progress import Progress, ShouldStop

OnCheckpoint = Callable[[], None]


def no_checkpoint() -> None:
    """An `on_checkpoint` for callers that do not save (tests, benchmarks)."""


@runtime_checkable
class Experiment(Protocol):
    state: dict

    def advance(self, progress: Progress, should_stop: ShouldStop, on_checkpoint: OnCheckpoint) -> bool: ...

    def result(self) -> dict: ...
