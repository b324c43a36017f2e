"""Diagonal-structure ops (autograd/ops/diagonals.py): diagonal as a writable view, NumPy-function
dispatch and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def _a(*shape):
    return np.random.default_rng(6).standard_normal(shape)


def test_diagonal_is_a_writable_view():
    x = ag.zeros(3, 3)
    x.diagonal().add_(1.0)
    np.testing.assert_array_equal(x.numpy(), np.eye(3))
    assert x._version == 1


def test_numpy_diagonal_maps_offset_and_axes():
    a = _a(2, 3, 4)
    x = ag.tensor(a, requires_grad=True)
    y = np.diagonal(x, offset=1, axis1=2, axis2=0)
    assert isinstance(y, ag.Tensor) and y.grad_fn is not None
    np.testing.assert_array_equal(y.detach().numpy(), np.diagonal(a, offset=1, axis1=2, axis2=0))
    np.testing.assert_array_equal(
        np.diagonal(x, -1, axis2=2).detach().numpy(), np.diagonal(a, -1, axis2=2)
    )


def test_numpy_tril_triu_map_k():
    a = _a(3, 3)
    x = ag.tensor(a)
    np.testing.assert_array_equal(np.tril(x, k=-1).numpy(), np.tril(a, k=-1))
    np.testing.assert_array_equal(np.triu(x, k=1).numpy(), np.triu(a, k=1))


def test_bad_diagonal_arguments():
    with pytest.raises(ValueError, match="tril: expected a tensor with at least 2"):
        ag.tril(ag.zeros(3))
    with pytest.raises(ValueError, match="triu: expected a tensor with at least 2"):
        ag.triu(ag.zeros(3))
    with pytest.raises(ValueError, match="diagonal: dim1 and dim2"):
        ag.zeros(3, 3).diagonal(0, 1, -1)
    with pytest.raises(ValueError, match="diagonal: expected a tensor with at least 2"):
        ag.diagonal(ag.zeros(3))
