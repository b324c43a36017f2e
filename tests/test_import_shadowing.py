"""``autograd`` is also HIPS autograd's import name: whichever of the two shadows the other,
importing numbagrad's packages says so plainly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fake_hips(tmp_path: Path) -> Path:
    pkg = tmp_path / "site" / "autograd"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .numpy_boxes import *  # noqa\n")
    (pkg / "numpy_boxes.py").write_text("grad = None\n")
    return tmp_path / "site"


def _run(code: str, pythonpath: list[Path], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, pythonpath)))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_nn_and_optim_name_the_shadowing_package(tmp_path):
    site = _fake_hips(tmp_path)
    # The other package comes first on sys.path; numbagrad's nn and optim come after it.
    for pkg in ("nn", "optim"):
        done = _run(f"import {pkg}", [site, ROOT], cwd=tmp_path)
        assert done.returncode != 0
        assert "ImportError" in done.stderr
        assert "HIPS autograd" in done.stderr and "virtual environment" in done.stderr
        assert "cannot import name 'Tensor'" not in done.stderr


def test_numbagrad_autograd_warns_when_it_shadows_another(tmp_path):
    site = _fake_hips(tmp_path)
    done = _run("import autograd; print(autograd.__numbagrad__)", [ROOT, site], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert "shadows another package named autograd" in done.stderr
    assert str(site / "autograd") in done.stderr


def test_no_warning_without_another_package(tmp_path):
    done = _run("import autograd, nn, optim", [ROOT], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "shadows" not in done.stderr
