"""NumPy functions applied to Tensors: ``np.exp(t)`` runs numbagrad's ``exp`` and stays
differentiable. This is what lets a backward rule written with NumPy functions run on Tensors
under ``create_graph=True``.

NumPy functions with no numbagrad counterpart run on the arrays and return arrays, unless a
Tensor argument requires grad: then they raise, rather than silently cutting the graph.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["array_ufunc", "array_function"]

# NumPy ufunc name -> numbagrad op name
_UFUNCS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
    "negative": "neg", "power": "pow", "exp": "exp", "expm1": "expm1", "log": "log",
    "log1p": "log1p", "log2": "log2", "log10": "log10", "sqrt": "sqrt", "square": "square",
    "reciprocal": "reciprocal", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
    "absolute": "abs", "sign": "sign", "maximum": "maximum", "minimum": "minimum",
    "floor": "floor", "ceil": "ceil", "trunc": "trunc", "rint": "round", "matmul": "matmul",
    "greater": "gt", "less": "lt", "equal": "eq", "not_equal": "ne", "greater_equal": "ge",
    "less_equal": "le", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_not": "logical_not", "logical_xor": "logical_xor", "isnan": "isnan",
    "isinf": "isinf", "isfinite": "isfinite", "floor_divide": "floor_divide",
    "remainder": "remainder", "bitwise_and": "logical_and", "bitwise_or": "logical_or",
    "invert": "logical_not", "positive": None,
}  # fmt: skip

# NumPy function name -> (numbagrad op name, how to translate the arguments)
_FUNCTIONS = {
    "where": "where", "sum": "sum", "mean": "mean", "prod": "prod", "max": "amax",
    "amax": "amax", "min": "amin", "amin": "amin", "reshape": "reshape", "transpose": "permute",
    "swapaxes": "swapaxes", "moveaxis": "movedim", "expand_dims": "unsqueeze",
    "squeeze": "squeeze", "concatenate": "cat", "stack": "stack", "broadcast_to": "broadcast_to",
    "einsum": "einsum", "tensordot": "tensordot", "outer": "outer", "dot": "matmul",
    "clip": "clamp", "tril": "tril", "triu": "triu", "diagonal": "diagonal", "flip": "flip",
    "roll": "roll", "take_along_axis": "take_along_dim", "cumsum": "cumsum",
    "cumprod": "cumprod", "var": "var", "std": "std", "abs": "abs", "round": "round",
    "exp": "exp", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sign": "sign",
    "zeros_like": None, "ones_like": None, "full_like": None, "empty_like": None,
    "argmax": "argmax", "argmin": "argmin", "all": "all", "any": "any",
}  # fmt: skip

# NumPy keyword -> numbagrad keyword where the names differ (positional arguments line up)
_KEYWORDS = {
    "flip": {"axis": "dims"}, "roll": {"shift": "shifts", "axis": "dims"},
    "diagonal": {"axis1": "dim1", "axis2": "dim2"}, "tril": {"k": "diagonal"},
    "triu": {"k": "diagonal"}, "swapaxes": {"axis1": "axis0", "axis2": "axis1"},
    "permute": {"axes": "dims"},
}  # fmt: skip


def _ops() -> Any:
    return sys.modules["autograd.ops"]


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


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__``: route a NumPy ufunc call to the numbagrad op."""
    name = ufunc.__name__
    if method == "__call__" and not kwargs and name in _UFUNCS:
        op = _UFUNCS[name]
        if op is None:
            return inputs[0]
        return getattr(_ops(), op)(*inputs)
    return _fallback(name, getattr(ufunc, method), inputs, kwargs)


def array_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: route a NumPy function call to the numbagrad op."""
    name = func.__name__
    op = _FUNCTIONS.get(name)
    if op is not None and hasattr(_ops(), op):
        kwargs = dict(kwargs)
        if "axis" in kwargs and op in ("swapaxes", "movedim", "unsqueeze", "squeeze", "cat",
                                       "stack", "take_along_dim", "cumsum", "cumprod"):  # fmt: skip
            kwargs["dim"] = kwargs.pop("axis")
        if name in ("max", "min", "amax", "amin") and "axis" in kwargs:
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
            return _ops().clamp(a[0], a[1], a[2])
        if name == "dot" and (np.ndim(args[0]) == 0 or np.ndim(args[1]) == 0):
            return _ops().mul(args[0], args[1])
        return getattr(_ops(), op)(*args, **kwargs)
    return _fallback(name, func, args, kwargs)
