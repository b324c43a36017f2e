"""Data types: NumPy dtypes under PyTorch's names, and PyTorch's type-promotion rules."""

from __future__ import annotations

import builtins

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
float16 = np.dtype(np.float16)

float = float32  # noqa: A001 - PyTorch's alias
double = float64
long = int64
int = int32  # noqa: A001
half = float16

_NAMES = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "float16": float16, "half": float16, "int32": int32, "int": int32, "int64": int64,
    "long": int64, "int16": int16, "int8": int8, "uint8": uint8, "bool": bool_,
}  # fmt: skip
_SUPPORTED = frozenset(_NAMES.values())

default_float = float32


def to_dtype(dtype: object, argname: str = "dtype") -> np.dtype:
    """Turn a dtype given by a user (name, NumPy dtype or Python type) into a NumPy dtype.

    Raises
    ------
    TypeError
        For a name or type numbagrad does not support, naming what came in.
    """
    if isinstance(dtype, str):
        key = dtype.removeprefix("torch.").removeprefix("autograd.")
        if key in _NAMES:
            return _NAMES[key]
        raise TypeError(f"{argname}: unknown dtype {dtype!r}; expected one of {sorted(_NAMES)}")
    if dtype is builtins.float:
        return float32
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool_
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{argname}: unknown dtype {dtype!r}; expected one of {sorted(_NAMES)}"
        ) from None
    if dt not in _SUPPORTED:
        raise TypeError(f"{argname}: dtype {dt} is not supported; expected one of {sorted(_NAMES)}")
    return dt


def is_floating(dtype: np.dtype) -> bool:
    """True for floating-point dtypes, the only ones that can require grad."""
    return dtype.kind == "f"


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two supported NumPy dtypes (no argument checks: the fast path)."""
    if a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa and not fb:
        return a
    if fb and not fa:
        return b
    return np.promote_types(a, b)


promote = _promote


def promote_types(type1: object, type2: object) -> np.dtype:
    """The smallest dtype that both ``type1`` and ``type2`` convert to without losing their kind.

    As ``torch.promote_types``: bool < integer < floating point; an integer meeting a floating
    dtype takes the floating dtype (``int64`` and ``float16`` give ``float16``, where NumPy
    would give ``float64``), and ``uint8`` meeting ``int8`` gives ``int16``.

    Examples
    --------
    >>> import autograd
    >>> autograd.promote_types(autograd.int64, autograd.float16)
    dtype('float16')
    >>> autograd.promote_types("uint8", "int8")
    dtype('int16')
    """
    return _promote(to_dtype(type1, "type1"), to_dtype(type2, "type2"))


def _category(dtype: np.dtype | None) -> int:
    """0 bool, 1 integer, 2 floating point (-1 for no dtype)."""
    return -1 if dtype is None else _CATEGORIES[dtype.kind]


_CATEGORIES = {"b": 0, "u": 1, "i": 1, "f": 2}


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """A higher-priority group's dtype and a lower one's: the lower takes part by category only."""
    if lower is None:
        return higher
    if higher is None:
        return lower
    if _category(lower) > _category(higher):
        return _promote(higher, lower)
    return higher


def number_dtype(value: object) -> np.dtype:
    """The dtype a Python (or NumPy) number takes part with: bool, int64 or the default float."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool_
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    if isinstance(value, (builtins.float, np.floating)):
        return default_float
    raise TypeError(f"expected a number, got {type(value).__name__}")


def common_dtype(*operands: object) -> np.dtype:
    """The dtype an op computes in for ``operands`` (tensors, arrays and numbers): PyTorch's rule.

    Operands form three groups by priority: tensors with at least one dimension, 0-d tensors,
    and numbers. Each group's dtypes are promoted together; a lower group changes the result
    only when its category (bool < integer < floating point) is higher, and then as
    :func:`promote_types` does (``float32`` tensor + 0-d ``float64`` tensor is ``float32``;
    ``int32`` tensor + ``2.5`` is the default float dtype; ``uint8`` tensor + ``-3`` is ``uint8``).
    """
    dim = zero = number = None
    for x in operands:
        if isinstance(x, (builtins.bool, builtins.int, builtins.float, np.number, np.bool_)):
            dt = number_dtype(x)
            number = dt if number is None else _promote(number, dt)
        else:
            dt = x.dtype  # type: ignore[attr-defined]
            if x.ndim:  # type: ignore[attr-defined]
                dim = dt if dim is None else _promote(dim, dt)
            else:
                zero = dt if zero is None else _promote(zero, dt)
    out = _combine(dim, _combine(zero, number))
    if out is None:
        raise TypeError("common_dtype: expected at least one operand")
    return out


def result_type(tensor: object, other: object) -> np.dtype:
    """The dtype of an arithmetic op on ``tensor`` and ``other`` (Tensors or numbers).

    As ``torch.result_type``: 0-d tensors and Python numbers take part only by category (bool <
    integer < floating point), so they never widen a tensor of their own category.

    Examples
    --------
    >>> import autograd
    >>> autograd.result_type(autograd.ones(2), autograd.tensor(1.0, dtype=autograd.float64))
    dtype('float32')
    >>> autograd.result_type(autograd.tensor([1, 2], dtype=autograd.int32), 2.5)
    dtype('float32')
    >>> autograd.result_type(autograd.tensor([1], dtype=autograd.uint8), -3)
    dtype('uint8')
    """
    for name, x in (("tensor", tensor), ("other", other)):
        if isinstance(x, (builtins.bool, builtins.int, builtins.float, np.number, np.bool_)):
            continue
        if not (hasattr(x, "dtype") and hasattr(x, "ndim")) or x.dtype not in _SUPPORTED:
            raise TypeError(
                f"result_type: {name} must be a Tensor or a number, got {type(x).__name__}"
            )
    return common_dtype(tensor, other)


def can_cast(from_: object, to: object) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to become ``to`` in an op's output.

    As ``torch.can_cast``: a cast may narrow within a category but never go down one (floating
    point to integer, or integer to bool).

    Examples
    --------
    >>> import autograd
    >>> autograd.can_cast(autograd.float64, autograd.int32)
    False
    >>> autograd.can_cast(autograd.int64, autograd.uint8)
    True
    """
    return _category(to_dtype(from_, "from_")) <= _category(to_dtype(to, "to"))


def wrap_integer(value: object, dtype: np.dtype, argname: str = "other") -> object:
    """A Python integer as an operand of an integer tensor of ``dtype``: itself when it fits,
    else its value wrapped modulo 2**bits (as PyTorch converts it), as a NumPy scalar.

    Raises
    ------
    RuntimeError
        For an integer outside the 64-bit range, naming ``argname``.
    """
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:  # type: ignore[operator]
        return value
    if -(2**63) <= value < 2**64:  # type: ignore[operator]
        wide = np.array(value, np.uint64 if value >= 2**63 else np.int64)  # type: ignore[operator]
        return wide.astype(dtype)[()]
    raise RuntimeError(
        f"{argname}: the integer {value} does not fit in 64 bits (expected a value in "
        f"[-2**63, 2**64))"
    )
