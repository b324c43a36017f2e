"""Loops over row ``i`` of a C-contiguous block, shared by the row kernels (softmax,
cross-entropy).

A row's maximum keeps four running maxima, so its comparisons do not wait for each other (a
quarter of the time of one running maximum). Its sums let LLVM keep partial sums in vector lanes
(``fastmath={"reassoc"}``: inf and NaN still propagate as in IEEE arithmetic), so they add in an
order of their own, as NumPy's pairwise sums do; a sum of one value at a time waits four cycles
for each addition. Rows shorter than :data:`VECTOR_MIN_LENGTH` gain nothing from either, nor
from the vectorized ``exp`` (:mod:`autograd.kernels._exp`): their softmax numerators take one
scalar loop.
"""

from __future__ import annotations

import math

import numpy as np

from . import _jit
from ._exp import exp
from ._jit import get_num_threads, jit

__all__ = [
    "FLOAT64_MAX_SIZE", "PASS_BYTES", "VECTOR_MIN_LENGTH", "chunk_rows", "row_dot", "row_max",
    "row_sum", "softmax_block", "softmax_numerators", "takes",
]  # fmt: skip

#: Largest float64 block (rows times row length) the row kernels are handed: in float64 their
#: ``exp`` is the C library's, one value at a time, and NumPy's vectorized passes win above.
FLOAT64_MAX_SIZE = 4096

#: Shortest row the kernels run their vectorized loops on: on a classifier's 64 rows of 10
#: logits the scalar loop took 2.2 us, the vector loops 2.9.
VECTOR_MIN_LENGTH = 16


def takes(x: np.ndarray) -> bool:
    """Whether the row kernels compute a block of ``x``'s size and dtype faster than NumPy: any
    non-empty float32 block, a float64 one of at most :data:`FLOAT64_MAX_SIZE` values.

    Examples
    --------
    >>> takes(np.zeros((4096, 32), np.float32)), takes(np.zeros((4096, 32)))
    (True, False)
    """
    char = x.dtype.char
    return x.size > 0 and (char == "f" or (char == "d" and x.size <= FLOAT64_MAX_SIZE))


@jit(warm=True)
def row_max(x, i):
    """The largest value of ``x[i]`` (a NaN is never larger: a row holding one sums to NaN)."""
    n = x.shape[1]
    m0 = m1 = m2 = m3 = x[i, 0]
    j = 0
    while j + 4 <= n:
        v0, v1, v2, v3 = x[i, j], x[i, j + 1], x[i, j + 2], x[i, j + 3]
        m0 = v0 if v0 > m0 else m0
        m1 = v1 if v1 > m1 else m1
        m2 = v2 if v2 > m2 else m2
        m3 = v3 if v3 > m3 else m3
        j += 4
    while j < n:
        m0 = x[i, j] if x[i, j] > m0 else m0
        j += 1
    m0 = m1 if m1 > m0 else m0
    m2 = m3 if m3 > m2 else m2
    return m2 if m2 > m0 else m0


@jit(warm=True, fastmath={"reassoc"})
def row_sum(y, i):
    """The sum of ``y[i]``, in vector lanes."""
    s = y.dtype.type(0)
    for j in range(y.shape[1]):
        s += y[i, j]
    return s


@jit(warm=True, fastmath={"reassoc"})
def row_dot(a, b, i):
    """The sum of ``a[i] * b[i]``, in vector lanes."""
    s = a.dtype.type(0)
    for j in range(a.shape[1]):
        s += a[i, j] * b[i, j]
    return s


@jit(warm=True, error_model="numpy", fastmath={"contract"})
def softmax_numerators(x, i, y):
    """``y[i] = exp(x[i] - m)`` with ``m`` the row's maximum; returns ``m`` and the sum of
    ``y[i]``. A short row takes one scalar loop and the C library's ``exp``."""
    n = x.shape[1]
    if n < VECTOR_MIN_LENGTH:
        m = x[i, 0]
        for j in range(1, n):
            if x[i, j] > m:
                m = x[i, j]
        s = x.dtype.type(0)
        for j in range(n):
            e = math.exp(x[i, j] - m)
            y[i, j] = e
            s += e
        return m, s
    m = row_max(x, i)
    for j in range(n):
        y[i, j] = exp(x[i, j] - m)
    return m, row_sum(y, i)


#: Bytes of a block's rows that the row kernels running their stages as passes over rows
#: (:func:`softmax_block`, layer and group norm) take at a time: each stage's pass then finds
#: them in the core's cache, on a block of any size.
PASS_BYTES = 16 * 1024


@jit(warm=True)
def chunk_rows(n, itemsize):
    """How many rows of ``n`` values of ``itemsize`` bytes make one chunk of :data:`PASS_BYTES`
    (at least one): the rows a kernel running its stages as passes takes at a time."""
    return max(1, PASS_BYTES // max(1, n * itemsize))


@jit(warm=True, error_model="numpy", fastmath={"contract"})
def softmax_block(x, log, y, m, s):
    """``y = softmax(x)`` row by row (``log_softmax`` with ``log``), with ``m[i]`` each row's
    maximum and ``s[i]`` the sum of its ``exp(x[i] - m[i])``: :func:`softmax_numerators`'s
    values, then the division (or the shift by ``log(s[i])``).

    Rows of :data:`VECTOR_MIN_LENGTH` values or more run in chunks of :data:`PASS_BYTES`, each
    stage (the maxima, the ``exp`` of every row, the sums, the normalization) a pass over the
    chunk, rather than the stages of one row after another: an attention block's 4 096 rows of
    32 took 0.26 ms row by row, 0.17 in passes (1 024 rows of 128: 0.19 -> 0.16); whole-block
    passes lost 6 % on 4 096 rows of 1 000, which no longer stay in cache between stages.
    """
    rows, n = x.shape
    chunk = chunk_rows(n, x.itemsize)
    for r0 in range(0, rows, chunk):
        r1 = min(r0 + chunk, rows)
        if n < VECTOR_MIN_LENGTH:
            for i in range(r0, r1):
                m[i], s[i] = softmax_numerators(x, i, y)
        else:
            for i in range(r0, r1):
                m[i] = row_max(x, i)
            for i in range(r0, r1):
                mi = m[i]
                for j in range(n):
                    y[i, j] = exp(x[i, j] - mi)
            for i in range(r0, r1):
                s[i] = row_sum(y, i)
        for i in range(r0, r1):
            if log:
                log_s = math.log(s[i])
                for j in range(n):
                    y[i, j] = (x[i, j] - m[i]) - log_s
            else:
                for j in range(n):
                    y[i, j] /= s[i]


def row_parts(nbytes: int) -> int:
    """Blocks of rows for a row kernel that runs one block per thread: one per kernel thread
    where its parallel code may run (arrays of ``nbytes`` in all, as a parallel kernel's dispatch
    counts them), else one.

    Examples
    --------
    >>> row_parts(1024)
    1
    """
    return get_num_threads() if nbytes >= _jit.PARALLEL_MIN_BYTES else 1
