"""Tests for autograd/ops/index_update.py beyond the registry's checks: forward mode, the
in-place twins against PyTorch's, and named errors."""

from __future__ import annotations

import numpy as np
import pytest
from jvp_check import forward_mode_test

import autograd

# index_add, index_copy and index_fill run on gather_scatter.py's Scatter (its rule lives there)
JVP_OPS = ["scatter_reduce"]


test_forward_mode_agrees_with_reverse_mode = forward_mode_test(JVP_OPS)


def test_inplace_twins_match_torch(torch):
    x = np.arange(12.0).reshape(3, 4)
    idx = np.array([2, 0])
    src = np.ones((2, 4))
    cases = [
        ("index_add_", (0, idx, src), {"alpha": 2}),
        ("index_copy_", (0, idx, src), {}),
        ("index_fill_", (1, idx, -1.0), {}),
        ("scatter_", (1, np.array([[1], [0], [3]]), 5.0), {}),
        ("scatter_add_", (0, np.array([[1, 0, 2, 2]]), np.ones((1, 4))), {}),
        ("scatter_reduce_", (0, np.array([[1, 0, 2, 2]]), np.ones((1, 4)), "amin"), {}),
    ]
    for name, args, kwargs in cases:
        ours = autograd.tensor(x)
        theirs = torch.tensor(x)
        out = getattr(ours, name)(*[autograd.tensor(a) if isinstance(a, np.ndarray) else a
                                    for a in args], **kwargs)  # fmt: skip
        getattr(theirs, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a
                                for a in args], **kwargs)  # fmt: skip
        assert out is ours, name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)


def test_inplace_index_add_records_the_graph():
    w = autograd.ones(3, requires_grad=True)
    y = autograd.zeros(4) * 1
    y.index_add_(0, autograd.tensor([1, 1, 3]), w * 2)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])


def test_index_fill_with_a_tensor_value_gets_its_gradient(torch):
    v = autograd.tensor(2.0, requires_grad=True)
    tv = torch.tensor(2.0, requires_grad=True)
    autograd.ones(2, 3).index_fill(1, autograd.tensor([0, 2]), v).sum().backward()
    torch.ones(2, 3).index_fill(1, torch.tensor([0, 2]), tv).sum().backward()
    assert v.grad.item() == tv.grad.item() == 4.0


def test_repeat_interleave_matches_torch(torch):
    x = np.arange(6.0).reshape(2, 3)
    ours = autograd.repeat_interleave(autograd.tensor(x), autograd.tensor([1, 0, 2]), dim=1)
    theirs = torch.repeat_interleave(torch.tensor(x), torch.tensor([1, 0, 2]), dim=1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(
        autograd.tensor(x).repeat_interleave(2).numpy(), torch.tensor(x).repeat_interleave(2)
    )


def test_errors_are_named():
    with pytest.raises(ValueError, match="source must have shape"):
        autograd.zeros(3, 2).index_add(0, autograd.tensor([0]), autograd.ones(2, 2))
    with pytest.raises(IndexError, match="index 5 is out of range"):
        autograd.zeros(3).index_copy(0, autograd.tensor([5]), autograd.ones(1))
    with pytest.raises(TypeError, match="value must be a number"):
        autograd.zeros(3).index_fill(0, autograd.tensor([0]), "x")
    with pytest.raises(ValueError, match="reduce must be"):
        autograd.zeros(3).scatter_reduce(0, autograd.tensor([0]), autograd.ones(1), "max")
    with pytest.raises(ValueError, match="repeats must have 3 counts"):
        autograd.ones(3).repeat_interleave(autograd.tensor([1, 2]))
    with pytest.raises(ValueError, match="addmm_"):
        autograd.zeros(2, 2).addmm_(autograd.ones(3, 2), autograd.ones(2, 2))
