"""Tests for autograd/kernels/_jit.py: thread controls and thread safety of parallel kernels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from autograd.kernels import _jit, get_num_threads, set_num_threads


def test_threading_layer_is_chosen_deliberately():
    if "NUMBA_THREADING_LAYER" not in os.environ:
        assert numba.config.THREADING_LAYER == "workqueue"


def test_set_num_threads_round_trip():
    before = get_num_threads()
    try:
        set_num_threads(1)
        assert get_num_threads() == 1
        set_num_threads(10_000)  # clipped to the threads Numba launched
        assert get_num_threads() == numba.config.NUMBA_NUM_THREADS
    finally:
        set_num_threads(before)


def test_set_num_threads_limits_blas():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = get_num_threads()
    try:
        set_num_threads(1)
        blas = threadpoolctl.threadpool_info()
        assert all(lib["num_threads"] == 1 for lib in blas if lib["user_api"] == "blas")
    finally:
        set_num_threads(before)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_set_num_threads_errors(bad, error):
    with pytest.raises(error, match="set_num_threads"):
        set_num_threads(bad)


def test_parallel_kernels_keep_their_python_function():
    from autograd.kernels import _conv_gemm

    assert callable(getattr(_conv_gemm._im2col, "py_func", None))


CONCURRENT = r"""
import threading
import numpy as np
from autograd.kernels import pool

x = np.random.default_rng(0).standard_normal((64, 16, 32, 32))
expected = pool.avg_pool2d_forward(x, 2)
errors = []

def work():
    for _ in range(20):
        if not np.array_equal(pool.avg_pool2d_forward(x, 2), expected):
            errors.append("mismatch")

threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
print("ok")
"""


def test_parallel_kernels_from_many_python_threads():
    # Numba's workqueue layer aborts the process on concurrent entry; _jit serializes it.
    root = Path(__file__).resolve().parents[3]
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


def test_jit_without_source_file_compiles_uncached():
    namespace: dict = {"jit": _jit.jit}
    exec("@jit\ndef double(v):\n    return 2 * v\n", namespace)
    assert namespace["double"](21) == 42
