"""Sorting, order statistics and counting queries, against PyTorch and by hand."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
from autograd import testing


@st.composite
def _case(draw):
    shape = draw(testing.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = draw(testing.arrays(shape, np.float64, low=-2, high=2, kinks=(0.0, 1.0)))
    x = np.round(x)  # many ties, the hard case for indices
    if draw(st.booleans()):
        x[tuple(draw(st.integers(0, s - 1)) for s in shape)] = np.nan
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return x, dim


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_case(), descending=st.booleans())
def test_sort_topk_kthvalue_median_match_torch(case, descending, torch):
    x, dim = case
    t, tt = autograd.tensor(x), torch.tensor(x)
    ours, theirs = (
        autograd.sort(t, dim, descending),
        torch.sort(tt, dim=dim, descending=descending, stable=True),
    )
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(
        autograd.argsort(t, dim, descending).numpy(),
        torch.argsort(tt, dim=dim, descending=descending, stable=True).numpy(),
    )
    k = x.shape[dim]
    for kk in {1, k}:
        np.testing.assert_array_equal(
            autograd.topk(t, kk, dim, largest=descending).values.numpy(),
            torch.topk(tt, kk, dim, largest=descending).values.numpy(),
        )
        np.testing.assert_array_equal(
            autograd.kthvalue(t, kk, dim).values.numpy(), torch.kthvalue(tt, kk, dim).values.numpy()
        )
    np.testing.assert_array_equal(
        autograd.median(t, dim).values.numpy(), torch.median(tt, dim).values.numpy()
    )
    np.testing.assert_array_equal(autograd.median(t).numpy(), torch.median(tt).numpy())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_case())
def test_mode_matches_torch(case, torch):
    x, dim = case
    x = np.nan_to_num(x).astype(np.int64)
    ours, theirs = autograd.mode(autograd.tensor(x), dim), torch.mode(torch.tensor(x), dim)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_sort_gradient_routes_back_to_positions():
    x = autograd.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, _ = autograd.sort(x, descending=True)
    (values * autograd.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 100.0, 10.0]


def test_topk_gradcheck_and_second_order():
    x = autograd.tensor([[0.3, -1.2, 2.5, 0.7], [1.1, 0.2, -0.4, 3.0]], dtype=autograd.float64,
                        requires_grad=True)  # fmt: skip
    assert autograd.gradcheck(lambda t: autograd.topk(t, 2, dim=1).values ** 2, (x,))
    assert autograd.gradgradcheck(lambda t: autograd.topk(t, 2, dim=1).values ** 3, (x,))


def test_methods_and_msort(torch):
    x = np.array([[2.0, 1.0], [1.0, 3.0]])
    t = autograd.tensor(x)
    np.testing.assert_array_equal(t.msort().numpy(), torch.msort(torch.tensor(x)).numpy())
    assert t.sort(dim=0).indices.tolist() == [[1, 0], [0, 1]]
    assert t.topk(1).values.tolist() == [[2.0], [3.0]]


def test_unique_bincount_histc_searchsorted_match_torch(torch):
    x = np.array([3, 1, 3, 2, 1, 3])
    for inv in (False, True):
        for counts in (False, True):
            ours = autograd.unique(autograd.tensor(x), return_inverse=inv, return_counts=counts)
            theirs = torch.unique(torch.tensor(x), return_inverse=inv, return_counts=counts)
            ours = ours if isinstance(ours, tuple) else (ours,)
            theirs = theirs if isinstance(theirs, tuple) else (theirs,)
            for a, b in zip(ours, theirs):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    m = np.array([[1, 2], [1, 2], [0, 5]])
    np.testing.assert_array_equal(
        autograd.unique(autograd.tensor(m), dim=0).numpy(), torch.unique(torch.tensor(m), dim=0)
    )
    np.testing.assert_array_equal(
        autograd.bincount(autograd.tensor(x), minlength=6).numpy(),
        torch.bincount(torch.tensor(x), minlength=6).numpy(),
    )
    w = np.array([0.5, 1.0, 2.0, 0.25, 1.0, 1.0])
    np.testing.assert_allclose(
        autograd.bincount(autograd.tensor(x), autograd.tensor(w)).numpy(),
        torch.bincount(torch.tensor(x), torch.tensor(w)).numpy(),
    )
    f = np.array([0.1, 0.5, 0.5, 2.0, 2.9, -1.0, 3.0], dtype=np.float32)
    for args in ((4, 0, 3), (5, 0, 0), (3, 1, 2)):
        np.testing.assert_array_equal(
            autograd.histc(autograd.tensor(f), *args).numpy(), torch.histc(torch.tensor(f), *args)
        )
    seq = np.array([[1, 3, 5, 7], [2, 4, 6, 8]])
    vals = np.array([[3, 6, 9], [1, 4, 8]])
    for right in (False, True):
        np.testing.assert_array_equal(
            autograd.searchsorted(autograd.tensor(seq), autograd.tensor(vals), right=right),
            torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right).numpy(),
        )


def test_bad_arguments_are_named():
    x = autograd.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="topk: k"):
        autograd.topk(x, 3)
    with pytest.raises(ValueError, match="kthvalue: k"):
        autograd.kthvalue(x, 0)
    with pytest.raises(ValueError, match="sort: dim"):
        autograd.sort(x, dim=2)
    with pytest.raises(ValueError, match="bincount: input"):
        autograd.bincount(autograd.tensor([-1, 2]))
    with pytest.raises(ValueError, match="bincount: input must be a 1-d integer"):
        autograd.bincount(x)
    with pytest.raises(ValueError, match="histc: bins"):
        autograd.histc(x, bins=0)
    with pytest.raises(ValueError, match="searchsorted: side"):
        autograd.searchsorted(x, x, side="middle")
    with pytest.raises(RuntimeError, match="median: cannot"):
        autograd.median(autograd.zeros(0))
