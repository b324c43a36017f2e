"""The column (im2col + GEMM) paths' pipelines as one parallel kernel, in the strided layout.

A batch large enough to share out (:func:`autograd.kernels._conv_plan.pipelined`) runs one
pipeline per kernel thread over its share of the samples: chunk by chunk, the columns, a GEMM on
them and the copy back, each chunk's columns kept in the core's cache from the kernel that
writes them to the GEMM that reads them. Here the whole convolution is one call of
:func:`_pipes`, whose ``prange`` hands each thread its share and whose threads call BLAS
themselves (:mod:`autograd.kernels._blas`), OpenBLAS held at one thread meanwhile.

Handing the shares to Python worker threads instead (:func:`autograd.kernels._jit.run_shares`,
the stand-in while :func:`_pipes` is not compiled) costs a wake-up of each worker and of the
interpreter's lock per call: fwd+bwd of 13 strided and 5x5 layers took 0.73-1.07 of the worker
threads' time here in this kernel, mostly 0.88-0.97 (conv_transpose2d of 32 16x16 maps, 64 -> 32
under a 4x4 stride-2 kernel: 10.0-11.6 ms against 10.9-12.4).

Operations (``op``):

- :data:`FORWARD`: ``y = conv(x, w) + b``;
- :data:`INPUT`: ``gx`` from ``gy`` (``W^T gy``, then col2im);
- :data:`WEIGHT`: the weight gradient's partial sums, one part per thread;
- :data:`FORWARD_WEIGHT`: both of the first and the third on each chunk's one set of columns.

Each thread's weight-gradient part is written by its first GEMM (``beta = 0``) and added to by
the next (``beta = 1``): as ``cols @ gy^T``, ``(K, og)`` per group, when ``transposed`` (the
faster orientation over many columns, see
:data:`autograd.kernels._conv_drivers.TRANSPOSED_MIN_COLUMNS`), else ``gy @ cols^T``.
"""

from __future__ import annotations

from autograd.kernels import _conv_gemm as gemm
from autograd.kernels._blas import gemm_nt, gemm_rows, gemm_tn
from autograd.kernels._jit import jit, prange

__all__ = ["FORWARD", "INPUT", "WEIGHT", "FORWARD_WEIGHT"]

FORWARD, INPUT, WEIGHT, FORWARD_WEIGHT = 0, 1, 2, 3

# The serial layout kernels (their twins; under NUMBA_DISABLE_JIT, the functions themselves):
# each thread runs them on its own chunk.
_im2col = getattr(gemm._im2col, "serial", gemm._im2col)
_col2im = getattr(gemm._col2im, "serial", gemm._col2im)
_ol_to_nol = getattr(gemm._ol_to_nol, "serial", gemm._ol_to_nol)
_nol_to_ol = getattr(gemm._nol_to_ol, "serial", gemm._nol_to_ol)


@jit(inline=True)
def _share(n, parts, j):
    # Part j of range(n) dealt out in parts of sizes differing by at most one.
    return n * j // parts, n * (j + 1) // parts


@jit(parallel=True)
def _pipes(op, nw, img, gy, y, w3, b, kh, kw, sh, sw, ph, pw, dh, dw, nc, cbuf, mats, parts,
           transposed):  # fmt: skip
    # One convolution's op on nw threads, thread i on its share of the samples. img is x (read)
    # or, for INPUT, gx (written); gy (N, O, OH, OW) is read by INPUT and the weight ops; y
    # (written) by the forward ops. w3 (groups, og, K) is the weight, b the bias (empty: none).
    # Each thread's scratch: its columns cbuf[i] and two (og, columns) matrices mats[:, i]; its
    # weight sums parts[i] (groups, ...).
    for i in prange(nw):
        _pipe(op, i, nw, img, gy, y, w3, b, kh, kw, sh, sw, ph, pw, dh, dw, nc, cbuf, mats, parts,
              transposed)  # fmt: skip


@jit
def _pipe(op, i, nw, img, gy, y, w3, b, kh, kw, sh, sw, ph, pw, dh, dw, nc, cbuf, mats, parts,
          transposed):  # fmt: skip
    N, C = img.shape[0], img.shape[1]
    groups, og, K = w3.shape
    O = groups * og
    cg = C // groups
    out = y if op == FORWARD or op == FORWARD_WEIGHT else gy
    oh_n, ow_n = out.shape[2], out.shape[3]
    L = oh_n * ow_n
    gy3 = gy.reshape((gy.shape[0], O if gy.size else 0, L))
    y3 = y.reshape((y.shape[0], O if y.size else 0, L))
    weights = op == WEIGHT or op == FORWARD_WEIGHT
    lo, hi = _share(N, nw, i)
    if weights and hi == lo:  # no samples: a part of zeros
        parts[i] = 0.0
    n0 = lo
    while n0 < hi:
        n1 = min(hi, n0 + nc)
        m = (n1 - n0) * L
        cols = cbuf[i, : K * m].reshape((K, m))
        mat = mats[0, i, : og * m].reshape((og, m))
        rows = mats[1, i, : og * m].reshape((og, m))
        beta = 0.0 if n0 == lo else 1.0
        for j in range(groups):
            if op == INPUT:
                _nol_to_ol(gy3, n0, j * og, rows)
                gemm_tn(w3[j], rows, cols, 0.0)
                _col2im(cols, n0, j * cg, cg, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, img)
                continue
            _im2col(img, n0, n1, j * cg, cg, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols)
            if op != WEIGHT:
                gemm_rows(w3[j], cols, mat, 0, og, 0.0)
                _ol_to_nol(mat, b, n0, j * og, y3)
            if weights:
                _nol_to_ol(gy3, n0, j * og, rows)
                if transposed:
                    gemm_nt(cols, rows, parts[i, j], beta)
                else:
                    gemm_nt(rows, cols, parts[i, j], beta)
        n0 = n1
