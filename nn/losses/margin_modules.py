"""Margin and embedding loss Modules: thin wrappers over :mod:`nn.losses.margin`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd import Tensor

from .margin import (
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .modules import _Loss, _WeightedLoss

__all__ = [
    "TripletMarginLoss", "TripletMarginWithDistanceLoss", "MultiMarginLoss",
    "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "SoftMarginLoss", "HingeEmbeddingLoss",
]  # fmt: skip


class _TripletLoss(_Loss):
    """The triplet losses: inputs are an anchor, a positive and a negative example."""

    def __init__(
        self, margin: float, swap: bool, size_average: Any, reduce: Any, reduction: str
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"{type(self).__name__}: margin must be greater than 0, got {margin}")
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return self._loss(anchor, positive, negative)


class TripletMarginLoss(_TripletLoss):
    """Module form of :func:`triplet_margin_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> a, p, n = autograd.zeros(1, 2), autograd.tensor([[0.0, 1.0]]), autograd.tensor([[3.0, 0.0]])
    >>> nn.TripletMarginLoss(margin=3.0)(a, p, n)
    tensor(1.)
    """

    _functional = staticmethod(triplet_margin_loss)
    _options = ("margin", "p", "eps", "swap")

    def __init__(
        self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
        size_average: Any = None, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(margin, swap, size_average, reduce, reduction)
        self.p = p
        self.eps = eps


class TripletMarginWithDistanceLoss(_TripletLoss):
    """Module form of :func:`triplet_margin_with_distance_loss`; the default distance is
    :class:`nn.PairwiseDistance`.

    Examples
    --------
    >>> import autograd, nn
    >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1))
    >>> loss(autograd.zeros(1, 2), autograd.zeros(1, 2), autograd.ones(1, 2))
    tensor(0.)
    """

    _functional = staticmethod(triplet_margin_with_distance_loss)
    _options = ("distance_function", "margin", "swap")

    def __init__(
        self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(margin, swap, None, None, reduction)
        if distance_function is None:
            from ..layers.distance import PairwiseDistance

            distance_function = PairwiseDistance()
        self.distance_function = distance_function


class MultiMarginLoss(_WeightedLoss):
    """Module form of :func:`multi_margin_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.MultiMarginLoss()(autograd.tensor([[0.1, 0.2, 0.4, 0.8]]), autograd.tensor([3]))
    tensor(0.3250)
    """

    _functional = staticmethod(multi_margin_loss)
    _options = ("p", "margin", "weight")

    def __init__(
        self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
        size_average: Any = None, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got {p}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"MultiMarginLoss: weight must be 1-D or None, got shape {tuple(weight.shape)}"
            )
        self.p = p
        self.margin = margin


class MultiLabelMarginLoss(_Loss):
    """Module form of :func:`multilabel_margin_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> nn.MultiLabelMarginLoss()(x, autograd.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    _functional = staticmethod(multilabel_margin_loss)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Module form of :func:`multilabel_soft_margin_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.MultiLabelSoftMarginLoss()(autograd.zeros(1, 2), autograd.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """

    _functional = staticmethod(multilabel_soft_margin_loss)


class SoftMarginLoss(_Loss):
    """Module form of :func:`soft_margin_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.SoftMarginLoss()(autograd.zeros(2), autograd.tensor([1.0, -1.0]))
    tensor(0.6931)
    """

    _functional = staticmethod(soft_margin_loss)


class HingeEmbeddingLoss(_Loss):
    """Module form of :func:`hinge_embedding_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.HingeEmbeddingLoss()(autograd.tensor([0.3, 0.3]), autograd.tensor([1, -1]))
    tensor(0.5000)
    """

    _functional = staticmethod(hinge_embedding_loss)
    _options = ("margin",)

    def __init__(
        self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = margin
