"""Argument handling shared by the op families: conversion, promotion, dim normalization."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, as_array, normalize_dim

__all__ = ["as_tensor", "float_tensor", "binary_operands", "normalize_dim", "dim_tuple", "Tensor"]

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


def binary_operands(a: Any, b: Any, op: str, floating: bool = False) -> tuple[Any, Any]:
    """Bring two operands to PyTorch's result dtype.

    Python scalars stay scalars (NumPy keeps the tensor's dtype for them); tensors of different
    dtypes are promoted the PyTorch way (an int tensor meeting a float tensor takes its dtype).
    With ``floating`` the result is made floating point (true division, float-only math).
    """
    a_scalar = isinstance(a, _SCALARS)
    b_scalar = isinstance(b, _SCALARS)
    if a_scalar and b_scalar:
        a = as_tensor(a, "input")
        a_scalar = False
    if not a_scalar:
        a = as_tensor(a, "input")
    if not b_scalar:
        b = as_tensor(b, "other")
    if a_scalar:
        target = _dt.scalar_result(b._array.dtype, a)
    elif b_scalar:
        target = _dt.scalar_result(a._array.dtype, b)
    else:
        target = _dt.promote(a._array.dtype, b._array.dtype)
    if floating and target.kind != "f":
        target = _dt.default_float
    if not a_scalar and a._array.dtype != target:
        a = a.to(target)
    if not b_scalar and b._array.dtype != target:
        b = b.to(target)
    if a_scalar and target.kind == "f":
        a = float(a)
    if b_scalar and target.kind == "f":
        b = float(b)
    return a, b


def broadcast_error(op: str, a: Any, b: Any) -> ValueError:
    """The error for operands whose shapes do not broadcast, naming both shapes."""
    sa = getattr(a, "shape", ())
    sb = getattr(b, "shape", ())
    return ValueError(f"{op}: shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together")


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
