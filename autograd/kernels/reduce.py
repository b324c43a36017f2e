"""Sums over axes between kept ones: ``x.sum(axis=axes)`` where the last axis is kept.

Seen as ``(before, across, after)`` blocks (the summed axes merged into ``across``, the kept ones
into ``before`` and ``after``), such a sum adds ``across`` rows of ``after`` values into each
output row. NumPy's reduction walks it as an addition per row pair, through its iterator: a
``(128, 32, 64)`` float32 gradient summed over its middle axis (a ``(128, 1, 64)`` operand's
share of a broadcast product) took 110 us, PyTorch 19. The compiled loop adds the rows in the
same order from zero, as NumPy does, so the sums are NumPy's bit for bit; each thread takes its
own ``before`` rows on a megabyte or more while the pool is warm (``light``). Sums over leading
axes only (a bias's gradient) are left to the engine's matrix-vector product; over the last
axis, to NumPy's pairwise sums. Until the kernel pays for its compile
(:class:`~autograd.kernels._jit.StandIn`), NumPy's sum stands in.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import StandIn, jit, prange
from ._rows import row_parts

__all__ = ["sum_between", "MIN_SIZE"]

#: Fewest values summed for the kernel; below, NumPy's call costs no more.
MIN_SIZE = 8192

#: Fewest kept values after the summed axes: with fewer, NumPy may sum across them pairwise, in
#: another order than the rows' (and its loop is not slow there).
MIN_AFTER = 8

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit(parallel=True, light=True, error_model="numpy")
def _sum_between(x, out, parts):
    # x (before, across, after) C-contiguous, out (before, after): out[i] = sum_j x[i, j].
    before, across, after = x.shape
    for p in prange(parts):
        for i in range(before * p // parts, before * (p + 1) // parts):
            o = out[i]
            for m in range(after):
                o[m] = 0.0
            for j in range(across):
                row = x[i, j]
                for m in range(after):
                    o[m] += row[m]


def _sum_between_numpy(x, out, parts):
    """NumPy twin of :func:`_sum_between` (its stand-in)."""
    np.sum(x, axis=1, out=out)


_KERNEL = StandIn(_sum_between)


def blocks(shape: tuple, axes: tuple) -> tuple[int, int, int] | None:
    """``(before, across, after)`` when the summed ``axes`` (sorted, at least one, adjacent) lie
    between kept axes: more than one value kept before them, at least :data:`MIN_AFTER` after;
    else None.

    Examples
    --------
    >>> blocks((128, 32, 64), (1,))
    (128, 32, 64)
    >>> blocks((4, 5, 6, 70), (1, 2))
    (4, 30, 70)
    >>> blocks((5, 6), (0,)) is None  # leading: a bias's sum
    True
    """
    ndim = len(shape)
    if not axes or axes[-1] >= ndim - 1 or axes[-1] - axes[0] != len(axes) - 1:
        return None
    first, last = axes[0], axes[-1]
    before, across = math.prod(shape[:first]), math.prod(shape[first : last + 1])
    after = math.prod(shape[last + 1 :])
    if before == 1 or after < MIN_AFTER:
        return None
    return before, across, after


def sum_between(x: np.ndarray, axes: tuple) -> np.ndarray | None:
    """``x.sum(axis=axes, keepdims=True)`` by the compiled loop, for a C-contiguous float32 or
    float64 ``x`` of at least :data:`MIN_SIZE` values whose summed ``axes`` (sorted) lie between
    kept ones (see :func:`blocks`); None otherwise, for NumPy.

    Examples
    --------
    >>> x = np.arange(24.0).reshape(2, 3, 4).repeat(400, axis=2)
    >>> np.array_equal(sum_between(x, (1,)), x.sum(axis=1, keepdims=True))
    True
    """
    if x.size < MIN_SIZE or x.dtype not in _DTYPES or not x.flags.c_contiguous:
        return None
    found = blocks(x.shape, axes)
    if found is None:
        return None
    before, across, after = found
    shape = tuple(1 if k in axes else n for k, n in enumerate(x.shape))
    out = np.empty(shape, x.dtype)
    args = (x.reshape(before, across, after), out.reshape(before, after))
    _KERNEL.call(_sum_between, _sum_between_numpy, *args, row_parts(x.nbytes))
    return out
