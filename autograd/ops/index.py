"""Indexing ops: ``x[index]``, ``x[index] = v``, masked_fill/masked_select, nonzero, one_hot.

Indexing follows PyTorch's rules: ints, slices (negative steps too), None, Ellipsis, bool masks
and integer arrays (tensors, arrays or lists), mixed freely. Basic indexing (ints, slices, None,
Ellipsis) returns a view sharing the input's version counter; anything else copies. Where the
dims picked by tensor indices go follows PyTorch, not NumPy: an int is a ``select`` applied
first, so it never separates tensor indices (``x[0, :, [1, 2]]`` on shape (2, 3, 4) is (3, 2)).
The gradient of a gather-like op adds up the contributions of repeated indices. The dim-wise
gather/scatter family builds on this module's indexing primitives (gather_scatter.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import _STATE, Context, Function, linear_jvp
from ..tensor import Tensor
from ._index_samples import _ref_getitem, _sample_getitem, _sample_masked, _torch_getitem
from ._index_util import (
    _BASIC,
    _INTS,
    _MASK,
    _bool_array,
    _index_error,
    _normalize_index,
    _put,
    _scatter_index,
    _take,
)  # fmt: skip
from ._shape_util import _as_view
from ._table import select_grad
from ._util import as_tensor
from .elementwise import to_dtype
from .inplace import run_inplace
from .registry import register
from .shape import expand


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index, kind):
        ctx.meta = (x.shape, index, kind)
        return _take(x, index)

    @staticmethod
    def backward(ctx, g):
        shape, index, kind = ctx.meta
        if isinstance(g, np.ndarray):
            return _scatter_index(g, shape, index, kind), None, None
        return IndexScatter.apply(g, shape, index, kind), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class IndexScatter(Function):
    """Backward of :class:`GetItem` (zeros with ``g`` added at ``index``); its own backward is
    indexing again, so indexing is differentiable to any order."""

    @staticmethod
    def forward(ctx, g, shape, index, kind):
        ctx.meta = (index, kind)
        return _scatter_index(g, shape, index, kind)

    @staticmethod
    def backward(ctx, gg):
        index, kind = ctx.meta
        return GetItem.apply(gg, index, kind), None, None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _index_add_into(g: Any, dim: int, index: np.ndarray, size: int) -> Any:
    """``r`` of size ``size`` along ``dim`` with ``r[.., j, ..] = sum(g[.., i, ..] for index[i]
    == j)``: the gradient of ``index_select(x, dim, index)``."""
    shape = g.shape[:dim] + (size,) + g.shape[dim + 1 :]
    full = (slice(None),) * dim + (index,)
    if isinstance(g, np.ndarray):
        return _scatter_index(g, shape, full, _INTS)
    return IndexScatter.apply(g, shape, full, _INTS)


# PyTorch's nodes for indexing (the rules are GetItem's): its outermost node is the last step of
# x[0, 1:] -- select for an int, slice, unsqueeze for None, index for tensor indices.
class Select(GetItem):
    pass


class Slice(GetItem):
    pass


class Index(GetItem):
    pass


class UnsqueezeIndex(GetItem):
    node_name = "UnsqueezeBackward0"


def _getitem_node(index: Any, kind: int) -> type[GetItem]:
    if kind != _BASIC:
        return Index
    if not isinstance(index, tuple):
        return Slice if isinstance(index, slice) else UnsqueezeIndex if index is None else Select
    for entry in reversed(index):
        if entry is None:
            return UnsqueezeIndex
        if isinstance(entry, slice):
            if entry != slice(None):  # PyTorch skips a full slice inside a tuple
                return Slice
        elif entry is not Ellipsis:
            return Select
    return Slice


@register(
    sample=_sample_getitem, ref=_ref_getitem, torch=_torch_getitem, operators=("__getitem__",)
)
def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]`` with PyTorch's indexing rules.

    Ints, slices, None and Ellipsis give a view; bool masks and integer arrays (tensors, arrays,
    lists) give a copy. The gradient sums over repeated indices. An out-of-range index raises
    ``IndexError`` naming the dim, the index and the size.

    The dims picked by tensor indices (integer or bool tensors, arrays, lists, and bools) go
    where the first of them stands when they are adjacent, else in front. As in PyTorch, ints
    are applied first as ``select`` and do not count when deciding adjacency (NumPy, which
    counts them, puts the picked dims of ``x[0, :, [1, 2]]`` in front); a list of lists is one
    integer tensor (PyTorch 2.x still reads it as a tuple of indices, with a deprecation
    warning announcing this behaviour).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x[[0, 0, 1], [1, 1, 0]]
    >>> y
    tensor([2., 2., 3.], grad_fn=<IndexBackward0>)
    >>> y.backward(autograd.ones(3))
    >>> x.grad
    tensor([[0., 2.],
            [1., 0.]])
    >>> autograd.zeros(2, 3, 4)[0, :, [1, 2]].shape
    (3, 2)
    """
    if type(index) is int and type(input) is Tensor:  # ``xs[t]``: a row, most often unrecorded
        arr = input._array
        state = _STATE
        if (
            arr.ndim > 1
            and -arr.shape[0] <= index < arr.shape[0]
            and state.tangents is None
            and not state.recording  # autograd.compile records every op through apply
            and not (input._requires_grad and state.grad_enabled)
        ):
            return _as_view(Tensor._make(arr[index]), input)
    t = as_tensor(input)
    idx, kind = _normalize_index(index, t.shape, "getitem")
    try:
        out = _getitem_node(index, kind).apply(t, idx, kind)
    except IndexError as e:
        raise _index_error("getitem", e, t.shape) from None
    if kind == _BASIC:
        _as_view(out, t)
    return out


def _assign(out: np.ndarray, index: Any, value: Any, op: str) -> None:
    try:
        _put(out, index, value)
    except IndexError as e:
        raise _index_error(op, e, out.shape) from None
    except ValueError as e:
        raise RuntimeError(f"{op}: {e} (tensor shape {out.shape})") from None


class IndexPut(Function):
    @staticmethod
    def forward(ctx, x, v, index):
        ctx.meta = (index, v.shape)
        out = x.copy()
        _assign(out, index, v, "setitem_")
        return out

    @staticmethod
    def backward(ctx, g):
        index, vshape = ctx.meta
        gx = gv = None
        if ctx.needs_input_grad[0]:  # the written elements no longer depend on x
            if isinstance(g, np.ndarray):
                gx = g.copy()
                _put(gx, index, 0)
            else:
                written = np.zeros(g.shape, bool)
                _put(written, index, True)
                gx = masked_fill(g, written, 0.0)
        if ctx.needs_input_grad[1]:
            gv = _take(g, index)
            if gv.ndim < len(vshape):  # NumPy lets a value carry extra leading size-1 dims
                gv = gv.reshape((1,) * (len(vshape) - gv.ndim) + gv.shape)
        return gx, gv, None

    @staticmethod
    def jvp(ctx, tx, tv, index):
        if not ctx.has_tangent[1]:  # linear in (x, v); a value without a tangent writes zeros
            tv = np.zeros(np.shape(tv))
        return IndexPut.forward(Context(IndexPut, ctx.needs_input_grad), tx, tv, index)


@register(operators=("__setitem__",))
def setitem_(input: Tensor, index: Any, value: Any) -> Tensor:
    """``input[index] = value`` in place (``value`` broadcast to the indexed shape).

    Differentiable with respect to ``input`` (the overwritten elements get zero gradient) and to
    ``value``. Bumps the version counter.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.zeros(2, 3)
    >>> x[:, 1] = autograd.tensor([5.0, 6.0])
    >>> x
    tensor([[0., 5., 0.],
            [0., 6., 0.]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"setitem_: expected a Tensor, got {type(input).__name__}")
    idx, kind = _normalize_index(index, input.shape, "setitem_")
    if kind == _BASIC and not input._array.flags.writeable:
        # As PyTorch, ``x[i] = v`` with a basic index writes the view ``x[i]``: into an expand()ed
        # tensor that is allowed when the view's own elements do not share memory.
        input = getitem(input, idx)
        idx, _ = _normalize_index(..., input.shape, "setitem_")
    if isinstance(value, Tensor):
        v = value._array
    elif isinstance(value, (list, tuple)):
        v = value = np.asarray(value)
    else:
        v = value

    def graph(old: Tensor) -> Tensor:
        val = value if isinstance(value, Tensor) else Tensor._make(np.asarray(value, old.dtype))
        if val._array.dtype != old._array.dtype:
            val = to_dtype(val, old._array.dtype)
        return IndexPut.apply(old, val, idx)

    return run_inplace(input, "setitem_", lambda a: _assign(a, idx, v, "setitem_"), graph,
                       (value,))  # fmt: skip


# --------------------------------------------------------------------------------- masked ops
class MaskedFill(Function):
    @staticmethod
    def forward(ctx, x, value, mask):
        ctx.mask = mask
        out = np.where(mask, value, x)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        mask = ctx.mask
        gx = select_grad(~mask, g) if ctx.needs_input_grad[0] else None
        gv = select_grad(mask, g) if ctx.needs_input_grad[1] else None  # summed to a 0-d grad
        return gx, gv, None

    @staticmethod
    def jvp(ctx, tx, tv, mask):
        return np.where(ctx.primals[2], tv if ctx.has_tangent[1] else 0.0, tx)


def _fill_value(value: Any, op: str) -> Any:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(
                f"{op}: value must be a number or a 0-d tensor, got a tensor of shape {value.shape}"
            )
        return value
    if not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"{op}: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return value


@register(
    masked=True,
    sample=_sample_masked,
    ref=lambda x, m, value: np.where(m, value, x).astype(x.dtype),
    method=True,
)
def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere (``mask`` broadcasts; ``value`` is a
    number or a 0-d tensor, which gets the gradient of the filled elements).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([1.0, 2.0, 3.0])
    >>> x.masked_fill(x > 1.5, 0.0)
    tensor([1., 0., 0.])
    """
    t = as_tensor(input)
    m = _bool_array(mask, "masked_fill")
    value = _fill_value(value, "masked_fill")
    try:
        np.broadcast_shapes(t.shape, m.shape)
    except ValueError:
        raise ValueError(
            f"masked_fill: mask of shape {m.shape} does not broadcast with input of shape {t.shape}"
        ) from None
    return MaskedFill.apply(t, value, m)


@register(method=True)
def masked_fill_(input: Tensor, mask: Any, value: Any) -> Tensor:
    """In-place :func:`masked_fill` (``mask`` must broadcast to ``input``'s shape).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(3).masked_fill_(autograd.tensor([True, False, True]), 2.0)
    tensor([2., 0., 2.])
    """
    m = _bool_array(mask, "masked_fill_")
    value = _fill_value(value, "masked_fill_")
    v = value._array if isinstance(value, Tensor) else value

    def fast(a: np.ndarray) -> None:
        np.copyto(a, v, casting="unsafe", where=m)

    return run_inplace(
        input, "masked_fill_", fast, lambda t: masked_fill(t, m, value), (value,)
    )  # fmt: skip


@register(method=True, sample=lambda draw, dtype: _sample_masked(draw, dtype, fill=False),
          ref=lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
              np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))])  # fmt: skip
def masked_select(input: Tensor, mask: Any) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-d tensor (both broadcast).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1, 2], [3, 4]])
    >>> autograd.masked_select(x, x > 2)
    tensor([3, 4])
    """
    t = as_tensor(input)
    m = _bool_array(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(t.shape, m.shape)
    except ValueError:
        raise ValueError(
            f"masked_select: mask of shape {m.shape} does not broadcast with input of shape "
            f"{t.shape}"
        ) from None
    if t.shape != shape:
        t = expand(t, shape)
    return GetItem.apply(t, (np.broadcast_to(m, shape),), _MASK)


# ------------------------------------------------------------------------ integer results
@register(method=True)
def nonzero(input: Tensor, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an int64 tensor of shape ``(n, ndim)``, or with
    ``as_tuple`` one 1-d tensor per dim. Not differentiable.

    Examples
    --------
    >>> import autograd
    >>> autograd.nonzero(autograd.tensor([[0, 1], [2, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    a = as_tensor(input)._array
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(a)))
    return Tensor._make(np.argwhere(a).astype(np.int64, copy=False))


@register()
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding of integer class labels: shape ``(*tensor.shape, num_classes)``, int64.

    ``num_classes=-1`` uses ``max + 1``. Not differentiable.

    Examples
    --------
    >>> import autograd
    >>> autograd.one_hot(autograd.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    a = as_tensor(tensor, "tensor")._array
    if a.dtype.kind not in "iu":
        raise TypeError(f"one_hot: tensor must hold integer class indices, got dtype {a.dtype}")
    if a.size and a.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(a.min())}")
    if num_classes == -1:
        if a.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass it")
        num_classes = int(a.max()) + 1
    elif not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
        raise ValueError(
            f"one_hot: num_classes must be a non-negative int or -1, got {num_classes!r}"
        )
    elif a.size and a.max() >= num_classes:
        raise ValueError(
            f"one_hot: class value {int(a.max())} is out of range for num_classes={num_classes}"
        )
    return Tensor._make((a[..., None] == np.arange(num_classes)).astype(_dt.int64))
