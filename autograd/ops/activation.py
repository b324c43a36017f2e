"""Smooth and leaky activations: leaky_relu, elu, selu, celu, gelu, silu, mish, softplus,
logsigmoid, softsign.

Each activation with a kink follows PyTorch's derivative there (checked against torch 2.13 and
stated in its docstring). Backward rules use only what arrays and Tensors share; where a rule
needs a smooth function of the input (sigmoid, erf, ...) it recomputes it with the
differentiable op when running under ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..kernels import special
from ..tensor import Tensor
from ._activation_util import (
    _INV_SQRT_2PI,
    _SELU_ALPHA,
    _SELU_SCALE,
    _SQRT1_2,
    _TANH_K,
    _float_input,
    _near_kinks,
    _sigmoid,
    _torch_f,
)
from ._jvp import diagonal_jvp
from ._util import as_tensor
from .registry import register
from .transcendental import _sigmoid_array
from .transcendental import erf as _erf_op
from .transcendental import sigmoid as _sigmoid_op


# ------------------------------------------------------------------------------ leaky_relu
class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * ctx.slope), None

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks((0.0,), negative_slope=0.1), torch=_torch_f("leaky_relu"))
def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` for ``x > 0``, else ``negative_slope * x``. At 0 the derivative is
    ``negative_slope`` (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.leaky_relu(autograd.tensor([-2.0, 0.0, 3.0]), 0.1)
    tensor([-0.2000,  0.0000,  3.0000])
    """
    return LeakyRelu.apply(_float_input("leaky_relu", input), float(negative_slope))


# ------------------------------------------------------------------------ elu, selu, celu
class Elu(Function):
    """``scale * x`` for ``x > 0``, else ``scale * alpha * (exp(input_scale * x) - 1)``."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.consts = (alpha, scale, input_scale)
        neg = np.expm1(np.minimum(x, 0) * input_scale) * (scale * alpha)
        ctx.save_for_backward(x)  # the input only, as PyTorch: the output may change in place
        return np.where(x > 0, x * scale if scale != 1 else x, neg)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.consts
        # exp() of the negative part only (the positive branch is selected away anyway); at 0
        # the second derivative is 0 as in PyTorch (x < 0, strictly, carries it).
        slope = np.exp(np.where(x < 0, x, 0) * input_scale) * (input_scale * scale * alpha)
        return np.where(x > 0, g * scale, g * slope), None, None, None

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks((0.0,), alpha=1.5), torch=_torch_f("elu"))
def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``. At 0 the derivative is ``alpha``
    (PyTorch takes the negative branch there).

    Examples
    --------
    >>> import autograd
    >>> autograd.elu(autograd.tensor([-1.0, 0.0, 2.0]))
    tensor([-0.6321,  0.0000,  2.0000])
    """
    return Elu.apply(_float_input("elu", input), float(alpha), 1.0, 1.0)


@register(sample=_near_kinks((0.0,)), torch=_torch_f("selu"))
def selu(input: Tensor) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalizing constants (scale ≈ 1.0507,
    alpha ≈ 1.6733). At 0 the derivative is ``scale * alpha`` (the negative branch, as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.selu(autograd.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """
    return Elu.apply(_float_input("selu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)


@register(sample=_near_kinks((0.0,), alpha=0.7), torch=_torch_f("celu"))
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``. At 0 the derivative is 1 (both
    branches agree; PyTorch takes the negative one). ``alpha`` must not be 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.celu(autograd.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.0000])
    """
    t = _float_input("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    return Elu.apply(t, float(alpha), 1.0, 1.0 / alpha)


# ----------------------------------------------------------------------------------- gelu
class Gelu(Function):
    @staticmethod
    def forward(ctx, x, tanh_approx):
        ctx.tanh_approx = tanh_approx
        if tanh_approx:
            c = np.tanh(_TANH_K * (x + 0.044715 * x * x * x))
            y = 0.5 * x * (1 + c)
        else:
            fused = special.gelu_forward(x)  # one pass (float32), else NumPy's passes
            if fused is not None:
                y, c = fused
            else:
                c = 0.5 * (1 + special.erf(x * _SQRT1_2))  # the normal CDF
                y = x * c
        ctx.save_for_backward(x, c)
        return y

    @staticmethod
    def backward(ctx, g):
        x, c = ctx.saved_tensors
        graph = isinstance(x, Tensor)
        if ctx.tanh_approx:
            if graph:
                c = np.tanh(_TANH_K * (x + 0.044715 * x * x * x))
            du = _TANH_K * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + c) + 0.5 * x * (1 - c * c) * du), None
        if graph:
            c = 0.5 * (1 + _erf_op(x * _SQRT1_2))
        elif (fused := special.gelu_backward(g, x, c)) is not None:
            return fused, None
        return g * (c + x * (_INV_SQRT_2PI * np.exp(-0.5 * x * x))), None

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks(), torch=_torch_f("gelu"))
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` with Phi the standard normal CDF (exact, through erf), or with
    ``approximate='tanh'`` ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Examples
    --------
    >>> import autograd
    >>> autograd.gelu(autograd.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_float_input("gelu", input), approximate == "tanh")


# ----------------------------------------------------------------------------- silu, mish
class Silu(Function):
    @staticmethod
    def forward(ctx, x):
        fused = special.silu_forward(x)  # one pass (float32), else NumPy's passes
        if fused is not None:
            y, s = fused
        else:
            s = _sigmoid_array(x)
            y = x * s
        ctx.save_for_backward(x, s)
        return y

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        if isinstance(x, Tensor):
            s = _sigmoid_op(x)
        elif (fused := special.silu_backward(g, x, s)) is not None:
            return fused
        return g * (s * (1 + x * (1 - s)))

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks(), torch=_torch_f("silu"))
def silu(input: Tensor) -> Tensor:
    """``x * sigmoid(x)`` (also called swish), finite for any finite input.

    Examples
    --------
    >>> import autograd
    >>> autograd.silu(autograd.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    return Silu.apply(_float_input("silu", input))


def _softplus_array(z: np.ndarray) -> np.ndarray:
    # max(z, 0) + log1p(exp(-|z|)): exp of a non-positive argument only, so no overflow.
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class Mish(Function):
    @staticmethod
    def forward(ctx, x):
        t = np.tanh(_softplus_array(x))
        ctx.save_for_backward(x, t)
        return x * t

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        if isinstance(x, Tensor):
            t = np.tanh(softplus(x))
        return g * (t + x * (1 - t * t) * _sigmoid(x))

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks(), torch=_torch_f("mish"))
def mish(input: Tensor) -> Tensor:
    """``x * tanh(softplus(x))``, finite for any finite input.

    Examples
    --------
    >>> import autograd
    >>> autograd.mish(autograd.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.3034,  0.0000,  0.8651])
    """
    return Mish.apply(_float_input("mish", input))


# ---------------------------------------------------------------- softplus, logsigmoid
class Softplus(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.consts = (beta, threshold)
        ctx.save_for_backward(x)
        z = x * beta if beta != 1 else x
        soft = _softplus_array(z)
        return np.where(z > threshold, x, soft / beta if beta != 1 else soft)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.consts
        z = x * beta
        return np.where(z > threshold, g, g * _sigmoid(z)), None, None

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks((1.0,), beta=2.0, threshold=2.0), torch=_torch_f("softplus"))
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold`` (as
    PyTorch). Stable: ``softplus(-1e4) == 0`` and ``softplus(1e4) == 1e4`` in float32.

    Examples
    --------
    >>> import autograd
    >>> autograd.softplus(autograd.tensor([-10000.0, 0.0, 10000.0]))
    tensor([0.0000e+00, 6.9315e-01, 1.0000e+04])
    """
    t = _float_input("softplus", input)
    if beta == 0:
        raise ValueError("softplus: beta cannot be 0")
    return Softplus.apply(t, float(beta), float(threshold))


class LogSigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _sigmoid(-x)

    jvp = staticmethod(diagonal_jvp)  # elementwise: J u is the backward rule applied to u


@register(sample=_near_kinks(), torch=_torch_f("logsigmoid"))
def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable: finite values and gradients at ±1e4.

    Examples
    --------
    >>> import autograd
    >>> autograd.logsigmoid(autograd.tensor([-10000.0, 0.0, 10000.0]))
    tensor([-1.0000e+04, -6.9315e-01,  0.0000e+00])
    """
    return LogSigmoid.apply(_float_input("logsigmoid", input))


@register(sample=_near_kinks((0.0,)), torch=_torch_f("softsign"))
def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)`` (composite; its derivative ``1 / (1 + |x|)**2`` is 1 at 0).

    Examples
    --------
    >>> import autograd
    >>> autograd.softsign(autograd.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    t = input if isinstance(input, Tensor) else as_tensor(input)
    return t / (1 + t.abs())
