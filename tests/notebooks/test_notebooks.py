"""The newcomer path runs: every notebook end to end, and ``python -m bench --quick --only train``.

Notebooks run in a fresh ``python3`` kernel (nbclient) from the ``notebooks/`` directory with the
repository on ``PYTHONPATH`` and matplotlib's non-interactive Agg backend. A failing cell fails
the test with that cell's source and traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds for any one cell; each notebook is sized for well under two minutes
BENCH_TIMEOUT = 600
MIN_BENCH_ACCURACY = 0.97


def _env() -> dict[str, str]:
    """The current environment, with the repository importable and plots drawn off-screen."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def test_notebooks_exist():
    numbers = [p.name[:3] for p in NOTEBOOKS]
    expected = [f"{i:02d}_" for i in range(1, 14)]
    assert numbers[:13] == expected, f"expected notebooks 01_ to 13_ in {NOTEBOOK_DIR}: {numbers}"


def test_notebooks_are_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name}: cell {i} has stored outputs"
                assert cell.execution_count is None, f"{path.name}: cell {i} has a count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from nbclient.exceptions import CellExecutionError

    for key, value in _env().items():
        monkeypatch.setenv(key, value)  # the kernel process inherits this environment
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)


def test_bench_quick_train_reaches_accuracy():
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "train"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"python -m bench --quick --only train failed:\n{output[-4000:]}"
    match = re.search(r"numbagrad: test accuracy ([0-9.]+)", output)
    assert match, f"no 'numbagrad: test accuracy' line in the output:\n{output[-4000:]}"
    accuracy = float(match.group(1))
    assert accuracy >= MIN_BENCH_ACCURACY, f"test accuracy {accuracy} < {MIN_BENCH_ACCURACY}"
