"""An exact zero gradient (``autograd.function.ZERO_GRAD``, PyTorch's efficient zero tensor): the
engine passes it on without running the rules it meets, and reads it as zeros."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd.extend import ArrayFunction
from autograd.function import ZERO_GRAD


class ZeroSlope(ArrayFunction):
    """The sign of x, whose derivative is an exact zero."""

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return ZERO_GRAD


def _f64(values):
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


def test_an_exact_zero_passes_a_division_by_zero_as_zero():
    x = _f64([1.0, -2.0])
    y = ZeroSlope.apply(x / 0.0 + 1)  # x / 0's rule would make 0 / 0 = NaN of a zero array
    (g,) = autograd.grad(y.sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    y = ZeroSlope.apply(x / 0.0 + 1)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_an_exact_zero_adds_nothing_to_other_gradients():
    x = _f64([1.0, -2.0])
    y = ZeroSlope.apply(x / 0.0) + 3 * x  # the two paths meet at x
    (g,) = autograd.grad(y.sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    z = x * 2
    y = ZeroSlope.apply(z) + z * z  # ... and at an intermediate node, whose rule then runs
    (g,) = autograd.grad(y.sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [8.0, -16.0])


def test_hooks_retained_and_captured_gradients_read_zeros():
    x = _f64([1.0, -2.0])
    mid = x * 3
    mid.retain_grad()
    seen = []
    mid.register_hook(lambda g: seen.append(g.numpy().copy()))
    ZeroSlope.apply(mid).sum().backward()
    np.testing.assert_array_equal(seen[0], [0.0, 0.0])
    np.testing.assert_array_equal(mid.grad.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    mid = x * 3
    (g_mid, g_x) = autograd.grad(ZeroSlope.apply(mid).sum(), [mid, x])
    np.testing.assert_array_equal(g_mid.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(g_x.numpy(), [0.0, 0.0])


def test_node_hooks_and_anomaly_mode_see_zeros():
    x = _f64([1.0, -2.0])
    y = ZeroSlope.apply(x * 3)
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(grad_inputs[0]))
    with autograd.detect_anomaly():
        y.sum().backward()
    np.testing.assert_array_equal(seen[0].numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_create_graph_gives_a_zero_tensor_that_differentiates():
    x = _f64([1.0, -2.0])
    (g,) = autograd.grad(ZeroSlope.apply(x * x).sum() + (x * x).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, -4.0])
    (h,) = autograd.grad(g.sum(), [x])
    np.testing.assert_array_equal(h.numpy(), [2.0, 2.0])


def test_abs_second_derivative_through_an_infinite_slope_is_zero():
    # d/dx of d|x/0 + 2|/dx: abs's derivative is sgn, whose derivative is an exact zero, which the
    # division's rule (0 / 0) must not turn into NaN.
    x = _f64(-2.0)
    (g,) = autograd.grad(abs(x / 0 + 2), [x], create_graph=True)
    assert g.item() == -math.inf
    (h,) = autograd.grad(g, [x])
    assert h.item() == 0.0
    # Where it matters less: |x| has the zero second derivative everywhere it has one.
    x = _f64([-1.0, 0.0, 2.0])
    (g,) = autograd.grad((x.abs() * x).sum(), [x], create_graph=True)
    (h,) = autograd.grad(g.sum(), [x])
    np.testing.assert_array_equal(h.numpy(), [-2.0, 0.0, 2.0])  # 2 sign(x)


def test_abs_second_derivative_matches_torch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (autograd, torch):
        x = lib.tensor([-2.0, 0.5, 0.0], dtype=lib.float64, requires_grad=True)
        grad = autograd.grad if lib is autograd else torch.autograd.grad
        loss = (x / 0 + 2).abs().sum() + (x.abs() * x).sum()
        (g,) = grad(loss, [x], create_graph=True)
        (h,) = grad(g.sum(), [x])
        out.append((g.detach().numpy(), h.numpy()))
    for ours, theirs in zip(*out):
        np.testing.assert_array_equal(ours, theirs)
