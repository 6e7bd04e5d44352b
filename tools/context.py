"""What a tool function gets besides its arguments: `ToolContext`.

The run, the run store, the settings, progress and stop, and the subject model in the form the
tool needs it: `template(model)` to format prompts, `sampler(model)` to sample, `load_model(model)`
for the weights. Importing this module must not import torch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.runstore import Run, RunStore
from backends.core.settings import Settings


@dataclass
class ToolContext:
    """What a tool function gets besides its arguments."""

    run: Run
    store: RunStore
    settings: Settings
    progress: Progress = no_progress
    should_stop: ShouldStop = never_stop
    samplers: list = field(default_factory=list)  # (metered sampler, model) made by `sampler`
    handles: dict = field(default_factory=dict)  # model name -> handle loaded for this run

    @property
    def state(self) -> dict | None:
        """The experiment state an earlier, stopped attempt saved (None on a fresh run)."""
        return (self.run.checkpoint or {}).get("state")

    def sampler(self, model: str | None):
        """The sampler for a subject model: the configured server when there is one, else the
        model loaded here. Metered: the driver records its measured speed for the next pre-flight."""
        from backends.subject.sampling.remote import remote_sampler
        from backends.subject.sampling.local import LocalSampler
        from backends.subject.speed import MeteredSampler

        inner = remote_sampler(self.settings, model)
        if inner is None:
            inner = LocalSampler(self.load_model(model), compile=self.settings.decode_compile)
        sampler = MeteredSampler(inner)
        self.samplers.append((sampler, model))
        return sampler

    def load_model(self, name: str | None):
        """Load a subject model, recording it and the load time on the run. Asked again for the
        same model (a tool's chat template, then its sampler), it is the same handle, and the
        time recorded stays the first load's, not the near-zero of a cached one."""
        from backends.subject.models import load_model

        if name in self.handles:
            return self.handles[name]
        started = time.perf_counter()
        handle = load_model(name, settings=self.settings, progress=self.progress)
        self.run.add_timing("load_model_s", time.perf_counter() - started)
        self.run.update(model=handle.describe())
        self.handles[name] = handle
        return handle
