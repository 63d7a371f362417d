"""The test data's manifests (tests/data/*/manifest.yaml), read with libyaml's loader when PyYAML has it.

Every pytest-xdist worker reads them while collecting (they name the tests): the pure-Python
loader took ~0.3 s of CPU per worker for the reply corpus' alone, libyaml ~0.03 s. Both are the
safe loader and give the same data."""
from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def manifest(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
