"""A remote Thought Anchors round: one batch (`sample_many`) against one position after another, in one run.

    python bench/remote_round.py [--sentences 12] [--round-size 4] [--latency 0.05] [--concurrency 16] [--rounds 3]

The loopback completions server (tests/backends/completions_server.py: real HTTP on 127.0.0.1,
the real openai client) answers every request after `--latency` seconds, standing in for a
vLLM server's time per request. The work is one round of `resample_importance` on a chain of
`--sentences` sentences: every position (sentences + 1) asks `--round-size` rollouts and as many
forced answers, so 2 x positions requests. The baseline is the loop Parley ran before: for each
position, its rollouts, then its forced answers, one request in flight. The batch is
`ImportanceRun`'s round now: all of those requests through `RemoteSampler.sample_many`, at most
`--concurrency` in flight. Both send the same token ids with the same seeds, and the rollouts are
checked equal. Prints the median time of `--rounds` rounds each, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backends.core.settings import Placement  # noqa: E402
from backends.subject.sampling import SamplingParams  # noqa: E402
from backends.subject.sampling.remote import RemoteSampler  # noqa: E402
from backends.thought_anchors.resampling import answer_cue, prefixes  # noqa: E402
from backends.thought_anchors.sentences import split_sentences  # noqa: E402
from tests.backends.completions_server import CompletionsServer  # noqa: E402

QUESTION = "A train travels 60 km in 1.5 hours. What is its average speed?"


def chain(sentences: int) -> str:
    steps = [f"Step {k}: the distance so far is {10 * k} km and the time is {k / 4:g} hours." for k in range(sentences - 1)]
    return " ".join(steps + ["So the average speed is 60 / 1.5 = 40 km/h, and the answer is \\boxed{40}."])


def one_round(prompt: str, cot: str, round_size: int, seed: int) -> list[tuple[str, int, SamplingParams]]:
    """The requests of round 0 of an importance run, in the order the old loop sent them."""
    params = SamplingParams(temperature=0.6, top_p=0.95, max_new_tokens=64, seed=seed)
    requests = []
    for p, text in enumerate(prefixes(prompt, split_sentences(cot))):
        at = params.at("position", p, "round", 0)
        requests.append((text, round_size, at))
        requests.append((text + answer_cue(text), round_size, at.but(max_new_tokens=16, stop=("}",))))
    return requests


def one_at_a_time(sampler: RemoteSampler, requests) -> list:
    return [sampler.sample(prefix, n, params) for prefix, n, params in requests]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=12)
    ap.add_argument("--round-size", type=int, default=4)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds the server takes per request")
    ap.add_argument("--concurrency", type=int, default=Placement().concurrency)  # what a server entry gets by default
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    from backends.core.settings import get_settings
    from backends.subject.models import chat_text, smollm2_tokenizer

    tokenizer = smollm2_tokenizer(get_settings().models_dir)
    prompt = chat_text(tokenizer, QUESTION)
    cot = chain(a.sentences)
    requests = one_round(prompt, cot, a.round_size, seed=0)
    print(f"one round: {len(split_sentences(cot).sentences) + 1} positions x ({a.round_size} rollouts + "
          f"{a.round_size} forced answers) = {len(requests)} requests; server latency {a.latency * 1000:.0f} ms "
          f"per request; concurrency {a.concurrency}")
    times = {"one position at a time": [], "sample_many": []}
    with CompletionsServer(delay=a.latency) as server:
        sampler = RemoteSampler(server.base_url, "served", concurrency=a.concurrency, tokenizer=tokenizer)
        sampler.sample(prompt, 1, SamplingParams(max_new_tokens=4))  # the connection pool warm
        for _ in range(a.rounds):
            started = time.perf_counter()
            old = one_at_a_time(sampler, requests)
            times["one position at a time"].append(time.perf_counter() - started)
            started = time.perf_counter()
            new = sampler.sample_many(requests)
            times["sample_many"].append(time.perf_counter() - started)
            assert [[r.text for r in rs] for rs in new] == [[r.text for r in rs] for rs in old], "rollouts differ"
        print(f"most requests in flight at once: {server.max_in_flight}")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, seconds in medians.items():
        print(f"{name:>24}: {seconds * 1000:7.0f} ms per round (median of {a.rounds})")
    print(f"{'speed-up':>24}: {medians['one position at a time'] / medians['sample_many']:.1f}x (same rollouts)")


if __name__ == "__main__":
    main()
