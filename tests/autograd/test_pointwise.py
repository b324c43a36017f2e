"""Tests for autograd/ops/pointwise.py beyond the registry's checks: NaN handling, forward
mode, apply_, and named errors."""

from __future__ import annotations

import numpy as np
import pytest
from jvp_check import forward_mode_test

import autograd

JVP_OPS = ["atan2", "hypot", "xlogy", "nan_to_num"]


test_forward_mode_agrees_with_reverse_mode = forward_mode_test(JVP_OPS)


def test_nan_to_num_and_xlogy_with_nan_match_torch(torch):
    x = np.array([np.nan, np.inf, -np.inf, 1.0], dtype=np.float32)
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, tout = autograd.nan_to_num(ours, nan=2.0), torch.nan_to_num(theirs, nan=2.0)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    a, b = np.array([0.0, 0.0, 2.0]), np.array([np.nan, 0.0, 0.0])
    np.testing.assert_array_equal(
        autograd.xlogy(autograd.tensor(a), autograd.tensor(b)).numpy(),
        torch.xlogy(torch.tensor(a), torch.tensor(b)).numpy(),
    )


def test_nan_to_num_in_place_and_integers():
    t = autograd.tensor([np.nan, 1.0])
    assert t.nan_to_num_(nan=-1.0) is t
    np.testing.assert_array_equal(t.numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(autograd.nan_to_num(autograd.tensor([1, 2])).numpy(), [1, 2])


def test_atan2_promotes_integers_and_aliases(torch):
    ours = autograd.arctan2(autograd.tensor([1, -1]), autograd.tensor([0, 0]))
    theirs = torch.arctan2(torch.tensor([1, -1]), torch.tensor([0, 0]))
    assert str(ours.dtype).endswith("float32")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_apply_():
    t = autograd.tensor([[1, 2], [3, 4]])
    assert t.apply_(lambda v: v * v) is t
    np.testing.assert_array_equal(t.numpy(), [[1, 4], [9, 16]])
    with pytest.raises(TypeError, match="callable must be callable"):
        t.apply_(3)
    with pytest.raises(RuntimeError, match="apply_"):
        (autograd.ones(2, requires_grad=True) * 2).apply_(lambda v: v)


def test_errors_are_named():
    with pytest.raises(TypeError, match="nan must be a number"):
        autograd.nan_to_num(autograd.ones(2), nan="x")
    with pytest.raises(ValueError, match="broadcast"):
        autograd.atan2(autograd.ones(2), autograd.ones(3))
