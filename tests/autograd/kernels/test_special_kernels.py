"""The float32 erf and GELU kernels: erf within one ulp of the exact value (infinities, NaN,
signed zeros, the branch boundary), GELU and its derivative against float64 arithmetic and
PyTorch, on small arrays (the serial loop) and large ones (the parallel one), and NumPy's passes
for what the kernels do not take."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd.kernels import special

EDGES = [-np.inf, -1e4, -4.0, -3.92, -0.9, -0.8999999, -1e-30, -0.0, 0.0, 1e-30, 0.9, 3.9,
         1e4, np.inf, np.nan]  # fmt: skip


def _ulps(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    ok = np.isfinite(exact) & (exact != 0)
    spacing = np.spacing(np.abs(exact[ok]).astype(np.float32)).astype(np.float64)
    return np.abs(got[ok].astype(np.float64) - exact[ok]) / spacing


def test_float32_erf_within_one_ulp_and_special_values():
    x = np.concatenate([np.linspace(-6, 6, 300_001), np.linspace(0.85, 0.95, 50_001), EDGES])
    x = x.astype(np.float32)
    got = special.erf(x)
    assert got.dtype == np.float32
    exact = np.array([math.erf(float(v)) if np.isfinite(v) else np.nan for v in x])
    exact[np.isinf(x)] = np.sign(x[np.isinf(x)])
    assert _ulps(got, exact).max() <= 1.0  # 0.74 measured; a correctly rounded one: 0.5
    edges = special.erf(np.array(EDGES, np.float32))
    assert np.isnan(edges[-1])
    np.testing.assert_array_equal(edges[[0, 1, -3, -2]], [-1.0, -1.0, 1.0, 1.0])
    assert np.signbit(edges[7]) and edges[7] == 0.0
    np.testing.assert_allclose(edges[9], 1e-30 * 2 / math.sqrt(math.pi), rtol=1e-6)


def test_float64_erf_is_the_c_library_s():
    x = np.array([-2.5, -0.3, 0.0, 0.7, 5.0])
    np.testing.assert_array_equal(special.erf(x), [math.erf(v) for v in x])


@pytest.mark.parametrize("size", [37, 1 << 17])  # the serial loop, and the parallel one
def test_gelu_kernels_match_float64_arithmetic(size):
    rng = np.random.default_rng(size)
    x = (rng.standard_normal(size) * 3).astype(np.float32)
    x[: len(EDGES)] = EDGES
    g = rng.standard_normal(size).astype(np.float32)
    y, c = special.gelu_forward(x)
    gx = special.gelu_backward(g, x, c)
    wide = x.astype(np.float64)
    cdf = np.array(
        [0.5 * (1 + math.erf(v / math.sqrt(2))) if np.isfinite(v) else np.nan for v in wide]
    )
    cdf[np.isinf(wide)] = (wide[np.isinf(wide)] > 0).astype(float)
    with np.errstate(invalid="ignore", over="ignore"):
        want_y = wide * cdf
        want_gx = g * (cdf + wide * np.exp(-0.5 * wide * wide) / math.sqrt(2 * math.pi))
    fin = np.isfinite(wide)
    # Phi = (1 + erf) / 2, PyTorch's form too: where erf is near -1 the sum keeps float32's
    # absolute resolution, not a relative one.
    np.testing.assert_allclose(c[fin], cdf[fin], rtol=3e-7, atol=6e-8)
    assert np.all(
        np.abs(y[fin] - want_y[fin]) <= 3e-7 * np.abs(want_y[fin]) + 6e-8 * np.abs(wide[fin])
    )
    np.testing.assert_allclose(gx[fin], want_gx[fin], rtol=1e-6, atol=1e-7)
    assert np.isnan(y[np.isnan(x)]).all() and np.isnan(gx[np.isnan(x)]).all()


def test_gelu_kernels_take_only_contiguous_float32():
    x = np.ones((4, 4), np.float32)
    assert special.gelu_forward(x.astype(np.float64)) is None
    assert special.gelu_forward(x[:, ::2]) is None
    assert special.gelu_backward(x, x, x[:, :2].copy()) is None
    assert special.gelu_backward(x.astype(np.float64), x, x) is None


@pytest.mark.parametrize("shape", [(3, 5), (256, 512)])
def test_gelu_float32_matches_torch(torch, shape):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y = autograd.gelu(ours)
    ty = torch.nn.functional.gelu(theirs)
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    # x Phi(x) with Phi = (1 + erf) / 2 keeps float32's absolute resolution where erf is near -1:
    # against float64 arithmetic ours is within 4.5e-7 here, PyTorch's within 1.0e-6.
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=2e-6)
    # The derivative Phi + x phi cancels for negative x, leaving float32's absolute resolution
    # of its O(1) terms: both differ from float64 arithmetic by up to a few 1e-7 (ours 3.6e-7,
    # PyTorch's 6.7e-7 on these values), so they are compared within 1e-6.
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [41, 1 << 17])  # the serial loop, and the parallel one
def test_silu_kernels_match_float64_arithmetic(size):
    rng = np.random.default_rng(size + 1)
    x = (rng.standard_normal(size) * 8).astype(np.float32)
    x[: len(EDGES)] = EDGES
    g = rng.standard_normal(size).astype(np.float32)
    y, s = special.silu_forward(x)
    gx = special.silu_backward(g, x, s)
    wide = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        sig = 1 / (1 + np.exp(-wide))
        want_y = wide * sig
        want_gx = g * (sig * (1 + wide * (1 - sig)))
    fin = np.isfinite(wide)
    np.testing.assert_allclose(s[fin], sig[fin], rtol=3e-7, atol=1e-38)
    np.testing.assert_allclose(y[fin], want_y[fin], rtol=5e-7, atol=1e-38)
    np.testing.assert_allclose(gx[fin], want_gx[fin], rtol=2e-6, atol=1e-7)
    # -inf * sigmoid(-inf) = -inf * 0: NaN, as NumPy's passes and PyTorch give.
    np.testing.assert_array_equal(y[np.isinf(x)], np.where(x[np.isinf(x)] > 0, np.inf, np.nan))
    assert np.isnan(y[np.isnan(x)]).all()


@pytest.mark.parametrize("shape", [(3, 5), (256, 512)])
def test_silu_float32_matches_torch_and_float64_keeps_numpy(torch, shape):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    for dtype in (np.float32, np.float64):
        ours = autograd.tensor(x.astype(dtype), requires_grad=True)
        theirs = torch.tensor(x.astype(dtype), requires_grad=True)
        y = autograd.silu(ours)
        ty = torch.nn.functional.silu(theirs)
        y.backward(autograd.tensor(g.astype(dtype)))
        ty.backward(torch.tensor(g.astype(dtype)))
        assert y.dtype == ours.dtype and ours.grad.dtype == ours.dtype
        tol = 2e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tol, atol=tol)


def test_silu_stand_in_equals_the_kernel():
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(300) * 6).astype(np.float32)
    x[: len(EDGES)] = EDGES
    g = rng.standard_normal(300).astype(np.float32)
    outs = []
    for fwd, bwd in ((special._silu_forward_flat.serial, special._silu_backward_flat.serial),
                     (special._silu_forward_numpy, special._silu_backward_numpy)):  # fmt: skip
        y, s, gx = np.empty_like(x), np.empty_like(x), np.empty_like(x)
        fwd(x, y, s)
        bwd(g, x, s, gx)
        outs.append((y, s, gx))
    # The two exps round differently (a few ulp); the derivative's 1 + x (1 - s) cancels near
    # x = -1.28, where its value keeps float32's absolute resolution.
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)
