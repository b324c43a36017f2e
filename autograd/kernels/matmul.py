"""Matrix products: NumPy's ``matmul`` (OpenBLAS) almost everywhere, a Numba kernel for batches
of tiny matrices.

``np.matmul`` handles a stack of tiny matrices with a per-matrix inner loop whose fixed cost
dominates when each product is a handful of multiply-adds; a ``prange`` over the batch doing
the arithmetic inline wins there, and only there. Measured on this project's 2-core machine
(median of interleaved runs, ratio = np.matmul time / kernel time, float32 and float64):

==========================  ==============  ==================================
batch x (m, k, n)           ratio           note
==========================  ==============  ==================================
4096 x (2, 2, 2)            0.4             kernel loses: thread wake-up cost
16384 x (2, 2, 2)           0.8
65536 x (2, 2, 2)           1.1 - 2.0
262144 x (2, 2, 2)          2.4
65536 x (3, 3, 3)           1.4
100000 x (1, 4, 4)          3.0 - 3.8
65536 x (4, 4, 4)           0.7 - 1.2       mixed: not used
100000 x (5, 5, 5)          0.45 - 0.8
2048 x (8, 8, 8)            0.4
==========================  ==============  ==================================

So :func:`matmul` uses the kernel only for at least ``_MIN_BATCH`` matrices (no broadcasting)
with ``m*k*n <= _MAX_MACS`` (see :func:`use_small_kernel`); everything else goes to
``np.matmul``.

Threads
-------
OpenBLAS shares a product of more than ``65536 * 4`` multiply-adds over its own threads, which
then spin for a while waiting for the next one. On a machine with as many cores as threads, a
Numba parallel kernel (or any other thread) that lands on a core where such a thread spins
waits for the end of its time slice: products of a few hundred microseconds were measured
taking 4, 8 or 16 ms, and under load from another process 100 times their time. So every
product of the kernels and ops goes through :func:`matmul`, which never lets OpenBLAS thread:
below :data:`SHARE_MIN_MACS` multiply-adds it runs on the calling thread, above it is split by
rows, columns or batch into one share per kernel thread
(:func:`~autograd.kernels._jit.run_shares`), each share a single-threaded product; all these
threads block rather than spin while they wait. Measured on 2 cores, ratio to OpenBLAS's own two
threads on a quiet machine: about 1.0 from 16 million multiply-adds up, and no 4 ms stalls.
"""

from __future__ import annotations

import math

import numpy as np

from autograd.kernels._jit import get_num_threads, jit, prange, run_shares, single_threaded_blas

__all__ = ["batched_small_matmul", "matmul", "use_small_kernel"]

#: OpenBLAS runs a product of at most this many multiply-adds (a matrix-vector product: this
#: many / 28 matrix entries) on the calling thread by itself.
_BLAS_ALONE_MACS = 65536 * 4
#: From this many multiply-adds a product is shared out over the kernel threads: below, a share's
#: hand-over costs more than the second thread saves.
SHARE_MIN_MACS = 1 << 23

# Thresholds from the measurements in the module docstring.
_MAX_MACS = 27
_MIN_BATCH = 65536


@jit(parallel=True)
def _batched_small_matmul(a, b, out):
    # out[t] = a[t] @ b[t] for each t; flat unsigned indices so the inner loop has no
    # wraparound tests. Each iteration writes only its own matrix of `out`.
    B, m, k = a.shape
    n = b.shape[2]
    af = a.reshape(a.size)
    bf = b.reshape(b.size)
    of = out.reshape(out.size)
    for t in prange(B):
        a0 = t * m * k
        b0 = t * k * n
        o0 = t * m * n
        for i in range(m):
            row = o0 + i * n
            for j in range(n):
                of[np.uint64(row + j)] = 0.0
            for p in range(k):
                av = af[np.uint64(a0 + i * k + p)]
                b_row = b0 + p * n
                for j in range(n):
                    of[np.uint64(row + j)] += av * bf[np.uint64(b_row + j)]


def batched_small_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Multiply two stacks of small matrices, ``out[t] = a[t] @ b[t]``, with a Numba kernel.

    Parameters
    ----------
    a : ndarray, shape (B, m, k)
    b : ndarray, shape (B, k, n)
        Same float dtype (float32 or float64) and batch size as ``a``.

    Returns
    -------
    ndarray, shape (B, m, n)
        New C-contiguous array.

    Examples
    --------
    >>> a = np.arange(8.0).reshape(2, 2, 2)
    >>> batched_small_matmul(a, np.broadcast_to(np.eye(2), (2, 2, 2)))[1]
    array([[4., 5.],
           [6., 7.]])
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype not in (np.float32, np.float64) or b.dtype != a.dtype:
        raise TypeError(
            f"batched_small_matmul: a and b must both be float32 or both float64, "
            f"got {a.dtype} and {b.dtype}"
        )
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ValueError(
            f"batched_small_matmul: shapes {a.shape} and {b.shape} are not (B, m, k) and (B, k, n)"
        )
    out = np.empty((a.shape[0], a.shape[1], b.shape[2]), dtype=a.dtype)
    if out.size:
        _batched_small_matmul(np.ascontiguousarray(a), np.ascontiguousarray(b), out)
    return out


def use_small_kernel(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> bool:
    """Whether :func:`matmul` sends these shapes to :func:`batched_small_matmul`.

    True only for equal batch shapes (no broadcasting), at least ``_MIN_BATCH`` matrices, and
    at most ``_MAX_MACS`` multiply-adds per product.

    Examples
    --------
    >>> use_small_kernel((65536, 2, 2), (65536, 2, 2)), use_small_kernel((64, 64), (64, 64))
    (True, False)
    """
    if len(a_shape) < 3 or a_shape[:-2] != b_shape[:-2]:
        return False
    batch = int(np.prod(a_shape[:-2]))
    return batch >= _MIN_BATCH and a_shape[-2] * a_shape[-1] * b_shape[-1] <= _MAX_MACS


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul`` semantics, using :func:`batched_small_matmul` where it was measured faster,
    and keeping OpenBLAS's own threads asleep (see "Threads" in the module docstring).

    Parameters
    ----------
    a, b : ndarray
        Anything ``np.matmul`` accepts (1-D operands, broadcasting batch dimensions).
    out : ndarray, optional
        Where to write the result, as ``np.matmul``'s ``out``.

    Returns
    -------
    ndarray
        ``a @ b`` (``out`` when given).

    Examples
    --------
    >>> matmul(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    >>> y = np.empty((300, 300))
    >>> matmul(np.ones((300, 200)), np.ones((200, 300)), out=y) is y, float(y[0, 0])
    (True, 200.0)
    """
    a = a if type(a) is np.ndarray else np.asarray(a)
    b = b if type(b) is np.ndarray else np.asarray(b)
    if a.ndim == 2 and b.ndim == 2 and a.shape[0] * a.shape[1] * b.shape[1] <= _BLAS_ALONE_MACS:
        return np.matmul(a, b, out=out)  # the common small product, first
    if (
        out is None
        and a.ndim >= 3
        and a.ndim == b.ndim
        and a.dtype == b.dtype
        and a.dtype in (np.float32, np.float64)
        and a.shape[-1] == b.shape[-2]
        and use_small_kernel(a.shape, b.shape)
    ):
        batch = a.shape[:-2]
        out = batched_small_matmul(a.reshape(-1, *a.shape[-2:]), b.reshape(-1, *b.shape[-2:]))
        return out.reshape(*batch, *out.shape[-2:])
    macs = _macs(a, b)
    if macs <= _BLAS_ALONE_MACS:
        return np.matmul(a, b, out=out)
    if macs >= SHARE_MIN_MACS and get_num_threads() > 1:
        work = _shares(a, b, out)
        if work is not None:
            n, product, result = work
            run_shares(n, product)
            return result
    with single_threaded_blas():
        return np.matmul(a, b, out=out)


def _macs(a: np.ndarray, b: np.ndarray) -> int:
    # Multiply-adds of a @ b, for BLAS types and compatible shapes only (0 otherwise: np.matmul
    # then runs as it is, and raises its own errors).
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc" or a.ndim == 0 or b.ndim == 0:
        return 0
    if a.ndim == 1 or b.ndim == 1:
        return max(a.size, b.size) * 28  # a matrix-vector product: OpenBLAS's own threshold
    if a.shape[-1] != b.shape[-2]:
        return 0
    if a.ndim == 2 and b.ndim == 2:
        return a.shape[0] * a.shape[1] * b.shape[1]
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return 0
    return math.prod(batch) * a.shape[-2] * a.shape[-1] * b.shape[-1]


def _shares(a: np.ndarray, b: np.ndarray, out: np.ndarray | None) -> tuple | None:
    """``(n, product(lo, hi), result)``: a split of ``a @ b`` into ``n`` items (rows of ``a``,
    columns of ``b``, or matrices of a batch) for :func:`run_shares`; None when there is none
    simple (a vector operand, broadcast batches of more than one dimension)."""
    if a.ndim < 2 or b.ndim < 2:
        return None
    m, n = a.shape[-2], b.shape[-1]
    if a.ndim == 2 and b.ndim == 2:
        result = np.empty((m, n), np.result_type(a, b)) if out is None else out
        if m >= n:
            return m, lambda lo, hi: np.matmul(a[lo:hi], b, out=result[lo:hi]), result
        return n, lambda lo, hi: np.matmul(a, b[:, lo:hi], out=result[:, lo:hi]), result
    if max(a.ndim, b.ndim) != 3:
        return None
    batch = a.shape[0] if a.ndim == 3 else b.shape[0]
    if (a.ndim == 3 and a.shape[0] != batch) or (b.ndim == 3 and b.shape[0] != batch):
        return None  # one of them broadcasts a batch of 1
    result = np.empty((batch, m, n), np.result_type(a, b)) if out is None else out

    def product(lo: int, hi: int) -> None:
        np.matmul(a if a.ndim == 2 else a[lo:hi], b if b.ndim == 2 else b[lo:hi],
                  out=result[lo:hi])  # fmt: skip

    return batch, product, result
