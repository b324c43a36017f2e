"""Order statistics and paired moments: quantile, nanquantile, std_mean, var_mean,
count_nonzero.

``quantile`` sorts (a differentiable ``sort``) and interpolates between the two order
statistics around ``q * (n - 1)``, so the gradient goes to those two elements, weighted as in
the interpolation, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import as_tensor, dim_tuple, named_op, normalize_dim
from .gather_scatter import take_along_dim
from .reduce import mean
from .registry import Sample, register
from .sorting import sort
from .stats import std, var

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(
    op: str, input: Any, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool
) -> Tensor:
    t = as_tensor(input)
    if t._array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {t.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {_INTERPOLATIONS}, got "
                         f"{interpolation!r}")  # fmt: skip
    qa = np.asarray(q._array if isinstance(q, Tensor) else q, dtype=np.float64)
    if qa.ndim > 1:
        raise ValueError(f"{op}: q must be a number or a 1-D tensor, got shape {qa.shape}")
    if qa.size and (np.any(qa < 0) or np.any(qa > 1) or np.any(np.isnan(qa))):
        raise ValueError(f"{op}: q values must be in the range [0, 1], got {qa.tolist()}")
    out_ndim = t.ndim
    if t.ndim == 0:
        t = t.reshape(1)
        dim = None if dim is None else normalize_dim(dim, 1, op)
    if dim is None:
        x = t.reshape(-1)
        d = 0
    else:
        d = normalize_dim(dim, t.ndim, op)
        x = t.movedim(d, -1)
    n = x.shape[-1]
    if n == 0:
        raise ValueError(f"{op}: input must not be empty along the reduced dim")
    xs = sort(x, -1).values  # NaN sorts last
    nan_rows = np.isnan(x._array).any(axis=-1, keepdims=True)
    if ignore_nan:
        valid = (~np.isnan(x._array)).sum(axis=-1, keepdims=True)
    else:
        valid = np.full(nan_rows.shape, n)
    qs = qa.reshape(-1)
    rank = qs * (np.maximum(valid, 1) - 1)  # (..., nq)
    lo = np.floor(rank).astype(np.int64)
    hi = np.ceil(rank).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = np.round(rank).astype(np.int64)  # half to even, as PyTorch
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    v_lo = take_along_dim(xs, Tensor._make(lo), -1)
    if interpolation in ("linear", "midpoint"):
        v_hi = take_along_dim(xs, Tensor._make(hi), -1)
        weight = (rank - lo) if interpolation == "linear" else np.full(rank.shape, 0.5)
        out = v_lo + (v_hi - v_lo) * weight.astype(t._array.dtype)
    else:
        out = v_lo
    empty = (valid == 0) if ignore_nan else nan_rows
    if empty.any():
        out = out.masked_fill(Tensor._make(np.broadcast_to(empty, out.shape).copy()), np.nan)
    if keepdim and out_ndim:  # out is (*kept dims, nq): the reduced dims come back as size 1
        if dim is None:
            out = out.reshape((1,) * out_ndim + out.shape[-1:])
        else:
            out = out.unsqueeze(d)
    out = out.movedim(-1, 0)  # q's dim first
    return out.squeeze(0) if qa.ndim == 0 else out


def _sample_quantile(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=0))
    x = draw(testing.arrays(shape, dtype))
    if x.size:  # distinct values, at least 0.013 apart: finite differences stay away from ties
        flat = np.array(x, dtype=np.float64).reshape(-1)
        order = np.argsort(flat, kind="stable")
        flat[order] = flat[order] + np.arange(flat.size) * 0.013
        x = np.asarray(flat.reshape(shape), dtype)
    q: Any = draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))
    if draw(st.booleans()):
        # a list, not an array: q is not differentiated (by PyTorch either)
        q = draw(st.lists(st.sampled_from([0.1, 0.5, 0.75]), min_size=1, max_size=3))
    dim = draw(st.one_of(st.none(), st.integers(-max(len(shape), 1), max(len(shape), 1) - 1)))
    return Sample((x, q), {"dim": dim, "keepdim": draw(st.booleans()),
                           "interpolation": draw(st.sampled_from(_INTERPOLATIONS))})  # fmt: skip


def _quantile_ref(nan: bool) -> Any:
    def ref(x, q, dim=None, keepdim=False, interpolation="linear"):
        fn = np.nanquantile if nan else np.quantile
        axis = None if x.ndim == 0 else dim
        return fn(x, q, axis=axis, keepdims=keepdim, method=interpolation)

    return ref


def _torch_quantile(name: str) -> Any:
    def call(torch, x, q, **kwargs):
        if isinstance(q, list):
            q = torch.tensor(q, dtype=x.dtype)
        return getattr(torch, name)(x, q, **kwargs)

    return call


def _quantile_op(name: str, ignore_nan: bool, doc: str) -> Callable[..., Tensor]:
    """The public ``quantile`` or ``nanquantile``, with its registry entry."""

    def quantile_op(
        input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
        interpolation: str = "linear",
    ) -> Tensor:  # fmt: skip
        return _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan)

    return register(
        method=True, sample=_sample_quantile, ref=_quantile_ref(ignore_nan),
        torch=_torch_quantile(name),
    )(named_op(quantile_op, __name__, name, doc))  # fmt: skip


quantile = _quantile_op(
    "quantile",
    False,
    """The ``q``-th quantiles (``q`` a number or a 1-D tensor, in [0, 1]) of ``input`` over
    ``dim`` (all elements when None); with a 1-D ``q`` the result's first dim runs over it.
    ``interpolation`` between the order statistics around ``q * (n - 1)``: ``'linear'``,
    ``'lower'``, ``'higher'``, ``'midpoint'`` or ``'nearest'``. A slice holding NaN gives NaN.

    Examples
    --------
    >>> import autograd
    >>> autograd.quantile(autograd.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5000)
    """,
)
nanquantile = _quantile_op(
    "nanquantile",
    True,
    """:func:`quantile` ignoring NaN values (a slice of only NaN gives NaN).

    Examples
    --------
    >>> import autograd
    >>> autograd.nanquantile(autograd.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """,
)


# -------------------------------------------------------------------- std_mean, var_mean
def _sample_moments(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=1, min_side=2))
    x = draw(testing.arrays(shape, dtype))
    x = (x + np.arange(x.size).reshape(shape) * 0.05).astype(dtype)
    dim = draw(testing.dims(len(shape), allow_none=True))
    return Sample((x,), {"dim": dim, "correction": draw(st.sampled_from([0, 1])),
                         "keepdim": draw(st.booleans())})  # fmt: skip


def _moments_ref(fn: Any) -> Any:
    def ref(x, dim=None, correction=1, keepdim=False):
        axis = None if dim is None else (tuple(dim) if isinstance(dim, (tuple, list)) else dim)
        return (fn(x, axis=axis, ddof=correction, keepdims=keepdim),
                np.mean(x, axis=axis, keepdims=keepdim))  # fmt: skip

    return ref


def _with_mean(name: str, spread: Callable[..., Tensor]) -> Callable[..., tuple[Tensor, Tensor]]:
    """``name(input, dim, unbiased, keepdim, *, correction)``: ``spread`` (``std`` or ``var``)
    and the mean over the same dims, as PyTorch's ``std_mean``/``var_mean``."""

    def with_mean(
        input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None,
    ) -> tuple[Tensor, Tensor]:  # fmt: skip
        s = spread(input, dim, unbiased, keepdim, correction=correction)
        return s, mean(input, dim, keepdim)

    with_mean.__name__ = with_mean.__qualname__ = name
    with_mean.__doc__ = f"""``({spread.__name__}(input, dim, ...), mean(input, dim))`` in one
    call, as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> autograd.{name}(autograd.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    return with_mean


std_mean = register(sample=_sample_moments, ref=_moments_ref(np.std))(_with_mean("std_mean", std))
var_mean = register(sample=_sample_moments, ref=_moments_ref(np.var))(_with_mean("var_mean", var))


# --------------------------------------------------------------------------- count_nonzero
@register(method=True, numpy=np.count_nonzero)
def count_nonzero(input: Any, dim: Any = None) -> Tensor:
    """The number of non-zero elements (int64) over ``dim`` (an int or a tuple; all when
    None).

    Examples
    --------
    >>> import autograd
    >>> autograd.count_nonzero(autograd.tensor([[0, 1], [2, 0]]), dim=0)
    tensor([1, 1])
    """
    t = as_tensor(input)
    axes = dim_tuple(dim, t.ndim, "count_nonzero")
    return Tensor._make(np.asarray(np.count_nonzero(t._array, axis=axes), dtype=np.int64))


__test__ = {"quantile": quantile, "nanquantile": nanquantile}  # made by a factory
