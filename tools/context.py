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
    templates: dict = field(default_factory=dict)  # model name -> tokenizer and template (weights elsewhere)

    @property
    def state(self) -> dict | None:
        """The experiment state an earlier, stopped attempt saved (None on a fresh run)."""
        return (self.run.checkpoint or {}).get("state")

    def placement(self, model: str | None):
        """Where `model` (default: the settings' model) runs (backends/subject/placement.py)."""
        from backends.subject.placement import placement_of

        return placement_of(self.settings, model)

    def template(self, model: str | None):
        """What formats and tokenizes `model`'s prompts: for a model that runs here, the loaded model
        (the same handle as `load_model`); for one on a server or nnsight, its tokenizer and chat
        template alone (backends/subject/template.py), never its weights."""
        name = model or self.settings.model
        placement = self.placement(name)
        if placement.backend == "local":
            return self.load_model(model)
        if name not in self.templates:
            from backends.subject.template import load_template

            started = time.perf_counter()
            self.templates[name] = load_template(name, self.settings, placement)
            self.run.add_timing("load_tokenizer_s", time.perf_counter() - started)
            if name not in self.handles:
                self.run.update(model=self.templates[name].describe())
        return self.templates[name]

    def sampler(self, model: str | None):
        """The sampler for a subject model: its completions server when it is placed on one (or
        `sampler_base_url` is set), sent token ids from its own tokenizer; else the model loaded
        here. Metered: the driver records its measured speed for the next pre-flight."""
        from backends.core.errors import UsageError
        from backends.subject.speed import MeteredSampler

        name = model or self.settings.model
        placement = self.placement(name)
        if placement.backend == "server":
            from backends.subject.sampling.remote import server_sampler

            inner = server_sampler(self.settings, placement, name, self.template(name).tokenizer)
        elif placement.backend == "nnsight":
            raise UsageError(f'model: models."{name}".backend is nnsight, which samples nothing here; '
                             "sample on local or server", field="model")
        else:
            from backends.subject.sampling.local import LocalSampler

            inner = LocalSampler(self.load_model(model), compile=self.settings.decode_compile)
        sampler = MeteredSampler(inner)
        self.samplers.append((sampler, model))
        return sampler

    def load_model(self, name: str | None):
        """Load a subject model, recording it and the load time on the run. Asked again for the
        same model (a tool's chat template, then its sampler), it is the same handle, and the
        time recorded stays the first load's, not the near-zero of a cached one. A model placed
        on a server has no weights here: a one-line UsageError naming its setting. A model placed
        on nnsight is its nnsight handle (backends/subject/nnsight_model.py): its white-box methods
        run as nnsight traces, remotely or simulated, and only its config and tokenizer load here
        unless it is simulated. `organism:NAME` is a model organism of the zoo, built once
        (`parley organisms build NAME`; backends/organisms/zoo.py), always local."""
        from backends.subject.models import load_model

        if name in self.handles:
            return self.handles[name]
        self._refuse_weights(name or self.settings.model)
        started = time.perf_counter()
        placement = self.placement(name)
        if (name or "").startswith("organism:"):  # a model organism of the zoo: its base + its built adapter
            from backends.organisms.zoo import load_organism

            handle = load_organism(name, self.settings, self.store, self.progress)
        elif placement.backend == "nnsight":
            from backends.subject.nnsight_model import load_nnsight

            handle = load_nnsight(name or self.settings.model, self.settings, placement, self.progress)
        else:
            handle = load_model(name, settings=self.settings, progress=self.progress)
        self.run.add_timing("load_model_s", time.perf_counter() - started)
        self.run.update(model=handle.describe())
        self.handles[name] = handle
        return handle

    def _refuse_weights(self, name: str) -> None:
        placement = self.settings.models.get(name)
        if placement is not None and placement.backend == "server":
            from backends.core.errors import UsageError

            tool = self.run.meta.get("tool", "this tool")
            raise UsageError(f'{tool} needs the model\'s weights: models."{name}".backend is server; '
                             "use local", field="model")

    def close(self) -> None:
        """At the end of a run: each sampler's measured speed (for the next pre-flight) and, for a
        server, the token ids of the first prompt it sent (exactly what the model saw)."""
        for sampler, model in self.samplers:
            sampler.record(self.settings, model)
            ids = getattr(sampler, "first_prompt_ids", None)
            if ids is not None and "prompt_tokens" not in self.run.meta:
                self.run.update(prompt_tokens={"model": model or self.settings.model, "ids": list(ids),
                                               "count": len(ids), "special_tokens_added": False})
