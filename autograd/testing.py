"""Hypothesis strategies and op-checking helpers, for numbagrad's tests and for users' own.

Importing this module imports Hypothesis; nothing else in the library does.

Strategies draw shapes (0-d and size-1 dimensions included), arrays whose values hit the
non-differentiable points you name (``kinks``), tie masks and dims. :func:`check_op` checks an op
against a NumPy reference and its gradients with :func:`autograd.gradcheck` and
:func:`autograd.gradgradcheck`; :func:`op_test` turns that into a Hypothesis test in one decorator.

Finite differences are meaningless at kinks and ties, so gradient checks draw their inputs inside
:func:`avoiding_kinks`: values then keep a distance from every kink and from each other, and tie
masks are empty. Kinks and ties are still worth drawing for forward checks and for comparisons
with another implementation, which follow a convention there (relu'(0) = 0, ...).

Examples
--------
A user property-tests a custom Function: forward against NumPy, backward against finite
differences, and the gradient of the backward too.

>>> import numpy as np
>>> import autograd
>>> from autograd import testing
>>> class Softsign(autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x / (1 + np.abs(x))
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         d = 1 + np.abs(x)
...         return g / (d * d)
>>> @testing.op_test(lambda x: x / (1 + np.abs(x)),
...                  testing.arrays(testing.shapes(), kinks=(0.0,)), max_examples=10)
... def test_softsign(x):
...     return Softsign.apply(x)
>>> test_softsign()

The same with Hypothesis directly:

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(testing.tensors(dtype=autograd.float64, requires_grad=True))
... def test_square(x):
...     assert autograd.gradcheck(lambda t: t * t, (x,))
>>> test_square()
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import settings as _settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from . import dtypes as _dt
from .gradcheck import gradcheck as _gradcheck
from .gradcheck import gradgradcheck as _gradgradcheck
from .tensor import Tensor

__all__ = [
    "shapes", "broadcastable_shapes", "arrays", "tie_mask", "tensors", "dims", "avoiding_kinks",
    "KINK_MARGIN", "OpCall", "check_op", "op_test",
]  # fmt: skip

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


# ----------------------------------------------------------------------------- checking ops
class _Leaf:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class OpCall:
    """A call ``fn(*args, **kwargs)`` seen as a function of its floating-point inputs only.

    Float arrays (and float Tensors) anywhere in ``args``/``kwargs`` -- also inside lists,
    tuples and dicts -- become fresh Tensors that require grad, collected in ``leaves``; other
    arrays become plain Tensors; anything else is passed as it is. Calling the object with new
    leaves runs ``fn`` on them, which is the shape :func:`autograd.gradcheck` wants.

    ``contiguous=False`` lays each float leaf out as a strided view of a larger array, to check
    that the op does not assume C-contiguous storage.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd import testing
    >>> call = testing.OpCall(autograd.mul, np.array([1.0, 2.0]), 3.0)
    >>> len(call.leaves), call()
    (1, tensor([3., 6.], dtype=autograd.float64, grad_fn=<MulBackward0>))
    >>> autograd.gradcheck(call, call.leaves)
    True
    """

    def __init__(
        self, fn: Callable, *args: Any, kwargs: dict | None = None, contiguous: bool = True
    ) -> None:
        self.fn = fn
        self.args = tuple(_as_arrays(args))
        self.kwargs = dict(_as_arrays(kwargs or {}))
        leaves: list[Tensor] = []
        self._template = _template((self.args, self.kwargs), leaves, contiguous)
        self.leaves = tuple(leaves)

    def __call__(self, *leaves: Tensor) -> Any:
        args, kwargs = _fill(self._template, leaves or self.leaves)
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", repr(self.fn))
        return f"OpCall({name}, args={self.args!r}, kwargs={self.kwargs!r})"


def _as_arrays(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return obj._array
    if isinstance(obj, (list, tuple)):
        return type(obj)(_as_arrays(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _as_arrays(v) for k, v in obj.items()}
    return obj


def _template(obj: Any, leaves: list, contiguous: bool) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            leaves.append(Tensor._make(_layout(obj, contiguous), True))
            return _Leaf(len(leaves) - 1)
        return Tensor._make(obj.copy())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_template(o, leaves, contiguous) for o in obj)
    if isinstance(obj, dict):
        return {k: _template(v, leaves, contiguous) for k, v in obj.items()}
    return obj


def _fill(obj: Any, leaves: tuple) -> Any:
    if isinstance(obj, _Leaf):
        return leaves[obj.index]
    if isinstance(obj, (list, tuple)):
        return type(obj)(_fill(o, leaves) for o in obj)
    if isinstance(obj, dict):
        return {k: _fill(v, leaves) for k, v in obj.items()}
    return obj


def _layout(a: np.ndarray, contiguous: bool) -> np.ndarray:
    """A private copy of ``a``; a strided view into a larger buffer when not ``contiguous``."""
    if contiguous or a.ndim == 0:
        return a.copy()
    big = np.zeros(a.shape + (2,), a.dtype)
    view = big[..., 1]
    view[...] = a
    return view


def _outputs(out: Any) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def check_forward(out: Any, expected: Any, atol: float, rtol: float, what: str = "op") -> None:
    """Assert that ``out`` (Tensor or tuple of Tensors) matches ``expected`` (arrays).

    Shapes must match exactly (no broadcasting); values within ``atol + rtol * |expected|``.
    """
    outs, exps = _outputs(out), _outputs(expected)
    if len(outs) != len(exps):
        raise AssertionError(f"{what}: {len(outs)} outputs, the reference gives {len(exps)}")
    for j, (o, e) in enumerate(zip(outs, exps)):
        got = np.asarray(o._array if isinstance(o, Tensor) else o)
        e = np.asarray(e._array if isinstance(e, Tensor) else e)
        if got.shape != e.shape:
            raise AssertionError(
                f"{what}: output {j} has shape {got.shape}, the reference gives {e.shape}"
            )
        np.testing.assert_allclose(
            got, e, rtol=rtol, atol=atol, err_msg=f"{what}: output {j} differs from the reference"
        )


def check_op(
    fn: Callable,
    ref: Callable | None,
    *args: Any,
    kwargs: dict | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    forward_atol: float = 1e-7,
    forward_rtol: float = 1e-6,
    gradcheck: bool = True,
    gradgradcheck: bool = True,
) -> Any:
    """Check an op: forward against a NumPy reference, gradients against finite differences.

    ``fn(*args, **kwargs)`` runs with every float array (or float Tensor) argument turned into a
    Tensor that requires grad; ``ref(*args, **kwargs)`` gets the plain arrays. The gradient checks
    run on float64 copies of the float arguments (so float32 data can be checked too), with
    ``atol``/``rtol``; the forward comparison uses ``forward_atol``/``forward_rtol`` (loosened to
    float32 precision when an input is float32).

    Parameters
    ----------
    fn : callable
        The op under test.
    ref : callable or None
        NumPy reference for the forward (None: skip the forward comparison).
    *args, kwargs
        The call's arguments: arrays, Tensors, or anything else (passed as is).
    gradcheck, gradgradcheck : bool
        Which gradient checks to run.

    Returns
    -------
    The op's output on the given arguments.

    Raises
    ------
    AssertionError
        When the forward differs from the reference.
    autograd.gradcheck.GradcheckError
        When a gradient check fails.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd import testing
    >>> out = testing.check_op(autograd.tanh, np.tanh, np.array([0.5, -1.0]))
    >>> out.shape
    (2,)
    """
    call = OpCall(fn, *args, kwargs=kwargs)
    out = call()
    if ref is not None:
        low = any(t.dtype.itemsize < 8 for t in call.leaves)
        expected = ref(*_copies(call.args), **_copies(call.kwargs))
        check_forward(
            out, expected,
            atol=max(forward_atol, 1e-5) if low else forward_atol,
            rtol=max(forward_rtol, 1e-4) if low else forward_rtol,
            what=getattr(fn, "__name__", "op"),
        )  # fmt: skip
    if (gradcheck or gradgradcheck) and call.leaves:
        call64 = OpCall(fn, *_to_float64(call.args), kwargs=_to_float64(call.kwargs))
        if gradcheck:
            _gradcheck(call64, call64.leaves, atol=atol, rtol=rtol)
        if gradgradcheck:
            _gradgradcheck(call64, call64.leaves, atol=atol, rtol=rtol)
    return out


def _copies(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, (list, tuple)):
        return type(obj)(_copies(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _copies(v) for k, v in obj.items()}
    return obj


def _to_float64(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.astype(np.float64) if obj.dtype.kind == "f" else obj
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_float64(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_float64(v) for k, v in obj.items()}
    return obj


def op_test(
    ref: Callable | None,
    *strategies: st.SearchStrategy,
    kwargs: dict | st.SearchStrategy | None = None,
    max_examples: int | None = None,
    **check: Any,
) -> Callable[[Callable], Callable]:
    """Decorator: a Hypothesis test that runs :func:`check_op` on drawn arguments.

    The decorated function receives the drawn arguments as Tensors (floats require grad) and
    returns the op's output; the test checks it against ``ref`` and gradchecks it. Each strategy
    draws one positional argument; ``kwargs`` is a dict or a strategy of dicts. Gradient checks
    draw their inputs inside :func:`avoiding_kinks`; the forward check also sees kinks and ties.
    Extra keyword arguments (``atol``, ``gradgradcheck=False``, ...) go to :func:`check_op`.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd import testing
    >>> @testing.op_test(np.multiply, testing.arrays((2, 3)), testing.arrays((3,)),
    ...                  max_examples=5)
    ... def test_mul(a, b):
    ...     return a * b
    >>> test_mul()
    """

    def deco(fn: Callable) -> Callable:
        kw_st = kwargs if isinstance(kwargs, st.SearchStrategy) else st.just(kwargs or {})

        grads = {k: check.pop(k, True) for k in ("gradcheck", "gradgradcheck")}

        def test(data: Any) -> None:
            args = data.draw(st.tuples(*strategies), label="args")
            kw = data.draw(kw_st, label="kwargs")
            check_op(fn, ref, *args, kwargs=kw, gradcheck=False, gradgradcheck=False, **check)
            if any(grads.values()):
                with avoiding_kinks():
                    args = data.draw(st.tuples(*strategies), label="smooth args")
                check_op(fn, None, *args, kwargs=kw, **grads, **check)

        test.__name__ = fn.__name__
        test.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
        test.__module__ = fn.__module__
        test.__doc__ = fn.__doc__
        wrapped = given(data=st.data())(test)
        if max_examples is not None:
            wrapped = _settings(max_examples=max_examples, deadline=None)(wrapped)
        return wrapped

    return deco
