"""The pointwise convolution's products (1x1 kernel, stride 1, no padding, one group) as one
parallel kernel, each kernel thread on its share of the samples.

Each sample's input is its own column matrix, ``(C, H*W)`` as it lies, so each product is one
GEMM per sample with no layout copy: ``y[n] = W x[n] + b``, ``gx[n] = W^T gy[n]`` and
``gW = sum_n gy[n] x[n]^T``. The threads call BLAS themselves (:mod:`autograd.kernels._blas`,
OpenBLAS held at one thread meanwhile), so a step's products never wake OpenBLAS's own
threads, whose polling after a product slows the kernel threads of the next layer. A thread's
share of the weight gradient is written by its first GEMM (``beta = 0``) and added to by the
next (``beta = 1``); with ``sums``, it also sums its samples' output-gradient rows (the bias
gradient, in float64) right after the GEMM that read them, while they are in its cache.

Operations (``op``): :data:`FORWARD`, :data:`INPUT`, :data:`WEIGHT`.
"""

from __future__ import annotations

from autograd.kernels._blas import gemm_nt, gemm_rows, gemm_tn
from autograd.kernels._jit import jit, prange

__all__ = ["FORWARD", "INPUT", "WEIGHT", "pointwise"]

FORWARD, INPUT, WEIGHT = 0, 1, 2


@jit(parallel=True)
def pointwise(op, nw, x3, gy3, y3, w2, b, parts, sums):
    """One pointwise convolution product on ``nw`` threads, thread ``i`` on samples
    ``N * i // nw`` to ``N * (i + 1) // nw``.

    ``x3`` ``(N, C, L)`` is the input (read), or for :data:`INPUT` the input gradient
    (written); ``gy3`` ``(N, O, L)`` the output gradient (read by :data:`INPUT` and
    :data:`WEIGHT`); ``y3`` ``(N, O, L)`` the output (written by :data:`FORWARD`); ``w2``
    ``(O, C)`` the weight (unread by :data:`WEIGHT`); ``b`` ``(O,)`` the bias (empty: none).
    :data:`WEIGHT` writes thread ``i``'s part of the weight gradient into ``parts[i]``
    ``(O, C)`` and, when ``sums`` is not empty, its part of the bias gradient into ``sums[i]``
    ``(O,)``. All arrays C-contiguous, of one float dtype (``sums`` float64).
    """
    for i in prange(nw):
        _share(op, i, nw, x3, gy3, y3, w2, b, parts, sums)


@jit
def _share(op, i, nw, x3, gy3, y3, w2, b, parts, sums):
    N = x3.shape[0]
    lo, hi = N * i // nw, N * (i + 1) // nw
    if op == FORWARD:
        O = w2.shape[0]
        for n in range(lo, hi):
            gemm_rows(w2, x3[n], y3[n], 0, O, 0.0)
            if b.size:
                yn = y3[n]
                for o in range(O):
                    bo = b[o]
                    for j in range(yn.shape[1]):
                        yn[o, j] += bo
    elif op == INPUT:
        for n in range(lo, hi):
            gemm_tn(w2, gy3[n], x3[n], 0.0)
    else:
        if hi == lo:  # no samples: parts of zeros
            parts[i] = 0.0
        if sums.size:
            sums[i] = 0.0
        for n in range(lo, hi):
            gemm_nt(gy3[n], x3[n], parts[i], 0.0 if n == lo else 1.0)
            if sums.size:
                _add_row_sums(gy3[n], sums[i])


@jit(fastmath={"reassoc"})
def _add_row_sums(rows, sums):
    # sums[o] += the sum of rows[o] in float64, in whatever order vectorizes.
    for o in range(rows.shape[0]):
        total = 0.0
        for j in range(rows.shape[1]):
            total += rows[o, j]
        sums[o] += total
