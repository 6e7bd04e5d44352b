"""Measured generation speed per (model, device), for the time in a pre-flight estimate.

A small JSON file in the data dir (HOME/speed.json). Tools that sample record what they
generated once a run finishes (tokens and the seconds it took); a pre-flight check reads
it back to turn a token count into a time. Nothing is guessed: with no measurement for
the model and device the estimate says the time is unknown.

Two kinds are kept apart: `rollouts` (a sampler's batched continuations, as the resampling
tools draw them) and `generate` (one sequence, as `generate_cot` samples it); batched
rollouts reach many more tokens a second. Reading is cheap: json only, no torch.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

SPEED_FILE = "speed.json"
KINDS = ("rollouts", "generate")
MIN_SECONDS = 1.0  # shorter measurements (a warm cache, a handful of tokens) say little


def speed_path(home: Path) -> Path:
    return Path(home) / SPEED_FILE


def device_name(device) -> str:
    """"cuda:0" -> "cuda": what a device setting names."""
    return str(device).split(":")[0]


def sampler_device(settings, model: str | None = None) -> str | None:
    """Where a model's rollouts are generated, as far as settings tell without loading anything:
    its completions server, an explicit device, or (device auto) what auto resolved to when last measured."""
    from backends.subject.placement import placement_of

    placement = placement_of(settings, model)
    if placement.backend == "server":
        return server_name(settings, placement.base_url)
    return local_device(settings)


def server_name(settings, base_url: str | None = None) -> str:
    """A sampler server as speed.json keys it: its URL without a password (speed.json is redacted)."""
    from backends.core.redaction import scrub

    return f"server {scrub(base_url or settings.sampler_base_url or '')}"


def local_device(settings) -> str | None:
    if settings.device != "auto":
        return settings.device
    return _load(settings.home).get("auto_device")


def _load(home: Path) -> dict:
    try:
        data = json.loads(speed_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(settings, model: str, device: str, tokens: int, seconds: float, kind: str = "rollouts") -> dict | None:
    """Keep the speed a finished run measured (the latest one per model, device and kind).

    Never raises: a failure to write costs the next estimate its time, not the run."""
    if kind not in KINDS or tokens <= 0 or seconds < MIN_SECONDS:
        return None
    try:
        from backends.core.runstore import write_json_atomic

        data = _load(settings.home)
        device = device if str(device).startswith("server ") else device_name(device)
        entry = {"tokens_per_s": round(tokens / seconds, 2), "tokens": int(tokens), "seconds": round(seconds, 3),
                 "measured": time.strftime("%Y-%m-%dT%H:%M:%S")}
        data.setdefault("speeds", {}).setdefault(f"{model} on {device}", {"model": model, "device": device})[kind] = entry
        if settings.device == "auto" and not device.startswith("server "):
            data["auto_device"] = device  # so a pre-flight under device auto knows where runs go
        path = speed_path(settings.home)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, data)
        return entry
    except Exception:
        return None


def measured(settings, model: str, device: str | None, kind: str = "rollouts") -> dict | None:
    """{"tokens_per_s", "kind", "model", "device", ...} measured for this model and device; the other
    kind when this one was never measured; None when nothing was."""
    if device is None:
        return None
    key = device if device.startswith("server ") else device_name(device)
    entry = _load(settings.home).get("speeds", {}).get(f"{model} on {key}") or {}
    for k in (kind, *[k for k in KINDS if k != kind]):
        found = entry.get(k)
        if isinstance(found, dict) and (found.get("tokens_per_s") or 0) > 0:
            return {**found, "kind": k, "model": model, "device": key}
    return None


def about(n: int) -> str:
    """57344 -> "57,000": two significant figures, a count's size at a glance."""
    if n < 1000:
        return str(n)
    return f"{round(n, 2 - len(str(n))):,}"


def sampling_preflight(settings, model: str, what: str, rollouts: int, tokens: int, warnings=(), blocking=None,
                       kind: str = "rollouts", per: str = "") -> dict:
    """A pre-flight answer for a tool that samples: `what` (the count in words), the tokens, the time.
    `per` (" per sentence") when the total depends on what is only known once the run starts."""
    when, seconds = time_estimate(settings, model, tokens, kind, per=per)
    return {"estimate": f"{what} (~{about(tokens)} tokens{per}); {when}", "warnings": list(warnings), "blocking": blocking,
            "numbers": {"rollouts": rollouts, "tokens": tokens, "seconds": seconds, **({"per": per.strip()} if per else {})}}


def duration(seconds: float) -> str:
    """"40 s", "6 min", "1.5 h"."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def time_estimate(settings, model: str, tokens: int, kind: str = "rollouts", device: str | None = None,
                  per: str = "") -> tuple[str, float | None]:
    """("about 6 min at 160 tokens/s measured on smollm2-135m, cpu", 356.0), or the time unknown."""
    device = device if device is not None else (sampler_device(settings, model) if kind == "rollouts"
                                                else local_device(settings))
    speed = measured(settings, model, device, kind)
    if speed is None:
        return "time unknown until a first run on this model", None
    seconds = tokens / speed["tokens_per_s"]
    note = "" if speed["kind"] == kind else (
        " (one-sequence speed: batched rollouts are usually faster)" if kind == "rollouts" else " (batched rollout speed)")
    return (f"about {duration(seconds)}{per} at {speed['tokens_per_s']:.0f} tokens/s measured on {model}, "
            f"{speed['device']}{note}", seconds)


class MeteredSampler:
    """A sampler that counts the tokens it generated and the seconds it spent, for `record`."""

    def __init__(self, sampler):
        self.sampler, self.tokens, self.seconds = sampler, 0, 0.0

    def __getattr__(self, name):
        return getattr(self.sampler, name)

    def sample(self, prefix: str, n: int, params, **options):
        started = time.perf_counter()
        rollouts = self.sampler.sample(prefix, n, params, **options)
        self.seconds += time.perf_counter() - started
        self.tokens += sum(r.n_tokens for r in rollouts)
        return rollouts

    def sample_many(self, requests, **options):
        from backends.subject.sampling import sample_many

        started = time.perf_counter()
        batches = sample_many(self.sampler, requests, **options)
        self.seconds += time.perf_counter() - started
        self.tokens += sum(r.n_tokens for rollouts in batches for r in rollouts)
        return batches

    def where(self, settings, model: str | None) -> tuple[str, str]:
        """(model name, device) the rollouts ran on."""
        handle = getattr(self.sampler, "handle", None)
        if handle is not None:
            return handle.name, device_name(handle.device)
        return model or settings.model, server_name(settings, getattr(self.sampler, "base_url", None))

    def record(self, settings, model: str | None) -> dict | None:
        name, device = self.where(settings, model)
        return record(settings, name, device, self.tokens, self.seconds, "rollouts")


def previous_run_time(settings, tool: str, model: str, work: Callable[[dict], float] | None = None,
                      work_now: float | None = None) -> tuple[str, float | None]:
    """For tools whose time is not decoding (training, forward passes): the time of the newest
    complete run of `tool` on `model` (on this device when known), scaled by `work(params)` when
    given; or the time unknown. Reads run.json files only."""
    from backends.core.runstore import RunStore

    device = local_device(settings)
    for run in RunStore(settings.runs_dir).list(tool=tool):
        meta = run.meta
        info = meta.get("model") or {}
        timings = meta.get("timings") or {}
        if meta.get("status") != "complete" or info.get("name") != model or not timings.get("wall_s"):
            continue
        if device is not None and info.get("device") and device_name(info["device"]) != device_name(device):
            continue
        took = max(float(timings["wall_s"]) - float(timings.get("load_model_s") or 0.0), 0.0)
        seconds, scaled = took, ""
        if work is not None and work_now is not None:
            try:
                before = float(work(meta.get("params") or {}))
            except Exception:
                before = 0.0
            if before > 0:
                seconds, scaled = took * work_now / before, f", scaled from run {run.id} ({duration(took)})"
        where = f"{model}, {device_name(info['device'])}" if info.get("device") else model
        return f"about {duration(seconds)} judging by an earlier run on {where}{scaled or f' (run {run.id})'}", seconds
    return "time unknown until a first run on this model", None
