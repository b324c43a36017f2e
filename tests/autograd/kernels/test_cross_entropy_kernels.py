"""The cross-entropy kernels: equal to the loss's NumPy formulation, their twins to them."""

from __future__ import annotations

import numpy as np
import pytest
from fresh_process import use_twins

import autograd
from autograd.kernels import cross_entropy as ce
from autograd.kernels._jit import run_parallel
from autograd.kernels.cross_entropy import cross_entropy_backward, cross_entropy_forward

IGNORE = -100


def _reference(x, target, ignore_index):
    # Row-max shift, softmax and -log p[target] in float64; ignored rows lose 0.
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        z = x64 - x64.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1)
        valid = target != ignore_index
        tv = np.where(valid, target, 0)
        loss = np.where(valid, np.log(s) - z[np.arange(len(x)), tv], 0.0)
    return e / s[:, None], loss


def _case(dtype, rows=37, c=10, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, c)) * 3).astype(dtype)
    x[0] = 1e4  # ties at a large shift: finite in float32
    x[1, 3] = -1e4
    x[2] = -np.inf  # a row of -inf logits: NaN
    x[3, 5] = np.nan
    x[4, 2] = np.inf
    target = rng.integers(0, c, rows)
    target[[5, 9, 2]] = IGNORE  # row 2 is ignored: a NaN softmax, loss 0
    return x, target


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("twin", [False, True])
def test_forward_matches_the_formula_with_ties_inf_nan_and_ignored_rows(dtype, twin, monkeypatch):
    use_twins(ce, twin, monkeypatch)
    x, target = _case(dtype)
    p, loss, counted, bad = cross_entropy_forward(x, target, IGNORE)
    want_p, want_loss = _reference(x, target, IGNORE)
    assert (p.dtype, loss.dtype, counted, bad) == (dtype, dtype, len(x) - 3, -1)
    tol = 2e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(p, want_p, rtol=tol, atol=tol)
    np.testing.assert_allclose(loss, want_loss, rtol=tol, atol=tol * 10)
    assert loss[2] == 0 and np.isnan(p[2]).all()  # ignored: 0 even for a row of -inf
    assert np.isnan(loss[3]) and np.isnan(loss[4]) and np.isnan(p[3]).all()


@pytest.mark.parametrize("twin", [False, True])
def test_forward_reports_the_first_out_of_range_target(twin, monkeypatch):
    use_twins(ce, twin, monkeypatch)
    x = np.zeros((5, 3))
    for target, row in [([0, 1, IGNORE, 3, -1], 3), ([0, -1, 2, 2, 0], 1)]:
        assert cross_entropy_forward(x, np.array(target), IGNORE)[3] == row
    assert cross_entropy_forward(x, np.array([0, 1, 2, 3, 4]), 3)[3] == 4  # 3 is ignored


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("twin", [False, True])
def test_backward_is_softmax_minus_onehot_times_scale(dtype, twin, monkeypatch):
    use_twins(ce, twin, monkeypatch)
    x, target = _case(dtype, seed=1)
    p, _, _, _ = cross_entropy_forward(x, target, IGNORE)
    valid = target != IGNORE
    onehot = np.zeros_like(p)
    onehot[np.flatnonzero(valid), target[valid]] = 1
    rows = np.random.default_rng(2).standard_normal(len(x)).astype(dtype)
    for scale, row_scale in [(0.25, None), (1.0, rows)]:
        per_row = np.full(len(x), scale) if row_scale is None else row_scale
        want = (p - onehot) * np.where(valid, per_row, 0)[:, None]
        got = cross_entropy_backward(p, target, IGNORE, scale, row_scale)
        assert got.dtype == dtype
        tol = 1e-6 if dtype == np.float32 else 1e-14
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        assert np.isnan(got[2]).all()  # an ignored row of -inf logits: softmax * 0, as PyTorch
    with pytest.raises(ValueError, match=r"row_scale must have shape \(37,\), got \(3,\)"):
        cross_entropy_backward(p, target, IGNORE, 1.0, rows[:3])


def test_op_takes_the_kernels_and_matches_torch_on_every_reduction():
    torch = pytest.importorskip("torch")
    x, target = _case(np.float32, rows=24, seed=3)
    x[[2, 3, 4]] = 0.5  # finite logits: every gradient comparable
    for reduction in ("mean", "sum", "none"):
        a = autograd.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ours = autograd.cross_entropy(a, autograd.tensor(target), reduction=reduction)
        theirs = torch.nn.functional.cross_entropy(b, torch.tensor(target), reduction=reduction)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5)
        g = np.linspace(-1, 2, theirs.numel()).astype(np.float32).reshape(tuple(theirs.shape))
        ours.backward(autograd.tensor(g))
        theirs.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_large_float64_blocks_take_numpy_and_the_rest_the_kernels(monkeypatch):
    # In float64 the kernels' exp is the C library's, one value at a time: past a few thousand
    # logits NumPy's vector one wins. In float32 the kernels' exp is vectorized: any size.
    from autograd.ops import loss

    calls = []

    def counted(*args):
        calls.append(args[0].size)
        return cross_entropy_forward(*args)

    monkeypatch.setattr(loss, "cross_entropy_forward", counted)
    rng = np.random.default_rng(4)
    for rows, classes in [(64, 10), (8, ce.KERNEL_MAX_SIZE // 8 + 1)]:
        x = rng.standard_normal((rows, classes))
        target = rng.integers(0, classes, rows)
        logits = autograd.tensor(x, requires_grad=True)
        out = autograd.cross_entropy(logits, autograd.tensor(target))
        out.backward()
        want_p, want_loss = _reference(x, target, IGNORE)
        np.testing.assert_allclose(out.item(), want_loss.mean(), rtol=1e-12)
        onehot = np.eye(classes)[target]
        np.testing.assert_allclose(logits.grad.numpy(), (want_p - onehot) / rows, atol=1e-15)
    assert calls == [640]  # the second block (over KERNEL_MAX_SIZE) went the NumPy way
    x = rng.standard_normal((64, 100)).astype(np.float32) * 5
    target = rng.integers(0, 100, 64)
    logits = autograd.tensor(x, requires_grad=True)
    out = autograd.cross_entropy(logits, autograd.tensor(target), reduction="sum")
    out.backward()
    want_p, want_loss = _reference(x, target, IGNORE)
    assert calls == [640, 6400]
    np.testing.assert_allclose(out.item(), want_loss.sum(), rtol=1e-6)
    np.testing.assert_allclose(
        logits.grad.numpy(), want_p - np.eye(100)[target], rtol=2e-6, atol=3e-7
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_twin_equals_the_kernel_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    p = rng.random((50, 7)).astype(dtype)
    target = rng.integers(0, 7, 50)
    target[::6] = IGNORE
    rows = rng.standard_normal(50).astype(dtype)
    for scale, row_scale in [(1 / 3, np.empty(0, dtype)), (1.0, rows)]:
        got, want = np.empty_like(p), np.empty_like(p)
        ce._backward(p, target, IGNORE, scale, row_scale, got, 3)  # three blocks of rows
        ce._backward_numpy(p, target, IGNORE, scale, row_scale, want, 1)
        np.testing.assert_array_equal(got, want)


def test_ignore_index_must_fit_in_int64():
    x = autograd.zeros(2, 3, requires_grad=True)
    with pytest.raises(
        ValueError, match=r"ignore_index must fit in int64, got 9223372036854775808"
    ):
        autograd.cross_entropy(x, autograd.tensor([0, 1]), ignore_index=2**63)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blocks_of_rows_give_the_one_blocks_values(dtype):
    # Rows shared between threads (parts) or run one block after another: the same values.
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((50, 40)) * 5).astype(dtype)
    target = rng.integers(0, 40, 50)
    target[::7] = IGNORE
    outs = []
    for run, parts in [(ce._forward.serial, 1), (ce._forward.serial, 3), (run_parallel, 2)]:
        p, loss = np.empty_like(x), np.empty(50, dtype)
        args = (x, target, IGNORE, p, loss, parts)
        counted, bad = run(ce._forward, *args) if run is run_parallel else run(*args)
        assert (counted, bad) == (int((target != IGNORE).sum()), -1)
        outs.append((p, loss))
    for p, loss in outs[1:]:
        np.testing.assert_array_equal(p, outs[0][0])
        np.testing.assert_array_equal(loss, outs[0][1])
    g = np.empty_like(x)
    run_parallel(ce._backward, outs[0][0], target, IGNORE, 0.5, np.empty(0, dtype), g, 2)
    want = np.empty_like(x)
    ce._backward.serial(outs[0][0], target, IGNORE, 0.5, np.empty(0, dtype), want, 1)
    np.testing.assert_array_equal(g, want)
