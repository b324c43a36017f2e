"""The softmax row kernels: equal to the closed forms on short rows (one scalar loop) and long
ones (the vectorized loops), their twins to them, the ops to PyTorch."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from fresh_process import use_twins

import autograd
import nn
from autograd.kernels import softmax as sm


def _rows(dtype, n=7, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((9, n)) * 3).astype(dtype)
    x[0] = 1e4  # ties at a large shift: finite
    x[1, 2] = -np.inf  # one -inf: probability 0
    x[2] = -np.inf  # only -inf: NaN
    x[3, 1] = np.nan
    x[4, 0] = np.inf
    return x


@pytest.mark.parametrize("n", [7, 37])  # below and above VECTOR_MIN_LENGTH
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("twin", [False, True])
def test_forward_and_backward_match_the_closed_forms(n, dtype, log, twin, monkeypatch):
    use_twins(sm, twin, monkeypatch)
    x = _rows(dtype, n)
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        z = x64 - x64.max(axis=1, keepdims=True)
        s = np.exp(z).sum(axis=1, keepdims=True)
    want = z - np.log(s) if log else np.exp(z) / s
    y = sm.softmax_rows(x, log)
    tol = 2e-6 if dtype == np.float32 else 1e-14
    assert y.dtype == dtype
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol)
    assert np.isnan(y[2:5]).all() and not np.isnan(y[[0, 1, 5, 6, 7, 8]]).any()
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    y64 = y.astype(np.float64)
    if log:
        want_g = g - np.exp(y64) * g.sum(axis=1, keepdims=True)
    else:
        want_g = g * y64 - y64 * (g * y64).sum(axis=1, keepdims=True)
    gx = sm.softmax_rows_backward(y, g, log)
    assert gx.dtype == dtype
    np.testing.assert_allclose(gx, want_g, rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("log", [False, True])
def test_a_block_of_several_chunks_matches_row_by_row(dtype, log, monkeypatch):
    # Rows run in chunks of _rows.PASS_BYTES, each stage a pass over the chunk: a block of
    # several chunks (the last one partly filled) gives every row what that row alone gives.
    use_twins(sm, False, monkeypatch)
    rows = 3 * (16 * 1024 // (37 * np.dtype(dtype).itemsize)) + 5
    x = (np.random.default_rng(2).standard_normal((rows, 37)) * 3).astype(dtype)
    x[rows // 2, 3] = np.nan
    x[-1] = -np.inf
    y = sm.softmax_rows(x, log)
    with np.errstate(invalid="ignore"):
        alone = np.concatenate([sm.softmax_rows(x[i : i + 1], log) for i in range(rows)])
    np.testing.assert_array_equal(y, alone)
    assert np.isnan(y[rows // 2]).all() and np.isnan(y[-1]).all()
    assert not np.isnan(np.delete(y, [rows // 2, rows - 1], axis=0)).any()


@pytest.mark.parametrize("log", [False, True])
def test_a_row_of_one_value(log):
    y = sm.softmax_rows(np.array([[3.0], [-np.inf]]), log)
    np.testing.assert_array_equal(y[0], [0.0 if log else 1.0])
    assert np.isnan(y[1]).all()


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize(
    "shape, dim",
    [
        ((64, 10), 1),
        ((4, 3, 5), -1),
        ((4, 3, 5), 1),
        ((8, sm.KERNEL_MAX_SIZE), 1),
        ((2, 4, 64, 40), -1),
    ],  # fmt: skip
)
def test_ops_match_torch_on_both_paths(fn, shape, dim, monkeypatch):
    torch = pytest.importorskip("torch")
    ops = importlib.import_module("autograd.ops.softmax")  # the module, not the op

    calls = []
    counted = sm.softmax_rows

    def count(x, log):
        calls.append(x.size)
        return counted(x, log)

    monkeypatch.setattr(ops, "softmax_rows", count)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    x.reshape(-1)[::11] = 40.0  # large logits: the shift matters
    g = rng.standard_normal(shape).astype(np.float32)
    a = autograd.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ours = getattr(nn.functional, fn)(a, dim=dim)
    theirs = getattr(torch.nn.functional, fn)(b, dim=dim)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=2e-6)
    ours.backward(autograd.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=2e-6)
    rows = dim in (-1, len(shape) - 1)  # float32 blocks of any size: the kernels
    assert calls == ([int(np.prod(shape))] if rows else [])


def test_float64_blocks_over_the_limit_take_numpy():
    assert sm.takes(np.zeros((8, sm.KERNEL_MAX_SIZE // 8)))
    assert not sm.takes(np.zeros((8, sm.KERNEL_MAX_SIZE // 8 + 1)))
    assert sm.takes(np.zeros((8, sm.KERNEL_MAX_SIZE), np.float32))
    assert not sm.takes(np.zeros((0, 4), np.float32))
    assert not sm.takes(np.zeros((2, 4), np.float16))


@pytest.mark.parametrize("log", [False, True])
def test_blocks_of_rows_equal_one_block(log):
    # The kernels split the rows into blocks, one per thread: any split gives the same rows.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((37, 300)).astype(np.float32)
    g = rng.standard_normal((37, 300)).astype(np.float32)
    one, three = np.empty_like(x), np.empty_like(x)
    sm._forward.serial(x, log, one, 1)
    sm._forward.serial(x, log, three, 3)
    np.testing.assert_array_equal(one, three)
    gx1, gx3 = np.empty_like(x), np.empty_like(x)
    sm._backward.serial(one, g, log, gx1, 1)
    sm._backward.serial(one, g, log, gx3, 3)
    np.testing.assert_array_equal(gx1, gx3)
