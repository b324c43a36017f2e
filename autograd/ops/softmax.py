"""Fused, numerically stable softmax and log_softmax with hand-written backward rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..kernels.softmax import softmax_rows, softmax_rows_backward, takes
from ..tensor import Tensor
from ._util import dim_or_axis, floating_tensor, normalize_dim
from .registry import Sample, register


# ------------------------------------------------------------------- softmax / log_softmax
def _softmax_dim(op: str, input: Any, dim: Any, dtype: Any, axis: Any) -> tuple[Tensor, Any]:
    t = floating_tensor(op, input, dtype)
    d = normalize_dim(dim_or_axis(op, dim, axis, required=True), t._array.ndim, op)
    return t, (d if t._array.ndim else None)


def _max_shifted(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` minus its max along ``dim``: exp() of it stays in range (finite for logits of ±1e4
    in float32)."""
    return x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)


def _minus_shared_sum(v: Any, p: Any, dim: int) -> Any:
    """``v - p * sum(v, dim)``: the vector-Jacobian product of softmax (``v = g * y``, ``p = y``)
    and of log_softmax (``v = g``, ``p = softmax``). Arrays, or Tensors under create_graph."""
    s = v.sum(axis=dim, keepdims=True)
    if isinstance(v, Tensor) or isinstance(p, Tensor):
        return v - p * s
    out = p * s
    return np.subtract(v, out, out=out)


def _rows(x: np.ndarray, dim: Any) -> np.ndarray | None:
    """``x`` as a C-contiguous block of rows when the kernels of
    :mod:`autograd.kernels.softmax` take it (over its last axis, see its ``takes``), else
    None."""
    if dim is None or dim != x.ndim - 1 or not takes(x):
        return None
    return np.ascontiguousarray(x).reshape(-1, x.shape[-1])


def _rows_backward(y: np.ndarray, g: Any, dim: Any, log: bool) -> np.ndarray | None:
    """The kernels' backward for an output ``y`` they computed, or None."""
    if type(g) is not np.ndarray or _rows(y, dim) is None or g.dtype != y.dtype:
        return None
    n = y.shape[-1]
    gx = softmax_rows_backward(y.reshape(-1, n), np.ascontiguousarray(g).reshape(-1, n), log)
    return gx.reshape(y.shape)


def softmax_array(x: np.ndarray, dim: Any) -> np.ndarray:
    """``softmax`` of an array along ``dim`` (None for a 0-d array): by the row kernels where
    they take it, else by NumPy.

    Examples
    --------
    >>> softmax_array(np.array([0.0, np.log(3.0)]), 0)
    array([0.25, 0.75])
    """
    rows = _rows(x, dim)
    if rows is not None:
        return softmax_rows(rows, log=False).reshape(x.shape)
    e = np.exp(_max_shifted(x, dim))
    e /= e.sum(axis=dim, keepdims=True)
    return e


def softmax_array_backward(y: np.ndarray, g: Any, dim: Any) -> Any:
    """The gradient of :func:`softmax_array` at output ``y`` for output gradient ``g`` (arrays,
    or Tensors under create_graph): ``y * (g - sum(g * y, dim))``.

    Examples
    --------
    >>> softmax_array_backward(np.array([0.25, 0.75]), np.array([1.0, 0.0]), 0)
    array([ 0.1875, -0.1875])
    """
    gx = _rows_backward(y, g, dim, log=False)
    if gx is not None:
        return gx
    return _minus_shared_sum(g * y, y, dim)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        e = softmax_array(x, dim)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return softmax_array_backward(y, g, ctx.dim), None

    @staticmethod
    def jvp(ctx, tx, dim):
        (y,) = ctx.saved_tensors
        return _minus_shared_sum(y * tx, y, dim)


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        rows = _rows(x, dim)
        if rows is not None:
            z = softmax_rows(rows, log=True).reshape(x.shape)
        else:
            z = _max_shifted(x, dim)
            s = np.exp(z).sum(axis=dim, keepdims=True)
            z -= np.log(s, out=s)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        gx = _rows_backward(y, g, ctx.dim, log=True)
        if gx is not None:
            return gx, None
        return _minus_shared_sum(g, np.exp(y), ctx.dim), None

    @staticmethod
    def jvp(ctx, tx, dim):
        (y,) = ctx.saved_tensors
        return tx - (np.exp(y) * tx).sum(axis=dim, keepdims=True)


def _softmax_sample(draw: Any, dtype: np.dtype) -> Sample:
    from .. import testing

    shape = draw(testing.shapes())
    x = draw(testing.arrays(shape, dtype))
    return Sample((x, draw(testing.dims(len(shape), allow_tuple=False))))


def _softmax_ref(x, dim):
    d = dim if x.ndim else None
    e = np.exp(x - np.max(x, axis=d, keepdims=True))
    return e / e.sum(axis=d, keepdims=True)


@register(method=True, sample=_softmax_sample, ref=_softmax_ref)
def softmax(input: Tensor, dim: int | None = None, dtype: Any = None, *, axis: Any = None
            ) -> Tensor:  # fmt: skip
    """``exp(x) / sum(exp(x), dim)``, computed with the max subtracted (stable for logits of
    ±1e4 in float32). ``dtype`` casts the input first; integer inputs need it, as in PyTorch.

    Examples
    --------
    >>> import autograd
    >>> autograd.softmax(autograd.tensor([[0.0, 0.0], [10000.0, -10000.0]]), dim=1)
    tensor([[0.5000, 0.5000],
            [1.0000, 0.0000]])
    """
    t, d = _softmax_dim("softmax", input, dim, dtype, axis)
    if d is None:  # 0-d: a softmax over one element is 1, with zero gradient
        return t * 0 + 1
    return Softmax.apply(t, d)


@register(
    method=True,
    sample=_softmax_sample,
    ref=lambda x, dim: np.log(_softmax_ref(x, dim)),
)
def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None, *, axis: Any = None
                ) -> Tensor:  # fmt: skip
    """``x - logsumexp(x, dim)``, fused with a hand-written backward ``g - softmax * sum(g)``;
    finite values and gradients for logits of ±1e4 in float32.

    Examples
    --------
    >>> import autograd
    >>> autograd.log_softmax(autograd.tensor([10000.0, -10000.0]), dim=0)
    tensor([     0., -20000.])
    """
    t, d = _softmax_dim("log_softmax", input, dim, dtype, axis)
    if d is None:  # 0-d: log(1) with zero gradient
        return t * 0
    return LogSoftmax.apply(t, d)
