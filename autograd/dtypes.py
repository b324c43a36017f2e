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


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two tensor dtypes.

    Unlike NumPy, an integer tensor meeting a float tensor takes the float tensor's dtype
    (``int64 + float32 -> float32``), and bool meets int as int.
    """
    if a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa and not fb:
        return a
    if fb and not fa:
        return b
    return np.promote_types(a, b)


def scalar_result(tensor_dtype: np.dtype, scalar: object) -> np.dtype:
    """Dtype of ``tensor <op> python_scalar``: the scalar never up-casts a tensor of its kind."""
    if isinstance(scalar, builtins.bool):
        return tensor_dtype
    if isinstance(scalar, builtins.float) and tensor_dtype.kind != "f":
        return default_float
    if isinstance(scalar, builtins.int) and tensor_dtype.kind == "b":
        return int64
    return tensor_dtype
