"""The folder tree is the architecture: imports point down the pipeline (pyproject's import-linter contract)."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_imports_point_down_the_pipeline():
    lint = shutil.which("lint-imports") or pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": str(pathlib.Path(sys.executable).parent)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_every_module_lives_in_a_package_named_for_its_stage():
    loose = sorted(p.name for p in (ROOT / "worker").glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules outside the pipeline's packages: {loose}"
