"""Add, subtract, multiply and divide of two float arrays of one dtype, broadcast, in one pass.

NumPy's binary ufuncs walk a broadcast by calling their inner loop once per run of the last
axis: with short runs the calls cost more than the arithmetic (float32 ``(128, 1, 64) *
(1, 32, 64)``: 123 us, PyTorch 15). Here the broadcast is planned once per pair of shapes
(:func:`plan`): size-1 axes dropped, adjacent axes merged where both operands step through them
as through one, which leaves at most three axes for most broadcasts. One compiled loop then
writes the C-contiguous output run by run, each run of the last axis a loop that LLVM
vectorizes: an operand either steps through the run or repeats one value across it (that
product: 32 us). On a megabyte or more (and, below 16, while the pool is warm) the output's
values are shared between the kernel threads (19 us; operands of one shape, 262 144 float32
products: NumPy 97 us, one thread 103, two 25).

The arithmetic is IEEE's, value by value, as NumPy's: results are bit-identical to NumPy's
(``error_model="numpy"``: a division by zero gives inf or NaN). Operands are C-contiguous
arrays of one dtype (float32 or float64). Anything else is left to NumPy (:func:`binary`
returns None): a Python number, strided operands, other dtypes, a broadcast that keeps more
than three axes, fewer than :data:`MIN_SIZE` output values, and, below a megabyte of arrays,
fewer than :data:`MIN_RUNS` runs (operands of one shape are one run, NumPy's best case: there
the kernels gain only by their threads).
Until the kernels pay for their compile (:class:`~autograd.kernels._jit.StandIn`), NumPy's
ufuncs stand in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import PARALLEL_MIN_BYTES, StandIn, jit, prange
from ._rows import row_parts

__all__ = ["ADD", "DIV", "MIN_SIZE", "MUL", "SUB", "binary", "plan"]

ADD, SUB, MUL, DIV = 0, 1, 2, 3

#: Fewest output values the kernels take; below, NumPy's ufunc call costs no more.
MIN_SIZE = 4096

#: Fewest runs (of the output's merged last axis) for the kernels below a megabyte of arrays:
#: NumPy's call per run costs some 25 ns, and with fewer runs its loops are as fast as the
#: kernels with their call (float32 ``(32, 512) + (512,)``: 3 us either way).
MIN_RUNS = 256

#: Fewest bytes of an operand of the output's shape (one run, NumPy's best case) the kernels take:
#: below, the kernels' threads would not run and NumPy's loop is as fast.
_ONE_RUN_MIN_BYTES = PARALLEL_MIN_BYTES // 3

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_UFUNCS = (np.add, np.subtract, np.multiply, np.divide)


@jit(inline=True, error_model="numpy")
def _combine(op, x, y):
    if op == ADD:
        return x + y
    if op == SUB:
        return x - y
    if op == MUL:
        return x * y
    return x / y


@jit(inline=True, error_model="numpy")
def _block(op, a, b, out, lo, hi, t0, t1, n1, n2, a0, a1, a2, b0, b1, b2):
    # Rows lo..hi of the output (runs along its last axis), values t0..t1 of each. An operand
    # with a last step of 0 repeats one value along the run. Each case has its own loops: with
    # the choice inside the loop over rows, LLVM left the runs' loops scalar (5x slower).
    n = t1 - t0
    i = lo // n1
    j = lo - i * n1
    if a2 and b2:
        for r in range(lo, hi):
            ao, bo, k = i * a0 + j * a1 + t0, i * b0 + j * b1 + t0, r * n2 + t0
            o, x, y = out[k : k + n], a[ao : ao + n], b[bo : bo + n]
            for t in range(n):
                o[t] = _combine(op, x[t], y[t])
            j += 1
            if j == n1:
                i, j = i + 1, 0
    elif a2:
        for r in range(lo, hi):
            ao, k = i * a0 + j * a1 + t0, r * n2 + t0
            o, x, s = out[k : k + n], a[ao : ao + n], b[i * b0 + j * b1]
            for t in range(n):
                o[t] = _combine(op, x[t], s)
            j += 1
            if j == n1:
                i, j = i + 1, 0
    else:
        for r in range(lo, hi):
            bo, k = i * b0 + j * b1 + t0, r * n2 + t0
            o, s, y = out[k : k + n], a[i * a0 + j * a1], b[bo : bo + n]
            for t in range(n):
                o[t] = _combine(op, s, y[t])
            j += 1
            if j == n1:
                i, j = i + 1, 0


@jit(inline=True, error_model="numpy")
def _loops(op, a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts):
    # n0, n1, n2: the output's three axes; a0..a2, b0..b2: each operand's step (in values)
    # along them. The output's rows (its last axis) are shared between the parts; with fewer
    # rows than parts, each row's values are.
    rows = n0 * n1
    if rows >= parts:
        for p in prange(parts):
            lo, hi = rows * p // parts, rows * (p + 1) // parts
            _block(op, a, b, out, lo, hi, 0, n2, n1, n2, a0, a1, a2, b0, b1, b2)
    else:
        for p in prange(rows * parts):
            r = p // parts
            q = p - r * parts
            t0, t1 = n2 * q // parts, n2 * (q + 1) // parts
            _block(op, a, b, out, r, r + 1, t0, t1, n1, n2, a0, a1, a2, b0, b1, b2)


# One kernel per operation, its code a constant that LLVM folds into the loops (a factory's
# closures would not be cached on disk).
@jit(parallel=True, light=True, error_model="numpy")
def _add(a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts):
    _loops(ADD, a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts)


@jit(parallel=True, light=True, error_model="numpy")
def _sub(a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts):
    _loops(SUB, a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts)


@jit(parallel=True, light=True, error_model="numpy")
def _mul(a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts):
    _loops(MUL, a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts)


@jit(parallel=True, light=True, error_model="numpy")
def _div(a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts):
    _loops(DIV, a, b, out, n0, n1, n2, a0, a1, a2, b0, b1, b2, parts)


_KERNELS = (_add, _sub, _mul, _div)
# A family per kernel: a program that only adds must not wait for the others' machine code.
_FAMILIES = tuple(StandIn(kernel) for kernel in _KERNELS)


# Plans by operand shapes: a step's shapes repeat, so each pair is planned once.
_PLANS: dict[tuple, tuple | None] = {}
_PLANS_MAX = 1024


def _steps(shape: tuple, ndim: int) -> list[int]:
    """Per axis of an ``ndim``-axis broadcast, the step in values of a C-contiguous array of
    ``shape`` (aligned to the last axis; 0 where it repeats)."""
    steps = [0] * ndim
    step = 1
    for axis in range(1, len(shape) + 1):
        n = shape[-axis]
        if n != 1:
            steps[-axis] = step
        step *= n
    return steps


def plan(a_shape: tuple, b_shape: tuple) -> tuple | None:
    """The broadcast of C-contiguous operands of shapes ``a_shape`` and ``b_shape`` as the
    kernels walk it: ``(shape, walk)``, the output's shape and ``walk = (n0, n1, n2, a0, a1, a2,
    b0, b1, b2)``, its three axes after merging and each operand's steps along them (in values,
    0 where it repeats); None when the shapes do not broadcast or more than three axes remain.

    Examples
    --------
    >>> plan((128, 1, 64), (1, 32, 64))
    ((128, 32, 64), (128, 32, 64, 64, 0, 1, 0, 64, 1))
    >>> plan((64, 256), (256,))
    ((64, 256), (1, 64, 256, 0, 256, 1, 0, 0, 1))
    >>> plan((8, 4), (8, 4))  # one run
    ((8, 4), (1, 1, 32, 0, 0, 1, 0, 0, 1))
    """
    key = (a_shape, b_shape)
    found = _PLANS.get(key, False)
    if found is not False:
        return found
    made = _plan(a_shape, b_shape)
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    _PLANS[key] = made
    return made


def _plan(a_shape: tuple, b_shape: tuple) -> tuple | None:
    ndim = max(len(a_shape), len(b_shape))
    a_full = (1,) * (ndim - len(a_shape)) + tuple(a_shape)
    b_full = (1,) * (ndim - len(b_shape)) + tuple(b_shape)
    shape = []
    for m, n in zip(a_full, b_full):
        if m != n and m != 1 and n != 1:
            return None
        shape.append(n if m == 1 else m)
    a_steps, b_steps = _steps(a_full, ndim), _steps(b_full, ndim)
    # Axes of size 1 dropped; an axis merged into the one before it where both operands step
    # through the pair as through one axis.
    axes: list[list[int]] = []
    for n, sa, sb in zip(shape, a_steps, b_steps):
        if n == 1:
            continue
        if axes:
            last = axes[-1]
            if last[1] == sa * n and last[2] == sb * n:
                last[0] *= n
                last[1], last[2] = sa, sb
                continue
        axes.append([n, sa, sb])
    if len(axes) > 3:
        return None
    axes = [[1, 0, 0]] * (3 - len(axes)) + axes
    (n0, a0, b0), (n1, a1, b1), (n2, a2, b2) = axes
    return tuple(shape), (n0, n1, n2, a0, a1, a2, b0, b1, b2)


def binary(op: int, a: Any, b: Any) -> np.ndarray | None:
    """``a + b``, ``a - b``, ``a * b`` or ``a / b`` (``op``: :data:`ADD`, :data:`SUB`,
    :data:`MUL`, :data:`DIV`) of two arrays of one float dtype, broadcast; None when NumPy
    should compute it (see the module's docstring).

    Parameters
    ----------
    op : int
        Which operation.
    a, b : numpy.ndarray
        C-contiguous float32 or float64 arrays of one dtype.

    Returns
    -------
    numpy.ndarray or None
        A new C-contiguous array of the broadcast shape, as NumPy's ufunc returns it.

    Examples
    --------
    >>> a = np.arange(8192, dtype=np.float32).reshape(256, 32)
    >>> b = np.linspace(0, 1, 32, dtype=np.float32)
    >>> np.array_equal(binary(MUL, a, b), a * b)  # 256 runs of 32
    True
    >>> binary(ADD, np.ones(3), np.ones(3)) is None  # small: NumPy's
    True
    """
    # The common cases NumPy keeps leave first, at the cost of a few checks.
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return None
    if a.shape == b.shape and a.nbytes < _ONE_RUN_MIN_BYTES:
        return None
    found = plan(a.shape, b.shape)
    if found is None:
        return None
    shape, walk = found
    rows = walk[0] * walk[1]
    size = rows * walk[2]
    if size < MIN_SIZE:
        return None  # few values: NumPy's call costs no more
    dtype = a.dtype
    if dtype != b.dtype or dtype not in _DTYPES:
        return None
    if not (a.flags.c_contiguous and b.flags.c_contiguous):
        return None
    nbytes = (a.size + b.size + size) * a.itemsize
    if rows < MIN_RUNS and nbytes < PARALLEL_MIN_BYTES:
        return None  # few runs, below the threads' size: NumPy's loop is as fast
    out = np.empty(shape, dtype)  # owning its memory: the engine may add into it, reuse it
    args = (a.reshape(a.size), b.reshape(b.size), out.reshape(size), *walk, row_parts(nbytes))
    family = _FAMILIES[op]
    if family.cold():  # NumPy's ufunc stands in
        family.compile_elsewhere(_KERNELS[op], *args)
        return family.run(True, _UFUNCS[op], a, b)
    _KERNELS[op](*args)
    return out
