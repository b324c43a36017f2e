"""Transcendental elementwise functions: exp, expm1, log (4 bases), sin, cos, tan, tanh, sigmoid,
erf. One table row per op: array function, derivative rule, what the rule reads.

Integer inputs are computed in float32, as PyTorch does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..kernels import logistic, special
from ._table import elementwise_op
from .registry import unary

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


# Per float dtype: the x above which exp(-x) stays a margin below the largest finite value.
_SIGMOID_DIRECT_ABOVE = {
    np.dtype(t).char: 1.0 - float(np.log(np.finfo(t).max)) for t in np.typecodes["Float"]
}


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    small = logistic.sigmoid(x)  # one compiled pass where NumPy's fixed costs would dominate
    if small is not None:
        return small
    # Where exp(-x) cannot overflow (every x above the dtype's bound: no NaN, no large negative
    # value), the textbook 1 / (1 + exp(-x)) is four passes, each rounding once; a third faster
    # than the general form below, and as accurate.
    if x.size and x.min() > _SIGMOID_DIRECT_ABOVE[x.dtype.char]:
        e = np.negative(x, out=np.empty_like(x))
        np.exp(e, out=e)
        np.add(e, 1, out=e)
        return np.reciprocal(e, out=e)
    # e = exp(-|x|) never overflows; r = 1 / (1 + e) is sigmoid(|x|), and sigmoid(x) is r where
    # x >= 0 and e * r elsewhere. The choice is a blend, not np.where: max(e, x >= 0) is 1 or e
    # (e <= 1), and np.where mispredicts a branch per element on a mask with no pattern. Every
    # step writes to an ``out`` array, so a 0-d input stays an array (not a NumPy scalar).
    e = np.abs(x, out=np.empty_like(x))
    np.negative(e, out=e)
    np.exp(e, out=e)
    r = np.add(e, 1, out=np.empty_like(e))
    np.reciprocal(r, out=r)
    np.maximum(e, x >= 0, out=e)
    return np.multiply(r, e, out=r)


def _tanh_vjp(g: Any, x: Any, y: Any) -> Any:
    if type(y) is np.ndarray:
        fused = logistic.tanh_backward(g, y)  # one pass where NumPy makes three
        if fused is not None:
            return fused
    return g * (1 - y * y)


def _sigmoid_vjp(g: Any, x: Any, y: Any) -> Any:
    if type(y) is np.ndarray:
        fused = logistic.sigmoid_backward(g, y)  # one pass where NumPy makes three
        if fused is not None:
            return fused
    return g * y * (1 - y)


exp = elementwise_op(
    "exp", np.exp, lambda g, x, y: g * y, save="y", sample=unary(), ref=np.exp,
    doc="``e ** input``.", example=("[0.0, 1.0]", "tensor([1.0000, 2.7183])"),
)  # fmt: skip
expm1 = elementwise_op(
    "expm1", np.expm1, lambda g, x, y: g * (y + 1), save="y", sample=unary(), ref=np.expm1,
    doc="``exp(input) - 1``, accurate near 0.", example=("[0.0]", "tensor([0.])"),
)  # fmt: skip
log = elementwise_op(
    "log", np.log, lambda g, x, y: g / x, save="x", sample=unary(low=0.2, high=4.0), ref=np.log,
    doc="Natural logarithm.", example=("[1.0]", "tensor([0.])"),
)  # fmt: skip
log1p = elementwise_op(
    "log1p", np.log1p, lambda g, x, y: g / (x + 1), save="x", sample=unary(low=-0.8, high=3.0),
    ref=np.log1p, doc="``log(1 + input)``, accurate near 0.", example=("[0.0]", "tensor([0.])"),
)  # fmt: skip
log2 = elementwise_op(
    "log2", np.log2, lambda g, x, y: g / (x * _LN2), save="x", sample=unary(low=0.2, high=4.0),
    ref=np.log2, doc="Base-2 logarithm.", example=("[8.0]", "tensor([3.])"),
)  # fmt: skip
log10 = elementwise_op(
    "log10", np.log10, lambda g, x, y: g / (x * _LN10), save="x",
    sample=unary(low=0.2, high=4.0), ref=np.log10, doc="Base-10 logarithm.",
    example=("[1.0, 10.0]", "tensor([0., 1.])"),
)  # fmt: skip
sin = elementwise_op(
    "sin", np.sin, lambda g, x, y: g * np.cos(x), save="x", sample=unary(), ref=np.sin,
    doc="Sine.", example=("[0.0]", "tensor([0.])"),
)  # fmt: skip
cos = elementwise_op(
    "cos", np.cos, lambda g, x, y: -g * np.sin(x), save="x", sample=unary(), ref=np.cos,
    doc="Cosine.", example=("[0.0]", "tensor([1.])"),
)  # fmt: skip
tan = elementwise_op(
    "tan", np.tan, lambda g, x, y: g * (1 + y * y), save="y", sample=unary(low=-1.2, high=1.2),
    ref=np.tan, doc="Tangent.", example=("[0.0]", "tensor([0.])"),
)  # fmt: skip
tanh = elementwise_op(
    "tanh", np.tanh, _tanh_vjp, save="y", sample=unary(), ref=np.tanh,
    doc="Hyperbolic tangent.", example=("[0.0]", "tensor([0.])"),
)  # fmt: skip
sigmoid = elementwise_op(
    "sigmoid", _sigmoid_array, _sigmoid_vjp, save="y",
    sample=unary(low=-6.0, high=6.0), ref=lambda x: 1 / (1 + np.exp(-x)),
    doc="Logistic function ``1 / (1 + exp(-input))``, computed without overflow.",
    example=("[0.0]", "tensor([0.5000])"),
)  # fmt: skip
erf = elementwise_op(
    "erf", special.erf, lambda g, x, y: g * _TWO_OVER_SQRT_PI * np.exp(-(x * x)), save="x",
    sample=unary(), ref=lambda x: np.vectorize(math.erf, otypes=[x.dtype])(x),
    doc="The error function.", example=("[0.0]", "tensor([0.])"),
)  # fmt: skip
