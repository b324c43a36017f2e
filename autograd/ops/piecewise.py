"""Piecewise-linear activations: hardtanh, relu6, hardsigmoid, hardswish, threshold, prelu.

At each breakpoint the derivative follows PyTorch 2.13 (stated in each docstring).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._activation_util import (
    _float_input,
    _near_kinks,
    _torch_f,
)
from ._jvp import diagonal_jvp, sum_terms
from ._table import select_grad
from ._util import as_tensor
from .registry import Sample, register


# ------------------------------------------------------- hardtanh, relu6, hard*, threshold
class Hardtanh(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.bounds = (low, high)
        ctx.save_for_backward(x)
        return np.minimum(np.maximum(x, low), high)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        # NaN passes the gradient (PyTorch zeroes only at x <= low or x >= high)
        return select_grad(~((x <= low) | (x >= high)), g), None, None

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


def _hardtanh(op: str, input: Any, low: float, high: float) -> Tensor:
    t = input if isinstance(input, Tensor) else as_tensor(input)
    if low > high:
        raise ValueError(f"{op}: min_val ({low}) cannot be greater than max_val ({high})")
    if t._array.dtype.kind != "f":  # integers stay integers (as PyTorch); no gradient
        return Tensor._make(np.clip(t._array, low, high).astype(t._array.dtype))
    return Hardtanh.apply(t, low, high)


@register(
    sample=_near_kinks((-1.0, 1.0), min_val=-1.0, max_val=1.0), torch=_torch_f("hardtanh"),
    masked=True,
)  # fmt: skip
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``input`` clipped to ``[min_val, max_val]``. The derivative is 1 strictly inside and 0
    elsewhere, including at ``min_val`` and ``max_val`` themselves (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.hardtanh(autograd.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return _hardtanh("hardtanh", input, min_val, max_val)


@register(
    sample=_near_kinks((0.0, 6.0), low=-2.0, high=8.0), torch=_torch_f("relu6"), masked=True
)  # fmt: skip
def relu6(input: Tensor) -> Tensor:
    """``min(max(x, 0), 6)``; the derivative is 0 at 0 and at 6 (as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.relu6(autograd.tensor([-1.0, 3.0, 7.0]))
    tensor([0., 3., 6.])
    """
    return _hardtanh("relu6", input, 0.0, 6.0)


def _hardsigmoid_array(x: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(x * (1 / 6) + 0.5, 0), 1)


# hardsigmoid and hardswish bend at -3 and 3
_HARD_KINKS = _near_kinks((-3.0, 3.0), low=-4.5, high=4.5)


class Hardsigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _hardsigmoid_array(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return select_grad((x > -3) & (x < 3), g * (1 / 6))

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_HARD_KINKS, torch=_torch_f("hardsigmoid"), masked=True)
def hardsigmoid(input: Tensor) -> Tensor:
    """``clip(x / 6 + 1/2, 0, 1)``. The derivative is 1/6 strictly inside (-3, 3) and 0 at
    ±3 (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.hardsigmoid(autograd.tensor([-4.0, 0.0, 1.5]))
    tensor([0.0000, 0.5000, 0.7500])
    """
    return Hardsigmoid.apply(_float_input("hardsigmoid", input))


class Hardswish(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _hardsigmoid_array(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x >= 3, g, select_grad(x > -3, g * (x * (1 / 3) + 0.5)))

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_HARD_KINKS, torch=_torch_f("hardswish"), masked=True)
def hardswish(input: Tensor) -> Tensor:
    """``x * hardsigmoid(x)``. The derivative is ``x / 3 + 1/2`` strictly inside (-3, 3), 0 for
    ``x <= -3`` and 1 for ``x >= 3`` (so 0 at -3 and 1 at 3, as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.hardswish(autograd.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    return Hardswish.apply(_float_input("hardswish", input))


class Threshold(Function):
    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return np.where(x > threshold, x, value)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return select_grad(x > ctx.threshold, g), None, None

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(
    sample=_near_kinks((0.5,), threshold=0.5, value=-1.0), torch=_torch_f("threshold"),
    masked=True,
)  # fmt: skip
def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``. The derivative is 0 at ``x == threshold``
    (``value`` is taken there, as PyTorch). Integer tensors stay integer.

    Examples
    --------
    >>> import autograd
    >>> autograd.threshold(autograd.tensor([1.0, 1.5, 0.5]), 1.0, -2.0)
    tensor([-2.0000,  1.5000, -2.0000])
    """
    t = input if isinstance(input, Tensor) else as_tensor(input)
    if t._array.dtype.kind != "f":
        a = t._array
        return Tensor._make(np.where(a > threshold, a, value).astype(a.dtype))
    return Threshold.apply(t, threshold, value)


# ---------------------------------------------------------------------------------- prelu
class Prelu(Function):
    @staticmethod
    def forward(ctx, x, w):
        per_channel = w.size > 1
        wb = w.reshape((-1,) + (1,) * (x.ndim - 2)) if per_channel else w.reshape(())
        ctx.per_channel = per_channel
        ctx.save_for_backward(x, w)
        return np.where(x > 0, x, wb * x)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = gw = None
        others = tuple(i for i in range(x.ndim) if i != 1)
        if ctx.needs_input_grad[0]:
            if not ctx.per_channel:
                wb = w
            elif isinstance(w, Tensor):
                from .reduce import _expand

                wb = _expand(w, x.shape, others, False)
            else:
                wb = w.reshape((-1,) + (1,) * (x.ndim - 2))
            gx = np.where(x > 0, g, g * wb)
        if ctx.needs_input_grad[1]:
            gw = np.where(x > 0, 0, g * x)  # selected: an inf g where x > 0 gives 0
            if ctx.per_channel:
                gw = gw.sum(axis=others)
            elif x.ndim == 0:
                gw = gw * np.ones(w.shape, dtype=x.dtype)  # a 1-element weight of shape (1,)
        return gx, gw

    @staticmethod
    def jvp(ctx, tx, tw):
        x, w = ctx.primals
        has_x, has_w = ctx.has_tangent
        shape = (-1,) + (1,) * (x.ndim - 2) if ctx.per_channel else ()
        wb = w.reshape(shape)
        return sum_terms(
            np.where(x > 0, tx, tx * wb) if has_x else None,
            np.where(x > 0, 0.0, x * tw.reshape(shape)) if has_w else None,
        )


def _prelu_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    s = _near_kinks((0.0,))(draw, dtype)
    x = s.args[0]
    channels = x.shape[1] if x.ndim >= 2 else 1
    n = draw(st.sampled_from([1, channels]))
    w = draw(testing.arrays((n,), dtype, low=-0.5, high=0.9))
    return Sample((x, w))


@register(sample=_prelu_sample, torch=_torch_f("prelu"), masked=True)
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for ``x > 0``, else ``weight * x``, with ``weight`` one value or one per channel
    (dim 1 of the input; a 0-d or 1-d input has one channel). At 0 the derivative is ``weight``
    (PyTorch's convention); the weight's gradient is ``sum(grad * min(x, 0))``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[-1.0, 2.0], [-3.0, -4.0]])
    >>> autograd.prelu(x, autograd.tensor([0.1, 0.5]))
    tensor([[-0.1000,  2.0000],
            [-0.3000, -2.0000]])
    """
    t = _float_input("prelu", input)
    w = weight if isinstance(weight, Tensor) else as_tensor(weight, "weight")
    if w.ndim > 1:
        raise ValueError(f"prelu: weight must be 0-d or 1-d, got shape {w.shape}")
    channels = t.shape[1] if t.ndim >= 2 else 1
    if w._array.size not in (1, channels):
        raise ValueError(
            f"prelu: weight has {w._array.size} elements, expected 1 or the number of "
            f"channels (dim 1 of input shape {t.shape}) = {channels}"
        )
    if w._array.dtype != t._array.dtype:
        w = w.to(t._array.dtype)
    return Prelu.apply(t, w)
