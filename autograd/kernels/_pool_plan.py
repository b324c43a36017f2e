"""Which kernel computes a pooling product: one pure function of the shapes and the window.

:func:`plan` decides; the functions of :mod:`autograd.kernels.pool` and
:mod:`autograd.kernels.adaptive_pool` run what it says.

Paths
-----
``inside``
    Every window lies inside the input (no padding, ceil mode adding no partial window): the
    kernels of :mod:`autograd.kernels._pool_inside`, with no bounds tests and a fixed divisor,
    several times faster than the general ones on small windows. The average pool's backward
    takes it only for non-overlapping windows that tile the input (stride equal to the kernel).
``tiled``
    Average pool backward with windows that do not overlap (stride at least the kernel), but
    padding or a ceil-mode window: each input element receives from at most one window, so
    the gradient is written once, with no zeroing pass and no scatter.
``general``
    Any padding, dilation and ceil mode (:mod:`autograd.kernels._pool_kernels`).
``global``
    Adaptive average pooling to a 1x1 output: one BLAS matrix-vector product of the planes
    with a column of ``1 / (H * W)`` (and a broadcast for its backward) beat the kernel's
    per-plane loops and NumPy's mean.
"""

from __future__ import annotations

from typing import Literal

from autograd.kernels._args import Pair, PoolWindow, pool_output_size

Product = Literal["max_forward", "avg_forward", "avg_backward", "adaptive_avg"]


def _inside(x_shape: tuple[int, ...], window: PoolWindow) -> bool:
    # No padding, and every window (ceil mode included) ends inside the input.
    k, s, p, d, ceil_mode = window
    if p != (0, 0):
        return False
    for a in (0, 1):
        out = pool_output_size(x_shape[2 + a], k[a], s[a], 0, d[a], ceil_mode)
        if (out - 1) * s[a] + (k[a] - 1) * d[a] >= x_shape[2 + a]:
            return False
    return True


def plan(
    product: Product,
    x_shape: tuple[int, ...],
    window: PoolWindow | None = None,
    output_size: Pair | None = None,
) -> str:
    """Choose the kernel of one pooling product (see the module docstring).

    Parameters
    ----------
    product : {"max_forward", "avg_forward", "avg_backward", "adaptive_avg"}
        ``adaptive_avg`` covers the adaptive average pool's forward and backward. A max pool's
        backward has one kernel.
    x_shape : (N, C, H, W)
        The input's shape.
    window : PoolWindow
        For the max and average pools (average pools have dilation 1).
    output_size : (int, int)
        For ``adaptive_avg``.

    Returns
    -------
    str
        ``"inside"``, ``"tiled"``, ``"general"`` or ``"global"``.

    Examples
    --------
    >>> plan("max_forward", (8, 16, 32, 32), PoolWindow((2, 2), (2, 2)))
    'inside'
    >>> plan("avg_backward", (8, 16, 32, 32), PoolWindow((3, 3), (3, 3), (1, 1)))
    'tiled'
    >>> plan("adaptive_avg", (8, 16, 7, 7), output_size=(1, 1))
    'global'
    """
    if product == "adaptive_avg":
        return "global" if tuple(output_size or ()) == (1, 1) else "general"
    if window is None:
        raise ValueError(f"plan: {product} needs a window")
    inside = _inside(x_shape, window)
    if product in ("max_forward", "avg_forward"):
        return "inside" if inside else "general"
    if product == "avg_backward":
        k, s = window.kernel, window.stride
        if inside and s == k:
            return "inside"
        return "tiled" if s[0] >= k[0] and s[1] >= k[1] else "general"
    raise ValueError(f"plan: unknown product {product!r}")
