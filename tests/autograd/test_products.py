"""Tests for autograd/ops/products.py beyond the registry's checks: PyTorch's conventions
(beta=0, cross's default dim), in-place twins, and named errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd


def test_beta_zero_ignores_nan_input(torch):
    x = np.ones((2, 2))
    nan = np.full((2, 2), np.nan)
    ours = autograd.addmm(autograd.tensor(nan), autograd.tensor(x), autograd.tensor(x), beta=0)
    theirs = torch.addmm(torch.tensor(nan), torch.tensor(x), torch.tensor(x), beta=0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_inplace_twins_match_torch(torch):
    rng = np.random.default_rng(0)
    inp, m1, m2 = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 4)),
        rng.standard_normal((4, 3)),
    )
    t = autograd.tensor(inp)
    out = t.addmm_(autograd.tensor(m1), autograd.tensor(m2), beta=0.5, alpha=2.0)
    assert out is t
    expected = torch.tensor(inp).addmm_(torch.tensor(m1), torch.tensor(m2), beta=0.5, alpha=2.0)
    np.testing.assert_allclose(t.numpy(), expected.numpy(), rtol=1e-12)
    leaf = autograd.tensor(inp, requires_grad=True)
    y = leaf * 1
    y.addmm_(autograd.tensor(m1), autograd.tensor(m2), beta=3)
    y.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), np.full((2, 3), 3.0))


def test_cross_default_dim_is_the_first_of_size_3(torch):
    a = np.random.default_rng(1).standard_normal((3, 3, 2))
    b = np.random.default_rng(2).standard_normal((3, 3, 2))
    ours = autograd.cross(autograd.tensor(a), autograd.tensor(b)).numpy()
    with pytest.warns(UserWarning):
        theirs = torch.cross(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_kron_of_different_ranks_matches_torch(torch):
    a, b = np.arange(6.0).reshape(2, 3), np.arange(4.0)
    ours = autograd.kron(autograd.tensor(a), autograd.tensor(b)).numpy()
    np.testing.assert_array_equal(ours, torch.kron(torch.tensor(a), torch.tensor(b)).numpy())


def test_errors_are_named():
    with pytest.raises(ValueError, match="addmm: expected 2-D matrices, got mat1"):
        autograd.addmm(autograd.ones(2, 2), autograd.ones(2), autograd.ones(2, 2))
    with pytest.raises(ValueError, match="cannot be broadcast to the product's shape"):
        autograd.addmm(autograd.ones(3, 1, 1), autograd.ones(3, 2), autograd.ones(2, 4))
    with pytest.raises(ValueError, match="batch1 must be a 3-D"):
        autograd.baddbmm(autograd.ones(2, 2), autograd.ones(2, 2), autograd.ones(2, 2))
    with pytest.raises(ValueError, match="must have size 3"):
        autograd.linalg.cross(autograd.ones(4), autograd.ones(4))
    with pytest.raises(ValueError, match="same number of dimensions"):
        autograd.linalg.cross(autograd.ones(1, 3), autograd.ones(3))
    with pytest.raises(ValueError, match="same size along dim"):
        autograd.linalg.vecdot(autograd.ones(3, 2), autograd.ones(3, 1))
    with pytest.raises(ValueError, match=r"tensors\[1\] must be 2-D"):
        autograd.linalg.multi_dot([autograd.ones(2), autograd.ones(2), autograd.ones(2)])
    with pytest.raises(ValueError, match="do not align"):
        autograd.mv(autograd.ones(2, 3), autograd.ones(2))
