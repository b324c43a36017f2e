"""Gradients and products that meet an inf or NaN take PyTorch's values, each case written out.

Each case was found by the differential fuzzer (tests/fuzz); the expected values are PyTorch
2.13's, checked against PyTorch itself when it is installed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd


def test_norm_gradient_at_zero_times_an_infinite_slope_is_nan():
    # d sqrt(|x|) at x = 0: sqrt's slope is inf, the norm's subgradient 0; PyTorch's formula
    # g * (x / |x|) (masked to 0) makes inf * 0 = NaN, not the 0 of a mask applied last.
    for shape in [(), (3,)]:
        x = autograd.zeros(shape, dtype=autograd.float64).requires_grad_()
        (g,) = autograd.grad(autograd.sqrt(x.norm()), [x])
        assert np.isnan(g.numpy()).all()
    # A finite slope still gets the subgradient 0, and the second derivative there is NaN.
    x = autograd.tensor([[0.0, 0.0], [1.0, 2.0]], dtype=autograd.float64, requires_grad=True)
    w = autograd.tensor([1.0, 2.0], dtype=autograd.float64)
    (g,) = autograd.grad((x.norm(dim=1) * w).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[0, 0], [2 / math.sqrt(5), 4 / math.sqrt(5)]])
    v = autograd.tensor([[1.0, 3.0], [2.0, 5.0]], dtype=autograd.float64)
    (h,) = autograd.grad((g * v).sum(), [x])
    assert np.isnan(h.numpy()[0]).all() and np.isfinite(h.numpy()[1]).all()


def test_norm_gradient_at_zero_matches_torch():
    torch = pytest.importorskip("torch")
    for lib in (autograd, torch):
        x = lib.zeros((2, 3), dtype=lib.float64).requires_grad_()
        y = lib.sqrt(x.norm(dim=1)).sum() + lib.exp(x).sum()
        grad = autograd.grad if lib is autograd else torch.autograd.grad
        (g,) = grad(y, [x])
        if lib is autograd:
            ours = g.numpy()
        else:
            np.testing.assert_array_equal(ours, g.numpy())


# ------------------------------------------------------------------------------ convolution
def _conv_inside(x, w, stride, padding, groups=1):
    # conv2d summing only the taps inside x (numpy loops): padding contributes nothing.
    N, C, H, W = x.shape
    O, cg, kh, kw = w.shape
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    oh = (H + 2 * ph - kh) // stride + 1
    ow = (W + 2 * pw - kw) // stride + 1
    y = np.zeros((N, O, oh, ow))
    for n, o, i, j in np.ndindex(N, O, oh, ow):
        terms = [
            w[o, c, a, b] * x[n, (o // (O // groups)) * cg + c, r, s]
            for c, a, b in np.ndindex(cg, kh, kw)
            for r, s in [(i * stride + a - ph, j * stride + b - pw)]
            if 0 <= r < H and 0 <= s < W
        ]
        y[n, o, i, j] = np.sum(terms)
    return y


CONV_CASES = [  # (x shape, w shape, stride, padding, groups): each a different kernel path
    ((1, 1, 4, 4), (1, 1, 3, 3), 1, 1, 1),  # direct, stride 1 (padded planes)
    ((2, 3, 5, 5), (4, 3, 2, 2), 1, 1, 1),
    ((1, 20, 6, 6), (8, 20, 3, 3), 1, 1, 1),  # GEMM, stride 1
    ((1, 16, 8, 8), (16, 16, 3, 3), 1, 1, 1),  # Winograd when finite
    ((2, 2, 6, 6), (3, 2, 3, 3), 2, 1, 1),  # GEMM, stride 2
    ((1, 3, 7, 7), (3, 1, 3, 3), 2, 1, 3),  # depthwise, stride 2
    ((1, 3, 4, 4), (5, 3, 1, 1), 1, 2, 1),  # 1x1 with padding
]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, groups", CONV_CASES)
@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_conv2d_padding_contributes_nothing_against_a_non_finite_weight(
    x_shape, w_shape, stride, padding, groups, bad
):
    # The repro: w[0, 0, 0, 0] = inf with padding 1 made NaN all along the top and left borders
    # (0 * inf), where PyTorch's oneDNN kernels give the sum of the taps inside x.
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    w[0, 0, 0, 0] = bad
    y = autograd.conv2d(autograd.tensor(x), autograd.tensor(w), stride=stride,
                        padding=padding, groups=groups)  # fmt: skip
    expected = _conv_inside(x, w, stride, padding, groups)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)
    assert np.isfinite(y.numpy()[0, 0, 0]).all()  # the top row meets the bad tap at padding
    if bad == np.inf:
        assert np.isinf(y.numpy()[0, 0]).any()  # and inside x the tap still counts


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, groups", CONV_CASES)
def test_conv2d_weight_gradient_skips_padding_against_an_infinite_output_gradient(
    x_shape, w_shape, stride, padding, groups
):
    rng = np.random.default_rng(1)
    x = autograd.tensor(rng.standard_normal(x_shape))
    w = autograd.tensor(rng.standard_normal(w_shape), requires_grad=True)
    y = autograd.conv2d(x, w, stride=stride, padding=padding, groups=groups)
    gy = rng.standard_normal(y.shape)
    gy[0, 0, 0, 0] = np.inf  # the corner output: it meets padding through tap (0, 0)
    (gw,) = autograd.grad(y, [w], grad_outputs=[autograd.tensor(gy)])
    # gw[o, c] = sum of gy[o] * x over the taps inside x: the correlation of x with gy.
    x_np = x.numpy()
    expected = np.zeros(w_shape)
    for o, c, a, b in np.ndindex(*w_shape):
        cin = (o // (w_shape[0] // groups)) * w_shape[1] + c
        terms = [
            gy[n, o, i, j] * x_np[n, cin, r, s]
            for n, i, j in np.ndindex(gy.shape[0], *gy.shape[2:])
            for r, s in [(i * stride + a - padding, j * stride + b - padding)]
            if 0 <= r < x_shape[2] and 0 <= s < x_shape[3]
        ]
        expected[o, c, a, b] = np.sum(terms)
    np.testing.assert_allclose(gw.numpy(), expected, rtol=1e-12, atol=1e-12)
    if padding >= 1:
        assert np.isfinite(gw.numpy()[0, 0, 0, 0])  # the inf met only padding there


def test_conv1d_and_transposed_convs_skip_padding_against_an_infinite_weight():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 6)), rng.standard_normal((4, 3, 3))
    w[1, 2, 0] = np.inf
    y = autograd.conv1d(autograd.tensor(x), autograd.tensor(w), padding=1).numpy()
    expected = _conv_inside(x[:, :, None], w[:, :, None], 1, (0, 1))[:, :, 0]
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert np.isfinite(y[:, 1, 0]).all()
    # conv_transpose2d's input gradient is a padded conv2d of the output gradient with w.
    xt = autograd.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    wt = rng.standard_normal((2, 3, 3, 3))
    wt[0, 0, 0, 0] = np.inf
    y = autograd.conv_transpose2d(xt, autograd.tensor(wt), padding=1)
    gy = rng.standard_normal(y.shape)
    (gx,) = autograd.grad(y, [xt], grad_outputs=[autograd.tensor(gy)])
    expected = _conv_inside(gy, wt, 1, 1)  # conv2d(gy, w) with w's (in, out) roles as stored
    np.testing.assert_allclose(gx.numpy(), expected, rtol=1e-12, atol=1e-12)
    assert np.isfinite(gx.numpy()[0, 0, 0]).all()


# ------------------------------------------------------------------------------ division
def test_division_by_inf_has_zero_first_and_second_derivatives_in_the_divisor():
    # d(a/b)/db = -a/b^2 and d2(a/b)/db2 = 2a/b^3 both vanish at b = inf; the rule is written as
    # -g * (a / b) / b, so no inf * 0 appears in its own derivative.
    a = autograd.tensor([-2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([math.inf, -math.inf], dtype=autograd.float64, requires_grad=True)
    (gb,) = autograd.grad((a / b).sum(), [b], create_graph=True)
    np.testing.assert_array_equal(gb.detach().numpy(), [0.0, 0.0])
    hb, ha = autograd.grad(gb.sum(), [b, a])
    np.testing.assert_array_equal(hb.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(ha.numpy(), [0.0, 0.0])
    # Forward mode gives the same tangent.
    import autograd.forward_ad as fwAD

    with fwAD.dual_level():
        dual = fwAD.make_dual(b.detach(), autograd.ones(2, dtype=autograd.float64))
        tangent = fwAD.unpack_dual(a.detach() / dual).tangent
    np.testing.assert_array_equal(tangent.numpy(), [0.0, 0.0])


def test_division_by_a_tiny_divisor_keeps_a_finite_gradient():
    # b * b underflows to 0 for |b| < 1e-162 in float64; (a / b) / b does not.
    a = autograd.tensor([1e-200], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([1e-170], dtype=autograd.float64, requires_grad=True)
    (gb,) = autograd.grad((a / b).sum(), [b])
    np.testing.assert_allclose(gb.numpy(), [-1e-200 / 1e-170 / 1e-170], rtol=1e-12)


def test_division_by_inf_matches_torch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (autograd, torch):
        a = lib.tensor([-2.0, 0.5], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([math.inf, 1e-170], dtype=lib.float64, requires_grad=True)
        grad = autograd.grad if lib is autograd else torch.autograd.grad
        (gb,) = grad((a / b).sum(), [b], create_graph=True)
        hb, ha = grad(gb.sum(), [b, a])
        out.append([t.detach().numpy() for t in (gb, hb, ha)])
    for ours, theirs in zip(*out):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
