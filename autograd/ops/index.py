"""Indexing ops: ``x[index]``, ``x[index] = v``, masked_fill/masked_select, nonzero, one_hot.

Indexing follows NumPy's rules, which PyTorch's match: ints, slices (negative steps too), None,
Ellipsis, bool masks and integer arrays (tensors, arrays or lists), mixed freely. Basic indexing
(ints, slices, None, Ellipsis) returns a view sharing the input's version counter; anything else
copies. The gradient of a gather-like op adds up the contributions of repeated indices. The
dim-wise gather/scatter family builds on this module's indexing primitives (gather_scatter.py).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import Function
from ..tensor import Tensor
from ._shape_util import _as_view, _draw_x
from ._util import as_tensor
from .elementwise import to_dtype
from .inplace import run_inplace
from .registry import Sample, register
from .shape import expand

_BASIC = 0  # ints, slices, None, Ellipsis: a view; every element is picked at most once
_MASK = 1  # bool masks (and basic parts): a copy; every element still picked at most once
_INTS = 2  # integer arrays: elements may be picked repeatedly, so gradients must be summed


# ------------------------------------------------------------------------------ index handling
def _normalize_index(index: Any, op: str) -> tuple[tuple, int]:
    """NumPy's form of a user's index (arrays instead of tensors and lists) and its kind."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    kind = _BASIC
    for p in parts:
        if p is None or p is Ellipsis or isinstance(p, slice):
            out.append(p)
            continue
        if isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)):
            out.append(int(p))
            continue
        arr = p._array if isinstance(p, Tensor) else np.asarray(p)
        if arr.dtype.kind == "f" and arr.size == 0:
            arr = arr.astype(np.int64)  # ``x[[]]`` selects nothing
        if arr.dtype.kind == "b":
            kind = max(kind, _MASK)
        elif arr.dtype.kind in "iu":
            if arr.ndim == 0:  # a 0-d integer tensor indexes like an int (PyTorch)
                out.append(int(arr))
                continue
            kind = _INTS
        else:
            raise IndexError(
                f"{op}: only integers, slices, None, Ellipsis and integer or bool tensors are "
                f"valid indices, got {type(p).__name__}"
                + (f" of dtype {arr.dtype}" if arr.dtype != object else "")
            )
        out.append(arr)
    if kind == _BASIC and Ellipsis not in out:
        out.append(Ellipsis)  # keeps a full integer index a 0-d view rather than a NumPy scalar
    return tuple(out), kind


def _index_error(op: str, e: Exception, shape: tuple) -> IndexError:
    msg = str(e).strip().replace("axis", "dim").replace("array", "tensor")
    msg = re.sub(r"\bnumpy\.newaxis \(`None`\)", "None", msg)
    return IndexError(f"{op}: {msg} (indexing a tensor of shape {shape})")


def _int_array(index: Any, op: str, argname: str = "index") -> np.ndarray:
    arr = index._array if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise TypeError(f"{op}: {argname} must be an integer tensor, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _bool_array(mask: Any, op: str) -> np.ndarray:
    arr = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype.kind != "b":
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {arr.dtype}")
    return arr


def _add_rows(out: np.ndarray, rows: np.ndarray, g: np.ndarray) -> None:
    """``out[rows[i]] += g[i]`` for 2-d ``out``/``g``, with repeated rows summed."""
    if len(rows) < 64:
        np.add.at(out, rows, g)
        return
    # Sorting and summing runs of equal rows is about twice as fast as ufunc.at on rows.
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    out[sorted_rows[starts]] += np.add.reduceat(g[order], starts, axis=0)


def _scatter_index(g: np.ndarray, shape: tuple, index: tuple, kind: int) -> np.ndarray:
    """The gradient of ``x[index]``: zeros of ``shape`` with ``g`` added at ``index``."""
    out = np.zeros(shape, g.dtype)
    if kind != _INTS:
        out[index] = g
        return out
    k = len(index)
    if k <= len(shape) and all(
        type(p) is int or (isinstance(p, np.ndarray) and p.dtype.kind in "iu") for p in index
    ):
        # Integer arrays on the leading dims only (``logp[arange(n), target]``, ``emb[ids]``):
        # one flat index per picked row; the forward already checked the bounds.
        flat = np.ravel_multi_index(index, shape[:k], mode="wrap").ravel()
        rest = math.prod(shape[k:])
        if rest == 1:
            np.add.at(out.reshape(-1), flat, g.reshape(-1))
        else:
            _add_rows(out.reshape(-1, rest), flat, g.reshape(-1, rest))
        return out
    np.add.at(out, index, g)
    return out


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index, kind):
        ctx.meta = (x.shape, index, kind)
        return x[index]

    @staticmethod
    def backward(ctx, g):
        shape, index, kind = ctx.meta
        if isinstance(g, np.ndarray):
            return _scatter_index(g, shape, index, kind), None, None
        return IndexScatter.apply(g, shape, index, kind), None, None


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


def _index_add_into(g: Any, dim: int, index: np.ndarray, size: int) -> Any:
    """``r`` of size ``size`` along ``dim`` with ``r[.., j, ..] = sum(g[.., i, ..] for index[i]
    == j)``: the gradient of ``index_select(x, dim, index)``."""
    shape = g.shape[:dim] + (size,) + g.shape[dim + 1 :]
    full = (slice(None),) * dim + (index,)
    if isinstance(g, np.ndarray):
        return _scatter_index(g, shape, full, _INTS)
    return IndexScatter.apply(g, shape, full, _INTS)


def _torch_getitem(torch: Any, x: Any, index: Any) -> Any:
    """``x[index]`` in PyTorch, which has no negative slice steps: flip those dims first."""
    parts = [torch.from_numpy(p) if isinstance(p, np.ndarray) else p
             for p in (index if isinstance(index, tuple) else (index,))]  # fmt: skip

    def width(p: Any) -> int:  # how many input dims an index part consumes
        if p is None or p is Ellipsis:
            return 0
        return p.ndim if getattr(p, "dtype", None) == torch.bool else 1

    dim, flips = 0, []
    for i, p in enumerate(parts):
        if p is Ellipsis:
            dim += x.ndim - sum(width(q) for q in parts)
        elif isinstance(p, slice) and (p.step or 1) < 0:
            n = x.shape[dim]
            start, stop, step = p.indices(n)
            parts[i] = slice(n - 1 - start, n - 1 - stop, -step)
            flips.append(dim)
        dim += width(p)
    return (x.flip(flips) if flips else x)[tuple(parts)]


def _sample_getitem(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    n0 = x.shape[0]
    ints = st.integers(-n0, n0 - 1)
    kind = draw(st.sampled_from(["basic", "mask", "ints", "pair", "mixed"]))
    if kind == "basic":
        parts: list = []
        for n in x.shape:
            step = draw(st.sampled_from([1, 2, -1, -2]))
            part = draw(st.sampled_from([
                slice(None, None, step), slice(1, None, step), draw(st.integers(-n, n - 1)),
            ]))  # fmt: skip
            parts.append(part)
            if draw(st.booleans()):
                parts.append(None)
        if draw(st.booleans()):
            parts[draw(st.integers(0, len(parts) - 1))] = Ellipsis
        return Sample((x, tuple(parts)))
    if kind == "mask":
        shape = x.shape[: draw(st.integers(1, x.ndim))]
        mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(shape),
                                      max_size=math.prod(shape)))).reshape(shape)  # fmt: skip
        return Sample((x, mask))
    if kind == "ints":  # repeats and negative indices included
        return Sample((x, np.array(draw(st.lists(ints, max_size=5)), dtype=np.int64)))
    if kind == "pair" and x.ndim >= 2:  # ``logp[arange(n), target]``
        n1 = x.shape[1]
        cols = draw(st.lists(st.integers(-n1, n1 - 1), min_size=n0, max_size=n0))
        return Sample((x, (np.arange(n0), np.array(cols, dtype=np.int64))))
    rows = np.array(draw(st.lists(ints, min_size=1, max_size=4)), dtype=np.int64)
    options = [(Ellipsis, rows[:, None] % x.shape[-1]), (None, rows)]
    if x.ndim >= 2:
        options.append((None, rows, slice(None, None, -1)))
    return Sample((x, draw(st.sampled_from(options))))


@register(
    operators=("__getitem__",),
    sample=_sample_getitem,
    ref=lambda x, index: x[index],
    torch=_torch_getitem,
)
def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]`` with NumPy/PyTorch indexing rules.

    Ints, slices, None and Ellipsis give a view; bool masks and integer arrays (tensors, arrays,
    lists) give a copy. The gradient sums over repeated indices. An out-of-range index raises
    ``IndexError`` naming the dim, the index and the size.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x[[0, 0, 1], [1, 1, 0]]
    >>> y
    tensor([2., 2., 3.], grad_fn=<GetItemBackward>)
    >>> y.backward(autograd.ones(3))
    >>> x.grad
    tensor([[0., 2.],
            [1., 0.]])
    """
    t = as_tensor(input)
    idx, kind = _normalize_index(index, "getitem")
    try:
        out = GetItem.apply(t, idx, kind)
    except IndexError as e:
        raise _index_error("getitem", e, t.shape) from None
    if kind == _BASIC:
        _as_view(out, t)
    return out


def _assign(out: np.ndarray, index: tuple, value: Any, op: str) -> None:
    try:
        out[index] = value
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
                gx[index] = 0
            else:
                keep = np.ones(g.shape, g.dtype)
                keep[index] = 0
                gx = g * keep
        if ctx.needs_input_grad[1]:
            gv = g[index]
            if gv.ndim < len(vshape):  # NumPy lets a value carry extra leading size-1 dims
                gv = gv.reshape((1,) * (len(vshape) - gv.ndim) + gv.shape)
        return gx, gv, None


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
    idx, _ = _normalize_index(index, "setitem_")
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
        gx = g * ~mask if ctx.needs_input_grad[0] else None
        gv = g * mask if ctx.needs_input_grad[1] else None  # the engine sums it to a 0-d grad
        return gx, gv, None


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


def _sample_masked(draw: Any, dtype: np.dtype, fill: bool = True) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    xs, ms = draw(testing.broadcastable_shapes(2, max_side=3))
    x = draw(testing.arrays(xs, dtype))
    if fill:  # PyTorch's masked_fill broadcasts the mask onto the input's shape only
        ms = ms[len(ms) - len(xs) :] if len(ms) > len(xs) else ms
        ms = tuple(1 if a != b else a for a, b in zip(ms, xs[len(xs) - len(ms) :]))
    mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(ms), max_size=math.prod(ms))),
                    dtype=bool).reshape(ms)  # fmt: skip
    if fill:
        return Sample((x, mask, draw(st.sampled_from([0.0, -1.5]))))
    return Sample((x, mask))


@register(
    method=True,
    sample=_sample_masked,
    ref=lambda x, m, value: np.where(m, value, x).astype(x.dtype),
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
