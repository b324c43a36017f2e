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
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._jit import jit, prange

__all__ = ["batched_small_matmul", "matmul", "use_small_kernel"]

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


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul`` semantics, using :func:`batched_small_matmul` where it was measured faster.

    Parameters
    ----------
    a, b : ndarray
        Anything ``np.matmul`` accepts (1-D operands, broadcasting batch dimensions).

    Returns
    -------
    ndarray
        ``a @ b``.

    Examples
    --------
    >>> matmul(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if (
        a.ndim >= 3
        and a.ndim == b.ndim
        and a.dtype == b.dtype
        and a.dtype in (np.float32, np.float64)
        and a.shape[-1] == b.shape[-2]
        and use_small_kernel(a.shape, b.shape)
    ):
        batch = a.shape[:-2]
        out = batched_small_matmul(a.reshape(-1, *a.shape[-2:]), b.reshape(-1, *b.shape[-2:]))
        return out.reshape(*batch, *out.shape[-2:])
    return np.matmul(a, b)
