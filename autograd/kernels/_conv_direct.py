"""Direct convolution kernels for grouped and depthwise convolutions (NCHW, no GEMM).

With few channels per group the GEMMs of im2col would be tiny, so these loop over the
convolution directly: one ``prange`` task per (sample, channel) plane, the innermost loop an
axpy along an output (or input) row that LLVM vectorizes without fastmath. Layouts are those of
:mod:`autograd.kernels.conv`.

Planes are indexed flat with ``np.uint64`` offsets: with signed indices Numba emits a
negative-index wraparound test per access, which blocks vectorization (3-5x slower).
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


@jit(inline=True)
def _direct(x, w, b, sh, sw, ph, pw, dh, dw, y, backward):
    # The products w[o, c, i, j] * x[n, cin, oh*sh + i*dh - ph, ow*sw + j*dw - pw] of the
    # taps inside x, cin = g*cg + c for the group g of o. Forward: summed into y[n, o, oh, ow],
    # which starts from b[o]. Backward (y holds the output gradient, x receives the input
    # gradient, b is unused): w * y summed into x instead. A task owns one plane of what it
    # writes, y's (sample, out channel) or x's (sample, in channel), and goes through the planes
    # of the other array that its group pairs with it.
    N, O, oh_n, ow_n = y.shape
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    og = O // (C // cg)
    rows = _tap_ranges(kh, oh_n, sh, dh, ph, H)
    cols = _tap_ranges(kw, ow_n, sw, dw, pw, W)
    xf = x.reshape(x.size)
    yf = y.reshape(y.size)
    owned = C if backward else O
    for task in prange(N * owned):
        n = task // owned
        a = task % owned
        if backward:
            plane = (n * C + a) * H * W
            for q in range(H * W):
                xf[np.uint64(plane + q)] = 0.0
        else:
            plane = (n * O + a) * oh_n * ow_n
            for q in range(oh_n * ow_n):
                yf[np.uint64(plane + q)] = b[a]
        for k in range(og if backward else cg):
            if backward:
                o, c, cin = (a // cg) * og + k, a % cg, a
            else:
                o, c, cin = a, k, (a // og) * cg + k
            x_plane = (n * C + cin) * H * W
            y_plane = (n * O + o) * oh_n * ow_n
            for i in range(kh):
                for j in range(kw):
                    wv = w[o, c, i, j]
                    w_lo, w_hi = cols[j, 0], cols[j, 1]
                    for oh in range(rows[i, 0], rows[i, 1]):
                        xs = x_plane + (oh * sh + i * dh - ph) * W + j * dw - pw
                        ys = y_plane + oh * ow_n
                        if backward:
                            for ow in range(w_lo, w_hi):
                                xf[np.uint64(xs + ow * sw)] += wv * yf[np.uint64(ys + ow)]
                        else:
                            for ow in range(w_lo, w_hi):
                                yf[np.uint64(ys + ow)] += wv * xf[np.uint64(xs + ow * sw)]


@jit(parallel=True, warm=True)
def _direct_forward(x, w, b, sh, sw, ph, pw, dh, dw, y):
    _direct(x, w, b, sh, sw, ph, pw, dh, dw, y, False)


@jit(parallel=True, warm=True)
def _direct_backward_input(gy, w, sh, sw, ph, pw, dh, dw, gx):
    no_bias = np.empty(0, dtype=gx.dtype)
    _direct(gx, w, no_bias, sh, sw, ph, pw, dh, dw, gy, True)


@jit(parallel=True, warm=True)
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
# or 32 run (partly) scalar; long loops are 2-3x faster. 3x3 kernels do all nine taps
# in one pass (one store per element). Garbage columns (ow >= OW) are dropped in forward and are
# zero in backward, which is exact while w (input gradient) and x (weight gradient) are finite:
# the caller checks w, the kernel counts non-finite x values as it copies them.
#
# Tasks are runs of (sample, group) jobs (at most _TASKS runs): a task's buffers are allocated
# once, and a group's input planes are padded once for all its output channels. Copies into and
# out of the buffers are element loops: slice assignment is 4x slower on short rows.
_TASKS = 64


@jit
def _pad_planes(src, s0, planes, H, W, buf, pitch, ph, pw, count):
    # Planes s0.. of src (flat, H*W each) into the padded planes of buf (pitch apart, row pitch
    # W + 2*pw, interior at row ph, column pw); with count, returns how many copied values are
    # inf or NaN (else 0).
    wp = W + 2 * pw
    nonfinite = 0
    for c in range(planes):
        for ih in range(H):
            row = c * pitch + (ih + ph) * wp + pw
            for iw in range(W):
                v = src[np.uint64(s0 + (c * H + ih) * W + iw)]
                buf[np.uint64(row + iw)] = v
                if count and not np.isfinite(v):
                    nonfinite += 1
    return nonfinite


@jit
def _unpad_planes(buf, pitch, ph, pw, planes, H, W, dst, d0):
    # The inverse copy: the interiors of buf's padded planes into dst's planes d0...
    wp = W + 2 * pw
    for c in range(planes):
        for ih in range(H):
            row = c * pitch + (ih + ph) * wp + pw
            for iw in range(W):
                dst[np.uint64(d0 + (c * H + ih) * W + iw)] = buf[np.uint64(row + iw)]


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


@jit(parallel=True, warm=True)
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
            _pad_planes(xf, (n * C + g * cg) * H * W, cg, H, W, xbuf, pitch, ph, pw, False)
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


# Reassociation only (and fused multiply-add): LLVM may keep a sum's partial sums in vector
# registers, while inf and NaN still propagate as in IEEE arithmetic (no nnan/ninf).
_SUMS = {"reassoc", "contract"}


@jit(fastmath=_SUMS)
def _dot(a, ia, b, ib, n):
    # sum_{q < n} a[ia + q] * b[ib + q]
    s = a.dtype.type(0)
    for q in range(n):
        s += a[np.uint64(ia + q)] * b[np.uint64(ib + q)]
    return s


@jit(fastmath=_SUMS)
def _total(a, ia, n):
    # sum_{q < n} a[ia + q]
    s = a.dtype.type(0)
    for q in range(n):
        s += a[np.uint64(ia + q)]
    return s


@jit(fastmath=_SUMS)
def _dots3x3(g, ig, xbuf, base, row, col, n, out, k):
    # out[k + 3i + j] += sum_{q < n} g[ig + q] * xbuf[base + i*row + j*col + q], all nine taps
    # in one pass (each g element loaded once); returns sum_{q < n} g[ig + q].
    z = g.dtype.type(0)
    s00 = s01 = s02 = s10 = s11 = s12 = s20 = s21 = s22 = sg = z
    r0 = np.uint64(base)
    r1 = r0 + np.uint64(row)
    r2 = r1 + np.uint64(row)
    d1 = np.uint64(col)
    d2 = np.uint64(2 * col)
    e = np.uint64(ig)
    for q in range(n):
        u = np.uint64(q)
        v = g[e + u]
        sg += v
        s00 += v * xbuf[r0 + u]
        s01 += v * xbuf[r0 + u + d1]
        s02 += v * xbuf[r0 + u + d2]
        s10 += v * xbuf[r1 + u]
        s11 += v * xbuf[r1 + u + d1]
        s12 += v * xbuf[r1 + u + d2]
        s20 += v * xbuf[r2 + u]
        s21 += v * xbuf[r2 + u + d1]
        s22 += v * xbuf[r2 + u + d2]
    out[k] += s00
    out[k + 1] += s01
    out[k + 2] += s02
    out[k + 3] += s10
    out[k + 4] += s11
    out[k + 5] += s12
    out[k + 6] += s20
    out[k + 7] += s21
    out[k + 8] += s22
    return sg


@jit(parallel=True, warm=True)
def _direct_backward_wide(x, gy, w, ph, pw, dh, dw, gx, parts, bad):
    # Both gradients of a stride-1 convolution in one pass over gy. Per job, each gy plane is
    # copied once into g, the wide plane behind a zero margin of (kh-1)*dh rows and (kw-1)*dw
    # columns (its garbage columns stay zero), and read from L1 by both products:
    # - input gradient (skipped when gx is empty): gather form, gx's padded plane t gets
    #   sum over taps of w[i, j] * g[t - i*dh*wp - j*dw]. Exact while w is finite.
    # - weight and bias gradients (skipped when parts is empty): parts[t, o, c*kh*kw + tap] +=
    #   dot(g, shifted padded x plane c) and parts[t, o, cg*kh*kw] += sum(g), task t's share;
    #   the caller adds the tasks up. g's zero garbage columns meet x values, so this is exact
    #   while x is finite: bad[t] counts the non-finite x values task t read.
    # Jobs are (sample, group) pairs split into bad.size runs (tasks), as in the forward.
    # x is only read for the weight gradient (and may then be empty, shape from gx).
    O, oh_n, ow_n = gy.shape[1], gy.shape[2], gy.shape[3]
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    want_x = gx.size > 0
    want_w = parts.size > 0
    N, C, H, W = x.shape if want_w else gx.shape
    groups = C // cg
    og = O // groups
    taps = kh * kw
    three = kh == 3 and kw == 3
    wp = W + 2 * pw
    margin = (kh - 1) * dh * wp + (kw - 1) * dw
    # pitch = OH*wp + margin at stride 1, or more when gy is cut short (conv_transpose2d's
    # output_padding): the missing rows then read g's zero tail.
    pitch = (H + 2 * ph) * wp + (kw - 1) * dw
    lw = oh_n * wp
    xf = x.reshape(x.size)
    gyf = gy.reshape(gy.size)
    gxf = gx.reshape(gx.size)
    wf = w.reshape(w.size)
    zero = gy.dtype.type(0)
    jobs = N * groups
    tasks = bad.size  # at most jobs: each task gets at least one job
    for t in prange(tasks):
        g = np.zeros(pitch + margin, dtype=gy.dtype)
        xbuf = np.zeros(cg * pitch if want_w else 0, dtype=gy.dtype)
        acc = np.empty(cg * pitch if want_x else 0, dtype=gy.dtype)
        part = parts[t] if want_w else parts.reshape(parts.size)
        part[:] = 0.0
        nonfinite = 0
        for job in range(t * jobs // tasks, (t + 1) * jobs // tasks):
            n = job // groups
            grp = job % groups
            if want_w:
                s0 = (n * C + grp * cg) * H * W
                nonfinite += _pad_planes(xf, s0, cg, H, W, xbuf, pitch, ph, pw, True)
            if want_x and not three:
                for q in range(cg * pitch):
                    acc[np.uint64(q)] = 0.0
            for o in range(grp * og, (grp + 1) * og):
                src = (n * O + o) * oh_n * ow_n
                for oh in range(oh_n):
                    row = margin + oh * wp
                    for ow in range(ow_n):
                        g[np.uint64(row + ow)] = gyf[np.uint64(src + oh * ow_n + ow)]
                k = o * (cg * taps + 1)
                for c in range(cg):
                    wo = (o * cg + c) * taps
                    a = c * pitch
                    if want_x and three:
                        # The gather is the forward stencil over g with the taps flipped.
                        base = margin - 2 * (dh * wp + dw)
                        w9 = wf[wo : wo + 9][::-1]
                        first = o == grp * og
                        _stencil3x3(g, base, dh * wp, dw, w9, zero, first, acc[a : a + pitch])
                    elif want_x:
                        for i in range(kh):
                            for j in range(kw):
                                wv = wf[wo + i * kw + j]
                                e = np.uint64(margin - i * dh * wp - j * dw)
                                for q in range(pitch):
                                    acc[np.uint64(a + q)] += wv * g[e + np.uint64(q)]
                    if want_w and three:
                        sg = _dots3x3(g, margin, xbuf, a, dh * wp, dw, lw, part, k + c * taps)
                        if c == 0:
                            part[k + cg * taps] += sg
                    elif want_w:
                        for i in range(kh):
                            for j in range(kw):
                                b = a + i * dh * wp + j * dw
                                part[k + c * taps + i * kw + j] += _dot(g, margin, xbuf, b, lw)
                        if c == 0:
                            part[k + cg * taps] += _total(g, margin, lw)
            if want_x:
                d0 = (n * C + grp * cg) * H * W
                _unpad_planes(acc, pitch, ph, pw, cg, H, W, gxf, d0)
        bad[t] = nonfinite
