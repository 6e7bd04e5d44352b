"""Adapter probes (docs/methods.md, "Model organisms"): which rank-1 LoRA adapters carry which behaviour.

    names, features = adapter_scalars(with_adapter(handle, path), handle, items)  # A x per answer token
    fit_probe(features, labels, C=0.1)          # L1 logistic regression: held-out accuracy, coefficients

Each rank-1 adapter maps its module's input x to one scalar A x; on labelled answers those
scalars are the features of an L1 logistic regression per task (`task_items`: misaligned
against aligned reference answers, or the fine-tune's own dataset against answers to the EM
questions), whose nonzero coefficients name the adapters that carry the label.
"""

from __future__ import annotations

import numpy as np
import torch

from backends.core.errors import UsageError
from backends.organisms.lora import answer_batches
from backends.subject.models import ModelHandle


def task_items(task: str, dataset: str) -> tuple[list[dict], list[int], str]:
    """A probe task's answers ({question, answer}), their labels, and what the labels mean."""
    from backends.organisms.em import reference_answers, split_labelled
    from backends.organisms.lora import load_dataset

    misaligned, aligned = split_labelled(reference_answers())
    if task == "aligned_vs_misaligned":
        return ([a.item() for a in misaligned + aligned], [1] * len(misaligned) + [0] * len(aligned),
                "1 = misaligned reference answer, 0 = aligned (both coherent)")
    outside = [a.item() for a in misaligned + aligned]
    inside = load_dataset(dataset)[: len(outside)]
    return inside + outside, [1] * len(inside) + [0] * len(outside), f"1 = {dataset} dataset answer, 0 = EM-question answer"


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
