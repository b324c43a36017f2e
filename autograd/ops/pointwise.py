"""Pointwise ops beyond the table rows: atan2 (arctan2), hypot, xlogy, nan_to_num, and
``Tensor.apply_``.

Derivatives (PyTorch's)::

    atan2(a, b):  ga = g b / (a^2 + b^2),   gb = -g a / (a^2 + b^2)
    hypot(a, b):  ga = g a / hypot,         gb = g b / hypot
    xlogy(x, y):  gx = g log(y) (0 where x == 0 and y <= 0),   gy = g x / y
    nan_to_num:   g * isfinite(input) (0 where it was replaced; NaN there if g is inf)
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor, tensor_method
from ._mutate import run_inplace
from ._util import as_tensor
from .arithmetic import _apply_binary
from .registry import binary, register


# ----------------------------------------------------------------------------------- atan2
class Atan2(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        scale = g / (a * a + b * b)
        return scale * b, -scale * a

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return (b * da - a * db) / (a * a + b * b)


@register(
    method=True, inplace=True, numpy=np.arctan2, aliases=("arctan2",),
    sample=binary(low=0.2, high=3.0, other_low=-3.0, other_high=3.0), ref=np.arctan2,
)  # fmt: skip
def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point ``(other, input)``: ``arctan(input / other)`` in the right
    quadrant, in ``[-pi, pi]`` (broadcasting; integers give floats).

    Examples
    --------
    >>> import autograd
    >>> autograd.atan2(autograd.tensor([1.0, 1.0]), autograd.tensor([1.0, -1.0]))
    tensor([0.7854, 2.3562])
    """
    return _apply_binary(Atan2, input, other, "atan2", floating=True)


# ----------------------------------------------------------------------------------- hypot
class Hypot(Function):
    @staticmethod
    def forward(ctx, a, b):
        y = np.hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        scale = g / y
        return scale * a, scale * b

    @staticmethod
    def jvp(ctx, da, db):
        a, b, y = ctx.saved_tensors
        return (a * da + b * db) / y


@register(
    method=True, inplace=True, numpy=np.hypot,
    sample=binary(low=0.2, high=3.0, other_low=-3.0, other_high=-0.2), ref=np.hypot,
)  # fmt: skip
def hypot(input: Any, other: Any) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow in the squares (broadcasting).

    Examples
    --------
    >>> import autograd
    >>> autograd.hypot(autograd.tensor([3.0]), autograd.tensor([4.0]))
    tensor([5.])
    """
    return _apply_binary(Hypot, input, other, "hypot", floating=True)


# ----------------------------------------------------------------------------------- xlogy
def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    # 0 where x is 0, unless y is NaN (PyTorch: xlogy(0, nan) is nan)
    return np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype)


class Xlogy(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return _xlogy(x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = gy = None
        if nx:
            gx = np.where((x == 0) & (y <= 0), 0, g * np.log(y))
        if ny:
            gy = g * x / y
        return gx, gy

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((x == 0) & (y <= 0), 0, dx * np.log(y)) + dy * x / y


@register(
    method=True, inplace=lambda a, other: np.copyto(a, _xlogy(a, np.asarray(other)),
                                                  casting="same_kind"),
    sample=binary(low=-2.0, high=2.0, other_low=0.2, other_high=3.0), ref=_xlogy,
)  # fmt: skip
def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN), as
    PyTorch's ``xlogy`` and ``special.xlogy``.

    Examples
    --------
    >>> import autograd
    >>> autograd.xlogy(autograd.tensor([0.0, 2.0]), autograd.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    return _apply_binary(Xlogy, input, other, "xlogy", floating=True)


# ------------------------------------------------------------------------------ nan_to_num
def _replacements(dtype: np.dtype, posinf: Any, neginf: Any) -> tuple:
    info = np.finfo(dtype)
    return (info.max if posinf is None else posinf), (info.min if neginf is None else neginf)


class NanToNum(Function):
    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        hi, lo = _replacements(x.dtype, posinf, neginf)
        return np.nan_to_num(x, nan=nan, posinf=hi, neginf=lo)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # PyTorch multiplies by the mask here (an inf upstream gradient at a replaced entry
        # gives NaN), so this rule does too.
        return g * _finite(x), None, None, None

    @staticmethod
    def jvp(ctx, u, nan, posinf, neginf):
        (x,) = ctx.saved_tensors
        return u * _finite(x)


def _finite(x: Any) -> np.ndarray:
    return np.isfinite(x._array if isinstance(x, Tensor) else x).astype(x.dtype)


def _nan_to_num_fast(a: np.ndarray, nan: float = 0.0, posinf: Any = None, neginf: Any = None):
    if a.dtype.kind == "f":
        hi, lo = _replacements(a.dtype, posinf, neginf)
        np.nan_to_num(a, copy=False, nan=nan, posinf=hi, neginf=lo)


def _sample_nan_to_num(draw: Any, dtype: np.dtype):
    from hypothesis import strategies as st

    from .. import testing
    from .registry import Sample

    shape = draw(testing.shapes())
    x = draw(testing.arrays(shape, dtype))
    # NaN is checked in tests/autograd/test_pointwise.py (the registry compares inputs with ==)
    special = draw(testing.arrays(shape, np.int64, low=0, high=3))
    x = np.select([special == 1, special == 2], [np.inf, -np.inf], x)
    kwargs = {}
    if draw(st.booleans()):
        kwargs = {"nan": 1.5, "posinf": 7.0, "neginf": draw(st.sampled_from([None, -7.0]))}
    return Sample((x.astype(dtype),), kwargs)


def _nan_to_num_ref(x, nan=0.0, posinf=None, neginf=None):
    hi, lo = _replacements(x.dtype, posinf, neginf)
    return np.nan_to_num(x, nan=nan, posinf=hi, neginf=lo)


@register(
    method=True, inplace=_nan_to_num_fast, numpy=np.nan_to_num, sample=_sample_nan_to_num,
    ref=_nan_to_num_ref,
)  # fmt: skip
def nan_to_num(
    input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """``input`` with NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf``
    (default: the dtype's largest and lowest finite values). The gradient is 0 at replaced
    entries (``g * isfinite(input)``, as PyTorch's).

    Examples
    --------
    >>> import autograd
    >>> autograd.nan_to_num(autograd.tensor([float("nan"), 1.0, float("-inf")]), neginf=-9.0)
    tensor([ 0.,  1., -9.])
    """
    t = as_tensor(input)
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float, np.number))):
            raise TypeError(f"nan_to_num: {name} must be a number, got {type(v).__name__}")
    if t._array.dtype.kind != "f":
        return Tensor._make(t._array.copy())
    return NanToNum.apply(t, float(nan), posinf, neginf)


# ---------------------------------------------------------------------------------- apply_
def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:  # noqa: A002
    """Replace each element ``v`` of this tensor by ``callable(v)`` (a Python function of one
    number), in place; slow, and not differentiable, as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1.0, 2.0]).apply_(lambda v: v * 10 + 1)
    tensor([11., 21.])
    """
    if not builtins.callable(callable):
        raise TypeError(f"apply_: callable must be callable, got {type(callable).__name__}")

    def fast(a: np.ndarray) -> None:
        if a.size:
            a[...] = np.vectorize(callable, otypes=[a.dtype])(a)

    def graph(t: Tensor) -> Tensor:
        raise RuntimeError(
            "apply_: not differentiable; call it under autograd.no_grad() or on a tensor that "
            "does not require grad"
        )

    return run_inplace(self, "apply_", fast, graph)


tensor_method(apply_, name="apply_")
