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
def _direct_forward(x, w, b, sh, sw, ph, pw, dh, dw, y):
    # y[n, o] = b[o] + sum over its group's input planes and taps of w * shifted x plane.
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
        out[:] = b[o]
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


# Stride-1 kernels on padded "wide" planes (row pitch wp = W + 2*pw, as in _conv_gemm): every
# kernel tap becomes ONE long loop over the flattened plane instead of a short one per row. With
# 256-bit vectors unrolled 4 times LLVM's vector loop takes 32 floats an iteration, so rows of 28
# or 32 run (partly) scalar; long loops were measured 2-3x faster. 3x3 kernels do all nine taps
# in one pass (one store per element). Garbage columns (ow >= OW) are dropped in forward and are
# zero in backward, which is exact while w is finite; the caller checks that.
#
# Tasks are runs of (sample, group) jobs (at most _TASKS runs): a task's buffers are allocated
# once, and a group's input planes are padded once for all its output channels. Copies into and
# out of the buffers are element loops: slice assignment was measured 4x slower on short rows.
_TASKS = 64


@jit
def _stencil3x3(xbuf, base, row, col, w9, bias, first, acc):
    # acc[q] (+)= sum_{i,j} w9[3i + j] * xbuf[base + i*row + j*col + q] for q < acc.size; the
    # first channel writes bias + sum (no separate fill pass), later ones add. Two loops, not
    # a select inside one, so each vectorizes.
    r0 = np.uint64(base)
    r1 = r0 + np.uint64(row)
    r2 = r1 + np.uint64(row)
    d1 = np.uint64(col)
    d2 = np.uint64(2 * col)
    w00, w01, w02 = w9[0], w9[1], w9[2]
    w10, w11, w12 = w9[3], w9[4], w9[5]
    w20, w21, w22 = w9[6], w9[7], w9[8]
    if first:
        for q in range(acc.size):
            u = np.uint64(q)
            s = (w00 * xbuf[r0 + u] + w01 * xbuf[r0 + u + d1]) + w02 * xbuf[r0 + u + d2]
            s += (w10 * xbuf[r1 + u] + w11 * xbuf[r1 + u + d1]) + w12 * xbuf[r1 + u + d2]
            s += (w20 * xbuf[r2 + u] + w21 * xbuf[r2 + u + d1]) + w22 * xbuf[r2 + u + d2]
            acc[u] = bias + s
    else:
        for q in range(acc.size):
            u = np.uint64(q)
            s = (w00 * xbuf[r0 + u] + w01 * xbuf[r0 + u + d1]) + w02 * xbuf[r0 + u + d2]
            s += (w10 * xbuf[r1 + u] + w11 * xbuf[r1 + u + d1]) + w12 * xbuf[r1 + u + d2]
            s += (w20 * xbuf[r2 + u] + w21 * xbuf[r2 + u + d1]) + w22 * xbuf[r2 + u + d2]
            acc[u] += s


@jit(parallel=True)
def _direct_forward_wide(x, w, b, ph, pw, dh, dw, y):
    # y[n, o] = b[o] + sum over the group's channels and taps of w * shifted padded x plane.
    N, O, oh_n, ow_n = y.shape
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    groups = C // cg
    og = O // groups
    wp = W + 2 * pw
    pitch = (H + 2 * ph) * wp + (kw - 1) * dw
    lw = oh_n * wp
    xf = x.reshape(x.size)
    yf = y.reshape(y.size)
    wf = w.reshape(w.size)
    jobs = N * groups
    tasks = min(jobs, _TASKS)
    for t in prange(tasks):
        xbuf = np.zeros(cg * pitch, dtype=x.dtype)
        acc = np.empty(lw, dtype=y.dtype)
        for job in range(t * jobs // tasks, (t + 1) * jobs // tasks):
            n = job // groups
            g = job % groups
            for c in range(cg):
                src = (n * C + g * cg + c) * H * W
                for ih in range(H):
                    row = c * pitch + (ih + ph) * wp + pw
                    for iw in range(W):
                        xbuf[np.uint64(row + iw)] = xf[np.uint64(src + ih * W + iw)]
            for o in range(g * og, (g + 1) * og):
                bias = b[o]
                three = kh == 3 and kw == 3
                if not three:
                    for q in range(lw):
                        acc[np.uint64(q)] = bias
                for c in range(cg):
                    wo = (o * cg + c) * kh * kw
                    base = c * pitch
                    if three:
                        _stencil3x3(xbuf, base, dh * wp, dw, wf[wo : wo + 9], bias, c == 0, acc)
                        continue
                    for i in range(kh):
                        for j in range(kw):
                            wv = wf[wo + i * kw + j]
                            shift = np.uint64(base + i * dh * wp + j * dw)
                            for q in range(lw):
                                acc[np.uint64(q)] += wv * xbuf[shift + np.uint64(q)]
                out = (n * O + o) * oh_n * ow_n
                for oh in range(oh_n):
                    for ow in range(ow_n):
                        yf[np.uint64(out + oh * ow_n + ow)] = acc[np.uint64(oh * wp + ow)]


@jit(parallel=True)
def _direct_backward_input_wide(gy, w, ph, pw, dh, dw, gx):
    # Gather form: gx's padded plane t gets sum over taps of w[i, j] * g[t - i*dh*wp - j*dw],
    # with g the wide gy plane behind a zero margin of (kh-1)*dh rows and (kw-1)*dw columns.
    N, C, H, W = gx.shape
    O, oh_n, ow_n = gy.shape[1], gy.shape[2], gy.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    groups = C // cg
    og = O // groups
    wp = W + 2 * pw
    margin = (kh - 1) * dh * wp + (kw - 1) * dw
    # pitch = OH*wp + margin at stride 1, or more when gy is cut short (conv_transpose2d's
    # output_padding): the missing rows then read gpad's zero tail.
    pitch = (H + 2 * ph) * wp + (kw - 1) * dw
    gyf = gy.reshape(gy.size)
    gxf = gx.reshape(gx.size)
    wf = w.reshape(w.size)
    jobs = N * groups
    tasks = min(jobs, _TASKS)
    for t in prange(tasks):
        gpad = np.zeros(pitch + margin, dtype=gy.dtype)
        acc = np.empty(cg * pitch, dtype=gx.dtype)
        for job in range(t * jobs // tasks, (t + 1) * jobs // tasks):
            n = job // groups
            g = job % groups
            for q in range(cg * pitch):
                acc[np.uint64(q)] = 0.0
            for o in range(g * og, (g + 1) * og):
                src = (n * O + o) * oh_n * ow_n
                for oh in range(oh_n):
                    row = margin + oh * wp
                    for ow in range(ow_n):
                        gpad[np.uint64(row + ow)] = gyf[np.uint64(src + oh * ow_n + ow)]
                for c in range(cg):
                    wo = (o * cg + c) * kh * kw
                    a = np.uint64(c * pitch)
                    if kh == 3 and kw == 3:
                        d1 = np.uint64(dw)
                        d2 = np.uint64(2 * dw)
                        e0 = np.uint64(margin)
                        e1 = e0 - np.uint64(dh * wp)
                        e2 = e1 - np.uint64(dh * wp)
                        w00, w01, w02 = wf[wo], wf[wo + 1], wf[wo + 2]
                        w10, w11, w12 = wf[wo + 3], wf[wo + 4], wf[wo + 5]
                        w20, w21, w22 = wf[wo + 6], wf[wo + 7], wf[wo + 8]
                        for q in range(pitch):
                            u = np.uint64(q)
                            s = (w00 * gpad[e0 + u] + w01 * gpad[e0 + u - d1]) + w02 * gpad[
                                e0 + u - d2
                            ]
                            s += (w10 * gpad[e1 + u] + w11 * gpad[e1 + u - d1]) + w12 * gpad[
                                e1 + u - d2
                            ]
                            s += (w20 * gpad[e2 + u] + w21 * gpad[e2 + u - d1]) + w22 * gpad[
                                e2 + u - d2
                            ]
                            acc[a + u] += s
                        continue
                    for i in range(kh):
                        for j in range(kw):
                            wv = wf[wo + i * kw + j]
                            e = np.uint64(margin - i * dh * wp - j * dw)
                            for q in range(pitch):
                                acc[a + np.uint64(q)] += wv * gpad[e + np.uint64(q)]
            for c in range(cg):
                dst = (n * C + g * cg + c) * H * W
                for ih in range(H):
                    row = c * pitch + (ih + ph) * wp + pw
                    for iw in range(W):
                        gxf[np.uint64(dst + ih * W + iw)] = acc[np.uint64(row + iw)]


@jit(parallel=True)
def _direct_backward_weight_s1(x, gy, ph, pw, dh, dw, gw, gb):
    # Stride-1 weight gradient, one output channel a task: each (sample, channel) input plane
    # is padded once per task and each gy row is read once, its products with the kh*kw shifted
    # input rows summed into per-tap row buffers (elementwise, so they vectorize without
    # reassociation); the buffers are reduced at the end. Exact rows, no garbage columns, so
    # no finiteness condition. gb[o] gets the bias gradient, summed from the same gy rows.
    O, cg, kh, kw = gw.shape
    N, C, H, W = x.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    og = O // (C // cg)
    wp = W + 2 * pw
    pitch = (H + 2 * ph) * wp
    taps = kh * kw
    xf = x.reshape(x.size)
    gyf = gy.reshape(gy.size)
    gwf = gw.reshape(gw.size)
    for o in prange(O):
        g = o // og
        xbuf = np.zeros(cg * pitch, dtype=x.dtype)
        acc = np.zeros((cg * taps + 1) * ow_n, dtype=gw.dtype)
        brow = np.uint64(cg * taps * ow_n)
        for n in range(N):
            for c in range(cg):
                src = (n * C + g * cg + c) * H * W
                for ih in range(H):
                    row = c * pitch + (ih + ph) * wp + pw
                    for iw in range(W):
                        xbuf[np.uint64(row + iw)] = xf[np.uint64(src + ih * W + iw)]
            gsrc = (n * O + o) * oh_n * ow_n
            for oh in range(oh_n):
                grow = np.uint64(gsrc + oh * ow_n)
                for ow in range(ow_n):
                    acc[brow + np.uint64(ow)] += gyf[grow + np.uint64(ow)]
                for c in range(cg):
                    for i in range(kh):
                        xr = c * pitch + (oh + i * dh) * wp
                        for j in range(kw):
                            a = np.uint64(((c * kh + i) * kw + j) * ow_n)
                            xj = np.uint64(xr + j * dw)
                            for ow in range(ow_n):
                                u = np.uint64(ow)
                                acc[a + u] += gyf[grow + u] * xbuf[xj + u]
        for k in range(cg * taps + 1):
            total = 0.0
            for ow in range(ow_n):
                total += acc[np.uint64(k * ow_n + ow)]
            if k < cg * taps:
                gwf[np.uint64(o * cg * taps + k)] = total
            else:
                gb[o] = total
