"""The folder tree is the architecture: imports point down the pipeline (pyproject's import-linter contract)."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_imports_point_down_the_pipeline():
    pytest.importorskip("importlinter", reason="import-linter is not installed (pip install -e '.[test]')")
    # Through this interpreter, not the lint-imports script: in a CI virtualenv the script on PATH
    # may be another Python's shim.
    run = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    done = subprocess.run([sys.executable, "-c", run], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_every_module_lives_in_a_package_named_for_its_stage():
    loose = sorted(p.name for p in (ROOT / "worker").glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules outside the pipeline's packages: {loose}"
