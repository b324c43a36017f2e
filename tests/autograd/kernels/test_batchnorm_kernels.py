"""The batch-norm training kernels against the closed forms written with NumPy in float64."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.kernels.batchnorm import (
    ROWS_MIN_BATCH,
    SHORT_ROWS,
    _backward,
    _backward_numpy,
    _forward,
    _forward_numpy,
    batch_norm_backward,
    batch_norm_forward,
)  # fmt: skip


def _reference(x, w, b, eps, g):
    x = x.astype(np.float64)
    g = g.astype(np.float64)
    m = x.shape[0] * x.shape[2]
    mean = x.mean(axis=(0, 2))
    xc = x - mean[:, None]
    var = (xc * xc).mean(axis=(0, 2))
    invstd = 1 / np.sqrt(var + eps)
    xhat = xc * invstd[:, None]
    scale = invstd if w is None else invstd * w
    out = xhat * (1.0 if w is None else w[:, None]) + (0.0 if b is None else b[:, None])
    gsum = g.sum(axis=(0, 2))
    gxhat = (g * xhat).sum(axis=(0, 2))
    dx = scale[:, None] * (g - gsum[:, None] / m - xhat * gxhat[:, None] / m)
    return out, mean, var, invstd, dx, gxhat, gsum


# Per channel (a few samples, or long runs), and along whole samples (short runs, a batch).
SHAPES = [(5, 3, 7), (3, 2, 80), (ROWS_MIN_BATCH, 3, 7), (20, 4, SHORT_ROWS - 1), (17, 5, 1)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-11)])
@pytest.mark.parametrize("affine", [True, False])
def test_forward_and_backward_match_closed_form(dtype, tol, affine, shape):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 10).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    c = shape[1]
    w = rng.uniform(0.5, 2, c).astype(dtype) if affine else None
    b = rng.standard_normal(c).astype(dtype) if affine else None
    out, mean, var, invstd = batch_norm_forward(x, w, b, 1e-5)
    dx, dw, db = batch_norm_backward(g, x, mean, invstd, w, True)
    ref = _reference(x, w, b, 1e-5, g)
    assert out.dtype == dx.dtype == dtype  # per-channel results are float64
    assert mean.dtype == var.dtype == invstd.dtype == dw.dtype == db.dtype == np.float64
    for got, want in zip((out, mean, var, invstd, dx, dw, db), ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    assert batch_norm_backward(g, x, mean, invstd, w, False)[0] is None


@pytest.mark.parametrize("n", [2, ROWS_MIN_BATCH])
def test_non_finite_input_poisons_its_channel_only(n):
    x = np.arange(n * 12.0).reshape(n, 3, 4)
    x[1, 1, 2] = np.nan
    out, mean, _, _ = batch_norm_forward(x, None, None, 1e-5)
    assert np.isnan(mean[1]) and np.isnan(out[:, 1]).all()
    assert np.isfinite(out[:, [0, 2]]).all()
    dx, dw, db = batch_norm_backward(np.ones_like(x), x, mean, np.ones(3), None, True)
    assert np.isnan(dw[1]) and np.isnan(dx[:, 1]).all() and np.isfinite(dx[:, [0, 2]]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_their_numpy_twins_on_both_paths(dtype):
    rng = np.random.default_rng(3)
    for shape in SHAPES:
        x = rng.standard_normal(shape).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        w, b = rng.standard_normal(shape[1]).astype(dtype), rng.standard_normal(shape[1])
        b = b.astype(dtype)
        got = [np.empty_like(x)] + [np.empty(shape[1]) for _ in range(3)]
        want = [np.empty_like(x)] + [np.empty(shape[1]) for _ in range(3)]
        _forward(x, w, b, 1e-5, *got)
        _forward_numpy(x, w, b, 1e-5, *want)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        for a, e in zip(got, want, strict=True):
            np.testing.assert_allclose(a, e, rtol=tol, atol=tol)
        mean, invstd = got[1], got[3]
        got = [np.empty_like(x), np.empty(shape[1]), np.empty(shape[1])]
        want = [np.empty_like(x), np.empty(shape[1]), np.empty(shape[1])]
        _backward(g, x, mean, invstd, w, True, *got)
        _backward_numpy(g, x, mean, invstd, w, True, *want)
        for a, e in zip(got, want, strict=True):
            np.testing.assert_allclose(a, e, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_op_non_contiguous_large_input_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xa = rng.standard_normal((16, 9, 9, 8)).astype(dtype).transpose(0, 3, 1, 2)  # (16, 8, 9, 9)
    ga = rng.standard_normal(xa.shape).astype(dtype)
    wa, ba = rng.uniform(0.5, 2, 8).astype(dtype), rng.standard_normal(8).astype(dtype)
    x = autograd.tensor(xa, requires_grad=True)
    w, b = autograd.tensor(wa, requires_grad=True), autograd.tensor(ba, requires_grad=True)
    rm, rv = autograd.zeros(8, dtype=x.dtype), autograd.ones(8, dtype=x.dtype)
    autograd.batch_norm(x, rm, rv, w, b, training=True).backward(autograd.tensor(ga))
    xt = torch.tensor(xa, requires_grad=True)
    wt, bt = torch.tensor(wa, requires_grad=True), torch.tensor(ba, requires_grad=True)
    rmt, rvt = torch.zeros(8, dtype=xt.dtype), torch.ones(8, dtype=xt.dtype)
    torch.nn.functional.batch_norm(xt, rmt, rvt, wt, bt, True).backward(torch.tensor(ga))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for ours, theirs in [(x.grad, xt.grad), (w.grad, wt.grad), (b.grad, bt.grad), (rm, rmt),
                         (rv, rvt)]:  # fmt: skip
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
