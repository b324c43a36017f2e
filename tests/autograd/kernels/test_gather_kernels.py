"""The gather kernels: NumPy's ``take_along_axis`` values and ``np.add.at`` sums along every
dim, split between any number of parts; the first index out of range found; and ``gather``
through them: its error for a bad index, its gradients to second order, and NumPy's way for
what they do not take."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.kernels import gather as kernels
from autograd.kernels._jit import run_parallel

CASES = [((6, 9), 0, 4), ((6, 9), 1, 12), ((3, 5, 7), 0, 2), ((3, 5, 7), 1, 8), ((3, 5, 7), 2, 3),
         ((4, 1, 6), 1, 5), ((11,), 0, 20)]  # fmt: skip


def _case(shape: tuple, dim: int, k: int, dtype: type, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x.reshape(-1)[:3] = [np.inf, np.nan, -0.0]
    ishape = list(shape)
    ishape[dim] = k
    index = rng.integers(0, shape[dim], ishape)
    return x, index


def _blocks(x: np.ndarray, dim: int, index: np.ndarray) -> tuple:
    before, n, after = kernels._blocks(x.shape, dim)
    k = index.shape[dim]
    return x.reshape(before, n, after), index.reshape(before, k, after), (before, k, after)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("parts", [1, 2, 5])
def test_gather_kernel_is_take_along_axis(dtype, case, parts):
    x, index = _case(*case, dtype)
    dim = case[1]
    x3, i3, shape3 = _blocks(x, dim, index)
    out = np.empty(shape3, dtype)
    assert kernels._gather.serial(x3, i3, out, parts) == -1
    want = np.take_along_axis(x, index, dim)
    np.testing.assert_array_equal(out.reshape(index.shape), want)
    out[...] = 0
    assert run_parallel(kernels._gather, x3, i3, out, parts) == -1
    np.testing.assert_array_equal(out.reshape(index.shape), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("parts", [1, 3])
def test_gather_backward_sums_repeated_places(dtype, case, parts):
    _, index = _case(*case, dtype)
    shape, dim, _ = case
    g = np.random.default_rng(1).standard_normal(index.shape).astype(dtype)
    want = np.zeros(shape, dtype)
    grid = np.indices(index.shape)
    grid[dim] = index
    np.add.at(want, tuple(grid), g)
    before, n, after = kernels._blocks(shape, dim)
    out = np.zeros(shape, dtype)
    k = index.shape[dim]
    kernels._add_at.serial(
        g.reshape(before, k, after), index.reshape(before, k, after),
        out.reshape(before, n, after), parts,
    )  # fmt: skip
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(kernels.gather_backward(g, dim, index, shape), want)


@pytest.mark.parametrize("bad", [-1, 9, 100])
@pytest.mark.parametrize("parts", [1, 3])
def test_gather_kernel_finds_the_first_index_out_of_range(bad, parts):
    x, index = _case((6, 9), 1, 12, np.float32)
    index[2, 7] = bad
    index[4, 1] = bad
    x3, i3, shape3 = _blocks(x, 1, index)
    assert kernels._gather.serial(x3, i3, np.empty(shape3, np.float32), parts) == 2 * 12 + 7
    assert kernels.gather(x, 1, index)[1] == 2 * 12 + 7


def test_gather_reports_an_index_out_of_range_as_before():
    x = autograd.zeros(2, 3, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"gather: index 3 is out of bounds for dim 1 with size 3"
    ):
        autograd.gather(x, 1, autograd.tensor([[0, 3], [1, 2]]))
    with pytest.raises(RuntimeError, match=r"gather: index -1 is out of bounds for dim 0"):
        autograd.gather(x, 0, autograd.tensor([[0, -1, 1], [1, 0, 0]]))
    assert x.grad is None


@pytest.mark.parametrize(
    "x, dim, index",
    [
        (np.zeros((4, 5), np.float32), 1, np.zeros((3, 2), np.int64)),  # smaller outside dim
        (np.zeros((4, 5), np.int64), 1, np.zeros((4, 2), np.int64)),  # integer values
        (np.zeros((5, 4), np.float32).T, 1, np.zeros((4, 2), np.int64)),  # strided
        (np.zeros((4, 5), np.float32), 1, np.zeros((4, 2), np.int32)),  # int32 indices
    ],
    ids=["smaller", "ints", "strided", "int32"],
)
def test_kernels_leave_what_they_do_not_take(x, dim, index):
    assert not kernels.takes(x, dim, index)


def test_gather_through_the_kernels_and_numpys_way_agree_to_second_order():
    rng = np.random.default_rng(2)
    x_np = rng.standard_normal((4, 6, 5))
    index = rng.integers(0, 6, (4, 9, 5))
    x = autograd.tensor(x_np, requires_grad=True)
    assert kernels.takes(x_np, 1, index)
    assert autograd.gradcheck(lambda t: autograd.gather(t, 1, autograd.tensor(index)), (x,))
    assert autograd.gradgradcheck(lambda t: autograd.gather(t * t, 1, autograd.tensor(index)), (x,))
    # The kernels' gradient against NumPy's way (an index smaller outside dim takes it).
    y = autograd.gather(x, 1, autograd.tensor(index)).pow(2).sum()
    (g,) = autograd.grad(y, x)
    twin = autograd.tensor(np.concatenate([x_np, np.zeros((1, 6, 5))]), requires_grad=True)
    y2 = autograd.gather(twin, 1, autograd.tensor(index)).pow(2).sum()
    (g2,) = autograd.grad(y2, twin)
    np.testing.assert_allclose(g.numpy(), g2.numpy()[:4], rtol=1e-12)
