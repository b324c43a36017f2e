"""Helpers shared by the layer files: parameter creation and fan-in for default init."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import autograd

from ..parameter import Parameter


def new_parameter(shape: tuple[int, ...], dtype: Any = None) -> Parameter:
    """An uninitialized parameter of ``shape`` (float32 unless ``dtype`` says otherwise)."""
    return Parameter(autograd.empty(shape, dtype=dtype))


def affine_parameters(
    module: Any, shape: tuple[int, ...], affine: bool, bias: bool, dtype: Any = None
) -> None:
    """Give a normalization layer its ``weight`` and ``bias`` of ``shape`` when ``affine``
    (``bias`` alone can be turned off); what it lacks is registered as None, as in PyTorch, so
    the attribute exists and ``state_dict`` has no entry for it."""
    if affine:
        module.weight = new_parameter(shape, dtype)
        if bias:
            module.bias = new_parameter(shape, dtype)
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def fan_in(weight: Any) -> int:
    """PyTorch's fan-in: ``size(1)`` times the receptive field (trailing dims)."""
    shape = tuple(weight.shape)
    if len(shape) < 2:
        raise ValueError(f"fan_in: needs a weight with at least 2 dims, got shape {shape}")
    return shape[1] * math.prod(shape[2:])


def check_device(device: Any) -> None:
    if device is not None:
        autograd.zeros(0, device=device)  # raises the engine's error for anything but "cpu"


def tuple_of(value: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    """``value`` repeated ``n`` times if it is an int, else checked to have ``n`` entries."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    out = tuple(value)
    if len(out) != n or not all(isinstance(v, int) for v in out):
        raise ValueError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
    return out
