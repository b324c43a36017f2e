"""Adaptive 2-D pooling kernels (NCHW, float32 or float64), with PyTorch's windows.

Output cell ``i`` of an axis of input length ``S`` and output length ``out`` pools
``[floor(i*S/out), ceil((i+1)*S/out))``; neighbouring windows may overlap by one element, so
as in :mod:`autograd.kernels.pool` each ``prange`` iteration owns a whole (sample, channel)
plane. ``adaptive_max_pool2d_forward`` returns the flat index ``ih*W + iw`` of each window's
winner inside its plane (int64, as PyTorch's ``return_indices``); NaN wins, the last NaN is
kept, ties go to the first maximum.

``output_size`` comes as a checked pair (:func:`autograd.kernels._args.adaptive_output_size`).
The average pool to 1x1 (global average pooling) is a BLAS matrix-vector product and a
broadcast, as :func:`autograd.kernels._pool_plan.plan` says.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels import _pool_plan
from autograd.kernels._args import Pair, float_nchw, gradient
from autograd.kernels._jit import jit, prange

__all__ = [
    "adaptive_avg_pool2d_forward",
    "adaptive_avg_pool2d_backward",
    "adaptive_max_pool2d_forward",
    "adaptive_max_pool2d_backward",
]


@jit
def _adaptive_bounds(i, size, out):
    return (i * size) // out, -((-(i + 1) * size) // out)


@jit(parallel=True)
def _adaptive_avg_forward(x, y):
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    for p in prange(N * C):
        n = p // C
        c = p % C
        for oh in range(oh_n):
            h_lo, h_hi = _adaptive_bounds(oh, H, oh_n)
            for ow in range(ow_n):
                w_lo, w_hi = _adaptive_bounds(ow, W, ow_n)
                s = 0.0
                for ih in range(h_lo, h_hi):
                    for iw in range(w_lo, w_hi):
                        s += x[n, c, ih, iw]
                y[n, c, oh, ow] = s / ((h_hi - h_lo) * (w_hi - w_lo))


@jit(parallel=True)
def _adaptive_avg_backward(gy, gx):
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = gx[n, c]
        plane[:, :] = 0.0
        for oh in range(oh_n):
            h_lo, h_hi = _adaptive_bounds(oh, H, oh_n)
            for ow in range(ow_n):
                w_lo, w_hi = _adaptive_bounds(ow, W, ow_n)
                g = gy[n, c, oh, ow] / ((h_hi - h_lo) * (w_hi - w_lo))
                for ih in range(h_lo, h_hi):
                    for iw in range(w_lo, w_hi):
                        plane[ih, iw] += g


@jit(parallel=True)
def _adaptive_max_forward(x, y, index):
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = x[n, c]
        for oh in range(oh_n):
            h_lo, h_hi = _adaptive_bounds(oh, H, oh_n)
            for ow in range(ow_n):
                w_lo, w_hi = _adaptive_bounds(ow, W, ow_n)
                best = plane[h_lo, w_lo]
                at = h_lo * W + w_lo
                for ih in range(h_lo, h_hi):
                    for iw in range(w_lo, w_hi):
                        v = plane[ih, iw]
                        if v > best or np.isnan(v):
                            best = v
                            at = ih * W + iw
                y[n, c, oh, ow] = best
                index[n, c, oh, ow] = at


@jit(parallel=True)
def _adaptive_max_backward(gy, index, gx):
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    for p in prange(N * C):
        n = p // C
        c = p % C
        flat = gx[n, c].reshape(H * W)
        flat[:] = 0.0
        for oh in range(oh_n):
            for ow in range(ow_n):
                flat[index[n, c, oh, ow]] += gy[n, c, oh, ow]


def _global_mean(x: np.ndarray) -> np.ndarray:
    # Each plane's mean as one BLAS matrix-vector product with a column of 1 / (H * W): it
    # reads x at BLAS's speed on all its threads (4 MB in 0.04 ms here, NumPy's mean 0.18), and
    # the terms are scaled before they are summed, so a sum cannot overflow where the mean
    # does not (PyTorch sums in double).
    N, C, H, W = x.shape
    weights = np.full(H * W, 1.0 / (H * W), dtype=x.dtype)
    planes = x.reshape(N * C, H * W)  # a copy only for a non-contiguous x
    return np.matmul(planes, weights).reshape(N, C, 1, 1)


def adaptive_avg_pool2d_forward(x: np.ndarray, output_size: Pair) -> np.ndarray:
    """Adaptive average pooling to ``output_size`` (PyTorch's windows, see module docstring).

    Examples
    --------
    >>> adaptive_avg_pool2d_forward(np.arange(6.0).reshape(1, 1, 2, 3), (1, 1))[0, 0]
    array([[2.5]])
    """
    x = float_nchw("x", x)
    if _pool_plan.plan("adaptive_avg", x.shape, output_size=output_size) == "global":
        return _global_mean(x)
    y = np.empty((*x.shape[:2], *output_size), dtype=x.dtype)
    if y.size:
        _adaptive_avg_forward(x, y)
    return y


def adaptive_avg_pool2d_backward(gy: np.ndarray, x_shape: tuple[int, int, int, int]) -> np.ndarray:
    """Gradient of :func:`adaptive_avg_pool2d_forward`; the output size is ``gy``'s.

    Examples
    --------
    >>> adaptive_avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 1, 2))[0, 0]
    array([[0.5, 0.5]])
    """
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    gy = np.asarray(gy)
    gy = gradient("gy", gy, x_shape, gy.shape[2:])
    gx = np.empty(x_shape, dtype=gy.dtype)
    if _pool_plan.plan("adaptive_avg", x_shape, output_size=gy.shape[2:]) == "global":
        gx[...] = gy * (1.0 / (x_shape[2] * x_shape[3]))
    elif gx.size:
        _adaptive_avg_backward(gy, gx)
    return gx


def adaptive_max_pool2d_forward(x: np.ndarray, output_size: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive max pooling; returns ``(y, index)`` with int64 flat in-plane indices.

    Examples
    --------
    >>> y, index = adaptive_max_pool2d_forward(np.array([[[[1.0, 4.0, 2.0]]]]), (1, 2))
    >>> y.ravel(), index.ravel()
    (array([4., 4.]), array([1, 1]))
    """
    x = float_nchw("x", x)
    y = np.empty((*x.shape[:2], *output_size), dtype=x.dtype)
    index = np.empty(y.shape, dtype=np.int64)
    if y.size:
        _adaptive_max_forward(x, y, index)
    return y, index


def adaptive_max_pool2d_backward(
    gy: np.ndarray, index: np.ndarray, x_shape: tuple[int, int, int, int]
) -> np.ndarray:
    """Gradient of :func:`adaptive_max_pool2d_forward`: ``gy`` added at each saved index.

    Examples
    --------
    >>> x = np.array([[[[1.0, 4.0, 2.0]]]])
    >>> y, index = adaptive_max_pool2d_forward(x, (1, 2))
    >>> adaptive_max_pool2d_backward(np.ones_like(y), index, x.shape)[0, 0]
    array([[0., 2., 0.]])
    """
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    gy = np.asarray(gy)
    gy = gradient("gy", gy, x_shape, gy.shape[2:])
    index = np.ascontiguousarray(index, dtype=np.int64)
    if index.shape != gy.shape:
        raise ValueError(f"index has shape {index.shape}, expected {gy.shape}")
    gx = np.empty(x_shape, dtype=gy.dtype)
    if gx.size:
        _adaptive_max_backward(gy, index, gx)
    return gx
