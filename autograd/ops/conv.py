"""Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d (PyTorch's semantics).

Everything is one 2-D convolution ``y = conv(x, w)`` (1-D ops run it with height 1) and its
two adjoints, each a bilinear Function of two arrays:

- ``Conv2d(x, w) -> y``                  (kernel ``conv2d_forward``)
- ``Conv2dInputGrad(g, w) -> gx``        (``conv2d_backward_input``; this IS the transposed conv)
- ``Conv2dWeightGrad(x, g) -> gw``       (``conv2d_backward_weight``)

The backward of each is written with the other two (a bilinear map's derivative in one
argument is the map with that argument replaced), so ``gradgradcheck`` passes to any order.
In the ordinary backward (arrays in) the rules call the kernels directly; under
``create_graph`` (Tensors in) they call the Functions, which records the second-order graph.

A transposed convolution is ``Conv2dInputGrad`` with the roles of the arrays swapped: its
weight ``(C_in, C_out // groups, kh, kw)`` is a valid conv weight from ``C_out`` to ``C_in``
channels.

Arguments are checked once, by :mod:`autograd.kernels._args` (shared with pooling), as PyTorch
takes them; the kernels then trust the normalized geometry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import Function, name_node
from ..kernels import _args
from ..kernels import conv as _k
from ..tensor import Tensor
from ._conv_samples import (
    sample_conv1d,
    sample_conv2d,
    sample_conv_transpose1d,
    sample_conv_transpose2d,
)
from ._jvp import multilinear_jvp
from ._util import float_tensor
from .elementwise import to_dtype
from .registry import register

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def _functional(name: str) -> Any:
    """The PyTorch oracle for the registry: ``torch.nn.functional.<name>`` (``torch.<name>``
    can be a different, lower-level function)."""
    return lambda torch, *args, **kwargs: getattr(torch.nn.functional, name)(*args, **kwargs)


# (stride, padding, dilation, groups), the 2-D geometry every Function here takes.
Geom = _args.ConvGeometry


# ------------------------------------------------------------------------- array/Tensor rules
def _same_dtype(g: np.ndarray, like: np.ndarray) -> np.ndarray:
    return g if g.dtype == like.dtype else g.astype(like.dtype)


def _crop(y: Any, shape: tuple) -> Any:
    """``y`` cut to the spatial size of ``shape`` (a smaller conv output; see the kernels)."""
    if tuple(y.shape[2:]) == tuple(shape[2:]):
        return y
    return y[:, :, : shape[2], : shape[3]]


def _conv(x: Any, w: Any, geom: Geom) -> Any:
    if type(x) is np.ndarray and type(w) is np.ndarray:
        return _k.conv2d_forward(_same_dtype(x, w), w, *geom)
    return Conv2d.apply(x, w, None, geom=geom)


def _input_grad(g: Any, w: Any, x_shape: tuple, geom: Geom) -> Any:
    if type(g) is np.ndarray and type(w) is np.ndarray:
        return _k.conv2d_backward_input(_same_dtype(g, w), w, x_shape, *geom)
    return Conv2dInputGrad.apply(g, w, None, x_shape=tuple(x_shape), geom=geom)


def _weight_grad(x: Any, g: Any, w_shape: tuple, geom: Geom) -> Any:
    if type(x) is np.ndarray and type(g) is np.ndarray:
        return _k.conv2d_backward_weight(x, _same_dtype(g, x), w_shape, *geom)
    return Conv2dWeightGrad.apply(x, g, w_shape=tuple(w_shape), geom=geom)


def _bias_grad(g: Any) -> Any:
    if type(g) is np.ndarray and g.ndim == 4:
        return _k.channel_sums(g)
    return g.sum(axis=(0, 2, 3))


class Conv2d(Function):
    """``y = conv2d(x, w) + b`` on NCHW arrays."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        ctx.geom = geom
        ctx.save_for_backward(x, w)
        # Some paths need finite operands: x and w are checked at most once, and the answers
        # are kept for backward (saved arrays are version-checked, so they cannot change
        # meanwhile; each check reads a whole array). The kernels add the bias while they
        # write y (a separate pass costs ~0.5 ms per 8 MB).
        y, ctx.finite = _k.conv2d_forward(x, w, *geom, bias=b, return_finite=True)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if type(x) is np.ndarray and type(g) is np.ndarray and type(w) is np.ndarray:
            # Where a kernel path can, it reads g once for all three gradients.
            mask = (need_x, need_w, need_b)
            return _k.conv2d_backward(x, _same_dtype(g, x), w, *ctx.geom, mask, ctx.finite)
        gx = _input_grad(g, w, x.shape, ctx.geom) if need_x else None
        gw = _weight_grad(x, g, w.shape, ctx.geom) if need_w else None
        return gx, gw, (_bias_grad(g) if need_b else None)

    @staticmethod
    def jvp(ctx, tx, tw, tb, geom):
        # Bilinear in (x, w), plus the bias: conv(tx, w) + conv(x, tw) + tb.
        out = multilinear_jvp(ctx, (tx, tw, None), (0, 1), replace={2: None}, geom=geom)
        return out + tb.reshape(-1, 1, 1) if ctx.has_tangent[2] else out


class Conv2dInputGrad(Function):
    """``gx = conv2d_backward_input(g, w) + b``: the input gradient, and the transposed conv."""

    @staticmethod
    def forward(ctx, g, w, b, x_shape, geom):
        ctx.geom = geom
        ctx.save_for_backward(g, w)
        # What the checks found of g and w (saved: an in-place change is caught before reuse).
        gx, ctx.finite = _k.conv2d_backward_input(g, w, x_shape, *geom, return_finite=True, bias=b)
        return gx

    @staticmethod
    def backward(ctx, h):
        g, w = ctx.saved_tensors
        need_g, need_w, need_b = ctx.needs_input_grad
        # <conv_input_grad(g, w), h> = <g, conv(h, w)> = <conv_weight_grad(h, g), w>
        arrays = type(h) is np.ndarray and type(g) is np.ndarray and type(w) is np.ndarray
        gb = _bias_grad(h) if need_b else None
        if need_g and need_w and arrays and h.dtype == w.dtype:
            # conv_transpose2d's backward: both products read one column matrix (or transform)
            # of h. What is known of w and g comes from the forward; h's sums (the bias
            # gradient) tell whether h is finite without another pass over it.
            _, known_w, known_g = ctx.finite
            known_h = bool(np.isfinite(gb).all()) if type(gb) is np.ndarray else None
            known_g = known_g if g.dtype == h.dtype else None
            known = (known_h, known_w, known_g)
            gg, gw = _k.conv2d_forward_and_weight_grad(
                h, w, _same_dtype(g, h), *ctx.geom, finite=known
            )
            gg = _crop(gg, g.shape)
        else:
            gg = _crop(_conv(h, w, ctx.geom), g.shape) if need_g else None
            gw = _weight_grad(h, g, w.shape, ctx.geom) if need_w else None
        return gg, gw, gb

    @staticmethod
    def jvp(ctx, tg, tw, tb, x_shape, geom):
        out = multilinear_jvp(ctx, (tg, tw, None), (0, 1), replace={2: None}, x_shape=x_shape,
                              geom=geom)  # fmt: skip
        return out + tb.reshape(-1, 1, 1) if ctx.has_tangent[2] else out


class Conv2dWeightGrad(Function):
    """``gw = conv2d_backward_weight(x, g)``."""

    @staticmethod
    def forward(ctx, x, g, w_shape, geom):
        ctx.geom = geom
        ctx.save_for_backward(x, g)
        return _k.conv2d_backward_weight(x, g, w_shape, *geom)

    @staticmethod
    def backward(ctx, h):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad
        # <conv_weight_grad(x, g), h> = <g, conv(x, h)> = <conv_input_grad(g, h), x>
        gx = _input_grad(g, h, x.shape, ctx.geom) if need_x else None
        gg = _crop(_conv(x, h, ctx.geom), g.shape) if need_g else None
        return gx, gg

    @staticmethod
    def jvp(ctx, tx, tg, w_shape, geom):
        return multilinear_jvp(ctx, (tx, tg), (0, 1), w_shape=w_shape, geom=geom)


# ------------------------------------------------------------------------- operands and shapes
def _operands(op: str, input: Any, weight: Any, bias: Any) -> tuple[Tensor, Tensor, Any]:
    """Float tensors of one (promoted) dtype; ``bias`` may be None."""
    x = float_tensor(input, "input")
    w = float_tensor(weight, "weight")
    b = None if bias is None else float_tensor(bias, "bias")
    dt = x._array.dtype
    if w._array.dtype != dt or (b is not None and b._array.dtype != dt):
        for t in (w, b):
            if t is not None:
                dt = _dt.promote(dt, t._array.dtype)
        x, w = to_dtype(x, dt), to_dtype(w, dt)
        b = None if b is None else to_dtype(b, dt)
    return x, w, b


def _check_bias(op: str, b: Any, channels: int) -> None:
    if b is not None and b.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {b.shape}")


def _as_batched(x: Tensor, nd: int) -> Tensor:
    """(N, C, L) -> (N, C, 1, L); (C, ...) -> (1, C, ...)."""
    if x.ndim == nd + 1:
        x = x.reshape((1, *x.shape))
    if nd == 1:
        x = x.reshape((x.shape[0], x.shape[1], 1, x.shape[2]))
    return x


def _restore(y: Tensor, nd: int, unbatched: bool, node: str | None = None) -> Tensor:
    """The inverse of :func:`_as_batched` on an output; its node gets PyTorch's name ``node``
    (the reshapes are ours, PyTorch's node is the op's own or a squeeze)."""
    if nd == 1:
        y = y.reshape((y.shape[0], y.shape[1], y.shape[3]))
    if unbatched:
        y = y.reshape(y.shape[1:])
    if node is not None and y.grad_fn is not None and y.grad_fn.name() != node:
        name_node(y, node)
    return y


def _as_2d_weight(w: Tensor, nd: int) -> Tensor:
    return w if nd == 2 else w.reshape((w.shape[0], w.shape[1], 1, w.shape[2]))


# ------------------------------------------------------------------------- conv1d / conv2d
def _conv_forward(
    op: str, nd: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
    dilation: Any, groups: Any,
) -> Tensor:  # fmt: skip
    x, w, b = _operands(op, input, weight, bias)
    geom, crop = _args.conv_args(op, nd, x.shape, w.shape, stride, padding, dilation, groups)
    _check_bias(op, b, w.shape[0])
    y = Conv2d.apply(_as_batched(x, nd), _as_2d_weight(w, nd), b, geom=geom)
    if any(crop):
        y = y[:, :, crop[0] :, crop[1] :]
    unbatched = x.ndim == nd + 1
    return _restore(y, nd, unbatched, "SqueezeBackward1" if unbatched else "ConvolutionBackward0")


@register(sample=sample_conv1d, torch=_functional("conv1d"))
def conv1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, dilation: Any = 1, groups: int = 1,
) -> Tensor:  # fmt: skip
    """1-D cross-correlation over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``) input.

    Arguments as :func:`conv2d` with one spatial axis: ``weight`` is
    ``(C_out, C_in // groups, k)``; ``stride``, ``padding``, ``dilation`` are ints or 1-tuples.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    >>> autograd.conv1d(x, autograd.tensor([[[1.0, -1.0]]]))
    tensor([[[-1., -1., -1.]]])
    """
    return _conv_forward("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@register(sample=sample_conv2d, torch=_functional("conv2d"))
def conv2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, dilation: Any = 1, groups: int = 1,
) -> Tensor:  # fmt: skip
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    input : Tensor, shape (N, C_in, H, W) or unbatched (C_in, H, W)
    weight : Tensor, shape (C_out, C_in // groups, kH, kW)
    bias : Tensor of shape (C_out,), optional
    stride, dilation : int or tuple of 1 or 2 ints
        Positive; a single value stands for both axes.
    padding : int, tuple of 1 or 2 ints, "valid" or "same"
        Zero padding on both sides. ``"same"`` (stride 1 only) keeps the input size, padding
        ``total // 2`` before and the rest after, as PyTorch does for even kernels.
    groups : int
        Channel groups; ``C_in`` and ``C_out`` divisible by it (``groups = C_in`` is depthwise).

    Returns
    -------
    Tensor, shape (N, C_out, H_out, W_out)
        ``H_out = (H + 2*padding - dilation*(kH - 1) - 1) // stride + 1``. Inputs of different
        float dtypes are promoted to one; integer inputs become float32.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(1, 1, 3, 3, requires_grad=True)
    >>> y = autograd.conv2d(x, autograd.ones(2, 1, 2, 2), padding=1)
    >>> y.shape
    (1, 2, 4, 4)
    >>> y.sum().backward()
    >>> x.grad[0, 0]
    tensor([[8., 8., 8.],
            [8., 8., 8.],
            [8., 8., 8.]])
    """
    return _conv_forward("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


# ------------------------------------------------------------------------- transposed convs
def _conv_transpose_forward(
    op: str, nd: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
    output_padding: Any, groups: Any, dilation: Any,
) -> Tensor:  # fmt: skip
    x, w, b = _operands(op, input, weight, bias)
    geom, out = _args.conv_transpose_args(op, nd, x.shape, w.shape, stride, padding,
                                          output_padding, groups, dilation)  # fmt: skip
    c_out = w.shape[1] * geom.groups
    _check_bias(op, b, c_out)
    x4 = _as_batched(x, nd)
    out_shape = (x4.shape[0], c_out, *out)
    y = Conv2dInputGrad.apply(x4, _as_2d_weight(w, nd), b, x_shape=out_shape, geom=geom)
    unbatched = x.ndim == nd + 1
    return _restore(y, nd, unbatched, "SqueezeBackward1" if unbatched else "ConvolutionBackward0")


@register(sample=sample_conv_transpose1d, torch=_functional("conv_transpose1d"))
def conv_transpose1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """1-D transposed convolution over ``(N, C_in, L)`` (or ``(C_in, L)``) input.

    Arguments as :func:`conv_transpose2d` with one spatial axis; ``weight`` is
    ``(C_in, C_out // groups, k)``.

    Examples
    --------
    >>> import autograd
    >>> autograd.conv_transpose1d(autograd.ones(1, 1, 2), autograd.ones(1, 1, 3), stride=2)
    tensor([[[1., 1., 2., 1., 1.]]])
    """
    return _conv_transpose_forward("conv_transpose1d", 1, input, weight, bias, stride, padding,
                                   output_padding, groups, dilation)  # fmt: skip


@register(sample=sample_conv_transpose2d, torch=_functional("conv_transpose2d"))
def conv_transpose2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """2-D transposed convolution (the adjoint of :func:`conv2d`), as PyTorch's.

    Parameters
    ----------
    input : Tensor, shape (N, C_in, H, W) or unbatched (C_in, H, W)
    weight : Tensor, shape (C_in, C_out // groups, kH, kW)
    bias : Tensor of shape (C_out,), optional
    stride, padding, dilation : int or tuple of 1 or 2 ints
        Those of the convolution this one is the adjoint of.
    output_padding : int or tuple of 1 or 2 ints
        Extra rows/columns added on one side of the output; smaller than stride or dilation.
    groups : int

    Returns
    -------
    Tensor, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(1, 1, 2, 2)
    >>> autograd.conv_transpose2d(x, autograd.ones(1, 1, 2, 2), stride=2)[0, 0]
    tensor([[1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.]])
    """
    return _conv_transpose_forward("conv_transpose2d", 2, input, weight, bias, stride, padding,
                                   output_padding, groups, dilation)  # fmt: skip
