"""Gradient clipping: the total gradient norm, clipping by norm and by value."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]


def as_tensor_list(parameters: Any, fn: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    if not isinstance(parameters, Iterable):
        raise TypeError(
            f"{fn}: parameters must be a Tensor or an iterable of Tensors, got "
            f"{type(parameters).__name__}"
        )
    out = list(parameters)
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: expected Tensors in parameters, got {type(p).__name__}")
    return out


def _norm_type(norm_type: Any, fn: str) -> float:
    if isinstance(norm_type, str):
        if norm_type.lower() != "inf":
            raise ValueError(f"{fn}: norm_type must be a number or 'inf', got {norm_type!r}")
        return math.inf
    try:
        return float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(
            f"{fn}: norm_type must be a number or 'inf', got {type(norm_type).__name__}"
        ) from None


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    a = a.ravel()
    if a.size == 0:
        return np.zeros((), a.dtype)
    if p == math.inf:
        return np.abs(a).max()
    if p == -math.inf:
        return np.abs(a).min()
    if p == 2:
        return np.sqrt(np.dot(a, a))
    if p == 1:
        return np.abs(a).sum()
    if p == 0:
        return np.asarray(np.count_nonzero(a), a.dtype)
    return (np.abs(a) ** p).sum() ** (1.0 / p)


def get_total_norm(tensors: Any, norm_type: float | str = 2.0,
                   error_if_nonfinite: bool = False) -> Tensor:  # fmt: skip
    """The ``norm_type``-norm of all ``tensors`` seen as one concatenated vector.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.utils.get_total_norm([autograd.tensor([3.0]), autograd.tensor([4.0])])
    tensor(5.)
    """
    ts = as_tensor_list(tensors, "get_total_norm")
    p = _norm_type(norm_type, "get_total_norm")
    if not ts:
        return autograd.tensor(0.0)
    # Overflow to inf is a legitimate answer (exploding gradients), as in PyTorch: no warning.
    with np.errstate(over="ignore", invalid="ignore"):
        norms = [_vector_norm(t.numpy(force=True), p) for t in ts]
        dtype = np.result_type(*[n.dtype for n in norms])
        total = _vector_norm(np.array(norms, dtype=dtype), p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return autograd.from_numpy(np.asarray(total, dtype=dtype))


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """Scale the gradients in place so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector. Each
    gradient is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``.

    Returns
    -------
    Tensor
        The total norm before clipping.

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.Parameter(autograd.zeros(2))
    >>> (w * autograd.tensor([3.0, 4.0])).sum().backward()
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    params = as_tensor_list(parameters, "clip_grad_norm_")
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    t = total.numpy()
    coef = np.asarray(max_norm, t.dtype) / (t + np.asarray(1e-6, t.dtype))
    coef = min(coef, np.asarray(1.0, t.dtype))
    # a non-finite norm makes the grads NaN, as in PyTorch; no need to warn about it
    with autograd.no_grad(), np.errstate(invalid="ignore", over="ignore"):
        for g in grads:
            g.mul_(autograd.from_numpy(np.asarray(coef, dtype=g.dtype)))
    return total


def clip_grad_value_(parameters: Any, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient in place to ``[-clip_value, clip_value]``.

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.Parameter(autograd.zeros(2))
    >>> (w * autograd.tensor([3.0, -0.5])).sum().backward()
    >>> nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([ 1.0000, -0.5000])
    """
    params = as_tensor_list(parameters, "clip_grad_value_")
    v = float(clip_value)
    if v < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    with autograd.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.clamp_(-v, v)
