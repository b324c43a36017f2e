"""Cross-entropy of class logits against class indices, one pass over each row of logits.

A classifier's loss reads a ``(rows, C)`` block of logits with a handful of classes. In NumPy its
forward is some fifteen array calls (row max, shift, exp, row sums, log, gather, masks, sums),
each a few microseconds of call overhead on arrays of a few hundred entries; here it is one call,
and the backward (softmax minus the target's one-hot, times the incoming scale) another.

Layouts and semantics
---------------------
``x`` is C-contiguous ``(rows, C)``, float32 or float64; ``target`` int64 ``(rows,)``. A row
whose target equals ``ignore_index`` is not counted: its loss is 0 and its gradient
``softmax * 0`` (NaN for a row of NaN or infinite logits, as in PyTorch). Each row is shifted by
its maximum before ``exp``, so logits of +-1e4 stay finite in float32; a row holding NaN or
+-inf gives a NaN loss and a NaN softmax, as NumPy's formulation does.

The kernels cover the plain loss (no class weights, no label smoothing): the ops layer takes the
general NumPy formulation for the rest, and for float64 blocks of more than
:data:`KERNEL_MAX_SIZE` logits (:func:`takes`). Rows of at least
:data:`~autograd.kernels._rows.VECTOR_MIN_LENGTH` classes run vectorized loops (their maximum
and sum from :mod:`autograd.kernels._rows`, the kernels' own ``exp`` from
:mod:`autograd.kernels._exp`, vectorized in float32): 4 096 rows of 32 float32 logits take
0.28 ms where NumPy's calls take 0.58, 256 rows of 1 000 0.37 against 0.40 (with the C
library's scalar ``exp`` the kernel took 4x NumPy's time there). Shorter rows run one scalar
loop. Each kernel runs a block of rows per kernel thread on a megabyte or more while the pool
is warm, and on 16 or more whatever the pool (``light``): 128 rows of 32 000 float32 logits,
forward 4.3 -> 2.3 ms. Until the two kernels pay for their compile
(:class:`~autograd.kernels._jit.StandIn`), NumPy twins of them stand in: equal to the kernels
up to rounding in the forward (NumPy's ``exp`` and its pairwise row sums are not the
kernel's), exactly in the backward.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import StandIn, jit, prange
from ._rows import FLOAT64_MAX_SIZE, row_parts, softmax_block, takes

__all__ = ["cross_entropy_forward", "cross_entropy_backward", "takes", "KERNEL_MAX_SIZE"]

#: Largest float64 block the ops layer hands to these kernels (see :func:`takes`).
KERNEL_MAX_SIZE = FLOAT64_MAX_SIZE


@jit(parallel=True, light=True, warm=True, error_model="numpy")
def _forward(x, target, ignore_index, p, loss, parts):
    # Returns the number of rows counted, and the first row whose target is out of range (-1
    # when none is); nothing is written when one is. parts: blocks of rows, one per thread.
    rows, c = x.shape
    counted = 0
    for i in range(rows):
        t = target[i]
        if t == ignore_index:
            continue
        if t < 0 or t >= c:
            return counted, i
        counted += 1
    for q in prange(parts):
        lo, hi = rows * q // parts, rows * (q + 1) // parts
        m = np.empty(hi - lo, x.dtype)
        s = np.empty(hi - lo, x.dtype)
        softmax_block(x[lo:hi], False, p[lo:hi], m, s)
        for i in range(lo, hi):
            t = target[i]
            loss[i] = 0.0 if t == ignore_index else math.log(s[i - lo]) - (x[i, t] - m[i - lo])
    return counted, -1


@jit(parallel=True, light=True, warm=True)
def _backward(p, target, ignore_index, scale, row_scale, gx, parts):
    # gx = (p - onehot(target)) * scale per row; row_scale (one per row) replaces scale when it
    # has an entry per row. An ignored row gets p * 0.
    rows, c = p.shape
    per_row = row_scale.shape[0] == rows
    for q in prange(parts):
        for i in range(rows * q // parts, rows * (q + 1) // parts):
            s = row_scale[i] if per_row else scale
            t = target[i]
            if t == ignore_index:
                for j in range(c):
                    gx[i, j] = p[i, j] * 0.0
                continue
            for j in range(c):
                gx[i, j] = p[i, j] * s
            gx[i, t] = (p[i, t] - 1.0) * s


def _forward_numpy(x, target, ignore_index, p, loss, parts):
    """NumPy twin of :func:`_forward`."""
    rows, c = x.shape
    valid = target != ignore_index
    bad = np.flatnonzero(valid & ((target < 0) | (target >= c)))
    if bad.size:
        return int(valid[: bad[0]].sum()), int(bad[0])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        z = x - x.max(axis=1, keepdims=True)
        np.exp(z, out=p)
        s = p.sum(axis=1)
        p /= s[:, None]
        tv = np.where(valid, target, 0)
        np.copyto(loss, np.where(valid, np.log(s) - z[np.arange(rows), tv], 0.0))
    return int(valid.sum()), -1


def _backward_numpy(p, target, ignore_index, scale, row_scale, gx, parts):
    """NumPy twin of :func:`_backward` (in float64 and rounded once, as the kernel's scalar
    float64 ``scale`` makes it compute)."""
    rows = p.shape[0]
    s = row_scale if row_scale.shape[0] == rows else np.full(rows, scale)
    valid = target != ignore_index
    s = np.where(valid, s.astype(np.float64), 0.0)
    wide = p.astype(np.float64)
    out = wide * s[:, None]
    at = np.flatnonzero(valid)
    out[at, target[at]] = (wide[at, target[at]] - 1.0) * s[at]
    np.copyto(gx, out, casting="same_kind")


_KERNELS = StandIn(_forward, _backward)


def cross_entropy_forward(
    x: np.ndarray, target: np.ndarray, ignore_index: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Softmax and per-row losses ``-log softmax(x)[i, target[i]]`` of a block of logits.

    Parameters
    ----------
    x : ndarray, shape (rows, C)
        C-contiguous float32 or float64 logits.
    target : ndarray of int64, shape (rows,)
    ignore_index : int
        Rows with this target are not counted (loss 0).

    Returns
    -------
    p : ndarray, shape (rows, C)
        ``softmax(x)`` along each row, for :func:`cross_entropy_backward`.
    loss : ndarray, shape (rows,)
    counted : int
        Rows whose target is not ``ignore_index``.
    bad_row : int
        -1, or the first row whose target is neither a class nor ``ignore_index`` (then ``p``
        and ``loss`` are not written).

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> p, loss, counted, bad = cross_entropy_forward(x, np.array([0, -100]), -100)
    >>> loss.round(4), counted, bad
    (array([0.6931, 0.    ]), 1, -1)
    """
    p = np.empty_like(x)
    loss = np.empty(x.shape[0], dtype=x.dtype)
    parts = row_parts(2 * x.nbytes)
    counted, bad = _KERNELS.call(_forward, _forward_numpy, x, target, ignore_index, p, loss, parts)
    return p, loss, int(counted), int(bad)


def cross_entropy_backward(
    p: np.ndarray,
    target: np.ndarray,
    ignore_index: int,
    scale: float = 1.0,
    row_scale: np.ndarray | None = None,
) -> np.ndarray:
    """Gradient of the per-row losses: ``(p - onehot(target)) * scale`` row by row.

    Parameters
    ----------
    p, target, ignore_index
        The softmax from :func:`cross_entropy_forward` and its call's other arguments.
    scale : float
        The gradient of every row's loss (a mean's ``g / counted``, a sum's ``g``).
    row_scale : ndarray, shape (rows,), optional
        One gradient per row (no reduction), in ``p``'s dtype; replaces ``scale``.

    Returns
    -------
    ndarray, shape (rows, C)
        Ignored rows get ``p * 0``.

    Examples
    --------
    >>> p = np.array([[0.5, 0.5], [0.25, 0.75]])
    >>> cross_entropy_backward(p, np.array([1, -100]), -100, scale=2.0)
    array([[ 1., -1.],
           [ 0.,  0.]])
    """
    rows = p.shape[0]
    if row_scale is None:
        row_scale = np.empty(0, dtype=p.dtype)
    elif row_scale.shape != (rows,):
        raise ValueError(f"row_scale must have shape ({rows},), got {row_scale.shape}")
    gx = np.empty_like(p)
    args = (p, target, ignore_index, float(scale), row_scale, gx, row_parts(2 * p.nbytes))
    _KERNELS.call(_backward, _backward_numpy, *args)
    return gx
