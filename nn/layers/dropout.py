"""Dropout layers: active in training mode, the identity after ``eval()``."""

from __future__ import annotations

from .. import functional as F
from ._util import FunctionalLayer

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"]


class _DropoutNd(FunctionalLayer):
    """The dropout layers' probability ``p`` and ``inplace`` flag, checked and shown as PyTorch's;
    each layer names its functional, called with them and the training mode."""

    _options = ("p", "training", "inplace")

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

    _functional = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` inputs in training.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Dropout1d().eval()(autograd.ones(1, 2, 3)).shape
    (1, 2, 3)
    """

    _functional = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels (feature maps) of ``(N, C, H, W)`` inputs in training.

    Examples
    --------
    >>> import autograd, nn
    >>> y = nn.Dropout2d(0.5)(autograd.ones(4, 8, 2, 2))
    >>> bool((y == y[:, :, :1, :1]).all())
    True
    """

    _functional = staticmethod(F.dropout2d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations at zero mean and unit variance.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AlphaDropout(0.2).eval()(autograd.ones(2))
    tensor([1., 1.])
    """

    _functional = staticmethod(F.alpha_dropout)
    _options = ("p", "training")  # PyTorch's AlphaDropout ignores inplace
