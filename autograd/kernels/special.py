"""Special functions NumPy lacks (erf), as compiled elementwise loops."""

from __future__ import annotations

import math

import numpy as np

from ._jit import jit

__all__ = ["erf"]


@jit
def _erf_flat(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = math.erf(x[i])


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float array, elementwise (same shape and dtype)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _erf_flat(flat, out)
    return out.reshape(np.shape(x))
