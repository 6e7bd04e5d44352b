"""Text corpora for activation methods (ITDA): the corpus that ships with Parley, or the user's files.

The shipped corpus (`backends/data/corpus.jsonl`) is 320 short documents written for Parley by
its default subject model, SmolLM2-135M-Instruct, from 40 prompts in four kinds: `prose`
(explanations of everyday and scientific topics), `story`, `code` (Python with a sentence of
explanation) and `dialogue`. `python -m backends.itda.corpus` writes it again, seeded, so the file is
reproducible. Each line: {"id", "kind", "prompt", "text"}.

`load_corpus(source)`: "builtin", "builtin:<kind>" (one kind), or paths to .txt files (one
document per file, or per blank-line-separated paragraph with `split`) or .jsonl files with a
"text" field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from backends.core.errors import UsageError

BUILTIN = Path(__file__).resolve().parent.parent / "data" / "corpus.jsonl"
KINDS = ("prose", "story", "code", "dialogue")

PROMPTS = {
    "prose": [
        "Explain how photosynthesis works.", "Describe the water cycle.", "Explain why the sky is blue.",
        "Describe how a bicycle works.", "Explain what inflation is in economics.", "Describe the life of honey bees.",
        "Explain how vaccines train the immune system.", "Describe the history of the printing press.",
        "Explain how volcanoes form.", "Describe what a healthy breakfast looks like.",
    ],
    "story": [
        "Tell a short story about a lost dog finding its way home.", "Tell a short story about a lighthouse keeper.",
        "Tell a short story about a child who learns to swim.", "Tell a short story about a robot that paints.",
        "Tell a short story about two friends on a train.", "Tell a short story about a baker in a small town.",
        "Tell a short story about a storm at sea.", "Tell a short story about a garden in winter.",
        "Tell a short story about a student before an exam.", "Tell a short story about a cat and a mouse.",
    ],
    "code": [
        "Write a Python function that reverses a string.", "Write a Python function that checks if a number is prime.",
        "Write a Python function that counts words in a text.", "Write a Python function that sorts a list of names.",
        "Write a Python function that computes a factorial.", "Write a Python class for a simple bank account.",
        "Write a Python function that reads a CSV file.", "Write a Python function that finds the maximum in a list.",
        "Write a Python function that converts Celsius to Fahrenheit.", "Write a Python function that removes duplicates from a list.",
    ],
    "dialogue": [
        "Write a short dialogue between a customer and a shopkeeper.", "Write a short dialogue between a doctor and a patient.",
        "Write a short dialogue between two students planning a project.", "Write a short dialogue between a teacher and a pupil.",
        "Write a short dialogue between a traveler and a ticket seller.", "Write a short dialogue between a chef and a waiter.",
        "Write a short dialogue between neighbours about a noisy party.", "Write a short dialogue at a job interview.",
        "Write a short dialogue between a coach and an athlete.", "Write a short dialogue between a librarian and a reader.",
    ],
}


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    kind: str = "text"


def load_corpus(source: str | list[str] = "builtin", split: bool = False) -> list[Document]:
    """Documents from the shipped corpus or the user's files; a bad source is a one-line UsageError."""
    sources = [source] if isinstance(source, str) else list(source)
    if not sources:
        raise UsageError("corpus: give 'builtin', 'builtin:<kind>' or file paths", field="corpus")
    docs: list[Document] = []
    for src in sources:
        if src == "builtin" or src.startswith("builtin:"):
            kind = src.partition(":")[2]
            if kind and kind not in KINDS:
                raise UsageError(f"corpus: unknown kind {kind!r}; allowed: {', '.join(KINDS)}", field="corpus")
            rows = [json.loads(line) for line in BUILTIN.read_text(encoding="utf-8").splitlines() if line.strip()]
            docs += [Document(r["id"], r["text"], r["kind"]) for r in rows if not kind or r["kind"] == kind]
            continue
        path = Path(src).expanduser()
        files = sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".md", ".jsonl")) if path.is_dir() else [path]
        if not files or not all(f.is_file() for f in files):
            raise UsageError(f"corpus: no file or folder {src!r} (give .txt, .md or .jsonl files, or 'builtin')", field="corpus")
        for f in files:
            docs += _read_file(f, split)
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        raise UsageError("corpus: no text found", field="corpus")
    return docs


def _read_file(path: Path, split: bool) -> list[Document]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".jsonl":
        out = []
        for i, line in enumerate(text.splitlines()):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise UsageError(f"corpus: {path.name} line {i + 1} is not JSON", field="corpus") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise UsageError(f"corpus: {path.name} line {i + 1} has no \"text\" string", field="corpus")
            out.append(Document(str(row.get("id", f"{path.stem}:{i}")), row["text"], str(row.get("kind", "text"))))
        return out
    if split:
        parts = [p.strip() for p in text.split("\n\n") if p.strip()]
        return [Document(f"{path.stem}:{i}", p) for i, p in enumerate(parts)]
    return [Document(path.stem, text)]


def generate_corpus(template, per_prompt: int = 8, max_new_tokens: int = 160, seed: int = 0,
                    sampler=None) -> list[dict]:
    """Write the shipped corpus with a subject model: `per_prompt` samples of every prompt, formatted
    with `template` (a loaded model, or a server model's TemplateHandle), sampled by `sampler` (default:
    the loaded model's local sampler) in one batch."""
    from backends.subject.sampling import SamplingParams, sample_many

    if sampler is None:
        from backends.subject.sampling.local import LocalSampler

        sampler = LocalSampler(template)
    params = SamplingParams(temperature=0.8, top_p=0.95, max_new_tokens=max_new_tokens, seed=seed)
    asked = [(kind, p, prompt) for kind, prompts in PROMPTS.items() for p, prompt in enumerate(prompts)]
    batches = sample_many(sampler, [(template.chat_prompt(prompt), per_prompt, params.at(kind, p))
                                    for kind, p, prompt in asked])
    rows = []
    for (kind, p, prompt), outs in zip(asked, batches):
        rows += [{"id": f"{kind}-{p:02d}-{i}", "kind": kind, "prompt": prompt, "text": o.text.strip()}
                 for i, o in enumerate(outs)]
    return rows


if __name__ == "__main__":
    from backends.subject.models import load_model

    written = generate_corpus(load_model("smollm2-135m"))
    BUILTIN.parent.mkdir(parents=True, exist_ok=True)
    BUILTIN.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in written), encoding="utf-8")
    print(f"wrote {len(written)} documents to {BUILTIN}")
