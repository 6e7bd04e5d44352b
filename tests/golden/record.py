"""Record the golden files: `python -m tests.golden.record [group ...]` (all groups by default).

Run it only on purpose: when a change is meant to alter numbers (say so in the commit)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from tests.golden.cases import GROUPS
from tests.golden.replay import FILES, path, replay


def main(groups: list[str]) -> None:
    from backends.core.settings import Settings

    FILES.mkdir(exist_ok=True)
    os.environ.setdefault("PARLEY_MODEL_CACHE", str(Settings().models_dir))  # the user's converted models
    for group in groups or list(GROUPS):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "parley-home"
            os.environ["PARLEY_HOME"] = str(home)
            os.environ["PARLEY_CONFIG"] = str(Path(tmp) / "no-config.toml")
            for name, reduced in replay(group, home).items():
                path(name).write_text(json.dumps(reduced, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
                print(f"{group}: {name}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
