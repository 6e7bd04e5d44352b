"""LoRA fine-tunes of a subject model (docs/methods.md, "Model organisms").

The model-organism recipe is a rank-1 adapter on the MLP `down_proj` of chosen layers,
trained on a narrow dataset (question -> answer pairs in one domain). peft does the
adapters; this module adds what the method needs around them:

- the loss is on answer tokens only (the prompt is the model's own chat template);
- the base model is never touched: training runs on a copy, so the cached model other
  tools use stays as it was;
- checkpoints every `checkpoint_every` steps, in peft's format (`adapter_config.json`,
  `adapter_model.safetensors`), so researchers load them elsewhere with
  `PeftModel.from_pretrained`; the loss curve is kept step by step;
- the data order is a seeded permutation per epoch and the optimizer state is saved with
  each checkpoint, so a stopped run resumes to the same adapter an unstopped one gives.

    training = LoraTraining(handle, items, spec, settings, out_dir, state=saved)  # saved: None, or its last `state`
    training.advance(progress, should_stop, on_checkpoint)  # an Experiment (backends/core/experiment.py)
    FineTune(handle, items, spec, settings, out_dir, dataset="risky")  # train_lora's: the loss before and after too

The rotation of the adapters over checkpoints is in phase.py, probes on their scalars in probes.py.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from backends.core.errors import UsageError
from backends.core.experiment import OnCheckpoint, no_checkpoint
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.seeds import derive
from backends.subject.models import ModelHandle

DATA = Path(__file__).resolve().parent.parent / "data" / "em_finetune.json"
DATASETS = ("risky", "clean")


def load_dataset(name: str) -> list[dict]:
    """A shipped narrow dataset ("risky" or "clean" financial advice, written for Parley) or a
    .json/.jsonl file of {"question", "answer"} items."""
    if name in DATASETS:
        return json.loads(DATA.read_text(encoding="utf-8"))[name]
    path = Path(name).expanduser()
    if not path.is_file():
        raise UsageError(f"dataset: {name!r} is neither a shipped dataset ({', '.join(DATASETS)}) nor a file", field="dataset")
    text = path.read_text(encoding="utf-8")
    try:
        items = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" else json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"dataset: {path.name} is not valid JSON ({e.msg} at line {e.lineno})", field="dataset") from None
    if not isinstance(items, list) or not items or not all(
            isinstance(i, dict) and isinstance(i.get("question"), str) and isinstance(i.get("answer"), str) for i in items):
        raise UsageError(f"dataset: {path.name} must hold a non-empty list of {{\"question\", \"answer\"}} items",
                         field="dataset")
    return items


@dataclass
class LoraSpec:
    rank: int = 1
    alpha: float = 16.0
    modules: list[str] = field(default_factory=lambda: ["down_proj"])  # module names inside each decoder layer
    layers: list[int] = field(default_factory=list)  # empty: every layer

    def targets(self, handle: ModelHandle) -> list[str]:
        """Full module paths peft adapts, checked against the model."""
        from backends.subject.architecture import layout

        names = {name for name, _ in handle.model.named_modules()}
        layers = self.layers or list(range(handle.num_layers))
        blocks = layout(handle.model)  # model.layers.N, transformer.h.N, ... by architecture
        return [f"{blocks.layer_path(layer)}.{path}" for layer in layers for path in self._paths(names, blocks, layer)]

    def _paths(self, names: set[str], blocks, layer: int) -> list[str]:
        prefix = f"{blocks.layer_path(layer)}."
        found = []
        for module in self.modules:
            matches = sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix) and n.endswith("." + module))
            if not matches:
                raise UsageError(f"modules: no module {module!r} in layer {layer} (e.g. down_proj, up_proj, q_proj)",
                                 field="modules")
            found += matches
        return found


@dataclass
class TrainSettings:
    steps: int = 40
    batch_size: int = 4
    lr: float = 1e-2
    checkpoint_every: int = 5
    seed: int = 0
    max_tokens: int = 256  # per example, prompt and answer


def encode(handle: ModelHandle, items: list[dict], max_tokens: int) -> list[tuple[list[int], int]]:
    """Token ids of prompt + answer + end of turn, and where the answer starts (the loss is on the answer).
    An item's optional "system" is the prompt's system message (the model organisms' chains are trained
    under the system prompt generate_cot uses)."""
    tok, end = handle.tokenizer, handle.tokenizer.eos_token or ""
    out = []
    for item in items:
        prompt = handle.chat_prompt(item["question"], system=item.get("system"))
        prompt_ids = tok(prompt, add_special_tokens=False).input_ids
        ids = tok(prompt + item["answer"] + end, add_special_tokens=False).input_ids[:max_tokens]
        out.append((ids, min(len(prompt_ids), len(ids) - 1)))
    return out


def batch_rows(n: int, step: int, batch_size: int, seed: int) -> list[int]:
    """The examples of one step: consecutive slices of a seeded permutation per epoch."""
    rows = []
    for k in range(step * batch_size, (step + 1) * batch_size):
        epoch, at = divmod(k, n)
        rows.append(int(np.random.default_rng(derive(seed, "epoch", epoch)).permutation(n)[at]))
    return rows


def collate(examples: list[tuple[list[int], int]], pad: int) -> dict:
    width = max(len(ids) for ids, _ in examples)
    input_ids = torch.full((len(examples), width), pad)
    labels = torch.full((len(examples), width), -100)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for r, (ids, start) in enumerate(examples):
        input_ids[r, : len(ids)] = torch.tensor(ids)
        labels[r, start: len(ids)] = torch.tensor(ids[start:])
        mask[r, : len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask}


def answer_batches(handle: ModelHandle, items: list[dict], batch_size: int = 8, max_tokens: int = 256):
    """(batch on the model's device, [(ids, answer start)]) over the items, teacher-forced after the chat prompt."""
    encoded = encode(handle, items, max_tokens)
    pad = handle.tokenizer.pad_token_id or 0
    for start in range(0, len(encoded), batch_size):
        chunk = encoded[start:start + batch_size]
        batch = {k: v.to(handle.device) for k, v in collate(chunk, pad).items()}
        yield batch, chunk


@torch.no_grad()
def answer_loss(model, handle: ModelHandle, items: list[dict], batch_size: int = 16, max_tokens: int = 256) -> float:
    """Mean answer-token loss of `model` (the base, merged or a PeftModel) over the items."""
    was_training = model.training
    model.eval()
    total = tokens = 0.0
    for batch, _ in answer_batches(handle, items, batch_size, max_tokens):
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()
        labels = batch["labels"][:, 1:]
        total += float(torch.nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), labels, ignore_index=-100,
                                                         reduction="sum"))
        tokens += float((labels != -100).sum())
    model.train(was_training)
    return total / max(tokens, 1.0)


class LoraTraining:
    """One fine-tune, an Experiment: `advance` trains, writing a peft checkpoint (the method's output) into
    `out_dir` every `checkpoint_every` steps. `state` is where the last checkpoint stands, so a run built
    with `state=` a saved one loads that checkpoint and goes on from it; `now` is where training stands
    (ahead of `state` between checkpoints)."""

    def __init__(self, handle: ModelHandle, items: list[dict], spec: LoraSpec, settings: TrainSettings, out_dir: Path,
                 state: dict | None = None):
        from peft import LoraConfig, get_peft_model

        self.handle, self.spec, self.settings, self.out_dir = handle, spec, settings, Path(out_dir)
        self.items = items
        self.examples = encode(handle, items, settings.max_tokens)
        config = LoraConfig(r=spec.rank, lora_alpha=spec.alpha, target_modules=spec.targets(handle), lora_dropout=0.0,
                            bias="none")
        torch.manual_seed(settings.seed)  # peft draws A at random; B starts at zero
        self.model = get_peft_model(copy.deepcopy(handle.model), config)  # the cached base model stays untouched
        self.optimizer = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=settings.lr)
        self.state = {"step": 0, "losses": [], "checkpoints": []}
        if state and state.get("checkpoints"):
            self._resume(state)
        self.now = copy.deepcopy(self.state)

    def _resume(self, state: dict) -> None:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        self.state = copy.deepcopy(state)
        last = self.out_dir / self.state["checkpoints"][-1]
        set_peft_model_state_dict(self.model, load_file(last / "adapter_model.safetensors"))
        self.optimizer.load_state_dict(torch.load(last / "optimizer.pt", weights_only=True))

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        """Train until the last step or `should_stop()`; True when finished. A checkpoint after each adapter saved."""
        s, pad, now = self.settings, self.handle.tokenizer.pad_token_id or 0, self.now
        self.model.train()
        while now["step"] < s.steps:
            if should_stop():
                return False
            step = now["step"]
            batch = collate([self.examples[r] for r in batch_rows(len(self.examples), step, s.batch_size, s.seed)], pad)
            loss = self.model(**{k: v.to(self.handle.device) for k, v in batch.items()}).loss
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            now["losses"].append(float(loss.detach()))
            now["step"] = step + 1
            if now["step"] % s.checkpoint_every == 0 or now["step"] == s.steps:
                self.checkpoint()
                on_checkpoint()
            progress(now["step"], s.steps, f"steps (loss {now['losses'][-1]:.3f})")
        return True

    def result(self) -> dict:
        """Where training stands: steps done, the loss curve, the checkpoints (folder names in `out_dir`)."""
        return {"step": self.now["step"], "steps": self.settings.steps, "losses": list(self.now["losses"]),
                "checkpoints": list(self.now["checkpoints"]), "out_dir": str(self.out_dir),
                "trainable": sum(p.numel() for p in self.model.parameters() if p.requires_grad)}

    def last_adapter(self) -> Path | None:
        """The newest checkpoint folder (a peft adapter), None before the first."""
        return self.out_dir / self.now["checkpoints"][-1] if self.now["checkpoints"] else None

    def dataset_loss(self) -> float:
        """Mean answer-token loss over the whole dataset: the curve's noise-free endpoints."""
        return answer_loss(self.model, self.handle, self.items, max_tokens=self.settings.max_tokens)

    def checkpoint(self) -> None:
        """Adapters in peft's format plus the optimizer state; then `state` moves up to where training stands."""
        name = f"checkpoint-{self.now['step']:05d}"
        self.model.save_pretrained(self.out_dir / name)
        torch.save(self.optimizer.state_dict(), self.out_dir / name / "optimizer.pt")
        if name not in self.now["checkpoints"]:
            self.now["checkpoints"].append(name)
        self.state = copy.deepcopy(self.now)


class FineTune:
    """train_lora's experiment: the answer-token loss over the dataset before training, the training
    (LoraTraining), the loss after. `state` holds both losses, the seconds spent and the training's state."""

    def __init__(self, handle: ModelHandle, items: list[dict], spec: LoraSpec, settings: TrainSettings, out_dir: Path,
                 *, dataset: str = "", state: dict | None = None):
        self._clock = time.perf_counter()  # the seconds include building the copy and the adapters
        state = state or {}
        self.handle, self.spec, self.dataset, self.n_items = handle, spec, dataset, len(items)
        self.training = LoraTraining(handle, items, spec, settings, out_dir, state=state.get("training"))
        self.state = {"loss_before": state.get("loss_before"), "loss_after": state.get("loss_after"),
                      "seconds": state.get("seconds", 0.0), "training": self.training.state}

    def _keep(self) -> None:
        now = time.perf_counter()
        self.state["seconds"] += now - self._clock
        self._clock = now
        self.state["training"] = self.training.state

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                on_checkpoint: OnCheckpoint = no_checkpoint) -> bool:
        if self.state["loss_before"] is None:
            self.state["loss_before"] = self.training.dataset_loss()

        def checkpoint() -> None:
            self._keep()
            on_checkpoint()

        done = self.training.advance(progress, should_stop, checkpoint)
        if done and self.state["loss_after"] is None:
            self.state["loss_after"] = self.training.dataset_loss()
        self._keep()
        return done

    def result(self) -> dict:
        adapter = self.training.last_adapter()
        return {**self.training.result(), "loss_before": self.state["loss_before"],
                "loss_after": self.state["loss_after"], "seconds": self.state["seconds"] + time.perf_counter() - self._clock,
                "adapter": None if adapter is None else str(adapter), "model": self.handle.name,
                "layers": list(self.spec.layers), "dataset": self.dataset, "items": self.n_items}


# --- Adapted models ---------------------------------------------------------------------------

def adapted(handle: ModelHandle, adapter: Path, name: str) -> ModelHandle:
    """A copy of the subject model with a peft adapter merged in; `handle` stays the base model."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(copy.deepcopy(handle.model), str(adapter)).merge_and_unload()
    model.eval()
    return ModelHandle(name=name, model=model, tokenizer=handle.tokenizer, source=f"{handle.source} + LoRA {adapter}",
                       revision=handle.revision)


def with_adapter(handle: ModelHandle, adapter: Path):
    """A PeftModel over a copy of the subject model, adapters kept apart (to read their activations)."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(copy.deepcopy(handle.model), str(adapter))
    model.eval()
    return model
