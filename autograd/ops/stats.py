"""Statistics: var, std, logsumexp (stable), norm."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._jvp import reduction_jvp
from ._reduce_util import (
    _count,
    _dim_reduction,
    _draw_values,
    _expand,
    _np_axes,
    _reduce_args,
    _reduce_sample,
    _torch_over_dims,
)
from ._table import select_grad, zeros_like_grad
from ._util import as_tensor, float_tensor, floating_tensor, require_floating
from .registry import Sample, register

_builtin_max = max


# ------------------------------------------------------------------------- var / std
class Var(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, correction, root):
        n = _count(x.shape, axes)
        denom = _builtin_max(0.0, n - correction)
        xc = x - x.mean(axis=axes, keepdims=True) if n else x
        ss = (xc * xc).sum(axis=axes, keepdims=keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.asarray(np.sqrt(ss / denom) if root else ss / denom)
        ctx.meta = (x.shape, axes, keepdim, denom, root)
        # As PyTorch: var keeps its input, std also its output.
        if root:
            ctx.save_for_backward(x, xc, y)
        else:
            ctx.save_for_backward(x, xc)
        return y

    @staticmethod
    def backward(ctx, g):
        x, xc, *out = ctx.saved_tensors
        y = out[0] if out else None
        shape, axes, keepdim, denom, root = ctx.meta
        if isinstance(x, Tensor):
            xc = x - x.mean(axis=axes, keepdims=True)
        scale = (1.0 if root else 2.0) / denom if denom else math.inf
        if root:
            # std is 0 only when the group is constant: the gradient there is 0 (PyTorch's
            # convention), selected rather than 0 / 0, so it stays 0 when differentiated again.
            constant = np.asarray(y == 0)
            g = select_grad(~constant, g / (y + constant))
        return _expand(g * scale, shape, axes, keepdim) * xc, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, axes, keepdim, correction, root):
        return reduction_jvp(ctx, tx, axes, keepdim)


class Std(Var):
    node_name = "StdBackward0"  # PyTorch's node for std; the rule is var's with root=True


def _var(op: str, input, dim, unbiased, keepdim, correction, axis, keepdims, ddof, root):
    t = input if isinstance(input, Tensor) else as_tensor(input)
    if isinstance(dim, bool):  # legacy var(input, unbiased)
        dim, unbiased = None, dim
    if ddof is not None:
        if correction is not None:
            raise TypeError(f"{op}: got both correction and its alias ddof")
        correction = ddof
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{op}: give either unbiased or correction, not both")
        correction = 1 if unbiased else 0
    if correction is None:
        correction = 1
    if not isinstance(correction, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: correction must be a number, got {type(correction).__name__}")
    axes, keepdim = _reduce_args(op, t._array.ndim, dim, keepdim, axis, keepdims)
    require_floating(op, t)
    return (Std if root else Var).apply(t, axes, bool(keepdim), float(correction), root)


def _var_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=1))
    x = _draw_values(draw, shape, dtype, -3.0, 3.0, True)  # never constant: std'(0) is a kink
    dim = draw(testing.dims(len(shape), allow_none=True))
    axes = tuple(range(len(shape))) if dim is None else dim if isinstance(dim, tuple) else (dim,)
    n = math.prod(shape[a] for a in axes)
    correction = draw(st.sampled_from([0, 1])) if n > 1 else 0
    return Sample((x,), {"dim": dim, "correction": correction, "keepdim": draw(st.booleans())})


def _var_ref(fn: Any) -> Any:
    def ref(x, dim=None, correction=1, keepdim=False):
        return fn(x, axis=dim, ddof=correction, keepdims=keepdim)

    return ref


def _variance_fn(name: str, root: bool, doc: str) -> Callable[..., Tensor]:
    """``var`` (``root=False``) or ``std`` (``root=True``) with PyTorch's signature, its legacy
    ``unbiased`` and NumPy's ``axis``/``keepdims``/``ddof``."""

    def variance(
        input: Tensor,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
        axis: Any = None,
        keepdims: bool | None = None,
        ddof: float | None = None,
    ) -> Tensor:
        return _var(name, input, dim, unbiased, keepdim, correction, axis, keepdims, ddof, root)

    variance.__name__ = variance.__qualname__ = name
    variance.__doc__ = doc
    return variance


var = register(method=True, numpy=np.var, sample=_var_sample, ref=_var_ref(np.var))(
    _variance_fn(
        "var",
        False,
        """Variance over ``dim``: ``sum((x - mean)**2) / max(0, N - correction)``.

    ``correction=1`` (the default, same as ``unbiased=True``) is Bessel's correction;
    ``unbiased=False`` means ``correction=0``. NumPy's ``ddof`` is an alias of ``correction``
    (note NumPy's default is 0, PyTorch's is 1). When ``correction >= N`` the result is inf (or
    NaN for a constant input), as in PyTorch. With one element per group and ``correction=1``
    the result is NaN for every input, and so are its derivatives of every order (PyTorch's
    reduction over all dims alone gives a finite second derivative there).

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1.0, 2.0, 4.0]).var()
    tensor(2.3333)
    >>> autograd.tensor([1.0, 2.0, 4.0]).var(unbiased=False)
    tensor(1.5556)
    """,
    )
)
std = register(method=True, numpy=np.std, sample=_var_sample, ref=_var_ref(np.std))(
    _variance_fn(
        "std",
        True,
        """Standard deviation: the square root of :func:`var` (same arguments). The gradient over a
    constant group is 0, as in PyTorch.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1.0, 2.0, 4.0]).std(0, unbiased=False)
    tensor(1.2472)
    """,
    )
)


# ----------------------------------------------------------------------------- logsumexp
class LogSumExp(Function):
    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
        finite = np.isfinite(m)
        if not finite.all():  # all -inf, or a +inf: x - m must not turn into NaN
            m = np.where(finite, m, 0)
        with np.errstate(divide="ignore"):
            # an array (not a NumPy scalar), so that the saved y is the output itself
            y = np.asarray(np.log(np.exp(x - m).sum(axis=axes, keepdims=keepdim)))
        y += m if keepdim else m.reshape(y.shape)
        ctx.meta = (x.shape, axes, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        shape, axes, keepdim = ctx.meta
        softmax = np.exp(x - _expand(y, shape, axes, keepdim))
        return _expand(g, shape, axes, keepdim) * softmax, None, None

    @staticmethod
    def jvp(ctx, tx, axes, keepdim):
        return reduction_jvp(ctx, tx, axes, keepdim)  # the softmax-weighted sum of tx


def _logsumexp(
    op: str, input: Any, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None
) -> Tensor:
    t = float_tensor(input)
    axes, keepdim = _reduce_args(op, t._array.ndim, dim, keepdim, axis, keepdims)
    return LogSumExp.apply(t, axes, bool(keepdim))


logsumexp = register(
    method=True,
    sample=_reduce_sample(),
    torch=lambda torch, x, dim=None, keepdim=False: _torch_over_dims(
        torch.logsumexp, x, dim, keepdim
    ),
    ref=lambda x, dim=None, keepdim=False: np.log(
        np.sum(np.exp(x), _np_axes(x, dim), keepdims=keepdim)
    ),
)(
    _dim_reduction(
        __name__,
        "logsumexp",
        _logsumexp,
        """``log(sum(exp(input), dim))`` computed stably (finite for logits of ±1e4 in float32).
    Integer inputs are computed in float32. ``dim=None`` reduces every dim.

    Examples
    --------
    >>> import autograd
    >>> autograd.logsumexp(autograd.tensor([10000.0, 10000.0]), dim=0)
    tensor(10000.6934)
    """,
    )
)


# ---------------------------------------------------------------------------------- norm
class Norm(Function):
    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        a = np.abs(x)
        if p == 2:
            y = np.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            y = a.sum(axis=axes, keepdims=keepdim)
        elif p == math.inf:
            y = a.max(axis=axes, keepdims=keepdim, initial=0)
        elif p == -math.inf:
            y = a.min(axis=axes, keepdims=keepdim, initial=math.inf)
        elif p == 0:
            y = (x != 0).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
        else:
            with np.errstate(divide="ignore"):
                y = (a**p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        y = np.asarray(y, dtype=x.dtype)
        ctx.meta = (x.shape, p, axes, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        shape, p, axes, keepdim = ctx.meta
        if p == 0:
            return zeros_like_grad(x), None, None, None
        if p == 1:
            return _expand(g, shape, axes, keepdim) * np.sign(x), None, None, None
        if p == 2:
            # PyTorch's g * (x / |x|), the subgradient 0 selected for x / |x| at a zero norm (x
            # is all zeros there): an infinite g makes NaN there, and differentiated again it is
            # PyTorch's NaN (the Hessian (I - u u^T) / |x| is unbounded), not the 1 that
            # g * x / (y + 1) would give.
            with np.errstate(divide="ignore", invalid="ignore"):
                unit = x / _expand(y, shape, axes, keepdim)
            nonzero = _expand(np.asarray(y != 0), shape, axes, keepdim)
            return _expand(g, shape, axes, keepdim) * select_grad(nonzero, unit), None, None, None
        if p in (math.inf, -math.inf):
            ye = _expand(y, shape, axes, keepdim)
            hit = np.abs(x) == ye
            w = np.sign(x) * hit
            count = hit.sum(axis=axes, keepdims=True)
            return _expand(g, shape, axes, keepdim) * w / count, None, None, None
        a = np.abs(x)
        # sign(x) * |x|**(p-1), kept 0 (not 0 * inf) at x == 0 for p < 1, as PyTorch.
        up = np.sign(x) * (a + (a == 0)) ** (p - 1)
        scale = g / (y + (y == 0)) ** (p - 1)
        return _expand(scale, shape, axes, keepdim) * up, None, None, None

    @staticmethod
    def jvp(ctx, tx, p, axes, keepdim):
        return reduction_jvp(ctx, tx, axes, keepdim)


def _norm_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes())
    # distinct magnitudes away from 0 keep finite differences clear of the kinks
    x = _draw_values(draw, shape, dtype, 0.3, 3.0, True)
    x = np.where(draw(testing.tie_mask(shape)), -x, x).astype(dtype)
    p = draw(st.sampled_from([2, "fro", 1, 3, 1.5, math.inf, -math.inf]))
    dim = draw(testing.dims(len(shape), allow_none=True))
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:
        p = 2  # PyTorch's Frobenius norm takes at most two dims; ours flattens like p=2
    return Sample((x,), {"p": p, "dim": dim, "keepdim": draw(st.booleans())})


def _norm_ref(x, p="fro", dim=None, keepdim=False):
    return _p_norm_ref(x, 2 if p == "fro" else p, _np_axes(x, dim), keepdim)


def _p_norm_ref(x: np.ndarray, p: Any, axes: Any, keepdim: bool) -> np.ndarray:
    """NumPy's vector ``p``-norm over ``axes``: the registry's reference for the p-norms."""
    a = np.abs(x)
    if p == math.inf:
        return np.max(a, axes, keepdims=keepdim)
    if p == -math.inf:
        return np.min(a, axes, keepdims=keepdim)
    return np.sum(a**p, axes, keepdims=keepdim) ** (1.0 / p)


@register(method=True, sample=_norm_sample, ref=_norm_ref, atol=1e-4)
def norm(
    input: Tensor,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    dtype: Any = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Vector ``p``-norm over ``dim`` (all elements by default): ``p`` is ``'fro'`` or 2, 1,
    ``inf``, ``-inf``, 0 (count of non-zeros, zero gradient) or any other number.

    At non-differentiable points PyTorch's subgradients are used: for p=2 the gradient at a zero
    norm is 0; for p=1 it is ``sign(x)`` (0 at 0); for ``±inf`` the extreme elements share it
    evenly; for other p an element equal to 0 gets 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([3.0, -4.0]).norm()
    tensor(5.)
    >>> autograd.norm(autograd.tensor([3.0, -4.0]), p=1)
    tensor(7.)
    """
    t = floating_tensor("norm", input, dtype)
    if p is None or p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(
            f"norm: p must be 'fro' or a number (2, 1, inf, -inf, 0, ...), got {p!r}"
            + ("; the nuclear norm is not supported" if p == "nuc" else "")
        )
    axes, keepdim = _reduce_args("norm", t._array.ndim, dim, keepdim, axis, keepdims)
    return Norm.apply(t, float(p), axes, bool(keepdim))


__test__ = {"logsumexp": logsumexp}  # made by a factory: doctest finds them here
