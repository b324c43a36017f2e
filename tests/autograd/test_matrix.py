"""Tests for autograd/ops/matrix.py and the autograd.linalg namespace beyond the registry's
checks: forward mode, PyTorch's namespaces, and named errors."""

from __future__ import annotations

import numpy as np
import pytest
from jvp_check import forward_mode_test

import autograd

JVP_OPS = ["inverse", "det", "slogdet", "logdet", "linalg.solve"]


test_forward_mode_agrees_with_reverse_mode = forward_mode_test(JVP_OPS)


def test_linalg_namespace_matches_torch_names(torch):
    for name in ["det", "inv", "slogdet", "solve", "matrix_power"]:
        assert hasattr(autograd.linalg, name) and hasattr(torch.linalg, name), name
    assert autograd.linalg.inv is autograd.inverse
    assert "solve" not in dir(autograd)  # PyTorch keeps it in torch.linalg only


def test_solve_broadcasts_and_left_false_match_torch(torch):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 1, 3, 3)) + 4 * np.eye(3)
    b = rng.standard_normal((4, 3, 2))
    ours = autograd.linalg.solve(autograd.tensor(a), autograd.tensor(b))
    theirs = torch.linalg.solve(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    b2 = rng.standard_normal((2, 3))
    ours = autograd.linalg.solve(autograd.tensor(a[0, 0]), autograd.tensor(b2), left=False)
    theirs = torch.linalg.solve(torch.tensor(a[0, 0]), torch.tensor(b2), left=False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_logdet_of_negative_and_singular_matrices_match_torch(torch):
    for m in ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]]):
        ours = autograd.logdet(autograd.tensor(m)).item()
        theirs = torch.logdet(torch.tensor(m)).item()
        np.testing.assert_equal(ours, theirs)


def test_errors_are_named():
    with pytest.raises(ValueError, match="square"):
        autograd.det(autograd.ones(2, 3))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        autograd.inverse(autograd.ones(3))
    with pytest.raises(TypeError, match="floating point"):
        autograd.det(autograd.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="singular"):
        autograd.inverse(autograd.zeros(2, 2))
    with pytest.raises(ValueError, match="B needs 2 rows"):
        autograd.linalg.solve(autograd.eye(2), autograd.ones(3, 1))
    with pytest.raises(TypeError, match="n must be an integer"):
        autograd.matrix_power(autograd.eye(2), 1.5)
