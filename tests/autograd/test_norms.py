"""Tests for autograd/ops/norms.py beyond the registry's checks: linalg.norm's dispatch and
named errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd


@pytest.mark.parametrize(
    "shape, ord, dim, keepdim",
    [((2, 3, 4), None, None, True), ((3,), 1, None, False), ((3, 4), "nuc", None, False),
     ((3, 4), math.inf, None, True), ((2, 3, 4), -1, (2, 0), True), ((2, 3), 0, 1, False)],
)  # fmt: skip
def test_linalg_norm_dispatch_matches_torch(torch, shape, ord, dim, keepdim):
    x = np.random.default_rng(0).standard_normal(shape)
    ours = autograd.linalg.norm(autograd.tensor(x), ord, dim, keepdim)
    theirs = torch.linalg.norm(torch.tensor(x), ord, dim, keepdim)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_cdist_gradient_at_zero_distance_is_zero_as_torch(torch):
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    ours = autograd.tensor(a, requires_grad=True)
    theirs = torch.tensor(a, requires_grad=True)
    autograd.cdist(ours, ours.detach()).sum().backward()
    torch.cdist(theirs, theirs.detach()).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


def test_errors_are_named():
    with pytest.raises(TypeError, match="floating point"):
        autograd.linalg.vector_norm(autograd.tensor([1, 2]))
    with pytest.raises(ValueError, match="ord must be 'fro', 'nuc'"):
        autograd.linalg.matrix_norm(autograd.ones(2, 2), ord=3)
    with pytest.raises(ValueError, match="dim must be a 2-tuple"):
        autograd.linalg.matrix_norm(autograd.ones(2, 2), dim=0)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        autograd.linalg.norm(autograd.ones(2, 2, 2), ord=2)
    with pytest.raises(ValueError, match="same number of columns"):
        autograd.cdist(autograd.ones(2, 3), autograd.ones(2, 4))
    with pytest.raises(ValueError, match="non-negative"):
        autograd.cdist(autograd.ones(2, 3), autograd.ones(2, 3), p=-1)
