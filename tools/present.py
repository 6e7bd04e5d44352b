"""A tool result as a person reads it: the summary with its line structure, a table with
rounded numbers and intervals, and the long parts (the chain of thought, every sentence,
every row) complete, for a collapsible block.

The chat reply (offline planner), the tool-call block in the app, the run view and
`parley runs show` all use these functions, so a result reads the same everywhere.
Pure text: no Textual here.
"""

from __future__ import annotations

import json
import re

RECORD_KEYS = ("rows", "table", "cells", "sentences", "tasks", "hits", "mediation", "alternatives", "answers")

# Per tool, the columns worth a reader's eye, in order: the plotted metric first after the index.
COLUMNS = {
    "resample_importance": ("index", "counterfactual_accuracy", "resampling_accuracy", "forced_accuracy",
                            "counterfactual_kl", "different_trajectories_fraction", "n_rollouts", "n_no_answer", "text"),
    "split_sentences": ("index", "text"),
}
# In the chat, fewer columns fit: the ones a reader compares first (the run view has them all).
CHAT_COLUMNS = {
    "resample_importance": ("index", "counterfactual_accuracy", "resampling_accuracy", "counterfactual_kl", "n_no_answer",
                            "text"),
}
CHAT_WIDTH = 6  # columns at most in a chat table
LABELS = {"counterfactual_accuracy": "counterfactual", "resampling_accuracy": "resampling", "forced_accuracy": "forced",
          "counterfactual_kl": "KL", "different_trajectories_fraction": "different", "n_rollouts": "rollouts",
          "n_no_answer": "no answer", "index": "#"}


def fmt(value) -> str:
    """A number as a reader wants it: 3 significant digits, never 4.978083906861741; None is n/a."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if 100 <= abs(value) < 1e7:
            return f"{value:.0f}"
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, (int, float)) or v is None for v in value):
        return f"[{fmt(value[0])}, {fmt(value[1])}]"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def escape(text: str, cell: bool = False) -> str:
    """Text shown as Markdown stays literal (`<think>` tags, `*`, a leading `#`), escaping only what
    Markdown would swallow, so the same text still reads cleanly in a plain terminal. Backticks are
    kept: summaries quote commands with them."""
    text = re.sub(r"\\(?=[!-/:-@\[-`{-~])", r"\\\\", text)  # a backslash before punctuation would escape it
    text = re.sub(r"[<*]|(?<!\w)_|_(?!\w)", lambda m: "\\" + m.group(0), text)
    text = re.sub(r"^(\s*)([#>+]|-(?= ))", r"\1\\\2", text, flags=re.M)
    text = re.sub(r"^(\s*\d+)\.(?= )", r"\1\\.", text, flags=re.M)  # "1. " would start a list
    return text.replace("|", "\\|") if cell else text


def keep_tags(text: str) -> str:
    """Markdown from an LLM keeps its formatting, but tags such as `<think>` stay visible."""
    return re.sub(r"<(?=/?[A-Za-z])", r"\\<", text)


def clip_words(text: str, width: int) -> str:
    """At most `width` characters, cut at a word boundary with an ellipsis (the whole text is in the long block)."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0]
    return (cut if len(cut) > width // 2 else text[: width - 1]) + "…"


def summary_markdown(summary: str) -> str:
    """Summary lines keep their breaks; indented lines become list items."""
    out, listing = [], False
    for line in summary.strip().splitlines():
        if not line.strip():
            continue
        if line.startswith(("  ", "\t", "- ")):
            item = line.strip().removeprefix("- ")
            out.append(("" if listing else "\n") + f"- {escape(item)}")
            listing = True
        else:
            out.append(("\n" if listing else "") + escape(line.strip()) + "  ")
            listing = False
    return "\n".join(out).rstrip()


def records(result: dict) -> list[dict] | None:
    for key in RECORD_KEYS:
        value = result.get(key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    for value in result.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    return None


def table(rows: list[dict], tool: str = "", text_width: int = 60, narrow: bool = False) -> tuple[list[str], list[list[str]]]:
    """Columns and formatted cells: an interval (X, X_low, X_high) becomes one cell "X [low, high]".
    `narrow` keeps the few columns that fit beside the chat (text last)."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    wanted = [k for k in (CHAT_COLUMNS.get(tool) if narrow else None) or COLUMNS.get(tool, ()) if k in keys] or keys
    columns = [k for k in wanted if not k.endswith(("_low", "_high")) and not isinstance(rows[0].get(k), (dict,))
               and not (isinstance(rows[0].get(k), list) and len(rows[0].get(k)) > 2)]
    if narrow and len(columns) > CHAT_WIDTH:
        text = [k for k in columns if k == "text"]
        columns = [k for k in columns if k != "text"][:CHAT_WIDTH - len(text)] + text
    cells = []
    for row in rows:
        line = []
        for k in columns:
            value = row.get(k)
            if isinstance(value, str):
                line.append(clip_words(value, text_width))
            elif f"{k}_low" in row:
                low, high = row.get(f"{k}_low"), row.get(f"{k}_high")
                line.append(fmt(value) + ("" if low is None and high is None else f" [{fmt(low)}, {fmt(high)}]"))
            else:
                line.append(fmt(value))
        cells.append(line)
    return [LABELS.get(c, c.replace("_", " ")) for c in columns], cells


def markdown_table(rows: list[dict], tool: str = "", limit: int | None = 12, text_width: int = 40,
                   narrow: bool = True) -> str:
    columns, cells = table(rows if limit is None else rows[:limit], tool, text_width, narrow)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(escape(c, cell=True) for c in row) + " |" for row in cells]
    if limit is not None and len(rows) > limit:
        lines.append(f"\n{len(rows) - limit} more rows in the run (the block below, or `parley runs show`).")
    return "\n".join(lines)


def markdown(content: dict, limit: int = 12) -> str:
    """The summary and, when the result holds records, a table of them."""
    parts = [summary_markdown(content.get("summary", ""))]
    rows = records(content.get("result") or {})
    tool = content.get("tool", "")
    if rows and tool != "split_sentences":  # its summary lists the sentences themselves
        parts.append(markdown_table(rows, tool, limit))
    return "\n\n".join(p for p in parts if p)


def numbered(sentences: list[str], start: int = 0) -> str:
    return "\n".join(f"{i}. {escape(' '.join(s.split()))}" for i, s in enumerate(sentences, start))


def long_parts(tool: str, full: dict, limit: int = 12) -> list[tuple[str, str]]:
    """(title, Markdown) blocks holding what a summary cannot: complete, never cut."""
    parts = []
    cot = full.get("cot") if isinstance(full.get("cot"), str) else full.get("text") if isinstance(full.get("text"), str) else None
    if cot:
        parts.append((f"Chain of thought ({len(cot)} characters)", escape(cot).replace("\n", "  \n")))
    sentences = full.get("sentences")
    if isinstance(sentences, list) and sentences:
        texts = [s if isinstance(s, str) else s.get("text", "") for s in sentences]
        parts.append((f"All {len(texts)} sentences" if len(texts) > 1 else "The one sentence", numbered(texts)))
    rows = records({k: v for k, v in full.items() if k != "sentences"})
    if rows and len(rows) > limit:
        parts.append((f"All {len(rows)} rows", markdown_table(rows, tool, None, text_width=60)))
    return parts
