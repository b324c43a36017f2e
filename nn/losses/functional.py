"""Loss functions, with PyTorch's exact formulas and reductions.

Every loss takes ``reduction`` in ``'none' | 'mean' | 'sum'`` (``kl_div`` also ``'batchmean'``);
the legacy ``size_average``/``reduce`` flags are honoured as in PyTorch. Losses on logits are
built from stable pieces (``log_softmax``, ``logsigmoid``) so that logits of +-1e4 in float32
give finite values and gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.extend import REDUCTIONS, check_reduction, name_node

from ._class_losses import cross_entropy, nll_loss
from ._util import (
    _float_tensor,
    _input_target,
    _pair,
    _reduce,
    _reduction,
    _tensor,
)

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
    "cosine_embedding_loss", "margin_ranking_loss",
]  # fmt: skip


# ------------------------------------------------------------------------- regression losses
def mse_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Mean squared error: ``(input - target) ** 2``, reduced.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.mse_loss(autograd.tensor([1.0, 3.0]), autograd.tensor([0.0, 0.0]))
    tensor(5.)
    """
    reduction = _reduction(size_average, reduce, reduction, "mse_loss")
    input, target = _pair(input, target, "mse_loss")
    if input.shape == target.shape and input.dtype == target.dtype:
        return autograd.mse_loss(input, target, reduction)
    d = input - target  # broadcast or promoted
    return name_node(_reduce(d * d, reduction), "MseLossBackward0")


def l1_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Mean absolute error: ``|input - target|``, reduced (gradient 0 where they are equal).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.l1_loss(autograd.tensor([1.0, -3.0]), autograd.tensor([0.0, 0.0]), reduction="sum")
    tensor(4.)
    """
    reduction = _reduction(size_average, reduce, reduction, "l1_loss")
    input, target = _pair(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean", beta: float = 1.0,
) -> Tensor:  # fmt: skip
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``).

    ``beta=0`` is the L1 loss.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.smooth_l1_loss(autograd.tensor([0.5, 3.0]), autograd.zeros(2), reduction="none")
    tensor([0.1250, 2.5000])
    """
    reduction = _reduction(size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    input, target = _pair(input, target, "smooth_l1_loss")
    d = input - target
    ad = d.abs()
    if beta == 0:
        return name_node(_reduce(ad, reduction), "SmoothL1LossBackward0")
    inside = ad < beta
    near = autograd.where(inside, d, 0.0)  # the quadratic branch never sees a far (or inf) d,
    quad = near * near * (0.5 / beta)  # so its zero gradient there is 0, not 0 * inf
    loss = _reduce(autograd.where(inside, quad, ad - 0.5 * beta), reduction)
    return name_node(loss, "SmoothL1LossBackward0")


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """``0.5 d**2`` where ``|d| <= delta``, else ``delta (|d| - 0.5 delta)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.huber_loss(autograd.tensor([0.5, 3.0]), autograd.zeros(2), reduction="none", delta=2.0)
    tensor([0.1250, 4.0000])
    """
    check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    input, target = _pair(input, target, "huber_loss")
    d = input - target
    ad = d.abs()
    # |d| == delta takes the linear branch, as PyTorch (its second derivative there is 0)
    inside = ad < delta
    near = autograd.where(inside, d, 0.0)  # as in smooth_l1_loss: no 0 * inf in the gradient
    return _reduce(autograd.where(inside, near * near * 0.5, (ad - 0.5 * delta) * delta), reduction)


# ----------------------------------------------------------------------------- binary losses
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``-weight * (t log(x) + (1 - t) log(1 - x))`` for probabilities ``x`` in [0, 1]: the fused
    :func:`autograd.binary_cross_entropy` with PyTorch's legacy ``size_average``/``reduce``.

    Each log is clamped at -100 as in PyTorch, so ``x = 0`` or ``1`` gives a finite loss and
    gradient. Prefer :func:`binary_cross_entropy_with_logits` on logits (stable, fused).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.binary_cross_entropy(autograd.tensor([0.5, 0.5]), autograd.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    reduction = _reduction(size_average, reduce, reduction, "binary_cross_entropy")
    loss = autograd.binary_cross_entropy(input, target, weight, reduction=reduction)
    return name_node(loss, "BinaryCrossEntropyBackward0")


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean", pos_weight: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """Sigmoid + binary cross-entropy in one stable formula.

    ``loss = (1 - t) x - (1 + (pos_weight - 1) t) logsigmoid(x)``, times ``weight``
    (``pos_weight`` weighs the positive term, broadcast along the last dim).

    Examples
    --------
    >>> import autograd, nn
    >>> x, t = autograd.tensor([0.0, 1e4]), autograd.tensor([1.0, 1.0])
    >>> nn.binary_cross_entropy_with_logits(x, t)
    tensor(0.3466)
    """
    fn = "binary_cross_entropy_with_logits"
    reduction = _reduction(size_average, reduce, reduction, fn)
    input, target = _input_target(input, target, fn)
    if target.shape != input.shape:
        raise ValueError(
            f"{fn}: target size ({tuple(target.shape)}) must be the same as input size "
            f"({tuple(input.shape)})"
        )
    ls = autograd.logsigmoid(input)
    if pos_weight is not None:
        pw = _tensor(pos_weight, fn, "pos_weight")
        loss = (1 - target) * input - ((pw - 1) * target + 1) * ls
    else:
        loss = (1 - target) * input - ls
    if weight is not None:
        loss = loss * _tensor(weight, fn, "weight")
    return name_node(_reduce(loss, reduction), "BinaryCrossEntropyWithLogitsBackward0")


def kl_div(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean", log_target: bool = False,
) -> Tensor:  # fmt: skip
    """Kullback-Leibler divergence with ``input`` given as log-probabilities.

    Pointwise ``t (log t - input)`` (0 where ``t == 0``), or with ``log_target=True``
    ``exp(t) (t - input)``. ``'batchmean'`` divides the sum by the batch size (the mathematically
    correct KL); ``'mean'`` divides by the number of elements, as PyTorch.

    Examples
    --------
    >>> import autograd, nn
    >>> logq = autograd.tensor([[0.5, 0.5]]).log()
    >>> nn.kl_div(logq, autograd.tensor([[1.0, 0.0]]), reduction="batchmean")
    tensor(0.6931)
    """
    fn = "kl_div"
    reduction = _reduction(size_average, reduce, reduction, fn, (*REDUCTIONS, "batchmean"))
    input, target = _pair(input, target, fn)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(t, t): the log of a masked copy keeps 0 * log(0) out of values and gradients
        safe = autograd.where(target > 0, target, autograd.ones_like(target))
        loss = target * safe.log() - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- pair losses
def _pm1_target(target: Any, shape: tuple, fn: str) -> np.ndarray:
    target = _tensor(target, fn, "target")
    if target.shape != shape:
        raise ValueError(f"{fn}: target must have shape {shape}, got {tuple(target.shape)}")
    return target.detach().numpy()


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
    size_average: Any = None, reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``1 - cos(x1, x2)`` where ``y == 1``; ``max(0, cos(x1, x2) - margin)`` where ``y == -1``.

    Inputs are ``(N, D)`` with ``y`` of shape ``(N,)``, or ``(D,)`` with a 0-d ``y``.

    Examples
    --------
    >>> import autograd, nn
    >>> a = autograd.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> b = autograd.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> nn.cosine_embedding_loss(a, b, autograd.tensor([1, -1]), reduction="none")
    tensor([1., 1.])
    """
    fn = "cosine_embedding_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x1 = _float_tensor(input1, fn, "input1")
    x2 = _float_tensor(input2, fn, "input2")
    if x1.shape != x2.shape or x1.ndim not in (1, 2):
        raise ValueError(
            f"{fn}: input1 and input2 must have the same 1-D or 2-D shape, got "
            f"{tuple(x1.shape)} and {tuple(x2.shape)}"
        )
    d = x1.ndim - 1
    y = _pm1_target(target, x1.shape[:d], fn)
    eps = 1e-12
    prod = (x1 * x2).sum(dim=d)
    mag = ((x1 * x1).sum(dim=d) + eps) * ((x2 * x2).sum(dim=d) + eps)
    cos = prod / mag.sqrt()
    pos = autograd.from_numpy(np.asarray(y == 1, dtype=x1.dtype))
    neg = autograd.from_numpy(np.asarray(y == -1, dtype=x1.dtype))
    loss = (1 - cos) * pos + autograd.clamp(cos - margin, min=0.0) * neg
    return _reduce(loss, reduction)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
    size_average: Any = None, reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(0, -y (x1 - x2) + margin)``: ``y = 1`` wants ``x1`` ranked above ``x2``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.margin_ranking_loss(autograd.tensor([1.0, 1.0]), autograd.tensor([0.0, 0.0]),
    ...                        autograd.tensor([1.0, -1.0]), reduction="none")
    tensor([0., 1.])
    """
    fn = "margin_ranking_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x1 = _float_tensor(input1, fn, "input1")
    x2 = _float_tensor(input2, fn, "input2")
    y = _tensor(target, fn, "target")
    if not (x1.shape == x2.shape == y.shape):
        raise ValueError(
            f"{fn}: input1, input2 and target must have the same shape, got {tuple(x1.shape)}, "
            f"{tuple(x2.shape)} and {tuple(y.shape)}"
        )
    return _reduce(autograd.clamp(-y * (x1 - x2) + margin, min=0.0), reduction)
