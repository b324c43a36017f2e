"""Tests for autograd/kernels/conv.py: slow NumPy references, PyTorch, dtypes and errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conv_reference import conv_case, out_size, record_plans, ref_backward, ref_forward
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd.kernels import _blas, _conv_plan, conv
from autograd.kernels import _conv_drivers as drivers
from autograd.kernels._args import ConvGeometry

ONE = (1, 1)


def budget(monkeypatch, **limits):
    """Change the plan's limits for one test."""
    monkeypatch.setattr(_conv_plan, "LIMITS", dataclasses.replace(_conv_plan.LIMITS, **limits))


def run_all(x, w, gy, s, p, d, groups):
    y = conv.conv2d_forward(x, w, s, p, d, groups)
    gx = conv.conv2d_backward_input(gy, w, x.shape, s, p, d, groups)
    gw = conv.conv2d_backward_weight(x, gy, w.shape, s, p, d, groups)
    return y, gx, gw


def check_against_reference(x, w, gy, s, p, d, groups, atol=1e-10):
    y, gx, gw = run_all(x, w, gy, s, p, d, groups)
    ref_gx, ref_gw = ref_backward(x, w, gy, s, p, d, groups)
    np.testing.assert_allclose(y, ref_forward(x, w, s, p, d, groups), atol=atol)
    np.testing.assert_allclose(gx, ref_gx, atol=atol)
    np.testing.assert_allclose(gw, ref_gw, atol=atol)


def _assert_matches_torch(ours, yt, xt, wt):
    """``ours`` = (output, input gradient, weight gradient) against PyTorch's after backward."""
    y, gx, gw = ours
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gw, wt.grad.numpy(), atol=1e-10)


# --------------------------------------------------------------------------------------------
# Against the NumPy reference


@settings(deadline=None, max_examples=60)
@given(conv_case())
def test_matches_reference(case):
    # Covers the GEMM paths (wide for stride 1, strided otherwise; the forward and weight
    # gradient of up to 8 output channels run direct at stride 1) and the direct path.
    check_against_reference(*case)


@settings(deadline=None, max_examples=15)
@given(conv_case(max_group_channels=10), st.integers(17, 19))
def test_grouped_gemm_path(case, wide_channels):
    # Groups with more than 16 channels each in and out take the GEMM-per-group path.
    x, w, gy, s, p, d, groups = case
    rng = np.random.default_rng(0)
    N, _, H, W = x.shape
    _, _, kh, kw = w.shape
    groups = 2
    x = rng.standard_normal((N, groups * wide_channels, H, W))
    w = rng.standard_normal((groups * wide_channels, wide_channels, kh, kw))
    gy = rng.standard_normal((N, groups * wide_channels, *gy.shape[2:]))
    g = ConvGeometry(s, p, d, groups)
    assert _conv_plan.plan("forward", x.shape, w.shape, g).path.startswith("gemm")
    check_against_reference(x, w, gy, s, p, d, groups)


@pytest.mark.parametrize("cols_budget", [1, 4096])
def test_chunking_over_the_batch(monkeypatch, cols_budget):
    # A tiny column budget forces one sample (or a few) per chunk.
    budget(monkeypatch, cols_budget_bytes=cols_budget)
    rng = np.random.default_rng(1)
    for s in [(1, 1), (2, 1)]:
        x = rng.standard_normal((5, 3, 6, 7))
        w = rng.standard_normal((4, 3, 3, 2))
        oh, ow = out_size(6, 3, s[0], 1, 1), out_size(7, 2, s[1], 1, 1)
        gy = rng.standard_normal((5, 4, oh, ow))
        check_against_reference(x, w, gy, s, (1, 1), (1, 1), 1)


def test_pointwise_path(monkeypatch):
    rng = np.random.default_rng(2)
    # 12 input channels: more products per output than the direct kernels take.
    x = rng.standard_normal((3, 12, 4, 6))
    w = rng.standard_normal((7, 12, 1, 1))
    gy = rng.standard_normal((3, 7, 4, 6))
    plans = record_plans(monkeypatch)
    check_against_reference(x, w, gy, (1, 1), (0, 0), (1, 1), 1)
    assert plans == [("forward", "pointwise"), ("input_grad", "pointwise"),
                     ("weight_grad", "pointwise")]  # fmt: skip


def pointwise_kernel_calls(monkeypatch):
    """The pointwise kernel's products run from now on (compiled now if need be), in order."""
    monkeypatch.setattr(drivers._POINTWISE, "ready", True)
    real, ops = drivers._run_pointwise, []

    def recording(op, *args, **kwargs):
        ops.append(op)
        return real(op, *args, **kwargs)

    monkeypatch.setattr(drivers, "_run_pointwise", recording)
    return ops


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [2, 3, 7])
def test_pointwise_kernel_threads_share_the_batch(monkeypatch, dtype, batch):
    # Each kernel thread runs its share of the samples' GEMMs (shares of unequal sizes here);
    # the weight gradient's parts and the bias gradient's sums (from the same pass) are added.
    ops = pointwise_kernel_calls(monkeypatch)
    sums = []
    monkeypatch.setattr(conv, "channel_sums", lambda gy: sums.append(gy) or gy.sum((0, 2, 3)))
    rng = np.random.default_rng(20)
    x = rng.standard_normal((batch, 12, 5, 3)).astype(dtype)
    w = rng.standard_normal((7, 12, 1, 1)).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    gy = rng.standard_normal((batch, 7, 5, 3)).astype(dtype)
    y = conv.conv2d_forward(x, w, bias=b)
    gx, gw, gb = conv.conv2d_backward(x, gy, w)
    p = drivers.pointwise
    assert ops == [p.FORWARD, p.WEIGHT, p.INPUT] and not sums  # the bias gradient came along
    tol = 1e-5 if dtype == np.float32 else 1e-12
    ref_gx, ref_gw = ref_backward(x, w, gy, ONE, (0, 0), ONE, 1)
    want_y = ref_forward(x, w, ONE, (0, 0), ONE, 1) + b[:, None, None]
    for got, want in [(y, want_y), (gx, ref_gx), (gw, ref_gw), (gb, gy.sum((0, 2, 3)))]:
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    # Each product on its own: the weight gradient without the bias gradient, and with it.
    gw_alone = conv.conv2d_backward_weight(x, gy, w.shape)
    gw_with, gb_with = conv.conv2d_backward_weight(x, gy, w.shape, bias_grad=True)
    np.testing.assert_allclose(gw_alone, ref_gw, rtol=tol, atol=tol)
    np.testing.assert_allclose(gw_with, ref_gw, rtol=tol, atol=tol)
    np.testing.assert_allclose(gb_with, gy.sum((0, 2, 3)), rtol=tol, atol=tol)
    assert ops[3:] == [p.WEIGHT, p.WEIGHT] and not sums


def test_pointwise_kernel_with_more_threads_than_samples(monkeypatch):
    # A thread with no samples gives a part of zeros (and sums of zeros).
    budget(monkeypatch, pointwise_min_batch=1)
    ops = pointwise_kernel_calls(monkeypatch)
    rng = np.random.default_rng(21)
    x, w = rng.standard_normal((1, 10, 4, 4)), rng.standard_normal((6, 10, 1, 1))
    gy = rng.standard_normal((1, 6, 4, 4))
    gx, gw, gb = conv.conv2d_backward(x, gy, w)
    assert len(ops) == 2
    ref_gx, ref_gw = ref_backward(x, w, gy, ONE, (0, 0), ONE, 1)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-12)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-12)
    np.testing.assert_allclose(gb, gy.sum((0, 2, 3)), atol=1e-12)


@pytest.mark.parametrize("read_only", ["x", "w", "b", "gy"])
def test_pointwise_single_sample_and_read_only_arrays_take_the_batched_matmul(
    monkeypatch, read_only
):
    # One sample is one matmul on BLAS's threads; a read-only operand stays off the kernel (it
    # would cost another compiled signature). Both match the reference.
    ops = pointwise_kernel_calls(monkeypatch)
    rng = np.random.default_rng(22)
    x, w = rng.standard_normal((1, 10, 4, 4)), rng.standard_normal((6, 10, 1, 1))
    check_against_reference(x, w, rng.standard_normal((1, 6, 4, 4)), ONE, (0, 0), ONE, 1)
    assert ops == []
    x, b, gy = (
        rng.standard_normal((4, 10, 4, 4)),
        rng.standard_normal(6),
        rng.standard_normal((4, 6, 4, 4)),
    )
    {"x": x, "w": w, "b": b, "gy": gy}[read_only].flags.writeable = False
    want_y = ref_forward(x, w, ONE, (0, 0), ONE, 1) + b[:, None, None]
    np.testing.assert_allclose(conv.conv2d_forward(x, w, bias=b), want_y, atol=1e-12)
    gx, gw, gb = conv.conv2d_backward(x, gy, w)
    ref_gx, ref_gw = ref_backward(x, w, gy, ONE, (0, 0), ONE, 1)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-12)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-12)
    np.testing.assert_allclose(gb, gy.sum((0, 2, 3)), atol=1e-12)
    p = drivers.pointwise
    # Only the products whose arrays are all writeable ran on the kernel (the weight gradient
    # does not read w).
    want = {"x": [p.INPUT], "w": [p.WEIGHT], "b": [p.WEIGHT, p.INPUT], "gy": [p.FORWARD]}[read_only]
    assert ops == want


def test_pointwise_kernel_threads_without_samples_give_zeros(monkeypatch):
    # The kernel called with more shares than samples (as on a machine with more threads than
    # the batch has samples): the empty shares' parts and sums are zeros, whatever the scratch
    # held before.
    monkeypatch.setattr(drivers._POINTWISE, "ready", True)
    rng = np.random.default_rng(24)
    x3, gy3 = rng.standard_normal((2, 5, 6)), rng.standard_normal((2, 3, 6))
    parts, sums = np.full((4, 3, 5), np.nan), np.full((4, 3), np.nan)
    drivers._run_pointwise(drivers.pointwise.WEIGHT, x3, gy3, np.empty((0, 0, 0)),
                           np.empty((0, 0)), np.empty(0), parts, sums)  # fmt: skip
    np.testing.assert_allclose(parts.sum(0), np.einsum("nol,ncl->oc", gy3, x3), atol=1e-12)
    np.testing.assert_allclose(sums.sum(0), gy3.sum((0, 2)), atol=1e-12)
    empty = [i for i in range(4) if 2 * i // 4 == 2 * (i + 1) // 4]  # shares 0 and 2
    assert len(empty) == 2 and not parts[empty].any() and not sums[empty].any()


def test_pointwise_kernel_cold_stands_in_with_the_batched_matmul(monkeypatch):
    # While the kernel is not compiled, the batched matmul runs in its place, and the kernel's
    # driver is handed to the worker that compiles at exit.
    handed, ran = [], []

    class Cold:
        def call(self, kernel, twin, *args):
            handed.append(kernel.__name__)
            ran.append(twin.__name__)
            return twin(*args)

    monkeypatch.setattr(drivers, "_POINTWISE", Cold())
    rng = np.random.default_rng(23)
    x, w = rng.standard_normal((3, 10, 4, 2)), rng.standard_normal((6, 10, 1, 1))
    check_against_reference(x, w, rng.standard_normal((3, 6, 4, 2)), ONE, (0, 0), ONE, 1)
    assert handed == ["_forward_pointwise_kernel", "_input_pointwise_kernel",
                      "_weight_pointwise_kernel"]  # fmt: skip
    assert ran == ["_forward_pointwise_batched", "_input_pointwise_batched",
                   "_weight_pointwise_batched"]  # fmt: skip


@pytest.mark.parametrize("where", ["x", "w"])
def test_non_finite_values_stay_where_they_belong(monkeypatch, where):
    # The wide layout multiplies garbage columns by zero; with inf/nan about, the kernels must
    # fall back so that non-finite values only reach the entries the maths sends them to.
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 10, 5, 5))
    w = rng.standard_normal((9, 10, 3, 3))  # more than 8 outputs: the columns
    gy = rng.standard_normal((2, 9, 3, 3))
    if where == "x":
        x[0, 1, 2, 4] = np.inf
    else:
        w[1, 0, 0, 2] = np.nan
    y, gx, gw = run_all(x, w, gy, (1, 1), (0, 0), (1, 1), 1)
    # A non-finite w takes the input gradient off the wide layout (x: noticed chunk by chunk).
    input_path = "gemm" if where == "w" else "gemm_wide"
    assert plans == [("forward", "gemm_wide"), ("input_grad", input_path),
                     ("weight_grad", "gemm_wide")]  # fmt: skip
    ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1), (0, 0), (1, 1), 1)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(y, ref_forward(x, w, (1, 1), (0, 0), (1, 1), 1), atol=1e-10)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-10)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-10)
    assert np.isfinite(gw).any() and np.isfinite(gx).any()


# (x shape, w shape, stride, padding, dilation, groups) reaching each forward path.
PATHS = {
    "direct dense, stride 1": ((2, 1, 6, 7), (5, 1, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    "direct dense, 2x2 dilated": ((2, 2, 6, 7), (3, 2, 2, 2), (1, 1), (1, 0), (2, 1), 1),
    "direct thin groups, stride 1": ((2, 4, 6, 5), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), 4),
    "direct thin groups, strided": ((2, 4, 6, 5), (8, 2, 3, 2), (2, 1), (1, 1), (1, 1), 2),
    "pointwise": ((2, 10, 4, 3), (6, 10, 1, 1), (1, 1), (0, 0), (1, 1), 1),
    "gemm wide": ((1, 10, 6, 5), (9, 10, 3, 3), (1, 1), (1, 2), (1, 1), 1),
    # Three samples of 10x11 outputs: 330 GEMM columns, shared out to pipelines.
    "gemm, a small batch shared out": ((3, 10, 10, 9), (9, 10, 3, 3), (1, 1), (1, 2), (1, 1), 1),
    "direct, few outputs": ((2, 10, 6, 5), (4, 10, 3, 3), (1, 1), (1, 2), (1, 1), 1),
    "gemm strided": ((2, 3, 7, 6), (4, 3, 3, 2), (2, 3), (1, 0), (1, 2), 1),
    "gemm groups": ((1, 34, 5, 5), (34, 17, 3, 3), (1, 1), (1, 1), (1, 1), 2),
    "gemm strided, few products": ((2, 1, 7, 6), (4, 1, 3, 3), (2, 1), (1, 1), (1, 1), 1),
}
FORWARD_PATH = {
    "gemm strided, few products": "gemm",
    "direct dense, stride 1": "direct_wide",
    "direct dense, 2x2 dilated": "direct_wide",
    "direct thin groups, stride 1": "direct_wide",
    "direct thin groups, strided": "direct",
    "pointwise": "pointwise",
    "gemm wide": "gemm_wide",
    "gemm, a small batch shared out": "gemm",
    "direct, few outputs": "direct_wide",
    "gemm strided": "gemm",
    "gemm groups": "gemm_wide",
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_path_matches_reference_with_bias(monkeypatch, path):
    x_shape, w_shape, s, p, d, groups = PATHS[path]
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    y = conv.conv2d_forward(x, w, s, p, d, groups, bias=b)
    ref = ref_forward(x, w, s, p, d, groups) + b.reshape(-1, 1, 1)
    np.testing.assert_allclose(y, ref, atol=1e-10)
    assert plans[0] == ("forward", FORWARD_PATH[path])
    if path == "gemm, a small batch shared out":  # every product of the layer shares out
        assert _conv_plan.pipelined(3, 110, 810)
        conv.conv2d_backward(x, rng.standard_normal(y.shape), w, s, p, d, groups)
        assert plans[1:] == [("backward", "separate"), ("input_grad", "gemm"),
                             ("weight_grad", "gemm")]  # fmt: skip
    gy = rng.standard_normal(y.shape)
    check_against_reference(x, w, gy, s, p, d, groups)
    gw, gb = conv.conv2d_backward_weight(x, gy, w.shape, s, p, d, groups, bias_grad=True)
    np.testing.assert_allclose(gw, ref_backward(x, w, gy, s, p, d, groups)[1], atol=1e-10)
    np.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3)), atol=1e-10)
    assert gb.shape == (w_shape[0],) and gb.dtype == x.dtype
    if path == "gemm strided, few products":
        assert ("weight_grad", "batched") in plans
    with pytest.raises(ValueError, match="bias has shape"):
        conv.conv2d_forward(x, w, s, p, d, groups, bias=b[:-1])


@pytest.mark.parametrize("path", ["direct dense, stride 1", "direct thin groups, stride 1"])
@pytest.mark.parametrize("where", ["x", "w"])
def test_direct_paths_keep_non_finite_values_in_place(path, where):
    x_shape, w_shape, s, p, d, groups = PATHS[path]
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    if where == "x":
        x[1, 0, 2, -1] = np.inf
    else:
        w[0, 0, 0, -1] = np.nan
    gy = rng.standard_normal((x_shape[0], w_shape[0], *x_shape[2:]))
    y, gx, gw = run_all(x, w, gy, s, p, d, groups)
    ref_gx, ref_gw = ref_backward(x, w, gy, s, p, d, groups)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(y, ref_forward(x, w, s, p, d, groups), atol=1e-10)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-10)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-10)
    assert np.isfinite(gw).any() and np.isfinite(gx).any()


def test_weight_gradient_falls_back_per_chunk_on_non_finite_input(monkeypatch):
    # One sample a chunk: the chunk holding inf takes the plain layout, the others the wide one.
    budget(monkeypatch, cols_budget_bytes=1)
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 10, 5, 6))
    w = rng.standard_normal((9, 10, 3, 3))
    gy = rng.standard_normal((3, 9, 5, 6))
    x[1, 7, 0, 5] = -np.inf
    gw = conv.conv2d_backward_weight(x, gy, w.shape, ONE, ONE)
    np.testing.assert_allclose(gw, ref_backward(x, w, gy, (1, 1), (1, 1), (1, 1), 1)[1])
    assert plans == [("weight_grad", "gemm_wide")]


@pytest.mark.parametrize("path", ["direct dense, stride 1", "direct thin groups, stride 1"])
def test_stride_one_direct_backward_accepts_smaller_gy(path):
    # conv_transpose2d with dilation 2 and output_padding 1 at stride 1 cuts gy short.
    x_shape, w_shape, _, p, _, groups = PATHS[path]
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    d = (2, 2)
    oh, ow = (out_size(n, k, 1, pi, 2) for n, k, pi in zip(x_shape[2:], w_shape[2:], p))
    full = rng.standard_normal((x_shape[0], w_shape[0], oh, ow))
    full[:, :, -1:, :] = 0.0
    full[:, :, :, -1:] = 0.0
    small = full[:, :, :-1, :-1]
    np.testing.assert_allclose(
        conv.conv2d_backward_input(small, w, x.shape, ONE, p, d, groups),
        conv.conv2d_backward_input(full, w, x.shape, ONE, p, d, groups),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        conv.conv2d_backward_weight(x, small, w.shape, ONE, p, d, groups),
        conv.conv2d_backward_weight(x, full, w.shape, ONE, p, d, groups),
        atol=1e-12,
    )


@pytest.mark.parametrize(
    "x_shape, w_shape, s, p, d, groups, cut",
    [
        ((3, 4, 9, 8), (6, 4, 4, 4), (2, 2), (1, 1), (1, 1), 1, 0),
        ((2, 16, 7, 7), (16, 8, 3, 2), (2, 1), (1, 0), (1, 2), 2, 0),
        ((2, 3, 9, 8), (5, 3, 3, 3), (2, 3), (0, 1), (2, 1), 1, 1),
        ((2, 3, 6, 5), (4, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1, 0),
        ((2, 4, 6, 5), (4, 1, 3, 3), (2, 2), (1, 1), (1, 1), 4, 0),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])  # one chunk of samples, or one each
def test_forward_and_weight_grad_equals_the_two_calls(
    monkeypatch, x_shape, w_shape, s, p, d, groups, cut, chunked
):
    if chunked:
        budget(monkeypatch, cols_budget_bytes=1)
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    y_ref = conv.conv2d_forward(x, w, s, p, d, groups)
    gy = rng.standard_normal(y_ref.shape)[:, :, : y_ref.shape[2] - cut, : y_ref.shape[3] - cut]
    y, gw = conv.conv2d_forward_and_weight_grad(x, w, gy, s, p, d, groups)
    np.testing.assert_allclose(y, y_ref, atol=1e-12)
    gw_ref = conv.conv2d_backward_weight(x, gy, w.shape, s, p, d, groups)
    np.testing.assert_allclose(gw, gw_ref, atol=1e-12)
    np.testing.assert_allclose(gw, ref_backward(x, w, gy, s, p, d, groups)[1], atol=1e-10)


# --------------------------------------------------------------------------------------------
# Transposed convolution through the adjoint, and the relaxed gy size it needs


def test_backward_accepts_smaller_gy():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 7))
    w = rng.standard_normal((4, 3, 3, 3))
    s, p, d = (2, 2), (1, 1), (2, 2)
    full = rng.standard_normal((2, 4, out_size(7, 3, 2, 1, 2), out_size(7, 3, 2, 1, 2)))
    full[:, :, -1:, :] = 0.0
    full[:, :, :, -1:] = 0.0
    gx_full = conv.conv2d_backward_input(full, w, x.shape, s, p, d)
    gx_small = conv.conv2d_backward_input(full[:, :, :-1, :-1], w, x.shape, s, p, d)
    np.testing.assert_allclose(gx_small, gx_full, atol=1e-12)
    gw_full = conv.conv2d_backward_weight(x, full, w.shape, s, p, d)
    gw_small = conv.conv2d_backward_weight(x, full[:, :, :-1, :-1], w.shape, s, p, d)
    np.testing.assert_allclose(gw_small, gw_full, atol=1e-12)


@settings(deadline=None, max_examples=25)
@given(
    groups=st.integers(1, 2),
    cg=st.integers(1, 2),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    p=st.integers(0, 1),
    d=st.integers(1, 2),
    op=st.integers(0, 2),
    size=st.integers(1, 5),
)
def test_conv_transpose_recipe_matches_torch(groups, cg, k, s, p, d, op, size):
    # The module docstring's conv_transpose2d recipe, checked against PyTorch.
    torch = pytest.importorskip("torch")
    if op >= max(s, d):
        op = 0
    F = torch.nn.functional
    rng = np.random.default_rng(size * 7 + k)
    c_in, c_out = groups * 2, groups * cg
    x = rng.standard_normal((2, c_in, size, size))
    w = rng.standard_normal((c_in, c_out // groups, k, k))
    hout = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
    assume(hout >= 1)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    yt = F.conv_transpose2d(
        xt, wt, stride=s, padding=p, output_padding=op, groups=groups, dilation=d
    )
    gy = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(gy))
    s, p, d = (s, s), (p, p), (d, d)
    y = conv.conv2d_backward_input(x, w, (2, c_out, hout, hout), s, p, d, groups)
    gx = conv.conv2d_forward(gy, w, s, p, d, groups)[:, :, :size, :size]
    gw = conv.conv2d_backward_weight(gy, x, w.shape, s, p, d, groups)
    _assert_matches_torch((y, gx, gw), yt, xt, wt)


# --------------------------------------------------------------------------------------------
# PyTorch oracle and dtypes


@settings(deadline=None, max_examples=30)
@given(conv_case())
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    x, w, gy, s, p, d, groups = case
    F = torch.nn.functional
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    yt = F.conv2d(xt, wt, stride=s, padding=p, dilation=d, groups=groups)
    yt.backward(torch.tensor(gy))
    y, gx, gw = run_all(x, w, gy, s, p, d, groups)
    _assert_matches_torch((y, gx, gw), yt, xt, wt)


@settings(deadline=None, max_examples=20)
@given(conv_case())
def test_float32_agrees_with_float64(case):
    x, w, gy, s, p, d, groups = case
    out64 = run_all(x, w, gy, s, p, d, groups)
    f32 = [a.astype(np.float32) for a in (x, w, gy)]
    out32 = run_all(*f32, s, p, d, groups)
    for a32, a64 in zip(out32, out64):
        assert a32.dtype == np.float32 and a32.flags.c_contiguous
        np.testing.assert_allclose(a32, a64, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(a64).max()))


def test_non_contiguous_inputs_are_accepted():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 6, 6)).transpose(0, 1, 3, 2)
    w = rng.standard_normal((2, 4, 3, 3))[:, :, ::-1]
    np.testing.assert_allclose(
        conv.conv2d_forward(x, w, ONE, ONE), ref_forward(x, w, ONE, ONE, ONE, 1), atol=1e-12
    )


def test_empty_batch():
    x = np.zeros((0, 2, 5, 5), np.float32)
    w = np.ones((3, 2, 3, 3), np.float32)
    assert conv.conv2d_forward(x, w).shape == (0, 3, 3, 3)
    gy = np.zeros((0, 3, 3, 3), np.float32)
    assert conv.conv2d_backward_input(gy, w, x.shape).shape == x.shape
    assert (conv.conv2d_backward_weight(x, gy, w.shape) == 0).all()


# --------------------------------------------------------------------------------------------
# Array errors (the geometry's are autograd/kernels/_args.py's, tested in test_args.py)


def test_dtype_errors():
    with pytest.raises(TypeError, match="float32 or float64"):
        conv.conv2d_forward(np.zeros((1, 1, 3, 3), np.int64), np.zeros((1, 1, 1, 1)))
    with pytest.raises(TypeError, match="share a dtype"):
        conv.conv2d_forward(np.zeros((1, 1, 3, 3), np.float32), np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="gy has shape"):
        conv.conv2d_backward_input(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 1, 1)), (1, 1, 3, 3))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (0, 3, 2, 2), (2, 3, 0, 2), (1, 2, 1, 1)])
def test_add_channel_bias_adds_each_channels_bias(shape):
    rng = np.random.default_rng(5)
    y = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape[1]).astype(np.float32)
    want = y + b[:, None, None]
    conv.add_channel_bias(y, b)
    np.testing.assert_array_equal(y, want)
    t = rng.standard_normal(shape[::-1]).astype(np.float32).transpose(3, 2, 1, 0)  # strided
    want = t + b[:, None, None]
    conv.add_channel_bias(t, b)
    np.testing.assert_array_equal(t, want)


def by_pipelines(monkeypatch, how):
    """Run the column paths' pipelines as one parallel kernel (compiled now if need be), or on
    the Python worker threads that stand in for it."""
    if how == "kernel":
        monkeypatch.setattr(drivers._PIPES, "ready", True)
    else:
        monkeypatch.setattr(drivers, "_in_kernel", lambda share: False)


@pytest.mark.parametrize("how", ["kernel", "workers"])
@pytest.mark.parametrize("chunk_bytes", [1, 1 << 30])  # one sample a chunk, or a whole share
def test_per_thread_pipelines_match_the_reference(monkeypatch, chunk_bytes, how):
    # The column paths on a batch shared out: each kernel thread runs its share (serial layout
    # kernels, one-thread GEMMs); weight gradients are summed over the shares. Stride 1 (320
    # GEMM columns: the plain layout) and 2, one and two groups, a transposed conv's pair.
    budget(monkeypatch, pipeline_min_batch=1, pipeline_chunk_bytes=chunk_bytes)
    by_pipelines(monkeypatch, how)
    assert _conv_plan.pipelined(1, 1, 1)
    rng = np.random.default_rng(11)
    for s, groups in [((1, 1), 1), ((2, 2), 1), ((2, 1), 2)]:
        x = rng.standard_normal((5, 36, 8, 7))
        w = rng.standard_normal((38, 36 // groups, 3, 2))
        oh, ow = out_size(8, 3, s[0], 1, 1), out_size(7, 2, s[1], 1, 1)
        gy = rng.standard_normal((5, 38, oh, ow))
        g = ConvGeometry(s, (1, 1), (1, 1), groups)
        assert _conv_plan.plan("forward", x.shape, w.shape, g).path == "gemm"
        check_against_reference(x, w, gy, s, (1, 1), (1, 1), groups)
        y, gw = conv.conv2d_forward_and_weight_grad(x, w, gy, s, (1, 1), (1, 1), groups)
        np.testing.assert_allclose(y, ref_forward(x, w, s, (1, 1), (1, 1), groups), atol=1e-10)
        np.testing.assert_allclose(gw, ref_backward(x, w, gy, s, (1, 1), (1, 1), groups)[1],
                                   atol=1e-10)  # fmt: skip
    # A non-finite input in one share: its sums carry it where the reference's do.
    x[3, 2, 1, 1] = np.nan
    w, gy = rng.standard_normal((38, 36, 3, 3)), rng.standard_normal((5, 38, 8, 7))
    gw = conv.conv2d_backward_weight(x, gy, w.shape, (1, 1), (1, 1))
    want = ref_backward(x, w, gy, (1, 1), (1, 1), (1, 1), 1)[1]
    assert np.isnan(want).any() and np.isfinite(want).any()
    np.testing.assert_allclose(gw, want, atol=1e-10)


@pytest.mark.skipif(not _blas.in_one_kernel(), reason="BLAS is not callable from kernels here")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n, c, o, hw, k, s, p, d, groups",
    [
        (1, 3, 4, 5, 3, 1, 1, 1, 1),  # one sample: the other thread's share is empty
        (5, 4, 6, 9, 3, 2, 1, 1, 2),  # groups, stride 2
        (3, 2, 3, 8, 2, 1, 0, 2, 1),  # dilation, an even kernel
        (4, 3, 5, 24, 3, 1, 1, 1, 1),  # 24 x 24 outputs: the weight sums taken transposed
        (2, 4, 4, 6, 7, 3, 3, 1, 4),  # a kernel wider than the stride, depthwise
    ],
)  # fmt: skip
def test_pipelines_kernel_runs_every_product(monkeypatch, dtype, n, c, o, hw, k, s, p, d, groups):
    # The one parallel kernel of the pipelines, called directly, for each of its operations,
    # one sample a chunk and whole shares, against the float64 reference.
    rng = np.random.default_rng(13)
    g = ConvGeometry((s, s), (p, p), (d, d), groups)
    x = rng.standard_normal((n, c, hw, hw))
    w = rng.standard_normal((o, c // groups, k, k))
    b = rng.standard_normal(o)
    y_ref = ref_forward(x, w, (s, s), (p, p), (d, d), groups)
    gy = rng.standard_normal(y_ref.shape)
    gx_ref, gw_ref = ref_backward(x, w, gy, (s, s), (p, p), (d, d), groups)
    x, w, b, gy = (a.astype(dtype) for a in (x, w, b, gy))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(atol=1e-10)
    for chunk_bytes in (1, 1 << 30):
        budget(monkeypatch, pipeline_chunk_bytes=chunk_bytes)
        y, gx, gw = np.empty(y_ref.shape, dtype), np.empty(x.shape, dtype), np.empty_like(w)
        drivers._forward_pipes(x, w, g, b, y)
        np.testing.assert_allclose(y, y_ref + b.reshape(-1, 1, 1), **tol)
        drivers._input_pipes(gy, w, g, gx)
        np.testing.assert_allclose(gx, gx_ref, **tol)
        drivers._weight_pipes(x, gy, g, gw)
        np.testing.assert_allclose(gw, gw_ref, **tol)
        y.fill(np.nan)
        gw.fill(np.nan)
        drivers._forward_weight_pipes(x, w, gy, g, y, gw)
        np.testing.assert_allclose(y, y_ref, **tol)
        np.testing.assert_allclose(gw, gw_ref, **tol)


@pytest.mark.parametrize("pipelines", [False, True])
def test_stride_one_plain_columns_match_the_reference(monkeypatch, pipelines):
    # Wide groups of output channels take the plain column layout at stride 1 for all three
    # products (whole batch, or per-thread pipelines of one sample a chunk); its weight
    # gradient is exact for an input holding inf and NaN too.
    if pipelines:
        budget(monkeypatch, pipeline_min_batch=1, pipeline_chunk_bytes=1)
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((3, 10, 7, 6)), rng.standard_normal((160, 10, 3, 3))
    gy = rng.standard_normal((3, 160, 7, 6))
    check_against_reference(x, w, gy, (1, 1), (1, 1), (1, 1), 1)
    assert plans == [("forward", "gemm"), ("input_grad", "gemm"), ("weight_grad", "gemm")]
    x[1, 2, 3, 3], x[2, 0, 0, 5] = np.inf, np.nan
    gw = conv.conv2d_backward_weight(x, gy, w.shape, (1, 1), (1, 1))
    want = ref_backward(x, w, gy, (1, 1), (1, 1), (1, 1), 1)[1]
    assert np.isnan(want).any() and np.isfinite(want).any()
    np.testing.assert_allclose(gw, want, atol=1e-10)
    assert plans[-1] == ("weight_grad", "gemm")


@pytest.mark.parametrize("padding", [(0, 0), (2, 1)])
def test_few_output_channels_run_direct_over_many_products(monkeypatch, padding):
    # At most 8 output channels: the direct forward and one-pass weight gradient for any
    # number of products per output (here 5x5 over 12 channels); the input gradient keeps the
    # columns. Exact against the reference, and with inf and NaN in x for the weight gradient.
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(13)
    x, w = rng.standard_normal((9, 12, 11, 10)), rng.standard_normal((6, 12, 5, 5))
    oh, ow = out_size(11, 5, 1, padding[0], 1), out_size(10, 5, 1, padding[1], 1)
    gy = rng.standard_normal((9, 6, oh, ow))
    check_against_reference(x, w, gy, (1, 1), padding, (1, 1), 1)
    assert plans == [
        ("forward", "direct_wide"), ("input_grad", "gemm"), ("weight_grad", "direct_one_pass"),
    ]  # fmt: skip
    gx, gw, gb = conv.conv2d_backward(x, gy, w, (1, 1), padding)
    ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1), padding, (1, 1), 1)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-10)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-10)
    np.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3)), atol=1e-10)
    # No input gradient: the one pass alone, its sums the bias gradient; a NaN in gy too.
    for gy_ in (gy, np.where(np.arange(gy.size).reshape(gy.shape) == 7, np.nan, gy)):
        seen = len(plans)
        gx, gw, gb = conv.conv2d_backward(x, gy_, w, (1, 1), padding, output_mask=(0, 1, 1))
        assert gx is None and plans[seen] == ("backward", "direct_one_pass")
        want = ref_backward(x, w, gy_, (1, 1), padding, (1, 1), 1)[1]
        np.testing.assert_allclose(gw, want, atol=1e-10)
        np.testing.assert_allclose(gb, gy_.sum(axis=(0, 2, 3)), atol=1e-10)
    x[4, 3, 5, 5], x[7, 11, 0, 9] = np.inf, np.nan
    gw = conv.conv2d_backward_weight(x, gy, w.shape, (1, 1), padding)
    want = ref_backward(x, w, gy, (1, 1), padding, (1, 1), 1)[1]
    assert np.isnan(want).any() and np.isfinite(want).any()
    np.testing.assert_allclose(gw, want, atol=1e-10)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (0, 3, 2, 2), (2, 3, 0, 2), (64, 32, 4, 4)])
def test_channel_sums_are_the_bias_gradient(shape):
    rng = np.random.default_rng(6)
    gy = rng.standard_normal(shape)
    np.testing.assert_allclose(conv.channel_sums(gy), gy.sum(axis=(0, 2, 3)), atol=1e-12)
    strided = rng.standard_normal(shape[::-1]).transpose(3, 2, 1, 0)
    np.testing.assert_allclose(conv.channel_sums(strided), strided.sum(axis=(0, 2, 3)),
                               atol=1e-12)  # fmt: skip
    assert conv.channel_sums(gy.astype(np.float32)).dtype == np.float32


def test_column_path_standing_in_for_the_direct_kernels_keeps_the_worker_threads(monkeypatch):
    # Standing in for the cold direct kernels, the strided column path runs its pipelines on
    # the worker threads: their one-kernel form would be compiled for a path the next run
    # leaves. A column path that is the plan itself (the input gradient here) takes it.
    class ColdDirect:  # the direct kernels' family, never compiled
        def cold(self):
            return True

        def compile_elsewhere(self, fn, *args):
            pass

        def run(self, stand_in, fn, *args):
            return fn(*args)

    monkeypatch.setattr(conv, "_DIRECT", ColdDirect())
    tried = []

    def by_kernel(share, fn, twin, *args):
        if share:
            tried.append(fn.__name__)
        return False  # the worker threads' pipelines run

    monkeypatch.setattr(drivers, "_by_kernel", by_kernel)
    rng = np.random.default_rng(14)
    x, w = rng.standard_normal((8, 12, 9, 9)), rng.standard_normal((4, 12, 5, 5))
    gy = rng.standard_normal((8, 4, 5, 5))
    g = ConvGeometry(ONE, (0, 0), ONE, 1)
    assert _conv_plan.plan("forward", x.shape, w.shape, g, cold=frozenset({"direct"})).stand_in
    check_against_reference(x, w, gy, ONE, (0, 0), ONE, 1)
    assert tried == ["_input_pipes"]


def test_pipelines_on_read_only_arrays_stay_with_the_worker_threads(monkeypatch):
    # The pipelines' kernel writes its image argument for the input gradient, so it cannot be
    # compiled for a read-only input: such arrays take the worker threads' pipelines.
    tried = []
    monkeypatch.setattr(drivers, "_in_kernel", lambda share: tried.append(share) or share)

    class NoKernel:
        def call(self, *args):
            pytest.fail("the pipelines' kernel ran on a read-only array")

    monkeypatch.setattr(drivers, "_PIPES", NoKernel())
    rng = np.random.default_rng(15)
    x, w = rng.standard_normal((8, 3, 7, 7)), rng.standard_normal((16, 3, 3, 3))
    x.flags.writeable = False
    g = ConvGeometry((2, 2), ONE, ONE, 1)
    assert _conv_plan.plan("forward", x.shape, w.shape, g).path == "gemm"
    y = conv.conv2d_forward(x, w, (2, 2), ONE)
    np.testing.assert_allclose(y, ref_forward(x, w, (2, 2), ONE, ONE, 1), atol=1e-10)
    assert True in tried  # the batch would have taken the kernel


def test_a_stand_in_column_driver_is_one_object_per_driver():
    # The compile worker keeps the first call of each function only (by identity).
    driver = drivers.FORWARD["gemm"]
    assert conv._on_worker_threads(driver) is conv._on_worker_threads(driver)
    assert conv._on_worker_threads(driver).keywords["kernel"] is False
