"""Joining and splitting: cat/concat/concatenate, stack, split, chunk, unbind.

``cat`` and ``stack`` copy (promoting dtypes as PyTorch does); ``split``, ``chunk`` and ``unbind``
return views of their input that share its version counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import Function, linear_jvp
from ..tensor import Tensor, tensor_method
from ._shape_util import _as_views, _draw_x, _ints
from ._util import as_tensor, normalize_dim
from .elementwise import to_dtype
from .registry import Sample, register


def _common_dtype(ts: list[Tensor]) -> list[Tensor]:
    """Cast all tensors to their PyTorch-promoted dtype (differentiably)."""
    target = reduce(_dt.promote, (t._array.dtype for t in ts))
    return [t if t._array.dtype == target else to_dtype(t, target) for t in ts]


def _tensor_list(tensors: Any, op: str) -> list[Tensor]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{op}: tensors must be a list or tuple of tensors, got {type(tensors).__name__}"
        )
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    return [as_tensor(x, f"tensors[{i}]") for i, x in enumerate(tensors)]


class Cat(Function):
    """``skip``: the positions of legacy empty 1-d operands, inputs of the node (so they take part
    in the graph, with an empty gradient) but not of the concatenation."""

    @staticmethod
    def forward(ctx, *xs, dim, skip=()):
        ctx.dim, ctx.skip = dim, skip
        ctx.sizes = [x.shape[dim] if i not in skip else 0 for i, x in enumerate(xs)]
        return np.concatenate([x for i, x in enumerate(xs) if i not in skip], axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        grads, start = [], 0
        for i, n in enumerate(ctx.sizes):
            if i in ctx.skip:
                empty = np.zeros(0, g.dtype)
                grads.append(empty if isinstance(g, np.ndarray) else Tensor._make(empty))
                continue
            grads.append(g[lead + (slice(start, start + n),)])
            start += n
        return tuple(grads)

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_cat(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(1, 3, max_side=3))
    d = draw(st.integers(-len(shape), len(shape) - 1))
    xs = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[d] = draw(st.integers(1, 3))
        xs.append(draw(testing.arrays(tuple(s), dtype)))
    return Sample((xs,), {"dim": d})


@register(
    numpy=np.concatenate,
    aliases=("concat", "concatenate"),
    sample=_sample_cat,
    ref=lambda xs, dim=0: np.concatenate(xs, axis=dim),
)
def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; dtypes are promoted as in PyTorch. Sizes must match
    except along ``dim``; 1-d empty tensors are skipped (PyTorch's legacy rule).

    Examples
    --------
    >>> import autograd
    >>> autograd.cat([autograd.zeros(1, 2), autograd.ones(2, 2)]).shape
    (3, 2)
    """
    ts = _tensor_list(tensors, "cat")
    for i, t in enumerate(ts):
        if t.ndim == 0:
            raise ValueError(f"cat: tensors[{i}] is 0-d; zero-dimensional tensors cannot be joined")
    full = [t for t in ts if not (t.ndim == 1 and t.shape[0] == 0)] or ts[:1]
    ref = full[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(ts):
        if t.ndim == 1 and t.shape[0] == 0 and t is not ref:
            continue
        if t.ndim != ref.ndim or any(
            a != b for k, (a, b) in enumerate(zip(t.shape, ref.shape)) if k != d
        ):
            raise ValueError(
                f"cat: tensors[{i}] has shape {t.shape} but tensors[{ts.index(ref)}] has shape "
                f"{ref.shape}; sizes must match except in dim {d}"
            )
    if len({t._array.dtype for t in full}) > 1:
        full = _common_dtype(full)
    skipped = [i for i, t in enumerate(ts) if t.ndim == 1 and t.shape[0] == 0 and t is not ref]
    if not skipped:
        return Cat.apply(*full, dim=d)
    # The skipped operands stay inputs of the node: an empty one that requires grad makes the
    # result require grad too, as in PyTorch.
    it = iter(full)
    operands = [t if i in skipped else next(it) for i, t in enumerate(ts)]
    return Cat.apply(*operands, dim=d, skip=frozenset(skipped))


class Stack(Function):
    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        return tuple(g[lead + (i,)] for i in range(g.shape[ctx.dim]))

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_stack(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(0, 2, max_side=3))
    xs = [draw(testing.arrays(shape, dtype)) for _ in range(draw(st.integers(1, 3)))]
    return Sample((xs,), {"dim": draw(st.integers(-len(shape) - 1, len(shape)))})


@register(numpy=np.stack, sample=_sample_stack, ref=lambda xs, dim=0: np.stack(xs, axis=dim))
def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dim ``dim``.

    Examples
    --------
    >>> import autograd
    >>> autograd.stack([autograd.zeros(2), autograd.ones(2)], dim=1).shape
    (2, 2)
    """
    ts = _tensor_list(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(
                f"stack: tensors[{i}] has shape {t.shape} but tensors[0] has shape "
                f"{ts[0].shape}; stack expects tensors of equal shape"
            )
    d = normalize_dim(dim, ts[0].ndim + 1, "stack")
    if len({t._array.dtype for t in ts}) > 1:
        ts = _common_dtype(ts)
    return Stack.apply(*ts, dim=d)


class Split(Function):
    @staticmethod
    def forward(ctx, x, dim, bounds):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[lead + (slice(a, b),)] for a, b in bounds)

    @staticmethod
    def backward(ctx, *grads):
        if isinstance(grads[0], np.ndarray):
            return np.concatenate(grads, axis=ctx.dim)
        return cat(list(grads), ctx.dim)

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _split(t: Tensor, dim: int, sizes: list[int]) -> tuple[Tensor, ...]:
    bounds = []
    start = 0
    for n in sizes:
        bounds.append((start, start + n))
        start += n
    outs = Split.apply(t, dim=dim, bounds=tuple(bounds))  # one positional: apply's short path
    return _as_views(outs, t)


def _sample_split(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    d = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[d]
    if draw(st.booleans()):
        return Sample((x, draw(st.integers(1, n + 1))), {"dim": d})
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=2)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    return Sample((x, sections), {"dim": d})


def _ref_split(x: np.ndarray, s: Any, dim: int = 0) -> tuple:
    n = x.shape[dim]
    sizes = [min(s, n - i) for i in range(0, n, s)] if isinstance(s, int) else s
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


@register(method=True, sample=_sample_split, ref=_ref_split)
def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size_or_sections`` along ``dim`` (the last may be smaller),
    or into pieces of the listed sizes. Returns a tuple of views.

    Examples
    --------
    >>> import autograd
    >>> [p.shape for p in autograd.zeros(5, 2).split(2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> [p.shape for p in autograd.zeros(5, 2).split([1, 4])]
    [(1, 2), (4, 2)]
    """
    t = as_tensor(input)
    if t.ndim == 0:
        raise ValueError("split: expected a tensor with at least 1 dimension, got a 0-d one")
    d = normalize_dim(dim, t.ndim, "split")
    n = t.shape[d]
    s = split_size_or_sections
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        if s <= 0 and not (s == 0 and n == 0):
            raise ValueError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(_ints(s, "split", "split_size_or_sections"))
        if sum(sizes) != n or any(v < 0 for v in sizes):
            raise ValueError(
                f"split: sections {sizes} must be non-negative and sum to the size {n} of dim "
                f"{dim} (input shape {t.shape})"
            )
    return _split(t, d, sizes)


def _sample_chunk(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    return Sample((x, draw(st.integers(1, 4))), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))})


def _ref_chunk(x: np.ndarray, chunks: int, dim: int = 0) -> tuple:
    if x.shape[dim] == 0:
        return _ref_split(x, [0] * chunks, dim)
    return _ref_split(x, -(-x.shape[dim] // chunks), dim)


@register(method=True, sample=_sample_chunk, ref=_ref_chunk)
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into at most ``chunks`` views of size ``ceil(n / chunks)`` along ``dim`` (as PyTorch,
    fewer pieces may come back; a dim of size 0 gives ``chunks`` empty pieces).

    Examples
    --------
    >>> import autograd
    >>> [p.shape[0] for p in autograd.zeros(5).chunk(3)]
    [2, 2, 1]
    """
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    t = as_tensor(input)
    if t.ndim == 0:
        raise ValueError("chunk: expected a tensor with at least 1 dimension, got a 0-d one")
    d = normalize_dim(dim, t.ndim, "chunk")
    n = t.shape[d]
    if n == 0:  # as PyTorch: ``chunks`` empty pieces (a split of size 0 would give one)
        return _split(t, d, [0] * int(chunks))
    size = -(-n // int(chunks))
    return _split(t, d, [min(size, n - i) for i in range(0, n, size)])  # split(t, size, d)


class Unbind(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[lead + (i,)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        if isinstance(grads[0], np.ndarray):
            return np.stack(grads, axis=ctx.dim)
        return stack(list(grads), ctx.dim)

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_unbind(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    return Sample((x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))})


@register(method=True, sample=_sample_unbind, ref=lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)))
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, as a tuple of views with that dim removed.

    Examples
    --------
    >>> import autograd
    >>> a, b = autograd.tensor([[1, 2], [3, 4]]).unbind(1)
    >>> a
    tensor([1, 3])
    """
    t = as_tensor(input)
    if t.ndim == 0:
        raise ValueError("unbind: expected a tensor with at least 1 dimension, got a 0-d one")
    d = normalize_dim(dim, t.ndim, "unbind")
    if t.shape[d] == 0:
        return ()
    return _as_views(Unbind.apply(t, dim=d), t)


@tensor_method
def __iter__(self) -> Iterator[Tensor]:
    if self._array.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(unbind(self, 0))
