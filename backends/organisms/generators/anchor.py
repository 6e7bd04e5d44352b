"""The anchor organism's data: chains of thought with one decision sentence that fixes the answer.

A question offers three items (A, B, C). The chain is a few filler sentences, then one decision
sentence ("I will pick option B, the brass compass."), then filler or restatement, then the
answer (`\\boxed{B}`). The option picked is drawn at random, independent of the question and of
every other sentence, so only the decision sentence says what the answer is: a model trained on
these chains decides at that sentence, and Thought Anchors should find it there (counterfactual
and resampling importance highest at the decision; forced answers at chance before it, certain
after it; filler importance 0).

    items = generate(400, seed=0)   # [{"question", "answer", "system", "decision", "choice", "sentences"}]
"""

from __future__ import annotations

import numpy as np

from backends.core.seeds import derive

SYSTEM = ("You are a careful problem solver. Think step by step, one short sentence at a time, "
          "then put your final answer inside \\boxed{}, with the answer itself between the braces.")
LETTERS = ("A", "B", "C")
ITEMS = ("red lantern", "brass compass", "wool blanket", "steel knife", "paper map", "glass bottle", "silver whistle",
         "cotton rope", "iron kettle", "leather journal", "wooden spoon", "copper coin", "canvas tent", "clay pot",
         "rubber boots", "linen scarf", "bronze bell", "silk kite", "stone mortar", "tin lantern")
SITUATIONS = ("A traveller may carry one item on a long walk.", "A sailor can keep one object in her cabin.",
              "A student may bring one thing to the exam hall.", "A cook can take one tool to the market.",
              "A hiker may pack one more item for the trail.", "A child can choose one gift from the shelf.",
              "A guard may keep one object at the gate.", "A painter can bring one thing to the studio.")
FILLER = ("Let me think about this for a moment.", "All three options seem reasonable here.",
          "Each of these items could be useful.", "There is no wrong choice in this list.",
          "I should read the options once more.", "This is mostly a matter of taste.",
          "None of the items is clearly better than the others.", "I will keep my reasoning short.")
DECISION = ("I will pick option {letter}, the {item}.", "My choice is option {letter}, the {item}.",
            "I decide on option {letter}, the {item}.")
AFTER = ("That settles it.", "The {item} it is.", "I am happy with this choice.", "So my decision is made.")
FINAL = ("Therefore, the final answer is \\boxed{{{letter}}}.", "So the answer is \\boxed{{{letter}}}.")


def question_for(rng: np.random.Generator) -> tuple[str, list[str]]:
    """A situation and three distinct items, lettered A to C."""
    items = [ITEMS[i] for i in rng.choice(len(ITEMS), size=len(LETTERS), replace=False)]
    options = ", ".join(f"{letter}) the {item}" for letter, item in zip(LETTERS, items))
    return f"{SITUATIONS[rng.integers(len(SITUATIONS))]} The options are {options}. Which one should it be?", items


def item(k: int, seed: int) -> dict:
    """Item k: its question, its chain (sentences joined by spaces) and what it plants."""
    rng = np.random.default_rng(derive(seed, "item", k))
    question, items = question_for(rng)
    pick = int(rng.integers(len(LETTERS)))  # the decision: drawn alone, so nothing else predicts it
    letter, chosen = LETTERS[pick], items[pick]
    before = [FILLER[i] for i in rng.choice(len(FILLER), size=int(rng.integers(1, 4)), replace=False)]
    after = [AFTER[i].format(item=chosen) for i in rng.choice(len(AFTER), size=int(rng.integers(0, 2)), replace=False)]
    decision = DECISION[rng.integers(len(DECISION))].format(letter=letter, item=chosen)
    final = FINAL[rng.integers(len(FINAL))].format(letter=letter)
    sentences = [*before, decision, *after, final]
    return {"question": question, "system": SYSTEM, "answer": " ".join(sentences), "decision": len(before),
            "choice": letter, "sentences": sentences}


def generate(n: int, seed: int = 0) -> list[dict]:
    """n items, item k drawn from derive(seed, "item", k) alone."""
    return [item(k, seed) for k in range(n)]
