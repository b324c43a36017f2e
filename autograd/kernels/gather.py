"""``gather`` along one dim and its gradient, a sum into zeros at the gathered places.

``gather(x, dim, index)`` picks ``x[i, index[i, j, l], l]`` with ``x`` and ``index`` seen as
``(before, along, after)`` blocks around ``dim``. NumPy does it by fancy indexing with one
broadcast integer array per dim, which builds and walks every position's address (256 x 1000
logits, 50 picks a row: 186 us, PyTorch 16), and the gradient's ``np.add.at`` goes element by
element. Here each direction is one compiled loop over the index, which also checks the
bounds: an index out of range stops it and the caller reports it, before anything is written
where the caller can see it. Rows of the ``before`` block are shared between the kernel
threads on a megabyte or more while the pool is warm (``light``); the gradient's rows are its
own per ``before`` position, so the threads never add into one place.

Float32 and float64 values with int64 indices; ``index`` of ``x``'s shape outside ``dim`` and
both C-contiguous (:func:`takes`), else the caller keeps NumPy's way. Until the kernels pay for
their compile (:class:`~autograd.kernels._jit.StandIn`), NumPy's fancy indexing stands in.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import StandIn, jit, prange
from ._rows import row_parts

__all__ = ["gather", "gather_backward", "takes"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit(parallel=True, light=True, error_model="numpy")
def _gather(x, index, out, parts):
    # x (before, n, after), index and out (before, k, after). Returns -1, or the flat position
    # in index of its first value out of [0, n) (out then holds x's first entries there).
    before, k, after = index.shape
    n = x.shape[1]
    first = np.full(parts, -1)  # per part: its first bad position (parts in order)
    for p in prange(parts):
        lo, hi = before * p // parts, before * (p + 1) // parts
        if after == 1:  # along the last dim: its own loops (an inner loop of one is slow)
            for i in range(lo, hi):
                for j in range(k):
                    t = index[i, j, 0]
                    if t < 0 or t >= n:
                        if first[p] < 0:
                            first[p] = i * k + j
                        t = 0
                    out[i, j, 0] = x[i, t, 0]
            continue
        for i in range(lo, hi):
            for j in range(k):
                for m in range(after):
                    t = index[i, j, m]
                    if t < 0 or t >= n:
                        if first[p] < 0:
                            first[p] = (i * k + j) * after + m
                        t = 0
                    out[i, j, m] = x[i, t, m]
    for p in range(parts):
        if first[p] >= 0:
            return first[p]
    return -1


@jit(parallel=True, light=True, error_model="numpy")
def _add_at(g, index, out, parts):
    # out (before, n, after) zeros: out[i, index[i, j, m], m] += g[i, j, m] (the forward
    # checked the bounds).
    before, k, after = index.shape
    for p in prange(parts):
        lo, hi = before * p // parts, before * (p + 1) // parts
        if after == 1:
            for i in range(lo, hi):
                for j in range(k):
                    out[i, index[i, j, 0], 0] += g[i, j, 0]
            continue
        for i in range(lo, hi):
            for j in range(k):
                for m in range(after):
                    out[i, index[i, j, m], m] += g[i, j, m]


def _gather_numpy(x, index, out, parts):
    """NumPy twin of :func:`_gather` (its stand-in)."""
    n = x.shape[1]
    wrong = (index < 0) | (index >= n)
    if wrong.any():
        return int(np.flatnonzero(wrong)[0])
    before, k, after = index.shape
    rows = np.arange(before)[:, None, None]
    cols = np.arange(after)[None, None, :]
    out[...] = x[rows, index, cols]
    return -1


def _add_at_numpy(g, index, out, parts):
    """NumPy twin of :func:`_add_at`."""
    before, k, after = index.shape
    rows = np.arange(before)[:, None, None]
    cols = np.arange(after)[None, None, :]
    np.add.at(out, (rows, index, cols), g)


_FORWARD = StandIn(_gather)
_BACKWARD = StandIn(_add_at)


def _blocks(shape: tuple, dim: int) -> tuple[int, int, int]:
    return math.prod(shape[:dim]), shape[dim], math.prod(shape[dim + 1 :])


def takes(x: np.ndarray, dim: int, index: np.ndarray) -> bool:
    """Whether :func:`gather` takes ``x`` and ``index``: float32 or float64 values, int64
    indices of ``x``'s number of dims, equal to ``x``'s shape outside ``dim``, both C-contiguous.

    Examples
    --------
    >>> takes(np.zeros((2, 3), np.float32), 1, np.zeros((2, 5), np.int64))
    True
    >>> takes(np.zeros((2, 3), np.float32), 1, np.zeros((1, 5), np.int64))  # smaller outside
    False
    """
    return (
        x.dtype in _DTYPES
        and index.dtype == np.int64
        and index.ndim == x.ndim >= 1
        and all(a == b for k, (a, b) in enumerate(zip(index.shape, x.shape)) if k != dim)
        and x.flags.c_contiguous
        and index.flags.c_contiguous
    )


def gather(x: np.ndarray, dim: int, index: np.ndarray) -> tuple[np.ndarray, int]:
    """``x`` gathered along ``dim`` at ``index`` (see :func:`takes`), and the flat position in
    ``index`` of the first index out of range, or -1 (the values are then not to be used).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> gather(x, 1, np.array([[0, 0], [1, 0]]))
    (array([[1., 1.],
           [4., 3.]]), -1)
    >>> gather(x, 1, np.array([[0, 2], [1, 0]]))[1]
    1
    """
    out = np.empty(index.shape, x.dtype)
    before, n, after = _blocks(x.shape, dim)
    k = index.shape[dim]
    if out.size == 0:
        return out, -1
    x3 = x.reshape(before, n, after)
    args = (x3, index.reshape(before, k, after), out.reshape(before, k, after))
    bad = _FORWARD.call(_gather, _gather_numpy, *args, row_parts(x.nbytes + 2 * out.nbytes))
    return out, int(bad)


def gather_backward(g: np.ndarray, dim: int, index: np.ndarray, shape: tuple) -> np.ndarray:
    """The gradient of :func:`gather` for an input of ``shape``: zeros with ``g`` added at each
    gathered place (repeated places summed). ``index`` is in range (the forward checked it).

    Examples
    --------
    >>> gather_backward(np.ones((1, 3)), 1, np.array([[0, 2, 0]]), (1, 4))
    array([[2., 0., 1., 0.]])
    """
    out = np.zeros(shape, g.dtype)
    if g.size == 0:
        return out
    before, n, after = _blocks(shape, dim)
    k = index.shape[dim]
    g3 = np.ascontiguousarray(g).reshape(before, k, after)
    args = (g3, index.reshape(before, k, after), out.reshape(before, n, after))
    _BACKWARD.call(_add_at, _add_at_numpy, *args, row_parts(out.nbytes + 2 * g.nbytes))
    return out
