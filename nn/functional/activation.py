"""Activation functions with PyTorch's functional signatures.

The math lives in the engine (``autograd.elu`` and friends, with their backward rules); these
wrappers add PyTorch's ``inplace`` flag, which writes the result into ``input`` through
``copy_`` so autograd sees an ordinary in-place op (and refuses it on a leaf that requires grad,
as PyTorch does). In-place saves no memory here; it exists for PyTorch's semantics.
``softmin``, ``tanhshrink``, ``glu`` and ``gumbel_softmax`` are composed here from engine ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = [
    "relu", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardtanh", "relu6",
    "hardsigmoid", "hardswish", "threshold", "softmin", "tanhshrink", "glu", "gumbel_softmax",
]  # fmt: skip


def _apply(fn: Any, input: Tensor, inplace: bool, *args: Any) -> Tensor:
    if not inplace:
        return fn(input, *args)
    # The op saves its input for backward; computing from a clone leaves that saved tensor
    # untouched when the result is copied back into ``input``.
    source = input.clone() if input.requires_grad else input
    return input.copy_(fn(source, *args))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)``; the derivative at 0 is 0. ``inplace`` uses ``autograd.relu_``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.relu(autograd.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return autograd.relu_(input) if inplace else autograd.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """:func:`autograd.leaky_relu` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.leaky_relu(autograd.tensor([-2.0, 2.0]), 0.5)
    tensor([-1.,  2.])
    """
    return _apply(autograd.leaky_relu, input, inplace, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """:func:`autograd.elu` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.elu(autograd.tensor([-1.0, 0.0, 2.0]))
    tensor([-0.6321,  0.0000,  2.0000])
    """
    return _apply(autograd.elu, input, inplace, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """:func:`autograd.selu` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.selu(autograd.tensor([1.0]))
    tensor([1.0507])
    """
    return _apply(autograd.selu, input, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """:func:`autograd.celu` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.celu(autograd.tensor([-2.0, 1.0]), alpha=2.0)
    tensor([-1.2642,  1.0000])
    """
    return _apply(autograd.celu, input, inplace, alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """:func:`autograd.silu` (``x * sigmoid(x)``) with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.silu(autograd.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7311])
    """
    return _apply(autograd.silu, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """:func:`autograd.mish` (``x * tanh(softplus(x))``) with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.mish(autograd.tensor([1.0]))
    tensor([0.8651])
    """
    return _apply(autograd.mish, input, inplace)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """:func:`autograd.hardtanh` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.hardtanh(autograd.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return _apply(autograd.hardtanh, input, inplace, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """:func:`autograd.relu6` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.relu6(autograd.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    return _apply(autograd.relu6, input, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """:func:`autograd.hardsigmoid` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.hardsigmoid(autograd.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _apply(autograd.hardsigmoid, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """:func:`autograd.hardswish` with PyTorch's ``inplace`` flag.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.hardswish(autograd.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    return _apply(autograd.hardswish, input, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """:func:`autograd.threshold` (``x`` if ``x > threshold`` else ``value``), with ``inplace``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.threshold(autograd.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    return _apply(autograd.threshold, input, inplace, threshold, value)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``softmax(-input, dim)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.softmin(autograd.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return autograd.softmax(-input, dim, dtype=dtype)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.tanhshrink(autograd.tensor([0.0]))
    tensor([0.])
    """
    return input - autograd.tanh(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.glu(autograd.tensor([2.0, 0.0]))
    tensor([1.])
    """
    if input.ndim == 0:
        raise ValueError("glu: input must have at least one dim, got a 0-d tensor")
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"glu: dim {dim} must have an even size, got {size}")
    a, b = input.chunk(2, dim)
    return a * autograd.sigmoid(b)


def gumbel_softmax(
    logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A sample from the Gumbel-softmax (concrete) distribution over ``dim``.

    ``softmax((logits + g) / tau, dim)`` with ``g = -log(E)``, ``E ~ Exponential(1)`` drawn from
    the global generator. With ``hard=True`` the result is the one-hot vector of the sample's
    argmax in the forward pass, while its gradient is the soft sample's (straight-through).
    ``eps`` is unused, kept for PyTorch's signature.

    Examples
    --------
    >>> import autograd, nn
    >>> y = nn.functional.gumbel_softmax(autograd.zeros(2, 3), tau=0.5, hard=True)
    >>> y.sum(dim=-1)
    tensor([1., 1.])
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"gumbel_softmax: logits must be a Tensor, got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(
            f"gumbel_softmax: logits must be a floating-point tensor, got dtype {logits.dtype}"
        )
    if not tau > 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got {tau}")
    with autograd.no_grad():
        # U in [tiny, 1) keeps the exponential draw -log(U) positive and finite.
        tiny = float(np.finfo(np.dtype(logits.dtype)).tiny)
        exponential = -autograd.log(autograd.rand_like(logits).clamp(min=tiny))
        gumbels = -autograd.log(exponential)
    y_soft = autograd.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = autograd.zeros_like(y_soft).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
