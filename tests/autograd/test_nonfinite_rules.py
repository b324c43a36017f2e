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
