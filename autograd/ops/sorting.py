"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, mode; and the
counting queries unique, bincount, histc, searchsorted.

The differentiable ones select elements: they compute the indices on the array, then pick the
values with :func:`take_along_dim`, whose gradient (and its gradient) routes each upstream
gradient back to the element it came from.

Sorting follows PyTorch: ascending order puts NaN last, descending order first; ``stable=True``
keeps equal elements in their input order (numbagrad always sorts stably).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import dtypes as _dt
from ..function import name_node
from ..tensor import Tensor
from ._util import as_tensor, normalize_dim
from .gather_scatter import take_along_dim
from .registry import Sample, register, unary


class ValuesIndices(NamedTuple):
    """What sort, topk, kthvalue, median and mode over a dim return: values and int64 indices."""

    values: Tensor
    indices: Tensor


def _dim(t: Tensor, dim: Any, op: str) -> int:
    return normalize_dim(dim, t.ndim, op)


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along ``axis``; NaN counts as the largest value (as PyTorch)."""
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)
    if x.dtype.kind == "b":
        key = ~x
    elif x.dtype.kind == "u":
        key = np.iinfo(x.dtype).max - x
    elif x.dtype.kind == "f":
        # Largest first, NaN before everything; negating keeps equal elements in input order.
        key = np.where(np.isnan(x), -np.inf, -x.astype(np.float64))
        nan_first = np.isnan(x)
        order = np.argsort(key, axis=axis, kind="stable")
        # Among -inf keys the NaNs (mapped to -inf) must come before true +inf values.
        rank = np.take_along_axis(~nan_first, order, axis=axis).astype(np.int8)
        return np.take_along_axis(order, np.argsort(rank, axis=axis, kind="stable"), axis=axis)
    else:
        key = -x.astype(np.int64) if x.dtype.itemsize < 8 else -x
    return np.argsort(key, axis=axis, kind="stable").astype(np.int64, copy=False)


def _pick(t: Tensor, idx: np.ndarray, dim: int) -> Tensor:
    if t.ndim == 0:
        return t.clone()
    return take_along_dim(t, Tensor._make(idx), dim)


def _selected(values: Tensor, idx: np.ndarray, dim: int, keepdim: bool, node: str) -> ValuesIndices:
    """The values picked along ``dim`` and their indices, ``dim`` dropped unless ``keepdim``;
    the values' node carries PyTorch's name ``node``."""
    if not keepdim:
        values, idx = values.squeeze(dim), np.squeeze(idx, dim)
    return ValuesIndices(name_node(values, node), Tensor._make(idx))


def _sample_dim(low: float = -3.0, high: float = 3.0) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        x = unary(low=low, high=high)(draw, dtype).args[0]
        if x.ndim == 0:
            return Sample((x,), {"dim": draw(st.sampled_from([0, -1]))})
        return Sample((x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))})

    return sample


def _sample_sort(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    s = _sample_dim()(draw, dtype)
    s.kwargs["descending"] = draw(st.booleans())
    return s


def _sort_ref(x: np.ndarray, dim: int = -1, descending: bool = False) -> tuple:
    order = _order(x, dim, descending)
    return (np.take_along_axis(x, order, dim) if x.ndim else x, order)


@register(sample=_sample_sort, ref=_sort_ref, method=True, nondeterministic_ties=True)
def sort(
    input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
) -> ValuesIndices:
    """Sorted values along ``dim`` and the indices they came from.

    The gradient flows back to each value's original position.

    Examples
    --------
    >>> import autograd
    >>> autograd.sort(autograd.tensor([3.0, 1.0, 2.0]))
    ValuesIndices(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    t = as_tensor(input)
    d = _dim(t, dim, "sort")
    order = _order(t._array, d, bool(descending))
    return ValuesIndices(name_node(_pick(t, order, d), "SortBackward0"), Tensor._make(order))


@register(method=True)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (see :func:`sort`).

    Examples
    --------
    >>> import autograd
    >>> autograd.argsort(autograd.tensor([3.0, 1.0, 2.0]), descending=True)
    tensor([0, 2, 1])
    """
    t = as_tensor(input)
    return Tensor._make(_order(t._array, _dim(t, dim, "argsort"), bool(descending)))


@register(method=True)
def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``.

    Examples
    --------
    >>> import autograd
    >>> autograd.msort(autograd.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor([[1., 1.],
            [2., 3.]])
    """
    return sort(input, dim=0).values


def _sample_topk(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    s = _sample_dim()(draw, dtype)
    x = s.args[0]
    n = x.shape[s.kwargs["dim"]] if x.ndim else 1
    s.kwargs["k"] = draw(st.integers(0, n))
    s.kwargs["largest"] = draw(st.booleans())
    return s


def _topk_ref(x: np.ndarray, dim: int = -1, k: int = 1, largest: bool = True) -> tuple:
    values, order = _sort_ref(x, dim, descending=largest)
    if x.ndim == 0:
        return values, order
    return np.take(values, range(k), axis=dim), np.take(order, range(k), axis=dim)


@register(
    sample=_sample_topk, ref=_topk_ref, method=True, nondeterministic_ties=True,
    torch=lambda torch, x, dim, k, largest: torch.topk(x, k, dim=dim, largest=largest),
)  # fmt: skip
def topk(
    input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> ValuesIndices:
    """The ``k`` largest (or smallest) elements along ``dim``, in order, with their indices.

    Examples
    --------
    >>> import autograd
    >>> autograd.topk(autograd.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    ValuesIndices(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    t = as_tensor(input)
    d = _dim(t, dim, "topk")
    n = t.shape[d] if t.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= n:
        raise ValueError(f"topk: k must be an int in [0, {n}] (the size of dim {dim}), got {k!r}")
    order = _order(t._array, d, bool(largest))
    if t.ndim:
        order = np.take(order, np.arange(k), axis=d)
    return ValuesIndices(name_node(_pick(t, order, d), "TopkBackward0"), Tensor._make(order))


def _sample_kth(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    s = _sample_dim()(draw, dtype)
    x = s.args[0]
    n = x.shape[s.kwargs["dim"]] if x.ndim else 1
    if n == 0:  # k has no valid value on an empty dim: sort a non-empty one instead
        x = np.ones((2,), dtype=dtype) * np.array([0.5, -1.0], dtype=dtype)
        s = Sample((x,), {"dim": 0})
        n = 2
    s.kwargs["k"] = draw(st.integers(1, n))
    s.kwargs["keepdim"] = draw(st.booleans())
    return s


def _kth_ref(x: np.ndarray, dim: int = -1, k: int = 1, keepdim: bool = False) -> tuple:
    values, order = _sort_ref(x, dim)
    if x.ndim == 0:
        return values, order
    take = [k - 1]
    v, i = np.take(values, take, axis=dim), np.take(order, take, axis=dim)
    return (v, i) if keepdim else (np.squeeze(v, dim), np.squeeze(i, dim))


@register(
    sample=_sample_kth, ref=_kth_ref, method=True, nondeterministic_ties=True,
    torch=lambda torch, x, dim, k, keepdim: torch.kthvalue(x, k, dim=dim, keepdim=keepdim),
)  # fmt: skip
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The ``k``-th smallest element along ``dim`` (``k`` counts from 1) and its index.

    Examples
    --------
    >>> import autograd
    >>> autograd.kthvalue(autograd.tensor([3.0, 1.0, 2.0]), 2)
    ValuesIndices(values=tensor(2.), indices=tensor(2))
    """
    t = as_tensor(input)
    d = _dim(t, dim, "kthvalue")
    n = t.shape[d] if t.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= n:
        raise ValueError(
            f"kthvalue: k must be an int in [1, {n}] (the size of dim {dim}), got {k!r}"
        )
    order = _order(t._array, d, False)
    if t.ndim == 0:
        return ValuesIndices(name_node(t.clone(), "KthvalueBackward0"), Tensor._make(order))
    idx = np.take(order, [k - 1], axis=d)
    return _selected(_pick(t, idx, d), idx, d, keepdim, "KthvalueBackward0")


def _median_index(x: np.ndarray, axis: int) -> np.ndarray:
    """Index of the lower median along ``axis`` (of the first NaN, where there is one)."""
    n = x.shape[axis]
    order = _order(x, axis, False)
    idx = np.take(order, [(n - 1) // 2], axis=axis)
    if x.dtype.kind == "f":
        has_nan = np.isnan(x).any(axis=axis, keepdims=True)
        if has_nan.any():
            first_nan = np.argmax(np.isnan(x), axis=axis, keepdims=True)
            idx = np.where(has_nan, first_nan, idx)
    return idx.astype(np.int64, copy=False)


def _sample_median(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    if draw(st.booleans()):
        x = unary()(draw, dtype).args[0]
        if x.size == 0:
            x = np.array([1.5], dtype=dtype)
        return Sample((x,))
    s = _sample_kth(draw, dtype)
    s.kwargs.pop("k")
    return s


def _median_ref(x: np.ndarray, dim: int | None = None, keepdim: bool = False) -> Any:
    if dim is None:
        flat = np.sort(x.reshape(-1))
        return flat[(flat.size - 1) // 2]
    return _kth_ref(x, dim, (x.shape[dim] + 1) // 2 if x.ndim else 1, keepdim)


@register(sample=_sample_median, ref=_median_ref, method=True, nondeterministic_ties=True)
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median: of all elements (a 0-d tensor), or along ``dim`` with indices.

    For an even count this is the smaller of the two middle values, as PyTorch; NaN is
    returned where a NaN is present.

    Examples
    --------
    >>> import autograd
    >>> autograd.median(autograd.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    >>> autograd.median(autograd.tensor([[4.0, 1.0, 3.0]]), dim=1)
    ValuesIndices(values=tensor([3.]), indices=tensor([2]))
    """
    t = as_tensor(input)
    if dim is None:
        if t.numel() == 0:
            raise RuntimeError("median: cannot compute the median of an empty tensor")
        flat = t.reshape(-1)
        value = _pick(flat, _median_index(flat._array, 0), 0).reshape(())
        return name_node(value, "MedianBackward0")
    d = _dim(t, dim, "median")
    if t.ndim == 0:
        values = name_node(t.clone(), "MedianBackward1")
        return ValuesIndices(values, Tensor._make(np.zeros((), np.int64)))
    if t.shape[d] == 0:
        raise RuntimeError(f"median: dim {dim} of the input is empty")
    idx = _median_index(t._array, d)
    return _selected(_pick(t, idx, d), idx, d, keepdim, "MedianBackward1")


@register(method=True)
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and the
    index of its last occurrence, as PyTorch on the CPU.

    Examples
    --------
    >>> import autograd
    >>> autograd.mode(autograd.tensor([2, 1, 2, 1, 1]))
    ValuesIndices(values=tensor(1), indices=tensor(4))
    """
    t = as_tensor(input)
    d = _dim(t, dim, "mode")
    if t.ndim == 0:
        values = name_node(t.clone(), "ModeBackward0")
        return ValuesIndices(values, Tensor._make(np.zeros((), np.int64)))
    x = np.moveaxis(t._array, d, -1)
    if x.shape[-1] == 0:
        raise RuntimeError(f"mode: dim {dim} of the input is empty")
    rows = x.reshape(-1, x.shape[-1])
    idx = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        uniq, counts = np.unique(row, return_counts=True)
        v = uniq[np.argmax(counts)]  # np.unique sorts, so the first maximum is the smallest
        same = np.isnan(row) if v != v else row == v
        idx[r] = np.flatnonzero(same)[-1]
    idx = np.expand_dims(idx.reshape(x.shape[:-1]), d)
    return _selected(_pick(t, idx, d), idx, d, keepdim, "ModeBackward0")


@register()
def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements (sorted), optionally with the inverse map and the counts.

    Not differentiable. With ``dim`` the distinct slices along that dim are returned.

    Examples
    --------
    >>> import autograd
    >>> autograd.unique(autograd.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    t = as_tensor(input)
    axis = None if dim is None else _dim(t, dim, "unique")
    values, inverse, counts = np.unique(
        t._array, return_inverse=True, return_counts=True, axis=axis
    )
    if axis is None:
        inverse = inverse.reshape(t.shape)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


@register()
def bincount(input: Tensor, weights: Any = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in a 1-d tensor of non-negative integers
    (summing ``weights`` instead of counting, when given). Not differentiable.

    Examples
    --------
    >>> import autograd
    >>> autograd.bincount(autograd.tensor([0, 2, 2]), minlength=4)
    tensor([1, 0, 2, 0])
    """
    t = as_tensor(input)
    if t.ndim != 1 or t.dtype.kind not in "iu":
        raise ValueError(
            f"bincount: input must be a 1-d integer tensor, got {t.ndim}-d of dtype {t.dtype}"
        )
    if t.numel() and t._array.min() < 0:
        raise ValueError("bincount: input must hold non-negative integers, got a negative one")
    if not isinstance(minlength, (int, np.integer)) or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    w = None
    if weights is not None:
        w = as_tensor(weights, "weights")
        if w.shape != t.shape:
            raise ValueError(
                f"bincount: weights must have the input's shape {t.shape}, got {w.shape}"
            )
        w = w._array
    out = np.bincount(t._array, weights=w, minlength=minlength)
    if w is None:
        return Tensor._make(out.astype(np.int64))
    dtype = w.dtype if w.dtype.kind == "f" else _dt.float64
    return Tensor._make(out.astype(dtype))


@register()
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's own range when both
    are 0); elements outside are ignored. Not differentiable.

    Examples
    --------
    >>> import autograd
    >>> autograd.histc(autograd.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    t = as_tensor(input)
    if t.dtype.kind != "f":
        raise TypeError(f"histc: input must be a floating-point tensor, got dtype {t.dtype}")
    if not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise ValueError(f"histc: bins must be a positive int, got {bins!r}")
    lo, hi = float(min), float(max)
    if lo == hi and t.numel():
        lo, hi = float(t._array.min()), float(t._array.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")
    counts, _ = np.histogram(t._array, bins=int(bins), range=(lo, hi))
    return Tensor._make(counts.astype(t.dtype))


@register()
def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """Indices where ``input`` would be inserted into ``sorted_sequence`` (along its last dim) to
    keep it sorted: the first such place, or the last one with ``right=True``/``side="right"``.

    Examples
    --------
    >>> import autograd
    >>> autograd.searchsorted(autograd.tensor([1, 3, 5]), autograd.tensor([3, 6]))
    tensor([1, 3])
    """
    seq = as_tensor(sorted_sequence, "sorted_sequence")
    values = as_tensor(input, "input")
    if side not in (None, "left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise ValueError("searchsorted: side='left' contradicts right=True")
    how = "right" if right or side == "right" else "left"
    s = seq._array
    if sorter is not None:
        s = np.take_along_axis(s, as_tensor(sorter, "sorter")._array, axis=-1)
    dtype = np.int32 if out_int32 else np.int64
    if s.ndim == 1:
        return Tensor._make(np.searchsorted(s, values._array, side=how).astype(dtype))
    if s.shape[:-1] != values.shape[:-1]:
        raise ValueError(
            f"searchsorted: sorted_sequence {seq.shape} and input {values.shape} must agree in "
            "all but the last dim"
        )
    rows_s = s.reshape(-1, s.shape[-1])
    rows_v = values._array.reshape(-1, values.shape[-1])
    out = np.stack([np.searchsorted(a, v, side=how) for a, v in zip(rows_s, rows_v)])
    return Tensor._make(out.reshape(values.shape).astype(dtype))
