"""Extrema: max/min (with indices along a dim), amax/amin, argmax/argmin.

Conventions (PyTorch's): over all elements, and for amax/amin, the gradient is split evenly among
ties; along a dim, max/min send it to the selected (first) index only. max/min select the
gradient (the other elements get exactly 0 even for an inf upstream gradient); amax/amin scale
it by the tie mask, as PyTorch does (an inf there gives NaN at the other elements).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._reduce_util import (
    _check_nonempty,
    _dim_reduction,
    _dim_sample,
    _expand,
    _keep_shape,
    _np_reduce_ref,
    _one_dim,
    _reduce_args,
    _reduce_sample,
)
from ._table import select_grad
from ._util import as_tensor
from .registry import Sample, register

_builtin_max = max


# ------------------------------------------------------------------------ amax / amin
def _tie_shares(x: np.ndarray, extremum: np.ndarray, axes: Any) -> np.ndarray:
    """Each element's share of its slice's extremum (``extremum`` kept at the reduced dims): ``1/k``
    at the ``k`` tied extrema, 0 elsewhere (PyTorch's amax convention: ties share evenly)."""
    w = (x == extremum).astype(x.dtype)
    w /= w.sum(axis=axes, keepdims=True)
    return w


class Amax(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, smallest):
        ctx.meta = (x.shape, axes, keepdim)
        y = (np.min if smallest else np.max)(x, axis=axes, keepdims=keepdim)
        if ctx.needs_input_grad[0]:
            kept = y if keepdim else y.reshape(_keep_shape(x.shape, axes))
            ctx.save_for_backward(_tie_shares(x, kept, axes))
        return y

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        # Multiplied, not selected, as PyTorch's amax: an inf or NaN g reaches the whole slice.
        return _expand(g, *ctx.meta) * w, None, None, None

    @staticmethod
    def jvp(ctx, tx, axes, keepdim, smallest):
        x = ctx.primals[0]
        w = _tie_shares(x, (np.min if smallest else np.max)(x, axis=axes, keepdims=True), axes)
        return (w * tx).sum(axis=axes, keepdims=keepdim)


def _selected(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The elements the extremum ``y`` over all of ``x`` selects: those equal to it, or the NaNs
    when it is NaN."""
    return np.isnan(x) if np.isnan(y).any() else x == y


class MaxAll(Function):
    """``max()``/``min()`` over all elements: tied extrema share the gradient evenly, the others
    get exactly 0 (selected); when the result is NaN the NaN elements share it (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x, keepdim, smallest):
        ctx.meta = (x.shape, None, keepdim)
        y = (np.min if smallest else np.max)(x, keepdims=keepdim)
        if ctx.needs_input_grad[0]:
            ctx.hit = _selected(x, y)
            ctx.count = int(ctx.hit.sum())
        return y

    @staticmethod
    def backward(ctx, g):
        return select_grad(ctx.hit, _expand(g / ctx.count, *ctx.meta)), None, None

    @staticmethod
    def jvp(ctx, tx, keepdim, smallest):
        x = ctx.primals[0]
        hit = _selected(x, (np.min if smallest else np.max)(x))
        return np.where(hit, tx, 0.0).sum(keepdims=keepdim) / hit.sum()


def _amax(op: str, input: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, smallest: bool):
    t = input if isinstance(input, Tensor) else as_tensor(input)
    axes, keepdim = _reduce_args(op, t._array.ndim, dim, keepdim, axis, keepdims)
    _check_nonempty(op, t._array.shape, axes)
    return Amax.apply(t, axes, bool(keepdim), smallest)


def _amax_op(smallest: bool, doc: str) -> Callable[..., Tensor]:
    """``amax``, or ``amin`` when ``smallest``, with the docstring ``doc``."""
    name, fn = ("amin", np.min) if smallest else ("amax", np.max)
    sample, ref = _reduce_sample(distinct=True), _np_reduce_ref(fn)
    body = functools.partial(_amax, smallest=smallest)
    return register(method=True, numpy=fn, sample=sample, ref=ref)(
        _dim_reduction(__name__, name, body, doc)
    )


amax = _amax_op(  # noqa: A001
    False,
    """Largest value over ``dim`` (int, tuple or None). Tied maxima share the gradient evenly.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> x.amax().backward(); x.grad
    tensor([0.0000, 0.5000, 0.5000])
    """,
)
amin = _amax_op(  # noqa: A001
    True,
    """Smallest value over ``dim`` (int, tuple or None). Tied minima share the gradient evenly.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1.0, 3.0], [0.0, 4.0]]).amin(dim=1)
    tensor([1., 0.])
    """,
)


# --------------------------------------------------------------------------- max / min
class MinMax(NamedTuple):
    """What ``max``/``min`` over a dim return: the values and the (int64) indices."""

    values: Tensor
    indices: Tensor


class MaxDim(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, smallest):
        ctx.meta = (x.shape, (dim,), keepdim)
        if smallest:
            values, idx = x.min(axis=dim, keepdims=keepdim), x.argmin(axis=dim, keepdims=keepdim)
        else:
            values, idx = x.max(axis=dim, keepdims=keepdim), x.argmax(axis=dim, keepdims=keepdim)
        if ctx.needs_input_grad[0]:
            # Only the selected (first) index receives the gradient, as in PyTorch.
            pos = np.arange(x.shape[dim]).reshape((-1,) + (1,) * (x.ndim - dim - 1))
            ctx.save_for_backward(pos == (idx if keepdim else np.expand_dims(idx, dim)))
        idx = np.asarray(idx, dtype=np.int64)
        ctx.mark_non_differentiable(idx)
        return np.asarray(values), idx

    @staticmethod
    def backward(ctx, g, g_idx):
        (hit,) = ctx.saved_tensors
        return select_grad(hit, _expand(g, *ctx.meta)), None, None, None

    @staticmethod
    def jvp(ctx, tx, dim, keepdim, smallest):
        x = ctx.primals[0]
        idx = (x.argmin if smallest else x.argmax)(axis=dim, keepdims=True)
        t = np.take_along_axis(tx, idx, axis=dim)  # the selected element's tangent
        return (t if keepdim else np.squeeze(t, dim)), None


# PyTorch's node names: one class per op and form, the rules shared.
class MaxAllNode(MaxAll):
    node_name = "MaxBackward1"  # max()


class MinAllNode(MaxAll):
    node_name = "MinBackward1"  # min()


class MaxDimNode(MaxDim):
    node_name = "MaxBackward0"  # max(dim)


class MinDimNode(MaxDim):
    node_name = "MinBackward0"  # min(dim)


def _max(op: str, input: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, smallest: bool):
    if isinstance(dim, Tensor) or (
        dim is not None and not isinstance(dim, (int, np.integer, tuple, list))
    ):
        other = "maximum" if not smallest else "minimum"
        from . import arithmetic

        return getattr(arithmetic, other)(input, dim)
    t = input if isinstance(input, Tensor) else as_tensor(input)
    if keepdims is not None:
        keepdim = keepdims
    d = _one_dim(op, t._array.ndim, dim, axis)
    if d is None:
        _check_nonempty(op, t._array.shape, None)
        return (MinAllNode if smallest else MaxAllNode).apply(t, bool(keepdim), smallest)
    if t._array.ndim == 0:
        values = (MinAllNode if smallest else MaxAllNode).apply(t, False, smallest)
        idx = Tensor._make(np.zeros((), np.int64))
        return MinMax(values, idx)
    _check_nonempty(op, t._array.shape, (d,))
    values, idx = (MinDimNode if smallest else MaxDimNode).apply(t, d, bool(keepdim), smallest)
    return MinMax(values, idx)


def _max_ref(smallest: bool) -> Any:
    values, index = (np.amin, np.argmin) if smallest else (np.amax, np.argmax)

    def ref(x, dim=None, keepdim=False):
        if dim is None:
            return values(x)
        if x.ndim == 0:
            return x.copy(), np.zeros((), np.int64)
        return values(x, dim, keepdims=keepdim), index(x, dim, keepdims=keepdim)

    return ref


def _max_torch(name: str) -> Any:
    def call(torch, x, dim=None, keepdim=False):
        fn = getattr(torch, name)
        return fn(x) if dim is None else tuple(fn(x, dim, keepdim))

    return call


def _max_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    s = _dim_sample(distinct=True)(draw, dtype)
    if draw(st.booleans()):
        return Sample(s.args[:1])
    return s


def _max_op(smallest: bool, doc: str) -> Callable[..., Any]:
    """``max``, or ``min`` when ``smallest``, with the docstring ``doc``."""
    name = "min" if smallest else "max"
    body = functools.partial(_max, smallest=smallest)
    return register(
        method=True, masked=True, sample=_max_sample, ref=_max_ref(smallest), torch=_max_torch(name)
    )(_dim_reduction(__name__, name, body, doc, returns="Any"))


max = _max_op(  # noqa: A001
    False,
    """The largest element (a 0-d tensor), or with ``dim`` a ``MinMax(values, indices)``.

    Gradient conventions (PyTorch's): over all elements, tied maxima share the gradient evenly;
    over a ``dim``, the gradient goes to the selected index only (the first maximum).
    ``max(input, other_tensor)`` is :func:`maximum`.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max()
    tensor(7.)
    >>> x.max(dim=1)
    MinMax(values=tensor([5., 7.]), indices=tensor([1, 0]))
    """,
)
min = _max_op(  # noqa: A001
    True,
    """The smallest element (a 0-d tensor), or with ``dim`` a ``MinMax(values, indices)``.

    Gradient conventions as :func:`max`; ``min(input, other_tensor)`` is :func:`minimum`.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1.0, 5.0], [7.0, 2.0]]).min(0).indices
    tensor([0, 1])
    """,
)


# ------------------------------------------------------------------ argmax / argmin
def _argmax(op: str, input: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any) -> Tensor:
    t = input if isinstance(input, Tensor) else as_tensor(input)
    if keepdims is not None:
        keepdim = keepdims
    arr = t._array
    d = _one_dim(op, arr.ndim, dim, axis)
    _check_nonempty(op, arr.shape, None if d is None or arr.ndim == 0 else (d,))
    fn = np.argmin if op == "argmin" else np.argmax
    if arr.ndim == 0:
        d = None
    out = fn(arr, axis=d, keepdims=bool(keepdim))
    return Tensor._make(np.asarray(out, dtype=np.int64))


def _argmax_op(smallest: bool, doc: str) -> Callable[..., Tensor]:
    """``argmax``, or ``argmin`` when ``smallest``, with the docstring ``doc``."""
    name, fn = ("argmin", np.argmin) if smallest else ("argmax", np.argmax)
    return register(method=True, numpy=fn)(
        _dim_reduction(__name__, name, _argmax, doc, dim_type="int | None")
    )


argmax = _argmax_op(
    False,
    """Index (int64) of the first largest element, over the flattened tensor or along ``dim``.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1.0, 3.0, 3.0]]).argmax(dim=1)
    tensor([1])
    """,
)
argmin = _argmax_op(
    True,
    """Index (int64) of the first smallest element, over the flattened tensor or along ``dim``.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([2.0, 0.0, 0.0]).argmin()
    tensor(1)
    """,
)


# made by factories: doctest finds them here
__test__ = {"amax": amax, "amin": amin, "max": max, "min": min, "argmax": argmax, "argmin": argmin}
