"""Fused normalization layers: batch, layer and group norm, each one graph node.

Composed from reductions and elementwise ops, a batch norm costs about ten graph nodes (and ten
Python round trips each way); at the batch sizes small models train with, that per-node overhead
dominates. Each function here is one ``Function`` whose backward is the closed form
``dx = invstd * (g' - mean(g') - xhat * mean(g' * xhat))`` (``g'`` the gradient times the
weight). Each array path is two compiled kernels, the statistics and output in one call, both
gradient sums and the input's gradient in another: ``kernels/batchnorm.py`` for batch norm,
``kernels/groupnorm.py`` for layer and group norm. Under ``create_graph`` the backward is
written with differentiable ops recomputed from the saved input, so second derivatives flow
through the statistics as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import grad_mode
from ..function import Function
from ..kernels.batchnorm import batch_norm_backward, batch_norm_forward
from ..kernels.groupnorm import group_norm_backward, group_norm_forward, standardized
from ..tensor import Tensor
from ._jvp import sum_terms
from .registry import Sample, register


# ------------------------------------------------------------------------------ arguments
def _float_input(op: str, input: Any, min_ndim: int, layout: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input._array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {input._array.dtype}")
    if input._array.ndim < min_ndim:
        raise ValueError(f"{op}: expected an input of shape {layout}, got {input._array.shape}")
    return input


def _param(op: str, name: str, t: Any, shape: tuple, dtype: np.dtype) -> Any:
    """Check an optional per-channel tensor: None or a Tensor of ``shape`` and ``dtype``."""
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(t).__name__}")
    a = t._array
    if a.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}, got {a.shape}")
    if a.dtype != dtype:
        # As PyTorch: parameters of another dtype than the input are an error, not a promotion.
        raise TypeError(f"{op}: {name} has dtype {a.dtype} but the input has dtype {dtype}")
    return t


# ----------------------------------------------------------------------------- batch norm
def _ncl(shape: tuple) -> tuple:
    """``(N, C, rest)`` with ``rest`` spelled out: NumPy cannot infer a -1 for an empty array."""
    return shape[0], shape[1], math.prod(shape[2:])


def _bn_graph_backward(x: Tensor, w: Any, g: Tensor, eps: float) -> tuple:
    """The training-mode backward written with differentiable ops (for ``create_graph``)."""
    n, c = x.shape[0], x.shape[1]
    x3 = x.reshape(_ncl(x.shape))
    g3 = g.reshape(_ncl(x.shape))
    m = n * x3.shape[2]
    mean = x3.mean(axis=(0, 2), keepdims=True)
    xc = x3 - mean
    invstd = ((xc * xc).mean(axis=(0, 2), keepdims=True) + eps) ** -0.5
    xhat = xc * invstd
    gsum = g3.sum(axis=(0, 2), keepdims=True)
    gxhat = (g3 * xhat).sum(axis=(0, 2), keepdims=True)
    scale = invstd if w is None else invstd * w.reshape(1, c, 1)
    dx = (scale * (g3 - gsum / m - xhat * (gxhat / m))).reshape(x.shape)
    return dx, gxhat.reshape(c), gsum.reshape(c)


def _kernel_arrays(x3: np.ndarray, w: Any, b: Any) -> tuple:
    """``(x3, w, b)`` as the batch-norm kernels take them: C-contiguous float32 or float64
    (other float dtypes are computed in float32, as PyTorch computes half precision)."""
    dt = x3.dtype if x3.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    return tuple(None if a is None else np.ascontiguousarray(a, dtype=dt) for a in (x3, w, b))


class BatchNorm(Function):
    """Training mode: normalize with the batch statistics and update the running ones."""

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, eps, running_mean, running_var, momentum):
        n = x.shape[0]
        x3 = x.reshape(_ncl(x.shape))
        m = n * x3.shape[2]
        xk, wk, bk = _kernel_arrays(x3, w, b)
        out, mean, var, invstd = batch_norm_forward(xk, wk, bk, eps)
        # The running statistics are updated here, on their arrays, as PyTorch's kernel does:
        # it costs no extra outputs; the caller bumps their version counters.
        if running_mean is not None:
            running_mean *= 1.0 - momentum
            running_mean += momentum * mean.astype(x.dtype, copy=False)
        if running_var is not None:
            running_var *= 1.0 - momentum
            running_var += (momentum * m / (m - 1)) * var.astype(x.dtype, copy=False)
        ctx.eps = eps
        ctx.save_for_backward(x, w, mean, invstd)
        return out.astype(x.dtype, copy=False).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, w, mean, invstd = ctx.saved_tensors
        if isinstance(g, Tensor):
            return (*_bn_graph_backward(x, w, g, ctx.eps), None, None, None, None)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        x3 = x.reshape(_ncl(x.shape))
        xk, wk, _ = _kernel_arrays(x3, w, None)
        gk = np.ascontiguousarray(g.reshape(x3.shape), dtype=xk.dtype)
        dx, dw, gsum = batch_norm_backward(gk, xk, mean, invstd, wk, need_x)
        dt = x.dtype
        if dx is not None:
            dx = dx.astype(dt, copy=False).reshape(x.shape)
        dw = dw.astype(dt, copy=False) if need_w else None
        db = gsum.astype(dt, copy=False) if need_b else None
        return dx, dw, db, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, tw, tb, *_):
        x, w = ctx.primals[:2]
        has_x, has_w, has_b = ctx.has_tangent[:3]
        _, _, mean, invstd = ctx.saved_tensors
        xc = x.reshape(_ncl(x.shape)) - mean.astype(x.dtype, copy=False)[:, None]
        invstd = invstd.astype(x.dtype, copy=False)
        xhat = xc * invstd[:, None]
        out = 0.0
        if has_x:  # d xhat = invstd (dx - mean(dx) - xhat mean(xhat dx)), per channel
            t3 = tx.reshape(xc.shape)
            tc = t3 - t3.mean(axis=(0, 2), keepdims=True)
            dxhat = (tc - xhat * (tc * xhat).mean(axis=(0, 2), keepdims=True)) * invstd[:, None]
            out = dxhat if w is None else dxhat * w[:, None]
        if has_w:
            out = out + xhat * tw[:, None]
        if has_b:
            out = out + tb[:, None]
        return np.broadcast_to(out, xc.shape).reshape(x.shape)


class BatchNormEval(Function):
    """Evaluation mode: one affine map per channel from the running statistics."""

    @staticmethod
    def forward(ctx, x, running_mean, running_var, w, b, eps):
        scale = 1.0 / np.sqrt(running_var + eps)
        if w is not None:
            scale *= w
        shift = -running_mean * scale
        if b is not None:
            shift += b
        out = x.reshape(_ncl(x.shape)) * scale[:, None]
        out += shift[:, None]
        ctx.eps = eps
        ctx.save_for_backward(x, running_mean, running_var, w)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        # Every quantity is recomputed from inputs, so one rule serves arrays and Tensors.
        x, rm, rv, w = ctx.saved_tensors
        need_x, need_rm, need_rv, need_w, need_b = ctx.needs_input_grad[:5]
        c = x.shape[1]
        g3 = g.reshape(_ncl(x.shape))
        invstd = (rv + ctx.eps) ** -0.5
        scale = invstd if w is None else invstd * w
        dx = drm = drv = dw = gsum = None
        if need_x:
            dx = (g3 * scale.reshape(1, c, 1)).reshape(x.shape)
        if need_rm or need_b:
            gsum = g3.sum(axis=(0, 2))
            if need_rm:
                drm = -gsum * scale
        if need_rv or need_w:
            gxc = (g3 * (x.reshape(_ncl(x.shape)) - rm.reshape(1, c, 1))).sum(axis=(0, 2))
            if need_rv:
                drv = gxc * (-0.5 * invstd**3) if w is None else gxc * w * (-0.5 * invstd**3)
            if need_w:
                dw = gxc * invstd
        return dx, drm, drv, dw, gsum if need_b else None, None

    @staticmethod
    def jvp(ctx, tx, trm, trv, tw, tb, eps):
        x, rm, rv, w = ctx.primals[:4]
        has = ctx.has_tangent
        x3 = x.reshape(_ncl(x.shape))
        invstd = (rv + eps) ** -0.5
        scale = invstd if w is None else invstd * w
        terms = [tx.reshape(x3.shape) * scale[:, None] if has[0] else None]
        if has[1]:
            terms.append(-(trm * scale)[:, None])
        if has[2] or has[3]:
            xc = x3 - rm[:, None]
            if has[2]:
                d_rv = trv * (-0.5 * invstd**3)
                terms.append(xc * (d_rv if w is None else d_rv * w)[:, None])
            if has[3]:
                terms.append(xc * (tw * invstd)[:, None])
        if has[4]:
            terms.append(tb[:, None])
        return np.broadcast_to(sum_terms(*terms), x3.shape).reshape(x.shape)


def _bn_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=2, max_dims=4, max_side=3))
    training = draw(st.booleans())
    if training and math.prod(shape) // shape[1] < 2:
        shape = (shape[0] + 1,) + shape[1:]
    c = shape[1]
    x = draw(testing.arrays(shape, dtype))
    w = draw(st.none() | testing.arrays((c,), dtype, low=0.5, high=2.0))
    b = draw(st.none() | testing.arrays((c,), dtype))
    if training:
        rm = rv = None
    else:
        rm = draw(testing.arrays((c,), dtype))
        rv = draw(testing.arrays((c,), dtype, low=0.5, high=2.0))
    return Sample((x, rm, rv, w, b, training, 0.1, 1e-3))


def _bn_ref(x, rm, rv, w, b, training, momentum, eps):
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        axes = (0,) + tuple(range(2, x.ndim))
        rm, rv = x.mean(axis=axes), x.var(axis=axes)
    out = (x - rm.reshape(shape)) / np.sqrt(rv.reshape(shape) + eps)
    if w is not None:
        out = out * w.reshape(shape)
    return out if b is None else out + b.reshape(shape)


def _torch_batch_norm(torch, x, rm, rv, w, b, training, momentum, eps):
    if training:
        return torch.nn.functional.batch_norm(x, rm, rv, w, b, training, momentum, eps)
    # PyTorch does not differentiate its running statistics; ours are: check the same formula.
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    out = (x - rm.reshape(shape)) / torch.sqrt(rv.reshape(shape) + eps)
    out = out if w is None else out * w.reshape(shape)
    return out if b is None else out + b.reshape(shape)


@register(sample=_bn_sample, ref=_bn_ref, torch=_torch_batch_norm)
def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization of an ``(N, C, ...)`` input over every dim but the channel dim 1.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``. In training the batch statistics are
    used (biased variance) and the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased* batch variance
    for ``running_var``. Otherwise the running statistics normalize the input (one fused affine
    map, differentiable in every tensor argument). ``weight``/``bias``/running statistics are
    ``(C,)`` tensors of the input's dtype.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1.0], [3.0]])
    >>> rm, rv = autograd.zeros(1), autograd.ones(1)
    >>> autograd.batch_norm(x, rm, rv, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    >>> rm, rv
    (tensor([0.2000]), tensor([1.1000]))
    >>> autograd.batch_norm(x, rm, rv)
    tensor([[0.7628],
            [2.6697]])
    """
    x = _float_input("batch_norm", input, 2, "(N, C, ...)")
    xa = x._array
    cs, dt = (xa.shape[1],), xa.dtype
    rm = _param("batch_norm", "running_mean", running_mean, cs, dt)
    rv = _param("batch_norm", "running_var", running_var, cs, dt)
    w = _param("batch_norm", "weight", weight, cs, dt)
    b = _param("batch_norm", "bias", bias, cs, dt)
    if not training:
        if rm is None or rv is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when training=False"
            )
        return BatchNormEval.apply(x, rm, rv, w, b, eps)
    if xa.size // max(cs[0], 1) < 2:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, got input "
            f"shape {xa.shape}"
        )
    for name, t in (("running_mean", rm), ("running_var", rv)):
        if t is not None and t._requires_grad and grad_mode._state.grad_enabled:
            raise RuntimeError(
                f"batch_norm: {name} requires grad, but the running statistics are updated in "
                "place and are not differentiable; pass a tensor that does not require grad"
            )
    out = BatchNorm.apply(
        x, w, b, eps, None if rm is None else rm._array, None if rv is None else rv._array,
        momentum,
    )  # fmt: skip
    if rm is not None:
        rm._vc[0] += 1
    if rv is not None:
        rv._vc[0] += 1
    return out


# --------------------------------------------------------------------- layer / group norm
def _rows_graph_backward(
    x: Tensor, w: Any, g: Tensor, view: tuple, pshape: tuple, eps: float
) -> tuple:
    """Backward of :class:`GroupNormalize` with differentiable ops (for ``create_graph``)."""
    groups, d = view[1], view[2]
    x4 = x.reshape(*view)
    g4 = g.reshape(*view)
    xc = x4 - x4.mean(axis=(2, 3), keepdims=True)
    invstd = ((xc * xc).mean(axis=(2, 3), keepdims=True) + eps) ** -0.5
    xhat = xc * invstd
    db = g4.sum(axis=(0, 3)).reshape(pshape)
    dw = None
    if w is not None:
        dw = (g4 * xhat).sum(axis=(0, 3)).reshape(pshape)
        g4 = g4 * w.reshape(1, groups, d, 1)
    dx = invstd * (
        g4 - g4.mean(axis=(2, 3), keepdims=True)
        - xhat * (g4 * xhat).mean(axis=(2, 3), keepdims=True)
    )  # fmt: skip
    return dx.reshape(x.shape), dw, db


def _per_group(p: np.ndarray | None, groups: int, d: int) -> np.ndarray | None:
    # A (C,)-shaped (or normalized_shape) parameter as the kernels' (groups, D).
    return None if p is None else np.ascontiguousarray(p).reshape(groups, d)


class GroupNormalize(Function):
    """Standardize ``x`` seen as ``(B, G, D, L)`` over ``(D, L)``, then scale and shift by
    ``(G, D)`` parameters: layer norm is ``G = L = 1``, group norm ``B = N``."""

    @staticmethod
    def forward(ctx, x, w, b, view, pshape, eps):
        nb, groups, d, length = view
        rows = np.ascontiguousarray(x).reshape(nb * groups, d, length)
        out, mean, invstd = group_norm_forward(
            rows, _per_group(w, groups, d), _per_group(b, groups, d), groups, eps
        )
        ctx.view, ctx.pshape, ctx.eps = view, pshape, eps
        ctx.stats = (mean, invstd)  # float64 per row: with x, the standardized input
        ctx.save_for_backward(x, w)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        view = ctx.view
        if isinstance(g, Tensor):
            dx, dw, db = _rows_graph_backward(x, w, g, view, ctx.pshape, ctx.eps)
            return dx, dw, db, None, None, None
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        nb, groups, d, length = view
        rows = (nb * groups, d, length)
        g3 = np.ascontiguousarray(g, dtype=x.dtype).reshape(rows)
        x3 = np.ascontiguousarray(x).reshape(rows)
        dx, dw, db = group_norm_backward(
            g3, x3, *ctx.stats, _per_group(w, groups, d), groups, need_x
        )
        return (
            None if dx is None else dx.reshape(x.shape),
            dw.reshape(ctx.pshape) if need_w else None,
            db.reshape(ctx.pshape) if need_b else None,
            None, None, None,
        )  # fmt: skip

    @staticmethod
    def jvp(ctx, tx, tw, tb, view, pshape, eps):
        x, w = ctx.primals[:2]
        has_x, has_w, has_b = ctx.has_tangent[:3]
        mean, invstd = ctx.stats
        nb, groups, d, length = view
        xhat = standardized(np.reshape(x, (nb * groups, d * length)), mean, invstd)
        invstd = invstd.astype(xhat.dtype)
        out = 0.0
        if has_x:  # d xhat = invstd (dx - mean(dx) - xhat mean(xhat dx)), per row
            tr = tx.reshape(xhat.shape)
            tc = tr - tr.mean(axis=1, keepdims=True)
            dxhat = (tc - xhat * (tc * xhat).mean(axis=1, keepdims=True)) * invstd[:, None]
            out = (
                dxhat.reshape(view) if w is None else dxhat.reshape(view) * w.reshape(groups, d, 1)
            )
        if has_w:
            out = out + xhat.reshape(view) * tw.reshape(groups, d, 1)
        if has_b:
            out = out + tb.reshape(groups, d, 1)
        return np.broadcast_to(out, view).reshape(x.shape)


# PyTorch's nodes for the two users of GroupNormalize's rules.
class NativeLayerNorm(GroupNormalize):
    pass


class NativeGroupNorm(GroupNormalize):
    pass


def _empty_norm(x: Tensor, w: Any, b: Any) -> Tensor:
    # Nothing to normalize: keep the output connected to every input, with zero gradients.
    out = x * 0.0
    for p in (w, b):
        if p is not None:
            out = out + p.sum() * 0.0
    return out


def _ln_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=1, max_dims=3))
    k = draw(st.integers(1, len(shape)))
    ns = shape[len(shape) - k :]
    x = draw(testing.arrays(shape, dtype))
    w = draw(st.none() | testing.arrays(ns, dtype, low=0.5, high=2.0))
    b = draw(st.none() | testing.arrays(ns, dtype))
    return Sample((x, ns, w, b, 1e-3))


def _ln_ref(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    out = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


@register(sample=_ln_sample, ref=_ln_ref)
def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dims (biased variance), then scale by
    ``weight`` and shift by ``bias`` (both of shape ``normalized_shape``) elementwise.

    Examples
    --------
    >>> import autograd
    >>> autograd.layer_norm(autograd.tensor([[1.0, 3.0], [2.0, 2.0]]), (2,))
    tensor([[-1.0000,  1.0000],
            [ 0.0000,  0.0000]])
    """
    op = "layer_norm"
    x = _float_input(op, input, 1, "(*, *normalized_shape)")
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    ns = tuple(normalized_shape)
    shape = x._array.shape
    k = len(ns)
    if k == 0 or k > len(shape) or shape[len(shape) - k :] != ns:
        raise ValueError(f"{op}: input shape {shape} does not end with normalized_shape {ns}")
    w = _param(op, "weight", weight, ns, x._array.dtype)
    b = _param(op, "bias", bias, ns, x._array.dtype)
    d = math.prod(ns)
    if d == 0 or x._array.size == 0:
        return _empty_norm(x, w, b)
    return NativeLayerNorm.apply(x, w, b, (x._array.size // d, 1, d, 1), ns, eps)


def _gn_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    groups = draw(st.integers(1, 2))
    shape = draw(testing.shapes(min_dims=2, max_dims=4, max_side=3))
    shape = (shape[0], groups * shape[1]) + shape[2:]
    c = shape[1]
    x = draw(testing.arrays(shape, dtype))
    w = draw(st.none() | testing.arrays((c,), dtype, low=0.5, high=2.0))
    b = draw(st.none() | testing.arrays((c,), dtype))
    return Sample((x, groups, w, b, 1e-3))


def _gn_ref(x, num_groups, weight=None, bias=None, eps=1e-5):
    xr = x.reshape(x.shape[0], num_groups, -1)
    out = (xr - xr.mean(axis=2, keepdims=True)) / np.sqrt(xr.var(axis=2, keepdims=True) + eps)
    out = out.reshape(x.shape)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


@register(sample=_gn_sample, ref=_gn_ref)
def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) of an ``(N, C, ...)`` input into ``num_groups`` groups and
    normalize each group of each sample; then scale and shift per channel (``(C,)`` tensors).

    Examples
    --------
    >>> import autograd
    >>> autograd.group_norm(autograd.tensor([[1.0, 3.0, 0.0, 4.0]]), 2)
    tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    op = "group_norm"
    x = _float_input(op, input, 2, "(N, C, ...)")
    shape = x._array.shape
    n, c = shape[0], shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)):
        raise TypeError(f"{op}: num_groups must be an int, got {type(num_groups).__name__}")
    if num_groups <= 0 or c % num_groups:
        raise ValueError(
            f"{op}: num_groups ({num_groups}) must be positive and divide the number of "
            f"channels ({c})"
        )
    w = _param(op, "weight", weight, (c,), x._array.dtype)
    b = _param(op, "bias", bias, (c,), x._array.dtype)
    if x._array.size == 0:
        return _empty_norm(x, w, b)
    length = x._array.size // (n * c)
    view = (n, int(num_groups), c // num_groups, length)
    return NativeGroupNorm.apply(x, w, b, view, (c,), eps)
