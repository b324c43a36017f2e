"""The kernels' exp: float32 within 2 ulps of the exact value over its whole range, the same
zeros, infinities and NaN as NumPy's, the same result compiled and in Python; float64 the C
library's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd.kernels._exp import exp
from autograd.kernels._jit import jit


@jit
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = exp(x[i])


def _exact_ulps(got: np.ndarray, x: np.ndarray) -> np.ndarray:
    # |got - exp(x)| in ulps of the float32 nearest exp(x), exp(x) in long double.
    exact = np.exp(x.astype(np.longdouble))
    spacing = np.spacing(exact.astype(np.float32)).astype(np.longdouble)
    return np.abs(got.astype(np.longdouble) - exact) / spacing


def test_float32_within_two_ulps_over_the_normal_range():
    x = np.linspace(-87.3, 88.72, 1_000_001, dtype=np.float32)
    out = np.empty_like(x)
    _exp_all(x, out)
    assert _exact_ulps(out, x).max() <= 2


def test_float32_subnormal_results_within_one_unit_of_the_last_place():
    x = np.linspace(-103.9, -87.4, 100_001, dtype=np.float32)
    out = np.empty_like(x)
    _exp_all(x, out)
    exact = np.exp(x.astype(np.longdouble))
    assert (np.abs(out.astype(np.longdouble) - exact) <= 2.0**-149).all()


def test_float32_edges_as_numpy():
    x = np.array([-np.inf, -1e30, -104.5, -0.0, 0.0, 1e-30, 88.8, 1e30, np.inf, np.nan],
                 np.float32)  # fmt: skip
    out = np.empty_like(x)
    _exp_all(x, out)
    with np.errstate(over="ignore"):
        want = np.exp(x)
    np.testing.assert_array_equal(out, want)  # NaN where NumPy has NaN
    assert out[3] == 1.0 and out[4] == 1.0


def test_python_and_compiled_agree_bit_for_bit():
    x = np.random.default_rng(0).uniform(-110, 95, 3000).astype(np.float32)
    x[:4] = [np.nan, -np.inf, np.inf, 0.0]
    out = np.empty_like(x)
    _exp_all(x, out)
    python = np.array([exp(v) for v in x], np.float32)
    np.testing.assert_array_equal(python, out)


@pytest.mark.parametrize("v", [-745.0, -1.5, 0.0, 2.0, 700.0])
def test_float64_is_the_c_library_s(v):
    out = np.empty(1)
    _exp_all(np.array([v]), out)
    assert out[0] == math.exp(v)
    assert exp(v) == math.exp(v)
