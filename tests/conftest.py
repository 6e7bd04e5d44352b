"""Shared fixtures: a fresh data dir per test, one model cache for the whole machine.

Converting the embedded model takes ~20-40 s, so the model cache is kept where the
user's would be (or PARLEY_MODEL_CACHE when set) and reused across test runs; every
test gets its own empty PARLEY_HOME, so runs never leak between tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backends.core.settings import Settings

MODEL_CACHE = Path(os.environ.get("PARLEY_MODEL_CACHE") or Settings().models_dir)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def parley_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "parley-home"
    monkeypatch.setenv("PARLEY_HOME", str(home))
    monkeypatch.setenv("PARLEY_MODEL_CACHE", str(MODEL_CACHE))
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "no-config.toml"))
    for var in ("PARLEY_MODEL", "PARLEY_DEVICE", "PARLEY_DTYPE"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(autouse=True)
def _stop_memory_stores():
    """Each test's memory store process ends with the test (its home is the test's own)."""
    yield
    if "backends.core.memory_worker" in sys.modules:
        sys.modules["backends.core.memory_worker"].close_workers()


@pytest.fixture(scope="session")
def tiny():
    from backends.subject.models import load_model

    return load_model("tiny-random", settings=Settings(model_cache=MODEL_CACHE))


@pytest.fixture(scope="session")
def smol():
    from backends.subject.models import load_model

    return load_model("smollm2-135m", settings=Settings(model_cache=MODEL_CACHE))


def run_parley(*args: str, stdin: str | None = None, env: dict | None = None, timeout: float = 300):
    """Run the real `parley` command line in a subprocess with the test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def parley_here(*args: str) -> subprocess.CompletedProcess:
    """The same `parley` command line run in this process (typer's CliRunner), for the many cases of one check (a bad
    argument's exit code and message) where a subprocess each would spend its seconds importing torch; the real
    command in a subprocess is tests/tui/test_cli_bad_input.py's."""
    from typer.testing import CliRunner

    from tui.cli import app

    out = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), out.exit_code, out.stdout, out.stderr)


@pytest.fixture
def costly_tool():
    """A registered tool of cost `expensive`; yields the rollouts argument of each call it ran."""
    from tools import REGISTRY
    from tools.registry import ToolArgs, ToolOutput, register

    class Args(ToolArgs):
        rollouts: int = 4

    ran: list[int] = []

    @register("costly_probe_test", description="An expensive test tool.", args=Args, cost="expensive",
              examples=("run the costly probe test",))
    def costly(args, ctx) -> ToolOutput:
        ran.append(args.rollouts)
        return ToolOutput(summary=f"probed with {args.rollouts} rollouts", result={"rollouts": args.rollouts})

    yield ran
    del REGISTRY["costly_probe_test"]


@pytest.fixture
def exploding_tool():
    """A registered tool that always raises RuntimeError("boom inside the tool")."""
    from tools import REGISTRY
    from tools.registry import ToolArgs, ToolOutput, register

    class Args(ToolArgs):
        pass

    @register("explode_test", description="Always fails, for tests.", args=Args, examples=("explode the test tool",))
    def explode(args, ctx) -> ToolOutput:
        raise RuntimeError("boom inside the tool")

    yield "explode_test"
    del REGISTRY["explode_test"]
