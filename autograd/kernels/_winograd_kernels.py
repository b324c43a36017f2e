"""Numba kernels of the Winograd F(2x2, 3x3) convolution: the input, gradient, weight and output
transforms, on the even/odd-split planes described in ``winograd.py``. Plain functions of arrays,
wrapped by ``_jit.jit``. Each transform is one kernel over a range of planes (or rows); the
whole-range forms (``_input_transform``, ...) are Python functions that call it, as a compiled
caller would cost another compile of all the code it calls.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._blas import gemm_rows
from autograd.kernels._jit import jit, prange


@jit
def _load_parity(src, ph, pw, tp, par):
    # par[2*(r % 2) + k % 2, (r // 2)*tp + k // 2] = padded[r, k] for the plane src zero-padded
    # by (ph, pw), cropped to the buffer: split by row and column parity, every 4x4 patch entry
    # of tile (ty, tx) is par[., ty*tp + tx + shift], so tile loops are flat and unit-stride.
    # Every plane writes the same cells, so the zeros of a reused buffer survive.
    H, W = src.shape
    L = par.shape[1]
    cols = min(W, 2 * tp - pw)
    for ih in range(H):
        r = ih + ph
        row = (r // 2) * tp
        if row + tp > L:
            break
        dst_e = par[2 * (r % 2)]
        dst_o = par[2 * (r % 2) + 1]
        for iw in range(cols):
            k = iw + pw
            if k % 2 == 0:
                dst_e[np.uint64(row + k // 2)] = src[ih, iw]
            else:
                dst_o[np.uint64(row + k // 2)] = src[ih, iw]


@jit
def _store_input_rows(ev, od, n, vf, off, se):
    # Column transform d B of one row of B^T d for n tiles: a tile's columns are ev[k], od[k],
    # ev[k + 1], od[k + 1]; its 4 values go to 4 streams of vf, se apart, from off.
    one = np.uint64(1)
    o0 = np.uint64(off)
    o1 = np.uint64(off + se)
    o2 = np.uint64(off + 2 * se)
    o3 = np.uint64(off + 3 * se)
    for i in range(n):
        k = np.uint64(i)
        vf[o0 + k] = ev[k] - ev[k + one]
    for i in range(n):
        k = np.uint64(i)
        vf[o1 + k] = od[k] + ev[k + one]
    for i in range(n):
        k = np.uint64(i)
        vf[o2 + k] = ev[k + one] - od[k]
    for i in range(n):
        k = np.uint64(i)
        vf[o3 + k] = od[k] - od[k + one]


def _input_transform(x, n0, n1, ph, pw, th_n, tp, v):
    # v[e, c, (n - n0)*TH*TP + ty*TP + tx] = (B^T d B)[e // 4, e % 4] for the 4x4 patch d at
    # padded row 2*ty, column 2*tx of plane (n, c) of x zero-padded by (ph, pw).
    _input_planes(x, n0, 0, (n1 - n0) * x.shape[1], ph, pw, th_n, tp, v)


@jit
def _input_planes(x, n0, t0, t1, ph, pw, th_n, tp, v):
    # _input_transform's planes t0..t1-1 only, plane t being (n0 + t // C, t % C).
    C = x.shape[1]
    tpi = th_n * tp
    T = v.shape[2]
    vf = v.reshape(v.size)
    se = C * T
    par = np.zeros((4, (th_n + 1) * tp + 1), dtype=x.dtype)
    rows = np.empty((8, tpi + 1), dtype=x.dtype)
    s = np.uint64(tp)
    for task in range(t0, t1):
        nn = task // C
        c = task % C
        _load_parity(x[n0 + nn, c], ph, pw, tp, par)
        # Row transform B^T d: patch rows 0..3 are (even, odd) parity rows at shift 0, then tp.
        for cp in range(2):
            pe = par[cp]
            po = par[2 + cp]
            r0 = rows[cp]
            r1 = rows[2 + cp]
            r2 = rows[4 + cp]
            r3 = rows[6 + cp]
            for i in range(tpi + 1):
                q = np.uint64(i)
                d0 = pe[q]
                d1 = po[q]
                d2 = pe[q + s]
                d3 = po[q + s]
                r0[q] = d0 - d2
                r1[q] = d1 + d2
                r2[q] = d2 - d1
                r3[q] = d1 - d3
        base = c * T + nn * tpi
        for a in range(4):
            _store_input_rows(rows[2 * a], rows[2 * a + 1], tpi, vf, base + 4 * a * se, se)


def _input_transform_tiles(x, n0, n1, ph, pw, th_n, tp, vt):
    # _input_transform in the tile-major layout vt[e, (n - n0)*TH*TP + ty*TP + tx, c]: the
    # weight gradient's GEMM then reads both operands without a transpose (~2x faster
    # than with V^T). Each sample goes through a small channel-major buffer, then is transposed
    # into place while both are still in cache.
    C = x.shape[1]
    pv = np.empty((16, C, th_n * tp), dtype=x.dtype)
    for nn in range(n1 - n0):
        _input_tiles_channels(x, n0 + nn, nn, 0, C, ph, pw, th_n, tp, vt, pv)


@jit
def _input_tiles_channels(x, n, nn, c0, c1, ph, pw, th_n, tp, vt, pv):
    # _input_transform_tiles of sample n's channels c0..c1-1 into its rows (nn-th sample of
    # vt's chunk), through the channel-major scratch pv (16, C, TH*TP).
    tpi = th_n * tp
    _input_planes(x, n, c0, c1, ph, pw, th_n, tp, pv)
    r0 = nn * tpi
    for e in range(16):
        src = pv[e]
        dst = vt[e]
        for i in range(tpi):
            row = dst[r0 + i]
            for c in range(c0, c1):
                row[c] = src[c, i]


def _output_transform(m, n0, th_n, tp, bias, y):
    # y[n0 + n, o] <- A^T M A + bias[o] for each tile, M[a, b] = m[4*a + b, o, n*TH*TP +
    # ty*TP + tx], assembled by output row and column parity in flat buffers, then interleaved
    # and cropped.
    _output_planes(m, n0, 0, (m.shape[2] // (th_n * tp)) * y.shape[1], th_n, tp, bias, y)


@jit
def _output_planes(m, n0, t0, t1, th_n, tp, bias, y):
    # _output_transform's planes t0..t1-1 only, plane t being (n0 + t // O, t % O).
    O, oh_n, ow_n = y.shape[1], y.shape[2], y.shape[3]
    tpi = th_n * tp
    T = m.shape[2]
    mf = m.reshape(m.size)
    se = O * T
    sb = np.empty((8, tpi), dtype=y.dtype)
    yb = np.empty((4, tpi), dtype=y.dtype)
    for task in range(t0, t1):
        nn = task // O
        o = task % O
        base = o * T + nn * tpi
        # Rows of A^T M: (m0b + m1b + m2b, m1b - m2b - m3b) for each column b.
        for b in range(4):
            p0 = np.uint64(base + b * se)
            p1 = p0 + np.uint64(4 * se)
            p2 = p0 + np.uint64(8 * se)
            p3 = p0 + np.uint64(12 * se)
            s0 = sb[b]
            s1 = sb[4 + b]
            for i in range(tpi):
                k = np.uint64(i)
                m1 = mf[p1 + k]
                m2 = mf[p2 + k]
                s0[k] = mf[p0 + k] + m1 + m2
                s1[k] = m1 - m2 - mf[p3 + k]
        for h in range(2):
            s0 = sb[4 * h]
            s1 = sb[4 * h + 1]
            s2 = sb[4 * h + 2]
            s3 = sb[4 * h + 3]
            ye = yb[2 * h]
            yo = yb[2 * h + 1]
            for i in range(tpi):
                k = np.uint64(i)
                ye[k] = s0[k] + s1[k] + s2[k]
                yo[k] = s1[k] - s2[k] - s3[k]
        out = y[n0 + nn, o]
        bo = bias[o]
        for oh in range(oh_n):
            row = (oh // 2) * tp
            ye = yb[2 * (oh % 2)]
            yo = yb[2 * (oh % 2) + 1]
            dst = out[oh]
            for tx in range((ow_n + 1) // 2):
                dst[np.uint64(2 * tx)] = ye[np.uint64(row + tx)] + bo
            for tx in range(ow_n // 2):
                dst[np.uint64(2 * tx + 1)] = yo[np.uint64(row + tx)] + bo


@jit
def _store_grad_rows(ev, od, n, zf, off, se):
    # Column transform h A^T of one row h of A g for n tiles: (h0, h0 + h1, h0 - h1, -h1)
    # to 4 streams of zf, se apart, from off (one loop per stream: each vectorizes).
    o0 = np.uint64(off)
    o1 = np.uint64(off + se)
    o2 = np.uint64(off + 2 * se)
    o3 = np.uint64(off + 3 * se)
    for i in range(n):
        k = np.uint64(i)
        zf[o0 + k] = ev[k]
    for i in range(n):
        k = np.uint64(i)
        zf[o1 + k] = ev[k] + od[k]
    for i in range(n):
        k = np.uint64(i)
        zf[o2 + k] = ev[k] - od[k]
    for i in range(n):
        k = np.uint64(i)
        zf[o3 + k] = -od[k]


def _grad_transform(gy, n0, n1, th_n, tp, z, gsum):
    # z[e, o, (n - n0)*TH*TP + ty*TP + tx] = (A g A^T)[e // 4, e % 4] for the 2x2 tile g of
    # gy[n, o] at row 2*ty, column 2*tx (zero beyond gy, so tiles past it contribute nothing).
    # gsum[o] (float64) gains the sum of each plane gy[n, o]: the bias gradient, read for free.
    _grad_planes(gy, n0, 0, (n1 - n0) * gy.shape[1], th_n, tp, z, gsum)


@jit
def _grad_planes(gy, n0, t0, t1, th_n, tp, z, gsum):
    # _grad_transform's planes t0..t1-1 only, plane t being (n0 + t // O, t % O).
    O = gy.shape[1]
    tpi = th_n * tp
    T = z.shape[2]
    zf = z.reshape(z.size)
    se = O * T
    par = np.zeros((4, tpi), dtype=gy.dtype)
    rows = np.empty((8, tpi), dtype=gy.dtype)
    for task in range(t0, t1):
        nn = task // O
        o = task % O
        _load_parity(gy[n0 + nn, o], 0, 0, tp, par)
        acc = 0.0
        for r in range(4):
            pr = par[r]
            for i in range(tpi):
                acc += pr[np.uint64(i)]
        gsum[o] += acc
        # Row transform A g: (g0, g0 + g1, g0 - g1, -g1), g0/g1 the even/odd rows.
        for cp in range(2):
            g0 = par[cp]
            g1 = par[2 + cp]
            r1 = rows[2 + cp]
            r2 = rows[4 + cp]
            r3 = rows[6 + cp]
            for i in range(tpi):
                q = np.uint64(i)
                r1[q] = g0[q] + g1[q]
                r2[q] = g0[q] - g1[q]
                r3[q] = -g1[q]
        base = o * T + nn * tpi
        _store_grad_rows(par[0], par[1], tpi, zf, base, se)
        for a in range(1, 4):
            _store_grad_rows(rows[2 * a], rows[2 * a + 1], tpi, zf, base + 4 * a * se, se)


def _weight_transform(w, flip, u):
    # u[e, o, c] = (G w[o, c] G^T)[e // 4, e % 4]; with flip, u[e, c, o] is that of the
    # flipped filter w[o, c, ::-1, ::-1] (the input-gradient convolution's filter bank).
    # Vectorized over a row u[e, a, :] at a time: the filters (a, b) of one output channel a,
    # or (with flip) those (b, a) of one input channel a (~8x faster than filter by
    # filter, whose 16 scattered stores per filter stall).
    _weight_rows(w, flip, u, 0, w.shape[1] if flip else w.shape[0])


@jit
def _weight_rows(w, flip, u, a0, a1):
    # _weight_transform's rows u[:, a] for a in a0..a1-1 only.
    O, C = w.shape[0], w.shape[1]
    B = O if flip else C
    wt = np.empty((9, B), dtype=w.dtype)
    t = np.empty((12, B), dtype=w.dtype)
    for a in range(a0, a1):
        for b in range(B):
            for k in range(9):
                if flip:
                    wt[k, b] = w[b, a, 2 - k // 3, 2 - k % 3]
                else:
                    wt[k, b] = w[a, b, k // 3, k % 3]
        # t = G g (4 rows of 3 per filter), then the rows of t G^T go straight to u.
        for j in range(3):
            for b in range(B):
                g0, g1, g2 = wt[j, b], wt[3 + j, b], wt[6 + j, b]
                t[j, b] = g0
                t[3 + j, b] = 0.5 * (g0 + g1 + g2)
                t[6 + j, b] = 0.5 * (g0 - g1 + g2)
                t[9 + j, b] = g2
        for i in range(4):
            u0, u1, u2, u3 = u[4 * i, a], u[4 * i + 1, a], u[4 * i + 2, a], u[4 * i + 3, a]
            for b in range(B):
                t0, t1, t2 = t[3 * i, b], t[3 * i + 1, b], t[3 * i + 2, b]
                u0[b] = t0
                u1[b] = 0.5 * (t0 + t1 + t2)
                u2[b] = 0.5 * (t0 - t1 + t2)
                u3[b] = t2


@jit
def _weight_grad_transform(s, gw, o0, o1):
    # gw[o, c] = G^T S G for o in o0..o1-1, with S[a, b] = sum_p s[p, 4*a + b, o, c] (the
    # partial sums of the threads, added in order): back from the 4x4 Winograd domain.
    # Vectorized over the input channels c of one output channel o (the rows s[p, e, o, :]),
    # then each filter's 9 values are written in place: about 3x faster in float32 than filter
    # by filter, whose 16 loads per filter are each a stride of O*C apart.
    C = gw.shape[1]
    acc = np.empty((16, C), dtype=gw.dtype)
    t = np.empty((12, C), dtype=gw.dtype)
    r = np.empty((9, C), dtype=gw.dtype)
    for o in range(o0, o1):
        for e in range(16):
            row, first = acc[e], s[0, e, o]
            for c in range(C):
                row[c] = first[c]
            for p in range(1, s.shape[0]):
                more = s[p, e, o]
                for c in range(C):
                    row[c] += more[c]
        # t = G^T S, row b of S at a time: t[4*i + b] is entry (i, b).
        for b in range(4):
            s0, s1, s2, s3 = acc[b], acc[4 + b], acc[8 + b], acc[12 + b]
            t0, t1, t2 = t[b], t[4 + b], t[8 + b]
            for c in range(C):
                h = 0.5 * (s1[c] + s2[c])
                t0[c] = s0[c] + h
                t1[c] = 0.5 * (s1[c] - s2[c])
                t2[c] = h + s3[c]
        # r = t G, r[3*i + j] is the filter's entry (i, j).
        for i in range(3):
            a0, a1, a2, a3 = t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3]
            r0, r1, r2 = r[3 * i], r[3 * i + 1], r[3 * i + 2]
            for c in range(C):
                h = 0.5 * (a1[c] + a2[c])
                r0[c] = a0[c] + h
                r1[c] = 0.5 * (a1[c] - a2[c])
                r2[c] = h + a3[c]
        g = gw[o]
        for c in range(C):
            for k in range(9):
                g[c, k // 3, k % 3] = r[k, c]


# --------------------------------------------------------------------------------------------
# Convolutions on the kernel threads, GEMMs by BLAS on those threads too (see _blas). With at
# least as many samples as threads, each thread runs its share of the samples through the
# pipeline (transform, GEMM, transform) chunk by chunk, as a worker of ``run_shares`` does; with
# fewer, each chunk runs stage by stage, every stage split between the threads (planes of the
# transforms, rows of the GEMMs), so that one image still uses every core. A stage is one call
# of a parallel kernel whose only loop hands each thread its share (a serial kernel does the
# work): a parallel kernel costs seconds to compile per loop it holds, a serial one a fraction.

#: Stages of :func:`_conv_stage` and :func:`_backward_stage` (GRADS: the latter's only).
FIRST, PIPELINES, GEMMS, LAST, GRADS = 0, 1, 2, 3, 4


@jit(inline=True)
def _part(n, parts, j):
    # Part j of range(n) dealt out in parts of sizes differing by at most one.
    return n * j // parts, n * (j + 1) // parts


@jit(parallel=True)
def _conv_stage(stage, nw, n0, n1, src, w, flip, ph, pw, th_n, tp, bias, out, nc, u, v_buf,
                m_buf):  # fmt: skip
    # One stage of out = bias + the 3x3 convolution of src zero-padded by (ph, pw) with the
    # filter bank w (flip: its flipped transpose, the input gradient's), on nw threads.
    for i in prange(nw):
        _conv_share(stage, i, nw, n0, n1, src, w, flip, ph, pw, th_n, tp, bias, out, nc, u,
                    v_buf, m_buf)  # fmt: skip


@jit
def _conv_share(stage, i, nw, n0, n1, src, w, flip, ph, pw, th_n, tp, bias, out, nc, u, v_buf,
                m_buf):  # fmt: skip
    # Thread i's share of a stage. FIRST: its rows of u = w's transform (16, K, J), and of
    # samples n0..n1-1 (a chunk) its planes of the input transform into v_buf[0]. PIPELINES:
    # its share of all the samples, in chunks of at most nc (v_buf, m_buf: a row each). GEMMS,
    # LAST: its rows of the chunk's GEMM into m_buf[0], its planes of the output transform.
    N, J = src.shape[0], src.shape[1]
    K = out.shape[1]
    tpi = th_n * tp
    T = (n1 - n0) * tpi
    k0, k1 = _part(K, nw, i)
    if stage == FIRST:
        _weight_rows(w, flip, u, k0, k1)
        if n1 > n0:
            v = v_buf[0, : 16 * J * T].reshape((16, J, T))
            p0, p1 = _part((n1 - n0) * J, nw, i)
            _input_planes(src, n0, p0, p1, ph, pw, th_n, tp, v)
    elif stage == PIPELINES:
        lo, hi = _part(N, nw, i)
        chunks = (hi - lo + nc - 1) // nc
        for c in range(chunks):
            c0, c1 = _part(hi - lo, chunks, c)
            c0, c1 = lo + c0, lo + c1
            T = (c1 - c0) * tpi
            v = v_buf[i, : 16 * J * T].reshape((16, J, T))
            m = m_buf[i, : 16 * K * T].reshape((16, K, T))
            _input_planes(src, c0, 0, (c1 - c0) * J, ph, pw, th_n, tp, v)
            for e in range(16):
                gemm_rows(u[e], v[e], m[e], 0, K, 0.0)
            _output_planes(m, c0, 0, (c1 - c0) * K, th_n, tp, bias, out)
    elif stage == GEMMS:
        v = v_buf[0, : 16 * J * T].reshape((16, J, T))
        m = m_buf[0, : 16 * K * T].reshape((16, K, T))
        for e in range(16):
            gemm_rows(u[e], v[e], m[e], k0, k1, 0.0)
    else:
        m = m_buf[0, : 16 * K * T].reshape((16, K, T))
        p0, p1 = _part((n1 - n0) * K, nw, i)
        _output_planes(m, n0, p0, p1, th_n, tp, bias, out)


@jit(parallel=True)
def _backward_stage(stage, nw, n0, n1, x, gy, w, ph, pw, tiles, nc, with_gx, ub, s, gsum,
                    no_bias, gx, gw, bufs):  # fmt: skip
    # One stage of the weight gradient gw, by its Winograd-domain sums s (rows, 16, O, C), one
    # part per row, each written by its first GEMM, and gy's plane sums gsum (nw, O), zero on
    # entry, likewise; with with_gx, of the input gradient gx too (ub (16, C, O) receives w's
    # flipped transform), on nw threads.
    for i in prange(nw):
        _backward_share(stage, i, nw, n0, n1, x, gy, w, ph, pw, tiles, nc, with_gx, ub, s, gsum,
                        no_bias, gx, gw, bufs)  # fmt: skip


@jit
def _backward_share(stage, i, nw, n0, n1, x, gy, w, ph, pw, tiles, nc, with_gx, ub, s, gsum,
                    no_bias, gx, gw, bufs):  # fmt: skip
    # Thread i's share of a stage; tiles = (TH, TP) of gy's tiling, then of gx's. FIRST: its
    # rows of ub, and of the chunk n0..n1-1 its channels of x's transform (tile-major, into
    # bufs[1]), its planes of gy's gradient transform (bufs[0]) and, with with_gx, of gy's
    # input transform (bufs[2]). PIPELINES: its share of all the samples, chunk by chunk, the
    # weight-gradient pipeline then the input-gradient one (bufs[0] and bufs[1], a row each).
    # GEMMS, LAST: its rows of the chunk's GEMMs (into s[0], and bufs[3]), its planes of gx.
    # A part of s is written by the first chunk's GEMM (n0 == 0 for GEMMS), then added to.
    # GRADS: its rows of gw, transformed back from the sum of the parts of s.
    N, C = x.shape[0], x.shape[1]
    O = gy.shape[1]
    thw, tpw, thx, tpx = tiles[0], tiles[1], tiles[2], tiles[3]
    tw = (n1 - n0) * thw * tpw
    tx = (n1 - n0) * thx * tpx
    c0, c1 = _part(C, nw, i)
    o0, o1 = _part(O, nw, i)
    if stage == FIRST:
        if with_gx:
            _weight_rows(w, True, ub, c0, c1)
        if n1 > n0:
            z = bufs[0, 0, : 16 * O * tw].reshape((16, O, tw))
            vt = bufs[1, 0, : 16 * tw * C].reshape((16, tw, C))
            pv = np.empty((16, C, thw * tpw), dtype=x.dtype)
            for nn in range(n1 - n0):
                _input_tiles_channels(x, n0 + nn, nn, c0, c1, ph, pw, thw, tpw, vt, pv)
            p0, p1 = _part((n1 - n0) * O, nw, i)
            _grad_planes(gy, n0, p0, p1, thw, tpw, z, gsum[i])
            if with_gx:
                vg = bufs[2, 0, : 16 * O * tx].reshape((16, O, tx))
                _input_planes(gy, n0, p0, p1, 2 - ph, 2 - pw, thx, tpx, vg)
    elif stage == PIPELINES:
        lo, hi = _part(N, nw, i)
        chunks = (hi - lo + nc - 1) // nc
        for c in range(chunks):
            m0, m1 = _part(hi - lo, chunks, c)
            m0, m1 = lo + m0, lo + m1
            T = (m1 - m0) * thw * tpw
            z = bufs[0, i, : 16 * O * T].reshape((16, O, T))
            vt = bufs[1, i, : 16 * T * C].reshape((16, T, C))
            pv = np.empty((16, C, thw * tpw), dtype=x.dtype)
            for nn in range(m1 - m0):
                _input_tiles_channels(x, m0 + nn, nn, 0, C, ph, pw, thw, tpw, vt, pv)
            _grad_planes(gy, m0, 0, (m1 - m0) * O, thw, tpw, z, gsum[i])
            beta = 0.0 if c == 0 else 1.0
            for e in range(16):
                gemm_rows(z[e], vt[e], s[i, e], 0, O, beta)
            if with_gx:
                T = (m1 - m0) * thx * tpx
                vg = bufs[0, i, : 16 * O * T].reshape((16, O, T))
                m = bufs[1, i, : 16 * C * T].reshape((16, C, T))
                _input_planes(gy, m0, 0, (m1 - m0) * O, 2 - ph, 2 - pw, thx, tpx, vg)
                for e in range(16):
                    gemm_rows(ub[e], vg[e], m[e], 0, C, 0.0)
                _output_planes(m, m0, 0, (m1 - m0) * C, thx, tpx, no_bias, gx)
    elif stage == GEMMS:
        z = bufs[0, 0, : 16 * O * tw].reshape((16, O, tw))
        vt = bufs[1, 0, : 16 * tw * C].reshape((16, tw, C))
        beta = 0.0 if n0 == 0 else 1.0
        for e in range(16):
            gemm_rows(z[e], vt[e], s[0, e], o0, o1, beta)
        if with_gx:
            vg = bufs[2, 0, : 16 * O * tx].reshape((16, O, tx))
            m = bufs[3, 0, : 16 * C * tx].reshape((16, C, tx))
            for e in range(16):
                gemm_rows(ub[e], vg[e], m[e], c0, c1, 0.0)
    elif stage == GRADS:
        _weight_grad_transform(s, gw, o0, o1)
    elif with_gx:
        m = bufs[3, 0, : 16 * C * tx].reshape((16, C, tx))
        p0, p1 = _part((n1 - n0) * C, nw, i)
        _output_planes(m, n0, p0, p1, thx, tpx, no_bias, gx)
