"""General 2-D pooling kernels (any padding, dilation, ceil mode); NCHW, float32 or float64.

Layouts and semantics are those documented in :mod:`autograd.kernels.pool`, whose drivers
validate the arguments and pick between these kernels and the faster ones of
:mod:`autograd.kernels._pool_inside` for windows lying inside the input.

Every kernel runs a ``prange`` over the ``N*C`` planes only: a plane's windows may overlap, so
one iteration owns each plane and the scatter-adds of the backward passes never race. No
fastmath anywhere: NaN must propagate exactly as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._conv_gemm import _valid_range
from autograd.kernels._jit import jit, prange

# Kernels that index flat arrays hand each prange task a run of whole planes (_TASKS runs at
# most): per-plane views, allocations and tasks cost more than the work on
# 32x32 planes.
_TASKS = 64


@jit
def _tap_range(start, dilation, k, size):
    # Taps t in [lo, hi) of a window starting at `start` whose positions start + t*dilation
    # fall inside [0, size); computed once per window so the inner loops carry no bounds tests.
    lo = 0
    if start < 0:
        lo = (-start + dilation - 1) // dilation
    hi = 0
    if size - 1 - start >= 0:
        hi = min(k, (size - 1 - start) // dilation + 1)
    return lo, max(lo, hi)


@jit
def _tap_table(n_out, stride, pad, dilation, k, size):
    # Per output position along one axis: first and end tap of its window.
    table = np.empty((n_out, 2), dtype=np.int64)
    for o in range(n_out):
        table[o, 0], table[o, 1] = _tap_range(o * stride - pad, dilation, k, size)
    return table


# Hot loops index flat planes with np.uint64 offsets: Numba then skips its negative-index
# wraparound test, which costs 25-40% here (and blocks vectorization).


@jit(parallel=True)
def _max_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, y, argmax):
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    rows = _tap_table(oh_n, sh, ph, dh, kh, H)
    cols = _tap_table(ow_n, sw, pw, dw, kw, W)
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = x[n, c].reshape(H * W)
        out = y[n, c].reshape(oh_n * ow_n)
        out_at = argmax[n, c].reshape(oh_n * ow_n)
        for oh in range(oh_n):
            h0 = oh * sh - ph
            i_lo, i_hi = rows[oh, 0], rows[oh, 1]
            for ow in range(ow_n):
                w0 = ow * sw - pw
                j_lo, j_hi = cols[ow, 0], cols[ow, 1]
                o = np.uint64(oh * ow_n + ow)
                if i_lo >= i_hi or j_lo >= j_hi:
                    out[o] = -np.inf
                    out_at[o] = -1
                    continue
                # Starting from the first element equals PyTorch's start from -inf: it wins
                # every comparison -inf would have made. Branch-free selects: the branchy
                # form mispredicts on every other element of random data.
                best = plane[np.uint64((h0 + i_lo * dh) * W + w0 + j_lo * dw)]
                at = i_lo * kw + j_lo
                for i in range(i_lo, i_hi):
                    base = (h0 + i * dh) * W + w0
                    for j in range(j_lo, j_hi):
                        v = plane[np.uint64(base + j * dw)]
                        take = (v > best) | (v != v)
                        best = v if take else best
                        at = i * kw + j if take else at
                out[o] = best
                out_at[o] = at


@jit(parallel=True, warm=True)
def _max_backward(gy, argmax, kh, kw, sh, sw, ph, pw, dh, dw, gx):
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    # Offset -> flat shift inside the plane; a table lookup instead of a division.
    shift = np.empty(kh * kw, dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            shift[i * kw + j] = (i * dh - ph) * W + j * dw - pw
    gf = gy.reshape(gy.size)
    af = argmax.reshape(argmax.size)
    xf = gx.reshape(gx.size)
    planes = N * C
    tasks = min(planes, _TASKS)
    for t in prange(tasks):
        for p in range(t * planes // tasks, (t + 1) * planes // tasks):
            base = p * H * W
            for u in range(H * W):
                xf[np.uint64(base + u)] = 0.0
            o0 = p * oh_n * ow_n
            for oh in range(oh_n):
                for ow in range(ow_n):
                    o = np.uint64(o0 + oh * ow_n + ow)
                    at = af[o]
                    if at >= 0:
                        xf[np.uint64(base + oh * sh * W + ow * sw + shift[at])] += gf[o]


@jit
def _avg_table(n_out, stride, pad, k, size, include_pad):
    # Per output position along one axis: clipped window [lo, hi) and the length the divisor
    # counts (PyTorch: the window clipped to the padded input, or to the input).
    table = np.empty((n_out, 3), dtype=np.int64)
    for o in range(n_out):
        lo = o * stride - pad
        hi = min(lo + k, size + pad)
        padded = hi - lo
        lo = max(lo, 0)
        hi = min(hi, size)
        table[o, 0] = lo
        table[o, 1] = max(lo, hi)
        table[o, 2] = padded if include_pad else hi - lo
    return table


@jit
def _tap_columns(kw, ow_n, sw, pw, W):
    # For each window column j: the output columns [lo, hi) whose tap j is inside the input.
    cols = np.empty((kw, 2), dtype=np.int64)
    for j in range(kw):
        cols[j, 0], cols[j, 1] = _valid_range(ow_n, sw, j - pw, W)
    return cols


@jit
def _avg_tables(H, W, oh_n, ow_n, kh, kw, sh, sw, ph, pw, include_pad):
    # What the average kernels read for every plane: each output row's and column's clipped
    # window and divisor length, and each window column's span of output columns.
    rows = _avg_table(oh_n, sh, ph, kh, H, include_pad)
    wins = _avg_table(ow_n, sw, pw, kw, W, include_pad)
    return rows, wins, _tap_columns(kw, ow_n, sw, pw, W)


@jit(inline=True)
def _divide(src, row_length, wins, divisor, dst):
    # dst[ow] = src[ow] / the divisor of window ow of an output row (row_length: the length of
    # its window along H that the divisor counts). An empty window (possible in ceil mode)
    # gives 0, as in PyTorch.
    for ow in range(dst.size):
        div = divisor if divisor != 0 else row_length * wins[ow, 2]
        dst[ow] = src[ow] / div if div != 0 else 0.0


@jit(inline=True)
def _avg(x, kh, kw, sh, sw, ph, pw, include_pad, divisor, y, backward):
    # Forward: y = window sums of x over their divisors. Backward (y holds the output gradient,
    # x receives the input gradient): each window's share of y added over the window. Taps
    # outside, an output row inside: the inner loop is a strided vector add.
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    rows, wins, cols = _avg_tables(H, W, oh_n, ow_n, kh, kw, sh, sw, ph, pw, include_pad)
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = x[n, c]
        if backward:
            plane[:, :] = 0.0
        acc = np.empty(ow_n, dtype=x.dtype)  # the row's window sums, or its shares
        for oh in range(oh_n):
            out = y[n, c, oh]
            if backward:
                _divide(out, rows[oh, 2], wins, divisor, acc)
            else:
                acc[:] = 0.0
            for ih in range(rows[oh, 0], rows[oh, 1]):
                row = plane[ih]
                for j in range(kw):
                    if backward:
                        for ow in range(cols[j, 0], cols[j, 1]):
                            row[np.uint64(ow * sw + j - pw)] += acc[ow]
                    else:
                        for ow in range(cols[j, 0], cols[j, 1]):
                            acc[ow] += row[np.uint64(ow * sw + j - pw)]
            if not backward:
                _divide(acc, rows[oh, 2], wins, divisor, out)


@jit(parallel=True)
def _avg_forward(x, kh, kw, sh, sw, ph, pw, include_pad, divisor, y):
    _avg(x, kh, kw, sh, sw, ph, pw, include_pad, divisor, y, False)


@jit(parallel=True)
def _avg_backward(gy, kh, kw, sh, sw, ph, pw, include_pad, divisor, gx):
    _avg(gx, kh, kw, sh, sw, ph, pw, include_pad, divisor, gy, True)


@jit
def _source_map(n_in, n_out, stride, pad, k):
    # Non-overlapping windows: the one output position whose window holds each input position
    # along an axis, or -1.
    src = np.full(n_in, -1, dtype=np.int64)
    for i in range(n_in):
        o = (i + pad) // stride
        if (i + pad) - o * stride < k and o < n_out:
            src[i] = o
    return src


@jit(parallel=True)
def _avg_backward_tiled(gy, kh, kw, sh, sw, ph, pw, include_pad, divisor, gx):
    # For windows that do not overlap (stride >= kernel): each input element gathers its one
    # share, so gx is written once with no zeroing pass (1.4x faster than scatter).
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    rows = _avg_table(oh_n, sh, ph, kh, H, include_pad)
    wins = _avg_table(ow_n, sw, pw, kw, W, include_pad)
    row_src = _source_map(H, oh_n, sh, ph, kh)
    col_src = _source_map(W, ow_n, sw, pw, kw)
    for p in prange(N * C):
        n = p // C
        c = p % C
        share = np.empty(ow_n + 1, dtype=gx.dtype)
        share[ow_n] = 0.0  # the share of positions no window covers
        for ih in range(H):
            dst = gx[n, c, ih]
            oh = row_src[ih]
            if oh < 0:
                dst[:] = 0.0
                continue
            g = gy[n, c, oh]
            for ow in range(ow_n):
                div = divisor if divisor != 0 else rows[oh, 2] * wins[ow, 2]
                share[ow] = g[ow] / div
            for iw in range(W):
                at = col_src[np.uint64(iw)]
                dst[np.uint64(iw)] = share[np.uint64(at if at >= 0 else ow_n)]
