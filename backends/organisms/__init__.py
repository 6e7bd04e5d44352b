"""Model organisms: LoRA fine-tunes, CAFT, the emergent-misalignment evaluation and its judges."""
