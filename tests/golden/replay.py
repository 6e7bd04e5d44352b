"""Run a golden group's calls and reduce each result to what must not change."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from tests.golden.cases import GROUPS

# A projection of 0.05 is a sum of products of activations many times larger: another CPU's kernels
# (AVX-512 with AMX against AVX2) sum them in another order and move it by 5e-5 of its value.
TOLERANCE = 1e-4
ABSOLUTE = 1e-6  # near zero: a projection of 1e-8 on one CPU is -1e-8 on another
FILES = Path(__file__).resolve().parent / "files"
# Sampling from tiny-random's near-uniform distribution can flip a token where two kernels' logits
# straddle the draw; what follows the flip is then other text. The result a CPU kind gives there is
# recorded beside the main file as variants/<name>.<cpu kind>.json, and either one passes.
VARIANTS = FILES / "variants"
RUN_ID = re.compile(r"\d{8}-\d{6}-[a-z_]+-[0-9a-f]{4,}")
# Wall-clock numbers vary from run to run: keys that hold them, and "12.3 s"-style text.
TIME_KEYS = {"seconds", "load_model_s", "build_s", "train_s", "elapsed_s", "timings", "wall_s", "time_s"}
TIME_TEXT = re.compile(r"\b\d+(?:\.\d+)? ?(?:s|ms|min|seconds)\b")


def _round(value):
    """Floats to 12 significant digits: equal results written twice agree exactly at this width."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: ("<time>" if k in TIME_KEYS else _round(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


def _scrub(value, names: dict[str, str], home: str):
    if isinstance(value, str):
        value = value.replace(home, "<home>")
        value = RUN_ID.sub(lambda m: f"<run:{names.get(m.group(0), '?')}>", value)
        return TIME_TEXT.sub("<time>", value)
    if isinstance(value, dict):
        return {k: _scrub(v, names, home) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names, home) for v in value]
    return value


def replay(group: str, home: Path) -> dict[str, dict]:
    """Run every call of `group` in order (run references filled in); name -> reduced result."""
    from backends.core.runstore import RunStore
    from backends.core.settings import get_settings
    from backends.subject.embedder import clear_cache
    from tools import run_tool

    clear_cache()  # embeddings kept from earlier calls in this process would differ in their last bits
    ids: dict[str, str] = {}
    out: dict[str, dict] = {}
    for name, tool, args in GROUPS[group]:
        args = {k: (ids[v[1:]] if isinstance(v, str) and v.startswith("$") else v) for k, v in args.items()}
        result = run_tool(tool, args)
        ids[name] = result.run_id
        names = {run_id: n for n, run_id in ids.items()}
        full = RunStore(get_settings().runs_dir).get(result.run_id).results
        reduced = _scrub(_round({"status": result.status, "summary": result.summary, "result": result.result,
                                 "plot": result.plot}), names, str(home))
        reduced["full"] = _scrub(_round(full), names, str(home))
        out[name] = reduced
    return out


def differences(got, want, where: str = "") -> list[str]:
    """Where `got` departs from `want`: structure and text exactly, floats to a relative 1e-4 (1e-6 near zero).

    Another build of the numeric libraries moves float32 results in their last bits (a LoRA loss by
    1e-7 of its value, an embedding similarity by 1e-6, a small projection by 5e-5); a change of method
    moves them by far more.
    Text (summaries, sampled tokens) must match exactly: on a CPU with other vector kernels a draw from
    tiny-random's near-uniform distribution can flip, and that CPU's result is then recorded as a variant."""
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        same = math.isclose(got, want, rel_tol=TOLERANCE, abs_tol=ABSOLUTE) or math.isnan(got) and math.isnan(want)
        return [] if same else [f"{where}: {got!r} != {want!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if got.keys() != want.keys():
            return [f"{where}: keys {sorted(got.keys() ^ want.keys())} differ"]
        return [d for k in want for d in differences(got[k], want[k], f"{where}.{k}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in differences(g, w, f"{where}[{i}]")]
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


def path(name: str) -> Path:
    return FILES / f"{name}.json"


def recordings(name: str) -> list[Path]:
    """The main recording of `name`, then the variants recorded on other kinds of CPU."""
    return [path(name), *sorted(VARIANTS.glob(f"{name}.*.json"))]


def departures(got, name: str) -> list[str]:
    """[] when `got` matches any recording of `name`; else where it departs from the main one."""
    found = [differences(got, json.loads(p.read_text())) for p in recordings(name)]
    return [] if not all(found) else found[0]
