"""The logistic function, its derivative and tanh's, one compiled pass each.

NumPy computes an overflow-safe sigmoid in five or six passes (``exp(-|x|)``, a sum, a
reciprocal, a blend, a product), each a ufunc call with a fixed cost of a few hundred
nanoseconds and each a trip through memory. The compiled loop does the same arithmetic per
element in one pass, its ``exp`` the kernels' own (:mod:`autograd.kernels._exp`), which
vectorizes in float32: a gate slice of 8 x 64 in 0.9 us where NumPy takes 5.1, 128 x 256 in
36 us where NumPy takes 40, so :func:`sigmoid` takes float32 arrays of any size. In float64 that
``exp`` is the C library's, one value at a time, and NumPy's vectorized passes are faster
again from about 3 000 values (4 096: 11.6 us against 9.9): :func:`sigmoid` returns None for
float64 arrays above :data:`MAX_SIZE` and its caller computes them with NumPy. The derivative
``g * y * (1 - y)`` has no exp: its loop vectorizes and beats NumPy's three passes at every size
(0.7 against 1.3 us on 1 024 values, 1.1 against 3.0 on 4 096), so :func:`sigmoid_backward`
takes any size; so does :func:`tanh_backward` (``g * (1 - y * y)``, also three passes in
NumPy). Each element is computed as NumPy's passes compute it (``e = exp(-|x|)``,
``r = 1 / (1 + e)``, then ``r`` or ``e * r``); the two paths differ only where the two ``exp``
round differently, by an ulp or two of the result.

The forward kernel takes a two-dimensional array whose last axis is contiguous (a column slice
of a matrix, as ``chunk`` makes of an LSTM's gates, is one): it copies it into the new
C-contiguous output, then computes in place on that one flat run of values, the loop that
vectorizes. Two signatures per kernel (float32, float64). Until they pay for their compile
(:class:`~autograd.kernels._jit.StandIn`), the NumPy path stands in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._exp import exp
from ._jit import StandIn, jit
from .masked import flat_float_pair

__all__ = ["sigmoid", "sigmoid_backward", "tanh_backward"]

#: Largest number of float64 values the compiled forward loop takes (NumPy's vectorized passes
#: win above); float32 arrays of any size are its.
MAX_SIZE = 2048

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit(error_model="numpy", fastmath={"contract"})
def _sigmoid_in_place(flat):
    # Its own function: inside _sigmoid_rows, after the copy, LLVM left this loop scalar.
    one = flat.dtype.type(1)
    for k in range(flat.size):
        v = flat[k]
        e = exp(-abs(v))
        r = one / (one + e)
        flat[k] = r if v >= 0 else e * r


@jit
def _sigmoid_rows(x, out):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j]
    _sigmoid_in_place(out.reshape(-1))


@jit
def _sigmoid_backward_flat(g, y, out):
    one = out.dtype.type(1)
    for i in range(out.size):
        out[i] = g[i] * y[i] * (one - y[i])


@jit
def _tanh_backward_flat(g, y, out):
    one = out.dtype.type(1)
    for i in range(out.size):
        out[i] = g[i] * (one - y[i] * y[i])


def _sigmoid_rows_numpy(x, out):
    # _sigmoid_rows's arithmetic in NumPy passes (the stand-in until the kernels are compiled).
    e = np.exp(np.negative(np.abs(x)))
    r = np.reciprocal(np.add(e, 1))
    np.multiply(r, np.maximum(e, x >= 0), out=out)


def _sigmoid_backward_flat_numpy(g, y, out):
    np.multiply(np.multiply(g, y), np.subtract(1, y), out=out)


def _tanh_backward_flat_numpy(g, y, out):
    np.multiply(g, np.subtract(1, np.multiply(y, y)), out=out)


_KERNELS = StandIn(_sigmoid_rows, _sigmoid_backward_flat, _tanh_backward_flat)


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
    """``1 / (1 + exp(-x))`` of a float32 array, or of a small float64 one, in one pass; or None
    when NumPy's passes are the faster way (many float64 values, float16, or strided).

    Parameters
    ----------
    x : numpy.ndarray
        Any shape; computed here when it has a contiguous last axis (a C-contiguous array, or a
        matrix's column slice) and is float32, or float64 of at most :data:`MAX_SIZE` values.

    Returns
    -------
    numpy.ndarray or None
        A new C-contiguous array of ``x``'s shape and dtype.

    Examples
    --------
    >>> sigmoid(np.array([0.0, -np.inf, np.inf]))
    array([0.5, 0. , 1. ])
    """
    if x.dtype not in _DTYPES or (x.size > MAX_SIZE and x.dtype.char == "d"):
        return None
    rows = _rows(x)
    if rows is None:
        return None
    out = np.empty(x.shape, x.dtype)
    _KERNELS.call(_sigmoid_rows, _sigmoid_rows_numpy, rows, out.reshape(rows.shape))
    return out


def _one_pass(kernel: Any, twin: Any, g: Any, y: np.ndarray) -> np.ndarray | None:
    """``kernel(g, y, out)`` on flat views (its NumPy twin until the family is compiled) when
    ``g`` and ``y`` are C-contiguous float arrays of one shape and dtype; else None."""
    if not flat_float_pair(g, y):
        return None
    out = np.empty(y.shape, y.dtype)
    _KERNELS.call(kernel, twin, g.reshape(-1), y.reshape(-1), out.reshape(-1))
    return out


def sigmoid_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """``g * y * (1 - y)``, the gradient through ``y = sigmoid(x)``, in one pass; or None
    when the operands are not two C-contiguous arrays of one shape and float dtype.

    Parameters
    ----------
    g, y : numpy.ndarray
        The upstream gradient and the saved output; computed here when both are C-contiguous
        with one shape and dtype (float32 or float64), of any size.

    Returns
    -------
    numpy.ndarray or None
        A new C-contiguous array.

    Examples
    --------
    >>> sigmoid_backward(np.ones(2), np.array([0.5, 1.0]))
    array([0.25, 0.  ])
    """
    return _one_pass(_sigmoid_backward_flat, _sigmoid_backward_flat_numpy, g, y)


def tanh_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """``g * (1 - y * y)``, the gradient through ``y = tanh(x)``, in one pass; or None when the
    operands are not two C-contiguous arrays of one shape and float dtype.

    ``g`` and ``y`` are as for :func:`sigmoid_backward`.

    Examples
    --------
    >>> tanh_backward(np.ones(2), np.array([0.0, 0.5]))
    array([1.  , 0.75])
    """
    return _one_pass(_tanh_backward_flat, _tanh_backward_flat_numpy, g, y)
