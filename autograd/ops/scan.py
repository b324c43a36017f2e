"""Scans: cumsum, cumprod (the cumprod gradient is exact with zeros in the input)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import Function, linear_jvp
from ..tensor import Tensor
from ._jvp import sum_terms
from ._reduce_util import (
    _scan_sample,
)
from ._util import as_tensor, dim_or_axis, normalize_dim
from .registry import register

_builtin_max = max


# ------------------------------------------------------------------------ cumsum / cumprod
class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, g):
        d = ctx.dim
        if isinstance(g, Tensor):  # reversed cumsum, from differentiable pieces (no
            # subtraction of sums: an infinite entry of g must not make inf - inf elsewhere)
            return cumsum(g.flip(d), d).flip(d), None
        return np.flip(np.cumsum(np.flip(g, d), axis=d), d), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _scan_dim(op: str, t: Tensor, dim: Any, axis: Any) -> int:
    return normalize_dim(dim_or_axis(op, dim, axis, required=True), t._array.ndim, op)


def _scan_input(op: str, input: Any, dim: Any, dtype: Any, axis: Any) -> tuple[Tensor, int]:
    t = input if isinstance(input, Tensor) else as_tensor(input)
    d = _scan_dim(op, t, dim, axis)
    if dtype is not None:
        t = t.to(_dt.to_dtype(dtype))
    elif t._array.dtype.kind in "biu" and t._array.dtype != np.int64:
        t = Tensor._make(t._array.astype(np.int64))  # as PyTorch: integer scans in int64
    if t._array.ndim == 0:
        d = None
    return t, d


@register(
    method=True,
    numpy=np.cumsum,
    sample=_scan_sample(),
    ref=lambda x, dim: np.cumsum(x, axis=dim).reshape(x.shape),
)
def cumsum(input: Tensor, dim: int | None = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """Running sum along ``dim``. Integer and bool tensors accumulate in int64, as PyTorch.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    t, d = _scan_input("cumsum", input, dim, dtype, axis)
    return t.clone() if d is None else Cumsum.apply(t, d)


def _cumprod_vjp_last(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of cumprod along the last axis, exact with zeros (no division).

    grad_j = prod(x[:j]) * s_j with s_j = g_j + x_{j+1} * s_{j+1}. A zero input ends the
    outputs that depend on the inputs before it: where ``x_{j+1}`` is 0 the term is dropped,
    and the inputs after a row's first zero have gradient 0. Their derivatives are exactly 0,
    so an inf or NaN gradient of an output that does not depend on an input stays out of its
    gradient (PyTorch's rule for inputs with zeros).
    """
    k = x.shape[-1]
    s = np.empty(np.broadcast_shapes(x.shape, g.shape), dtype=np.result_type(x, g))
    s[..., k - 1] = g[..., k - 1]
    for j in range(k - 2, -1, -1):
        nxt = x[..., j + 1]
        s[..., j] = g[..., j] + np.where(nxt == 0, 0, nxt * s[..., j + 1])
    left = np.ones_like(s)
    if k > 1:
        np.cumprod(x[..., :-1], axis=-1, out=left[..., 1:])
    zero = x == 0
    after_zero = (np.cumsum(zero, axis=-1) - zero) > 0
    return np.where(after_zero, 0, left * s)


def _cumprod_jvp_last(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Tangent of cumprod along the last axis in the direction ``t``, exact with zeros:
    ``dy_j = dy_{j-1} x_j + y_{j-1} t_j``."""
    out = np.empty(np.broadcast_shapes(x.shape, t.shape), dtype=np.result_type(x, t))
    if x.shape[-1] == 0:
        return out
    d = t[..., 0].copy()
    out[..., 0] = d
    run = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        d = d * x[..., j] + run * t[..., j]
        run = run * x[..., j]
        out[..., j] = d
    return out


def _cumprod_vjp_term(xl: np.ndarray, gl: np.ndarray, m: int) -> np.ndarray:
    """How cumprod's gradient (last axis) depends on ``x_m``: the rule with ``x_m`` set to 1,
    only the outputs from ``m`` on, and entry ``m`` zeroed (``d grad / d x_m``, used by the
    second-order and forward-mode rules of the gradient)."""
    x_m = xl.copy()
    x_m[..., m] = 1
    g_m = gl.copy()
    g_m[..., :m] = 0
    v = _cumprod_vjp_last(x_m, g_m)
    v[..., m] = 0
    return v


def _cumprod_grad(x: np.ndarray, g: np.ndarray, d: int) -> np.ndarray:
    xl, gl = np.moveaxis(x, d, -1), np.moveaxis(g, d, -1)
    if xl.shape[-1] <= 1:  # the identity: g passes as it is (no inf / inf at an inf input)
        return np.broadcast_to(g, np.broadcast_shapes(x.shape, g.shape)).copy()
    if np.all(xl != 0):
        # No zero: reversed cumsum of g * y divided by x (O(n), vectorized).
        y = np.cumprod(xl, axis=-1)
        r = np.flip(np.cumsum(np.flip(gl * y, -1), axis=-1), -1)
        return np.moveaxis(r / xl, -1, d)
    return np.moveaxis(_cumprod_vjp_last(xl, gl), -1, d)


class Cumprod(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x)
        return np.cumprod(x, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if isinstance(g, Tensor):
            return CumprodBackward.apply(x, g, ctx.dim), None
        return _cumprod_grad(x, g, ctx.dim), None

    @staticmethod
    def jvp(ctx, tx, dim):
        xl, tl = np.moveaxis(ctx.primals[0], dim, -1), np.moveaxis(tx, dim, -1)
        return np.moveaxis(_cumprod_jvp_last(xl, tl), -1, dim)


class CumprodBackward(Function):
    """``cumprod``'s gradient as an op: exact second derivatives with zeros in the input."""

    @staticmethod
    def forward(ctx, x, g, dim):
        ctx.dim = dim
        ctx.save_for_backward(x, g)
        return _cumprod_grad(x, g, dim)

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):
            raise RuntimeError("cumprod: gradients of order three and higher are not supported")
        x, g = ctx.saved_tensors
        d = ctx.dim
        xl, gl, ggl = (np.moveaxis(a, d, -1) for a in (x, g, gg))
        k = xl.shape[-1]
        if k == 0:  # an empty scan: nothing to differentiate (the loops read element 0)
            return np.zeros_like(x), np.zeros_like(g), None
        # grad wrt g: cumprod's forward derivative in the direction gg.
        grad_g = _cumprod_jvp_last(xl, ggl)
        # grad wrt x_m: drop x_m (set it to 1) and keep only the terms with k >= m.
        grad_x = np.empty_like(xl)
        for m in range(k):
            grad_x[..., m] = (ggl * _cumprod_vjp_term(xl, gl, m)).sum(-1)
        return np.moveaxis(grad_x, -1, d), np.moveaxis(grad_g, -1, d), None

    @staticmethod
    def jvp(ctx, tx, tg, dim):
        x, g = ctx.primals[:2]
        has_x, has_g = ctx.has_tangent[:2]
        d_g = _cumprod_grad(x, tg, dim) if has_g else None  # linear in g
        d_x = None
        if has_x:
            # The terms of the backward rule's x-gradient, weighted by tx instead of summed.
            xl, gl, tl = (np.moveaxis(a, dim, -1) for a in (x, g, tx))
            d = np.zeros(np.broadcast_shapes(xl.shape, gl.shape), np.result_type(xl, gl))
            for m in range(xl.shape[-1]):
                d += tl[..., m : m + 1] * _cumprod_vjp_term(xl, gl, m)
            d_x = np.moveaxis(d, -1, dim)
        return sum_terms(d_g, d_x)


@register(
    method=True,
    numpy=np.cumprod,
    sample=_scan_sample(low=-2.0, high=2.0, kinks=(0.0,)),
    ref=lambda x, dim: np.cumprod(x, axis=dim).reshape(x.shape),
)
def cumprod(input: Tensor, dim: int | None = None, dtype: Any = None, *, axis: Any = None
            ) -> Tensor:  # fmt: skip
    """Running product along ``dim``. Integer and bool tensors accumulate in int64.

    The gradient is exact when the input holds zeros (one or several).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.cumprod(0).sum().backward(); x.grad
    tensor([1., 8., 0.])
    """
    t, d = _scan_input("cumprod", input, dim, dtype, axis)
    return t.clone() if d is None else Cumprod.apply(t, d)
