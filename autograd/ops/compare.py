"""Comparison and logic: bool results, never a gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import as_tensor, binary_operands, broadcast_error
from .registry import register


def _compare(ufunc: np.ufunc, a: Any, b: Any, op: str) -> Tensor:
    if not (isinstance(a, Tensor) or isinstance(b, Tensor)):
        a = as_tensor(a)
    a, b = binary_operands(a, b, op)
    x = a._array if isinstance(a, Tensor) else a
    y = b._array if isinstance(b, Tensor) else b
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        raise broadcast_error(op, x, y) from None


@register(method=True, numpy=np.equal, operators=("__eq__",))
def eq(input: Any, other: Any) -> Tensor:
    """Elementwise ``input == other`` (bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.eq(autograd.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return _compare(np.equal, input, other, "eq")


@register(method=True, numpy=np.not_equal, aliases=("not_equal",), operators=("__ne__",))
def ne(input: Any, other: Any) -> Tensor:
    """Elementwise ``input != other`` (bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.ne(autograd.tensor([1, 2]), 2)
    tensor([ True, False])
    """
    return _compare(np.not_equal, input, other, "ne")


@register(method=True, numpy=np.less, aliases=("less",), operators=("__lt__",))
def lt(input: Any, other: Any) -> Tensor:
    """Elementwise ``input < other`` (bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.lt(autograd.tensor([1, 2]), 2)
    tensor([ True, False])
    """
    return _compare(np.less, input, other, "lt")


@register(method=True, numpy=np.less_equal, aliases=("less_equal",), operators=("__le__",))
def le(input: Any, other: Any) -> Tensor:
    """Elementwise ``input <= other`` (bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.le(autograd.tensor([1, 3]), 2)
    tensor([ True, False])
    """
    return _compare(np.less_equal, input, other, "le")


@register(method=True, numpy=np.greater, aliases=("greater",), operators=("__gt__",))
def gt(input: Any, other: Any) -> Tensor:
    """Elementwise ``input > other`` (bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.gt(autograd.tensor([1, 3]), 2)
    tensor([False,  True])
    """
    return _compare(np.greater, input, other, "gt")


@register(method=True, numpy=np.greater_equal, aliases=("greater_equal",), operators=("__ge__",))
def ge(input: Any, other: Any) -> Tensor:
    """Elementwise ``input >= other`` (bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.ge(autograd.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return _compare(np.greater_equal, input, other, "ge")


def _logical(ufunc: np.ufunc, a: Any, b: Any, op: str) -> Tensor:
    x = as_tensor(a, "input")._array
    y = b._array if isinstance(b, Tensor) else np.asarray(b)
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        raise broadcast_error(op, x, y) from None


@register(method=True, numpy=(np.logical_and, np.bitwise_and), operators=("__and__", "__rand__"))
def logical_and(input: Any, other: Any) -> Tensor:
    """Elementwise logical AND (non-zero counts as True).

    Examples
    --------
    >>> import autograd
    >>> autograd.logical_and(autograd.tensor([True, True]), autograd.tensor([True, False]))
    tensor([ True, False])
    """
    return _logical(np.logical_and, input, other, "logical_and")


@register(method=True, numpy=(np.logical_or, np.bitwise_or), operators=("__or__", "__ror__"))
def logical_or(input: Any, other: Any) -> Tensor:
    """Elementwise logical OR.

    Examples
    --------
    >>> import autograd
    >>> autograd.logical_or(autograd.tensor([True, False]), autograd.tensor([False, False]))
    tensor([ True, False])
    """
    return _logical(np.logical_or, input, other, "logical_or")


@register(method=True, numpy=np.logical_xor, operators=("__xor__", "__rxor__"))
def logical_xor(input: Any, other: Any) -> Tensor:
    """Elementwise logical XOR.

    Examples
    --------
    >>> import autograd
    >>> autograd.logical_xor(autograd.tensor([True, True]), autograd.tensor([True, False]))
    tensor([False,  True])
    """
    return _logical(np.logical_xor, input, other, "logical_xor")


@register(method=True, numpy=(np.logical_not, np.invert), operators=("__invert__",))
def logical_not(input: Any) -> Tensor:
    """Elementwise logical NOT.

    Examples
    --------
    >>> import autograd
    >>> autograd.logical_not(autograd.tensor([True, False]))
    tensor([False,  True])
    """
    return Tensor._make(np.logical_not(as_tensor(input)._array))


@register(method=True, numpy=np.isnan)
def isnan(input: Any) -> Tensor:
    """Where elements are NaN.

    Examples
    --------
    >>> import autograd
    >>> autograd.isnan(autograd.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    return Tensor._make(np.isnan(as_tensor(input)._array))


@register(method=True, numpy=np.isinf)
def isinf(input: Any) -> Tensor:
    """Where elements are +/-Inf.

    Examples
    --------
    >>> import autograd
    >>> autograd.isinf(autograd.tensor([1.0, float("inf")]))
    tensor([False,  True])
    """
    return Tensor._make(np.isinf(as_tensor(input)._array))


@register(method=True, numpy=np.isfinite)
def isfinite(input: Any) -> Tensor:
    """Where elements are neither NaN nor Inf.

    Examples
    --------
    >>> import autograd
    >>> autograd.isfinite(autograd.tensor([1.0, float("inf")]))
    tensor([ True, False])
    """
    return Tensor._make(np.isfinite(as_tensor(input)._array))


@register(method=True)
def isclose(
    input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``.

    Examples
    --------
    >>> import autograd
    >>> autograd.isclose(autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 2.1]))
    tensor([ True, False])
    """
    x, y = as_tensor(input)._array, as_tensor(other, "other")._array
    try:
        return Tensor._make(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise broadcast_error("isclose", x, y) from None


@register(method=True)
def allclose(
    input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    """Whether all elements are close (see :func:`isclose`).

    Examples
    --------
    >>> import autograd
    >>> autograd.allclose(autograd.tensor([1.0]), autograd.tensor([1.0 + 1e-9]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


@register(method=True)
def equal(input: Any, other: Any) -> bool:
    """True when both have the same shape and the same elements.

    Examples
    --------
    >>> import autograd
    >>> autograd.equal(autograd.tensor([1, 2]), autograd.tensor([1, 2]))
    True
    """
    x, y = as_tensor(input)._array, as_tensor(other, "other")._array
    return x.shape == y.shape and bool(np.array_equal(x, y))
