"""More special functions: exp2, erfc, sinc (table rows) and logit; with the existing ops they
make up ``autograd.special`` (PyTorch's ``torch.special``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Function
from ..kernels import special
from ..tensor import Tensor
from ._table import elementwise_op
from ._util import float_tensor
from .registry import Sample, register, unary

_LN2 = math.log(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

exp2 = elementwise_op(
    "exp2", np.exp2, lambda g, x, y: g * y * _LN2, save="y",
    doc="``2 ** input``, elementwise.", example=("[0.0, 3.0]", "tensor([1., 8.])"),
    sample=unary(), ref=np.exp2,
)  # fmt: skip


def _erfc(x: np.ndarray) -> np.ndarray:
    return (1 - special.erf(x)).astype(x.dtype)


erfc = elementwise_op(
    "erfc", _erfc, lambda g, x, y: -g * _TWO_OVER_SQRT_PI * np.exp(-(x * x)), save="x",
    doc="The complementary error function ``1 - erf(input)`` (computed as that difference, so "
    "its relative accuracy drops where the result is tiny, unlike PyTorch's).",
    example=("[0.0]", "tensor([1.])"), sample=unary(),
    ref=lambda x: np.vectorize(math.erfc, otypes=[x.dtype])(x),
)  # fmt: skip


def _sinc_grad(g: Any, x: Any, y: Any) -> Any:
    # d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
    safe = np.where(x == 0, 1, x)
    return np.where(x == 0, 0, g * (np.cos(np.pi * x) - y) / safe)


sinc = elementwise_op(
    "sinc", np.sinc, _sinc_grad, save="xy", numpy=np.sinc,
    doc="The normalized sinc ``sin(pi x) / (pi x)``, 1 at 0.",
    example=("[0.0, 0.5]", "tensor([1.0000, 0.6366])"), sample=unary(kinks=(0.0,)), ref=np.sinc,
)  # fmt: skip


class Logit(Function):
    @staticmethod
    def forward(ctx, x, eps):
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        ctx.eps = eps
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        d = g / (x * (1 - x))
        if ctx.eps is not None:  # the clamp's flat parts pass no gradient
            d = np.where((x < ctx.eps) | (x > 1 - ctx.eps), 0, d)
        return d, None

    @staticmethod
    def jvp(ctx, u, eps):
        return Logit.backward(ctx, u)[0]


def _sample_logit(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    eps = draw(st.sampled_from([None, 0.1]))
    kinks = () if eps is None else (eps, 1 - eps)  # where the clamp starts to bite
    x = draw(testing.arrays(draw(testing.shapes()), dtype, low=0.02, high=0.98, kinks=kinks))
    return Sample((x,), {"eps": eps})


def _logit_ref(x: np.ndarray, eps: float | None = None) -> np.ndarray:
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    return np.log(z / (1 - z))


@register(method=True, sample=_sample_logit, ref=_logit_ref)
def logit(input: Any, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of sigmoid; with ``eps`` the input is first clamped
    to ``[eps, 1 - eps]`` (and gets no gradient where the clamp bites).

    Examples
    --------
    >>> import autograd
    >>> autograd.logit(autograd.tensor([0.5, 0.75]))
    tensor([0.0000, 1.0986])
    """
    t = float_tensor(input)
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, (int, float))):
        raise TypeError(f"logit: eps must be a number or None, got {type(eps).__name__}")
    return Logit.apply(t, None if eps is None else float(eps))
