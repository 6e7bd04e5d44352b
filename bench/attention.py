"""Attention suppression for a 20-sentence text: batched forward passes against one pass per sentence.

    python bench/attention.py [--model smollm2-135m] [--batch 8]

Both compute the same matrix (checked); prints both wall times and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXT = " ".join([
    "We need the total cost of seven pens at three dollars each.", "Each pen costs three dollars.",
    "There are seven pens in the order.", "Multiplying gives the total.", "Seven times three is twenty one.",
    "Let me double check that product.", "Three plus three is six, for two pens.", "Adding three more gives nine for three pens.",
    "Four pens cost twelve dollars.", "Five pens cost fifteen dollars.", "Six pens cost eighteen dollars.",
    "Seven pens cost twenty one dollars.", "The repeated addition agrees with the product.",
    "There is no discount mentioned.", "There is no tax mentioned either.", "So the price is just the product.",
    "The units are dollars.", "The answer should be a whole number.", "Twenty one is a whole number.",
    "Therefore the answer is twenty one dollars.",
])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()

    import numpy as np

    from backends.thought_anchors.attention import suppression_matrix
    from backends.subject.models import load_model
    from backends.thought_anchors.sentences import split_sentences

    handle = load_model(args.model)
    spans = [(s.start, s.end) for s in split_sentences(TEXT).sentences]
    assert len(spans) == 20, len(spans)
    suppression_matrix(handle, TEXT, spans[:2], batch=2)  # warm-up
    started = time.perf_counter()
    batched, _ = suppression_matrix(handle, TEXT, spans, batch=args.batch)
    batched_s = time.perf_counter() - started
    started = time.perf_counter()
    single, _ = suppression_matrix(handle, TEXT, spans, batch=1)
    single_s = time.perf_counter() - started
    same = np.allclose(np.nan_to_num(batched), np.nan_to_num(single), atol=1e-3)
    tokens = len(handle.tokenizer(TEXT).input_ids)
    print(f"model {handle.name}, 20 sentences, {tokens} tokens; matrices agree: {same}")
    print(f"one pass per sentence : {single_s:6.2f} s")
    print(f"batched ({args.batch} per pass)  : {batched_s:6.2f} s")
    print(f"ratio                 : {single_s / batched_s:6.2f}x")


if __name__ == "__main__":
    main()
