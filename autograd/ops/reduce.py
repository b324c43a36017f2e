"""Reductions: sum, mean, prod, all, any (see ``_reduce_util`` for the dim conventions).

A reduced gradient is broadcast back to the input's shape by ``ExpandReduced``, whose own backward
is a sum, so every rule here stays differentiable under ``create_graph=True``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import engine
from ..function import Function, linear_jvp
from ..kernels.reduce import sum_between
from ..tensor import Tensor
from ._jvp import reduction_jvp, sum_terms
from ._reduce_util import (
    _count,
    _dim_reduction,
    _dtype_reduction,
    _expand,
    _np_reduce_ref,
    _reduce_args,
    _reduce_sample,
    _torch_over_dims,
)
from ._util import as_tensor
from .registry import register

_builtin_max = max


# The gradients of broadcast operands are summed over middle axes by the same kernel.
engine.set_axis_sums(sum_between)


# ----------------------------------------------------------------------------------- sum
def _array_sum(x: np.ndarray, axes: tuple | None, keepdim: bool) -> Any:
    """``x.sum(axis=axes, keepdims=keepdim)``, by the compiled sums over middle axes where they
    take it (:func:`autograd.kernels.reduce.sum_between`: NumPy's sums, bit for bit)."""
    out = None if axes is None else sum_between(x, axes)
    if out is None:
        return x.sum(axis=axes, keepdims=keepdim)
    return out if keepdim else out.reshape([n for k, n in enumerate(x.shape) if k not in axes])


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.meta = (x.shape, axes, keepdim)
        return _array_sum(x, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand(g, *ctx.meta), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sum(t: Tensor, axes: tuple | None, keepdim: bool, cast: bool) -> Tensor:
    if not cast and t._array.dtype.kind in "biu":
        return Tensor._make(np.asarray(t._array.sum(axis=axes, keepdims=keepdim, dtype=np.int64)))
    return (Sum if axes is None else SumDim).apply(t, axes, keepdim)


sum = register(  # noqa: A001
    method=True, numpy=np.sum, sample=_reduce_sample(), ref=_np_reduce_ref(np.sum)
)(
    _dtype_reduction(
        __name__,
        "sum",
        _sum,
        """Sum over ``dim`` (an int, a tuple, or None for all). Integer and bool tensors sum to
    int64, as in PyTorch; ``dtype`` casts the input first.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x.sum(dim=0)
    tensor([4., 6.], grad_fn=<SumBackward1>)
    >>> x.sum().backward(); x.grad
    tensor([[1., 1.],
            [1., 1.]])
    """,
    )
)


# ---------------------------------------------------------------------------------- mean
class Mean(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        n = _count(x.shape, axes)
        ctx.meta = (x.shape, axes, keepdim, n)
        s = _array_sum(x, axes, keepdim)
        if n == 0:
            return np.full(np.shape(s), np.nan, dtype=x.dtype)
        return s / n

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdim, n = ctx.meta
        return _expand(g * (1.0 / _builtin_max(n, 1)), shape, axes, keepdim), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _mean(t: Tensor, axes: tuple | None, keepdim: bool, cast: bool) -> Tensor:
    if t._array.dtype.kind != "f":
        raise TypeError(
            f"mean: could not infer the output dtype: input dtype must be floating point, "
            f"got {t._array.dtype} (pass dtype=autograd.float32 or call .float() first)"
        )
    return (Mean if axes is None else MeanDim).apply(t, axes, keepdim)


mean = register(method=True, numpy=np.mean, sample=_reduce_sample(), ref=_np_reduce_ref(np.mean))(
    _dtype_reduction(
        __name__,
        "mean",
        _mean,
        """Mean over ``dim``. Floating point only (as PyTorch): pass ``dtype`` for an integer input.
    The mean of an empty selection is NaN.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(1)
    tensor([1.5000, 4.0000])
    """,
    )
)


# ---------------------------------------------------------------------------------- prod
def _to_last(x: np.ndarray, axes: tuple | None) -> tuple[np.ndarray, Any]:
    """View the reduced axes of ``x`` as one trailing axis; return it and the inverse map."""
    nd = x.ndim
    red = tuple(range(nd)) if axes is None else axes
    kept = tuple(i for i in range(nd) if i not in red)
    perm = kept + red
    moved_shape = tuple(x.shape[p] for p in perm)
    # Sizes spelled out: NumPy cannot infer a -1 when the array is empty.
    flat = x.transpose(perm).reshape(
        moved_shape[: len(kept)] + (math.prod(moved_shape[len(kept) :]),)
    )
    inverse = np.argsort(perm)

    def restore(r: np.ndarray) -> np.ndarray:
        return r.reshape(moved_shape).transpose(inverse)

    return flat, restore


def _others_last(xl: np.ndarray) -> np.ndarray:
    """Product of all other elements along the last axis, without dividing (zeros are fine)."""
    left = np.ones_like(xl)
    right = np.ones_like(xl)
    if xl.shape[-1] > 1:
        np.cumprod(xl[..., :-1], axis=-1, out=left[..., 1:])
        right[..., :-1] = np.cumprod(xl[..., :0:-1], axis=-1)[..., ::-1]
    return left * right


class SumDim(Sum):
    node_name = "SumBackward1"  # PyTorch's node for sum(dim)


class MeanDim(Mean):
    node_name = "MeanBackward1"  # PyTorch's node for mean(dim)


class Prod(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.meta = (axes, keepdim)
        ctx.save_for_backward(x)
        return np.prod(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        axes, keepdim = ctx.meta
        reduced = math.prod(x.shape if axes is None else (x.shape[a] for a in axes))
        if reduced == 1:
            # The product of one element is that element: its gradient does not depend on the
            # input, so no second derivative flows back to it (PyTorch's rule for a 0-d input).
            return _expand(g, x.shape, axes, keepdim), None, None
        if isinstance(g, Tensor):
            return ProdBackward.apply(x, g, axes, keepdim), None, None
        xl, restore = _to_last(x, axes)
        return _expand(g, x.shape, axes, keepdim) * restore(_others_last(xl)), None, None

    @staticmethod
    def jvp(ctx, tx, axes, keepdim):
        return reduction_jvp(ctx, tx, axes, keepdim)  # sum of tx times the product of the others


class ProdBackward(Function):
    """``prod``'s gradient as an op, so that second derivatives are exact with zeros too."""

    @staticmethod
    def forward(ctx, x, g, axes, keepdim):
        ctx.meta = (axes, keepdim)
        ctx.save_for_backward(x, g)
        xl, restore = _to_last(x, axes)
        return _expand(g, x.shape, axes, keepdim) * restore(_others_last(xl))

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):
            raise RuntimeError("prod: gradients of order three and higher are not supported")
        x, g = ctx.saved_tensors
        axes, keepdim = ctx.meta
        xl, restore = _to_last(x, axes)
        ggl, _ = _to_last(np.ascontiguousarray(gg), axes)
        grad_g = (ggl * _others_last(xl)).sum(-1)
        # d(others_j)/d(x_m) = product of everything but x_j and x_m: drop x_m by setting it to 1.
        # others_m does not depend on x_m: its term is selected out, so an infinite gg_m there
        # adds nothing (a single element's second derivative is 0, as PyTorch's).
        pair = np.empty_like(xl)
        for m in range(xl.shape[-1]):
            x_m = xl.copy()
            x_m[..., m] = 1
            terms = ggl * _others_last(x_m)
            terms[..., m] = 0
            pair[..., m] = terms.sum(-1)
        grad_x = _expand(g, x.shape, axes, keepdim) * restore(pair)
        return grad_x, np.reshape(grad_g, np.shape(g)), None, None

    @staticmethod
    def jvp(ctx, tx, tg, axes, keepdim):
        x, g = ctx.primals[:2]
        has_x, has_g = ctx.has_tangent[:2]
        xl, restore = _to_last(x, axes)
        d_g = d_x = None
        if has_g:  # linear in g
            d_g = _expand(tg, x.shape, axes, keepdim) * restore(_others_last(xl))
        if has_x:
            # d(others_j) = sum over m != j of tx_m times the product of everything but x_j, x_m.
            tl, _ = _to_last(np.ascontiguousarray(tx), axes)
            d = np.zeros_like(xl)
            for m in range(xl.shape[-1]):
                x_m = xl.copy()
                x_m[..., m] = 1
                terms = tl[..., m : m + 1] * _others_last(x_m)
                terms[..., m] = 0  # others_m does not depend on x_m
                d += terms
            d_x = _expand(g, x.shape, axes, keepdim) * restore(d)
        return sum_terms(d_g, d_x)


def _prod(t: Tensor, axes: tuple | None, keepdim: bool, cast: bool) -> Tensor:
    if not cast and t._array.dtype.kind in "biu":
        return Tensor._make(np.asarray(np.prod(t._array, axes, np.int64, keepdims=keepdim)))
    return Prod.apply(t, axes, keepdim)


prod = register(
    method=True,
    numpy=np.prod,
    sample=_reduce_sample(low=-2.0, high=2.0, kinks=(0.0,)),
    torch=lambda torch, x, dim=None, keepdim=False: _torch_over_dims(torch.prod, x, dim, keepdim),
    ref=_np_reduce_ref(np.prod),
)(
    _dtype_reduction(
        __name__,
        "prod",
        _prod,
        """Product over ``dim``. Integer and bool tensors multiply in int64, as in PyTorch.

    The gradient is the product of the other elements, computed without dividing, so it is
    exact when the input holds one zero or several, or an infinity (where PyTorch's
    ``result / input`` gives NaN).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([0.0, 2.0, 3.0], requires_grad=True)
    >>> x.prod().backward(); x.grad
    tensor([6., 0., 0.])
    """,
    )
)


# ------------------------------------------------------------------------------ all / any
def _logical_reduce(op: str, input: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any):
    t = input if isinstance(input, Tensor) else as_tensor(input)
    arr = t._array
    axes, keepdim = _reduce_args(op, arr.ndim, dim, keepdim, axis, keepdims)
    out = (np.all if op == "all" else np.any)(arr, axis=axes, keepdims=keepdim)
    # PyTorch keeps uint8 for uint8 inputs (a legacy of its byte masks); bool otherwise.
    return Tensor._make(np.asarray(out, dtype=np.uint8 if arr.dtype == np.uint8 else np.bool_))


all = register(method=True, numpy=np.all)(  # noqa: A001
    _dim_reduction(
        __name__,
        "all",
        _logical_reduce,
        """Whether every element (over ``dim``) is non-zero; a bool tensor, no gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1.0, 0.0], [2.0, 3.0]]).all(dim=1)
    tensor([False,  True])
    """,
    )
)
any = register(method=True, numpy=np.any)(  # noqa: A001
    _dim_reduction(
        __name__,
        "any",
        _logical_reduce,
        """Whether any element (over ``dim``) is non-zero; a bool tensor, no gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([0.0, 2.0]).any()
    tensor(True)
    """,
    )
)
__test__ = {
    "sum": sum,
    "mean": mean,
    "prod": prod,
    "all": all,
    "any": any,
}  # made by a factory: doctest finds them here
