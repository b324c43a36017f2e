"""Tests for autograd/kernels/pool.py: slow loop references, PyTorch, NaN and ties, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pool_reference import (
    ref_adaptive_windows,
    ref_avg_pool,
    ref_avg_pool_backward,
    ref_max_pool,
    ref_max_pool_backward,
    ref_output_size,
)

from autograd.kernels import pool

# --------------------------------------------------------------------------------------------
# Strategies


@st.composite
def pool_case(draw, dilation=True, ties=False):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    ceil_mode = draw(st.booleans())
    H = draw(st.integers(1, 9))
    W = draw(st.integers(1, 9))
    N, C = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    oh = ref_output_size(H, k[0], s[0], p[0], d[0], ceil_mode)
    ow = ref_output_size(W, k[1], s[1], p[1], d[1], ceil_mode)
    assume(oh >= 1 and ow >= 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if ties:
        x = rng.integers(-2, 3, size=(N, C, H, W)).astype(np.float64)
    else:
        x = rng.standard_normal((N, C, H, W))
    gy = rng.standard_normal((N, C, oh, ow))
    return x, gy, k, s, p, d, ceil_mode


# --------------------------------------------------------------------------------------------
# Output size


@settings(deadline=None, max_examples=200)
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4), st.integers(0, 3), st.booleans())
def test_pool_output_size(size, k, s, d, ceil_mode):
    p = min(k // 2, 3)
    expected = ref_output_size(size, k, s, p, d, ceil_mode)
    assert pool.pool_output_size(size, k, s, p, d, ceil_mode) == expected


# --------------------------------------------------------------------------------------------
# Max pool


@settings(deadline=None, max_examples=60)
@given(pool_case(ties=True))
def test_max_pool_matches_reference(case):
    x, gy, k, s, p, d, ceil_mode = case
    y, argmax = pool.max_pool2d_forward(x, k, s, p, d, ceil_mode)
    ref_y, winner = ref_max_pool(x, k, s, p, d, ceil_mode)
    np.testing.assert_array_equal(y, ref_y)
    assert argmax.dtype == np.int8
    gx = pool.max_pool2d_backward(gy, argmax, x.shape, k, s, p, d, ceil_mode)
    np.testing.assert_allclose(gx, ref_max_pool_backward(gy, winner, x.shape), atol=1e-12)


def test_max_pool_nan_wins_and_last_nan_is_chosen():
    x = np.array([[[[1.0, np.nan, 3.0], [np.nan, 5.0, -np.inf]]]])
    y, argmax = pool.max_pool2d_forward(x, (2, 3), (2, 3))
    assert np.isnan(y).all()
    assert argmax.ravel().tolist() == [3]
    gx = pool.max_pool2d_backward(np.ones_like(y), argmax, x.shape, (2, 3), (2, 3))
    assert gx[0, 0, 1, 0] == 1.0 and gx.sum() == 1.0


def test_max_pool_all_negative_infinity_window_picks_first_element():
    x = np.full((1, 1, 3, 3), -np.inf)
    y, argmax = pool.max_pool2d_forward(x, (3, 3), (1, 1), (1, 1))
    assert (y == -np.inf).all()
    gx = pool.max_pool2d_backward(np.ones_like(y), argmax, x.shape, (3, 3), (1, 1), (1, 1))
    ref_y, winner = ref_max_pool(x, (3, 3), (1, 1), (1, 1), (1, 1), False)
    np.testing.assert_array_equal(gx, ref_max_pool_backward(np.ones_like(y), winner, x.shape))


def test_argmax_dtype_grows_with_the_window():
    x = np.zeros((1, 1, 12, 12), np.float32)
    assert pool.max_pool2d_forward(x, (11, 11), (1, 1))[1].dtype == np.int8
    assert pool.max_pool2d_forward(x, (12, 12), (1, 1))[1].dtype == np.int16


def test_max_pool_overlapping_windows_accumulate():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0
    y, argmax = pool.max_pool2d_forward(x, (2, 2), (1, 1))
    gx = pool.max_pool2d_backward(np.ones_like(y), argmax, x.shape, (2, 2), (1, 1))
    assert gx[0, 0, 1, 1] == 4.0 and gx.sum() == 4.0


@settings(deadline=None, max_examples=40)
@given(pool_case(ties=True))
def test_max_pool_matches_torch(case):
    torch = pytest.importorskip("torch")
    x, gy, k, s, p, d, ceil_mode = case
    # PyTorch indexes out of bounds for a window of padding only (possible with dilation).
    assume((ref_max_pool(x, k, s, p, d, ceil_mode)[1] >= 0).all())
    x[(x == 2.0)] = np.nan  # NaNs among ties
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.max_pool2d(xt, k, s, p, d, ceil_mode=ceil_mode)
    yt.backward(torch.tensor(gy))
    y, argmax = pool.max_pool2d_forward(x, k, s, p, d, ceil_mode)
    gx = pool.max_pool2d_backward(gy, argmax, x.shape, k, s, p, d, ceil_mode)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------------
# Avg pool


@settings(deadline=None, max_examples=60)
@given(pool_case(dilation=False), st.booleans(), st.sampled_from([None, 1, 3, -2]))
def test_avg_pool_matches_reference(case, count_include_pad, divisor):
    x, gy, k, s, p, _, ceil_mode = case
    args = (k, s, p, ceil_mode, count_include_pad, divisor)
    y = pool.avg_pool2d_forward(x, *args)
    np.testing.assert_allclose(y, ref_avg_pool(x, *args), atol=1e-12)
    gx = pool.avg_pool2d_backward(gy, x.shape, *args)
    np.testing.assert_allclose(gx, ref_avg_pool_backward(gy, x.shape, *args), atol=1e-12)


@settings(deadline=None, max_examples=40)
@given(pool_case(dilation=False), st.booleans(), st.sampled_from([None, 2]))
def test_avg_pool_matches_torch(case, count_include_pad, divisor):
    torch = pytest.importorskip("torch")
    x, gy, k, s, p, _, ceil_mode = case
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.avg_pool2d(
        xt, k, s, p, ceil_mode, count_include_pad, divisor_override=divisor
    )
    yt.backward(torch.tensor(gy))
    args = (k, s, p, ceil_mode, count_include_pad, divisor)
    np.testing.assert_allclose(pool.avg_pool2d_forward(x, *args), yt.detach().numpy(), atol=1e-12)
    gx = pool.avg_pool2d_backward(gy, x.shape, *args)
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-12)


def test_avg_pool_propagates_nan():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = np.nan
    y = pool.avg_pool2d_forward(x, (2, 2), (2, 2))
    assert np.isnan(y[0, 0, 0, 0]) and not np.isnan(y).ravel()[1:].any()


# --------------------------------------------------------------------------------------------
# Fast paths for windows inside the input, against the general kernels


def _tie_nan_input(shape, dtype, seed):
    # Few distinct values (ties everywhere), some NaN and -inf: the selection rules matter.
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    x[rng.random(shape) < 0.02] = np.nan
    x[rng.random(shape) < 0.02] = -np.inf
    return x


# (N, C, H, W): a small one (serial kernels) and one over PARALLEL_MIN_BYTES in float32, both
# with odd sizes so that rows and columns past the last window exist.
INSIDE_SHAPES = [(2, 3, 9, 11), (4, 33, 45, 47)]
INSIDE_WINDOWS = [
    ((2, 2), (2, 2), (1, 1)),
    ((2, 2), (1, 2), (1, 1)),
    ((3, 3), (2, 2), (1, 1)),
    ((2, 3), (3, 1), (2, 1)),
    ((2, 2), (2, 2), (2, 2)),
    ((1, 1), (1, 1), (1, 1)),
]


@pytest.mark.parametrize("shape", INSIDE_SHAPES)
@pytest.mark.parametrize("k, s, d", INSIDE_WINDOWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_inside_path_matches_general_kernel(shape, k, s, d, dtype):
    x = _tie_nan_input(shape, dtype, sum(shape))
    for ceil_mode in (False, True):
        y, argmax = pool.max_pool2d_forward(x, k, s, (0, 0), d, ceil_mode)
        ref_y, ref_at = np.empty_like(y), np.empty_like(argmax)
        pool._max_forward(x, *k, *s, 0, 0, *d, ref_y, ref_at)
        np.testing.assert_array_equal(y, ref_y)
        np.testing.assert_array_equal(argmax, ref_at)


@pytest.mark.parametrize("shape", [(3, 40, 8, 8), (2, 24, 9, 7), (64, 32, 4, 4)])
@pytest.mark.parametrize("stride", [(2, 2), (1, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_2x2_kernel_plain_and_nan_planes_match_general_kernel(shape, stride, dtype):
    # The 2x2 window compares plainly where a task's windows hold no NaN: ties (signed zeros
    # among them) and all -inf windows must still select as the sequential rule does. NaN sits
    # in a few planes only, so some tasks take each path; serial and parallel kernels both. A
    # NaN that no window reads (the last row or column of an odd size) changes nothing.
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    x[rng.random(shape) < 0.3] = -0.0
    x[0, 1, :2, :2] = -np.inf
    x[-1, 2, 1, 0] = np.nan
    x[-1, 2, 1, 1] = np.nan
    if shape[2] % 2:
        x[0, 3, -1, 0] = np.nan
    if shape[3] % 2:
        x[0, 3, 0, -1] = np.nan
    y_ref = np.empty((*shape[:2], (shape[2] - 2) // stride[0] + 1, shape[3] // 2), dtype)
    at_ref = np.empty(y_ref.shape, np.int8)
    pool._max_forward(x, 2, 2, *stride, 0, 0, 1, 1, y_ref, at_ref)
    kernel = pool._max_forward_inside
    for run in {getattr(kernel, "serial", kernel), getattr(kernel, "dispatcher", kernel)}:
        y, at = np.empty_like(y_ref), np.empty_like(at_ref)
        run(x, 2, 2, *stride, 1, 1, y, at)
        np.testing.assert_array_equal(y, y_ref)
        np.testing.assert_array_equal(np.signbit(y), np.signbit(y_ref))
        np.testing.assert_array_equal(at, at_ref)


@pytest.mark.parametrize("shape", INSIDE_SHAPES)
@pytest.mark.parametrize("k, s", [((2, 2), (2, 2)), ((3, 2), (3, 2)), ((2, 2), (1, 2)),
                                  ((3, 3), (2, 2))])  # fmt: skip
@pytest.mark.parametrize("divisor", [None, 3])
def test_avg_pool_inside_path_matches_general_kernel(shape, k, s, divisor):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, 0] = np.nan
    div = divisor or 0
    y = pool.avg_pool2d_forward(x, k, s, divisor_override=divisor)
    ref_y = np.empty_like(y)
    pool._avg_forward(x, *k, *s, 0, 0, True, div, ref_y)
    np.testing.assert_array_equal(y, ref_y)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    gx = pool.avg_pool2d_backward(gy, x.shape, k, s, divisor_override=divisor)
    ref_gx = np.empty_like(gx)
    pool._avg_backward(gy, *k, *s, 0, 0, True, div, ref_gx)
    np.testing.assert_array_equal(gx, ref_gx)


# --------------------------------------------------------------------------------------------
# Adaptive pools


@settings(deadline=None, max_examples=40)
@given(
    st.integers(1, 9), st.integers(1, 9), st.integers(1, 6), st.integers(1, 6), st.integers(0, 99)
)
def test_adaptive_pools_match_reference(H, W, oh, ow, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=(2, 2, H, W)).astype(np.float64)
    gy = rng.standard_normal((2, 2, oh, ow))
    y_avg = pool.adaptive_avg_pool2d_forward(x, (oh, ow))
    y_max, index = pool.adaptive_max_pool2d_forward(x, (oh, ow))
    gx_avg = pool.adaptive_avg_pool2d_backward(gy, x.shape)
    gx_max = pool.adaptive_max_pool2d_backward(gy, index, x.shape)
    ref_gx_avg, ref_gx_max = np.zeros_like(x), np.zeros_like(x)
    for a, (h0, h1) in enumerate(ref_adaptive_windows(H, oh)):
        for b, (w0, w1) in enumerate(ref_adaptive_windows(W, ow)):
            win = x[:, :, h0:h1, w0:w1]
            np.testing.assert_allclose(y_avg[:, :, a, b], win.mean(axis=(2, 3)), atol=1e-12)
            np.testing.assert_array_equal(y_max[:, :, a, b], win.max(axis=(2, 3)))
            ref_gx_avg[:, :, h0:h1, w0:w1] += gy[:, :, a, b, None, None] / win[0, 0].size
            for n, c in np.ndindex(2, 2):
                i, j = np.unravel_index(np.argmax(win[n, c]), win[n, c].shape)
                assert index[n, c, a, b] == (h0 + i) * W + w0 + j
                ref_gx_max[n, c, h0 + i, w0 + j] += gy[n, c, a, b]
    np.testing.assert_allclose(gx_avg, ref_gx_avg, atol=1e-12)
    np.testing.assert_allclose(gx_max, ref_gx_max, atol=1e-12)


@settings(deadline=None, max_examples=25)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 6), st.integers(1, 6))
def test_adaptive_pools_match_torch(H, W, oh, ow):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = np.random.default_rng(H * 10 + W).standard_normal((2, 3, H, W))
    y, index = pool.adaptive_max_pool2d_forward(x, (oh, ow))
    yt, it = F.adaptive_max_pool2d(torch.tensor(x), (oh, ow), return_indices=True)
    np.testing.assert_array_equal(y, yt.numpy())
    np.testing.assert_array_equal(index, it.numpy())
    np.testing.assert_allclose(
        pool.adaptive_avg_pool2d_forward(x, (oh, ow)),
        F.adaptive_avg_pool2d(torch.tensor(x), (oh, ow)).numpy(),
        atol=1e-12,
    )


# --------------------------------------------------------------------------------------------
# dtypes and array errors


@settings(deadline=None, max_examples=20)
@given(pool_case())
def test_float32_agrees_with_float64(case):
    x, gy, k, s, p, d, ceil_mode = case
    x32, gy32 = x.astype(np.float32), gy.astype(np.float32)
    y64, a64 = pool.max_pool2d_forward(x, k, s, p, d, ceil_mode)
    y32, a32 = pool.max_pool2d_forward(x32, k, s, p, d, ceil_mode)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=1e-6)
    g64 = pool.max_pool2d_backward(gy, a64, x.shape, k, s, p, d, ceil_mode)
    g32 = pool.max_pool2d_backward(gy32, a32, x.shape, k, s, p, d, ceil_mode)
    np.testing.assert_allclose(g32, g64, atol=1e-4)
    if d == (1, 1):
        a = pool.avg_pool2d_forward(x32, k, s, p, ceil_mode)
        np.testing.assert_allclose(a, pool.avg_pool2d_forward(x, k, s, p, ceil_mode), atol=1e-4)


def test_input_errors():
    # The window's errors are autograd/kernels/_args.py's (test_args.py); the arrays' are here.
    two = (2, 2)
    with pytest.raises(TypeError, match="float32 or float64"):
        pool.max_pool2d_forward(np.zeros((1, 1, 4, 4), np.int32), two, two)
    with pytest.raises(ValueError, match="4-D"):
        pool.avg_pool2d_forward(np.zeros((4, 4)), two, two)
    with pytest.raises(ValueError, match="gy has shape"):
        pool.avg_pool2d_backward(np.zeros((1, 1, 3, 3)), (1, 1, 4, 4), two, two)
    with pytest.raises(ValueError, match="gy has shape"):
        pool.adaptive_avg_pool2d_backward(np.zeros((1, 2, 1, 1)), (1, 1, 4, 4))
