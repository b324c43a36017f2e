"""When a fused kernel may replace the per-op update, and how it is called.

A fused kernel writes straight into the parameter's array, so it is applied through
``autograd.run_inplace``: that keeps the version counter honest (backward still detects a saved
tensor that the optimizer changed) exactly as the per-op in-place methods do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

_FUSED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def flat_arrays(*tensors: Tensor) -> list[np.ndarray] | None:
    """1-D views of the tensors' arrays when all share one float dtype, shape and C layout;
    None when any does not (the caller then takes the per-op path)."""
    first = tensors[0].numpy(force=True)
    dtype, shape = first.dtype, first.shape
    if dtype not in _FUSED_DTYPES:
        return None
    out = []
    for t in tensors:
        a = t.numpy(force=True)
        if a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
            return None
        out.append(a.reshape(-1))
    return out


def apply_fused(param: Tensor, op: str, kernel: Callable[..., Any], *args: Any) -> None:
    """Run ``kernel(*args)`` (which updates ``param``'s array in place) and bump its version."""
    autograd.run_inplace(param, op, lambda _a: kernel(*args), _no_graph)


def _no_graph(_t: Tensor) -> Tensor:  # pragma: no cover - updates always run under no_grad
    raise RuntimeError("optimizer updates must run under autograd.no_grad()")


class CastCache:
    """The update's scalar coefficients cast to each array dtype met, computed once per dtype
    (the kernels take scalars in the arrays' dtype so float32 updates stay in float32)."""

    def __init__(self, *values: Any) -> None:
        self._values = values
        self._cast: dict[np.dtype, tuple] = {}

    def __getitem__(self, dtype: np.dtype) -> tuple:
        cast = self._cast.get(dtype)
        if cast is None:
            t = dtype.type
            cast = self._cast[dtype] = tuple(
                v if isinstance(v, bool) else t(v) for v in self._values
            )
        return cast
