"""Direct convolution kernels for grouped and depthwise convolutions (NCHW, no GEMM).

With few channels per group the GEMMs of im2col would be tiny, so these loop over the
convolution directly: one ``prange`` task per (sample, channel) plane, the innermost loop an
axpy along an output (or input) row that LLVM vectorizes without fastmath. Layouts are those of
:mod:`autograd.kernels.conv`.

Planes are indexed flat with ``np.uint64`` offsets: with signed indices Numba emits a
negative-index wraparound test per access, which blocks vectorization (measured 3-5x slower).
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._conv_gemm import _valid_range
from autograd.kernels._jit import jit, prange


@jit
def _tap_ranges(k, n_out, stride, dilation, pad, size):
    # For each tap t of a kernel axis: the output positions [lo, hi) it reaches inside the input.
    table = np.empty((k, 2), dtype=np.int64)
    for t in range(k):
        table[t, 0], table[t, 1] = _valid_range(n_out, stride, t * dilation - pad, size)
    return table


@jit(parallel=True)
def _direct_forward(x, w, sh, sw, ph, pw, dh, dw, y):
    # y[n, o] = sum over its group's input planes and taps of w * shifted x plane.
    N, O, oh_n, ow_n = y.shape
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    og = O // (C // cg)
    rows = _tap_ranges(kh, oh_n, sh, dh, ph, H)
    cols = _tap_ranges(kw, ow_n, sw, dw, pw, W)
    xf = x.reshape(x.size)
    for task in prange(N * O):
        n = task // O
        o = task % O
        out = y[n, o].reshape(oh_n * ow_n)
        out[:] = 0.0
        for c in range(cg):
            plane = (n * C + (o // og) * cg + c) * H * W
            for i in range(kh):
                for j in range(kw):
                    wv = w[o, c, i, j]
                    w_lo, w_hi = cols[j, 0], cols[j, 1]
                    for oh in range(rows[i, 0], rows[i, 1]):
                        src = plane + (oh * sh + i * dh - ph) * W + j * dw - pw
                        dst = oh * ow_n
                        for ow in range(w_lo, w_hi):
                            out[np.uint64(dst + ow)] += wv * xf[np.uint64(src + ow * sw)]


@jit(parallel=True)
def _direct_backward_input(gy, w, sh, sw, ph, pw, dh, dw, gx):
    # One (sample, in channel) plane of gx a task, scattering from the og outputs that read it.
    N, C, H, W = gx.shape
    O, oh_n, ow_n = gy.shape[1], gy.shape[2], gy.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    og = O // (C // cg)
    rows = _tap_ranges(kh, oh_n, sh, dh, ph, H)
    cols = _tap_ranges(kw, ow_n, sw, dw, pw, W)
    gyf = gy.reshape(gy.size)
    for task in prange(N * C):
        n = task // C
        c = task % C
        g = c // cg
        plane = gx[n, c].reshape(H * W)
        plane[:] = 0.0
        for o in range(g * og, (g + 1) * og):
            gplane = (n * O + o) * oh_n * ow_n
            for i in range(kh):
                for j in range(kw):
                    wv = w[o, c % cg, i, j]
                    w_lo, w_hi = cols[j, 0], cols[j, 1]
                    for oh in range(rows[i, 0], rows[i, 1]):
                        src = gplane + oh * ow_n
                        dst = (oh * sh + i * dh - ph) * W + j * dw - pw
                        for ow in range(w_lo, w_hi):
                            plane[np.uint64(dst + ow * sw)] += wv * gyf[np.uint64(src + ow)]


@jit(parallel=True)
def _direct_backward_weight(x, gy, sh, sw, ph, pw, dh, dw, gw):
    # One output channel a task. Products are summed into a row buffer first, an elementwise
    # loop that vectorizes without fastmath; the row is reduced once per weight element.
    O, cg, kh, kw = gw.shape
    N, C, H, W = x.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    og = O // (C // cg)
    rows = _tap_ranges(kh, oh_n, sh, dh, ph, H)
    cols = _tap_ranges(kw, ow_n, sw, dw, pw, W)
    xf = x.reshape(x.size)
    gyf = gy.reshape(gy.size)
    for o in prange(O):
        acc = np.empty(ow_n, dtype=gw.dtype)
        for c in range(cg):
            cin = (o // og) * cg + c
            for i in range(kh):
                for j in range(kw):
                    w_lo, w_hi = cols[j, 0], cols[j, 1]
                    acc[:] = 0.0
                    for n in range(N):
                        plane = (n * C + cin) * H * W
                        gplane = (n * O + o) * oh_n * ow_n
                        for oh in range(rows[i, 0], rows[i, 1]):
                            src = plane + (oh * sh + i * dh - ph) * W + j * dw - pw
                            g = gplane + oh * ow_n
                            for ow in range(w_lo, w_hi):
                                acc[np.uint64(ow)] += (
                                    gyf[np.uint64(g + ow)] * xf[np.uint64(src + ow * sw)]
                                )
                    gw[o, c, i, j] = acc.sum()


# Stride-1 variants of the forward and input-gradient kernels on padded "wide" planes (row
# pitch wp = W + 2*pw, as in _conv_gemm): every kernel tap becomes ONE long axpy over the
# flattened plane instead of a short one per row, whose vector remainder loops were measured to
# dominate 32-wide images. Each task pads its own planes into small private buffers. Garbage
# columns (ow >= OW) are dropped in forward and are zero in backward, which is exact while w is
# finite; the caller checks that. (A wide weight-gradient kernel was measured no faster than
# _direct_backward_weight, so there is none.)


@jit
def _load_padded(src, ph, pw, wp, dst):
    # dst (zeroed borders) <- src plane (H, W) at row ph, column pw of a (., wp) layout.
    H, W = src.shape
    for ih in range(H):
        row = (ih + ph) * wp + pw
        dst[row : row + W] = src[ih, :]


@jit
def _load_wide(src, wp, dst):
    # dst[oh*wp + ow] = src[oh, ow] for ow < OW; the rest of dst is left as it is (zero).
    oh_n, ow_n = src.shape
    for oh in range(oh_n):
        dst[oh * wp : oh * wp + ow_n] = src[oh, :]


@jit(parallel=True)
def _direct_forward_wide(x, w, ph, pw, dh, dw, y):
    N, O, oh_n, ow_n = y.shape
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    og = O // (C // cg)
    wp = W + 2 * pw
    pitch = (H + 2 * ph) * wp + (kw - 1) * dw
    lw = oh_n * wp
    for task in prange(N * O):
        n = task // O
        o = task % O
        xbuf = np.zeros(pitch, dtype=x.dtype)
        acc = np.zeros(lw, dtype=y.dtype)
        for c in range(cg):
            _load_padded(x[n, (o // og) * cg + c], ph, pw, wp, xbuf)
            for i in range(kh):
                if kw == 3:
                    # The three taps of a kernel row in one pass: a third of the loads and
                    # stores of acc (measured ~15% faster on 3x3 depthwise).
                    w0, w1, w2 = w[o, c, i, 0], w[o, c, i, 1], w[o, c, i, 2]
                    s0 = i * dh * wp
                    for t in range(lw):
                        acc[np.uint64(t)] += (
                            w0 * xbuf[np.uint64(t + s0)] + w1 * xbuf[np.uint64(t + s0 + dw)]
                        ) + w2 * xbuf[np.uint64(t + s0 + 2 * dw)]
                    continue
                for j in range(kw):
                    wv = w[o, c, i, j]
                    shift = i * dh * wp + j * dw
                    for t in range(lw):
                        acc[np.uint64(t)] += wv * xbuf[np.uint64(t + shift)]
        for oh in range(oh_n):
            y[n, o, oh, :] = acc[oh * wp : oh * wp + ow_n]


@jit(parallel=True)
def _direct_backward_input_wide(gy, w, ph, pw, dh, dw, gx):
    N, C, H, W = gx.shape
    O, oh_n = gy.shape[1], gy.shape[2]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    og = O // (C // cg)
    wp = W + 2 * pw
    pitch = (H + 2 * ph) * wp + (kw - 1) * dw
    lw = oh_n * wp
    for task in prange(N * C):
        n = task // C
        c = task % C
        g = c // cg
        gpad = np.zeros(lw + 4 * dw, dtype=gy.dtype)
        gbuf = gpad[2 * dw : 2 * dw + lw]
        acc = np.zeros(pitch, dtype=gx.dtype)
        for o in range(g * og, (g + 1) * og):
            _load_wide(gy[n, o], wp, gbuf)
            for i in range(kh):
                if kw == 3:
                    # Gather form of the three taps of a kernel row, one pass and one store
                    # of acc; gpad's zero margins stand in for the ends of the row.
                    w0, w1, w2 = w[o, c % cg, i, 0], w[o, c % cg, i, 1], w[o, c % cg, i, 2]
                    s0 = i * dh * wp
                    for u in range(lw + 2 * dw):
                        acc[np.uint64(s0 + u)] += (
                            w0 * gpad[np.uint64(u + 2 * dw)] + w1 * gpad[np.uint64(u + dw)]
                        ) + w2 * gpad[np.uint64(u)]
                    continue
                for j in range(kw):
                    wv = w[o, c % cg, i, j]
                    shift = i * dh * wp + j * dw
                    for t in range(lw):
                        acc[np.uint64(t + shift)] += wv * gbuf[np.uint64(t)]
        for ih in range(H):
            row = (ih + ph) * wp + pw
            gx[n, c, ih, :] = acc[row : row + W]
