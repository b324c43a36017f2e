"""Process-wide dtype state and dtype limits, in PyTorch's names: ``set_default_dtype``,
``get_default_dtype``, ``finfo``, ``iinfo``.

The default dtype is the one floating dtype that creation functions (``zeros``, ``rand``,
``arange`` of floats, ``Tensor(2, 3)``), Python floats in ``tensor(...)`` and integer inputs of
float-only math take; it starts as float32, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt

__all__ = ["finfo", "get_default_dtype", "iinfo", "set_default_dtype"]

_FLOATS = (_dt.float16, _dt.float32, _dt.float64)


def set_default_dtype(d: Any) -> None:
    """Make ``d`` (float16, float32 or float64) the default floating dtype.

    Examples
    --------
    >>> import autograd
    >>> autograd.set_default_dtype(autograd.float64)
    >>> autograd.tensor([1.5]).dtype == autograd.float64
    True
    >>> autograd.set_default_dtype(autograd.float32)
    """
    dt = _dt.to_dtype(d, "set_default_dtype")
    if dt not in _FLOATS:
        raise TypeError(
            f"set_default_dtype: only floating dtypes are supported as the default "
            f"(float16, float32, float64), got {dt}"
        )
    _dt.default_float = dt


def get_default_dtype() -> np.dtype:
    """The default floating dtype (float32 unless :func:`set_default_dtype` changed it).

    Examples
    --------
    >>> import autograd
    >>> autograd.get_default_dtype()
    dtype('float32')
    """
    return _dt.default_float


def _g(v: float) -> str:
    return f"{v:g}"


class finfo:  # noqa: N801 - PyTorch's name
    """Limits of a floating dtype (the default dtype when None): ``bits``, ``eps``, ``max``,
    ``min``, ``tiny`` (= ``smallest_normal``), ``resolution`` and ``dtype`` (its name).

    Examples
    --------
    >>> import autograd
    >>> autograd.finfo(autograd.float32).eps
    1.1920928955078125e-07
    >>> autograd.finfo(autograd.float16)  # doctest: +ELLIPSIS
    finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, ..., dtype=float16)
    """

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        dt = _dt.default_float if type is None else _dt.to_dtype(type, "finfo")
        if dt.kind != "f":
            raise TypeError(f"finfo: expected a floating dtype, got {dt} (use iinfo for integers)")
        info = np.finfo(dt)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = str(dt)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
            f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, "
            f"tiny={_g(self.tiny)}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer (or bool) dtype: ``bits``, ``max``, ``min`` and ``dtype``.

    Examples
    --------
    >>> import autograd
    >>> autograd.iinfo(autograd.int8).max
    127
    """

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        dt = _dt.to_dtype(type, "iinfo")
        if dt.kind not in "iub":
            raise TypeError(f"iinfo: expected an integer dtype, got {dt} (use finfo for floats)")
        if dt.kind == "b":
            self.bits, self.min, self.max = 8, 0, 1
        else:
            info = np.iinfo(dt)
            self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = "bool" if dt.kind == "b" else str(dt)

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
