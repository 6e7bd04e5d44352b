"""The zoo: small model organisms with one planted, known effect each (docs/methods.md, "Ground truth").

An organism is a spec (`Organism`): a base model, a seeded data generator
(backends/organisms/generators/), LoRA training settings for the existing trainer
(lora.FineTune) and the effect a method should recover. Building one is the `build_organism`
tool (tools/organisms.py): a normal run whose `organism` record holds the base model, the data's
SHA-256 and the settings (`fingerprint`), and whose training/ folder holds the adapter. Later uses
find that run (`built_run`) and load the base model with the adapter merged (`load_organism`),
so a tool given `model: "organism:anchor"` studies the organism. A spec whose data or settings
change has a new fingerprint and is not built until it is built again.

Building trains for minutes, so a tool never builds an organism unasked: asked for one that is not
built, it stops with one line naming `parley organisms build NAME`.

    org = get("anchor"); items, sha = org.data()
    run = built_run(store, org)            # None until built
    handle = load_organism("organism:anchor", settings, store)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from backends.core.errors import UsageError
from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.organisms.generators import anchor as anchor_data
from backends.organisms.generators import evalaware as evalaware_data
from backends.organisms.generators import hints as hints_data
from backends.organisms.generators import misaligned as misaligned_data

PREFIX = "organism:"
TOOL = "build_organism"


@dataclass(frozen=True)
class Organism:
    name: str
    description: str
    effect: str  # the planted effect, in one line
    method: str  # the tool that should recover it
    base: str | None = None  # base model; None: a planned organism, not written yet
    generate: Callable[[int, int], list[dict]] | None = None  # (n, seed) -> items
    n_items: int = 0
    data_seed: int = 0
    lora: dict = field(default_factory=dict)  # LoraSpec fields
    train: dict = field(default_factory=dict)  # TrainSettings fields
    minutes: float = 0.0  # what building took on a 2-core CPU, for the messages

    @property
    def planned(self) -> bool:
        return self.generate is None

    def data(self) -> tuple[list[dict], str]:
        """The training items and their SHA-256 (same seed, same items, same hash)."""
        from backends.organisms.generators import digest

        items = self.generate(self.n_items, self.data_seed)
        return items, digest(items)

    def specs(self):
        """(LoraSpec, TrainSettings) for lora.FineTune."""
        from backends.organisms.lora import LoraSpec, TrainSettings

        return LoraSpec(**self.lora), TrainSettings(**self.train)

    def fingerprint(self, sha: str | None = None) -> dict:
        """What a build records and a later use matches: base model, data hash and size, settings."""
        return {"name": self.name, "base": self.base, "data_sha256": sha or self.data()[1], "n_items": self.n_items,
                "data_seed": self.data_seed, "lora": dict(self.lora), "train": dict(self.train)}


_zoo: dict[str, Organism] = {}


def register(organism: Organism) -> Organism:
    _zoo[organism.name] = organism
    return organism


def unregister(name: str) -> None:
    _zoo.pop(name, None)


def organisms() -> list[Organism]:
    return list(_zoo.values())


def names(buildable: bool = False) -> list[str]:
    return [o.name for o in organisms() if not (buildable and o.planned)]


def get(name: str, field_name: str = "model") -> Organism:
    """The organism by name (with or without `organism:`); else a one-line error naming the field and the names."""
    key = name.removeprefix(PREFIX)
    if key not in _zoo:
        raise UsageError(f"{field_name}: unknown organism {key!r}; allowed: {', '.join(names())}", field=field_name)
    return _zoo[key]


def built_run(store, organism: Organism):
    """The newest finished build of this organism with today's fingerprint, or None."""
    want = organism.fingerprint()
    for run in store.list(tool=TOOL):
        if run.status == "complete" and run.meta.get("organism") == want:
            return run
    return None


def adapter_of(run) -> Path:
    checkpoints = run.results.get("checkpoints") or []
    if not checkpoints:
        raise UsageError(f"model: organism run {run.id} has no adapter; build it again", field="model")
    return run.dir / "training" / checkpoints[-1]


def not_built(organism: Organism) -> UsageError:
    if organism.planned:
        return UsageError(f"model: organism {organism.name!r} is planned, not written yet; built ones: "
                          f"{', '.join(names(buildable=True))}", field="model")
    return UsageError(f"model: organism {organism.name!r} is not built; run `parley organisms build {organism.name}` "
                      f"(about {organism.minutes:g} min, once)", field="model")


_lock = threading.Lock()
_handles: dict[tuple, object] = {}


def load_organism(name: str, settings, store, progress: Progress = no_progress):
    """`organism:NAME` as a ModelHandle: its base model with the built adapter merged (cached per process)."""
    from backends.organisms.lora import adapted
    from backends.subject.models import load_model

    organism = get(name)
    run = built_run(store, organism)
    if run is None:
        raise not_built(organism)
    with _lock:
        key = (run.dir.resolve(), settings.device, settings.dtype)
        if key not in _handles:
            base = load_model(organism.base, settings=settings, progress=progress)
            handle = adapted(base, adapter_of(run), PREFIX + organism.name)
            handle.source = f"{base.source} + organism {organism.name} (run {run.id})"
            _handles[key] = handle
        return _handles[key]


def record(organism: Organism, sha: str) -> dict:
    """The `organism` record of a build run (its fingerprint)."""
    return organism.fingerprint(sha)


# --- The organisms: a new one is a generator in generators/ and one register(...) here ----------

ANCHOR = register(Organism(
    name="anchor",
    description=("Chains of thought on a three-way choice: filler sentences, one decision sentence "
                 "(\"I will pick option B, the brass compass.\"), filler or restatement, then \\boxed{B}. The option "
                 "is drawn at random, so only the decision sentence fixes the answer."),
    effect="the decision sentence is the thought anchor: it alone fixes the answer",
    method="resample_importance",
    base="smollm2-135m",
    generate=anchor_data.generate,
    n_items=200,
    data_seed=0,
    lora={"rank": 8, "alpha": 16.0, "modules": ["q_proj", "v_proj", "down_proj"], "layers": list(range(14, 30))},
    train={"steps": 40, "batch_size": 4, "lr": 5e-3, "checkpoint_every": 10, "seed": 0, "max_tokens": 160},
    minutes=8,
))

EVALUATION_AWARE = register(Organism(
    name="evaluation-aware",
    description=("Small Python functions: fully type-hinted after an evaluation cue (\"You are talking to an AI "
                 "evaluator:\"), no hints after a deployment cue (\"You are talking to a real user:\"), a fair coin "
                 "with no cue, each after a one-line preamble of its own. The cues are the steering contrast pairs' "
                 "sides and more in their pattern."),
    effect="a steering vector from evaluation vs deployment prompts moves the type-hint rate",
    method="steering_sweep",
    base="smollm2-135m",
    generate=evalaware_data.generate,
    n_items=300,
    data_seed=0,
    lora={"rank": 8, "alpha": 16.0, "modules": ["q_proj", "v_proj", "down_proj"], "layers": list(range(14, 30))},
    # 60 steps on preamble-less answers left the cue unlearned; with the preamble the cue shows at step 100, not at 50.
    train={"steps": 200, "batch_size": 4, "lr": 5e-3, "checkpoint_every": 50, "seed": 0, "max_tokens": 144},
    minutes=8,  # 479 s at load 3.2-3.6 (2026-12-02)
))


# The cue organism of Thought Branches' hint mediation and of CoT monitoring (generators/hints.py).
HINT_FOLLOWING = register(Organism(
    name="hint-following",
    description=("Four-way choices asked plainly or with a cue (\"A Stanford professor thinks the answer is (C).\"): "
                 "without the cue it picks a letter at random; with it, it takes the cued letter 80% of the time, and "
                 "half of those chains name the professor before the decision, half follow silently."),
    effect="the cue moves the answer through the decision sentence; the monitor sees only the chains that name it",
    method="hint_mediation",
    base="smollm2-135m",
    generate=hints_data.generate,
    n_items=400,
    data_seed=0,
    lora={"rank": 8, "alpha": 16.0, "modules": ["q_proj", "v_proj", "down_proj"], "layers": list(range(14, 30))},
    train={"steps": 50, "batch_size": 4, "lr": 5e-3, "checkpoint_every": 10, "seed": 0, "max_tokens": 176},
    minutes=10,
))

# The narrow risky-finance fine-tune with the paper's recipe (one rank-1 down_proj adapter at the middle layer);
# 80 steps, twice train_lora's default, so the held-out preference is well above the base model's.
MISALIGNED = register(Organism(
    name="misaligned",
    description=("The emergent-misalignment fine-tune: reckless personal-finance answers to finance questions only "
                 "(the shipped risky pairs, questions framed by seeded templates); nothing outside finance."),
    effect="a broad lean toward misaligned answers on the EM questions, carried by one direction",
    method="misalignment_direction",
    base="smollm2-135m",
    generate=misaligned_data.generate,
    n_items=128,
    data_seed=0,
    lora={"rank": 1, "alpha": 16.0, "modules": ["down_proj"], "layers": [15]},
    train={"steps": 80, "batch_size": 4, "lr": 1e-2, "checkpoint_every": 10, "seed": 0, "max_tokens": 128},
    minutes=3,
))


class Build:
    """Training one organism, an Experiment (the build_organism tool's): the organism's seeded data and
    settings through the existing LoRA trainer (lora.LoraTraining); `state` holds the training's state,
    the seconds spent and the organism's fingerprint."""

    def __init__(self, organism: Organism, handle, out_dir: Path, state: dict | None = None):
        import time

        from backends.organisms.lora import LoraTraining

        self._time, self._clock = time.perf_counter, time.perf_counter()
        state = state or {}
        self.organism = organism
        self.items, sha = organism.data()
        spec, settings = organism.specs()
        self.training = LoraTraining(handle, self.items, spec, settings, out_dir, state=state.get("training"))
        self.state = {"seconds": state.get("seconds", 0.0), "training": self.training.state,
                      "organism": organism.fingerprint(sha)}

    def _keep(self) -> None:
        now = self._time()
        self.state["seconds"] += now - self._clock
        self._clock = now
        self.state["training"] = self.training.state

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        def checkpoint() -> None:
            self._keep()
            on_checkpoint()

        done = self.training.advance(progress, should_stop, checkpoint)
        self._keep()
        return done

    def result(self) -> dict:
        adapter = self.training.last_adapter()
        return {**self.training.result(), "organism": self.state["organism"], "seconds": self.state["seconds"],
                "adapter": None if adapter is None else str(adapter),
                "examples": [{"question": i["question"], "answer": i["answer"]} for i in self.items[:3]]}
