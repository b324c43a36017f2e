"""The logistic function and its derivative on small arrays, one compiled pass each.

NumPy computes an overflow-safe sigmoid in five or six passes (``exp(-|x|)``, a sum, a
reciprocal, a blend, a product), each a ufunc call with a fixed cost of a few hundred
nanoseconds. On the arrays of a recurrent cell's gates (hundreds to a few thousand values) those
fixed costs are most of the time: a compiled loop doing the same arithmetic per element takes
0.3-1.6 us where NumPy takes 2.5-3.7 us. NumPy's exp is vectorized and the loop's (libm's) is
not, so from about 4 000 values NumPy's passes are faster again: :func:`sigmoid` returns None
there and its caller computes it with NumPy. Each element is computed as NumPy's passes compute
it (``e = exp(-|x|)``, ``r = 1 / (1 + e)``, then ``r`` or ``e * r``); the two paths differ only
where libm's ``exp`` and NumPy's round differently, by an ulp or two of the result.

The kernels take two-dimensional arrays whose last axis is contiguous (a column slice of a
matrix, as ``chunk`` makes of an LSTM's gates, is one) and write a new C-contiguous array: two
signatures per kernel (float32, float64). Until they pay for their compile
(:class:`~autograd.kernels._jit.StandIn`), the NumPy path stands in.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import StandIn, jit

__all__ = ["sigmoid", "sigmoid_backward"]

#: Largest number of values the compiled loops take (NumPy's vectorized passes win above).
MAX_SIZE = 4096

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit
def _sigmoid_rows(x, out):
    one = out.dtype.type(1)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j]
            e = np.exp(-abs(v))
            r = one / (one + e)
            out[i, j] = r if v >= 0 else e * r


@jit
def _sigmoid_backward_flat(g, y, out):
    one = out.dtype.type(1)
    for i in range(out.size):
        out[i] = g[i] * y[i] * (one - y[i])


def _sigmoid_rows_numpy(x, out):
    # _sigmoid_rows's arithmetic in NumPy passes (the stand-in until the kernels are compiled).
    e = np.exp(np.negative(np.abs(x)))
    r = np.reciprocal(np.add(e, 1))
    np.multiply(r, np.maximum(e, x >= 0), out=out)


def _sigmoid_backward_flat_numpy(g, y, out):
    np.multiply(np.multiply(g, y), np.subtract(1, y), out=out)


_KERNELS = StandIn(_sigmoid_rows, _sigmoid_backward_flat)


def _rows(x: np.ndarray) -> np.ndarray | None:
    """``x`` as a matrix whose last axis is contiguous, without a copy; None if it is not one."""
    if x.ndim == 2 and x.strides[1] == x.itemsize:
        return x
    if not x.flags.c_contiguous:
        return None
    if x.ndim < 2:
        return x.reshape(1, x.size)
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # no -1: an empty x has no inferred size


def sigmoid(x: np.ndarray) -> np.ndarray | None:
    """``1 / (1 + exp(-x))`` of a small float32/float64 array in one pass, or None when
    NumPy's passes are the faster way (many values, float16, or strided).

    Parameters
    ----------
    x : numpy.ndarray
        Any shape; computed here when it has at most :data:`MAX_SIZE` values and a contiguous
        last axis (a C-contiguous array, or a matrix's column slice).

    Returns
    -------
    numpy.ndarray or None
        A new C-contiguous array of ``x``'s shape and dtype.

    Examples
    --------
    >>> sigmoid(np.array([0.0, -np.inf, np.inf]))
    array([0.5, 0. , 1. ])
    """
    if x.size > MAX_SIZE or x.dtype not in _DTYPES:
        return None
    rows = _rows(x)
    if rows is None:
        return None
    out = np.empty(x.shape, x.dtype)
    _KERNELS.call(_sigmoid_rows, _sigmoid_rows_numpy, rows, out.reshape(rows.shape))
    return out


def sigmoid_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """``g * y * (1 - y)``, the gradient through ``y = sigmoid(x)``, in one pass; or None
    where NumPy's three passes are the faster way (as for :func:`sigmoid`).

    Parameters
    ----------
    g, y : numpy.ndarray
        The upstream gradient and the saved output; computed here when both are C-contiguous
        with one shape and dtype (float32 or float64) and at most :data:`MAX_SIZE` values.

    Returns
    -------
    numpy.ndarray or None
        A new C-contiguous array.

    Examples
    --------
    >>> sigmoid_backward(np.ones(2), np.array([0.5, 1.0]))
    array([0.25, 0.  ])
    """
    if (
        type(g) is not np.ndarray
        or y.size > MAX_SIZE
        or g.dtype != y.dtype
        or y.dtype not in _DTYPES
        or g.shape != y.shape
        or not (g.flags.c_contiguous and y.flags.c_contiguous)
    ):
        return None
    out = np.empty(y.shape, y.dtype)
    flat = g.reshape(-1), y.reshape(-1), out.reshape(-1)
    _KERNELS.call(_sigmoid_backward_flat, _sigmoid_backward_flat_numpy, *flat)
    return out
