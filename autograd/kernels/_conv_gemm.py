"""Numba kernels for convolution as GEMM: im2col, col2im and the layout copies around them.

Column matrices are ``cols[K, Nc*Lc]`` with ``K = Cg*kh*kw`` (row ``(c*kh + i)*kw + j``) and one
block of ``Lc`` columns per sample of the chunk, so a convolution chunk is one large GEMM.

Two column layouts exist:

- *strided* (any stride): ``Lc = OH*OW``, column ``oh*OW + ow``; rows are assembled one output
  row at a time.
- *wide* (stride 1): the chunk's input is first copied into zero-padded planes of row pitch
  ``Wp = W + 2*pw`` (plus ``(kw - 1)*dw`` elements of slack after each plane), and
  ``Lc = OH*Wp``, column ``oh*Wp + ow``. Then the whole ``(c, i, j)`` row of a sample is ONE
  contiguous copy of the padded plane starting at ``i*dh*Wp + j*dw``; the ``Wp - OW`` extra
  columns per output row hold garbage in forward (dropped when the output is copied out) and
  zeros in backward (so they add nothing). Per-row slicing would dominate im2col for small
  images; this removes it at the price of ``Wp/OW - 1`` extra GEMM columns.

Hot loops index with ``np.uint64`` offsets: with signed indices Numba adds a negative-index
wraparound test per access, which blocks vectorization. im2col copies rows with element loops,
not slice assignments: those cost a fixed overhead per slice (10x a loop over a 24-element row;
the same on long rows) and a shape check whose error message takes seconds to compile.

Every ``prange`` iteration owns a distinct (sample, channel) plane or output row.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._jit import jit, prange


@jit
def _valid_range(n_out: int, stride: int, offset: int, size: int) -> tuple[int, int]:
    # Output positions o in [lo, hi) whose input index o*stride + offset lies in [0, size);
    # 0 <= lo <= hi <= n_out (callers zero positions below lo, so lo must not pass n_out).
    lo = 0
    if offset < 0:
        lo = min(n_out, (-offset + stride - 1) // stride)
    last = size - 1 - offset
    hi = 0
    if last >= 0:
        hi = min(n_out, last // stride + 1)
    if hi < lo:
        hi = lo
    return lo, hi


@jit(parallel=True)
def _im2col(x, n0, n1, c0, cg, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols):
    # cols[(c*kh + i)*kw + j, (n - n0)*L + oh*OW + ow] = x[n, c0 + c, ih, iw] (0 outside).
    # Flat unsigned indices in element loops: per-element 4-D indexing is 2x slower,
    # slice assignment on these short rows 2x slower too.
    L = oh_n * ow_n
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    M = cols.shape[1]
    xf = x.reshape(x.size)
    cf = cols.reshape(cols.size)
    for task in prange((n1 - n0) * cg):
        nn = task // cg
        c = task % cg
        plane = ((n0 + nn) * C + c0 + c) * H * W
        for i in range(kh):
            h_off = i * dh - ph
            h_lo, h_hi = _valid_range(oh_n, sh, h_off, H)
            for j in range(kw):
                w_off = j * dw - pw
                w_lo, w_hi = _valid_range(ow_n, sw, w_off, W)
                row = ((c * kh + i) * kw + j) * M + nn * L
                for oh in range(oh_n):
                    dst = row + oh * ow_n
                    if oh < h_lo or oh >= h_hi:
                        for ow in range(ow_n):
                            cf[np.uint64(dst + ow)] = 0.0
                        continue
                    src = plane + (oh * sh + h_off) * W + w_off
                    for ow in range(w_lo):
                        cf[np.uint64(dst + ow)] = 0.0
                    for ow in range(w_hi, ow_n):
                        cf[np.uint64(dst + ow)] = 0.0
                    if sw == 1:
                        for ow in range(w_lo, w_hi):
                            cf[np.uint64(dst + ow)] = xf[np.uint64(src + ow)]
                    else:
                        for ow in range(w_lo, w_hi):
                            cf[np.uint64(dst + ow)] = xf[np.uint64(src + ow * sw)]


@jit(parallel=True)
def _col2im(cols, n0, c0, cg, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, gx):
    # Adjoint of _im2col for samples n0 .. n0 + Nc - 1: each (sample, channel) plane of gx is
    # owned by one iteration, which overwrites it. With a column stride, a tap's contributions
    # to an input row are sw apart; on planes of 256 values or more they are summed into a copy
    # of the plane split by column phase (part[b, ih, q] is gx[ih, q*sw + b]), where each tap
    # adds one unit-stride run per row, then interleaved into gx: 35-45 % less time than
    # stride-2 scattered adds. The sums are the same, in the same order.
    L = oh_n * ow_n
    C, H, W = gx.shape[1], gx.shape[2], gx.shape[3]
    M = cols.shape[1]
    cf = cols.reshape(cols.size)
    gf = gx.reshape(gx.size)
    split = sw > 1 and H * W >= 256
    wq = (W + sw - 1) // sw if split else W  # columns of a phase, or of the plane
    for task in prange((M // L) * cg):
        nn = task // cg
        c = task % cg
        plane = ((n0 + nn) * C + c0 + c) * H * W
        if split:
            part = np.zeros(sw * H * wq, dtype=gx.dtype)
        else:
            gf[plane : plane + H * W] = 0.0
            part = gf[plane : plane + H * W]
        for i in range(kh):
            h_off = i * dh - ph
            h_lo, h_hi = _valid_range(oh_n, sh, h_off, H)
            for j in range(kw):
                w_off = j * dw - pw
                w_lo, w_hi = _valid_range(ow_n, sw, w_off, W)
                row = ((c * kh + i) * kw + j) * M + nn * L
                if split:
                    b = w_off % sw  # iw = ow*sw + w_off = (ow + q)*sw + b
                    base, step = b * H * wq + (w_off - b) // sw, 1
                else:
                    base, step = w_off, sw
                for oh in range(h_lo, h_hi):
                    src = row + oh * ow_n
                    dst = base + (oh * sh + h_off) * wq
                    if step == 1:
                        for ow in range(w_lo, w_hi):
                            part[np.uint64(dst + ow)] += cf[np.uint64(src + ow)]
                    else:
                        for ow in range(w_lo, w_hi):
                            part[np.uint64(dst + ow * step)] += cf[np.uint64(src + ow)]
        if not split:
            continue
        if sw == 2 and W % 2 == 0:
            for ih in range(H):
                even, odd = ih * wq, (H + ih) * wq
                d = plane + ih * W
                for m in range(wq):
                    gf[np.uint64(d + 2 * m)] = part[np.uint64(even + m)]
                    gf[np.uint64(d + 2 * m + 1)] = part[np.uint64(odd + m)]
        else:
            for ih in range(H):
                for b in range(sw):
                    src = (b * H + ih) * wq
                    d = plane + ih * W + b
                    for m in range((W - b + sw - 1) // sw):
                        gf[np.uint64(d + m * sw)] = part[np.uint64(src + m)]


@jit(parallel=True)
def _ol_to_nol(src, b, n0, o0, dst):
    # src[o, n*L:(n+1)*L] (GEMM result) + b[o0 + o] -> dst[n0 + n, o0 + o, :] (NCHW output), a
    # row a task; an empty b means no bias.
    O = src.shape[0]
    L = dst.shape[2]
    n_chunk = src.shape[1] // L
    sf = src.reshape(src.size)
    df = dst.reshape(dst.size)
    M = src.shape[1]
    c_all = dst.shape[1]
    for task in prange(n_chunk * O):
        nn = task // O
        o = task % O
        s0 = o * M + nn * L
        d0 = ((n0 + nn) * c_all + o0 + o) * L
        if b.size:
            bias = b[o0 + o]
            for t in range(L):
                df[np.uint64(d0 + t)] = sf[np.uint64(s0 + t)] + bias
        else:
            for t in range(L):
                df[np.uint64(d0 + t)] = sf[np.uint64(s0 + t)]


@jit(parallel=True)
def _nol_to_ol(src, n0, o0, dst):
    # src[n0 + n, o0 + o, :] -> dst[o, n*L:(n+1)*L]: gradient rows laid out for one big GEMM.
    O = dst.shape[0]
    L = src.shape[2]
    n_chunk = dst.shape[1] // L
    for task in prange(n_chunk * O):
        nn = task // O
        o = task % O
        dst[o, nn * L : (nn + 1) * L] = src[n0 + nn, o0 + o, :]


@jit(parallel=True)
def _pad_planes(x, n0, n1, ph, pw, pitch, xpad):
    # xpad[(n - n0)*C + c, :] = plane (n, c) of x, zero padded to (H + 2ph, W + 2pw), row-major,
    # followed by zero slack up to `pitch` elements. Short rows: element loops beat slices.
    # Returns how many copied values are inf or NaN (v - v is NaN exactly for those), so the
    # caller learns whether the wide layout is exact without a separate pass over x.
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    wp = W + 2 * pw
    xf = x.reshape(x.size)
    xp = xpad.reshape(xpad.size)
    bad = 0
    for task in prange((n1 - n0) * C):
        base = task * pitch
        for t in range(pitch):
            xp[np.uint64(base + t)] = 0.0
        src = (n0 * C + task) * H * W
        for ih in range(H):
            row = base + (ih + ph) * wp + pw
            for iw in range(W):
                v = xf[np.uint64(src + ih * W + iw)]
                xp[np.uint64(row + iw)] = v
                bad += 0 if v - v == 0 else 1
    return bad


@jit(parallel=True)
def _unpad_planes(gxpad, n0, ph, pw, gx):
    # Inverse of _pad_planes: crop each padded gradient plane back into gx[n0 + n, c].
    C, H, W = gx.shape[1], gx.shape[2], gx.shape[3]
    wp = W + 2 * pw
    gf = gx.reshape(gx.size)
    for task in prange(gxpad.shape[0]):
        src = gxpad[task]
        dst = (n0 * C + task) * H * W
        for ih in range(H):
            row = (ih + ph) * wp + pw
            for iw in range(W):
                gf[np.uint64(dst + ih * W + iw)] = src[np.uint64(row + iw)]


@jit(parallel=True)
def _im2col_wide(xpad, c_all, c0, cg, kh, kw, dh, dw, wp, lw, cols):
    # cols[(c*kh + i)*kw + j, n*lw : (n+1)*lw] = padded plane (n, c0 + c) from i*dh*wp + j*dw.
    # Flat unsigned offsets: a row view per tap and signed indexing took 1.8x as long on small
    # planes (4x4 maps: 24 elements a row).
    M = cols.shape[1]
    n_chunk = M // lw
    pitch = xpad.shape[1]
    xf = xpad.reshape(xpad.size)
    cf = cols.reshape(cols.size)
    for task in prange(n_chunk * cg):
        nn = task // cg
        c = task % cg
        plane = (nn * c_all + c0 + c) * pitch
        for i in range(kh):
            for j in range(kw):
                src = plane + i * dh * wp + j * dw
                dst = ((c * kh + i) * kw + j) * M + nn * lw
                for t in range(lw):
                    cf[np.uint64(dst + t)] = xf[np.uint64(src + t)]


@jit(parallel=True)
def _col2im_wide(cols, c_all, c0, cg, kh, kw, dh, dw, wp, lw, gxpad):
    # Adjoint of _im2col_wide; each iteration overwrites its own padded plane (and its slack).
    M = cols.shape[1]
    n_chunk = M // lw
    cf = cols.reshape(cols.size)
    for task in prange(n_chunk * cg):
        nn = task // cg
        c = task % cg
        dst = gxpad[nn * c_all + c0 + c]
        dst[:] = 0.0
        for i in range(kh):
            for j in range(kw):
                start = i * dh * wp + j * dw
                row = ((c * kh + i) * kw + j) * M + nn * lw
                # An explicit unsigned-index loop: slice `+=` is 3x slower here.
                for t in range(lw):
                    dst[np.uint64(start + t)] += cf[np.uint64(row + t)]


@jit(parallel=True)
def _wide_to_nchw(src, b, n0, o0, wp, dst):
    # src[o, n*OH*wp + oh*wp + ow] (wide GEMM result) + b[o0 + o] -> dst[n0 + n, o0 + o, oh, ow]
    # for ow < OW; an empty b means no bias (fused here: a separate pass over y costs as much).
    O, M = src.shape
    c_all, oh_n, ow_n = dst.shape[1], dst.shape[2], dst.shape[3]
    lw = oh_n * wp
    sf = src.reshape(src.size)
    df = dst.reshape(dst.size)
    for task in prange((M // lw) * O):
        nn = task // O
        o = task % O
        plane = ((n0 + nn) * c_all + o0 + o) * oh_n * ow_n
        bias = b[o0 + o] if b.size else 0.0
        for oh in range(oh_n):
            start = o * M + nn * lw + oh * wp
            if b.size:
                for ow in range(ow_n):
                    df[np.uint64(plane + oh * ow_n + ow)] = sf[np.uint64(start + ow)] + bias
            else:
                for ow in range(ow_n):
                    df[np.uint64(plane + oh * ow_n + ow)] = sf[np.uint64(start + ow)]


@jit(parallel=True)
def _nchw_to_wide(src, n0, o0, wp, dst):
    # src[n0 + n, o0 + o, oh, ow] -> dst[o, n*OH*wp + oh*wp + ow], zeros for ow >= OW.
    O, M = dst.shape
    c_all, oh_n, ow_n = src.shape[1], src.shape[2], src.shape[3]
    lw = oh_n * wp
    sf = src.reshape(src.size)
    df = dst.reshape(dst.size)
    for task in prange((M // lw) * O):
        nn = task // O
        o = task % O
        plane = ((n0 + nn) * c_all + o0 + o) * oh_n * ow_n
        for oh in range(oh_n):
            start = o * M + nn * lw + oh * wp
            for ow in range(ow_n):
                df[np.uint64(start + ow)] = sf[np.uint64(plane + oh * ow_n + ow)]
            for ow in range(ow_n, wp):
                df[np.uint64(start + ow)] = 0.0
