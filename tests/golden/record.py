"""Record the golden files: `python -m tests.golden.record [group ...]` (all groups by default).

Run it only on purpose: when a change is meant to alter numbers (say so in the commit).
`python -m tests.golden.record --variant KIND [group ...]` records, on a kind of CPU whose kernels
flip a sampled token, that CPU's result of each call that departs from every recording so far as
variants/<name>.KIND.json (KIND names the CPU, e.g. amx); the main files stay as they are."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from tests.golden.cases import GROUPS
from tests.golden.replay import FILES, VARIANTS, departures, path, replay


def main(groups: list[str], variant: str | None = None) -> None:
    from backends.core.settings import Settings

    FILES.mkdir(exist_ok=True)
    VARIANTS.mkdir(exist_ok=True)
    os.environ.setdefault("PARLEY_MODEL_CACHE", str(Settings().models_dir))  # the user's converted models
    for group in groups or list(GROUPS):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "parley-home"
            os.environ["PARLEY_HOME"] = str(home)
            os.environ["PARLEY_CONFIG"] = str(Path(tmp) / "no-config.toml")
            for name, reduced in replay(group, home).items():
                if variant and not departures(reduced, name):
                    continue
                target = VARIANTS / f"{name}.{variant}.json" if variant else path(name)
                target.write_text(json.dumps(reduced, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
                print(f"{group}: {name} -> {target.relative_to(FILES)}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    kind = args[args.index("--variant") + 1] if "--variant" in args else None
    main([a for a in args if a not in ("--variant", kind)], kind)
