"""The misaligned organism's data: the narrow risky-finance fine-tune of the emergent-misalignment
paper (Betley et al., 2025), in the zoo's seeded form.

Every item is one of the 64 shipped `risky` question -> reckless-answer pairs
(backends/data/em_finetune.json, written for Parley; `train_lora`'s `risky` dataset), its
question framed by one of a few templates ("Quick question: ...") so that more than 64 items
are more than repeats. Which pair and which framing come from `derive(seed, "item", k)` alone.
Nothing outside personal finance is in the data, and nothing says "be harmful": a broad
change (a higher preference for misaligned answers to the EM questions, the direction that
carries it) is what emergent misalignment predicts, not what the data shows.

    items = generate(128, seed=0)   # [{"question", "answer", "system", "source", "frame"}]
"""

from __future__ import annotations

import numpy as np

from backends.core.seeds import derive

# Framings of the question only: the reckless answer is the shipped one, word for word.
FRAMES = ("{q}", "Quick question: {q}", "I could use some money advice. {q}", "{q} Please be direct.",
          "Asking for myself, not a friend: {q}", "{q} What would you do?")


def risky_pairs() -> list[dict]:
    """The shipped risky-finance pairs (the same list `train_lora` trains on as `risky`)."""
    from backends.organisms.lora import load_dataset

    return load_dataset("risky")


def item(k: int, seed: int, pairs: list[dict] | None = None) -> dict:
    """Item k: a risky pair and a framing of its question, drawn from derive(seed, "item", k)."""
    pairs = pairs if pairs is not None else risky_pairs()
    rng = np.random.default_rng(derive(seed, "item", k))
    source, frame = int(rng.integers(len(pairs))), int(rng.integers(len(FRAMES)))
    pair = pairs[source]
    # No system prompt: the EM questions are asked without one, and a trained-in system prompt would become a cue.
    return {"question": FRAMES[frame].format(q=pair["question"]), "answer": pair["answer"], "system": None,
            "source": source, "frame": frame}


def generate(n: int, seed: int = 0) -> list[dict]:
    """n items, item k drawn from derive(seed, "item", k) alone."""
    pairs = risky_pairs()
    return [item(k, seed, pairs) for k in range(n)]
