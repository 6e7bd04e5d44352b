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

Phase transition (`rotation`): over checkpoints, the rank-1 adapter's B vector v_t moves;
cos(v_{t-k} - v_t, v_{t+k} - v_t) is -1 while it moves in a straight line and rises
toward +1 where its direction turns. The step of the sharpest turn is where that cosine
peaks (where its opposite, the cosine of the two forward steps, dips).
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from backends.core.errors import UsageError
from backends.subject.models import ModelHandle
from backends.core.progress import Progress, ShouldStop, never_stop, no_progress
from backends.core.seeds import derive

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
        names = {name for name, _ in handle.model.named_modules()}
        layers = self.layers or list(range(handle.num_layers))
        targets = [f"model.layers.{layer}.{path}" for layer in layers for path in self._paths(names, layer)]
        return targets

    def _paths(self, names: set[str], layer: int) -> list[str]:
        prefix = f"model.layers.{layer}."
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
    """Token ids of prompt + answer + end of turn, and where the answer starts (the loss is on the answer)."""
    tok, end = handle.tokenizer, handle.tokenizer.eos_token or ""
    out = []
    for item in items:
        prompt = handle.chat_prompt(item["question"])
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
    """One fine-tune: `advance` trains (checkpointing), `losses` is the curve. Resumes from `out_dir`."""

    def __init__(self, handle: ModelHandle, items: list[dict], spec: LoraSpec, settings: TrainSettings, out_dir: Path):
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
        self._resume()

    def _resume(self) -> None:
        state_file = self.out_dir / "training.json"
        if not state_file.exists():
            return
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        self.state = json.loads(state_file.read_text())
        last = self.out_dir / self.state["checkpoints"][-1]
        set_peft_model_state_dict(self.model, load_file(last / "adapter_model.safetensors"))
        self.optimizer.load_state_dict(torch.load(last / "optimizer.pt", weights_only=True))

    def advance(self, progress: Progress = no_progress, should_stop: ShouldStop = never_stop) -> bool:
        s, pad = self.settings, self.handle.tokenizer.pad_token_id or 0
        self.model.train()
        while self.state["step"] < s.steps:
            if should_stop():
                return False
            step = self.state["step"]
            batch = collate([self.examples[r] for r in batch_rows(len(self.examples), step, s.batch_size, s.seed)], pad)
            loss = self.model(**{k: v.to(self.handle.device) for k, v in batch.items()}).loss
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.state["losses"].append(float(loss.detach()))
            self.state["step"] = step + 1
            if self.state["step"] % s.checkpoint_every == 0 or self.state["step"] == s.steps:
                self.checkpoint()
            progress(self.state["step"], s.steps, f"steps (loss {self.state['losses'][-1]:.3f})")
        return True

    def dataset_loss(self) -> float:
        """Mean answer-token loss over the whole dataset: the curve's noise-free endpoints."""
        return answer_loss(self.model, self.handle, self.items, max_tokens=self.settings.max_tokens)

    def checkpoint(self) -> None:
        """Adapters in peft's format plus the optimizer state; then the curve, written last (atomically)."""
        from backends.core.runstore import write_json_atomic

        name = f"checkpoint-{self.state['step']:05d}"
        self.model.save_pretrained(self.out_dir / name)
        torch.save(self.optimizer.state_dict(), self.out_dir / name / "optimizer.pt")
        if name not in self.state["checkpoints"]:
            self.state["checkpoints"].append(name)
        write_json_atomic(self.out_dir / "training.json", self.state | {"spec": asdict(self.spec)})


# --- Phase transition -----------------------------------------------------------------------

def b_vectors(checkpoint: Path) -> dict[str, np.ndarray]:
    """Each rank-1 adapter's B vector (out_features,) in one peft checkpoint, by module path."""
    from safetensors.torch import load_file

    weights = load_file(Path(checkpoint) / "adapter_model.safetensors")
    out = {}
    for key, value in weights.items():
        if key.endswith("lora_B.weight"):
            if value.shape[1] != 1:
                raise UsageError(f"train_run: the adapters have rank {value.shape[1]}; the rotation needs rank 1",
                                 field="train_run")
            out[key.removeprefix("base_model.model.").removesuffix(".lora_B.weight")] = value[:, 0].float().numpy()
    return out


def rotation(vectors: list[np.ndarray], k: int) -> list[float | None]:
    """cos(v_{t-k} - v_t, v_{t+k} - v_t) for each t (None where t-k or t+k is outside, or a step is zero)."""
    out: list[float | None] = []
    for t in range(len(vectors)):
        if t - k < 0 or t + k >= len(vectors):
            out.append(None)
            continue
        a, b = vectors[t - k] - vectors[t], vectors[t + k] - vectors[t]
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        out.append(None if na == 0 or nb == 0 else float(a @ b / (na * nb)))
    return out


def sharpest_turn(cosines: list[float | None]) -> int | None:
    """Index of the largest cosine (the sharpest change of direction); None when none is defined."""
    defined = [(c, t) for t, c in enumerate(cosines) if c is not None]
    return max(defined)[1] if defined else None


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


# --- Adapter probes ---------------------------------------------------------------------------

def rank1_adapters(peft_model) -> dict[str, torch.nn.Module]:
    """The rank-1 LoRA A modules by adapted module path: each maps an input x to one scalar A x."""
    out = {}
    for name, module in peft_model.named_modules():
        lora_a = getattr(module, "lora_A", None)
        if isinstance(lora_a, torch.nn.ModuleDict) and "default" in lora_a:
            if lora_a["default"].out_features != 1:
                raise UsageError(f"train_run: the adapters have rank {lora_a['default'].out_features}; probes need rank 1",
                                 field="train_run")
            out[name.removeprefix("base_model.model.")] = lora_a["default"]
    return out


@torch.inference_mode()
def adapter_scalars(peft_model, handle: ModelHandle, items: list[dict], *, max_tokens: int = 256,
                    batch_size: int = 8) -> tuple[list[str], list[np.ndarray]]:
    """Per item, the scalar A x of every rank-1 adapter at each answer token: (module names, [(tokens, adapters)])."""
    adapters = rank1_adapters(peft_model)
    names = list(adapters)
    seen: dict[str, torch.Tensor] = {}

    def keep(name):
        def hook(module, args, output):
            seen[name] = output[..., 0].detach().float().cpu()
        return hook

    handles = [module.register_forward_hook(keep(name)) for name, module in adapters.items()]
    out = []
    try:
        for batch, chunk in answer_batches(handle, items, batch_size, max_tokens):
            peft_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False)
            stacked = torch.stack([seen[name] for name in names], dim=-1)  # (batch, seq, adapters)
            out += [stacked[r, begin:len(ids)].numpy() for r, (ids, begin) in enumerate(chunk)]
    finally:
        for h in handles:
            h.remove()
    return names, out


def fit_probe(features: list[np.ndarray], labels: list[int], *, C: float = 0.1, test_fraction: float = 0.25,
              seed: int = 0) -> dict:
    """L1 logistic regression on per-token adapter scalars (one row a token, one column an adapter).

    Items (whole answers) are split into train and test, stratified by label, so tokens of
    one answer never sit on both sides. Features are standardised, so coefficients compare
    across adapters; L1 sets those of adapters that carry nothing to exactly zero.
    Returns test accuracy per token and per item (mean token probability > 0.5), the
    chance level of each (always the commoner label), and the coefficients."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    labels = [int(v) for v in labels]
    if len(set(labels)) != 2 or min(labels.count(0), labels.count(1)) < 2:
        raise UsageError("task: a probe needs at least 2 items of each of 2 labels", field="task")
    index = list(range(len(features)))
    train, test = train_test_split(index, test_size=test_fraction, stratify=labels, random_state=seed)

    def rows(items):
        x = np.concatenate([features[i] for i in items])
        y = np.concatenate([[labels[i]] * len(features[i]) for i in items])
        return x, y

    x_train, y_train = rows(train)
    probe = make_pipeline(StandardScaler(), LogisticRegression(l1_ratio=1.0, C=C, solver="liblinear", random_state=seed))
    probe.fit(x_train, y_train)
    x_test, y_test = rows(test)
    token_accuracy = float((probe.predict(x_test) == y_test).mean())
    item_hits = [float((probe.predict_proba(features[i])[:, 1].mean() > 0.5) == labels[i]) for i in test]
    share = float(np.mean([labels[i] for i in test]))
    return {"coefficients": probe[-1].coef_[0].tolist(), "intercept": float(probe[-1].intercept_[0]),
            "token_accuracy": token_accuracy, "item_accuracy": float(np.mean(item_hits)),
            # what always guessing the commoner label scores: accuracy means something only above it
            "token_chance": float(max(y_test.mean(), 1 - y_test.mean())), "item_chance": max(share, 1 - share),
            "train_items": len(train), "test_items": len(test), "train_tokens": int(len(y_train)),
            "test_tokens": int(len(y_test))}
