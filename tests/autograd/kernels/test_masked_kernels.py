"""The masked-selection kernel behind backward rules: equal to ``np.where(mask, g, 0)``."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import autograd
from autograd.kernels.masked import select_or_zero
from autograd.ops._table import _SELECT_KERNEL_MIN_SIZE, select_grad


def _poisoned(rng, shape, dtype):
    g = rng.standard_normal(shape).astype(dtype)
    flat = g.reshape(-1)
    flat[::7] = np.inf
    flat[3::11] = -np.inf
    flat[5::13] = np.nan
    return g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_select_or_zero_equals_where_with_inf_and_nan(dtype):
    rng = np.random.default_rng(0)
    g = _poisoned(rng, (6, 5, 7, 3), dtype)
    mask = rng.random(g.shape) < 0.5
    out = select_or_zero(mask, g)
    assert out.dtype == g.dtype and out.shape == g.shape
    np.testing.assert_array_equal(out, np.where(mask, g, 0))
    # Entries the mask drops are exactly 0 (not NaN from inf * 0), with no sign.
    assert not np.signbit(out[~mask]).any() and (out[~mask] == 0).all()


def test_select_or_zero_non_contiguous_inputs():
    rng = np.random.default_rng(1)
    g = _poisoned(rng, (8, 9, 10), np.float64).transpose(2, 0, 1)[:, ::2]
    mask = (rng.random((10, 9, 8)) < 0.3).transpose(0, 2, 1)[:, ::2]
    assert mask.shape == g.shape
    np.testing.assert_array_equal(select_or_zero(mask, g), np.where(mask, g, 0))


@pytest.mark.parametrize("size", [_SELECT_KERNEL_MIN_SIZE - 1, _SELECT_KERNEL_MIN_SIZE, 5000])
def test_select_grad_same_result_on_both_paths(size):
    rng = np.random.default_rng(2)
    g = _poisoned(rng, (size,), np.float32)
    mask = rng.random(size) < 0.5
    out = select_grad(mask, g)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.where(mask, g, 0))


def test_select_grad_broadcast_mask_keeps_numpy_semantics():
    g = np.arange(2048.0).reshape(2, 1024)
    mask = np.array([[True], [False]])
    np.testing.assert_array_equal(select_grad(mask, g), np.where(mask, g, 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_large_input_inf_nan_upstream(dtype):
    # Large enough for the compiled kernel: zero where the output is 0 (input <= 0, including
    # -0.0) even for inf/NaN upstream; through where the input is positive or NaN.
    rng = np.random.default_rng(3)
    xa = rng.standard_normal(4096).astype(dtype)
    xa[:4] = [0.0, -0.0, np.nan, np.inf]
    ga = _poisoned(rng, xa.shape, dtype)
    x = autograd.tensor(xa, requires_grad=True)
    autograd.relu(x).backward(autograd.tensor(ga))
    expected = np.where(~(np.maximum(xa, 0) <= 0), ga, 0)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert x.grad.numpy()[2] == ga[2] or np.isnan(ga[2])


def test_relu_backward_matches_torch_large():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    xa = rng.standard_normal((16, 8, 6, 6)).astype(np.float32)
    xa.reshape(-1)[::17] = np.nan
    ga = _poisoned(rng, xa.shape, np.float32)
    x = autograd.tensor(xa, requires_grad=True)
    autograd.relu(x).backward(autograd.tensor(ga))
    xt = torch.tensor(xa, requires_grad=True)
    torch.relu(xt).backward(torch.tensor(ga))
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("path", ["kernel", "numpy"])
def test_relu_backward_loop_is_the_selection(dtype, path):
    from autograd.kernels import masked

    rng = np.random.default_rng(9)
    y = np.maximum(rng.standard_normal(3000), 0).astype(dtype)
    y[:3] = [np.nan, np.inf, -0.0]
    g = _poisoned(rng, (3000,), dtype)
    out = np.empty_like(g)
    loop = masked._relu_backward_flat if path == "kernel" else masked._relu_backward_flat_numpy
    loop(y, g, out)
    np.testing.assert_array_equal(out, np.where(y != 0, g, 0))
    assert not np.signbit(out[y == 0]).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("version", ["parallel", "serial", "numpy"])
def test_relu_loops_are_numpys_maximum_and_the_selection(dtype, version):
    # The parallel machine code (large arrays), its serial twin (smaller ones) and the NumPy
    # stand-in give the same bits: NaN kept, -0.0 and -inf to +0.0; g where y != 0.
    from autograd.kernels import masked

    rng = np.random.default_rng(11)
    x = rng.standard_normal(5000).astype(dtype)
    x[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-30]
    g = _poisoned(rng, (5000,), dtype)
    forward, backward = masked._relu_forward_flat, masked._relu_backward_flat
    if version == "numpy":
        forward, backward = masked._relu_forward_flat_numpy, masked._relu_backward_flat_numpy
    elif not numba.config.DISABLE_JIT:
        attr = "dispatcher" if version == "parallel" else "serial"
        forward, backward = getattr(forward, attr), getattr(backward, attr)
    y = np.empty_like(x)
    forward(x, y)
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert not np.signbit(y[y == 0]).any()
    out = np.empty_like(g)
    backward(y, g, out)
    np.testing.assert_array_equal(out, np.where(y != 0, g, 0))


def test_relu_forward_leaves_small_strided_and_other_dtypes_to_numpy():
    from autograd.kernels import masked

    n = masked.RELU_KERNEL_MIN_SIZE
    assert masked.relu_forward(np.ones(n - 1, np.float32)) is None
    assert masked.relu_forward(np.ones(2 * n, np.float32)[::2]) is None
    assert masked.relu_forward(np.ones(n, np.float16)) is None
    assert masked.relu_forward(np.ones(n, np.int32)) is None
    x = -np.ones((2, n // 2), np.float32)
    assert masked.relu_forward(x).shape == x.shape


def test_relu_backward_leaves_small_and_mismatched_operands_to_the_selection():
    from autograd.kernels import masked

    n = masked.RELU_KERNEL_MIN_SIZE
    y = np.ones(n, np.float32)
    assert masked.relu_backward(y[: n - 1], np.ones(n - 1, np.float32)) is None
    assert masked.relu_backward(y, np.ones(n, np.float64)) is None
    assert masked.relu_backward(y, np.ones((2, n // 2), np.float32)) is None
    assert masked.relu_backward(np.ones(2 * n, np.float32)[::2], np.ones(n, np.float32)) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_gradient_of_a_large_activation(dtype):
    rng = np.random.default_rng(10)
    x0 = rng.standard_normal((4, 8, 48, 48)).astype(dtype)  # 73 728 values: the one-pass loop
    x0.reshape(-1)[:4] = [0.0, -0.0, np.nan, 1e-30]
    x = autograd.tensor(x0, requires_grad=True)
    y = autograd.relu(x)
    g = _poisoned(rng, x0.shape, dtype)
    y.backward(autograd.tensor(g))
    y0 = np.maximum(x0, 0)
    np.testing.assert_array_equal(y.detach().numpy(), y0)
    np.testing.assert_array_equal(x.grad.numpy(), np.where(y0 != 0, g, 0))
