"""Nearest-neighbour resize kernels on NCHW arrays (float32 or float64).

An output pixel ``(oh, ow)`` reads the input pixel ``(rows[oh], cols[ow])``; the index tables
are computed by the caller (``autograd.ops.resize`` follows PyTorch's rounding). The backward
adds each output gradient back at its source pixel. Each ``prange`` iteration owns one
(sample, channel) plane, so no two iterations write the same element.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._jit import jit, prange

__all__ = ["nearest_forward", "nearest_backward"]


@jit(inline=True)
def _nearest(x, rows, cols, y, backward):
    # Forward: y[n, c, oh, ow] = x[n, c, rows[oh], cols[ow]]. Backward (y holds the output
    # gradient, x receives the input gradient): the same pixels, y added back into x.
    N, C = x.shape[0], x.shape[1]
    oh_n, ow_n = y.shape[2], y.shape[3]
    for p in prange(N * C):
        n = p // C
        c = p % C
        if backward:
            x[n, c] = 0.0
        for oh in range(oh_n):
            x_row = x[n, c, rows[oh]]
            y_row = y[n, c, oh]
            if backward:
                for ow in range(ow_n):
                    x_row[cols[ow]] += y_row[ow]
            else:
                for ow in range(ow_n):
                    y_row[ow] = x_row[cols[ow]]


@jit(parallel=True)
def _nearest_forward(x, rows, cols, y):
    _nearest(x, rows, cols, y, False)


@jit(parallel=True)
def _nearest_backward(gy, rows, cols, gx):
    _nearest(gx, rows, cols, gy, True)


def _tables(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (np.ascontiguousarray(rows, dtype=np.int64),
            np.ascontiguousarray(cols, dtype=np.int64))  # fmt: skip


def nearest_forward(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``y[n, c, i, j] = x[n, c, rows[i], cols[j]]``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        float32 or float64.
    rows, cols : ndarray of int
        Source row for each output row (values in ``[0, H)``), source column for each output
        column (in ``[0, W)``).

    Returns
    -------
    ndarray, shape (N, C, len(rows), len(cols))

    Examples
    --------
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> nearest_forward(x, np.array([0, 0, 1]), np.array([1, 0]))[0, 0]
    array([[1., 0.],
           [1., 0.],
           [3., 2.]])
    """
    x = np.ascontiguousarray(x)
    rows, cols = _tables(rows, cols)
    y = np.empty((x.shape[0], x.shape[1], rows.size, cols.size), dtype=x.dtype)
    if y.size:
        _nearest_forward(x, rows, cols, y)
    return y


def nearest_backward(
    gy: np.ndarray, rows: np.ndarray, cols: np.ndarray, x_shape: tuple[int, int, int, int]
) -> np.ndarray:
    """Gradient of :func:`nearest_forward`: ``gy`` summed back onto the source pixels.

    Examples
    --------
    >>> nearest_backward(np.ones((1, 1, 3, 2)), np.array([0, 0, 1]), np.array([1, 0]),
    ...                  (1, 1, 2, 2))[0, 0]
    array([[2., 2.],
           [1., 1.]])
    """
    gy = np.ascontiguousarray(gy)
    rows, cols = _tables(rows, cols)
    expected = (*x_shape[:2], rows.size, cols.size)
    if gy.shape != expected:
        raise ValueError(f"gy has shape {gy.shape}, expected {expected}")
    gx = np.empty(tuple(x_shape), dtype=gy.dtype)
    if gx.size:
        if gy.size:
            _nearest_backward(gy, rows, cols, gx)
        else:
            gx[...] = 0.0
    return gx
