"""Softmax and log-softmax over the last axis of a small block of rows, one pass a row.

A classifier's ``log_softmax`` over ``(batch, classes)`` logits is six NumPy calls (row max,
shift, ``exp``, row sums, ``log``, shift), each a few microseconds of call overhead on a few
hundred values, and its backward three more; here each direction is one call. As in
:mod:`autograd.kernels.cross_entropy`, the kernels' ``exp`` is the C library's, one value at a
time: the ops layer hands them blocks of at most :data:`KERNEL_MAX_SIZE` values and runs NumPy
on larger ones.

Layouts and semantics
---------------------
``x`` is C-contiguous ``(rows, n)`` with ``n >= 1``, float32 or float64. Each row is shifted by
its maximum before ``exp``; a row holding NaN or ``+inf``, or only ``-inf``, comes out all NaN,
as NumPy's formulation gives. The backward of ``softmax`` is ``y * (g - sum(g * y))`` and that
of ``log_softmax`` is ``g - exp(y) * sum(g)``, row by row, from the saved output ``y``. Until the
kernels pay for their compile (:class:`~autograd.kernels._jit.StandIn`), NumPy twins stand in.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import StandIn, jit

__all__ = ["softmax_rows", "softmax_rows_backward", "KERNEL_MAX_SIZE"]

#: Largest block (rows times row length) the ops layer hands to these kernels.
KERNEL_MAX_SIZE = 4096


@jit(warm=True)
def _forward(x, log, y):
    rows, n = x.shape
    for i in range(rows):
        m = x[i, 0]
        for j in range(1, n):
            if x[i, j] > m:
                m = x[i, j]
        s = x.dtype.type(0)
        for j in range(n):
            e = math.exp(x[i, j] - m)
            y[i, j] = e
            s += e
        if log:
            log_s = math.log(s)
            for j in range(n):
                y[i, j] = (x[i, j] - m) - log_s
        else:
            for j in range(n):
                y[i, j] /= s


@jit(warm=True)
def _backward(y, g, log, gx):
    rows, n = y.shape
    for i in range(rows):
        if log:
            s = g.dtype.type(0)
            for j in range(n):
                s += g[i, j]
            for j in range(n):
                gx[i, j] = g[i, j] - math.exp(y[i, j]) * s
        else:
            s = g.dtype.type(0)
            for j in range(n):
                s += g[i, j] * y[i, j]
            for j in range(n):
                gx[i, j] = g[i, j] * y[i, j] - y[i, j] * s


def _forward_numpy(x, log, y):
    """NumPy twin of :func:`_forward`."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = x - x.max(axis=1, keepdims=True)
        s = np.exp(z).sum(axis=1, keepdims=True)
        if log:
            np.subtract(z, np.log(s), out=y)
        else:
            np.divide(np.exp(z), s, out=y)


def _backward_numpy(y, g, log, gx):
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
    _KERNELS.call(_forward, _forward_numpy, x, log, y)
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
    _KERNELS.call(_backward, _backward_numpy, y, g, log, gx)
    return gx
