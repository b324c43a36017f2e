"""Negative log-likelihood losses of distributions: Poisson, Gaussian, and CTC (the
connectionist temporal classification loss over all alignments of a label sequence).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.extend import check_reduction

from ._util import _float_tensor, _pair, _reduce, _reduction, _tensor

__all__ = ["poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]

_IMPOSSIBLE = -1e30  # log-probability of an unreachable CTC state: finite, so no NaN gradients


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
    size_average: Any = None, eps: float = 1e-8, reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Poisson negative log-likelihood of ``target`` counts with rate ``exp(input)``
    (``log_input=True``: ``exp(x) - y x``) or ``input`` (``x - y log(x + eps)``); ``full``
    adds Stirling's ``y log y - y + log(2 pi y) / 2`` where ``y > 1``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.poisson_nll_loss(autograd.zeros(2), autograd.tensor([1.0, 2.0]))
    tensor(1.)
    """
    fn = "poisson_nll_loss"
    reduction = _reduction(size_average, reduce, reduction, fn)
    x, y = _pair(input, target, fn)
    if log_input:
        loss = autograd.exp(x) - y * x
    else:
        loss = x - y * autograd.log(x + eps)
    if full:
        y_np = y.detach().numpy()
        big = y_np > 1
        safe = np.where(big, y_np, 2.0)
        stirling = np.where(big, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0)
        loss = loss + autograd.from_numpy(stirling.astype(loss.dtype))
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Gaussian negative log-likelihood ``(log(var) + (input - target)^2 / var) / 2`` (plus
    ``log(2 pi) / 2`` with ``full``), ``var`` clamped below at ``eps`` for the value only (its
    gradient passes through, as in PyTorch).

    ``var`` has the input's shape, or that shape without its last dim or with last dim 1
    (one variance shared by the last dim), or is a number.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.gaussian_nll_loss(autograd.zeros(2), autograd.tensor([1.0, 1.0]), autograd.ones(2))
    tensor(0.5000)
    """
    fn = "gaussian_nll_loss"
    check_reduction(reduction, fn)
    x, y = _pair(input, target, fn)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{fn}: var has negative entry/entries, got {var}")
        var = autograd.full(tuple(x.shape), float(var), dtype=x.dtype)
    v = _float_tensor(var, fn, "var")
    if tuple(v.shape) != tuple(x.shape):
        if tuple(x.shape[:-1]) == tuple(v.shape):
            v = v.unsqueeze(-1)
        elif not (tuple(x.shape[:-1]) == tuple(v.shape[:-1]) and v.shape[-1] == 1):
            raise ValueError(
                f"{fn}: var is of incorrect size {tuple(v.shape)} for input of size "
                f"{tuple(x.shape)}"
            )
    if bool((v.detach() < 0).any()):
        raise ValueError(f"{fn}: var has negative entry/entries")
    # Clamped value, identity gradient: PyTorch clamps a clone of var under no_grad.
    v = v + (autograd.clamp(v.detach(), min=eps) - v.detach())
    d = x - y
    loss = 0.5 * (autograd.log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _lengths(x: Any, n: int, fn: str, name: str) -> np.ndarray:
    arr = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
    if arr.dtype.kind not in "iu" or arr.shape != (n,):
        raise ValueError(
            f"{fn}: {name} must be {n} integers (one per sequence), got {arr.dtype} {arr.shape}"
        )
    return arr.astype(np.int64)


def ctc_loss(
    log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
    blank: int = 0, reduction: str = "mean", zero_infinity: bool = False,
) -> Tensor:  # fmt: skip
    """Connectionist temporal classification loss (Graves et al., 2006): ``-log`` of the total
    probability of every alignment of ``targets`` to the ``log_probs`` frames.

    Parameters
    ----------
    log_probs : Tensor
        ``(T, N, C)`` (or ``(T, C)`` unbatched) log-softmax outputs.
    targets : Tensor of ints
        ``(N, S)`` padded label sequences, or all sequences concatenated (1-D); no blanks.
    input_lengths, target_lengths : Tensor or sequence of ints
        Frames and labels used of each sequence.
    reduction : str
        ``"mean"`` divides each loss by its target length, then averages over the batch.
    zero_infinity : bool
        Impossible alignments (too few frames) give loss 0 and gradient 0 instead of ``inf``.

    The forward (alpha) recursion runs in log space over the ``2 S + 1`` states of the label
    sequence with blanks, one step per frame, from engine ops; its gradient is the engine's:
    the true derivative with respect to ``log_probs``. PyTorch's kernel instead returns the
    derivative with respect to the logits beneath a ``log_softmax``; once that
    ``log_softmax`` is differentiated both give the same gradient of the logits.

    Examples
    --------
    >>> import autograd, nn
    >>> lp = autograd.log_softmax(autograd.zeros(3, 1, 2), dim=2)
    >>> nn.ctc_loss(lp, autograd.tensor([[1]]), [3], [1], reduction="sum")
    tensor(0.2877)
    """
    fn = "ctc_loss"
    check_reduction(reduction, fn)
    lp = _float_tensor(log_probs, fn, "log_probs")
    batched = lp.ndim == 3
    if lp.ndim == 2:
        lp = lp.unsqueeze(1)
    elif lp.ndim != 3:
        raise ValueError(f"{fn}: log_probs must be (T, N, C) or (T, C), got shape {lp.shape}")
    steps, n, classes = lp.shape
    if not 0 <= blank < classes:
        raise ValueError(f"{fn}: blank must be in [0, {classes}), got {blank}")
    tgt = _tensor(targets, fn, "targets")
    if tgt.dtype.kind not in "iu":
        raise TypeError(f"{fn}: targets must be an integer tensor, got dtype {tgt.dtype}")
    t_np = tgt.numpy().astype(np.int64)
    if not batched and t_np.ndim == 1:
        t_np = t_np[None]
    in_len = _lengths(input_lengths if batched or np.ndim(input_lengths) else [input_lengths],
                      n, fn, "input_lengths")  # fmt: skip
    tg_len = _lengths(target_lengths if batched or np.ndim(target_lengths) else
                      [target_lengths], n, fn, "target_lengths")  # fmt: skip
    if (in_len > steps).any() or (in_len < 1).any():
        raise ValueError(f"{fn}: input_lengths must be in [1, {steps}], got {in_len.tolist()}")
    if t_np.ndim == 2:
        if t_np.shape[0] != n or (tg_len > t_np.shape[1]).any():
            raise ValueError(
                f"{fn}: targets of shape {t_np.shape} do not hold {n} sequences of lengths "
                f"{tg_len.tolist()}"
            )
        labels = [t_np[i, : tg_len[i]] for i in range(n)]
    else:
        if tg_len.sum() != t_np.size:
            raise ValueError(
                f"{fn}: concatenated targets hold {t_np.size} labels, target_lengths sum to "
                f"{tg_len.sum()}"
            )
        labels = np.split(t_np, np.cumsum(tg_len)[:-1])
    if any(((lab < 0) | (lab >= classes) | (lab == blank)).any() for lab in labels):
        raise ValueError(f"{fn}: target labels must be in [0, {classes}) and not the blank")
    width = 2 * int(tg_len.max(initial=0)) + 1
    ext = np.full((n, width), blank, dtype=np.int64)  # labels interleaved with blanks
    skip = np.zeros((n, width), dtype=bool)  # state s may be entered from s - 2
    for i, lab in enumerate(labels):
        ext[i, 1 : 2 * len(lab) : 2] = lab
        skip[i, 3 : 2 * len(lab) : 2] = lab[1:] != lab[:-1]
    gather_index = autograd.from_numpy(np.broadcast_to(ext[None], (steps, n, width)).copy())
    emit = lp.gather(2, gather_index)  # (T, N, width): log p of each state's symbol per frame
    neg = autograd.full((n, 1), _IMPOSSIBLE, dtype=lp.dtype)
    neg2 = autograd.full((n, 2), _IMPOSSIBLE, dtype=lp.dtype)
    skip_t = autograd.from_numpy(skip)
    start = np.full((n, width), _IMPOSSIBLE)
    start[:, 0] = 0.0
    start[:, 1] = np.where(tg_len > 0, 0.0, _IMPOSSIBLE)
    alpha = autograd.from_numpy(start.astype(lp.dtype)) + emit[0]
    for t in range(1, steps):
        stay = alpha
        step = autograd.cat([neg, alpha[:, :-1]], dim=1)
        jump = autograd.where(skip_t, autograd.cat([neg2, alpha[:, :-2]], dim=1), _IMPOSSIBLE)
        best = autograd.logsumexp(autograd.stack([stay, step, jump]), dim=0) + emit[t]
        active = autograd.from_numpy((t < in_len)[:, None])
        alpha = autograd.where(active, best, alpha)
    last = autograd.from_numpy((2 * tg_len)[:, None])
    end = alpha.gather(1, last)
    before = alpha.gather(1, autograd.from_numpy(np.maximum(2 * tg_len - 1, 0)[:, None]))
    before = autograd.where(autograd.from_numpy(tg_len[:, None] > 0), before, _IMPOSSIBLE)
    loss = -autograd.logsumexp(autograd.cat([end, before], dim=1), dim=1)
    impossible = autograd.from_numpy(loss.detach().numpy() > -_IMPOSSIBLE / 2)
    loss = autograd.where(impossible, 0.0 if zero_infinity else float("inf"), loss)
    if reduction == "mean":
        return (loss / autograd.from_numpy(np.maximum(tg_len, 1).astype(lp.dtype))).mean()
    if not batched and reduction == "none":
        return loss.squeeze(0)
    return _reduce(loss, reduction)
