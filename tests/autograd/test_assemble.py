"""Tests for autograd/ops/assemble.py and autograd/ops/quantiles.py beyond the registry's
checks: PyTorch's defaults and named errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd


def test_meshgrid_without_indexing_warns_and_uses_ij(torch):
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    with pytest.warns(UserWarning, match="indexing"):
        ours = autograd.meshgrid(autograd.tensor(a), autograd.tensor(b))
    theirs = torch.meshgrid(torch.tensor(a), torch.tensor(b), indexing="ij")
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    xs = autograd.meshgrid([autograd.tensor(a), autograd.tensor(b)], indexing="xy")[0]
    assert tuple(xs.shape) == (3, 2)


def test_diff_of_bool_and_with_prepend_matches_torch(torch):
    x = np.array([True, False, False, True])
    np.testing.assert_array_equal(
        autograd.diff(autograd.tensor(x)).numpy(), torch.diff(torch.tensor(x)).numpy()
    )
    y = np.arange(6.0).reshape(2, 3) ** 2
    ours = autograd.diff(autograd.tensor(y), n=2, dim=1, prepend=autograd.zeros(2, 1))
    theirs = torch.diff(torch.tensor(y), n=2, dim=1, prepend=torch.zeros(2, 1, dtype=torch.float64))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_quantile_with_nan_and_keepdim_match_torch(torch):
    x = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 4.0, 6.0, 8.0]])
    q = [0.25, 0.5]
    for fn in ("quantile", "nanquantile"):
        for dim, keepdim in ((1, True), (None, True), (0, False)):
            ours = getattr(autograd, fn)(autograd.tensor(x), q, dim=dim, keepdim=keepdim)
            theirs = getattr(torch, fn)(torch.tensor(x), torch.tensor(q, dtype=torch.float64),
                                        dim=dim, keepdim=keepdim)  # fmt: skip
            assert tuple(ours.shape) == tuple(theirs.shape), (fn, dim, keepdim)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_count_nonzero_matches_torch(torch):
    x = np.array([[0, 1, 2], [0, 0, 3]])
    for dim in (None, 0, (0, 1)):
        np.testing.assert_array_equal(
            autograd.count_nonzero(autograd.tensor(x), dim).numpy(),
            torch.count_nonzero(torch.tensor(x), dim).numpy(),
        )


def test_errors_are_named():
    with pytest.raises(ValueError, match="indexing must be"):
        autograd.meshgrid(autograd.ones(2), indexing="ji")
    with pytest.raises(ValueError, match=r"tensors\[0\] must be 1-D"):
        autograd.cartesian_prod(autograd.ones(2, 2))
    with pytest.raises(ValueError, match="at most 2 dims"):
        autograd.block_diag(autograd.ones(2, 2, 2))
    with pytest.raises(ValueError, match="must match input's shape"):
        autograd.diff(autograd.ones(2, 3), prepend=autograd.ones(3, 1))
    with pytest.raises(ValueError, match=r"q values must be in the range \[0, 1\]"):
        autograd.quantile(autograd.ones(3), 1.5)
    with pytest.raises(ValueError, match="interpolation must be"):
        autograd.quantile(autograd.ones(3), 0.5, interpolation="cubic")
