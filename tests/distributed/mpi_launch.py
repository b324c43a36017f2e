"""Launching the ``mpi_*.py`` scripts of this directory under ``mpiexec`` (tests skip without
``mpiexec`` or mpi4py)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TIMEOUT = 300  # seconds: a guard against a hang, far above the normal run time


def mpiexec() -> str | None:
    """The ``mpiexec`` next to this Python (the ``mpich`` wheel's), else the one on PATH."""
    sibling = Path(sys.executable).with_name("mpiexec")
    return str(sibling) if sibling.exists() else shutil.which("mpiexec")


def skip_without_mpi() -> None:
    if mpiexec() is None or importlib.util.find_spec("mpi4py") is None:
        pytest.skip("needs mpiexec and mpi4py: pip install -e '.[distributed]'")


def clean_env() -> dict:
    """One thread per process (two ranks share the machine) and this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_"))}
    env.update(PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")  # fmt: skip
    return env


def launch(script: str, *args: str, n: int = 2) -> subprocess.CompletedProcess:
    skip_without_mpi()
    cmd = [mpiexec(), "-n", str(n), sys.executable, str(HERE / script), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=TIMEOUT, env=clean_env(), cwd=ROOT
    )


def run_and_load(script: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = str(tmp_path_factory.mktemp(Path(script).stem) / "result")
    proc = launch(script, out)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    return [json.loads(Path(f"{out}.{rank}.json").read_text()) for rank in range(2)]
