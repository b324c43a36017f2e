"""Margin and embedding losses: triplet (with p-norm or any distance), multi-class and
multi-label margins, soft margin, hinge embedding — PyTorch's formulas and reductions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from ..functional.normalization import pairwise_distance
from ._util import _float_tensor, _pair, _reduce, _reduction, _tensor

__all__ = [
    "triplet_margin_loss", "triplet_margin_with_distance_loss", "multi_margin_loss",
    "multilabel_margin_loss", "multilabel_soft_margin_loss", "soft_margin_loss",
    "hinge_embedding_loss",
]  # fmt: skip


def _triplet(anchor: Any, positive: Any, negative: Any, fn: str) -> tuple[Tensor, ...]:
    a = _float_tensor(anchor, fn, "anchor")
    p = _float_tensor(positive, fn, "positive")
    n = _float_tensor(negative, fn, "negative")
    if not a.ndim == p.ndim == n.ndim:
        raise ValueError(
            f"{fn}: the anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {a.ndim}D, positive {p.ndim}D, and negative "
            f"{n.ndim}D inputs"
        )
    return a, p, n


def _class_target(target: Any, batch: tuple, classes: int, fn: str) -> np.ndarray:
    target = _tensor(target, fn, "target")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must be an integer tensor, got dtype {target.dtype}")
    if tuple(target.shape) != batch:
        raise ValueError(f"{fn}: target must have shape {batch}, got {tuple(target.shape)}")
    y = target.numpy().astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(
            f"{fn}: target values must be in [0, {classes}), got min {y.min()}, max {y.max()}"
        )
    return y


def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
    eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d(x, y) = ||x - y + eps||_p``; with
    ``swap`` the negative distance is ``min(d(a, n), d(p, n))`` (Balntas et al., 2016).

    Examples
    --------
    >>> import autograd, nn
    >>> a, p, n = autograd.zeros(1, 2), autograd.tensor([[0.0, 1.0]]), autograd.tensor([[3.0, 0.0]])
    >>> nn.triplet_margin_loss(a, p, n, margin=3.0)
    tensor(1.)
    """
    fn = "triplet_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    a, pos, neg = _triplet(anchor, positive, negative, fn)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = autograd.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(autograd.clamp(margin + d_pos - d_neg, min=0.0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None, margin: float = 1.0,
    swap: bool = False, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(d(a, p) - d(a, n) + margin, 0)`` for any distance ``d`` (default
    :func:`nn.functional.pairwise_distance`).

    Examples
    --------
    >>> import autograd, nn
    >>> a, p, n = autograd.zeros(1, 2), autograd.tensor([[0.0, 1.0]]), autograd.tensor([[3.0, 0.0]])
    >>> l1 = lambda x, y: (x - y).abs().sum(dim=-1)
    >>> nn.triplet_margin_with_distance_loss(a, p, n, distance_function=l1, margin=3.0)
    tensor(1.)
    """
    fn = "triplet_margin_with_distance_loss"
    reduction = _reduction(None, None, reduction, fn)
    if margin <= 0:
        raise ValueError(f"{fn}: margin must be greater than 0, got {margin}")
    a, pos, neg = _triplet(anchor, positive, negative, fn)
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(a, pos)
    d_neg = distance(a, neg)
    if swap:
        d_neg = autograd.minimum(d_neg, distance(pos, neg))
    return _reduce(autograd.clamp(margin + d_pos - d_neg, min=0.0), reduction)


def multi_margin_loss(
    input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
    size_average: Any = None, reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Multi-class hinge loss: ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C`` for
    ``(N, C)`` (or ``(C,)``) input and class indices ``y``; ``p`` is 1 or 2.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> nn.multi_margin_loss(x, autograd.tensor([3]))
    tensor(0.3250)
    """
    fn = "multi_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    if p not in (1, 2):
        raise ValueError(f"{fn}: only p == 1 and p == 2 are supported, got {p}")
    x = _float_tensor(input, fn, "input")
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{fn}: expected a non-empty 1-D or 2-D input, got shape {x.shape}")
    classes = x.shape[-1]
    y = _class_target(target, tuple(x.shape[:-1]), classes, fn)
    rows = x.reshape(-1, classes)
    index = autograd.from_numpy(y.reshape(-1, 1))
    margins = autograd.clamp(margin - rows.gather(1, index) + rows, min=0.0)
    if p == 2:
        margins = margins * margins
    if weight is not None:
        w = _float_tensor(weight, fn, "weight")
        if tuple(w.shape) != (classes,):
            raise ValueError(f"{fn}: weight must have shape ({classes},), got {tuple(w.shape)}")
        margins = margins * w[index]
    others = autograd.from_numpy(np.arange(classes) != y.reshape(-1, 1))
    loss = autograd.where(others, margins, 0.0).sum(dim=1) / classes
    return _reduce(loss.reshape(y.shape), reduction)


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Multi-label hinge loss: ``sum_{j in targets} sum_{i not in targets}
    max(0, 1 - (x_j - x_i)) / C``. ``target`` holds class indices, ``-1`` ending the list.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> nn.multilabel_margin_loss(x, autograd.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    fn = "multilabel_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x = _float_tensor(input, fn, "input")
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{fn}: expected a non-empty 1-D or 2-D input, got shape {x.shape}")
    target = _tensor(target, fn, "target")
    if target.dtype.kind not in "iu" or tuple(target.shape) != tuple(x.shape):
        raise ValueError(
            f"{fn}: target must be an integer tensor of the input's shape {tuple(x.shape)}, got "
            f"{target.dtype} {tuple(target.shape)}"
        )
    classes = x.shape[-1]
    t = target.numpy().astype(np.int64).reshape(-1, classes)
    if t.size and (t.max() >= classes or t.min() < -1):
        raise ValueError(f"{fn}: target values must be in [-1, {classes}), got {t.tolist()}")
    valid = np.cumprod(t >= 0, axis=1).astype(bool)  # the slots before the first -1
    is_target = np.zeros(t.shape, dtype=bool)
    rows = np.nonzero(valid)[0]
    is_target[rows, t[valid]] = True
    flat = x.reshape(-1, classes)
    picked = flat.gather(1, autograd.from_numpy(np.where(valid, t, 0)))
    hinge = autograd.clamp(1.0 - picked.unsqueeze(2) + flat.unsqueeze(1), min=0.0)
    pairs = autograd.from_numpy(valid[:, :, None] & ~is_target[:, None, :])
    loss = autograd.where(pairs, hinge, 0.0).sum(dim=(1, 2)) / classes
    return _reduce(loss.reshape(tuple(x.shape[:-1])), reduction)


def multilabel_soft_margin_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Per-class logistic loss averaged over the ``C`` classes:
    ``-mean_c(w_c (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)))``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.multilabel_soft_margin_loss(autograd.zeros(1, 2), autograd.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    fn = "multilabel_soft_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x, y = _pair(input, target, fn)
    loss = -(y * autograd.logsigmoid(x) + (1 - y) * autograd.logsigmoid(-x))
    if weight is not None:
        loss = loss * _float_tensor(weight, fn, "weight")
    loss = loss.sum(dim=x.ndim - 1) / x.shape[-1]
    return _reduce(loss, reduction)


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Two-class logistic loss ``log(1 + exp(-y x))`` for targets ``y`` of +-1.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.soft_margin_loss(autograd.zeros(2), autograd.tensor([1.0, -1.0]))
    tensor(0.6931)
    """
    fn = "soft_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x, y = _pair(input, target, fn)
    return _reduce(autograd.softplus(-y * x), reduction)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1`` (``x`` is usually a
    distance).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.hinge_embedding_loss(autograd.tensor([0.3, 0.3]), autograd.tensor([1, -1]),
    ...                         reduction="none")
    tensor([0.3000, 0.7000])
    """
    fn = "hinge_embedding_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x = _float_tensor(input, fn, "input")
    y = _tensor(target, fn, "target").numpy()
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(
            f"{fn}: target shape {y.shape} does not broadcast with input shape {x.shape}"
        ) from None
    away = autograd.from_numpy(np.broadcast_to(y != 1, shape).copy())
    near = autograd.from_numpy(np.broadcast_to(y != -1, shape).copy())
    loss = autograd.where(away, autograd.clamp(margin - x, min=0.0), 0.0)
    loss = loss + autograd.where(near, x, 0.0)
    return _reduce(loss, reduction)
