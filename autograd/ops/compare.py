"""Comparison and logic: bool results, never a gradient."""

from __future__ import annotations

from collections.abc import Callable
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


def _logical(ufunc: np.ufunc, a: Any, b: Any, op: str) -> Tensor:
    x = as_tensor(a, "input")._array
    y = b._array if isinstance(b, Tensor) else np.asarray(b)
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        raise broadcast_error(op, x, y) from None


def _elementwise(ufunc: np.ufunc, a: Any, op: str) -> Tensor:
    return Tensor._make(ufunc(as_tensor(a)._array))


def _predicate(
    name: str,
    ufunc: np.ufunc,
    compute: Callable[..., Tensor],
    doc: str,
    example: tuple[str, str],
    *,
    numpy: Any = None,
    aliases: tuple[str, ...] = (),
    operators: tuple[str, ...] = (),
) -> Callable[..., Tensor]:
    """Declare a bool-valued elementwise op, one row of the table below: ``compute(ufunc,
    *operands, name)`` on one operand (``compute`` is :func:`_elementwise`) or two; ``example``
    is the call's arguments and its printed result, for the docstring."""
    if compute is _elementwise:

        def op(input: Any) -> Tensor:
            return compute(ufunc, input, name)
    else:

        def op(input: Any, other: Any) -> Tensor:
            return compute(ufunc, input, other, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (
        f"{doc}\n\nExamples\n--------\n>>> import autograd\n"
        f">>> autograd.{name}({example[0]})\n{example[1]}\n"
    )
    numpy = ufunc if numpy is None else numpy
    return register(method=True, numpy=numpy, aliases=aliases, operators=operators)(op)


# fmt: off
eq = _predicate("eq", np.equal, _compare, "Elementwise ``input == other`` (bool).",
                ("autograd.tensor([1, 2]), 2", "tensor([False,  True])"), operators=("__eq__",))
ne = _predicate("ne", np.not_equal, _compare, "Elementwise ``input != other`` (bool).",
                ("autograd.tensor([1, 2]), 2", "tensor([ True, False])"),
                aliases=("not_equal",), operators=("__ne__",))
lt = _predicate("lt", np.less, _compare, "Elementwise ``input < other`` (bool).",
                ("autograd.tensor([1, 2]), 2", "tensor([ True, False])"),
                aliases=("less",), operators=("__lt__",))
le = _predicate("le", np.less_equal, _compare, "Elementwise ``input <= other`` (bool).",
                ("autograd.tensor([1, 3]), 2", "tensor([ True, False])"),
                aliases=("less_equal",), operators=("__le__",))
gt = _predicate("gt", np.greater, _compare, "Elementwise ``input > other`` (bool).",
                ("autograd.tensor([1, 3]), 2", "tensor([False,  True])"),
                aliases=("greater",), operators=("__gt__",))
ge = _predicate("ge", np.greater_equal, _compare, "Elementwise ``input >= other`` (bool).",
                ("autograd.tensor([1, 2]), 2", "tensor([False,  True])"),
                aliases=("greater_equal",), operators=("__ge__",))
logical_and = _predicate(
    "logical_and", np.logical_and, _logical, "Elementwise logical AND (non-zero counts as True).",
    ("autograd.tensor([True, True]), autograd.tensor([True, False])", "tensor([ True, False])"),
    numpy=(np.logical_and, np.bitwise_and), operators=("__and__", "__rand__"))
logical_or = _predicate(
    "logical_or", np.logical_or, _logical, "Elementwise logical OR.",
    ("autograd.tensor([True, False]), autograd.tensor([False, False])", "tensor([ True, False])"),
    numpy=(np.logical_or, np.bitwise_or), operators=("__or__", "__ror__"))
logical_xor = _predicate(
    "logical_xor", np.logical_xor, _logical, "Elementwise logical XOR.",
    ("autograd.tensor([True, True]), autograd.tensor([True, False])", "tensor([False,  True])"),
    operators=("__xor__", "__rxor__"))
logical_not = _predicate(
    "logical_not", np.logical_not, _elementwise, "Elementwise logical NOT.",
    ("autograd.tensor([True, False])", "tensor([False,  True])"),
    numpy=(np.logical_not, np.invert), operators=("__invert__",))
isnan = _predicate("isnan", np.isnan, _elementwise, "Where elements are NaN.",
                   ('autograd.tensor([1.0, float("nan")])', "tensor([False,  True])"))
isinf = _predicate("isinf", np.isinf, _elementwise, "Where elements are +/-Inf.",
                   ('autograd.tensor([1.0, float("inf")])', "tensor([False,  True])"))
isfinite = _predicate("isfinite", np.isfinite, _elementwise,
                      "Where elements are neither NaN nor Inf.",
                      ('autograd.tensor([1.0, float("inf")])', "tensor([ True, False])"))
# fmt: on


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
