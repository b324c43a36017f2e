"""Our own PyTorch programs, ported by ``python -m autograd.port``.

Each program under ``programs/`` is kept in its PyTorch form. For each one the test ports it
(the report must be empty), runs the ported copy under numbagrad, and -- when PyTorch is
installed -- runs the original under PyTorch and compares what the two print line by line:
text exactly, integers exactly, floats to a relative 1e-5 (float32; 1e-8 for the programs that
compute in float64). A line that begins with "sampled" reports numbers drawn from the
library's own random generator, which PyTorch's and numbagrad's do not share: only its text
is compared. The programs draw their data and initial weights from NumPy
generators with fixed seeds and hand them to either library the same way, so the two runs
compute the same numbers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograd.port import main as port_main

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
TIMEOUT = 300  # seconds per run; the first run on a machine also compiles the Numba kernels


@dataclass(frozen=True)
class Program:
    """A program and how it is run."""

    name: str
    # Argument lists for successive runs in one working directory (e.g. train, then resume).
    runs: tuple[tuple[str, ...], ...] = ((),)
    rtol: float = 1e-5
    needs: tuple[str, ...] = ()  # modules the program imports besides torch and numpy


CASES = [
    # Dropout is off while training (its masks come from each library's own generator); the
    # model still holds its Dropout layers, and evaluation runs them in eval mode.
    Program(
        "mnist_cnn",
        runs=(("--epochs", "2", "--dropout", "0"), ("--epochs", "3", "--resume", "--dropout", "0")),
        needs=("sklearn",),
    ),
    Program("char_gpt"),
    Program("custom_function"),
    Program("wgan_gp"),
    Program("lstm_lbfgs", rtol=1e-8),  # float64 throughout
    Program("data_pipeline"),
    Program("autograd_tutorial"),
    Program("nn_tutorial", needs=("sklearn",)),
    Program("vae", needs=("sklearn",)),
    Program("regression"),
    Program("hooks_tutorial"),
    Program("vae_distributions"),
    Program("resnet_checkpoint"),
    Program("least_squares", rtol=1e-8),  # float64 throughout
]
BY_NAME = {case.name: case for case in CASES}

SAMPLED = "sampled"  # a line reporting draws from the library's own generator
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)\b")
# Node names end in a number: PyTorch numbers overloads (<MulBackward0>, <MaxBackward1>),
# numbagrad always writes 0; the names are compared without it.
_NODE_NUMBER = re.compile(r"(\w+Backward)\d+>")


def _run(script: Path, args: tuple[str, ...], cwd: Path, numbagrad: bool) -> str:
    env = dict(os.environ)
    if numbagrad:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    else:  # the programs are small: PyTorch's spinning worker threads would only cost time
        env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    which = "ported program under numbagrad" if numbagrad else "original under PyTorch"
    assert done.returncode == 0, f"{script.name} {' '.join(args)} ({which}) failed:\n{done.stderr}"
    return done.stdout


def _run_all(script: Path, case: Program, cwd: Path, numbagrad: bool) -> list[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    return [line for args in case.runs for line in _run(script, args, cwd, numbagrad).splitlines()]


@dataclass(frozen=True)
class Ported:
    report: str  # what the porting tool wrote to stderr
    lines: list[str]  # what the ported program printed


@pytest.fixture(scope="module")
def ported(tmp_path_factory):
    """Port and run each program once; both tests of a program read the same result."""
    cache: dict[str, Ported] = {}

    def get(name: str) -> Ported:
        for module in BY_NAME[name].needs:
            pytest.importorskip(module)
        if name not in cache:
            work = tmp_path_factory.mktemp(name)
            out = work / f"{name}.py"
            report = io.StringIO()
            with contextlib.redirect_stderr(report):
                status = port_main([str(PROGRAMS / f"{name}.py"), "-o", str(out)])
            assert status == 0, f"the porting tool reported gaps:\n{report.getvalue()}"
            # Nothing may reach the real PyTorch: the ported run must be numbagrad's alone.
            assert not re.search(r"^\s*(import|from)\s+torch\b", out.read_text(), re.M)
            lines = _run_all(out, BY_NAME[name], work / "numbagrad", numbagrad=True)
            cache[name] = Ported(report.getvalue(), lines)
        return cache[name]

    return get


def assert_same_output(ours: list[str], theirs: list[str], rtol: float) -> None:
    """Line by line: the text between numbers equal, integers equal, floats within tolerance."""
    assert len(ours) == len(theirs), (
        f"{len(ours)} lines printed, PyTorch printed {len(theirs)}:\n"
        + "\n".join(ours) + "\n--- PyTorch ---\n" + "\n".join(theirs)
    )  # fmt: skip
    for n, (a, b) in enumerate(zip(ours, theirs), start=1):
        a, b = _NODE_NUMBER.sub(r"\1>", a), _NODE_NUMBER.sub(r"\1>", b)
        where = f"line {n}:\n  numbagrad: {a}\n  PyTorch:   {b}"
        assert _NUMBER.split(a) == _NUMBER.split(b), where
        if a.startswith(SAMPLED):
            continue
        for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
            if not any(c in x + y for c in ".eEin"):
                assert int(x) == int(y), where
            else:
                assert float(x) == pytest.approx(float(y), rel=rtol, abs=0.0, nan_ok=True), where


def test_every_program_is_run():
    assert sorted(p.stem for p in PROGRAMS.glob("*.py")) == sorted(BY_NAME)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_program_ports_and_runs(name, ported):
    result = ported(name)
    assert result.report == "0 finding(s): the program ports by its imports\n"
    assert len(result.lines) >= 5, "\n".join(result.lines)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_program_prints_what_pytorch_prints(name, ported, tmp_path):
    pytest.importorskip("torch")
    case = BY_NAME[name]
    theirs = _run_all(PROGRAMS / f"{name}.py", case, tmp_path / "torch", numbagrad=False)
    assert_same_output(ported(name).lines, theirs, case.rtol)


def test_comparison_catches_differences():
    same = ["step 1 loss 2.00000000e+00 [True, False]"]
    assert_same_output(same, ["step 1 loss 2.00001000e+00 [True, False]"], 1e-5)
    for other in (
        "step 1 loss 2.00003000e+00 [True, False]",  # a float beyond the tolerance
        "step 2 loss 2.00000000e+00 [True, False]",  # an integer
        "step 1 loss 2.00000000e+00 [True, True]",  # the text
    ):
        with pytest.raises(AssertionError):
            assert_same_output(same, [other], 1e-5)
    with pytest.raises(AssertionError):
        assert_same_output(same, same * 2, 1e-5)
    assert_same_output(["grad_fn=<MulBackward>)"], ["grad_fn=<MulBackward0>)"], 1e-5)
    # A line of draws from each library's own generator: its numbers may differ, its text not.
    assert_same_output(["sampled step 1 loss 2.5"], ["sampled step 3 loss 7.25"], 1e-5)
    with pytest.raises(AssertionError):
        assert_same_output(["sampled step 1 loss 2.5"], ["sampled step 1 cost 2.5"], 1e-5)
