"""A real tokenizer built in process (no download), whose chat template writes a BOS and which adds
one when asked for special tokens, as Llama's and DeepSeek-R1-Distill's do: what shows a doubled BOS.

Byte-level with no merges (one token per byte), so any text encodes and decodes back exactly; its
template is Llama-2's form, unlike SmolLM2's ChatML, so a prompt shows which template made it.
"""

from __future__ import annotations

from pathlib import Path

BOS, EOS = "<s>", "</s>"
TEMPLATE = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}<<SYS>>\n{{ m['content'] }}\n<</SYS>>\n\n"
            "{% else %}[INST] {{ m['content'] }} [/INST]{% endif %}{% endfor %}")


def toy_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {BOS: 0, EOS: 1, **{ch: i + 2 for i, ch in enumerate(sorted(alphabet))}}
    tk = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tk.decoder = decoders.ByteLevel()
    tk.post_processor = processors.TemplateProcessing(single=f"{BOS} $A", special_tokens=[(BOS, 0)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token=BOS, eos_token=EOS)
    tokenizer.chat_template = TEMPLATE
    return tokenizer


def save_toy_tokenizer(folder: Path) -> Path:
    """The toy tokenizer saved as a model's tokenizer folder (what a placement's `tokenizer` names)."""
    toy_tokenizer().save_pretrained(folder)
    return folder
