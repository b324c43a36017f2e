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


class _Triangle(Function):
    """``np.tril`` or ``np.triu`` (``part``) of the last two dims; linear, so backward applies
    the same mask to the gradient. A subclass per op names its graph nodes as PyTorch does."""

    @staticmethod
    def forward(ctx, x, part, k):
        ctx.part, ctx.k = part, k
        return part(x, k)

    @staticmethod
    def backward(ctx, g):
        return ctx.part(g, ctx.k), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class Tril(_Triangle):
    pass


class Triu(_Triangle):
    pass


def _triangle(fn: type[_Triangle], part: Any, input: Any, diagonal: int) -> Tensor:
    t = as_tensor(input)
    if t.ndim < 2:
        op = fn.__name__.lower()
        raise ValueError(f"{op}: expected a tensor with at least 2 dimensions, got {t.ndim}")
    return fn.apply(t, part, int(diagonal))


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
    return _triangle(Tril, np.tril, input, diagonal)


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
    return _triangle(Triu, np.triu, input, diagonal)


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


# --------------------------------------------------------------- trace, diag, linalg.diagonal
def _sample_matrix_2d(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    return Sample((draw(testing.arrays(shape, dtype)),))


@register(method=True, numpy=np.trace, sample=_sample_matrix_2d, ref=np.trace)
def trace(input: Any) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (it need not be square).

    Examples
    --------
    >>> import autograd
    >>> autograd.trace(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    t = as_tensor(input)
    if t.ndim != 2:
        raise ValueError(f"trace: expected a matrix (2-D), got input with shape {tuple(t.shape)}")
    return Diagonal.apply(t, 0, 0, 1).sum()


def _sample_diag(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(st.sampled_from([(draw(st.integers(1, 4)),), (3, 2), (2, 4), (3, 3)]))
    return Sample((draw(testing.arrays(shape, dtype)),), {"diagonal": draw(st.integers(-2, 2))})


def _diag_ref(x: np.ndarray, diagonal: int = 0) -> np.ndarray:
    return np.diag(x, diagonal)


@register(method=True, numpy=np.diag, sample=_sample_diag, ref=_diag_ref)
def diag(input: Any, diagonal: int = 0) -> Tensor:
    """A 1-D tensor as the ``diagonal``-th diagonal of a square matrix (zeros elsewhere), or
    the ``diagonal``-th diagonal of a 2-D tensor as a new 1-D tensor (a copy).

    Examples
    --------
    >>> import autograd
    >>> autograd.diag(autograd.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    >>> autograd.diag(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    tensor([2.])
    """
    t = as_tensor(input)
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"diag: diagonal must be an int, got {type(diagonal).__name__}")
    k = int(diagonal)
    if t.ndim == 1:
        n = t.shape[0] + abs(k)
        return DiagonalEmbed.apply(t, (n, n), k, 0, 1)
    if t.ndim == 2:
        return Diagonal.apply(t, k, 0, 1) * 1  # a copy, as PyTorch's
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got input with shape {tuple(t.shape)}")


def _sample_linalg_diagonal(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=2)
    return Sample((x,), {"offset": draw(st.integers(-2, 2))})


@register(
    namespace="linalg", name="diagonal", sample=_sample_linalg_diagonal,
    ref=lambda x, offset=0: np.diagonal(x, offset, -2, -1),
)  # fmt: skip
def linalg_diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """:func:`autograd.diagonal` with the last two dims by default (a view).

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.diagonal(autograd.ones(2, 3, 3)).shape
    (2, 3)
    """
    return diagonal(A, offset, dim1, dim2)
