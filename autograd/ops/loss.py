"""Fused cross-entropy over class indices: log-softmax, gather, weighting and reduction in one node.

Composed, a cross-entropy is a log-softmax, a gather, a negation and a mean: four graph nodes and
their Python round trips, plus the full ``log p`` array. Here forward keeps only ``exp(x - max)``
and its row sums; backward is the closed form ``(softmax(x) - onehot(target)) * scale`` (with the
class weights and label smoothing folded into per-row coefficients). The plain loss (no class
weights, no label smoothing) of a small block of logits runs each direction as one kernel call
over the rows (:mod:`autograd.kernels.cross_entropy`), which keeps the softmax itself. Under
``create_graph`` the same rule is written with the differentiable ``softmax`` so second
derivatives are exact.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ..function import Function
from ..kernels.cross_entropy import cross_entropy_backward, cross_entropy_forward, takes
from ..tensor import Tensor
from ._jvp import sum_terms
from ._table import select_grad, zeros_like_grad
from .registry import Sample, register
from .softmax import softmax

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: Any, fn: str, allowed: tuple = REDUCTIONS) -> None:
    """Raise ``ValueError`` naming ``fn`` unless ``reduction`` is one of ``allowed``.

    Examples
    --------
    >>> from autograd.extend import check_reduction
    >>> check_reduction("sum", "mse_loss")
    >>> try:
    ...     check_reduction("avg", "mse_loss")
    ... except ValueError as e:
    ...     print(e)
    mse_loss: reduction must be one of ['none', 'mean', 'sum'], got 'avg'
    """
    if reduction not in allowed:
        raise ValueError(f"{fn}: reduction must be one of {list(allowed)}, got {reduction!r}")


def _rows(x: Any, shape: tuple) -> Any:
    """``x`` of shape ``(C,)``, ``(N, C)`` or ``(N, C, d...)`` as ``(rows, C)`` (class last)."""
    if len(shape) == 2:
        return x
    if len(shape) == 1:
        return x.reshape(1, shape[0])
    n, c = shape[0], shape[1]
    rest = math.prod(shape[2:])  # spelled out: NumPy cannot infer a -1 for an empty array
    return np.swapaxes(x.reshape(n, c, rest), 1, 2).reshape(n * rest, c)


def _unrows(g: Any, shape: tuple) -> Any:
    """The inverse of :func:`_rows`."""
    if len(shape) == 2:
        return g
    if len(shape) == 1:
        return g.reshape(shape)
    n, c = shape[0], shape[1]
    return np.swapaxes(g.reshape(n, math.prod(shape[2:]), c), 1, 2).reshape(shape)


class CrossEntropy(Function):
    """Cross-entropy of logits against class indices (weights, ignore_index, label smoothing)."""

    node_name = "NllLossBackward0"  # PyTorch's outermost node of cross_entropy

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        shape = x.shape
        x2 = _rows(x, shape)
        r, c = x2.shape
        t = target.reshape(r)
        if weight is None and not label_smoothing and takes(x):
            return _plain_forward(ctx, x, x2, t, target.shape, ignore_index, reduction)
        valid = t != ignore_index
        all_valid = bool(valid.all())
        tv = t if all_valid else np.where(valid, t, 0)
        if r and (tv.min() < 0 or tv.max() >= c):
            bad = int(tv[(tv < 0) | (tv >= c)][0])
            raise ValueError(
                f"cross_entropy: target {bad} is out of bounds for {c} classes (expected "
                f"0 <= target < {c} or target == ignore_index={ignore_index})"
            )
        # Shifting by the row max keeps exp() in range: finite for logits of +-1e4 in float32.
        with np.errstate(invalid="ignore", divide="ignore"):  # a row of -inf logits: NaN
            z = x2 - x2.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1)
            logs = np.log(s)
        rows = np.arange(r)
        loss = logs - z[rows, tv]  # -log p[target]
        if not all_valid:  # selected: an ignored row of -inf logits is NaN, and counts 0
            loss = np.where(valid, loss, 0)
        # Per-row weight of the nll term (None: all ones).
        if weight is None:
            wt = None if all_valid else valid.astype(x.dtype)
        else:
            wt = weight[tv] if all_valid else weight[tv] * valid
        if wt is not None:
            loss *= wt
        if label_smoothing:
            if weight is None:
                smooth = c * logs - z.sum(axis=1)
            else:
                smooth = weight.sum() * logs - z @ weight
            if not all_valid:
                smooth = np.where(valid, smooth, 0)
            loss *= 1.0 - label_smoothing
            loss += (label_smoothing / c) * smooth
        denom = 1.0
        if reduction == "none":
            out = loss.reshape(target.shape)
        elif reduction == "sum":
            out = np.asarray(loss.sum())
        else:
            denom = float(r if wt is None else wt.sum())
            # Nothing counted (every target ignored): NaN, with zero gradients, as PyTorch.
            out = np.asarray(loss.sum() / denom if denom else np.nan, dtype=x.dtype)
        ctx.shape, ctx.tv, ctx.wt, ctx.denom = shape, tv, wt, denom
        ctx.valid = None if all_valid else valid
        ctx.weight, ctx.reduction, ctx.label_smoothing = weight, reduction, label_smoothing
        ctx.ignore_index = None
        ctx.save_for_backward(x, e, s)
        return out

    @staticmethod
    def backward(ctx, g):
        x, e, s = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return (None,) * 6
        if ctx.reduction == "none":
            scale = g.reshape(-1, 1)
        elif ctx.reduction == "sum":
            scale = g
        else:
            scale = g / ctx.denom if ctx.denom else zeros_like_grad(g)
        if ctx.valid is not None:
            # Ignored targets take no gradient, whatever arrives for them (selected, so an inf
            # there gives 0; their logits still see softmax * 0, NaN for -inf logits as PyTorch).
            scale = select_grad(ctx.valid[:, None], scale)
        if isinstance(g, Tensor):
            return _graph_backward(ctx, x, scale), None, None, None, None, None
        if ctx.ignore_index is not None:  # the plain loss: e is the softmax
            t, ignore_index = ctx.target, ctx.ignore_index
            if ctx.reduction == "none":
                row_scale = np.ascontiguousarray(g.reshape(-1), dtype=e.dtype)
                grad = cross_entropy_backward(e, t, ignore_index, 1.0, row_scale)
            else:
                s = float(g) / ctx.denom if ctx.denom else 0.0
                grad = cross_entropy_backward(e, t, ignore_index, s)
            return _unrows(grad, ctx.shape), None, None, None, None, None
        tv, wt = ctx.tv, ctx.wt
        rows = np.arange(len(tv))
        ls = ctx.label_smoothing
        grad = e / s[:, None]  # softmax
        coef = _row_coef(ctx, e.shape[1])
        if coef is not None:
            grad *= coef[:, None]
        grad[rows, tv] -= (1.0 - ls) if wt is None else (1.0 - ls) * wt
        if ls:
            grad -= _smoothing_target(ctx, e.shape[1])
        grad *= scale
        return _unrows(grad, ctx.shape), None, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, *_):
        if not ctx.has_tangent[0]:
            return 0.0  # the class weights are not differentiated, as in backward
        # Each loss reads one row of logits: backward with a gradient of ones gives every row's
        # derivative, and the tangent is its dot product with the row of tx.
        x, target = ctx.primals[:2]
        full = copy.copy(ctx)
        full.needs_input_grad = (True,) + tuple(ctx.needs_input_grad[1:])
        ones = np.ones(target.shape if ctx.reduction == "none" else (), x.dtype)
        d = CrossEntropy.backward(full, ones)[0]
        if ctx.reduction != "none":
            return (d * tx).sum()
        return (d * tx).sum(axis=1 if x.ndim > 1 else 0).reshape(target.shape)


def _plain_forward(ctx, x, x2, t, target_shape, ignore_index, reduction):
    """CrossEntropy.forward without class weights or label smoothing: one kernel call."""
    x2 = np.ascontiguousarray(x2)
    t = np.ascontiguousarray(t, dtype=np.int64)  # one signature of the kernels
    p, loss, counted, bad = cross_entropy_forward(x2, t, ignore_index)
    if bad >= 0:
        raise ValueError(
            f"cross_entropy: target {int(t[bad])} is out of bounds for {x2.shape[1]} classes "
            f"(expected 0 <= target < {x2.shape[1]} or target == ignore_index={ignore_index})"
        )
    rows = x2.shape[0]
    valid = None if counted == rows else t != ignore_index
    denom = 1.0
    if reduction == "none":
        out = loss.reshape(target_shape)
    elif reduction == "sum":
        out = np.asarray(loss.sum())
    else:
        denom = float(counted)
        # Nothing counted (every target ignored): NaN, with zero gradients, as PyTorch.
        out = np.asarray(loss.sum() / denom if denom else np.nan, dtype=x.dtype)
    ctx.shape, ctx.denom, ctx.valid = x.shape, denom, valid
    ctx.tv = t if valid is None else np.where(valid, t, 0)
    ctx.wt = None if valid is None else valid.astype(x.dtype)
    ctx.weight, ctx.reduction, ctx.label_smoothing = None, reduction, 0.0
    ctx.ignore_index, ctx.target = ignore_index, t
    ctx.save_for_backward(x, p, None)
    return out


def _row_coef(ctx: Any, c: int) -> np.ndarray | None:
    """Per row, the total weight of the target distribution (None when it is 1 for every row)."""
    ls, wt = ctx.label_smoothing, ctx.wt
    if not ls or wt is None:  # no weights, nothing ignored: (1 - ε) + ε/C * C = 1
        return wt
    smooth_total = (ls / c) * (c if ctx.weight is None else float(ctx.weight.sum()))
    if ctx.valid is None:
        return (1.0 - ls) * wt + smooth_total
    return (1.0 - ls) * wt + smooth_total * ctx.valid


def _smoothing_target(ctx: Any, c: int) -> Any:
    """The label-smoothing part of the (weighted) target distribution, ``(rows, C)`` or scalar."""
    ls, w, valid = ctx.label_smoothing, ctx.weight, ctx.valid
    part = ls / c if w is None else (ls / c) * w[None, :]
    return part if valid is None else part * valid[:, None]


def _graph_backward(ctx: Any, x: Tensor, scale: Any) -> Tensor:
    """``(softmax * coef - target distribution) * scale`` with differentiable ops."""
    shape, tv, wt = ctx.shape, ctx.tv, ctx.wt
    rows = np.arange(len(tv))
    c = shape[0] if len(shape) == 1 else shape[1]
    p = softmax(_rows(x, shape), dim=1)
    dist = np.zeros((len(rows), c), dtype=x.dtype)
    dist[rows, tv] = (1.0 - ctx.label_smoothing) if wt is None else (1.0 - ctx.label_smoothing) * wt
    if ctx.label_smoothing:
        dist = dist + _smoothing_target(ctx, c)
    coef = _row_coef(ctx, c)
    if coef is not None:
        p = p * Tensor._make(np.asarray(coef[:, None], dtype=x.dtype))
    return _unrows((p - Tensor._make(dist)) * scale, shape)


def _check_target(input: Tensor, target: Any, fn: str) -> np.ndarray:
    if not isinstance(target, Tensor):
        raise TypeError(f"{fn}: target must be a Tensor, got {type(target).__name__}")
    t = target._array
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must hold class indices of an integer dtype, got {t.dtype}")
    shape = input._array.shape
    expected = shape[:1] + shape[2:] if len(shape) > 1 else ()
    if t.shape != expected:
        raise ValueError(
            f"{fn}: expected target of shape {expected} for input of shape {shape}, got {t.shape}"
        )
    return t


def _ce_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    c = draw(st.integers(1, 4))
    lead = draw(st.sampled_from([(), (2,), (3,), (2, 2)]))
    shape = lead[:1] + (c,) + lead[1:] if lead else (c,)
    x = draw(testing.arrays(shape, dtype))
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = np.array(draw(st.lists(st.integers(0, c - 1), min_size=int(np.prod(tshape)),
                                    max_size=int(np.prod(tshape)))), dtype=np.int64)  # fmt: skip
    target = target.reshape(tshape)
    ignore_index = draw(st.sampled_from([-100, 0]))
    if ignore_index == 0 and not (target != 0).any():
        ignore_index = -100  # keep at least one counted target: all ignored is NaN
    reduction = draw(st.sampled_from(REDUCTIONS))
    smoothing = draw(st.sampled_from([0.0, 0.25]))
    kwargs = {"ignore_index": ignore_index, "reduction": reduction, "label_smoothing": smoothing}
    return Sample((x, target), kwargs)


def _ce_ref(x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    cd = 0 if x.ndim == 1 else 1
    c = x.shape[cd]
    z = x - x.max(axis=cd, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=cd, keepdims=True))
    w = np.ones(c) if weight is None else weight
    valid = target != ignore_index
    tv = np.where(valid, target, 0)
    picked = np.squeeze(np.take_along_axis(logp, np.expand_dims(tv, cd), axis=cd), cd)
    wshape = (c,) + (1,) * (x.ndim - cd - 1)
    nll = -w[tv] * picked * valid
    smooth = -(logp * w.reshape(wshape)).sum(axis=cd) * valid
    loss = (1 - label_smoothing) * nll + label_smoothing / c * smooth
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (w[tv] * valid).sum()


@register(sample=_ce_sample, ref=_ce_ref, masked=True)
def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits ``input`` and class indices ``target``, in one graph node.

    ``input`` is ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` (classes on dim 1), ``target`` holds
    integer class indices of the input's shape without the class dim. Per target:
    ``loss = -(1 - ε) w[t] log p[t] - ε/C Σ_c w[c] log p[c]`` (ε = ``label_smoothing``,
    ``w`` = ``weight`` or ones; 0 where ``t == ignore_index``). ``'mean'`` divides the sum by
    ``Σ w[t]`` over the targets not ignored (NaN when all are), ``'sum'`` sums, ``'none'``
    returns the per-target losses. Stable for logits of ±1e4 in float32. ``weight`` is a
    constant (no gradient flows to it, PyTorch refuses one that requires grad). Class
    probabilities as targets: see ``nn.functional.cross_entropy``.

    Examples
    --------
    >>> import autograd
    >>> logits = autograd.tensor([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], requires_grad=True)
    >>> loss = autograd.cross_entropy(logits, autograd.tensor([0, 2]))
    >>> loss
    tensor(0.6342, grad_fn=<NllLossBackward0>)
    >>> loss.backward()
    >>> logits.grad
    tensor([[-0.0781,  0.0571,  0.0210],
            [ 0.1667,  0.1667, -0.3333]])
    """
    fn = "cross_entropy"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    x = input._array
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be a floating-point tensor, got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{fn}: input must have at least 1 dimension (C) or (N, C, ...), got 0-d")
    t = _check_target(input, target, fn)
    check_reduction(reduction, fn)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    if c == 0:
        raise ValueError(f"{fn}: input has no classes (shape {x.shape})")
    w = None
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"{fn}: weight must be a Tensor or None, got {type(weight).__name__}")
        w = weight._array
        if w.shape != (c,):
            raise ValueError(
                f"{fn}: weight should be a 1-D tensor of size {c} (the number of classes), got "
                f"shape {w.shape}"
            )
        if w.dtype != x.dtype:
            w = w.astype(x.dtype)
    ignore_index = int(ignore_index)
    if not -(2**63) <= ignore_index < 2**63:
        raise ValueError(f"{fn}: ignore_index must fit in int64, got {ignore_index}")
    return CrossEntropy.apply(input, t, w, ignore_index, reduction, float(label_smoothing))


# ------------------------------------------------------------------- binary cross-entropy
_BCE_EPS = 1e-12  # PyTorch's floor for x (1 - x) in the gradient


class BinaryCrossEntropy(Function):
    """Elementwise ``-(t log x + (1 - t) log(1 - x))``, each log clamped at -100."""

    @staticmethod
    def forward(ctx, x, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped right away
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        ctx.save_for_backward(x, t)
        return (t - 1) * log_1mx - t * log_x

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        return _bce_partials(x, t, g if nx else None, g if nt else None)

    @staticmethod
    def jvp(ctx, tx, tt):
        x, t = ctx.primals
        has_x, has_t = ctx.has_tangent
        return sum_terms(*_bce_partials(x, t, tx if has_x else None, tt if has_t else None))


def _bce_partials(x: Any, t: Any, sx: Any, st: Any) -> tuple[Any, Any]:
    """The elementwise partials of binary cross entropy in ``x`` and ``t``, times ``sx`` and
    ``st`` (a None factor gives None): the backward rule and the forward-mode rule alike."""
    dx = dt = None
    if sx is not None:
        # PyTorch's rule: x (1 - x) is floored at 1e-12, so a probability that rounded to
        # exactly 0 or 1 (a saturated float32 sigmoid) gives a finite gradient.
        dx = sx * (x - t) / np.maximum((1 - x) * x, _BCE_EPS)
    if st is not None:
        with np.errstate(divide="ignore"):
            dt = st * (np.log1p(-x) - np.log(x))  # -logit(x)
    return dx, dt


def _bce_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes())
    x = draw(testing.arrays(shape, dtype, low=0.05, high=0.95))
    t = draw(testing.arrays(shape, dtype, low=0.0, high=1.0))
    return Sample((x, t), {"reduction": draw(st.sampled_from(REDUCTIONS))})


def _bce_ref(x, t, weight=None, reduction="mean"):
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    if weight is not None:
        loss = loss * weight
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _bce_torch(torch, x, t, weight=None, reduction="mean"):
    return torch.nn.functional.binary_cross_entropy(x, t, weight, reduction=reduction)


@register(sample=_bce_sample, ref=_bce_ref, torch=_bce_torch)
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy ``-weight (t log(x) + (1 - t) log(1 - x))`` of probabilities.

    ``input`` and ``target`` have the same shape, with values in [0, 1]; ``weight`` broadcasts
    to it. Each log is clamped at -100, so ``x = 0`` or ``1`` gives a finite loss, and the
    gradient ``(x - t) / max(x (1 - x), 1e-12)`` stays finite there too (both as PyTorch). The
    target gets the gradient ``-logit(x)``. Prefer ``binary_cross_entropy_with_logits`` on
    logits. Unlike PyTorch, a ``weight`` that requires grad gets its gradient.

    Examples
    --------
    >>> import autograd
    >>> z = autograd.tensor([20.0, 0.0], requires_grad=True)
    >>> loss = autograd.binary_cross_entropy(z.sigmoid(), autograd.tensor([1.0, 0.0]))
    >>> loss
    tensor(0.3466, grad_fn=<MeanBackward0>)
    >>> loss.backward()
    >>> z.grad
    tensor([0.0000, 0.2500])
    """
    fn = "binary_cross_entropy"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{fn}: target must be a Tensor, got {type(target).__name__}")
    x = input._array
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be a floating-point tensor, got dtype {x.dtype}")
    check_reduction(reduction, fn)
    if target.shape != input.shape:
        raise ValueError(
            f"{fn}: using a target size ({tuple(target.shape)}) that is different to the input "
            f"size ({tuple(input.shape)}) is not supported; please ensure they have the same size"
        )
    for name, arr in (("input", x), ("target", target._array)):
        if arr.size and not ((arr >= 0) & (arr <= 1)).all():
            raise ValueError(f"{fn}: all elements of {name} should be between 0 and 1")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"{fn}: weight must be a Tensor or None, got {type(weight).__name__}")
        try:
            fits = np.broadcast_shapes(weight.shape, input.shape) == input.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{fn}: weight of shape {tuple(weight.shape)} does not broadcast to the input "
                f"shape {tuple(input.shape)}"
            )
        loss = loss * weight
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


# ---------------------------------------------------------------------------------- mse_loss
class MseLoss(Function):
    """Squared error of input against target, reduced: one node (PyTorch's MseLossBackward0)."""

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        ctx.reduction = reduction
        d = x - t
        sq = d * d
        ctx.n = sq.size
        if reduction == "mean":
            return sq.mean()
        return sq.sum() if reduction == "sum" else sq

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad[:2]
        # The mean of no elements is NaN; its gradient is the empty tensor, scaled by any number.
        scale = (2.0 / ctx.n if ctx.n else math.inf) if ctx.reduction == "mean" else 2.0
        gx = (x - t) * (g * scale)
        return (gx if need_x else None), (-gx if need_t else None), None

    @staticmethod
    def jvp(ctx, tx, tt, reduction):
        x, t = ctx.primals[:2]
        tangent = 2.0 * (x - t) * (tx - tt)
        if reduction == "mean":
            return tangent.mean()
        return tangent.sum() if reduction == "sum" else tangent


def _mse_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(max_dims=3, max_side=4))
    x, t = draw(testing.arrays(shape, dtype)), draw(testing.arrays(shape, dtype))
    return Sample((x, t), {"reduction": draw(st.sampled_from(REDUCTIONS))})


def _mse_ref(x, t, reduction="mean"):
    loss = (x - t) ** 2
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _mse_torch(torch, x, t, reduction="mean"):
    return torch.nn.functional.mse_loss(x, t, reduction=reduction)


@register(sample=_mse_sample, ref=_mse_ref, torch=_mse_torch)
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced (``"mean"``, ``"sum"``,
    ``"none"``): one graph node. ``input`` and ``target`` must have one shape and one dtype;
    :func:`nn.functional.mse_loss` also broadcasts and promotes, as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([1.0, 3.0], requires_grad=True)
    >>> autograd.mse_loss(x, autograd.tensor([0.0, 0.0]))
    tensor(5., grad_fn=<MseLossBackward0>)
    """
    for name, v in (("input", input), ("target", target)):
        if not isinstance(v, Tensor):
            raise TypeError(f"mse_loss: {name} must be a Tensor, got {type(v).__name__}")
    if input.shape != target.shape or input.dtype != target.dtype:
        raise ValueError(
            f"mse_loss: input and target must have one shape and dtype, got {input.shape} "
            f"{input.dtype} and {target.shape} {target.dtype}"
        )
    if input.dtype.kind != "f":
        raise TypeError(f"mse_loss: input must be floating point, got {input.dtype}")
    check_reduction(reduction, "mse_loss")
    return MseLoss.apply(input, target, reduction)
