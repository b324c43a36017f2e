"""Loss Modules: thin wrappers that hold the settings and call :mod:`nn.losses.functional`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd import Tensor

from ..module import Module
from ._util import _legacy
from .functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)  # fmt: skip
from .likelihood import ctc_loss, gaussian_nll_loss, poisson_nll_loss

__all__ = [
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss",
]  # fmt: skip


class _Loss(Module):
    """A loss Module: it holds ``reduction`` and the settings named in ``_options``, and its
    forward calls ``_functional`` on the inputs with those settings as keywords."""

    _functional: Callable[..., Tensor]
    _options: tuple[str, ...] = ()

    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        self.reduction = _legacy(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return self._loss(input, target)

    def _loss(self, *inputs: Any) -> Tensor:
        options = {name: getattr(self, name) for name in self._options}
        return self._functional(*inputs, reduction=self.reduction, **options)


class _WeightedLoss(_Loss):
    _options = ("weight",)

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class _MarginLoss(_Loss):
    """CosineEmbeddingLoss and MarginRankingLoss: a ``margin`` besides the reduction."""

    _options = ("margin",)

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return self._loss(input1, input2, target)


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.MSELoss(reduction="sum")(autograd.tensor([1.0, 2.0]), autograd.zeros(2))
    tensor(5.)
    """

    _functional = staticmethod(mse_loss)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.L1Loss()(autograd.tensor([1.0, -3.0]), autograd.zeros(2))
    tensor(2.)
    """

    _functional = staticmethod(l1_loss)


class SmoothL1Loss(_Loss):
    """Module form of :func:`smooth_l1_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.SmoothL1Loss(reduction="none")(autograd.tensor([0.5, 3.0]), autograd.zeros(2))
    tensor([0.1250, 2.5000])
    """

    _functional = staticmethod(smooth_l1_loss)
    _options = ("beta",)

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.beta = beta


class HuberLoss(_Loss):
    """Module form of :func:`huber_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.HuberLoss(reduction="none", delta=2.0)(autograd.tensor([1.0, 4.0]), autograd.zeros(2))
    tensor([0.5000, 6.0000])
    """

    _functional = staticmethod(huber_loss)
    _options = ("delta",)

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta


class BCELoss(_WeightedLoss):
    """Module form of :func:`binary_cross_entropy` (``weight`` is a buffer).

    Examples
    --------
    >>> import autograd, nn
    >>> loss = nn.BCELoss()(autograd.tensor([0.5, 0.5]), autograd.tensor([0.0, 1.0]))
    >>> round(loss.item(), 4)  # log 2
    0.6931
    """

    _functional = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits` (``weight``, ``pos_weight``
    are buffers).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.BCEWithLogitsLoss()(autograd.tensor([-1e4, 1e4]), autograd.tensor([0.0, 1.0]))
    tensor(0.)
    """

    _functional = staticmethod(binary_cross_entropy_with_logits)
    _options = ("weight", "pos_weight")

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean", pos_weight: Tensor | None = None,
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)


class NLLLoss(_WeightedLoss):
    """Module form of :func:`nll_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> log_probs = autograd.tensor([[-0.1, -2.0], [-3.0, -0.5]])
    >>> nn.NLLLoss()(log_probs, autograd.tensor([0, 1]))
    tensor(0.3000)
    """

    _functional = staticmethod(nll_loss)
    _options = ("weight", "ignore_index")

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
        reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index


class CrossEntropyLoss(_WeightedLoss):
    """Module form of :func:`cross_entropy`.

    Examples
    --------
    >>> import autograd, nn
    >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss(autograd.tensor([[1e4, -1e4]]), autograd.tensor([1]))
    tensor(19000.)
    """

    _functional = staticmethod(cross_entropy)
    _options = ("weight", "ignore_index", "label_smoothing")

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
        reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing


class KLDivLoss(_Loss):
    """Module form of :func:`kl_div`.

    Examples
    --------
    >>> import autograd, nn
    >>> p = autograd.tensor([[0.5, 0.5]])
    >>> nn.KLDivLoss(reduction="batchmean")(p.log(), p)  # KL(p || p) = 0
    tensor(0.)
    """

    _functional = staticmethod(kl_div)
    _options = ("log_target",)

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target


class CosineEmbeddingLoss(_MarginLoss):
    """Module form of :func:`cosine_embedding_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> a, b = autograd.tensor([[1.0, 0.0]]), autograd.tensor([[0.0, 1.0]])
    >>> nn.CosineEmbeddingLoss()(a, b, autograd.tensor([1]))  # 1 - cos(90 degrees)
    tensor(1.)
    """

    _functional = staticmethod(cosine_embedding_loss)


class MarginRankingLoss(_MarginLoss):
    """Module form of :func:`margin_ranking_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> loss = nn.MarginRankingLoss(margin=0.5)
    >>> loss(autograd.tensor([1.0]), autograd.tensor([2.0]), autograd.tensor([1.0]))
    tensor(1.5000)
    """

    _functional = staticmethod(margin_ranking_loss)


class PoissonNLLLoss(_Loss):
    """Module form of :func:`poisson_nll_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.PoissonNLLLoss()(autograd.zeros(2), autograd.tensor([1.0, 2.0]))
    tensor(1.)
    """

    _functional = staticmethod(poisson_nll_loss)
    _options = ("log_input", "full", "eps")

    def __init__(
        self, log_input: bool = True, full: bool = False, size_average: Any = None,
        eps: float = 1e-8, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return self._loss(log_input, target)


class GaussianNLLLoss(_Loss):
    """Module form of :func:`gaussian_nll_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.GaussianNLLLoss()(autograd.zeros(2), autograd.ones(2), autograd.ones(2))
    tensor(0.5000)
    """

    _functional = staticmethod(gaussian_nll_loss)
    _options = ("full", "eps")

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return self._loss(input, target, var)


class CTCLoss(_Loss):
    """Module form of :func:`ctc_loss`.

    Examples
    --------
    >>> import autograd, nn
    >>> lp = autograd.log_softmax(autograd.zeros(3, 1, 2), dim=2)
    >>> nn.CTCLoss(reduction="sum")(lp, autograd.tensor([[1]]), [3], [1])
    tensor(0.2877)
    """

    _functional = staticmethod(ctc_loss)
    _options = ("blank", "zero_infinity")

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return self._loss(log_probs, targets, input_lengths, target_lengths)
