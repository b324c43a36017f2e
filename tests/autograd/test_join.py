"""Joining and splitting (autograd/ops/join.py): multi-output backward, dtype promotion,
round trips and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from torch_reference import grad_vs_torch

import autograd as ag


def _x(*shape, requires_grad=True):
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 7.0 - 1.0
    return ag.tensor(a, requires_grad=requires_grad)


def test_unbind_and_chunk_backward_with_unused_outputs(torch):
    a = np.random.default_rng(2).standard_normal((3, 5))
    grad_vs_torch(torch, lambda x: x.unbind(1)[1:3], lambda x: x.unbind(1)[1:3], a)
    grad_vs_torch(torch, lambda x: x.chunk(2, 1)[1], lambda x: x.chunk(2, 1)[1], a)
    grad_vs_torch(torch, lambda x: x.split([1, 2], 0), lambda x: x.split([1, 2], 0), a)


def test_cat_promotes_dtypes_and_routes_gradients(torch):
    a = ag.tensor([[1.0, 2.0]], dtype=ag.float32, requires_grad=True)
    b = ag.tensor([[3.0, 4.0]], dtype=ag.float64, requires_grad=True)
    i = ag.tensor([[5, 6]])
    y = ag.cat([a, b, i])
    assert y.dtype == np.float64
    assert torch.cat([torch.zeros(1, 2), torch.zeros(1, 2, dtype=torch.float64)]).dtype == (
        torch.float64
    )
    y.backward(ag.tensor(np.arange(6.0).reshape(3, 2)))
    assert a.grad.dtype == np.float32
    np.testing.assert_array_equal(a.grad.numpy(), [[0.0, 1.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [[2.0, 3.0]])


def test_cat_skips_legacy_empty_tensors():
    assert ag.cat([ag.zeros(0), ag.ones(2, 3)]).shape == (2, 3)


def test_cat_stack_split_round_trips():
    x = _x(4, 5)
    parts = x.split([1, 3, 1], dim=1)
    np.testing.assert_array_equal(ag.cat(parts, dim=1).detach().numpy(), x.detach().numpy())
    rows = x.unbind(0)
    np.testing.assert_array_equal(ag.stack(rows).detach().numpy(), x.detach().numpy())
    np.testing.assert_array_equal(
        ag.stack(x.unbind(1), dim=-1).detach().numpy(), x.detach().numpy()
    )
    y = ag.cat(x.chunk(3, 0))
    y.backward(ag.ones(4, 5, dtype=ag.float64))
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((4, 5)))


def test_chunk_may_return_fewer_pieces():
    assert [p.shape[0] for p in ag.zeros(6).chunk(4)] == [2, 2, 2]


def test_cat_and_stack_mismatch_name_the_tensor():
    with pytest.raises(
        ValueError,
        match=r"cat: tensors\[1\] has shape \(2, 3\) but tensors\[0\] has shape \(3, 4\)",
    ):
        ag.cat([ag.zeros(3, 4), ag.zeros(2, 3)])
    with pytest.raises(ValueError, match=r"stack: tensors\[2\] has shape \(3,\)"):
        ag.stack([ag.zeros(2), ag.zeros(2), ag.zeros(3)])
    with pytest.raises(ValueError, match="0-d"):
        ag.cat([ag.zeros(())])
    with pytest.raises(TypeError, match="list or tuple"):
        ag.cat(ag.zeros(3))
    with pytest.raises(ValueError, match="non-empty"):
        ag.stack([])


def test_bad_split_arguments():
    with pytest.raises(ValueError, match=r"split: sections \[1, 1\] must .* sum to the size 3"):
        ag.zeros(3).split([1, 1])
    with pytest.raises(ValueError, match="chunk: chunks must be a positive int"):
        ag.zeros(3).chunk(0)
