"""Dropout layers: active in training mode, the identity after ``eval()``."""

from __future__ import annotations

from autograd import Tensor

from .. import functional as F
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(
                f"{type(self).__name__}: dropout probability has to be between 0 and 1, got {p}"
            )
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the rest by ``1/(1-p)``.

    Masks come from autograd's seeded generator (``autograd.manual_seed``).

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.Dropout(0.5)
    >>> sorted(set(m(autograd.ones(100)).tolist()))
    [0.0, 2.0]
    >>> m.eval()(autograd.ones(2))
    tensor([1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` inputs in training.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Dropout1d().eval()(autograd.ones(1, 2, 3)).shape
    (1, 2, 3)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels (feature maps) of ``(N, C, H, W)`` inputs in training.

    Examples
    --------
    >>> import autograd, nn
    >>> y = nn.Dropout2d(0.5)(autograd.ones(4, 8, 2, 2))
    >>> bool((y == y[:, :, :1, :1]).all())
    True
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations at zero mean and unit variance.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AlphaDropout(0.2).eval()(autograd.ones(2))
    tensor([1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)
