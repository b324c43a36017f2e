"""Argument checks and reductions shared by the loss functions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.extend import REDUCTIONS, check_reduction


def _legacy(size_average: Any, reduce: Any, reduction: str, stacklevel: int = 3) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``;
    the deprecation warning points ``stacklevel`` frames up (the caller's caller by default)."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args are deprecated, please use reduction='mean'|'sum'|'none'",
        stacklevel=stacklevel,
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduction(
    size_average: Any, reduce: Any, reduction: Any, fn: str, allowed: tuple = REDUCTIONS
) -> str:
    """A loss function's effective ``reduction`` (after the deprecated flags), checked."""
    reduction = _legacy(size_average, reduce, reduction, stacklevel=4)
    check_reduction(reduction, fn, allowed)
    return reduction


def _tensor(x: Any, fn: str, arg: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {arg} must be a Tensor, got {type(x).__name__}")
    return x


def _float(x: Tensor, fn: str, arg: str) -> Tensor:
    if not x.is_floating_point():
        raise TypeError(f"{fn}: {arg} must be a floating-point tensor, got dtype {x.dtype}")
    return x


def _float_tensor(x: Any, fn: str, arg: str) -> Tensor:
    return _float(_tensor(x, fn, arg), fn, arg)


def _input_target(input: Any, target: Any, fn: str) -> tuple[Tensor, Tensor]:
    """``input`` checked to be a floating-point Tensor, ``target`` a Tensor."""
    return _float_tensor(input, fn, "input"), _tensor(target, fn, "target")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_size(input: Tensor, target: Tensor, fn: str) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"{fn}: using a target size ({tuple(target.shape)}) that is different to the input "
            f"size ({tuple(input.shape)}); this will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(
                f"{fn}: target shape {tuple(target.shape)} does not broadcast with input shape "
                f"{tuple(input.shape)}"
            ) from None


def _pair(input: Any, target: Any, fn: str) -> tuple[Tensor, Tensor]:
    input, target = _input_target(input, target, fn)
    _same_size(input, target, fn)
    return input, target
