"""Hypothesis strategies and op-checking helpers, for numbagrad's tests and for users' own.

Importing this module imports Hypothesis; nothing else in the library does.

Examples
--------
>>> import autograd
>>> from autograd import testing
>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(testing.tensors(dtype=autograd.float64, requires_grad=True))
... def test_square(x):
...     assert autograd.gradcheck(lambda t: t * t, (x,))
>>> test_square()
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from . import dtypes as _dt
from .tensor import Tensor


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

    Examples
    --------
    >>> from autograd import testing
    >>> a = testing.arrays((3,), low=0.5, high=1.0).example()
    >>> bool(((a >= 0.5) & (a <= 1.0)).all())
    True
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        width = 32 if dtype == np.float32 else 64
        base = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
        elements = st.one_of(base, st.sampled_from(kinks)) if kinks else base
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        elements = st.integers(int(low), int(high))
    return hnp.arrays(dtype, shape, elements=elements)


def tie_mask(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Boolean masks of ``shape`` used to make elements of two arrays equal (ties)."""
    return hnp.arrays(np.bool_, shape, elements=st.booleans())


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
