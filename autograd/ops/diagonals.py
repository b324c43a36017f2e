"""Diagonal-structure ops on a pair of dims: tril and triu (zero one side of a diagonal, a copy)
and diagonal (a view of one diagonal, sharing its input's version counter).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, linear_jvp
from ..tensor import Tensor
from ._shape_util import _as_view, _draw_x
from ._util import as_tensor, normalize_dim
from .registry import Sample, register


def _sample_tri(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    return Sample((_draw_x(draw, dtype, min_dims=2),), {"diagonal": draw(st.integers(-2, 2))})


class Tril(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.tril(x, k)

    @staticmethod
    def backward(ctx, g):
        return np.tril(g, ctx.k), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


@register(
    method=True, numpy=np.tril, sample=_sample_tri, ref=lambda x, diagonal=0: np.tril(x, diagonal)
)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (elements above ``diagonal`` set to 0).

    Examples
    --------
    >>> import autograd
    >>> autograd.tril(autograd.ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    t = as_tensor(input)
    if t.ndim < 2:
        raise ValueError(f"tril: expected a tensor with at least 2 dimensions, got {t.ndim}")
    return Tril.apply(t, int(diagonal))


class Triu(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.triu(x, k)

    @staticmethod
    def backward(ctx, g):
        return np.triu(g, ctx.k), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


@register(
    method=True, numpy=np.triu, sample=_sample_tri, ref=lambda x, diagonal=0: np.triu(x, diagonal)
)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (elements below ``diagonal`` set to 0).

    Examples
    --------
    >>> import autograd
    >>> autograd.triu(autograd.ones(2, 2))
    tensor([[1., 1.],
            [0., 1.]])
    """
    t = as_tensor(input)
    if t.ndim < 2:
        raise ValueError(f"triu: expected a tensor with at least 2 dimensions, got {t.ndim}")
    return Triu.apply(t, int(diagonal))


class Diagonal(Function):
    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.args = (x.shape, offset, dim1, dim2)
        out = np.diagonal(x, offset, dim1, dim2)
        if x.flags.writeable:  # a writable view, as PyTorch's
            out.flags.writeable = True
        return out

    @staticmethod
    def backward(ctx, g):
        return DiagonalEmbed.apply(g, *ctx.args), None, None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class DiagonalEmbed(Function):
    """Backward of :class:`Diagonal`: ``g`` written on the diagonal of a zero tensor."""

    @staticmethod
    def forward(ctx, g, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        out = np.zeros(shape, g.dtype)
        view = np.diagonal(out, offset, dim1, dim2)
        view.flags.writeable = True
        view[...] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return Diagonal.apply(gg, *ctx.args), None, None, None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_diagonal(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=2)
    d1, d2 = draw(st.permutations(range(x.ndim)))[:2]
    return Sample((x,), {"offset": draw(st.integers(-2, 2)), "dim1": d1, "dim2": d2 - x.ndim})


@register(
    method=True,
    numpy=np.diagonal,
    sample=_sample_diagonal,
    ref=lambda x, offset=0, dim1=0, dim2=1: np.diagonal(x, offset, dim1, dim2),
)
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1``/``dim2`` (``offset`` > 0 above the main one) as a new last
    dim. Returns a view.

    Examples
    --------
    >>> import autograd
    >>> autograd.diagonal(autograd.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    t = as_tensor(input)
    if t.ndim < 2:
        raise ValueError(f"diagonal: expected a tensor with at least 2 dimensions, got {t.ndim}")
    a = normalize_dim(dim1, t.ndim, "diagonal")
    b = normalize_dim(dim2, t.ndim, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 cannot be the same dim, got {dim1} and {dim2}")
    return _as_view(Diagonal.apply(t, int(offset), a, b), t)
