"""Hypothesis strategies for numerical ops: shapes, arrays that hit kinks, tie masks, tensors,
dims; and :func:`avoiding_kinks`, under which they draw points where finite differences are valid.

The public names are re-exported by :mod:`autograd.testing`, which documents them.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from . import dtypes as _dt
from .tensor import Tensor

KINK_MARGIN = 1e-3
"""Values closer than this to a kink are moved onto it (or, in :func:`avoiding_kinks`, away)."""
_GRID_OFFSETS = 8


class _Mode(threading.local):
    def __init__(self) -> None:
        self.smooth = False
        self.arrays_drawn = 0  # inside avoiding_kinks(): gives each array its own grid offset


_mode = _Mode()


@contextlib.contextmanager
def avoiding_kinks() -> Iterator[None]:
    """Inside this block, strategies draw points where finite differences are valid.

    :func:`arrays` keeps float values at least :data:`KINK_MARGIN` away from their kinks and from
    each other (so no ties inside an array), and :func:`tie_mask` draws no ties. Use it around the
    drawing of inputs for :func:`autograd.gradcheck`.

    Examples
    --------
    >>> from hypothesis import given, settings, strategies as st
    >>> from autograd import testing
    >>> @settings(max_examples=5)
    ... @given(st.data())
    ... def test_smooth(data):
    ...     with testing.avoiding_kinks():
    ...         a = data.draw(testing.arrays((5,), kinks=(0.0,)))
    ...     assert (abs(a) >= testing.KINK_MARGIN * 0.999).all() and len(set(a.tolist())) == 5
    >>> test_smooth()
    """
    prev = _mode.smooth, _mode.arrays_drawn
    _mode.smooth, _mode.arrays_drawn = True, 0
    try:
        yield
    finally:
        _mode.smooth, _mode.arrays_drawn = prev


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d and size-1 dimensions included.

    Examples
    --------
    >>> from autograd import testing
    >>> s = testing.shapes(max_dims=2).example()
    >>> isinstance(s, tuple) and len(s) <= 2
    True
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of ``n`` shapes that broadcast together (some equal, some stretched, some shorter).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import testing
    >>> a, b = testing.broadcastable_shapes().example()
    >>> len(np.broadcast_shapes(a, b)) >= 0
    True
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda bs: bs.input_shapes)


def arrays(
    shape: Any,
    dtype: Any = np.float64,
    low: float = -3.0,
    high: float = 3.0,
    kinks: tuple = (),
) -> st.SearchStrategy[np.ndarray]:
    """Arrays with finite values in ``[low, high]``, with the values in ``kinks`` mixed in on
    purpose (e.g. ``kinks=(0.0,)`` for relu/abs) so ties and non-differentiable points get drawn.

    Values within :data:`KINK_MARGIN` of a kink are moved onto it: a point *near* a kink is the
    worst case for finite differences and tells nothing about the op's convention. Inside
    :func:`avoiding_kinks` the values instead stay at least that far from every kink and from each
    other. ``shape`` may be a tuple or a strategy of tuples. Integer dtypes draw integers in
    ``[low, high]``; bool draws booleans.

    Examples
    --------
    >>> from autograd import testing
    >>> a = testing.arrays((3,), low=0.5, high=1.0).example()
    >>> bool(((a >= 0.5) & (a <= 1.0)).all())
    True
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return hnp.arrays(dtype, shape, elements=st.booleans())
    if dtype.kind != "f":
        return hnp.arrays(dtype, shape, elements=st.integers(math.ceil(low), math.floor(high)))
    kinks = tuple(float(dtype.type(k)) for k in kinks if low <= k <= high)
    width = {2: 16, 4: 32}.get(dtype.itemsize, 64)
    # Bounds rounded inward to the dtype (0.3 is not a float32).
    f_low, f_high = dtype.type(low), dtype.type(high)
    if f_low < low:
        f_low = np.nextafter(f_low, dtype.type(np.inf))
    if f_high > high:
        f_high = np.nextafter(f_high, dtype.type(-np.inf))
    base = st.floats(float(f_low), float(f_high), allow_nan=False, allow_infinity=False,
                     width=width)  # fmt: skip
    elements = st.one_of(base, st.sampled_from(kinks)) if kinks else base
    rough = hnp.arrays(dtype, shape, elements=elements)
    if kinks:
        rough = rough.map(functools.partial(_snap_to_kinks, kinks=kinks))

    def pick(_: Any) -> st.SearchStrategy[np.ndarray]:
        # Decided at draw time, so a strategy built outside avoiding_kinks() obeys it inside.
        return _smooth_arrays(shape, dtype, low, high, kinks) if _mode.smooth else rough

    return st.just(None).flatmap(pick)


def _snap_to_kinks(a: np.ndarray, kinks: tuple) -> np.ndarray:
    for k in kinks:
        a = np.where(np.abs(a - k) < KINK_MARGIN, a.dtype.type(k), a)
    return a


def _smooth_arrays(
    shape: Any, dtype: np.dtype, low: float, high: float, kinks: tuple
) -> st.SearchStrategy[np.ndarray]:
    # Values on a grid of step KINK_MARGIN, drawn without repeats, are pairwise that far apart.
    # Each array drawn in the block gets its own offset of the grid, so values of different
    # arrays never tie either (maximum(a, b) at a == b is a kink of its backward).
    step = KINK_MARGIN
    # The offset only moves values, never the range of the integers drawn, so a replay by
    # Hypothesis sees the same data constraints.
    offset = (_mode.arrays_drawn % _GRID_OFFSETS) * step / _GRID_OFFSETS
    _mode.arrays_drawn += 1
    center = round((low + high) / 2 / step) * step
    lo, hi = math.ceil((low - center) / step - 1e-9), math.floor((high - center) / step + 1e-9)

    def value(i: int) -> float:
        v = center + i * step + offset
        return float(dtype.type(v if v <= high else v - step))

    def smooth(v: float) -> bool:
        return all(abs(v - k) >= step * (1 - 1e-6) for k in kinks)

    elements = st.integers(lo, hi).map(value).filter(smooth)
    return hnp.arrays(dtype, shape, elements=elements, unique=True)


def tie_mask(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Boolean masks of ``shape`` used to make elements of two arrays equal (ties).

    Inside :func:`avoiding_kinks` the mask is all False (no ties).

    Examples
    --------
    >>> from autograd import testing
    >>> testing.tie_mask((2, 3)).example().shape
    (2, 3)
    """
    rough = hnp.arrays(np.bool_, shape, elements=st.booleans())
    none = st.just(np.zeros(shape, np.bool_))
    return st.just(None).flatmap(lambda _: none if _mode.smooth else rough)


def tensors(
    dtype: Any = _dt.float32,
    shape: Any = None,
    elements: st.SearchStrategy | None = None,
    requires_grad: bool = False,
    low: float = -3.0,
    high: float = 3.0,
    kinks: tuple = (),
) -> st.SearchStrategy[Tensor]:
    """Tensors of ``dtype``; ``shape`` is a tuple or a strategy (default: :func:`shapes`).

    Examples
    --------
    >>> import autograd
    >>> from autograd import testing
    >>> t = testing.tensors(autograd.float64, shape=(2, 2), requires_grad=True).example()
    >>> t.shape, t.requires_grad
    ((2, 2), True)
    """
    dtype = _dt.to_dtype(dtype)
    shape_st = shapes() if shape is None else shape
    if not isinstance(shape_st, st.SearchStrategy):
        shape_st = st.just(tuple(shape_st))
    if elements is None:
        arr_st = shape_st.flatmap(lambda s: arrays(s, dtype, low=low, high=high, kinks=kinks))
    else:
        arr_st = shape_st.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements))
    return arr_st.map(lambda a: Tensor._make(a, requires_grad and dtype.kind == "f"))


def dims(
    ndim: int, allow_none: bool = False, allow_tuple: bool = True, allow_negative: bool = True
) -> st.SearchStrategy[Any]:
    """Valid ``dim`` arguments for a tensor of ``ndim`` dimensions: an int, a tuple of distinct
    ints, or None.

    Examples
    --------
    >>> from autograd import testing
    >>> d = testing.dims(3, allow_tuple=False).example()
    >>> -3 <= d < 3
    True
    """
    n = max(ndim, 1)
    lo = -n if allow_negative else 0
    single = st.integers(lo, n - 1)
    options = [single]
    if allow_tuple and ndim > 0:
        options.append(
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
        )
    if allow_none:
        options.append(st.none())
    return st.one_of(*options)
