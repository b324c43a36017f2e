"""Tests for autograd/kernels/_pool_plan.py: which kernel each pooling product takes."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels import _pool_plan, pool
from autograd.kernels._args import PoolWindow
from autograd.kernels._pool_plan import plan


def W(k, s, p=0, d=1, ceil_mode=False):
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    return PoolWindow(pair(k), pair(s), pair(p), pair(d), ceil_mode)


# (input shape, window) -> forward kernel, average pool backward kernel
WINDOWS = [
    ((8, 16, 32, 32), W(2, 2), "inside", "inside"),
    ((8, 16, 33, 31), W(2, 2), "inside", "inside"),  # the last row/column is left out
    ((8, 16, 33, 31), W(2, 2, ceil_mode=True), "general", "tiled"),  # a partial last window
    ((8, 16, 32, 32), W(2, 2, ceil_mode=True), "inside", "inside"),  # none partial
    ((8, 16, 32, 32), W(3, 2), "inside", "general"),  # floor mode: every window fits
    ((8, 16, 32, 32), W(3, 2, ceil_mode=True), "general", "general"),  # the 16th leaves
    ((8, 16, 33, 33), W(3, 2), "inside", "general"),  # overlapping windows
    ((8, 16, 32, 32), W(3, 1), "inside", "general"),
    ((8, 16, 32, 32), W(2, 2, p=1), "general", "tiled"),
    ((8, 16, 32, 32), W(3, 3, p=1), "general", "tiled"),
    ((8, 16, 32, 32), W(2, 3), "inside", "tiled"),  # stride > kernel: gaps between windows
    ((8, 16, 32, 32), W((2, 3), (2, 1)), "inside", "general"),
    ((8, 16, 32, 32), W(2, 2, d=2), "inside", None),
    ((8, 16, 32, 32), W(3, 1, d=(1, 2)), "inside", None),
    ((8, 16, 7, 7), W(3, 2, d=2), "inside", None),
    ((8, 16, 7, 7), W(3, 2, p=1, d=2), "general", None),
]


@pytest.mark.parametrize("x_shape, window, forward, avg_backward", WINDOWS)
def test_pool_kernels(x_shape, window, forward, avg_backward):
    assert plan("max_forward", x_shape, window) == forward
    if avg_backward is not None:
        assert plan("avg_forward", x_shape, window) == forward
        assert plan("avg_backward", x_shape, window) == avg_backward


@pytest.mark.parametrize("size, expected", [((1, 1), "global"), ((2, 2), "general"),
                                            ((1, 2), "general")])  # fmt: skip
def test_adaptive_average(size, expected):
    assert plan("adaptive_avg", (8, 16, 7, 7), output_size=size) == expected


def test_the_kernels_run_the_plan(monkeypatch):
    # Each forced path gives the general kernel's answer where it applies (all windows inside).
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    window = W(2, 2)
    results = {}
    for path in ("inside", "general"):
        monkeypatch.setattr(_pool_plan, "plan", lambda *a, _p=path, **k: _p)
        y, argmax = pool.max_pool2d_forward(x, *window)
        gy = np.cos(y)
        results[path] = (y, argmax, pool.avg_pool2d_forward(x, *window[:3]),
                         pool.avg_pool2d_backward(gy, x.shape, *window[:3]))  # fmt: skip
    monkeypatch.setattr(_pool_plan, "plan", lambda *a, **k: "tiled")
    tiled = pool.avg_pool2d_backward(gy, x.shape, *window[:3])
    for a, b in zip(results["inside"], results["general"]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(tiled, results["general"][3], atol=1e-12)


def test_needs_a_window():
    with pytest.raises(ValueError, match="needs a window"):
        plan("max_forward", (1, 1, 4, 4))
