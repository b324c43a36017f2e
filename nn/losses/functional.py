"""Loss functions, with PyTorch's exact formulas and reductions.

Every loss takes ``reduction`` in ``'none' | 'mean' | 'sum'`` (``kl_div`` also ``'batchmean'``);
the legacy ``size_average``/``reduce`` flags are honoured as in PyTorch. Losses on logits are
built from stable pieces (``log_softmax``, ``logsigmoid``) so that logits of +-1e4 in float32
give finite values and gradients.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
    "cosine_embedding_loss", "margin_ranking_loss",
]  # fmt: skip

_REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------------------------- helpers
def _legacy(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args are deprecated, please use reduction='mean'|'sum'|'none'",
        stacklevel=3,
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction: Any, fn: str, allowed: tuple = _REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{fn}: reduction must be one of {list(allowed)}, got {reduction!r}")


def _tensor(x: Any, fn: str, arg: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {arg} must be a Tensor, got {type(x).__name__}")
    return x


def _float(x: Tensor, fn: str, arg: str) -> Tensor:
    if not x.is_floating_point():
        raise TypeError(f"{fn}: {arg} must be a floating-point tensor, got dtype {x.dtype}")
    return x


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_size(input: Tensor, target: Tensor, fn: str) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"{fn}: using a target size ({tuple(target.shape)}) that is different to the input "
            f"size ({tuple(input.shape)}); this will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(
                f"{fn}: target shape {tuple(target.shape)} does not broadcast with input shape "
                f"{tuple(input.shape)}"
            ) from None


def _pair(input: Any, target: Any, fn: str) -> tuple[Tensor, Tensor]:
    input = _float(_tensor(input, fn, "input"), fn, "input")
    target = _tensor(target, fn, "target")
    _same_size(input, target, fn)
    return input, target


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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    input, target = _pair(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction)


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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    input, target = _pair(input, target, "smooth_l1_loss")
    d = input - target
    ad = d.abs()
    if beta == 0:
        return _reduce(ad, reduction)
    quad = d * d * (0.5 / beta)
    return _reduce(autograd.where(ad < beta, quad, ad - 0.5 * beta), reduction)


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
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    input, target = _pair(input, target, "huber_loss")
    d = input - target
    ad = d.abs()
    quad = d * d * 0.5
    return _reduce(autograd.where(ad <= delta, quad, (ad - 0.5 * delta) * delta), reduction)


# ----------------------------------------------------------------------------- binary losses
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``-weight * (t log(x) + (1 - t) log(1 - x))`` for probabilities ``x`` in [0, 1].

    Each log is clamped at -100 as in PyTorch, so ``x = 0`` or ``1`` gives a finite loss.
    Prefer :func:`binary_cross_entropy_with_logits` on logits (stable, fused).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.binary_cross_entropy(autograd.tensor([0.5, 0.5]), autograd.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    fn = "binary_cross_entropy"
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn)
    input = _float(_tensor(input, fn, "input"), fn, "input")
    target = _tensor(target, fn, "target")
    if target.shape != input.shape:
        raise ValueError(
            f"{fn}: using a target size ({tuple(target.shape)}) that is different to the input "
            f"size ({tuple(input.shape)}) is not supported; please ensure they have the same size"
        )
    x = input.detach().numpy()
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise ValueError(f"{fn}: all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):  # log(0) = -inf is clamped right away
        log_x = autograd.clamp(input.log(), min=-100.0)
        log_1mx = autograd.clamp((-input).log1p(), min=-100.0)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * _tensor(weight, fn, "weight")
    return _reduce(loss, reduction)


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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn)
    input = _float(_tensor(input, fn, "input"), fn, "input")
    target = _tensor(target, fn, "target")
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
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- classification losses
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn)
    input = _float(_tensor(input, fn, "input"), fn, "input")
    target = _tensor(target, fn, "target")
    _check_index_dtype(target, fn)
    cd = _class_layout(input, fn)
    w = _class_weight(weight, input.shape[cd], input.dtype, fn)
    return _nll(input, target, cd, w, ignore_index, reduction, fn)[0]


def cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:  # fmt: skip
    """Cross-entropy between logits ``input`` and class indices or class probabilities.

    With index targets: ``nll_loss(log_softmax(input, 1), target, weight, ignore_index)``; with
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn)
    input = _float(_tensor(input, fn, "input"), fn, "input")
    target = _tensor(target, fn, "target")
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn, (*_REDUCTIONS, "batchmean"))
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn)
    x1 = _float(_tensor(input1, fn, "input1"), fn, "input1")
    x2 = _float(_tensor(input2, fn, "input2"), fn, "input2")
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, fn)
    x1 = _float(_tensor(input1, fn, "input1"), fn, "input1")
    x2 = _float(_tensor(input2, fn, "input2"), fn, "input2")
    y = _tensor(target, fn, "target")
    if not (x1.shape == x2.shape == y.shape):
        raise ValueError(
            f"{fn}: input1, input2 and target must have the same shape, got {tuple(x1.shape)}, "
            f"{tuple(x2.shape)} and {tuple(y.shape)}"
        )
    return _reduce(autograd.clamp(-y * (x1 - x2) + margin, min=0.0), reduction)
