"""Unary elementwise arithmetic: sign, rounding, powers, relu, clone and casts.

Exponentials, logarithms, trigonometry, sigmoid and erf live in ``transcendental.py``. One
Function per primitive, its public function right below.

Backward rules use only operators and functions that NumPy arrays and Tensors share, so they are
themselves differentiable under ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._util import as_tensor, float_tensor
from .registry import register, unary

__all__ = [
    "neg", "negative", "abs", "absolute", "sign", "reciprocal", "square", "sqrt", "rsqrt", "relu",
    "floor", "ceil", "round", "trunc", "clone", "to_dtype",
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
        return np.nan_to_num(np.asarray(np.sign(x)), nan=0.0, copy=False)  # sign(nan) is 0


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
