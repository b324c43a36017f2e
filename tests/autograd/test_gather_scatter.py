"""Gather and scatter along a dim (autograd/ops/gather_scatter.py): gradients against PyTorch,
src larger than index, and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from torch_reference import grad_vs_torch

import autograd as ag


def _a(*shape):
    return np.random.default_rng(0).standard_normal(shape)


def test_gather_scatter_vs_torch(torch):
    idx = np.array([[0, 2, 2], [1, 1, 0]])
    grad_vs_torch(
        torch, lambda x: ag.gather(x, 1, idx), lambda x: torch.gather(x, 1, torch.tensor(idx)),
        _a(2, 4),
    )  # fmt: skip
    idx2 = np.array([[1, 0, 2]])
    grad_vs_torch(
        torch,
        lambda x, s: ag.scatter(x, 0, idx2, s),
        lambda x, s: torch.scatter(x, 0, torch.tensor(idx2), s),
        _a(3, 3), _a(1, 3),
    )  # fmt: skip
    grad_vs_torch(
        torch,
        lambda x, s: ag.scatter_add(x, 1, idx, s),
        lambda x, s: torch.scatter_add(x, 1, torch.tensor(idx), s),
        _a(2, 4), _a(2, 3),
    )  # fmt: skip
    grad_vs_torch(
        torch,
        lambda x: ag.scatter(x, 1, idx2, 2.5),
        lambda x: torch.scatter(x, 1, torch.tensor(idx2), 2.5),
        _a(2, 4),
    )  # fmt: skip


def test_scatter_with_src_larger_than_index():
    x = ag.tensor(_a(3, 3), requires_grad=True)
    s = ag.tensor(_a(2, 4), requires_grad=True)
    idx = np.array([[2], [0]])
    assert ag.gradcheck(lambda a, b: ag.scatter(a, 0, idx, b), (x, s))
    assert ag.gradgradcheck(lambda a, b: ag.scatter_add(a, 1, idx, b), (x, s))


def test_index_select_and_take_along_dim(torch):
    idx = np.array([2, 0, 2])
    grad_vs_torch(
        torch,
        lambda x: ag.index_select(x, 1, idx),
        lambda x: torch.index_select(x, 1, torch.tensor(idx)),
        _a(2, 3, 2),
    )  # fmt: skip
    ind = np.array([[[0], [1]]])
    grad_vs_torch(
        torch,
        lambda x: ag.take_along_dim(x, ind, dim=2),
        lambda x: torch.take_along_dim(x, torch.tensor(ind), dim=2),
        _a(3, 2, 4),
    )  # fmt: skip
    grad_vs_torch(
        torch,
        lambda x: ag.take_along_dim(x, np.array([5, 0, 5])),
        lambda x: torch.take_along_dim(x, torch.tensor([5, 0, 5])),
        _a(2, 3),
    )  # fmt: skip


def test_gather_scatter_errors():
    x = ag.zeros(3, 4)
    with pytest.raises(
        RuntimeError, match="gather: index 5 is out of bounds for dim 0 with size 3"
    ):
        ag.gather(x, 0, ag.tensor([[5]]))
    with pytest.raises(RuntimeError, match="gather: index -1 is out of bounds"):
        ag.gather(x, 1, ag.tensor([[-1]]))
    with pytest.raises(ValueError, match="gather: index must have as many dims"):
        ag.gather(x, 1, ag.tensor([0]))
    with pytest.raises(TypeError, match="gather: index must be an integer tensor"):
        ag.gather(x, 1, ag.tensor([[0.0]]))
    with pytest.raises(ValueError, match="gather: dim 2 is out of range"):
        ag.gather(x, 2, ag.tensor([[0]]))
    with pytest.raises(RuntimeError, match="scatter: index 4 is out of bounds for dim 1"):
        x.scatter(1, ag.tensor([[4]]), 1.0)
    with pytest.raises(ValueError, match="scatter_add: src of shape"):
        x.scatter_add(1, ag.tensor([[0, 1]]), ag.ones(1, 1))
    with pytest.raises(TypeError, match="exactly one of src"):
        ag.scatter(x, 0, ag.tensor([[0]]))
    with pytest.raises(IndexError, match="index_select: index 3 is out of range for dim 0"):
        x.index_select(0, ag.tensor([0, 3]))
    with pytest.raises(ValueError, match="index_select: index must be 0-d or 1-d"):
        x.index_select(0, ag.tensor([[0]]))
