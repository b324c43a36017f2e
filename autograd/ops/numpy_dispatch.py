"""NumPy functions applied to Tensors: ``np.exp(t)`` runs numbagrad's ``exp`` and stays
differentiable. This is what lets a backward rule written with NumPy functions run on Tensors
under ``create_graph=True``.

NumPy functions with no numbagrad counterpart run on the arrays and return arrays, unless a
Tensor argument requires grad: then they raise, rather than silently cutting the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, tensor_method
from .registry import NUMPY_DISPATCH

__all__ = ["array_ufunc", "array_function"]

# NumPy keyword -> numbagrad keyword where the names differ (positional arguments line up)
_KEYWORDS = {
    "flip": {"axis": "dims"}, "roll": {"shift": "shifts", "axis": "dims"},
    "diagonal": {"axis1": "dim1", "axis2": "dim2"}, "tril": {"k": "diagonal"},
    "triu": {"k": "diagonal"}, "swapaxes": {"axis1": "axis0", "axis2": "axis1"},
    "permute": {"axes": "dims"},
}  # fmt: skip


def _arrays(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._array
    if isinstance(x, (list, tuple)):
        return type(x)(_arrays(v) for v in x)
    return x


def _needs_grad(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x._requires_grad
    if isinstance(x, (list, tuple)):
        return any(_needs_grad(v) for v in x)
    return False


# Functions that only look at a tensor (never produce values from it): always allowed.
_QUERIES = frozenset(
    {"shape", "ndim", "size", "result_type", "may_share_memory", "shares_memory", "iscomplexobj",
     "isrealobj", "can_cast", "min_scalar_type", "broadcast_shapes"}
)  # fmt: skip


def _fallback(name: str, fn: Any, args: tuple, kwargs: dict) -> Any:
    if name not in _QUERIES and (_needs_grad(args) or _needs_grad(tuple(kwargs.values()))):
        raise TypeError(
            f"numpy.{name} has no differentiable numbagrad counterpart; call it on "
            "tensor.detach() (or .numpy()) if you do not need its gradient"
        )
    return fn(*_arrays(args), **{k: _arrays(v) for k, v in kwargs.items()})


@tensor_method(name="__array_ufunc__")
def array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``Tensor.__array_ufunc__``: route a NumPy ufunc call to the numbagrad op."""
    if method == "__call__" and not kwargs:
        if ufunc is np.positive:
            return inputs[0]
        op = NUMPY_DISPATCH.get(ufunc)
        if op is not None:
            return op(*inputs)
    return _fallback(ufunc.__name__, getattr(ufunc, method), inputs, kwargs)


# Ops whose NumPy form names the dim ``axis``.
_AXIS_IS_DIM = frozenset(
    {"swapaxes", "movedim", "unsqueeze", "squeeze", "cat", "stack", "take_along_dim", "cumsum",
     "cumprod", "amax", "amin"}
)  # fmt: skip


@tensor_method(name="__array_function__")
def array_function(self: Tensor, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: route a NumPy function call to the numbagrad op."""
    fn = NUMPY_DISPATCH.get(func)
    if fn is None:
        return _fallback(func.__name__, func, args, kwargs)
    name, op = func.__name__, fn.__name__
    kwargs = dict(kwargs)
    if "axis" in kwargs and op in _AXIS_IS_DIM:
        kwargs["dim"] = kwargs.pop("axis")
    if name == "transpose" and len(args) == 1 and kwargs.get("axes") is None:
        return args[0].T
    if op in _KEYWORDS:  # one pass, so swapaxes' axis1 -> axis0, axis2 -> axis1 don't collide
        names = _KEYWORDS[op]
        kwargs = {names.get(k, k): v for k, v in kwargs.items()}
    if op == "flip" and len(args) == 1 and kwargs.get("dims") is None:
        kwargs["dims"] = tuple(range(args[0].ndim))  # NumPy's default: every axis
    if name == "clip":
        a = list(args) + [kwargs.pop("a_min", None), kwargs.pop("a_max", None)]
        return fn(a[0], a[1], a[2])
    if name == "dot" and (np.ndim(args[0]) == 0 or np.ndim(args[1]) == 0):
        return args[0] * args[1]
    return fn(*args, **kwargs)
