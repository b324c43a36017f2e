"""Transcendental elementwise functions: exp, expm1, log (4 bases), sin, cos, tan, tanh, sigmoid,
erf. One Function per primitive, its public function right below.

Backward rules use only operators and functions that NumPy arrays and Tensors share, so they are
themselves differentiable under ``create_graph=True``.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function
from ..kernels import special
from ..tensor import Tensor
from ._util import float_tensor
from .registry import register, unary

__all__ = [
    "exp",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "erf",
]


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


@register(sample=unary(), ref=np.exp)
def exp(input: Tensor) -> Tensor:
    """``e ** input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.exp(autograd.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    return Exp.apply(float_tensor(input))


class Expm1(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1)


@register(sample=unary(), ref=np.expm1)
def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate near 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.expm1(autograd.tensor([0.0]))
    tensor([0.])
    """
    return Expm1.apply(float_tensor(input))


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


@register(sample=unary(low=0.2, high=4.0), ref=np.log)
def log(input: Tensor) -> Tensor:
    """Natural logarithm.

    Examples
    --------
    >>> import autograd
    >>> autograd.log(autograd.tensor([1.0]))
    tensor([0.])
    """
    return Log.apply(float_tensor(input))


class Log1p(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1)


@register(sample=unary(low=-0.8, high=3.0), ref=np.log1p)
def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate near 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.log1p(autograd.tensor([0.0]))
    tensor([0.])
    """
    return Log1p.apply(float_tensor(input))


class Log2(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * math.log(2.0))


@register(sample=unary(low=0.2, high=4.0), ref=np.log2)
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm.

    Examples
    --------
    >>> import autograd
    >>> autograd.log2(autograd.tensor([8.0]))
    tensor([3.])
    """
    return Log2.apply(float_tensor(input))


class Log10(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * math.log(10.0))


@register(sample=unary(low=0.2, high=4.0), ref=np.log10)
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm.

    Examples
    --------
    >>> import autograd
    >>> autograd.log10(autograd.tensor([1.0, 10.0]))
    tensor([0., 1.])
    """
    return Log10.apply(float_tensor(input))


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.cos(x)


@register(sample=unary(), ref=np.sin)
def sin(input: Tensor) -> Tensor:
    """Sine.

    Examples
    --------
    >>> import autograd
    >>> autograd.sin(autograd.tensor([0.0]))
    tensor([0.])
    """
    return Sin.apply(float_tensor(input))


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * np.sin(x)


@register(sample=unary(), ref=np.cos)
def cos(input: Tensor) -> Tensor:
    """Cosine.

    Examples
    --------
    >>> import autograd
    >>> autograd.cos(autograd.tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(float_tensor(input))


class Tan(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


@register(sample=unary(low=-1.2, high=1.2), ref=np.tan)
def tan(input: Tensor) -> Tensor:
    """Tangent.

    Examples
    --------
    >>> import autograd
    >>> autograd.tan(autograd.tensor([0.0]))
    tensor([0.])
    """
    return Tan.apply(float_tensor(input))


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


@register(sample=unary(), ref=np.tanh)
def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    Examples
    --------
    >>> import autograd
    >>> autograd.tanh(autograd.tensor([0.0]))
    tensor([0.])
    """
    return Tanh.apply(float_tensor(input))


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    # exp of a negative argument only, so no overflow for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        y = _sigmoid_array(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


@register(sample=unary(low=-6.0, high=6.0), ref=lambda x: 1 / (1 + np.exp(-x)))
def sigmoid(input: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + exp(-input))``, computed without overflow.

    Examples
    --------
    >>> import autograd
    >>> autograd.sigmoid(autograd.tensor([0.0]))
    tensor([0.5000])
    """
    return Sigmoid.apply(float_tensor(input))


class Erf(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return special.erf(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * np.exp(-(x * x))


@register(sample=unary(), ref=lambda x: np.vectorize(math.erf, otypes=[x.dtype])(x))
def erf(input: Tensor) -> Tensor:
    """The error function.

    Examples
    --------
    >>> import autograd
    >>> autograd.erf(autograd.tensor([0.0]))
    tensor([0.])
    """
    return Erf.apply(float_tensor(input))
