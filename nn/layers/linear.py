"""Affine layers: Identity, Linear, Bilinear and Maxout."""

from __future__ import annotations

import math
from typing import Any

from autograd import Tensor

from .. import functional as F
from .. import init
from ..module import Module
from ._util import fan_in, new_parameter, optional_parameter

__all__ = ["Identity", "Linear", "Bilinear", "Maxout"]


class Identity(Module):
    """Returns its input; accepts (and ignores) any constructor arguments, as PyTorch.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Identity(54, unused="x")(autograd.ones(2))
    tensor([1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


def _reset_affine(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's Linear/Conv default: kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in)) weights,
    U(+-1/sqrt(fan_in)) bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fi = fan_in(weight)
        bound = 1.0 / math.sqrt(fi) if fi > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight (out_features, in_features)``.

    Default init as PyTorch: weight and bias from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.Linear(3, 2)
    >>> m(autograd.ones(4, 3)).shape, list(m.state_dict())
    ((4, 2), ['weight', 'bias'])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = new_parameter((out_features, in_features), dtype, device)
        optional_parameter(self, "bias", (out_features,), bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """``y[k] = x1 @ weight[k] @ x2 + bias[k]`` with ``weight (out, in1, in2)``.

    Default init as PyTorch: weight and bias from ``U(-1/sqrt(in1_features), ...)``.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.Bilinear(2, 3, 4)
    >>> m(autograd.ones(5, 2), autograd.ones(5, 3)).shape
    (5, 4)
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = new_parameter((out_features, in1_features, in2_features), dtype, device)
        optional_parameter(self, "bias", (out_features,), bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Maxout(Module):
    """Maxout unit (Goodfellow et al., 2013): ``pieces`` linear maps, elementwise max over them.

    Not in PyTorch. ``y[..., j] = max_k (x @ W[j, k].T + b[j, k])`` with ``weight`` of shape
    ``(out_features * pieces, in_features)`` (row ``j * pieces + k`` is piece ``k`` of output
    ``j``) and ``bias`` ``(out_features * pieces,)``. Initialized as a ``Linear`` with that many
    outputs. The gradient goes only to the piece the max selects (one piece on ties, as
    ``max(dim)``).

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.Maxout(3, 2, pieces=4)
    >>> m(autograd.ones(5, 3)).shape, m.weight.shape
    ((5, 2), (8, 3))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        pieces: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be >= 1, got {pieces}")
        self.in_features = in_features
        self.out_features = out_features
        self.pieces = pieces
        self.weight = new_parameter((out_features * pieces, in_features), dtype, device)
        optional_parameter(self, "bias", (out_features * pieces,), bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        z = F.linear(input, self.weight, self.bias)
        z = z.reshape(tuple(z.shape[:-1]) + (self.out_features, self.pieces))
        return z.max(dim=-1)[0] if self.pieces > 1 else z.squeeze(-1)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"pieces={self.pieces}, bias={self.bias is not None}"
        )
