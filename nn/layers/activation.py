"""Activation layers: Modules that call the matching :mod:`nn.functional` function (each names
it and the settings it passes; :class:`FunctionalLayer` does the call and the repr)."""

from __future__ import annotations

import warnings
from typing import Any

import autograd
from autograd import Tensor

from .. import functional as F
from .. import init
from ..module import Module
from ._util import FunctionalLayer, new_parameter

__all__ = [
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softplus", "Softsign", "Softmax",
    "LogSoftmax", "Softmin", "Threshold", "LogSigmoid", "Tanhshrink", "GLU",
]  # fmt: skip


class _Inplace(FunctionalLayer):
    """An activation with only an ``inplace`` flag."""

    _options = ("inplace",)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class ReLU(_Inplace):
    """``max(0, x)``; the derivative at 0 is 0.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.ReLU()(autograd.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    _functional = staticmethod(F.relu)


class ReLU6(_Inplace):
    """``min(max(0, x), 6)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.ReLU6()(autograd.tensor([-1.0, 8.0]))
    tensor([0., 6.])
    """

    _functional = staticmethod(F.relu6)


class SELU(_Inplace):
    """Scaled ELU (self-normalizing networks).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.SELU()(autograd.tensor([0.0]))
    tensor([0.])
    """

    _functional = staticmethod(F.selu)


class SiLU(_Inplace):
    """``x * sigmoid(x)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.SiLU()(autograd.tensor([0.0]))
    tensor([0.])
    """

    _functional = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Mish()(autograd.tensor([0.0]))
    tensor([0.])
    """

    _functional = staticmethod(F.mish)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Hardsigmoid()(autograd.tensor([0.0]))
    tensor([0.5000])
    """

    _functional = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""  # PyTorch does not show inplace for this layer


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Hardswish()(autograd.tensor([3.0]))
    tensor([3.])
    """

    _functional = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""  # PyTorch does not show inplace for this layer


class LeakyReLU(FunctionalLayer):
    """``x`` for ``x >= 0`` else ``negative_slope * x``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.LeakyReLU(0.1)(autograd.tensor([-2.0, 2.0]))
    tensor([-0.2000,  2.0000])
    """

    _functional = staticmethod(F.leaky_relu)
    _options = ("negative_slope", "inplace")

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace


class PReLU(Module):
    """``x`` for ``x > 0`` else ``weight * x``, with ``num_parameters`` learned slopes (one, or one
    per channel of dim 1), initialized to ``init``.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.PReLU()
    >>> m(autograd.tensor([-4.0, 4.0])), list(m.state_dict())
    (tensor([-1.,  4.], grad_fn=<...>), ['weight'])
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = new_parameter((num_parameters,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(FunctionalLayer):
    """``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.ELU()(autograd.tensor([1.0]))
    tensor([1.])
    """

    _functional = staticmethod(F.elu)
    _options = ("alpha", "inplace")

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace


class CELU(ELU):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.CELU()(autograd.tensor([1.0]))
    tensor([1.])
    """

    _functional = staticmethod(F.celu)


class GELU(FunctionalLayer):
    """Gaussian error linear unit; ``approximate="tanh"`` uses the tanh approximation.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.GELU()(autograd.tensor([0.0]))
    tensor([0.])
    """

    _functional = staticmethod(F.gelu)
    _options = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(FunctionalLayer):
    """``1 / (1 + exp(-x))``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Sigmoid()(autograd.tensor([0.0]))
    tensor([0.5000])
    """

    _functional = staticmethod(autograd.sigmoid)


class Tanh(FunctionalLayer):
    """Hyperbolic tangent.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Tanh()(autograd.tensor([0.0]))
    tensor([0.])
    """

    _functional = staticmethod(autograd.tanh)


class Hardtanh(FunctionalLayer):
    """Clamp to ``[min_val, max_val]``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Hardtanh()(autograd.tensor([-2.0, 0.5]))
    tensor([-1.0000,  0.5000])
    """

    _functional = staticmethod(F.hardtanh)
    _options = ("min_val", "max_val", "inplace")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace


class Softplus(FunctionalLayer):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` (of ``beta * x``).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Softplus()(autograd.tensor([0.0]))
    tensor([0.6931])
    """

    _functional = staticmethod(F.softplus)
    _options = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold


class Softsign(FunctionalLayer):
    """``x / (1 + |x|)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Softsign()(autograd.tensor([1.0]))
    tensor([0.5000])
    """

    _functional = staticmethod(F.softsign)


class LogSigmoid(FunctionalLayer):
    """``log(sigmoid(x))``, computed stably.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.LogSigmoid()(autograd.tensor([0.0]))
    tensor([-0.6931])
    """

    _functional = staticmethod(F.logsigmoid)


class Tanhshrink(FunctionalLayer):
    """``x - tanh(x)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Tanhshrink()(autograd.tensor([0.0]))
    tensor([0.])
    """

    _functional = staticmethod(F.tanhshrink)


class Threshold(FunctionalLayer):
    """``x`` where ``x > threshold``, else ``value``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Threshold(0.5, 0.0)(autograd.tensor([0.2, 1.0]))
    tensor([0., 1.])
    """

    _functional = staticmethod(F.threshold)
    _options = ("threshold", "value", "inplace")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace


class GLU(FunctionalLayer):
    """Gated linear unit over ``dim``: ``a * sigmoid(b)`` for the two halves ``a, b``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.GLU()(autograd.tensor([1.0, 0.0]))
    tensor([0.5000])
    """

    _functional = staticmethod(F.glu)
    _options = ("dim",)

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim


def _legacy_softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


class _SoftmaxBase(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def _dim(self, input: Tensor) -> int:
        if self.dim is None:
            return _legacy_softmax_dim(type(self).__name__.lower(), input.ndim)
        return self.dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """``exp(x) / sum(exp(x))`` along ``dim``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Softmax(dim=-1)(autograd.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self._dim(input))


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.LogSoftmax(dim=-1)(autograd.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self._dim(input))


class Softmin(_SoftmaxBase):
    """``softmax(-x)`` along ``dim``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Softmin(dim=-1)(autograd.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self._dim(input))
