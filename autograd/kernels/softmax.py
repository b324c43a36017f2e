"""Softmax and log-softmax over the last axis of a block of rows, one call each way.

A classifier's ``log_softmax`` over ``(batch, classes)`` logits is six NumPy calls (row max,
shift, ``exp``, row sums, ``log``, shift), each a few microseconds of call overhead on a few
hundred values, and its backward three more; here each direction is one call. A row of at
least :data:`~autograd.kernels._rows.VECTOR_MIN_LENGTH` values runs loops that LLVM vectorizes
(:mod:`autograd.kernels._rows`): its maximum, ``exp`` of the shifted row (the kernels' own,
:mod:`autograd.kernels._exp`, vectorized in float32) and its sums; shorter rows run one scalar
loop. In float32 that beats NumPy's passes at every size (an attention block's 4 096 rows of 32:
0.17 ms against 0.60; the backward 0.024 against 0.19), so the ops layer hands any float32 block
to these kernels; in float64 ``exp`` is the C library's, one value at a time, and blocks above
:data:`KERNEL_MAX_SIZE` values go to NumPy. On a megabyte or more each direction runs a block
of rows per kernel thread while the pool is warm (``light``: after another parallel kernel, not
amid a transformer's products, where it lost 1.5 ms a step; 256 rows of 1 024, float32: forward
0.28 -> 0.14 ms).

Layouts and semantics
---------------------
``x`` is C-contiguous ``(rows, n)`` with ``n >= 1``, float32 or float64. Each row is shifted by
its maximum before ``exp``; a row holding NaN or ``+inf``, or only ``-inf``, comes out all NaN,
as NumPy's formulation gives. The backward of ``softmax`` is ``y * (g - sum(g * y))`` and that
of ``log_softmax`` is ``g - exp(y) * sum(g)``, row by row, from the saved output ``y``. The sums
add in vector lanes, then the lanes (an order of their own, as NumPy's pairwise sums have
theirs). Until the kernels pay for their compile (:class:`~autograd.kernels._jit.StandIn`),
NumPy twins stand in.
"""

from __future__ import annotations

import numpy as np

from ._exp import exp
from ._jit import StandIn, jit, prange
from ._rows import FLOAT64_MAX_SIZE, row_dot, row_parts, row_sum, softmax_block, takes

__all__ = ["softmax_rows", "softmax_rows_backward", "takes", "KERNEL_MAX_SIZE"]

#: Largest float64 block the ops layer hands to these kernels (see :func:`takes`).
KERNEL_MAX_SIZE = FLOAT64_MAX_SIZE


@jit(parallel=True, light=True, warm=True, error_model="numpy")
def _forward(x, log, y, parts):
    # parts: blocks of rows, one per thread (the serial twin runs them one after another).
    rows = x.shape[0]
    for p in prange(parts):
        lo, hi = rows * p // parts, rows * (p + 1) // parts
        m, s = np.empty(hi - lo, x.dtype), np.empty(hi - lo, x.dtype)
        softmax_block(x[lo:hi], log, y[lo:hi], m, s)


@jit(parallel=True, light=True, warm=True, error_model="numpy")
def _backward(y, g, log, gx, parts):
    rows, n = y.shape
    for p in prange(parts):
        for i in range(rows * p // parts, rows * (p + 1) // parts):
            if log:
                s = row_sum(g, i)
                for j in range(n):
                    gx[i, j] = g[i, j] - exp(y[i, j]) * s
            else:
                s = row_dot(g, y, i)
                for j in range(n):
                    gx[i, j] = g[i, j] * y[i, j] - y[i, j] * s


def _forward_numpy(x, log, y, parts):
    """NumPy twin of :func:`_forward`."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = x - x.max(axis=1, keepdims=True)
        s = np.exp(z).sum(axis=1, keepdims=True)
        if log:
            np.subtract(z, np.log(s), out=y)
        else:
            np.divide(np.exp(z), s, out=y)


def _backward_numpy(y, g, log, gx, parts):
    """NumPy twin of :func:`_backward`."""
    with np.errstate(invalid="ignore", over="ignore"):
        if log:
            np.subtract(g, np.exp(y) * g.sum(axis=1, keepdims=True), out=gx)
        else:
            v = g * y
            np.subtract(v, y * v.sum(axis=1, keepdims=True), out=gx)


_KERNELS = StandIn(_forward, _backward)


def softmax_rows(x: np.ndarray, log: bool) -> np.ndarray:
    """``softmax`` (or ``log_softmax`` with ``log``) of each row of ``x``.

    Parameters
    ----------
    x : ndarray, shape (rows, n)
        C-contiguous float32 or float64, ``n >= 1``.
    log : bool

    Returns
    -------
    ndarray, shape (rows, n)

    Examples
    --------
    >>> softmax_rows(np.array([[0.0, np.log(3.0)]]), log=False)
    array([[0.25, 0.75]])
    """
    y = np.empty_like(x)
    _KERNELS.call(_forward, _forward_numpy, x, log, y, row_parts(2 * x.nbytes))
    return y


def softmax_rows_backward(y: np.ndarray, g: np.ndarray, log: bool) -> np.ndarray:
    """The gradient of :func:`softmax_rows` at output ``y`` for output gradient ``g``.

    Parameters
    ----------
    y : ndarray, shape (rows, n)
        The forward's output (the log-probabilities with ``log``).
    g : ndarray, shape (rows, n)
        C-contiguous, of ``y``'s dtype.
    log : bool

    Returns
    -------
    ndarray, shape (rows, n)

    Examples
    --------
    >>> y = np.log(np.array([[0.25, 0.75]]))
    >>> softmax_rows_backward(y, np.array([[1.0, 0.0]]), log=True)
    array([[ 0.75, -0.75]])
    """
    gx = np.empty_like(y)
    _KERNELS.call(_backward, _backward_numpy, y, g, log, gx, row_parts(3 * y.nbytes))
    return gx
