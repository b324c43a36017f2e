"""The layer/group-norm kernels and their NumPy twins against the closed forms in float64, and
the ops on both paths against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from fresh_process import use_twins

import autograd
from autograd.kernels import groupnorm
from autograd.kernels.groupnorm import group_norm_backward, group_norm_forward, standardized


def _reference(x, w, b, groups, eps, g):
    # x, g: (R, D, L) rows, row r in group r % groups; w, b: (groups, D) or None.
    x, g = x.astype(np.float64), g.astype(np.float64)
    rows, d, length = x.shape
    k = d * length
    xr = x.reshape(rows, k)
    xc = xr - xr.mean(axis=1, keepdims=True)
    mean = xr.mean(axis=1)
    invstd = 1 / np.sqrt((xc * xc).mean(axis=1) + eps)
    xhat = (xc * invstd[:, None]).reshape(x.shape)
    ones = np.ones((groups, d))
    wr = np.tile(ones if w is None else w, (rows // groups, 1))[:, :, None]
    br = np.tile(0 * ones if b is None else b, (rows // groups, 1))[:, :, None]
    out = xhat * wr + br
    gw = (g * wr).reshape(rows, k)
    hr = xhat.reshape(rows, k)
    dx = invstd[:, None] * (gw - gw.mean(axis=1, keepdims=True)
                            - hr * (gw * hr).mean(axis=1, keepdims=True))  # fmt: skip
    per_group = (-1, groups, d, length)
    dw = (g * xhat).reshape(per_group).sum(axis=(0, 3))
    db = g.reshape(per_group).sum(axis=(0, 3))
    return out, mean, invstd, xhat, dx.reshape(x.shape), dw, db


# (rows, D, L, groups): layer norm (L = 1, one group), group norm on images, a single value;
# the next two span several of the forward's chunks of rows (_rows.PASS_BYTES), the second
# partly filled, and layer norm's backward sums of SUM_ROWS rows; the last has rows longer
# than the backward's dtype sums (SUM_VALUES) and two groups of one value per channel.
SHAPES = [(12, 37, 1, 1), (6, 4, 9, 2), (8, 3, 25, 4), (3, 1, 1, 1), (301, 37, 1, 1),
          (72, 4, 64, 8), (70, 1300, 1, 2)]  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
# float64: the large offset costs the centering some 1e-13 (the reference's own error)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-11)])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("twin", [False, True])
def test_forward_and_backward_match_closed_form(shape, dtype, tol, affine, twin, monkeypatch):
    use_twins(groupnorm, twin, monkeypatch)
    rows, d, length, groups = shape
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((rows, d, length)) * 3 + 1e3).astype(dtype)  # a large offset
    g = rng.standard_normal(x.shape).astype(dtype)
    w = rng.uniform(0.5, 2, (groups, d)).astype(dtype) if affine in ("both", "weight") else None
    b = rng.standard_normal((groups, d)).astype(dtype) if affine in ("both", "bias") else None
    out, mean, invstd = group_norm_forward(x, w, b, groups, 1e-5)
    xhat = standardized(x, mean, invstd)
    dx, dw, db = group_norm_backward(g, x, mean, invstd, w, groups, True)
    got = (out, mean, invstd, xhat, dx, dw, db)
    assert mean.dtype == invstd.dtype == np.float64
    assert all(a.dtype == dtype for a in (out, xhat, dx, dw, db))
    want = _reference(x, w, b, groups, 1e-5, g)
    for name, a, ref in zip(("out", "mean", "invstd", "xhat", "dx", "dw", "db"), got, want,
                            strict=True):  # fmt: skip
        # The statistics are float64 sums of the input's values: exact to float64 rounding.
        rtol = 1e-12 if name in ("mean", "invstd") else tol
        np.testing.assert_allclose(a, ref, rtol=rtol, atol=tol, err_msg=name)
    # The output is the standardized input (rounded once to the dtype), scaled and shifted.
    wr = np.ones((groups, d), dtype) if w is None else w
    br = np.zeros((groups, d), dtype) if b is None else b
    h4 = xhat.reshape(-1, groups, d, length)
    np.testing.assert_allclose(
        out.reshape(h4.shape),
        h4 * wr[:, :, None] + br[:, :, None],
        rtol=4 * np.finfo(dtype).eps,
        atol=4 * np.finfo(dtype).eps,
    )
    none, dw2, db2 = group_norm_backward(g, x, mean, invstd, w, groups, False)
    assert none is None
    np.testing.assert_array_equal(dw2, dw)
    np.testing.assert_array_equal(db2, db)


@pytest.mark.parametrize("twin", [False, True])
def test_a_non_finite_value_spoils_its_row_only(twin, monkeypatch):
    use_twins(groupnorm, twin, monkeypatch)
    x = np.random.default_rng(1).standard_normal((4, 20, 1)).astype(np.float32)
    x[1, 3, 0] = np.nan
    x[2, 0, 0] = np.inf
    out, mean, invstd = group_norm_forward(x, None, None, 1, 1e-5)
    assert np.isnan(out[1]).all() and np.isnan(out[2]).all()
    assert np.isfinite(out[[0, 3]]).all()
    g = np.ones_like(x)
    dx, dw, db = group_norm_backward(g, x, mean, invstd, None, 1, True)
    assert np.isfinite(dx[[0, 3]]).all() and np.isnan(dw).any()


@pytest.mark.parametrize("twin", [False, True])
def test_a_constant_row_without_eps_gives_nan_and_signed_zeros_agree(twin, monkeypatch):
    use_twins(groupnorm, twin, monkeypatch)
    x = np.array([[[1.0], [2.0], [3.0]], [[5.0], [5.0], [5.0]]], np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out, mean, invstd = group_norm_forward(x, None, None, 1, 0.0)  # as PyTorch: no error
    np.testing.assert_allclose(out[0].ravel(), [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    assert np.isnan(out[1]).all() and np.isinf(invstd[1])
    w = np.full((1, 3), -1.0, np.float32)  # -1 * +0 = -0, then + 0 (no bias) = +0, as PyTorch
    out, _, _ = group_norm_forward(np.array([[[1.0], [2.0], [3.0]]], np.float32), w, None, 1, 0.0)
    assert not np.signbit(out[0, 1, 0])


def test_float16_takes_the_numpy_arithmetic():
    x = np.random.default_rng(2).standard_normal((4, 8, 1)).astype(np.float16)
    out, mean, invstd = group_norm_forward(x, None, None, 1, 1e-5)
    assert out.dtype == np.float16 and invstd.dtype == np.float64
    want = _reference(x, None, None, 1, 1e-5, x)[0]
    np.testing.assert_allclose(out, want, atol=5e-3)


@pytest.mark.parametrize("twin", [False, True])
@pytest.mark.parametrize("op", ["layer_norm", "group_norm"])
def test_ops_match_torch_on_both_paths(op, twin, monkeypatch):
    torch = pytest.importorskip("torch")
    use_twins(groupnorm, twin, monkeypatch)
    rng = np.random.default_rng(3)
    if op == "layer_norm":
        shape, pshape = (4, 16, 32), (32,)
        args, targs = (pshape,), (pshape,)
    else:
        shape, pshape = (4, 12, 5, 5), (12,)
        args, targs = (3,), (3,)
    x = (rng.standard_normal(shape) * 2 + 5).astype(np.float32)
    w = rng.uniform(0.5, 2, pshape).astype(np.float32)
    b = rng.standard_normal(pshape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    ours = [autograd.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = getattr(autograd, op)(ours[0], *args, ours[1], ours[2])
    ty = getattr(torch.nn.functional, op)(theirs[0], *targs, theirs[1], theirs[2])
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    for a, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape, groups", [((37, 1, 300, 1), 1), ((12, 3, 4, 5), 3)])
def test_forward_blocks_of_rows_equal_one_block(shape, groups):
    # The forward splits the rows into blocks, one per thread: any split gives the same rows.
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    x = x.reshape(shape[0] * shape[1], shape[2], shape[3])
    w = rng.standard_normal((groups, shape[2])).astype(np.float32)
    b = rng.standard_normal((groups, shape[2])).astype(np.float32)
    results = []
    for parts in (1, 3):
        out, mean, inv = np.empty_like(x), np.empty(x.shape[0]), np.empty(x.shape[0])
        groupnorm._forward.serial(x, w, b, groups, 1e-5, out, mean, inv, parts)
        results.append((out, mean, inv))
    for a, c in zip(*results):
        np.testing.assert_array_equal(a, c)
