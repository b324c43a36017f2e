"""Slow, obvious NumPy references for max, average and adaptive pooling: one window at a time,
written from PyTorch's CPU kernels. Shared by the pooling kernel tests and the pooling op tests
(tests/autograd/test_pool.py).
"""

from __future__ import annotations

import math

import numpy as np


def ref_output_size(size, k, s, p, d, ceil_mode):
    span = (size + 2 * p - d * (k - 1) - 1) / s
    out = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def ref_max_pool(x, k, s, p, d, ceil_mode):
    """Each window's first maximum (row-major; a NaN wins) and the (row, column) it stands at,
    (-1, -1) for a window of padding only."""
    N, C, H, W = x.shape
    oh = ref_output_size(H, k[0], s[0], p[0], d[0], ceil_mode)
    ow = ref_output_size(W, k[1], s[1], p[1], d[1], ceil_mode)
    y = np.empty((N, C, oh, ow), x.dtype)
    winner = np.empty((N, C, oh, ow, 2), np.int64)
    for n, c, a, b in np.ndindex(N, C, oh, ow):
        best, at = -np.inf, None
        for i in range(k[0]):
            for j in range(k[1]):
                ih, iw = a * s[0] - p[0] + i * d[0], b * s[1] - p[1] + j * d[1]
                if not (0 <= ih < H and 0 <= iw < W):
                    continue
                v = x[n, c, ih, iw]
                if at is None or v > best or np.isnan(v):
                    best, at = v, (ih, iw)
        y[n, c, a, b] = best
        winner[n, c, a, b] = (-1, -1) if at is None else at  # a window of padding only
    return y, winner


def ref_max_pool_backward(gy, winner, x_shape):
    gx = np.zeros(x_shape, gy.dtype)
    for n, c, a, b in np.ndindex(gy.shape):
        ih, iw = winner[n, c, a, b]
        if ih >= 0:
            gx[n, c, ih, iw] += gy[n, c, a, b]
    return gx


def ref_avg_windows(x_shape, k, s, p, ceil_mode, count_include_pad, divisor_override):
    # Yields (n, c, oh, ow, rows, cols, divisor) for each window.
    N, C, H, W = x_shape
    oh = ref_output_size(H, k[0], s[0], p[0], 1, ceil_mode)
    ow = ref_output_size(W, k[1], s[1], p[1], 1, ceil_mode)
    for n, c, a, b in np.ndindex(N, C, oh, ow):
        h0, w0 = a * s[0] - p[0], b * s[1] - p[1]
        h1, w1 = min(h0 + k[0], H + p[0]), min(w0 + k[1], W + p[1])
        padded = (h1 - h0) * (w1 - w0)
        h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, H), min(w1, W)
        if divisor_override:
            div = divisor_override
        else:
            div = padded if count_include_pad else (h1 - h0) * (w1 - w0)
        yield n, c, a, b, slice(h0, h1), slice(w0, w1), div


def ref_avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    N, C, H, W = x.shape
    oh = ref_output_size(H, k[0], s[0], p[0], 1, ceil_mode)
    ow = ref_output_size(W, k[1], s[1], p[1], 1, ceil_mode)
    y = np.zeros((N, C, oh, ow), x.dtype)
    for n, c, a, b, r, q, div in ref_avg_windows(
        x.shape, k, s, p, ceil_mode, count_include_pad, divisor_override
    ):
        window = x[n, c, r, q]
        if window.size:
            y[n, c, a, b] = window.sum() / div
    return y


def ref_avg_pool_backward(gy, x_shape, k, s, p, ceil_mode, count_include_pad, divisor_override):
    gx = np.zeros(x_shape, gy.dtype)
    for n, c, a, b, r, q, div in ref_avg_windows(
        x_shape, k, s, p, ceil_mode, count_include_pad, divisor_override
    ):
        gx[n, c, r, q] += gy[n, c, a, b] / div
    return gx


def ref_adaptive_windows(size, out):
    """The (start, stop) of each of ``out`` adaptive windows over ``size`` elements."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]
