"""Gather and scatter along a dim (autograd/ops/gather_scatter.py): gradients against PyTorch,
src larger than index, and bad-input errors."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from torch_reference import grad_vs_torch

import autograd as ag


def _a(*shape):
    return np.random.default_rng(0).standard_normal(shape)


_IDX = [[0, 2, 2], [1, 1, 0]]
_IDX2 = [[1, 0, 2]]

# Each case calls one op through ``lib`` (autograd or torch, which share the names) with index
# arrays made by ``ix`` (np.array or torch.tensor), so one line serves both libraries.
_CASES = [
    pytest.param(lambda lib, ix, x: lib.gather(x, 1, ix(_IDX)), [(2, 4)], id="gather"),
    pytest.param(
        lambda lib, ix, x, s: lib.scatter(x, 0, ix(_IDX2), s), [(3, 3), (1, 3)], id="scatter"
    ),
    pytest.param(
        lambda lib, ix, x, s: lib.scatter_add(x, 1, ix(_IDX), s),
        [(2, 4), (2, 3)],
        id="scatter_add",
    ),
    pytest.param(
        lambda lib, ix, x: lib.scatter(x, 1, ix(_IDX2), 2.5), [(2, 4)], id="scatter_value"
    ),
    pytest.param(
        lambda lib, ix, x: lib.index_select(x, 1, ix([2, 0, 2])), [(2, 3, 2)], id="index_select"
    ),
    pytest.param(
        lambda lib, ix, x: lib.take_along_dim(x, ix([[[0], [1]]]), dim=2),
        [(3, 2, 4)],
        id="take_along_dim",
    ),
    pytest.param(
        lambda lib, ix, x: lib.take_along_dim(x, ix([5, 0, 5])),
        [(2, 3)],
        id="take_along_dim_flat",
    ),
]


@pytest.mark.parametrize("call, shapes", _CASES)
def test_gather_scatter_and_selection_vs_torch(torch, call, shapes):
    grad_vs_torch(
        torch,
        functools.partial(call, ag, np.array),
        functools.partial(call, torch, torch.tensor),
        *(_a(*shape) for shape in shapes),
    )


def test_scatter_with_src_larger_than_index():
    x = ag.tensor(_a(3, 3), requires_grad=True)
    s = ag.tensor(_a(2, 4), requires_grad=True)
    idx = np.array([[2], [0]])
    assert ag.gradcheck(lambda a, b: ag.scatter(a, 0, idx, b), (x, s))
    assert ag.gradgradcheck(lambda a, b: ag.scatter_add(a, 1, idx, b), (x, s))


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
