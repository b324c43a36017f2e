"""Tests for autograd/kernels/_conv_dense.py: the dense path for small feature maps."""

from __future__ import annotations

import numpy as np
import pytest
from conv_reference import out_size, record_plans, ref_backward, ref_forward
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import _conv_dense as dense
from autograd.kernels import _conv_drivers as drivers
from autograd.kernels import conv
from autograd.kernels._args import ConvGeometry


@st.composite
def small_maps(draw):
    """A one-group convolution of a map of at most 5x5 pixels, any stride, padding, dilation."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, d[0] * (kh - 1))), draw(st.integers(0, d[1] * (kw - 1))))
    H = draw(st.integers(max(1, d[0] * (kh - 1) + 1 - 2 * p[0]), 5))
    W = draw(st.integers(max(1, d[1] * (kw - 1) + 1 - 2 * p[1]), 5))
    N, C, O = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return (N, C, H, W), (O, C, kh, kw), ConvGeometry(s, p, d, 1), dtype


def _arrays(x_shape, w_shape, g, dtype, seed=0):
    rng = np.random.default_rng(seed)
    oh = out_size(x_shape[2], w_shape[2], g.stride[0], g.padding[0], g.dilation[0])
    ow = out_size(x_shape[3], w_shape[3], g.stride[1], g.padding[1], g.dilation[1])
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    gy = rng.standard_normal((x_shape[0], w_shape[0], oh, ow)).astype(dtype)
    return x, w, gy


@settings(deadline=None, max_examples=40)
@given(small_maps())
def test_kernels_equal_their_numpy_twins(case):
    x_shape, w_shape, g, dtype = case
    x, w, gy = _arrays(x_shape, w_shape, g, dtype)
    pairs = dense.tap_pairs(x_shape[2:], gy.shape[2:], w_shape[2:], g)
    rows, cols = np.prod(x_shape[1:]), w_shape[0] * gy.shape[2] * gy.shape[3]
    t, t_twin = np.full((rows, cols), np.nan, dtype), np.full((rows, cols), np.nan, dtype)
    dense._matrix(w, pairs.by_in, pairs.in_starts, t, True)
    dense._matrix_numpy(w, pairs.by_in, pairs.in_starts, t_twin, True)
    np.testing.assert_array_equal(t, t_twin)
    # Refilled for another weight of the same geometry: the same as built afresh.
    w2 = (w * -3).astype(dtype)
    fresh = np.full((rows, cols), np.nan, dtype)
    dense._matrix(w2, pairs.by_in, pairs.in_starts, fresh, True)
    dense._matrix(w2, pairs.by_in, pairs.in_starts, t, False)
    dense._matrix_numpy(w2, pairs.by_in, pairs.in_starts, t_twin, False)
    np.testing.assert_array_equal(t, fresh)
    np.testing.assert_array_equal(t_twin, fresh)
    gt = np.random.default_rng(1).standard_normal((cols, rows)).astype(dtype)
    gw, gw_twin = np.full(w_shape, np.nan, dtype), np.full(w_shape, np.nan, dtype)
    dense._fold(gt, pairs.by_out, pairs.out_starts, gw)
    dense._fold_numpy(gt, pairs.by_out, pairs.out_starts, gw_twin)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(gw, gw_twin, rtol=tol, atol=tol)


@settings(deadline=None, max_examples=60)
@given(small_maps())
def test_drivers_match_the_reference(case):
    # Every stride, padding and dilation, with a bias: the matrix is the convolution.
    x_shape, w_shape, g, dtype = case
    x, w, gy = _arrays(x_shape, w_shape, g, dtype)
    b = np.linspace(-1, 1, w_shape[0]).astype(dtype)
    s, p, d = g.stride, g.padding, g.dilation
    tol = 1e-4 if dtype == np.float32 else 1e-10
    y = drivers.FORWARD["dense"](x, w, g, b)
    ref = ref_forward(x, w, s, p, d, 1) + b.reshape(-1, 1, 1)
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)
    assert y.dtype == dtype and y.flags.c_contiguous
    ref_gx, ref_gw = ref_backward(x, w, gy, s, p, d, 1)
    gx = drivers.INPUT_GRAD["dense"](gy, w, x_shape, g)
    np.testing.assert_allclose(gx, ref_gx, rtol=tol, atol=tol)
    gw, gb = drivers.WEIGHT_GRAD["dense"](x, gy, w_shape, g, True)
    np.testing.assert_allclose(gw, ref_gw, rtol=tol, atol=tol)
    np.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3)), rtol=tol, atol=tol)
    assert gw.dtype == gx.dtype == gb.dtype == dtype


def test_a_small_map_in_a_batch_takes_the_dense_path(monkeypatch):
    plans = record_plans(monkeypatch)
    x, w, gy = _arrays((16, 12, 4, 4), (10, 12, 3, 3), ConvGeometry(padding=(1, 1)), np.float64)
    one = (1, 1)
    y = conv.conv2d_forward(x, w, one, one, one, 1)
    gx, gw, gb = conv.conv2d_backward(x, gy, w, one, one, one, 1)
    assert ("forward", "dense") in plans
    assert ("input_grad", "dense") in plans and ("weight_grad", "dense") in plans
    np.testing.assert_allclose(y, ref_forward(x, w, one, one, one, 1), atol=1e-10)
    ref_gx, ref_gw = ref_backward(x, w, gy, one, one, one, 1)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-10)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-10)
    np.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3)), atol=1e-10)


@pytest.mark.parametrize("where", ["x", "gy"])
def test_non_finite_values_stay_where_the_sum_puts_them(monkeypatch, where):
    # The matrix's zeros would spread an inf in x (forward) or gy (input gradient) to outputs
    # it never meets: such a call takes a column path; the weight gradient stays dense.
    plans = record_plans(monkeypatch)
    one = (1, 1)
    x, w, gy = _arrays((16, 12, 4, 4), (10, 12, 3, 3), ConvGeometry(padding=one), np.float64)
    if where == "x":
        x[3, 2, 0, 0] = np.inf
    else:
        gy[5, 1, 3, 3] = np.nan
    y = conv.conv2d_forward(x, w, one, one, one, 1)
    gx, gw, _ = conv.conv2d_backward(x, gy, w, one, one, one, 1)
    ref_gx, ref_gw = ref_backward(x, w, gy, one, one, one, 1)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(y, ref_forward(x, w, one, one, one, 1), atol=1e-10)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-10)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-10)
    assert np.isfinite(y).any() and np.isfinite(gx).any()
    product = "forward" if where == "x" else "input_grad"
    assert (product, "dense") not in plans


def test_a_weight_changed_in_place_gets_a_new_matrix():
    # The matrix of the last few weights is kept: an optimizer step writing into the same
    # array, or another layer of the same shapes, must not find the old one.
    g = ConvGeometry(padding=(1, 1))
    x, w, _ = _arrays((8, 4, 3, 3), (5, 4, 3, 3), g, np.float64)
    other = w[::-1].copy()
    for weight in (w, other, w):
        y = drivers.FORWARD["dense"](x, weight, g, np.empty(0))
        np.testing.assert_allclose(y, ref_forward(x, weight, *g[:3], 1), atol=1e-10)
    w *= -0.5  # in place, as an optimizer step
    y = drivers.FORWARD["dense"](x, w, g, np.empty(0))
    np.testing.assert_allclose(y, ref_forward(x, w, *g[:3], 1), atol=1e-10)
    w[0, 0, 1, 1] = -0.0  # the same value to ==, other bits: a new matrix all the same
    y = drivers.FORWARD["dense"](x, w, g, np.empty(0))
    np.testing.assert_allclose(y, ref_forward(x, w, *g[:3], 1), atol=1e-10)
    for n in range(drivers._DENSE_CACHED + 2):  # more shapes than are kept: oldest dropped
        xs = np.ones((1, 4, 3, 2 + n))
        drivers.FORWARD["dense"](xs, w, g, np.empty(0))
    assert len(drivers._dense_cache.matrices) == drivers._DENSE_CACHED


def test_waste_counts_the_zeros_of_the_matrix():
    g = ConvGeometry(padding=(1, 1))
    assert dense.waste((1, 1), (1, 1), (3, 3), g) == 1.0  # only the centre tap exists
    assert dense.waste((2, 2), (2, 2), (3, 3), g) == 1.0
    assert dense.waste((4, 4), (4, 4), (3, 3), g) == 2.56
    assert dense.waste((8, 8), (8, 8), (3, 3), g) == pytest.approx(4096 / 484)


@pytest.mark.parametrize("stride", [1, 2])
def test_matches_torch(stride, monkeypatch):
    torch = pytest.importorskip("torch")
    plans = record_plans(monkeypatch)
    g = ConvGeometry((stride, stride), (1, 1))
    x, w, _ = _arrays((16, 12, 4, 4), (10, 12, 3, 3), g, np.float64, seed=2)
    b = np.arange(10.0)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=1)
    gy = np.random.default_rng(3).standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(gy))
    y = conv.conv2d_forward(x, w, g.stride, g.padding, bias=b)
    gx, gw, gb = conv.conv2d_backward(x, gy, w, g.stride, g.padding)
    assert {("forward", "dense"), ("input_grad", "dense"), ("weight_grad", "dense")} <= set(plans)
    for ours, theirs in [(y, yt), (gx, xt.grad), (gw, wt.grad), (gb, bt.grad)]:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-10)
