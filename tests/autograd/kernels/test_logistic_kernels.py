"""The one-pass sigmoid kernels for small arrays: the logistic function within two ulps (inf,
NaN, extremes included), the same gradient formula, and NumPy's passes wherever they are used."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.kernels import logistic

EDGES = [-np.inf, -1e4, -750.0, -104.0, -88.0, -30.0, -1e-30, -0.0, 0.0, 1e-30, 17.0, 40.0, 1e4,
         np.inf, np.nan]  # fmt: skip


def _exact(x: np.ndarray) -> np.ndarray:
    """The logistic function in float64 (long double where it is wider), rounded to x's dtype."""
    wide = x.astype(np.longdouble)
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-wide))).astype(x.dtype)


def _values(dtype: type, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    x = (np.random.default_rng(seed).standard_normal(shape) * 12).astype(dtype)
    flat = x.reshape(-1)
    k = min(flat.size, len(EDGES))
    flat[:k] = EDGES[:k]
    return x


def _within_ulps(got: np.ndarray, want: np.ndarray, ulps: int) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    spacing = np.spacing(np.abs(want[ok]).astype(want.dtype))
    assert (np.abs(got[ok] - want[ok]) <= ulps * spacing).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("path", ["kernel", "numpy"])
def test_sigmoid_rows_is_the_logistic_function_within_two_ulps(dtype, path):
    gates = _values(dtype, (8, 256))
    x = gates[:, 64:128]  # a column slice, as chunk makes of a recurrent cell's gates
    out = np.empty(x.shape, dtype)
    fill = logistic._sigmoid_rows if path == "kernel" else logistic._sigmoid_rows_numpy
    fill(x, out)
    _within_ulps(out, _exact(x), 2)
    assert (out >= 0).all() and (out <= 1).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_backward_kernel_is_the_formula(dtype):
    rng = np.random.default_rng(1)
    y = rng.random(300).astype(dtype)
    y[:3] = [0.0, 1.0, 0.5]
    g = rng.standard_normal(300).astype(dtype)
    g[3:5] = [np.inf, np.nan]
    out = np.empty_like(y)
    logistic._sigmoid_backward_flat(g, y, out)
    np.testing.assert_array_equal(out, g * y * (1 - y))


@pytest.mark.parametrize(
    "x",
    [
        np.zeros(logistic.MAX_SIZE + 1),  # float64: NumPy's vectorized passes are faster
        np.zeros(8, np.float16),
        np.zeros((4, 6), np.float32)[:, ::2],  # last axis strided
        np.zeros((2, 3, 4), np.float32).transpose(2, 0, 1),
    ],
    ids=["large", "float16", "strided", "transposed"],
)
def test_sigmoid_leaves_to_numpy_what_it_does_not_take(x):
    assert logistic.sigmoid(x) is None


def test_sigmoid_takes_float32_arrays_of_any_size():
    # Its exp is vectorized in float32: one pass beats NumPy's five at every size.
    gates = _values(np.float32, (128, 1024))
    for x in (gates, gates[:, 256:512]):
        y = logistic.sigmoid(x)
        assert y is not None and y.flags.c_contiguous
        _within_ulps(y, _exact(x), 2)


def test_sigmoid_backward_leaves_mismatched_operands_to_numpy():
    y = np.full(4, 0.5, np.float32)
    assert logistic.sigmoid_backward(np.ones(4, np.float64), y) is None
    assert logistic.sigmoid_backward(np.ones((4, 1), np.float32), y) is None
    assert logistic.sigmoid_backward(np.ones(8, np.float32)[::2], y) is None


@pytest.mark.parametrize("shape", [(), (0,), (2, 0), (0, 3, 4), (1,), (5, 7), (3, 4, 5), (80, 64)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_autograd_sigmoid_value_and_gradient_on_small_and_large_inputs(shape, dtype):
    x0 = _values(dtype, (max(1, int(np.prod(shape))),), seed=2)[: int(np.prod(shape))]
    x0 = x0.reshape(shape)
    x = autograd.tensor(x0, requires_grad=True)
    y = autograd.sigmoid(x)
    _within_ulps(y.detach().numpy(), _exact(x0), 3)  # NumPy's passes (large) round up to 3
    g = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    y.backward(autograd.tensor(g))
    s = y.detach().numpy()
    np.testing.assert_array_equal(x.grad.numpy(), g * s * (1 - s))


def test_sigmoid_of_a_column_slice_matches_a_copy():
    gates = autograd.tensor(_values(np.float32, (8, 256), seed=4), requires_grad=True)
    i, f, g, o = gates.chunk(4, dim=1)
    y = f.sigmoid()
    _within_ulps(y.detach().numpy(), _exact(gates.detach().numpy()[:, 64:128]), 2)
    y.sum().backward()
    expected = np.zeros((8, 256), np.float32)
    s = y.detach().numpy()
    expected[:, 64:128] = s * (1 - s)
    np.testing.assert_array_equal(gates.grad.numpy(), expected)


def test_sigmoid_backward_takes_large_arrays():
    rng = np.random.default_rng(5)
    y = rng.random(3 * logistic.MAX_SIZE)
    g = rng.standard_normal(y.size)
    np.testing.assert_array_equal(logistic.sigmoid_backward(g, y), g * y * (1 - y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("path", ["kernel", "numpy"])
def test_tanh_backward_is_the_formula(dtype, path):
    rng = np.random.default_rng(6)
    y = np.tanh(rng.standard_normal(500)).astype(dtype)
    y[:3] = [-1.0, 1.0, 0.0]
    g = rng.standard_normal(500).astype(dtype)
    g[3:6] = [np.inf, -np.inf, np.nan]
    out = np.empty_like(y)
    fill = logistic._tanh_backward_flat if path == "kernel" else logistic._tanh_backward_flat_numpy
    fill(g, y, out)
    np.testing.assert_array_equal(out, g * (1 - y * y))


@pytest.mark.parametrize("shape", [(), (0,), (1,), (5, 7), (80, 64)])
def test_autograd_tanh_gradient_on_small_and_large_inputs(shape):
    x0 = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    x = autograd.tensor(x0, requires_grad=True)
    y = autograd.tanh(x)
    g = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
    y.backward(autograd.tensor(g))
    t = y.detach().numpy()
    np.testing.assert_array_equal(x.grad.numpy(), g * (1 - t * t))
    assert logistic.tanh_backward(g, t) is not None  # the one-pass loop served it
