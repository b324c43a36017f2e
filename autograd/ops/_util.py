"""Argument handling shared by the op families: conversion, promotion, dim normalization."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, as_array, normalize_dim

__all__ = [
    "as_tensor", "named_op", "float_tensor", "floating_tensor", "require_floating",
    "binary_operands", "promote_operands", "normalize_dim", "dim_tuple", "Tensor", "trunc_divide",
    "integer_division", "power", "half_with_number",
]  # fmt: skip

_SCALARS = (int, float, bool, np.number, np.bool_)


def as_tensor(x: Any, argname: str = "input") -> Tensor:
    """``x`` itself if it is a Tensor, else a new Tensor (no grad) made from it."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor._make(as_array(x, argname=argname))
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"{argname}: expected a Tensor or array-like, got {type(x).__name__}"
        ) from e


def float_tensor(x: Any, argname: str = "input") -> Tensor:
    """As :func:`as_tensor`, casting integer and bool tensors to float32 (PyTorch float ops)."""
    t = as_tensor(x, argname)
    if t._array.dtype.kind != "f":
        return Tensor._make(t._array.astype(_dt.default_float))
    return t


def named_op(fn: Any, module: str, name: str, doc: str, returns: str | None = None) -> Any:
    """``fn``, made by an op family's factory, as the public op ``name`` of ``module`` with the
    docstring ``doc`` (and the return annotation ``returns`` when given). The module lists the
    op in its ``__test__`` so that doctest runs the docstring's example."""
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = module
    fn.__doc__ = doc
    if returns is not None:
        fn.__annotations__["return"] = returns
    return fn


def floating_tensor(op: str, x: Any, dtype: Any = None, argname: str = "input") -> Tensor:
    """``x`` as a Tensor, cast to ``dtype`` when one is given, for the ops PyTorch defines on
    floating point tensors only (see :func:`require_floating`)."""
    t = as_tensor(x, argname)
    if dtype is not None:
        t = t.to(_dt.to_dtype(dtype))
    require_floating(op, t, argname)
    return t


def require_floating(op: str, t: Tensor, argname: str = "input") -> None:
    """Raise a TypeError naming ``op`` and ``argname`` unless ``t`` is floating point."""
    if t._array.dtype.kind != "f":
        raise TypeError(
            f"{op}: expected a floating point tensor for {argname}, got dtype {t._array.dtype}; "
            "convert it first (e.g. .float()) or pass dtype="
        )


def binary_operands(a: Any, b: Any, op: str, floating: bool = False) -> tuple[Any, Any]:
    """Bring two operands to PyTorch's result dtype (see :func:`promote_operands`)."""
    if isinstance(a, _SCALARS) and isinstance(b, _SCALARS):
        a = as_tensor(a, "input")
    return promote_operands((a, b), ("input", "other"), floating)


def promote_operands(operands: tuple, names: tuple[str, ...], floating: bool = False) -> list[Any]:
    """Bring an op's operands to their common dtype by PyTorch's promotion rule.

    Tensors and array-likes become Tensors cast to ``autograd.dtypes.common_dtype`` of all
    operands (0-d tensors and numbers count by category only); numbers stay Python numbers, so
    NumPy computes them in that dtype, except an integer outside an integer dtype's range, which
    is wrapped to it as PyTorch wraps it. ``None`` operands (an absent bound) pass through. With
    ``floating`` an integer or bool result dtype becomes the default float (true division,
    float-only math).
    """
    out = [
        x if x is None or isinstance(x, _SCALARS) else as_tensor(x, name)
        for x, name in zip(operands, names)
    ]
    target = _dt.common_dtype(*[x for x in out if x is not None])
    if floating and target.kind != "f":
        target = _dt.default_float
    for i, (x, name) in enumerate(zip(out, names)):
        if isinstance(x, Tensor):
            if x._array.dtype != target:
                out[i] = x.to(target)
        elif x is None:
            continue
        elif target.kind == "f":
            out[i] = float(x)
        elif target.kind != "b" and not isinstance(x, (bool, np.bool_)):
            out[i] = _dt.wrap_integer(int(x), target, name)
    return out


def _raw(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


def trunc_divide(a: Any, b: Any) -> Any:
    """``a / b`` rounded toward zero, in the operands' dtype (exact for integers)."""
    if np.result_type(a, b).kind == "f":
        return np.trunc(np.true_divide(a, b))
    q = np.floor_divide(a, b)
    # Floor and truncation differ where the quotient is negative and inexact: step back up.
    return q + ((q < 0) & (q * b != a))


def integer_division(ufunc: Any, a: Any, b: Any, op: str) -> Tensor:
    """``ufunc(a, b)`` for ``floor_divide``/``remainder``/truncating division of promoted
    operands: integer division by zero raises as in PyTorch, float division by zero gives
    inf/NaN quietly. Not differentiable (the result never requires grad)."""
    x, y = _raw(a), _raw(b)
    if np.result_type(x, y).kind in "iub" and not np.all(y):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        raise broadcast_error(op, x, y) from None


def remainder_array(a: Any, b: Any) -> Any:
    """Python's modulus (the sign of ``b``) as PyTorch computes it for floats: ``fmod``, then
    ``+ b`` where the signs differ, so ``-0.0 % 1.5`` stays ``-0.0`` (NumPy gives ``0.0``)."""
    if np.result_type(a, b).kind != "f":
        return np.remainder(a, b)
    r = np.fmod(a, b)
    return np.where((r != 0) & ((r < 0) != (np.asarray(b) < 0)), r + b, r)


def power(a: Any, b: Any) -> Any:
    """``a ** b`` on arrays and numbers; for integers a negative exponent gives PyTorch's
    result (1 for base 1, +-1 for base -1, else 0) where NumPy would raise."""
    try:
        return a**b
    except ValueError:
        if np.result_type(a, b).kind not in "iu":
            raise
    x, e = np.asarray(a), np.asarray(b)
    dtype = np.result_type(a, b)
    neg = e < 0
    y = np.where(neg, 0, x ** np.where(neg, 0, e))
    y = np.where(neg & (x == 1), 1, y)
    y = np.where(neg & (x == -1), 1 - 2 * (e % 2), y)
    return y.astype(dtype, copy=False)


def half_with_number(fn: Any, a: Any, b: Any) -> Tensor:
    """``fn.apply(a, b)`` for a float16 tensor and a Python number, computed in float32 and
    rounded to float16 once: PyTorch multiplies and divides a half tensor by a number at float
    precision (the number is not rounded to half first)."""
    a = a.to(_dt.float32) if isinstance(a, Tensor) else a
    b = b.to(_dt.float32) if isinstance(b, Tensor) else b
    return fn.apply(a, b).to(_dt.float16)


def broadcast_error(op: str, a: Any, b: Any) -> ValueError:
    """The error for operands whose shapes do not broadcast, naming both shapes."""
    sa = getattr(a, "shape", ())
    sb = getattr(b, "shape", ())
    return ValueError(f"{op}: shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together")


def dim_or_axis(op: str, dim: Any, axis: Any, required: bool = False) -> Any:
    """``dim``, or NumPy's alias ``axis`` in its place (giving both is an error); with
    ``required``, one of them must be given."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim={dim!r} and its alias axis={axis!r}")
        dim = axis
    if required and dim is None:
        raise TypeError(f"{op}: missing the required argument dim")
    return dim


def dim_tuple(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """Normalize ``dim`` (None, int, or sequence of ints) to a sorted tuple of axes or None."""
    if dim is None:
        return None
    if ndim == 0:  # PyTorch lets a 0-d tensor be reduced over dim 0 or -1: a no-op
        for d in dim if isinstance(dim, (list, tuple)) else (dim,):
            normalize_dim(d, 0, op)
        return ()
    if isinstance(dim, (list, tuple)):
        axes = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dim {tuple(dim)} repeats a dimension")
        return tuple(sorted(axes))
    return (normalize_dim(dim, ndim, op),)
