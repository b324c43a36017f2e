"""Argument checks shared by the kernel modules: they raise before any kernel runs."""

from __future__ import annotations

import numpy as np

Pair = tuple[int, int]


def pair(name: str, value: int | tuple[int, ...], minimum: int) -> Pair:
    """Expand an int or check a pair of ints, each at least ``minimum``.

    Examples
    --------
    >>> pair("stride", 2, 1), pair("padding", (0, 1), 0)
    ((2, 2), (0, 1))
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        result = (int(value), int(value))
    else:
        try:
            result = tuple(int(v) for v in value)  # type: ignore[union-attr]
        except TypeError:
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
        if len(result) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(result) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return result  # type: ignore[return-value]


def float_nchw(name: str, a: np.ndarray) -> np.ndarray:
    """Check a 4-D float32/float64 array and return it C-contiguous.

    One layout per dtype means each kernel compiles once per dtype.
    """
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {a.dtype}")
    if a.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {a.shape}")
    return np.ascontiguousarray(a)


def gradient(name: str, gy: np.ndarray, x_shape: tuple[int, ...], out: tuple) -> np.ndarray:
    """Check an output gradient of shape ``(N, C, *out)`` for an input of ``x_shape``."""
    gy = float_nchw(name, gy)
    expected = (*x_shape[:2], *out)
    if gy.shape != expected:
        raise ValueError(f"{name} has shape {gy.shape}, expected {expected}")
    return gy
