"""4x4 stride-2 convolutions (padding 1) by parity phases and Winograd F(2x2, 2x2).

Why
---
A 4x4 kernel at stride 2 with padding 1 is the upsampling layer of most image generators
(``conv_transpose2d``) and the downsampling layer of their discriminators (``conv2d``). As
im2col + GEMM it spends 16 multiply-adds per input channel and output; its column matrix holds
each input value four times. Split by parity, it is four 2x2 stride-1 convolutions, and each of
those runs Winograd's F(2x2, 2x2): a 2x2 output tile from a 3x3 input tile with 9 products
instead of 16, 1.78x fewer multiply-adds, with transforms of additions only (coefficients 0 and
+-1). In float32, transposed 64 -> 32 from 16x16 maps, the outputs' error against the exact sum
was 6 ulps at the median (the column path's 3), and at most about 1e-6 of the largest output
for both.

Algorithm
---------
Conv ``y = conv2d(x, w, stride=2, padding=1)``, ``x`` (N, C, H, W) with H and W multiples of 4,
``w`` (O, C, 4, 4), ``y`` (N, O, H/2, W/2). With ``P`` the zero-padded ``x``, output row ``t``
is ``sum_i P[2t + i] w[i]``: taps 0 and 2 read the even rows of ``P``, taps 1 and 3 the odd
ones. For row parity ``py`` (and column parity ``px``), phase ``p = 2*py + px`` is a 2x2
correlation of the parity plane ``P[2s + py, 2s' + px]`` with the taps ``w[py + 2r, px + 2r']``.
F(2, 2) in one dimension: from ``d0, d1, d2`` and taps ``g0, g1``,
``B^T d = (d0 - d1, d1, d2 - d1)``, ``G g = (g0, g0 + g1, g1)``, and the two outputs are
``(m0 + m1, m1 + m2)`` of the products ``m = (G g) * (B^T d)``. In two dimensions each of the 9
transformed positions ``e`` is a matrix product summed over input channels and phases at once:

- forward: ``M[e] = U[e] @ V[e]``, ``U`` (9, O, 4C) from ``w``, ``V`` (9, 4C, tiles) from ``x``
  (4C: phase-major), then ``y``'s 2x2 tile ``= A^T M A``;
- weight gradient: ``S[e]^T = sum over tiles V[e] @ Z[e]^T``, ``Z^T`` (9, tiles, O) the
  transform ``A gy A^T`` of ``gy``'s 2x2 tiles (``A = [[1, 0], [1, 1], [0, 1]]``), then each
  phase's taps ``G^T S G``;
- input gradient: by the parity ``q`` of ``gx``'s rows and columns, four 2x2 correlations of
  ``gy`` zero-padded by 1 with the flipped taps ``w[3 - qy - 2r, 3 - qx - 2r']`` as a (C, O)
  filter bank, ``M_q[e] = U_q[e] @ V_q[e]``, and ``gx``'s 4x4 tile assembled from the four
  phases' 2x2 tiles. The four phases' windows overlap in one 4x4 patch of ``gy``, and their 36
  transforms are 25 distinct values up to sign (see ``SLOT``), computed once.

Threads: one parallel kernel (:func:`_phases`), each thread running its share of the samples
chunk by chunk, transform -> GEMMs -> transform, the GEMMs BLAS calls from the kernel thread
(:mod:`autograd.kernels._blas`), OpenBLAS held at one thread meanwhile. The weight gradient's
sums are one part per thread, written by its first GEMM (``beta = 0``), then added and
transformed back.

Winograd mixes the values of a tile: an inf or NaN would reach outputs it does not touch in the
direct sum, so the plan (:mod:`autograd.kernels._conv_plan`) takes this path on finite operands
only, as for the 3x3 Winograd path.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._blas import gemm_rows
from autograd.kernels._jit import jit, prange

__all__ = ["FORWARD", "INPUT", "WEIGHT", "FORWARD_WEIGHT"]

FORWARD, INPUT, WEIGHT, FORWARD_WEIGHT = 0, 1, 2, 3

# The input gradient's four phases read overlapping windows of one 4x4 patch of gy: along each
# axis, phase 0 its values 0-2 and phase 1 its values 1-3, whose transforms B^T d are (a, b, c)
# and (-c, d, e) of five combinations a = d0 - d1, b = d1, c = d2 - d1, d = d2, e = d3 - d2. The
# 36 transformed windows of a tile's four phases are so 25 distinct products of a row and a
# column combination (up to sign), computed once for the 36 GEMMs (one per phase and position,
# signs folded into the filter banks): [axis parity][position] -> (combination, sign).
_COMBINATIONS = (((0, 1), (1, 1), (2, 1)), ((2, -1), (3, 1), (4, 1)))


def _input_slots() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # slot[q, e]: the index of phase q's position e among the 36 filter banks and GEMM outputs,
    # which are ordered by combination; sign[slot]; block[slot], its combination 5*row + column.
    users: list[list[tuple[int, int, int]]] = [[] for _ in range(25)]
    for qy in range(2):
        for qx in range(2):
            for er in range(3):
                for ec in range(3):
                    (row, sr), (col, sc) = _COMBINATIONS[qy][er], _COMBINATIONS[qx][ec]
                    users[5 * row + col].append((2 * qy + qx, 3 * er + ec, sr * sc))
    slot = np.empty((4, 9), np.int64)
    sign = np.empty(36)
    block = np.empty(36, np.int64)
    k = 0
    for b in range(25):
        for q, e, sg in users[b]:
            slot[q, e], sign[k], block[k] = k, sg, b
            k += 1
    return slot, sign, block


SLOT, SIGN, BLOCK = _input_slots()
#: Values added to each of the input gradient's 25 transformed rows (see _grad_windows).
ROW_SLACK = 32
#: The forward's 9 products in order, as a one-phase slot table.
FORWARD_SLOTS = np.arange(9).reshape(1, 9)


@jit(inline=True)
def _store_taps(u, g00, g01, g10, g11):
    # u[e] = (G g G^T)[e] of the 2x2 taps g: the 9 transformed taps (see the module docstring).
    a0, a1, a2 = g00, g00 + g01, g01
    b0, b1, b2 = g10, g10 + g11, g11
    u[0], u[1], u[2] = a0, a1, a2
    u[3], u[4], u[5] = a0 + b0, a1 + b1, a2 + b2
    u[6], u[7], u[8] = b0, b1, b2


@jit(inline=True)
def _store_window(v, k, col, d00, d01, d02, d10, d11, d12, d20, d21, d22):
    # v[:, k, col] = (B^T D B)[e] of the 3x3 window D (see the module docstring).
    t0, t1, t2 = d00 - d10, d01 - d11, d02 - d12
    b0, b1, b2 = d20 - d10, d21 - d11, d22 - d12
    v[0, k, col], v[1, k, col], v[2, k, col] = t0 - t1, t1, t2 - t1
    v[3, k, col], v[4, k, col], v[5, k, col] = d10 - d11, d11, d12 - d11
    v[6, k, col], v[7, k, col], v[8, k, col] = b0 - b1, b1, b2 - b1


@jit
def weight_transform(w, u):
    """``u[e, o, p*C + c]``: the 9 transformed taps ``G g G^T`` of phase ``p`` of ``w[o, c]``
    (the forward's and weight gradient's filter bank), ``u`` (9, O, 4C)."""
    O, C = w.shape[0], w.shape[1]
    for o in range(O):
        for c in range(C):
            for py in range(2):
                for px in range(2):
                    k = (2 * py + px) * C + c
                    g00, g01 = w[o, c, py, px], w[o, c, py, px + 2]
                    g10, g11 = w[o, c, py + 2, px], w[o, c, py + 2, px + 2]
                    _store_taps(u[:, o, k], g00, g01, g10, g11)


@jit
def flipped_transform(w, slot, sign, u):
    """``u[slot[q, e], c, o]``: ``sign[slot]`` times the 9 transformed taps of output phase ``q``
    of the input gradient, ``w[o, c, 3 - qy - 2r, 3 - qx - 2r']`` (r, r' < 2), ``u`` (36, C, O):
    the filter banks of its 36 GEMMs, ordered by the transformed window each reads (see
    ``SLOT``)."""
    O, C = w.shape[0], w.shape[1]
    taps = np.empty(9, dtype=u.dtype)
    for qy in range(2):
        for qx in range(2):
            q = 2 * qy + qx
            for c in range(C):
                for o in range(O):
                    g00, g01 = w[o, c, 3 - qy, 3 - qx], w[o, c, 3 - qy, 1 - qx]
                    g10, g11 = w[o, c, 1 - qy, 3 - qx], w[o, c, 1 - qy, 1 - qx]
                    _store_taps(taps, g00, g01, g10, g11)
                    for e in range(9):
                        k = slot[q, e]
                        u[k, c, o] = sign[k] * taps[e]


@jit
def weight_back_transform(s, gw):
    """``gw[o, c]`` from the summed products ``s`` (9, 4C, O), the weight gradient's sums
    transposed: each phase's taps ``G^T S G``."""
    O, C = gw.shape[0], gw.shape[1]
    for o in range(O):
        for c in range(C):
            for py in range(2):
                for px in range(2):
                    k = (2 * py + px) * C + c
                    r0 = (s[0, k, o] + s[3, k, o], s[1, k, o] + s[4, k, o],
                          s[2, k, o] + s[5, k, o])  # fmt: skip
                    r1 = (s[3, k, o] + s[6, k, o], s[4, k, o] + s[7, k, o],
                          s[5, k, o] + s[8, k, o])  # fmt: skip
                    gw[o, c, py, px] = r0[0] + r0[1]
                    gw[o, c, py, px + 2] = r0[1] + r0[2]
                    gw[o, c, py + 2, px] = r1[0] + r1[1]
                    gw[o, c, py + 2, px + 2] = r1[1] + r1[2]


@jit
def _pad(plane, out):
    # out = plane zero-padded by 1 ((H + 2, W + 2)), border included.
    H, W = plane.shape
    out[0, :] = 0.0
    out[H + 1, :] = 0.0
    for i in range(H):
        out[i + 1, 0] = 0.0
        for j in range(W):
            out[i + 1, j + 1] = plane[i, j]
        out[i + 1, W + 1] = 0.0


@jit
def _input_tiles(x, n0, n1, v, pad):
    # v[e, p*C + c, (n - n0)*T + ky*TW + kx] = (B^T D B)[e], D the 3x3 window of phase p = (py,
    # px) of x[n, c] zero-padded by 1: its rows 4ky + py + 2r, columns 4kx + px + 2r' (r, r' < 3).
    # pad: (H + 2, W + 2) scratch.
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    TH, TW = H // 4, W // 4
    T = TH * TW
    for nn in range(n1 - n0):
        for c in range(C):
            _pad(x[n0 + nn, c], pad)
            for py in range(2):
                for px in range(2):
                    k = (2 * py + px) * C + c
                    for ky in range(TH):
                        r = 4 * ky + py
                        base = nn * T + ky * TW
                        for kx in range(TW):
                            s = 4 * kx + px
                            _store_window(
                                v, k, base + kx,
                                pad[r, s], pad[r, s + 2], pad[r, s + 4],
                                pad[r + 2, s], pad[r + 2, s + 2], pad[r + 2, s + 4],
                                pad[r + 4, s], pad[r + 4, s + 2], pad[r + 4, s + 4],
                            )  # fmt: skip


@jit
def _grad_tiles(gy, n0, n1, zt, gsum):
    # zt[e, (n - n0)*T + ky*TW + kx, o] = (A G A^T)[e] of gy[n, o]'s 2x2 tile G at (2ky, 2kx),
    # transposed: the weight gradient's sums are then V @ Z^T as a plain GEMM (BLAS ran the
    # product with Z^T as a transposed operand at two thirds of that rate here); gsum[o] gains
    # the sums of those planes (the bias gradient).
    O, OH, OW = gy.shape[1], gy.shape[2], gy.shape[3]
    TH, TW = OH // 2, OW // 2
    T = TH * TW
    total = np.zeros(O)
    for nn in range(n1 - n0):
        g = gy[n0 + nn]
        for ky in range(TH):
            for kx in range(TW):
                col = nn * T + ky * TW + kx
                for o in range(O):
                    g00, g01 = g[o, 2 * ky, 2 * kx], g[o, 2 * ky, 2 * kx + 1]
                    g10, g11 = g[o, 2 * ky + 1, 2 * kx], g[o, 2 * ky + 1, 2 * kx + 1]
                    zt[0, col, o], zt[1, col, o], zt[2, col, o] = g00, g00 + g01, g01
                    zt[3, col, o], zt[4, col, o] = g00 + g10, g00 + g01 + g10 + g11
                    zt[5, col, o] = g01 + g11
                    zt[6, col, o], zt[7, col, o], zt[8, col, o] = g10, g10 + g11, g11
                    total[o] += g00 + g01 + g10 + g11
    for o in range(O):
        gsum[o] += total[o]


@jit
def _output_tiles(m, slots, n0, n1, bias, y, qy, qx, step):
    # y[n, o, step*ky + d*a + qy, step*kx + d*b + qx] = bias[o] + (A^T M A)[a, b] of the tile's
    # 9 products m[slots[e], o, col], d = step // 2 (step 2: the forward's tiles; 4: phase (qy,
    # qx) of the input gradient, whose rows and columns interleave). An empty bias adds nothing.
    O = m.shape[1]
    s0, s1, s2, s3, s4 = slots[0], slots[1], slots[2], slots[3], slots[4]
    s5, s6, s7, s8 = slots[5], slots[6], slots[7], slots[8]
    TH, TW = y.shape[2] // step, y.shape[3] // step
    T = TH * TW
    d = step // 2
    for nn in range(n1 - n0):
        for o in range(O):
            b = bias[o] if bias.size else y.dtype.type(0)
            yo = y[n0 + nn, o]
            for ky in range(TH):
                r = step * ky + qy
                base = nn * T + ky * TW
                for kx in range(TW):
                    col = base + kx
                    a0 = m[s0, o, col] + m[s3, o, col]
                    a1 = m[s1, o, col] + m[s4, o, col]
                    a2 = m[s2, o, col] + m[s5, o, col]
                    c0 = m[s3, o, col] + m[s6, o, col]
                    c1 = m[s4, o, col] + m[s7, o, col]
                    c2 = m[s5, o, col] + m[s8, o, col]
                    s = step * kx + qx
                    yo[r, s] = a0 + a1 + b
                    yo[r, s + d] = a1 + a2 + b
                    yo[r + d, s] = c0 + c1 + b
                    yo[r + d, s + d] = c1 + c2 + b


@jit(inline=True)
def _store_combinations(v, k, at, x0, x1, x2, x3):
    # v[k:k + 5, at] = the five combinations (a, b, c, d, e) of four values (_COMBINATIONS).
    v[k, at], v[k + 1, at], v[k + 2, at] = x0 - x1, x1, x2 - x1
    v[k + 3, at], v[k + 4, at] = x2, x3 - x2


@jit
def _grad_windows(pads, v):
    # v[5*row + col, o*T + nn*TT + ky*TW + kx]: the 25 combinations of the 4x4 patch at rows
    # 2ky + j, columns 2kx + j' (j, j' < 4) of pads[nn, o], plane (nn, o) of gy zero-padded by 1:
    # the transformed windows of all four phases of the input gradient (see _COMBINATIONS). T:
    # the chunk's tiles (TT a sample). The rows of v are a little longer than O*T, so that its 25
    # streams of stores do not fall on the same few sets of the processor's cache.
    nc, O = pads.shape[0], pads.shape[1]
    TH, TW = (pads.shape[2] - 2) // 2, (pads.shape[3] - 2) // 2
    TT = TH * TW
    T = nc * TT
    for nn in range(nc):
        for o in range(O):
            p = pads[nn, o]
            for ky in range(TH):
                r = 2 * ky
                base = o * T + nn * TT + ky * TW
                for kx in range(TW):
                    s = 2 * kx
                    at = base + kx
                    # the row combinations, column by column
                    p0, p1, p2, p3 = p[r], p[r + 1], p[r + 2], p[r + 3]
                    p00, p01, p02, p03 = p0[s], p0[s + 1], p0[s + 2], p0[s + 3]
                    p10, p11, p12, p13 = p1[s], p1[s + 1], p1[s + 2], p1[s + 3]
                    p20, p21, p22, p23 = p2[s], p2[s + 1], p2[s + 2], p2[s + 3]
                    p30, p31, p32, p33 = p3[s], p3[s + 1], p3[s + 2], p3[s + 3]
                    _store_combinations(v, 0, at, p00 - p10, p01 - p11, p02 - p12, p03 - p13)
                    _store_combinations(v, 5, at, p10, p11, p12, p13)
                    _store_combinations(v, 10, at, p20 - p10, p21 - p11, p22 - p12, p23 - p13)
                    _store_combinations(v, 15, at, p20, p21, p22, p23)
                    _store_combinations(v, 20, at, p30 - p20, p31 - p21, p32 - p22, p33 - p23)


@jit(inline=True)
def _share(n, parts, j):
    # Part j of range(n) dealt out in parts of sizes differing by at most one.
    return n * j // parts, n * (j + 1) // parts


@jit(parallel=True)
def _phases(op, nw, x, gy, out, u, uq, block, slot, bias, nc, vbuf, mbuf, pads, parts, gsums):
    # One convolution's op on nw threads, thread i on its share of the samples, nc at a time.
    # FORWARD: out (y) from x and u (weight_transform), slot FORWARD_SLOTS; INPUT: out (gx) from
    # gy and uq (flipped_transform), block BLOCK and slot SLOT; WEIGHT: parts[i] (9, 4C, O) and
    # gsums[i] (O) from x and gy;
    # FORWARD_WEIGHT: both of FORWARD's and WEIGHT's on one input transform per chunk.
    # Scratch rows per thread: vbuf[i], mbuf[i] and pads[i] (padded input planes).
    for i in prange(nw):
        _pipe(op, i, nw, x, gy, out, u, uq, block, slot, bias, nc, vbuf, mbuf, pads, parts,
              gsums)  # fmt: skip


@jit
def _pipe(op, i, nw, x, gy, out, u, uq, block, slot, bias, nc, vbuf, mbuf, pads, parts, gsums):
    weights = op == WEIGHT or op == FORWARD_WEIGHT
    N = gy.shape[0] if op == INPUT else x.shape[0]
    lo, hi = _share(N, nw, i)
    if weights:
        parts[i] = 0.0  # a thread with no samples leaves zeros; the others overwrite (beta 0)
        gsums[i] = 0.0
    n0 = lo
    while n0 < hi:
        n1 = min(hi, n0 + nc)
        if op == INPUT:
            C, O = uq.shape[1], uq.shape[2]
            OH, OW = gy.shape[2], gy.shape[3]
            T = (n1 - n0) * (OH // 2) * (OW // 2)
            rows = O * T + ROW_SLACK
            v = vbuf[i, : 25 * rows].reshape((25, rows))
            m = mbuf[i, : 36 * C * T].reshape((36, C, T))
            planes = pads[i, : (n1 - n0) * O * (OH + 2) * (OW + 2)]
            planes = planes.reshape((n1 - n0, O, OH + 2, OW + 2))
            for nn in range(n1 - n0):
                for o in range(O):
                    _pad(gy[n0 + nn, o], planes[nn, o])
            _grad_windows(planes, v)
            for k in range(36):
                gemm_rows(uq[k], v[block[k], : O * T].reshape((O, T)), m[k], 0, C, 0.0)
            for q in range(4):
                _output_tiles(m, slot[q], n0, n1, bias, out, q // 2, q % 2, 4)
        else:
            C4 = 4 * x.shape[1]
            O = parts.shape[3] if op == WEIGHT else u.shape[1]
            H, W = x.shape[2], x.shape[3]
            T = (n1 - n0) * (H // 4) * (W // 4)
            v = vbuf[i, : 9 * C4 * T].reshape((9, C4, T))
            m = mbuf[i, : 9 * O * T].reshape((9, O, T))
            _input_tiles(x, n0, n1, v, pads[i, : (H + 2) * (W + 2)].reshape((H + 2, W + 2)))
            if op != WEIGHT:
                for e in range(9):
                    gemm_rows(u[e], v[e], m[e], 0, O, 0.0)
                _output_tiles(m, slot[0], n0, n1, bias, out, 0, 0, 2)
            if weights:
                zt = m.reshape((9, T, O))
                _grad_tiles(gy, n0, n1, zt, gsums[i])
                beta = 0.0 if n0 == lo else 1.0
                for e in range(9):
                    gemm_rows(v[e], zt[e], parts[i, e], 0, C4, beta)
        n0 = n1
