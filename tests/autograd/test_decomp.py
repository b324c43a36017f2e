"""Tests for autograd/ops/decomp.py beyond the registry's checks: gradients of the symmetric-input
decompositions along symmetric directions, sign-invariant comparisons with PyTorch, forward
mode, and named errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jvp_check import JVP_SETTINGS, forward_mode_test

import autograd
from autograd import testing
from autograd.ops import REGISTRY

JVP_OPS = ["linalg.cholesky", "linalg.eigh", "linalg.eigvalsh", "linalg.svd", "linalg.svdvals",
           "linalg.qr"]  # fmt: skip
SYMMETRIC_OPS = ["linalg.cholesky", "linalg.eigh", "linalg.eigvalsh"]


test_forward_mode_agrees_with_reverse_mode = forward_mode_test(JVP_OPS)


@pytest.mark.parametrize("name", SYMMETRIC_OPS)
@JVP_SETTINGS
@given(data=st.data())
def test_symmetric_input_ops_gradcheck_along_symmetric_directions(name, data):
    info = REGISTRY[name]
    with testing.avoiding_kinks():
        sample = info.sample(data.draw, np.dtype(np.float64))
    a = autograd.tensor(sample.args[0], requires_grad=True)

    def fn(x):
        return info.fn((x + x.swapaxes(-1, -2)) * 0.5, **sample.kwargs)

    autograd.gradcheck(fn, (a,))
    autograd.gradgradcheck(fn, (a,))


def _sign_invariant(torch_or_ag, u, s, vh):
    """Quantities that do not depend on the singular vectors' signs: U diag(S) Vh and the
    projectors U U^T, Vh^T Vh (of the first k columns)."""
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return (u * s[..., None, :]) @ vh, u @ u.swapaxes(-1, -2), vh.swapaxes(-1, -2) @ vh


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (2, 3, 3)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_matches_torch_up_to_signs(torch, shape, full_matrices):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape)
    ours = autograd.tensor(a, requires_grad=True)
    theirs = torch.tensor(a, requires_grad=True)
    out = autograd.linalg.svd(ours, full_matrices=full_matrices)
    tout = torch.linalg.svd(theirs, full_matrices=full_matrices)
    assert [tuple(o.shape) for o in out] == [tuple(o.shape) for o in tout]
    mine = _sign_invariant(autograd, *out)
    ref = _sign_invariant(torch, *tout)
    ups = [rng.standard_normal(tuple(m.shape)) for m in mine]
    for m, r in zip(mine, ref):
        np.testing.assert_allclose(m.detach().numpy(), r.detach().numpy(), atol=1e-12)
    loss = sum((m * autograd.tensor(w)).sum() for m, w in zip(mine, ups))
    tloss = sum((r * torch.tensor(w)).sum() for r, w in zip(ref, ups))
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-10)


def test_upper_cholesky_and_eigh_upper_triangle_match_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 3))
    a = x @ x.T + 3 * np.eye(3)
    ours = autograd.linalg.cholesky(autograd.tensor(a), upper=True).numpy()
    np.testing.assert_allclose(ours, torch.linalg.cholesky(torch.tensor(a), upper=True).numpy())
    b = np.triu(a) + np.tril(rng.standard_normal((3, 3)), -1)  # only the upper triangle counts
    ours = autograd.linalg.eigvalsh(autograd.tensor(b), UPLO="U").numpy()
    theirs = torch.linalg.eigvalsh(torch.tensor(b), UPLO="U").numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_qr_modes_match_torch(torch):
    a = np.random.default_rng(1).standard_normal((4, 3))
    for mode in ("reduced", "complete", "r"):
        q, r = autograd.linalg.qr(autograd.tensor(a), mode=mode)
        tq, tr = torch.linalg.qr(torch.tensor(a), mode=mode)
        assert tuple(q.shape) == tuple(tq.shape)
        np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), atol=1e-12)


def test_errors_are_named():
    with pytest.raises(RuntimeError, match="not positive-definite"):
        autograd.linalg.cholesky(-autograd.eye(2))
    with pytest.raises(ValueError, match="UPLO"):
        autograd.linalg.eigh(autograd.eye(2), UPLO="X")
    with pytest.raises(ValueError, match="mode must be"):
        autograd.linalg.qr(autograd.eye(2), mode="full")
    with pytest.raises(ValueError, match="square"):
        autograd.linalg.eigh(autograd.ones(2, 3))
    a = autograd.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable"):
        autograd.linalg.qr(a, mode="complete")[0].sum().backward()


def test_pinv_and_matrix_rank_of_rank_deficient_matrices_match_torch(torch):
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    for kwargs in ({}, {"atol": 0.5}, {"rtol": 0.9}):
        np.testing.assert_allclose(
            autograd.linalg.pinv(autograd.tensor(a), **kwargs).numpy(),
            torch.linalg.pinv(torch.tensor(a), **kwargs).numpy(), atol=1e-12,
        )  # fmt: skip
        assert (
            autograd.linalg.matrix_rank(autograd.tensor(a), **kwargs).item()
            == torch.linalg.matrix_rank(torch.tensor(a), **kwargs).item()
        )


def test_legacy_svd_returns_v_and_zeros_without_uv(torch):
    a = np.random.default_rng(4).standard_normal((3, 2))
    u, s, v = autograd.svd(autograd.tensor(a))
    np.testing.assert_allclose(((u * s[None, :]) @ v.T).numpy(), a, atol=1e-12)
    u0, s0, v0 = autograd.svd(autograd.tensor(a), compute_uv=False)
    tu, ts, tv = torch.svd(torch.tensor(a), compute_uv=False)
    assert tuple(u0.shape) == tuple(tu.shape) and tuple(v0.shape) == tuple(tv.shape)
    assert not u0.numpy().any()
    np.testing.assert_allclose(s0.numpy(), ts.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["linalg.svd", "linalg.qr", "svd", "qr", "linalg.lstsq"])
@given(data=st.data())
def test_decomposition_samples_keep_clear_of_sign_flips(name, data):
    # An entry exactly 0 below a pivot (linalg.qr of [[0.99], [0.0]]) puts LAPACK's Householder
    # step at the switch between no reflection and one: the signs of Q/R (and of singular
    # vectors) flip under the finite differences' steps and gradcheck fails, PyTorch's too.
    # The samplers keep every off-diagonal entry clear of 0 and the singular values apart.
    with testing.avoiding_kinks():
        a = REGISTRY[name].sample(data.draw, np.dtype(np.float64)).args[0]
    m, n = a.shape[-2:]
    off = a[..., ~np.eye(m, n, dtype=bool)]
    assert (np.abs(off) >= 0.015).all()
    s = np.linalg.svd(a, compute_uv=False)
    assert (s >= 0.5).all() and (np.abs(np.diff(s, axis=-1)) >= 0.5).all()
    if name == "linalg.qr" and m > n:
        t = autograd.tensor(a, requires_grad=True)
        assert autograd.gradcheck(lambda x: autograd.linalg.qr(x), (t,))
