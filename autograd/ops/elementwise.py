"""Unary elementwise arithmetic: sign, rounding, powers, relu, clone and casts.

Exponentials, logarithms, trigonometry, sigmoid and erf live in ``transcendental.py``. Simple ops
are one table row each (see ``_table.py``): array function, derivative rule, what the rule reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..device import check_device, parse_to
from ..function import ZERO_GRAD, Function, linear_jvp
from ..kernels import masked
from ..tensor import Tensor, tensor_method
from ._jvp import zero_jvp
from ._table import PiecewiseConstant, elementwise_op, select_grad, zeros_like_grad
from ._util import as_tensor
from .registry import register, unary

# Every jump of a rounding op is a kink: finite differences must never straddle one.
_INTEGERS = tuple(float(k) for k in range(-3, 4))
_HALF_INTEGERS = tuple(k + 0.5 for k in range(-4, 4))


def _no_bool(t: Tensor) -> None:
    if t.dtype.kind == "b":
        raise TypeError("neg: negation of a bool tensor is not supported; use logical_not")


def _sign_array(x: np.ndarray) -> np.ndarray:
    # PyTorch's sign is 0 at NaN (NumPy's is NaN).
    y = np.sign(x)
    if x.dtype.kind == "f":
        y = np.where(np.isnan(x), x.dtype.type(0), y)
    return y


class Sgn(Function):
    """PyTorch's ``sgn`` of a real input as abs's derivative: the sign, whose own derivative is an
    exact zero (:data:`~autograd.function.ZERO_GRAD`), so a second derivative through abs stays 0
    where an inf or a 0 divisor upstream would make ``sign``'s materialized zeros NaN."""

    node_name = "SgnBackward0"

    @staticmethod
    def forward(ctx, x):
        return _sign_array(x)

    @staticmethod
    def backward(ctx, g):
        return ZERO_GRAD

    jvp = staticmethod(zero_jvp)


def _abs_vjp(g, x, y):
    # PyTorch's sign (0 at NaN) in both paths; under create_graph x is a Tensor.
    return g * (Sgn.apply(x) if isinstance(x, Tensor) else _sign_array(np.asarray(x)))


def _zero_vjp(g, x, y):
    return zeros_like_grad(g)


neg = elementwise_op(
    "neg", np.negative, lambda g, x, y: -g, save="", sample=unary(), ref=np.negative,
    integer="keep", check=_no_bool, aliases=("negative",), operators=("__neg__",),
    doc="``-input``.", example=("[1.0, -2.0]", "tensor([-1.,  2.])"),
)  # fmt: skip
abs = elementwise_op(  # noqa: A001
    "abs", np.abs, _abs_vjp, save="x", sample=unary(kinks=(0.0,)),
    ref=np.abs, integer="keep", aliases=("absolute",), operators=("__abs__",),
    doc="Absolute value. At 0 and at NaN the gradient is 0 (PyTorch's convention).",
    example=("[-1.5, 2.0]", "tensor([1.5000, 2.0000])"),
)  # fmt: skip
sign = elementwise_op(
    "sign", _sign_array, _zero_vjp, save="", sample=unary(kinks=(0.0,)), ref=np.sign,
    integer="keep", numpy=np.sign,
    doc="-1, 0 or 1 by the sign of each element (0 at NaN, as PyTorch); zero gradient.",
    example=("[-2.0, 0.0, 3.0]", "tensor([-1.,  0.,  1.])"),
)  # fmt: skip
reciprocal = elementwise_op(
    "reciprocal", np.reciprocal, lambda g, x, y: -g * y * y, save="y",
    sample=unary(low=0.3, high=3.0), ref=np.reciprocal, doc="``1 / input``.",
    example=("[2.0, 4.0]", "tensor([0.5000, 0.2500])"),
)  # fmt: skip
square = elementwise_op(
    "square", np.square, lambda g, x, y: 2 * x * g, save="x", sample=unary(), ref=np.square,
    integer="keep", doc="``input * input``.", example=("[3.0]", "tensor([9.])"),
    node_name="PowBackward0",  # PyTorch computes square as pow(input, 2)
)  # fmt: skip
sqrt = elementwise_op(
    "sqrt", np.sqrt, lambda g, x, y: g / (2 * y), save="y", sample=unary(low=0.2, high=4.0),
    ref=np.sqrt, doc="Square root (NaN for negatives; gradient +inf at 0, as PyTorch).",
    example=("[4.0, 9.0]", "tensor([2., 3.])"),
)  # fmt: skip
rsqrt = elementwise_op(
    "rsqrt", lambda x: 1 / np.sqrt(x), lambda g, x, y: -0.5 * g * y * y * y, save="y",
    sample=unary(low=0.2, high=4.0), ref=lambda x: 1 / np.sqrt(x),
    doc="``1 / sqrt(input)``.", example=("[4.0]", "tensor([0.5000])"),
)  # fmt: skip


# y = max(x, 0) is 0, positive or NaN: ``y != 0`` is PyTorch's ``not y <= 0`` in one compare.
def _relu_vjp(g: Any, x: Any, y: Any) -> Any:
    if type(y) is np.ndarray:
        large = masked.relu_backward(y, g)  # one pass where the mask and the selection take two
        if large is not None:
            return large
    return select_grad(y != 0, g)


def _relu(x: Any) -> Any:
    if type(x) is np.ndarray:
        large = masked.relu_forward(x)  # parallel on large activations
        if large is not None:
            return large
    return np.maximum(x, 0)


relu = elementwise_op(
    "relu", _relu, _relu_vjp, save="y",
    sample=unary(kinks=(0.0,)), ref=lambda x: np.maximum(x, 0), integer="keep", masked=True,
    doc="``max(input, 0)``. The gradient at 0 is 0, and at NaN passes through (PyTorch's).",
    example=("[-1.0, 0.0, 2.0]", "tensor([0., 0., 2.])"),
)  # fmt: skip
floor = elementwise_op(
    "floor", np.floor, _zero_vjp, save="", sample=unary(kinks=_INTEGERS), ref=np.floor,
    integer="copy", doc="Round down; zero gradient.", example=("[1.7, -1.2]", "tensor([ 1., -2.])"),
)  # fmt: skip
ceil = elementwise_op(
    "ceil", np.ceil, _zero_vjp, save="", sample=unary(kinks=_INTEGERS), ref=np.ceil,
    integer="copy", doc="Round up; zero gradient.", example=("[1.2, -1.7]", "tensor([ 2., -1.])"),
)  # fmt: skip
trunc = elementwise_op(
    "trunc", np.trunc, _zero_vjp, save="", sample=unary(kinks=_INTEGERS), ref=np.trunc,
    integer="copy", aliases=("fix",), doc="Round toward zero; zero gradient.",
    example=("[1.7, -1.7]", "tensor([ 1., -1.])"),
)  # fmt: skip


class Round(PiecewiseConstant):
    @staticmethod
    def forward(ctx, x, decimals):
        # NumPy rounds half to even, as PyTorch does.
        return np.round(x, decimals)


@register(
    sample=unary(kinks=_HALF_INTEGERS),
    ref=np.round,
    method=True,
    numpy=(np.rint, np.round),
    inplace=lambda a, decimals=0: np.copyto(a, np.round(a, decimals)),
)
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


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


@register(sample=unary(), ref=np.copy, method=True)
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
    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine casts g back to the input's dtype

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


@register()
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


# ---- dtype conversion methods: Tensor.to and its shorthands, all through to_dtype
@tensor_method
def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert dtype and/or device, as PyTorch's three forms.

    ``to(dtype, non_blocking=False, copy=False)``, ``to(device=None, dtype=None,
    non_blocking=False, copy=False)`` and ``to(other, non_blocking=False, copy=False)``
    (``other``'s dtype). The device must be the CPU (``"cpu"``, ``device("cpu")``); any
    other raises ``RuntimeError``. Returns ``self`` when nothing changes, unless ``copy``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(2)
    >>> x.to(autograd.float64).dtype, x.to("cpu") is x, x.to(autograd.device("cpu")) is x
    (dtype('float64'), True, True)
    """
    dev, dtype, copy = parse_to(args, kwargs)
    check_device(dev)
    out = self if dtype is None else to_dtype(self, _dt.to_dtype(dtype))
    return clone(out) if copy and out is self else out


def _cast_method(name: str, dtype: np.dtype) -> None:
    def cast(self: Tensor) -> Tensor:
        return to(self, dtype)

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"Convert to {dtype}: ``self.to({dtype})``."
    tensor_method(cast)


for _name, _dtype in [
    ("float", _dt.float32), ("double", _dt.float64), ("half", _dt.float16),
    ("long", _dt.int64), ("int", _dt.int32), ("short", _dt.int16), ("char", _dt.int8),
    ("byte", _dt.uint8), ("bool", _dt.bool_),
]:  # fmt: skip
    _cast_method(_name, _dtype)


@tensor_method(name="type")
def _type(self: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """With no argument the type name (``"autograd.FloatTensor"``); else convert.

    ``dtype`` is a dtype, a legacy type (``autograd.DoubleTensor``) or a type name
    (``"torch.DoubleTensor"``, ``"autograd.DoubleTensor"``).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(1)
    >>> x.type(), x.type("torch.DoubleTensor").dtype, x.type(autograd.LongTensor).dtype
    ('autograd.FloatTensor', dtype('float64'), dtype('int64'))
    """
    from ..tensor_types import resolve_type, type_name

    if dtype is None:
        return type_name(self.dtype)
    return to(self, resolve_type(dtype), **kwargs)
