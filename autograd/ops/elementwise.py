"""Unary elementwise math: one Function per primitive, its public function right below.

Backward rules use only operators and functions that NumPy arrays and Tensors share, so they are
themselves differentiable under ``create_graph=True``.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function
from ..kernels import special
from ..tensor import Tensor
from ._util import as_tensor, float_tensor
from .registry import register, unary

__all__ = [
    "neg", "negative", "abs", "absolute", "sign", "reciprocal", "square", "sqrt", "rsqrt", "exp",
    "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
    "erf", "floor", "ceil", "round", "trunc", "clone", "to_dtype",
]  # fmt: skip


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


@register(sample=unary(), ref=np.negative)
def neg(input: Tensor) -> Tensor:
    """``-input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.neg(autograd.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    t = as_tensor(input)
    if t.dtype.kind == "b":
        raise TypeError("neg: negation of a bool tensor is not supported; use logical_not")
    return Neg.apply(t)


negative = neg


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.sign(x)


@register(sample=unary(kinks=(0.0,)), ref=np.abs)
def abs(input: Tensor) -> Tensor:  # noqa: A001
    """Absolute value. At 0 the gradient is 0 (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.abs(autograd.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """
    return Abs.apply(as_tensor(input))


absolute = abs


class _ZeroGrad(Function):
    """Base for piecewise-constant ops (sign, floor, ...): the gradient is zero everywhere."""

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Sign(_ZeroGrad):
    @staticmethod
    def forward(ctx, x):
        return np.sign(x)


@register(sample=unary(kinks=(0.0,)), ref=np.sign)
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element; zero gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.sign(autograd.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return Sign.apply(as_tensor(input))


# Every jump of a rounding op is a kink: finite differences must never straddle one.
_INTEGERS = tuple(float(k) for k in range(-3, 4))
_HALF_INTEGERS = tuple(k + 0.5 for k in range(-4, 4))


class Floor(_ZeroGrad):
    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(_ZeroGrad):
    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Trunc(_ZeroGrad):
    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


class Round(_ZeroGrad):
    @staticmethod
    def forward(ctx, x, decimals):
        # NumPy rounds half to even, as PyTorch does.
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, g):
        return g * 0, None


@register(sample=unary(kinks=_INTEGERS), ref=np.floor)
def floor(input: Tensor) -> Tensor:
    """Round down; zero gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.floor(autograd.tensor([1.7, -1.2]))
    tensor([ 1., -2.])
    """
    t = as_tensor(input)
    return t.clone() if t.dtype.kind != "f" else Floor.apply(t)


@register(sample=unary(kinks=_INTEGERS), ref=np.ceil)
def ceil(input: Tensor) -> Tensor:
    """Round up; zero gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.ceil(autograd.tensor([1.2, -1.7]))
    tensor([ 2., -1.])
    """
    t = as_tensor(input)
    return t.clone() if t.dtype.kind != "f" else Ceil.apply(t)


@register(sample=unary(kinks=_INTEGERS), ref=np.trunc)
def trunc(input: Tensor) -> Tensor:
    """Round toward zero; zero gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.trunc(autograd.tensor([1.7, -1.7]))
    tensor([ 1., -1.])
    """
    t = as_tensor(input)
    return t.clone() if t.dtype.kind != "f" else Trunc.apply(t)


@register(sample=unary(kinks=_HALF_INTEGERS), ref=np.round)
def round(input: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even (as PyTorch), to ``decimals`` places; zero gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.round(autograd.tensor([0.5, 1.5, 2.7]))
    tensor([0., 2., 3.])
    """
    if not isinstance(decimals, int):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    t = as_tensor(input)
    return t.clone() if t.dtype.kind != "f" else Round.apply(t, decimals)


class Reciprocal(Function):
    @staticmethod
    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -g * y * y


@register(sample=unary(low=0.3, high=3.0), ref=np.reciprocal)
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.reciprocal(autograd.tensor([2.0, 4.0]))
    tensor([0.5000, 0.2500])
    """
    return Reciprocal.apply(float_tensor(input))


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


@register(sample=unary(), ref=np.square)
def square(input: Tensor) -> Tensor:
    """``input * input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.square(autograd.tensor([3.0]))
    tensor([9.])
    """
    return Square.apply(as_tensor(input))


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


@register(sample=unary(low=0.2, high=4.0), ref=np.sqrt)
def sqrt(input: Tensor) -> Tensor:
    """Square root (NaN for negatives; gradient +inf at 0, as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.sqrt(autograd.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    return Sqrt.apply(float_tensor(input))


class Rsqrt(Function):
    @staticmethod
    def forward(ctx, x):
        y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -0.5 * g * y * y * y


@register(sample=unary(low=0.2, high=4.0), ref=lambda x: 1 / np.sqrt(x))
def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)``.

    Examples
    --------
    >>> import autograd
    >>> autograd.rsqrt(autograd.tensor([4.0]))
    tensor([0.5000])
    """
    return Rsqrt.apply(float_tensor(input))


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


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y > 0)


@register(sample=unary(kinks=(0.0,)), ref=lambda x: np.maximum(x, 0))
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``. The gradient at 0 is 0 (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.relu(autograd.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    return Relu.apply(as_tensor(input))


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


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


@register(sample=unary(), ref=np.copy)
def clone(input: Tensor) -> Tensor:
    """A copy with its own storage; gradients flow back to ``input``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(2, requires_grad=True)
    >>> y = x.clone()
    >>> y.grad_fn is not None
    True
    """
    return Clone.apply(as_tensor(input))


class ToDtype(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine casts g back to the input's dtype


def to_dtype(input: Tensor, dtype: np.dtype) -> Tensor:
    """Cast to ``dtype`` (differentiable between float types); used by ``Tensor.to``.

    Examples
    --------
    >>> import autograd
    >>> autograd.to_dtype(autograd.ones(1), autograd.float64).dtype
    dtype('float64')
    """
    t = as_tensor(input)
    if t._array.dtype == dtype:
        return t
    return ToDtype.apply(t, dtype)
