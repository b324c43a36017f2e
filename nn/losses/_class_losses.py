"""Losses over class scores: ``nll_loss`` and ``cross_entropy`` (class weights, ignored
targets, probability targets and label smoothing, as PyTorch)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.extend import check_reduction, name_node

from ._util import _input_target, _legacy, _reduce, _reduction, _tensor

__all__ = ["nll_loss", "cross_entropy"]


def _class_layout(input: Tensor, fn: str) -> int:
    """The class dim: 0 for an unbatched ``(C,)`` input, else 1."""
    if input.ndim == 0:
        raise ValueError(f"{fn}: input must have at least 1 dimension (C) or (N, C, ...), got 0-d")
    return 0 if input.ndim == 1 else 1


def _class_weight(weight: Any, n_classes: int, dtype: np.dtype, fn: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = _tensor(weight, fn, "weight")
    if w.shape != (n_classes,):
        raise ValueError(
            f"{fn}: weight should be a 1-D tensor of size {n_classes} (the number of classes), "
            f"got shape {tuple(w.shape)}"
        )
    return w.detach().numpy().astype(dtype, copy=False)


def _index_targets(
    input: Tensor, target: Tensor, cd: int, ignore_index: int, fn: str
) -> tuple[np.ndarray, np.ndarray]:
    """Validated class indices (ignored ones replaced by 0) and the not-ignored mask."""
    expected = input.shape[:cd] + input.shape[cd + 1 :]
    if target.shape != expected:
        raise ValueError(
            f"{fn}: expected target of shape {expected} for input of shape {tuple(input.shape)}, "
            f"got {tuple(target.shape)}"
        )
    t = target.detach().numpy()
    valid = t != ignore_index
    tv = np.where(valid, t, 0)
    n_classes = input.shape[cd]
    bad = (tv < 0) | (tv >= n_classes)
    if bad.any():
        raise ValueError(
            f"{fn}: target {int(tv[bad].flat[0])} is out of bounds for {n_classes} classes "
            f"(expected 0 <= target < {n_classes} or target == ignore_index={ignore_index})"
        )
    return tv, valid


def _nll(
    logp: Tensor, target: Tensor, cd: int, weight: np.ndarray | None, ignore_index: int,
    reduction: str, fn: str,
) -> tuple[Tensor, np.ndarray, np.ndarray]:  # fmt: skip
    """Weighted negative log-likelihood of the target classes (one gather along the class dim);
    also returns the per-target weights and the not-ignored mask."""
    tv, valid = _index_targets(logp, target, cd, ignore_index, fn)
    picked = autograd.gather(logp, cd, autograd.from_numpy(np.expand_dims(tv, cd))).squeeze(cd)
    all_valid = bool(valid.all())
    if weight is None and all_valid:
        per = np.ones(tv.shape, logp.dtype)
        loss = -picked
    else:
        per = np.asarray(valid.astype(logp.dtype) if weight is None else weight[tv] * valid)
        loss = picked * autograd.from_numpy(np.asarray(-per))
        if not all_valid:  # selected, not weighted by 0: an ignored row may hold NaN
            loss = autograd.where(autograd.from_numpy(valid), loss, 0.0)
    if reduction == "mean":
        if weight is None and all_valid:
            return loss.mean(), per, valid
        return _weighted_mean(loss.sum(), float(per.sum())), per, valid
    return _reduce(loss, reduction), per, valid


def _weighted_mean(total: Tensor, denom: float) -> Tensor:
    # Nothing counted (all targets ignored): NaN, with zero gradients, as PyTorch
    return total / denom if denom != 0 else total + float("nan")


def _check_index_dtype(target: Tensor, fn: str) -> None:
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{fn}: target must hold class indices of an integer dtype, got {target.dtype}"
        )


def nll_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Negative log-likelihood of class indices, given log-probabilities ``input``.

    ``loss_n = -weight[t_n] * input[n, t_n]`` (0 where ``t_n == ignore_index``); ``'mean'``
    divides by the sum of the weights of the non-ignored targets. ``input`` is ``(C,)``,
    ``(N, C)`` or ``(N, C, d1, ...)``.

    Examples
    --------
    >>> import autograd, nn
    >>> logp = autograd.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> nn.nll_loss(logp, autograd.tensor([0, 1]))
    tensor(0.3000)
    """
    fn = "nll_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    input, target = _input_target(input, target, fn)
    _check_index_dtype(target, fn)
    cd = _class_layout(input, fn)
    w = _class_weight(weight, input.shape[cd], input.dtype, fn)
    return name_node(_nll(input, target, cd, w, ignore_index, reduction, fn)[0], "NllLossBackward0")


def cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:  # fmt: skip
    """Cross-entropy between logits ``input`` and class indices or class probabilities.

    With index targets (the fused :func:`autograd.cross_entropy`):
    ``nll_loss(log_softmax(input, 1), target, weight, ignore_index)``; with
    ``label_smoothing`` ε the loss is ``(1 - ε) nll + ε/C * Σ_c -weight_c log p_c``. With
    probability targets (a float ``target`` shaped like ``input``):
    ``-Σ_c weight_c t_c log p_c`` per sample, ``'mean'`` dividing by the number of samples.
    Stable for logits of +-1e4 (via log-softmax).

    Examples
    --------
    >>> import autograd, nn
    >>> logits = autograd.tensor([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    >>> nn.cross_entropy(logits, autograd.tensor([0, 2]))
    tensor(0.6342)
    >>> nn.cross_entropy(logits, autograd.tensor([0, 2]), label_smoothing=0.1)
    tensor(0.7176)
    """
    fn = "cross_entropy"
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    if isinstance(target, Tensor) and target.dtype.kind in "iu":
        # Class indices: the engine's fused one-node cross-entropy (it checks its arguments).
        return autograd.cross_entropy(
            input, target, weight, ignore_index, reduction, label_smoothing
        )
    check_reduction(reduction, fn)
    input, target = _input_target(input, target, fn)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    cd = _class_layout(input, fn)
    n_classes = input.shape[cd]
    w = _class_weight(weight, n_classes, input.dtype, fn)
    logp = autograd.log_softmax(input, dim=cd)
    w_b = (
        None
        if w is None
        else autograd.from_numpy(w.reshape((n_classes,) + (1,) * (input.ndim - cd - 1)))
    )
    if target.is_floating_point():
        if ignore_index >= 0:
            raise ValueError(f"{fn}: ignore_index is not supported for class-probability targets")
        if target.shape != input.shape:
            raise ValueError(
                f"{fn}: class-probability target must have the input's shape "
                f"{tuple(input.shape)}, got {tuple(target.shape)}"
            )
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target if w_b is None else logp * target * w_b
        if reduction == "none":
            return -prod.sum(dim=cd)
        total = -prod.sum()
        if reduction == "sum":
            return total
        n = input.numel() // n_classes if n_classes else 0
        return total / n if n else total * float("nan")
    _check_index_dtype(target, fn)
    nll, per, valid = _nll(logp, target, cd, w, ignore_index, reduction, fn)
    if label_smoothing == 0:
        return nll
    smooth = -(logp if w_b is None else logp * w_b).sum(dim=cd)
    smooth = smooth * autograd.from_numpy(np.asarray(valid, dtype=input.dtype))
    if reduction == "none":
        smooth_red = smooth
    elif reduction == "sum":
        smooth_red = smooth.sum()
    else:
        denom = per.sum() if w is not None else valid.sum()
        smooth_red = _weighted_mean(smooth.sum(), float(denom))
    return nll * (1 - label_smoothing) + smooth_red * (label_smoothing / n_classes)
