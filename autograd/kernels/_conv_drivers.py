"""GEMM drivers of the convolution kernels: im2col (or the wide stride-1 layout) in chunks of
samples, one OpenBLAS GEMM per chunk and group, and the copies back. Python loops run over chunks
and groups only; the per-element work is in ``_conv_gemm``'s Numba kernels.

``conv.py`` chooses between these, the direct kernels and Winograd.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels import _conv_direct as direct
from autograd.kernels import _conv_gemm as gemm
from autograd.kernels._args import Pair

# Upper bound on one chunk's column matrix. Large enough for efficient GEMMs, small enough that
# a big batch never allocates hundreds of megabytes.
_COLS_BUDGET_BYTES = 24 * 1024 * 1024


def _chunk(n: int, k: int, L: int, itemsize: int) -> int:
    return max(1, min(n, _COLS_BUDGET_BYTES // max(1, k * L * itemsize)))


# --------------------------------------------------------------------------------------------
# GEMM drivers: Python loops over chunks of samples and over groups only.


def _wide_ok(s: Pair, finite: np.ndarray) -> bool:
    # The wide layout multiplies garbage columns by zero; that is exact only if they are finite
    # (0 * inf = nan). A sum is a cheap, conservative finiteness test of the array they come from.
    return s == (1, 1) and bool(np.isfinite(finite.sum()))


def _forward_gemm(
    x: np.ndarray, w: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int, y: np.ndarray,
    b: np.ndarray | None = None,
) -> None:  # fmt: skip
    # b: the bias, added while the output is copied out of the GEMM's layout; None or empty
    # for none.
    b = np.empty(0, dtype=x.dtype) if b is None else b
    N, C, H, W = x.shape
    O, cg, kh, kw = w.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = y.shape[2:]
    w3 = w.reshape(groups, og, K)
    # Garbage in the wide layout's extra columns only reaches columns that are dropped.
    wide = s == (1, 1)
    wp = W + 2 * p[1]
    pitch = (H + 2 * p[0]) * wp + (kw - 1) * d[1]
    lc = oh * wp if wide else oh * ow
    nc = _chunk(N, K, lc, x.itemsize)
    cols_buf = np.empty(K * nc * lc, dtype=x.dtype)
    out_buf = np.empty(og * nc * lc, dtype=x.dtype)
    xpad = np.empty((nc * C, pitch) if wide else (0, 0), dtype=x.dtype)
    y3 = y.reshape(N, O, oh * ow)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        m = (n1 - n0) * lc
        cols = cols_buf[: K * m].reshape(K, m)
        out = out_buf[: og * m].reshape(og, m)
        if wide:
            gemm._pad_planes(x, n0, n1, p[0], p[1], pitch, xpad)
        for g in range(groups):
            if wide:
                gemm._im2col_wide(xpad, C, g * cg, cg, kh, kw, d[0], d[1], wp, lc, cols)
            else:
                gemm._im2col(x, n0, n1, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, cols)
            np.matmul(w3[g], cols, out=out)
            if wide:
                gemm._wide_to_nchw(out, b, n0, g * og, wp, y)
            else:
                gemm._ol_to_nol(out, b, n0, g * og, y3)


def _backward_input_gemm(
    gy: np.ndarray, w: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int, gx: np.ndarray
) -> None:
    N, C, H, W = gx.shape
    O, cg, kh, kw = w.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = gy.shape[2:]
    w3 = w.reshape(groups, og, K)
    wide = _wide_ok(s, w)
    wp = W + 2 * p[1]
    pitch = (H + 2 * p[0]) * wp + (kw - 1) * d[1]
    lc = oh * wp if wide else oh * ow
    nc = _chunk(N, K, lc, gy.itemsize)
    cols_buf = np.empty(K * nc * lc, dtype=gy.dtype)
    gyt_buf = np.empty(og * nc * lc, dtype=gy.dtype)
    gxpad = np.empty((nc * C, pitch) if wide else (0, 0), dtype=gy.dtype)
    gy3 = gy.reshape(N, O, oh * ow)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        m = (n1 - n0) * lc
        cols = cols_buf[: K * m].reshape(K, m)
        gyt = gyt_buf[: og * m].reshape(og, m)
        for g in range(groups):
            if wide:
                gemm._nchw_to_wide(gy, n0, g * og, wp, gyt)
            else:
                gemm._nol_to_ol(gy3, n0, g * og, gyt)
            np.matmul(w3[g].T, gyt, out=cols)
            if wide:
                gemm._col2im_wide(cols, C, g * cg, cg, kh, kw, d[0], d[1], wp, lc, gxpad)
            else:
                gemm._col2im(cols, n0, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, gx)
        if wide:
            gemm._unpad_planes(gxpad[: (n1 - n0) * C], n0, p[0], p[1], gx)


def _backward_weight_gemm(
    x: np.ndarray, gy: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int, gw: np.ndarray
) -> None:
    N, C, H, W = x.shape
    O, cg, kh, kw = gw.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = gy.shape[2:]
    # The wide layout is exact only for finite x (its garbage columns meet zeros of gy_t);
    # _pad_planes counts non-finite values while copying, and a chunk holding any is redone
    # in the plain layout, so x is never summed just to check.
    can_wide = s == (1, 1)
    wp = W + 2 * p[1]
    pitch = (H + 2 * p[0]) * wp + (kw - 1) * d[1]
    lc_max = oh * wp if can_wide else oh * ow
    nc = _chunk(N, K, lc_max, x.itemsize)
    gw3 = gw.reshape(groups, og, K)
    part_t = np.empty((K, og), dtype=x.dtype)
    cols_buf = np.empty(K * nc * lc_max, dtype=x.dtype)
    gyt_buf = np.empty(og * nc * lc_max, dtype=x.dtype)
    xpad = np.empty((nc * C, pitch) if can_wide else (0, 0), dtype=x.dtype)
    gy3 = gy.reshape(N, O, oh * ow)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        wide = can_wide and gemm._pad_planes(x, n0, n1, p[0], p[1], pitch, xpad) == 0
        lc = oh * wp if wide else oh * ow
        m = (n1 - n0) * lc
        cols = cols_buf[: K * m].reshape(K, m)
        gyt = gyt_buf[: og * m].reshape(og, m)
        for g in range(groups):
            if wide:
                gemm._im2col_wide(xpad, C, g * cg, cg, kh, kw, d[0], d[1], wp, lc, cols)
                gemm._nchw_to_wide(gy, n0, g * og, wp, gyt)
            else:
                gemm._im2col(x, n0, n1, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, cols)
                gemm._nol_to_ol(gy3, n0, g * og, gyt)
            # cols @ gyt.T (a (K, og) result) was measured ~20% faster than gyt @ cols.T.
            np.matmul(cols, gyt.T, out=part_t)
            if n0:
                gw3[g] += part_t.T
            else:
                gw3[g] = part_t.T


def _backward_weight_batched(
    x: np.ndarray, gy: np.ndarray, s: Pair, p: Pair, d: Pair, gw: np.ndarray, bias_grad: bool
) -> np.ndarray | None:
    # groups == 1 with few products per output: one small GEMM per sample, cols[n] (K, L) @
    # gy[n].T (L, O), on gy exactly as it lies (no copy of it into a (O, N*L) matrix, which
    # cost as much as the products here), then the per-sample results summed. The GEMMs are
    # small enough that OpenBLAS runs them on the calling thread, so its worker threads do
    # not spin against Numba's. With bias_grad, a row of ones under the columns makes the
    # same GEMMs return gy's sums too (cheaper than another pass over gy).
    N = x.shape[0]
    O, cg, kh, kw = gw.shape
    K = cg * kh * kw
    rows = K + 1 if bias_grad else K
    oh, ow = gy.shape[2:]
    L = oh * ow
    nc = _chunk(N, rows, L, x.itemsize)
    cols_buf = np.empty(rows * nc * L, dtype=x.dtype)
    gy3 = gy.reshape(N, O, L)
    total = np.zeros((rows, O), dtype=x.dtype)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        cols = cols_buf[: rows * (n1 - n0) * L].reshape(rows, (n1 - n0) * L)
        gemm._im2col(x, n0, n1, 0, cg, kh, kw, *s, *p, *d, oh, ow, cols[:K])
        if bias_grad:
            cols[K] = 1.0
        per_sample = cols.reshape(rows, n1 - n0, L).transpose(1, 0, 2)
        total += np.matmul(per_sample, gy3[n0:n1].transpose(0, 2, 1)).sum(axis=0)
    gw.reshape(O, K)[...] = total[:K].T
    return total[K].copy() if bias_grad else None


def _forward_and_weight_gemm(
    x: np.ndarray, w: np.ndarray, gy: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int,
    y: np.ndarray, gw: np.ndarray,
) -> None:  # fmt: skip
    # y = conv(x, w) and gw = weight gradient of conv at (x, gy) on the strided layout, each
    # chunk's columns built once for both products.
    N = x.shape[0]
    O, cg, kh, kw = w.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = y.shape[2:]
    L = oh * ow
    w3 = w.reshape(groups, og, K)
    gw3 = gw.reshape(groups, og, K)
    nc = _chunk(N, K, L, x.itemsize)
    cols_buf = np.empty(K * nc * L, dtype=x.dtype)
    out_buf = np.empty(og * nc * L, dtype=x.dtype)
    gyt_buf = np.empty(og * nc * L, dtype=x.dtype)
    part_t = np.empty((K, og), dtype=x.dtype)
    no_bias = np.empty(0, dtype=x.dtype)
    y3 = y.reshape(N, O, L)
    gy3 = gy.reshape(N, O, L)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        m = (n1 - n0) * L
        cols = cols_buf[: K * m].reshape(K, m)
        out = out_buf[: og * m].reshape(og, m)
        gyt = gyt_buf[: og * m].reshape(og, m)
        for g in range(groups):
            gemm._im2col(x, n0, n1, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, cols)
            np.matmul(w3[g], cols, out=out)
            gemm._ol_to_nol(out, no_bias, n0, g * og, y3)
            gemm._nol_to_ol(gy3, n0, g * og, gyt)
            np.matmul(cols, gyt.T, out=part_t)
            if n0:
                gw3[g] += part_t.T
            else:
                gw3[g] = part_t.T


def _direct_backward(
    x: np.ndarray | None, gy: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], p: Pair,
    d: Pair, input_grad: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:  # fmt: skip
    # Stride-1 direct backward, one pass over gy (_conv_direct._direct_backward_wide): gx when
    # input_grad (w must then be finite), and the weight and bias gradients when x is given
    # (else w may be any array of the weight's shape). Returns (gx, gw, gb), None for what was
    # not asked; gw and gb are also None when x holds inf or NaN (the caller takes an exact
    # path then).
    N, C = x_shape[:2]
    O, cg, kh, kw = w.shape
    k = cg * kh * kw
    dtype = gy.dtype
    tasks = min(N * (C // cg), direct._TASKS)
    gx = np.empty(x_shape if input_grad else (0, 0, 0, 0), dtype=dtype)
    parts = np.empty((0, 0) if x is None else (tasks, O * (k + 1)), dtype=dtype)
    bad = np.zeros(tasks, dtype=np.int64)
    xs = np.empty((0, 0, 0, 0), dtype=dtype) if x is None else x
    direct._direct_backward_wide(xs, gy, w, *p, *d, gx, parts, bad)
    gx_out = gx if input_grad else None
    if x is None or bad.any():
        return gx_out, None, None
    total = parts.sum(axis=0).reshape(O, k + 1)
    return gx_out, np.ascontiguousarray(total[:, :k]).reshape(w.shape), total[:, k].copy()
