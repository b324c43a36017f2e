"""Shared test configuration: Hypothesis profiles and the PyTorch oracle fixture.

Profiles: ``ci`` (thorough; the default when the ``CI`` environment variable is set, as in
.ci/run), ``dev`` (quick, the default locally) and ``fuzz`` (long: tens of thousands of random
programs in ``tests/fuzz``). Choose one with ``HYPOTHESIS_PROFILE=ci`` (or ``fuzz``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# What every profile shares: no per-example deadline (the first call of an op compiles its Numba
# kernels), and large or slow draws are expected.
_BASE = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("ci", _BASE, max_examples=40, derandomize=True, print_blob=True)
settings.register_profile("dev", _BASE, max_examples=10)
settings.register_profile(
    "fuzz",
    _BASE,
    max_examples=2500,
    # Hypothesis derandomizes when CI is set at all (even empty); a long run draws new programs.
    derandomize=False,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# No test run (nor a process a test starts) leaves a worker compiling kernels after it exits;
# tests/autograd/kernels/test_compile_elsewhere.py turns it on where it is the subject.
os.environ["AUTOGRAD_COMPILE_ELSEWHERE"] = "0"

# Collection parses every test module (pytest rewrites their asserts) while ``import autograd``'s
# warm-start thread may still be loading Numba, which parses source too. CPython 3.11 keeps the
# AST constructor's recursion depth per interpreter, not per thread, and two threads at it can
# fail collection with "SystemError: AST constructor recursion depth mismatch". The run starts
# once that thread is done; the kernels it did not load load on first call, as ever.
from autograd.kernels import _jit  # noqa: E402

_jit._wait_for_warm_start()


@pytest.fixture
def torch():
    """The PyTorch module, or skip the test when it is not installed."""
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


@pytest.fixture(autouse=True)
def _seed():
    import autograd

    autograd.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(autouse=True)
def _planned_kernels_at_once(monkeypatch):
    """Tests run the kernels a path plan names from the first call; no other path stands in for
    kernels not compiled yet (tests/autograd/kernels/test_jit.py tests that rule)."""
    from autograd.kernels import _jit

    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def _parallel_kernels_at_once(request, monkeypatch):
    """Kernel tests (tests/autograd/kernels) run a parallel kernel's own machine code on large
    arrays from the first call, instead of after its serial twin has run a while."""
    if "kernels" in request.node.path.parent.parts[-1:]:
        from autograd.kernels import _jit

        monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 0.0)
