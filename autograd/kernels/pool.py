"""2-D pooling kernels on NumPy arrays (NCHW layout, float32 or float64).

Layouts
-------
Input ``x`` is ``(N, C, H, W)``; outputs are ``(N, C, OH, OW)`` with ``OH`` from
:func:`pool_output_size`. Window ``(oh, ow)`` covers rows ``oh*sh - ph + i*dh`` for
``i < kh`` and columns likewise; positions outside the input are padding.

The Numba kernels live in :mod:`autograd.kernels._pool_kernels` (any geometry) and
:mod:`autograd.kernels._pool_inside` (windows inside the input); this module runs the one
:func:`autograd.kernels._pool_plan.plan` picks. The window arguments come normalized and checked
by :mod:`autograd.kernels._args` (pairs, ``stride`` given, padding at most half the kernel, a
non-empty output); only the arrays are checked here.

Semantics (PyTorch's CPU kernels)
---------------------------------
- Max pool: padding never wins (it acts as -inf). A window's value is its first maximum in
  row-major order, except that NaN wins and the *last* NaN is the one selected
  (``val > max or isnan(val)``). A window with only -inf selects its first in-bounds element.
  ``argmax`` stores the winner's offset ``i*kw + j`` inside the window (-1 for a window
  without in-bounds elements), as int8 when ``kh*kw <= 127``, else int16 or int32.
- Avg pool: the window sum divided by ``divisor_override`` if given, else by the window area
  clipped to the padded input (``count_include_pad=True``) or to the input
  (``count_include_pad=False``).

Adaptive pooling lives in :mod:`autograd.kernels.adaptive_pool` and is re-exported here.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels import _pool_numpy, _pool_plan
from autograd.kernels._args import Pair, PoolWindow, float_nchw, gradient, pool_output_size
from autograd.kernels._jit import StandIn
from autograd.kernels._pool_inside import (
    _avg_backward_inside,
    _avg_forward_inside,
    _max_forward_inside,
)
from autograd.kernels._pool_kernels import (
    _avg_backward,
    _avg_backward_tiled,
    _avg_forward,
    _max_backward,
    _max_forward,
)
from autograd.kernels.adaptive_pool import (
    adaptive_avg_pool2d_backward,
    adaptive_avg_pool2d_forward,
    adaptive_max_pool2d_backward,
    adaptive_max_pool2d_forward,
)

__all__ = [
    "pool_output_size",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "adaptive_avg_pool2d_forward",
    "adaptive_avg_pool2d_backward",
    "adaptive_max_pool2d_forward",
    "adaptive_max_pool2d_backward",
]


# The max pool of a small model's steps runs NumPy twins until its kernels pay for their compile
# (see "Stand-in paths" in autograd.kernels._jit).
_MAX = StandIn(_max_forward_inside, _max_backward)

# --------------------------------------------------------------------------------------------
# Shapes


def _output_hw(x_shape: tuple, window: PoolWindow) -> Pair:
    k, s, p, d, ceil_mode = window
    return tuple(  # type: ignore[return-value]
        pool_output_size(x_shape[2 + a], k[a], s[a], p[a], d[a], ceil_mode) for a in (0, 1)
    )


_INT8_MAX, _INT16_MAX = int(np.iinfo(np.int8).max), int(np.iinfo(np.int16).max)


def _argmax_dtype(window: int) -> type[np.signedinteger]:
    if window <= _INT8_MAX:
        return np.int8
    if window <= _INT16_MAX:
        return np.int16
    return np.int32


# --------------------------------------------------------------------------------------------
# Public functions


def max_pool2d_forward(
    x: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    ceil_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling over ``(kh, kw)`` windows, as PyTorch's ``max_pool2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        float32 or float64.
    kernel, stride, padding, dilation : (int, int)
        ``padding`` is at most half the kernel.
    ceil_mode : bool
        Use ceil instead of floor for the output size (see :func:`pool_output_size`).

    Returns
    -------
    y : ndarray, shape (N, C, OH, OW)
    argmax : ndarray of int8/int16/int32, shape (N, C, OH, OW)
        Offset ``i*kw + j`` of each window's winner (see the module docstring). Pass it to
        :func:`max_pool2d_backward` with the same geometry.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> y, argmax = max_pool2d_forward(x, (2, 2), (2, 2))
    >>> y.ravel(), argmax.ravel()
    (array([5.]), array([1], dtype=int8))
    """
    x = float_nchw("x", x)
    window = PoolWindow(kernel, stride, padding, dilation, bool(ceil_mode))
    k, s, p, d = kernel, stride, padding, dilation
    y = np.empty((*x.shape[:2], *_output_hw(x.shape, window)), dtype=x.dtype)
    argmax = np.empty(y.shape, dtype=_argmax_dtype(k[0] * k[1]))
    if y.size:
        if _pool_plan.plan("max_forward", x.shape, window) == "inside":
            twin = _pool_numpy.max_forward_inside
            _MAX.call(_max_forward_inside, twin, x, *k, *s, *d, y, argmax)
        else:
            _max_forward(x, *k, *s, *p, *d, y, argmax)
    return y, argmax


def max_pool2d_backward(
    gy: np.ndarray,
    argmax: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    ceil_mode: bool = False,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d_forward`: each ``gy`` goes to its window's winner.

    Overlapping windows add up (``stride < kernel``). Arguments are those of the forward call
    plus the output gradient ``gy`` (same shape as ``y``) and the saved ``argmax``.

    Returns
    -------
    ndarray, shape x_shape
        ``gx``, same dtype as ``gy``.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> y, argmax = max_pool2d_forward(x, (2, 2), (2, 2))
    >>> max_pool2d_backward(np.ones_like(y), argmax, x.shape, (2, 2), (2, 2))[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    window = PoolWindow(kernel, stride, padding, dilation, bool(ceil_mode))
    gy = gradient("gy", gy, x_shape, _output_hw(x_shape, window))
    argmax = np.ascontiguousarray(argmax)
    if argmax.shape != gy.shape or argmax.dtype.kind != "i":
        raise ValueError(f"argmax must be an integer array of shape {gy.shape}")
    gx = np.empty(x_shape, dtype=gy.dtype)
    if gx.size:
        geometry = (*kernel, *stride, *padding, *dilation)
        _MAX.call(_max_backward, _pool_numpy.max_backward, gy, argmax, *geometry, gx)
    return gx


def avg_pool2d_forward(
    x: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Average pooling, as PyTorch's ``avg_pool2d`` (no dilation, as there).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel, stride, padding, ceil_mode
        As in :func:`max_pool2d_forward`.
    count_include_pad : bool
        Count zero padding in the divisor (never the part of a ceil-mode window beyond it).
    divisor_override : int, optional
        Divide every window sum by this (non-zero) instead.

    Returns
    -------
    ndarray, shape (N, C, OH, OW)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d_forward(x, (2, 2), (2, 2))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = float_nchw("x", x)
    window = PoolWindow(kernel, stride, padding, (1, 1), bool(ceil_mode))
    k, s, p = kernel, stride, padding
    div = divisor_override or 0
    y = np.empty((*x.shape[:2], *_output_hw(x.shape, window)), dtype=x.dtype)
    if y.size:
        if _pool_plan.plan("avg_forward", x.shape, window) == "inside":
            # Inside the input every window counts kh*kw elements, padding or not.
            _avg_forward_inside(x, *k, *s, float(div or k[0] * k[1]), y)
        else:
            _avg_forward(x, *k, *s, *p, bool(count_include_pad), div, y)
    return y


def avg_pool2d_backward(
    gy: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d_forward` (same arguments, plus ``gy`` and ``x_shape``).

    Returns
    -------
    ndarray, shape x_shape
        ``gx``: each window spreads ``gy / divisor`` over its in-bounds elements.

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), (2, 2), (2, 2))[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    window = PoolWindow(kernel, stride, padding, (1, 1), bool(ceil_mode))
    k, s, p = kernel, stride, padding
    gy = gradient("gy", gy, x_shape, _output_hw(x_shape, window))
    div = divisor_override or 0
    gx = np.empty(x_shape, dtype=gy.dtype)
    if gx.size:
        path = _pool_plan.plan("avg_backward", x_shape, window)
        if path == "inside":
            _avg_backward_inside(gy, *k, float(div or k[0] * k[1]), gx)
        else:
            backward = _avg_backward_tiled if path == "tiled" else _avg_backward
            backward(gy, *k, *s, *p, bool(count_include_pad), div, gx)
    return gx
