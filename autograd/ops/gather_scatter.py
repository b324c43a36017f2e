"""Dim-wise gather and scatter: gather, scatter, scatter_add, index_select, take_along_dim.

Addressing follows PyTorch: ``gather(x, 1, index)[i][j] = x[i][index[i][j]]``. Gather-like ops run
on the indexing primitive of index.py, so their gradients sum over repeated indices and are
differentiable to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context, Function, linear_jvp, name_node
from ..kernels import gather as _gather_kernels
from ..tensor import Tensor
from ._index_util import _INTS, _int_array
from ._shape_util import _draw_x
from ._util import as_tensor, normalize_dim
from .elementwise import to_dtype
from .index import GetItem
from .rearrange import pad
from .registry import Sample, register
from .shape import expand, reshape


def _grid(index: np.ndarray, dim: int) -> tuple:
    """Integer arrays picking ``x[i0, .., index[i0, .., ik], .., ik]`` for every position of
    ``index`` (PyTorch's gather/scatter addressing)."""
    nd = index.ndim
    return tuple(
        index if k == dim else np.arange(n).reshape((n,) + (1,) * (nd - 1 - k))
        for k, n in enumerate(index.shape)
    )


def _check_dim_index(op: str, t: Tensor, d: int, idx: np.ndarray, exc: type = RuntimeError):
    if idx.ndim != t.ndim:
        raise ValueError(
            f"{op}: index must have as many dims as input ({t.ndim}), got shape {idx.shape}"
        )
    for k, (a, b) in enumerate(zip(idx.shape, t.shape)):
        if k != d and a > b:
            raise ValueError(
                f"{op}: index of shape {idx.shape} is larger than input of shape {t.shape} in "
                f"dim {k}"
            )
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= t.shape[d]:
            bad = lo if lo < 0 else hi
            raise exc(f"{op}: index {bad} is out of bounds for dim {d} with size {t.shape[d]}")


def _sample_gather(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    x = _draw_x(draw, dtype, min_dims=1)
    d = draw(st.integers(0, x.ndim - 1))
    shape = tuple(draw(st.integers(1, 3)) if k == d else draw(st.integers(1, n))
                  for k, n in enumerate(x.shape))  # fmt: skip
    index = draw(testing.arrays(shape, np.int64, low=0, high=x.shape[d] - 1))
    return Sample((x, d - x.ndim if draw(st.booleans()) else d, index))


def _ref_gather(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    return x[_grid(index, dim % x.ndim)]


@register(method=True, sample=_sample_gather, ref=_ref_gather)
def gather(input: Tensor, dim: int, index: Any) -> Tensor:
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim=1`` (and likewise for other dims).

    ``index`` has as many dims as ``input`` and is no larger outside ``dim``; its values must lie
    in ``[0, input.shape[dim])``. The gradient sums over repeated indices.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1, 2], [3, 4]])
    >>> autograd.gather(x, 1, autograd.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    t = as_tensor(input)
    idx = _int_array(index, "gather")
    if t.ndim == 0:
        return reshape(gather(reshape(t, (1,)), 0, idx.reshape(-1)), idx.shape)
    d = normalize_dim(dim, t.ndim, "gather")
    if _gather_kernels.takes(t._array, d, idx):
        return Gather.apply(t, d, idx)
    _check_dim_index("gather", t, d, idx)
    return name_node(GetItem.apply(t, _grid(idx, d), _INTS), "GatherBackward0")


class Gather(Function):
    """``gather`` by the compiled kernels (:mod:`autograd.kernels.gather`), which check the
    bounds as they go; its gradient is :class:`GatherScatter`, whose own is this op again."""

    @staticmethod
    def forward(ctx, x, dim, index):
        out, bad = _gather_kernels.gather(x, dim, index)
        if bad >= 0:
            _check_dim_index("gather", Tensor._make(x), dim, index)  # raises, naming the index
        ctx.meta = (x.shape, dim, index)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        if isinstance(g, np.ndarray):
            return _gather_kernels.gather_backward(g, dim, index, shape), None, None
        return GatherScatter.apply(g, dim, index, shape), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class GatherScatter(Function):
    """The gradient of :class:`Gather` as an op (under ``create_graph``): zeros of the input's
    shape with ``g`` added at the gathered places."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, g, dim, index, shape):
        ctx.meta = (dim, index)
        return _gather_kernels.gather_backward(g, dim, index, shape)

    @staticmethod
    def backward(ctx, gg):
        dim, index = ctx.meta
        return Gather.apply(gg, dim, index), None, None, None

    jvp = staticmethod(linear_jvp)


class Scatter(Function):
    @staticmethod
    def forward(ctx, x, src, grid, block, accumulate):
        ctx.meta = (grid, block, np.shape(src), accumulate)
        out = x.copy()
        values = src[block] if np.ndim(src) else src
        if accumulate:
            np.add.at(out, grid, values)
        else:
            out[grid] = values
        return out

    @staticmethod
    def backward(ctx, g):
        grid, block, src_shape, accumulate = ctx.meta
        gx = gs = None
        if ctx.needs_input_grad[0]:
            if accumulate:
                gx = g
            elif isinstance(g, np.ndarray):
                gx = g.copy()
                gx[grid] = 0
            else:
                keep = np.ones(g.shape, g.dtype)
                keep[grid] = 0
                gx = g * keep
        if ctx.needs_input_grad[1]:
            gs = g[grid]
            if gs.shape != src_shape:  # src may be larger than index: zeros elsewhere
                if isinstance(gs, np.ndarray):
                    full = np.zeros(src_shape, gs.dtype)
                    full[block] = gs
                    gs = full
                else:
                    widths = [w for a, b in zip(gs.shape, src_shape) for w in (0, b - a)]
                    gs = pad(gs, tuple(reversed(widths)))
        return gx, gs, None, None, None

    @staticmethod
    def jvp(ctx, tx, tsrc, grid, block, accumulate):
        # Linear in (x, src); a source without a tangent (a number) writes zeros.
        if not ctx.has_tangent[1]:
            tsrc = np.zeros(np.shape(tsrc))
        return Scatter.forward(Context(Scatter, ctx.needs_input_grad), tx, tsrc, grid, block,
                               accumulate)  # fmt: skip


def _scatter(op: str, input: Any, dim: int, index: Any, src: Any, accumulate: bool) -> Tensor:
    t = as_tensor(input)
    idx = _int_array(index, op)
    d = normalize_dim(dim, t.ndim, op)
    if t.ndim == 0:
        raise ValueError(f"{op}: expected an input with at least 1 dimension, got a 0-d one")
    _check_dim_index(op, t, d, idx)
    if isinstance(src, (int, float, np.number)) and not accumulate:
        return Scatter.apply(t, src, _grid(idx, d), (), False)
    s = as_tensor(src, "src")
    if s.ndim != idx.ndim or any(a > b for a, b in zip(idx.shape, s.shape)):
        raise ValueError(
            f"{op}: src of shape {s.shape} must have as many dims as index and be at least as "
            f"large as index {idx.shape} in every dim"
        )
    if s._array.dtype != t._array.dtype:
        s = to_dtype(s, t._array.dtype)
    block = tuple(slice(0, n) for n in idx.shape)
    return Scatter.apply(t, s, _grid(idx, d), block, accumulate)


def _sample_scatter(draw: Any, dtype: np.dtype, unique: bool = True) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    x = _draw_x(draw, dtype, min_dims=1)
    d = draw(st.integers(0, x.ndim - 1))
    shape = tuple(draw(st.integers(1, n)) for n in x.shape)
    if unique:  # distinct targets along dim: a permutation per column (PyTorch leaves repeats
        # undefined)
        keys = draw(testing.arrays(x.shape[:d] + (x.shape[d],) + shape[d + 1 :], np.float64))
        index = np.argsort(keys, axis=d, kind="stable")[(slice(None),) * d + (slice(0, shape[d]),)]
        index = index[tuple(slice(0, n) for n in shape)]
    else:
        index = draw(testing.arrays(shape, np.int64, low=0, high=x.shape[d] - 1))
    # src larger than index is allowed, but PyTorch's backward mis-shapes its gradient then
    src = draw(testing.arrays(shape, dtype))
    return Sample((x, d, index.astype(np.int64), src))


def _ref_scatter(x: np.ndarray, dim: int, index: np.ndarray, src: Any, add: bool = False):
    out = x.copy()
    values = src[tuple(slice(0, n) for n in index.shape)]
    if add:
        np.add.at(out, _grid(index, dim), values)
    else:
        out[_grid(index, dim)] = values
    return out


@register(method=True, sample=_sample_scatter, ref=_ref_scatter)
def scatter(input: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
    """Out-of-place ``out[i][index[i][j]] = src[i][j]`` for ``dim=1`` (and likewise for other
    dims); ``src`` may be a number, or pass ``value=``.

    Which write wins at a repeated index is unspecified (as in PyTorch). The gradient of
    ``input`` is zero at the written positions; that of ``src`` is the output gradient gathered
    at ``index``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3).scatter(1, autograd.tensor([[2], [0]]), 7.0)
    tensor([[0., 0., 7.],
            [7., 0., 0.]])
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: pass exactly one of src (a tensor or number) and value")
    return _scatter("scatter", input, dim, index, value if src is None else src, False)


@register(method=True, sample=lambda draw, dtype: _sample_scatter(draw, dtype, unique=False),
          ref=lambda x, dim, index, src: _ref_scatter(x, dim, index, src, True))  # fmt: skip
def scatter_add(input: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """Out-of-place ``out[i][index[i][j]] += src[i][j]`` for ``dim=1``; repeated indices add up.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(3).scatter_add(0, autograd.tensor([0, 0, 2]), autograd.ones(3))
    tensor([2., 0., 1.])
    """
    return _scatter("scatter_add", input, dim, index, src, True)


def _sample_index_select(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    d = draw(st.integers(-x.ndim, x.ndim - 1))
    rows = draw(st.lists(st.integers(0, x.shape[d] - 1), max_size=4))
    return Sample((x, d, np.array(rows, dtype=np.int64)))


@register(
    method=True, sample=_sample_index_select, ref=lambda x, dim, index: np.take(x, index, axis=dim)
)
def index_select(input: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of ``input`` at positions ``index`` (1-d, repeats allowed) along ``dim``.

    Examples
    --------
    >>> import autograd
    >>> autograd.index_select(autograd.tensor([[1, 2], [3, 4]]), 0, autograd.tensor([1, 1]))
    tensor([[3, 4],
            [3, 4]])
    """
    t = as_tensor(input)
    idx = _int_array(index, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-d, got shape {idx.shape}")
    idx = idx.reshape(-1)
    if t.ndim == 0:
        t = reshape(t, (1,))
    d = normalize_dim(dim, t.ndim, "index_select")
    n = t.shape[d]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"index_select: index {bad} is out of range for dim {d} with size {n}")
    return GetItem.apply(t, (slice(None),) * d + (idx,), _INTS)


def _sample_take_along_dim(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    x = _draw_x(draw, dtype, min_dims=1)
    if draw(st.booleans()):
        idx = draw(testing.arrays((draw(st.integers(1, 4)),), np.int64, 0, x.size - 1))
        return Sample((x, idx))
    d = draw(st.integers(0, x.ndim - 1))
    shape = tuple(draw(st.integers(1, 3)) if k == d else draw(st.sampled_from([1, n]))
                  for k, n in enumerate(x.shape))  # fmt: skip
    idx = draw(testing.arrays(shape, np.int64, 0, x.shape[d] - 1))
    return Sample((x, idx), {"dim": d})


def _ref_take_along_dim(x: np.ndarray, indices: np.ndarray, dim: Any = None) -> np.ndarray:
    if dim is None:
        return x.reshape(-1)[indices.reshape(-1)]
    shape = [max(a, b) for a, b in zip(x.shape, indices.shape)]
    shape[dim] = indices.shape[dim]
    x = np.broadcast_to(x, shape[:dim] + [x.shape[dim]] + shape[dim + 1 :])
    return np.take_along_axis(x, np.broadcast_to(indices, shape), dim)


@register(
    method=True, numpy=np.take_along_axis, sample=_sample_take_along_dim, ref=_ref_take_along_dim
)
def take_along_dim(input: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """Pick elements along ``dim`` at ``indices`` (input and indices broadcast in the other dims),
    as ``numpy.take_along_axis``; with ``dim=None`` both are flattened first.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[10, 30, 20], [60, 40, 50]])
    >>> autograd.take_along_dim(x, x.argmax(1, keepdim=True), dim=1)
    tensor([[30],
            [60]])
    """
    t = as_tensor(input)
    idx = _int_array(indices, "take_along_dim", "indices")
    if dim is None:
        return gather(reshape(t, (-1,)), 0, idx.reshape(-1))
    d = normalize_dim(dim, t.ndim, "take_along_dim")
    if idx.ndim != t.ndim:
        raise ValueError(
            f"take_along_dim: indices of shape {idx.shape} must have as many dims as input of "
            f"shape {t.shape}"
        )
    xs, js = list(t.shape), list(idx.shape)
    xs[d] = js[d] = 1
    try:
        common = list(np.broadcast_shapes(tuple(xs), tuple(js)))
    except ValueError:
        raise ValueError(
            f"take_along_dim: input of shape {t.shape} and indices of shape {idx.shape} do not "
            f"broadcast outside dim {d}"
        ) from None
    tx, ti = list(common), list(common)
    tx[d], ti[d] = t.shape[d], idx.shape[d]
    if tuple(tx) != t.shape:
        t = expand(t, tuple(tx))
    return gather(t, d, np.broadcast_to(idx, tuple(ti)))
