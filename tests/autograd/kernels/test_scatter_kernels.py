"""add_rows: the sums of picked rows, repeated rows included, equal to np.add.at's; the arrays it
leaves to the caller; and the gradients of lookups that use it."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.kernels import scatter


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_rows_equals_add_at_with_repeated_rows(dtype):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 7, 200)  # every row picked many times
    g = rng.standard_normal((200, 5)).astype(dtype)
    out = rng.standard_normal((7, 5)).astype(dtype)
    want = out.astype(np.float64)
    np.add.at(want, rows, g.astype(np.float64))
    assert scatter.add_rows(out, rows, g)
    np.testing.assert_allclose(out, want, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_add_rows_leaves_other_arrays_to_the_caller():
    rows = np.array([0, 1])
    g = np.ones((2, 3))
    assert not scatter.add_rows(np.zeros((2, 3), np.int64), rows, g.astype(np.int64))
    assert not scatter.add_rows(np.zeros((2, 3), np.float32), rows, g)  # mixed dtypes
    assert not scatter.add_rows(np.zeros((3, 2)).T, rows, g)  # not C-contiguous
    assert not scatter.add_rows(np.zeros((2, 3)), rows.astype(np.int32), g)
    frozen = np.zeros((2, 3))
    frozen.flags.writeable = False
    assert not scatter.add_rows(frozen, rows, g)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_lookup_gradients_sum_repeated_ids(dtype):
    weight = autograd.randn(10, 4, dtype=dtype, requires_grad=True)
    ids = autograd.tensor([[1, 3, 1], [9, 1, -1]])
    g = autograd.randn(2, 3, 4, dtype=dtype)
    weight[ids].backward(g)
    want = np.zeros((10, 4))
    np.add.at(want, ids.numpy() % 10, g.numpy().astype(np.float64))
    np.testing.assert_allclose(weight.grad.numpy(), want, rtol=1e-6)


def test_add_rows_stand_in_equals_the_kernel_and_shapes_are_checked():
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 5, 40)
    g = rng.standard_normal((40, 3))
    a, b = np.zeros((5, 3)), np.zeros((5, 3))
    scatter._add_rows(a, rows, g)
    scatter._add_rows_numpy(b, rows, g)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert not scatter.add_rows(np.zeros((5, 3)), rows[:10], g)  # a row per gradient row
    assert not scatter.add_rows(np.zeros((5, 2)), rows, g)  # the rows' width
    assert not scatter.add_rows(np.zeros((5, 3)), rows.reshape(4, 10), g)
