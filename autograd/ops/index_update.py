"""Index updates along a dim: index_add, index_copy, index_fill, scatter_reduce, their in-place
twins (and scatter_'s, scatter_add_'s), and repeat_interleave.

``index_add(x, 0, index, source)`` adds ``source[i]`` into ``x[index[i]]``: it is the scatter
primitive of gather_scatter.py with ``index`` broadcast along the other dims, so its gradients
(``g`` for ``x``, ``g`` gathered at ``index`` for ``source``) and forward-mode tangents come
from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, linear_jvp
from ..tensor import Tensor
from ._index_util import _int_array
from ._shape_util import _draw_x
from ._util import as_tensor, normalize_dim
from .elementwise import to_dtype
from .gather_scatter import Scatter, _check_dim_index, _grid, index_select, scatter, scatter_add
from .products import _inplace_twin
from .registry import Sample, register


def _dim_index(op: str, t: Tensor, dim: int, index: Any) -> tuple[int, np.ndarray]:
    if t.ndim == 0:
        raise ValueError(f"{op}: expected an input with at least 1 dimension, got a 0-d one")
    d = normalize_dim(dim, t.ndim, op)
    idx = _int_array(index, op)
    if idx.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-d, got shape {idx.shape}")
    idx = idx.reshape(-1)
    n = t.shape[d]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < -n else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size {n}")
    return d, np.where(idx < 0, idx + n, idx)


def _index_grid(shape: tuple, d: int, idx: np.ndarray) -> tuple:
    """Positions written by slice ``i`` of a source of ``shape``: ``index[i]`` along ``d``."""
    along = idx.reshape((-1,) + (1,) * (len(shape) - 1 - d))
    return _grid(np.broadcast_to(along, shape), d)


def _source(op: str, t: Tensor, d: int, idx: np.ndarray, source: Any) -> Tensor:
    s = as_tensor(source, "source")
    expected = t.shape[:d] + (idx.size,) + t.shape[d + 1 :]
    if s.ndim == 0 and t.ndim == 1 and idx.size == 1:
        s = s.reshape(1)
    if tuple(s.shape) != tuple(expected):
        raise ValueError(
            f"{op}: source must have shape {tuple(expected)} (input's with dim {d} of size "
            f"len(index) = {idx.size}), got {tuple(s.shape)}"
        )
    if s._array.dtype != t._array.dtype:
        s = to_dtype(s, t._array.dtype)
    return s


def _sample_index(kind: str) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        x = _draw_x(draw, dtype, min_dims=1)
        d = draw(st.integers(-x.ndim, x.ndim - 1))
        n = x.shape[d]
        if kind == "copy":  # distinct targets (PyTorch leaves repeated ones undefined)
            rows = draw(st.permutations(range(n)))[: draw(st.integers(0, n))]
        else:
            rows = draw(st.lists(st.integers(0, n - 1), max_size=4))
        idx = np.array(rows, dtype=np.int64)
        if kind == "fill":
            return Sample((x, d, idx, draw(st.sampled_from([0.0, -1.5, 2.0]))))
        shape = list(x.shape)
        shape[d] = idx.size
        src = draw(testing.arrays(tuple(shape), dtype))
        if kind == "add":
            return Sample((x, d, idx, src), {"alpha": draw(st.sampled_from([1, 2.5]))})
        return Sample((x, d, idx, src))

    return sample


def _ref_index(kind: str) -> Any:
    def ref(x, dim, index, src, alpha=1):
        out = np.moveaxis(x.copy(), dim, 0)
        if kind == "fill":
            out[index] = src
        elif kind == "copy":
            out[index] = np.moveaxis(src, dim, 0)
        else:
            np.add.at(out, index, alpha * np.moveaxis(src, dim, 0))
        return np.moveaxis(out, 0, dim)

    return ref


@register(method=True, sample=_sample_index("add"), ref=_ref_index("add"))
def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """``input`` with ``alpha * source[i]`` added into the slice ``index[i]`` along ``dim``
    (repeated indices accumulate).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(3, 2).index_add(0, autograd.tensor([0, 2, 0]), autograd.ones(3, 2))
    tensor([[2., 2.],
            [0., 0.],
            [1., 1.]])
    """
    t = as_tensor(input)
    d, idx = _dim_index("index_add", t, dim, index)
    s = _source("index_add", t, d, idx, source)
    if alpha != 1:
        s = s * alpha
    return Scatter.apply(t, s, _index_grid(tuple(s.shape), d, idx), (), True)


@register(method=True, sample=_sample_index("copy"), ref=_ref_index("copy"))
def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:
    """``input`` with the slice ``index[i]`` along ``dim`` replaced by ``source[i]``; which
    write wins at a repeated index is unspecified, as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(3).index_copy(0, autograd.tensor([2, 0]), autograd.tensor([5.0, 6.0]))
    tensor([6., 0., 5.])
    """
    t = as_tensor(input)
    d, idx = _dim_index("index_copy", t, dim, index)
    s = _source("index_copy", t, d, idx, source)
    return Scatter.apply(t, s, _index_grid(tuple(s.shape), d, idx), (), False)


@register(method=True, sample=_sample_index("fill"), ref=_ref_index("fill"))
def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:
    """``input`` with the slices ``index`` along ``dim`` set to ``value`` (a number or a 0-d
    tensor, which then gets the gradient of the filled entries).

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2, 3).index_fill(1, autograd.tensor([0, 2]), -1.0)
    tensor([[-1.,  1., -1.],
            [-1.,  1., -1.]])
    """
    t = as_tensor(input)
    d, idx = _dim_index("index_fill", t, dim, index)
    shape = t.shape[:d] + (idx.size,) + t.shape[d + 1 :]
    grid = _index_grid(shape, d, idx)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape "
                             f"{tuple(value.shape)}")  # fmt: skip
        if not value.requires_grad:
            value = value.item()
        else:
            v = to_dtype(value, t._array.dtype) if value.dtype != t.dtype else value
            return Scatter.apply(t, v.expand(*shape), grid, (), False)
    if not isinstance(value, (int, float, bool, np.number)):
        raise TypeError(f"index_fill: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")  # fmt: skip
    return Scatter.apply(t, value, grid, (), False)


index_add_ = _inplace_twin(index_add)
index_copy_ = _inplace_twin(index_copy)
index_fill_ = _inplace_twin(index_fill)
scatter_ = _inplace_twin(scatter)
scatter_add_ = _inplace_twin(scatter_add)


# -------------------------------------------------------------------------- scatter_reduce
class ScatterReduce(Function):
    """``out = reduce(input's entry (if include_self), src's entries scattered onto it)`` for
    ``reduce`` in amax / amin / prod / mean / sum; targets with no source keep ``input``."""

    @staticmethod
    def forward(ctx, x, src, grid, reduce, include_self):
        count = np.zeros(x.shape, np.int64)
        np.add.at(count, grid, 1)
        hit = count > 0
        if reduce in ("sum", "mean"):
            out = np.where(hit & (not include_self), 0, x).astype(x.dtype)
            np.add.at(out, grid, src)
            if reduce == "mean":
                n = count + include_self
                out = np.where(hit, out / np.maximum(n, 1), out).astype(x.dtype)
        else:
            ufunc = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}[reduce]
            start = {"amax": -np.inf, "amin": np.inf, "prod": 1}[reduce]
            out = x.copy() if include_self else np.where(hit, start, x).astype(x.dtype)
            ufunc.at(out, grid, src)
        ctx.meta = (grid, reduce, include_self, hit, count)
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        grid, reduce, include_self, hit, count = ctx.meta
        x, src, out = ctx.saved_tensors
        if reduce == "sum":
            gx = np.where(hit & (not include_self), 0, g)
            return gx, g[grid], None, None, None
        if reduce == "mean":
            n = np.maximum(count + include_self, 1)
            scaled = g / n
            gx = np.where(hit, scaled if include_self else 0, g)
            return gx, scaled[grid], None, None, None
        if reduce == "prod":
            # d out / d src_j = out / src_j (the product of the others); src_j != 0 assumed
            gx = np.where(hit, g * out / x, g) if include_self else np.where(hit, 0, g)
            return gx, (g * out)[grid] / src, None, None, None
        # amax / amin: the gradient is shared evenly by the entries that attain the extreme
        x_ties, src_ties, total = _extreme_ties(x, src, out, grid)
        share = g / total
        gx = np.where(x_ties, share, 0)
        if not include_self:
            gx = np.where(hit, 0, gx)
        return gx, np.where(src_ties, share[grid], 0), None, None, None

    @staticmethod
    def jvp(ctx, dx, dsrc, grid, reduce, include_self):
        grid, reduce, include_self, hit, count = ctx.meta
        x, src, out = ctx.saved_tensors
        if reduce in ("sum", "mean"):
            return linear_jvp(ctx, dx, dsrc, grid, reduce, include_self)
        if reduce == "prod":
            rel = np.where(hit, dx / x, 0) if include_self else np.zeros_like(dx)
            np.add.at(rel, grid, dsrc / src)
            return np.where(hit, out * rel, dx)
        x_ties, src_ties, total = _extreme_ties(x, src, out, grid)
        if not include_self:
            x_ties = x_ties & ~hit
        acc = np.where(x_ties, dx, 0)
        np.add.at(acc, grid, np.where(src_ties, dsrc, 0))
        counted = x_ties * 1.0
        np.add.at(counted, grid, src_ties * 1.0)
        return np.where(counted > 0, acc / np.maximum(counted, 1), dx)


def _extreme_ties(x: Any, src: Any, out: Any, grid: tuple) -> tuple:
    """Which entries of ``x`` and ``src`` equal the result they reach, and per target how many
    do (at least 1): PyTorch's even split of an amax/amin gradient, counted as its
    ``(self == result).scatter_add(dim, index, src == result.gather(dim, index))``."""
    xa, sa, oa = (np.asarray(v._array if isinstance(v, Tensor) else v) for v in (x, src, out))
    x_ties = xa == oa
    src_ties = sa == oa[grid]
    total = x_ties.astype(xa.dtype)
    np.add.at(total, grid, src_ties.astype(xa.dtype))
    return x_ties, src_ties, np.maximum(total, 1)


def _sample_scatter_reduce(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    x = _draw_x(draw, dtype, min_dims=1)
    d = draw(st.integers(0, x.ndim - 1))
    shape = tuple(draw(st.integers(1, n)) for n in x.shape)
    index = draw(testing.arrays(shape, np.int64, low=0, high=x.shape[d] - 1))
    reduce = draw(st.sampled_from(["sum", "mean", "amax", "amin", "prod"]))
    src = draw(testing.arrays(shape, dtype, low=0.5, high=2.0))
    if reduce == "prod":
        x = np.abs(x) + 0.5
    return Sample((x.astype(dtype), d, index, src, reduce), {"include_self": draw(st.booleans())})


def _ref_scatter_reduce(x, dim, index, src, reduce, include_self=True):
    out = x.astype(np.float64).copy()
    grid = _grid(index, dim)
    count = np.zeros(x.shape, np.int64)
    np.add.at(count, grid, 1)
    hit = count > 0
    if not include_self:
        out[hit] = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
             "amin": np.minimum}[reduce]  # fmt: skip
    ufunc.at(out, grid, src)
    if reduce == "mean":
        out = np.where(hit, out / np.maximum(count + include_self, 1), out)
    return out


@register(
    method=True, sample=_sample_scatter_reduce, ref=_ref_scatter_reduce,
)  # fmt: skip
def scatter_reduce(
    input: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
) -> Tensor:
    """Reduce ``src``'s entries into ``input`` at ``index`` along ``dim`` (addressed as
    :func:`scatter`) with ``reduce`` in ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``,
    ``'amin'``; with ``include_self=False`` the targeted entries of ``input`` do not take part.

    Gradients as PyTorch's: amax/amin share the gradient evenly among the entries attaining
    the extreme; prod divides by the entry (it needs non-zero entries).

    Examples
    --------
    >>> import autograd
    >>> x, idx = autograd.zeros(2), autograd.tensor([0, 0, 1])
    >>> x.scatter_reduce(0, idx, autograd.tensor([1.0, 3.0, 2.0]), "amax", include_self=False)
    tensor([3., 2.])
    """
    op = "scatter_reduce"
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise ValueError(
            f"{op}: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got {reduce!r}"
        )
    t = as_tensor(input)
    if t.ndim == 0:
        raise ValueError(f"{op}: expected an input with at least 1 dimension, got a 0-d one")
    d = normalize_dim(dim, t.ndim, op)
    idx = _int_array(index, op)
    _check_dim_index(op, t, d, idx)
    s = as_tensor(src, "src")
    if s.ndim != idx.ndim or any(a > b for a, b in zip(idx.shape, s.shape)):
        raise ValueError(
            f"{op}: src of shape {tuple(s.shape)} must have as many dims as index and be at "
            f"least as large as index {idx.shape} in every dim"
        )
    if tuple(s.shape) != idx.shape:
        s = s[tuple(slice(0, n) for n in idx.shape)]
    if s._array.dtype != t._array.dtype:
        s = to_dtype(s, t._array.dtype)
    return ScatterReduce.apply(t, s, _grid(idx, d), reduce, bool(include_self))


scatter_reduce_ = _inplace_twin(scatter_reduce)


# ----------------------------------------------------------------------- repeat_interleave
def _sample_repeat_interleave(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=0)
    dim = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1))) if x.ndim else None
    n = x.size if dim is None else x.shape[dim]
    if draw(st.booleans()):
        repeats: Any = draw(st.integers(0, 3))
    else:
        repeats = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64)
    return Sample((x, repeats), {"dim": dim})


def _ref_repeat_interleave(x, repeats, dim=None):
    return np.repeat(x, repeats, axis=dim)


@register(method=True, sample=_sample_repeat_interleave, ref=_ref_repeat_interleave)
def repeat_interleave(
    input: Any, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Each element (``dim=None``: of the flattened input) or each slice along ``dim``
    repeated ``repeats`` times (an int, or one count per slice). With only a tensor of counts,
    ``repeat_interleave(counts)`` gives the indices ``0, 0, 1, ...`` repeated by them.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1, 2], [3, 4]]).repeat_interleave(2, dim=0)
    tensor([[1, 2],
            [1, 2],
            [3, 4],
            [3, 4]])
    >>> autograd.repeat_interleave(autograd.tensor([1, 2]))
    tensor([0, 1, 1])
    """
    op = "repeat_interleave"
    if repeats is None:
        counts = _int_array(input, op)
        if counts.ndim > 1 or (counts.size and counts.min() < 0):
            raise ValueError(f"{op}: repeats must be a 1-D tensor of non-negative counts")
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts.reshape(-1)))
    t = as_tensor(input)
    if dim is None:
        t = t.reshape(-1)
        d = 0
    else:
        d = normalize_dim(dim, max(t.ndim, 1), op)
        if t.ndim == 0:
            t = t.reshape(1)
    n = t.shape[d]
    if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        counts = np.full(n, int(repeats), np.int64)
    else:
        counts = _int_array(repeats, op).reshape(-1)
        if counts.size == 1:
            counts = np.full(n, int(counts[0]), np.int64)
    if counts.size != n:
        raise ValueError(f"{op}: repeats must have {n} counts (the size of dim {d}), got "
                         f"{counts.size}")  # fmt: skip
    if counts.size and counts.min() < 0:
        raise ValueError(f"{op}: repeats must be non-negative, got {int(counts.min())}")
    idx = np.repeat(np.arange(n, dtype=np.int64), counts)
    if output_size is not None and output_size != idx.size:
        raise ValueError(f"{op}: output_size is {output_size}, but the repeats give {idx.size}")
    return index_select(t, d, idx)
