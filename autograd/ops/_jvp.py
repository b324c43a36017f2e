"""Shared pieces of forward-mode rules (``jvp``), declared next to each op's backward rule.

A rule is ``jvp(ctx, *tangents, **kwargs)``: one argument per argument of ``apply`` (a Tensor
argument arrives as its tangent's array, zeros when it has none; anything else as itself), the
forward's keyword arguments, and ``ctx`` as forward left it plus ``ctx.primals`` (the inputs'
values) and ``ctx.has_tangent`` (which inputs carry a tangent). It returns the output's tangent
``J @ tangents`` (a tuple of them, or None for an output without one, for several outputs); a
scalar or a broadcastable array is spread to the output's shape.

Linear ops use :func:`autograd.function.linear_jvp` (the op applied to the tangents).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context


def sum_terms(*terms: Any) -> Any:
    """The sum of the terms that are not None (0.0 when all are): a rule adds one term per input
    that carries a tangent, so a missing tangent never multiplies an inf or a NaN."""
    total: Any = None
    for t in terms:
        if t is not None:
            total = t if total is None else total + t
    return 0.0 if total is None else total


def zero_jvp(ctx: Context, *tangents: Any, **kwargs: Any) -> float:
    """The rule of a piecewise-constant op (``round``, ``div(rounding_mode=...)``): a zero tangent,
    as PyTorch's."""
    return 0.0


def diagonal_jvp(ctx: Context, u: Any, *args: Any, **kwargs: Any) -> Any:
    """The rule of an elementwise op of one Tensor: its Jacobian is diagonal, so ``J u`` is the
    backward rule applied to ``u`` (the other arguments are constants)."""
    out = ctx._fn.backward(ctx, u)
    return out[0] if isinstance(out, tuple) else out


def multilinear_jvp(
    ctx: Context, tangents: tuple, positions: tuple, replace: dict | None = None, **kwargs: Any
) -> Any:
    """The rule of an op linear in each of the arguments at ``positions`` separately (a product:
    ``matmul``, ``einsum``, a convolution): the sum over those arguments of the op with that one
    argument replaced by its tangent. ``replace`` sets other arguments in every term (a bias to
    None); ``kwargs`` are the forward's keyword arguments."""
    fn = ctx._fn
    terms = []
    for i in positions:
        if ctx.has_tangent[i]:
            args = list(ctx.primals)
            args[i] = tangents[i]
            for j, value in (replace or {}).items():
                args[j] = value
            terms.append(fn.forward(Context(fn, ctx.needs_input_grad), *args, **kwargs))
    return sum_terms(*terms)


def reduced_shape(shape: tuple, axes: Any, keepdim: bool) -> tuple:
    """The shape of a reduction of ``shape`` over ``axes`` (None: every axis)."""
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, int):
        axes = (axes,)
    axes = {a % len(shape) for a in axes} if shape else set()
    if keepdim:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def reduction_jvp(ctx: Context, tx: np.ndarray, axes: Any, keepdim: bool) -> Any:
    """The rule of a reduction whose each output reads its own slice of the input (``prod``,
    ``var``, ``logsumexp``, ``norm``): backward with a gradient of ones gives each input
    element's derivative of its output, and ``J u`` sums it times ``u`` over the slice. The
    backward rule must read only what forward saved unconditionally."""
    x = ctx.primals[0]
    ones = np.ones(reduced_shape(x.shape, axes, keepdim), dtype=x.dtype)
    out = ctx._fn.backward(ctx, ones)
    d = out[0] if isinstance(out, tuple) else out
    return (d * tx).sum(axis=axes, keepdims=keepdim)
