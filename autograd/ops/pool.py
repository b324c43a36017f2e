"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool2d, adaptive_max_pool2d.

Every op runs the 2-D kernels of :mod:`autograd.kernels.pool` on NCHW arrays (1-D ops with
height 1, unbatched inputs with a batch of 1). Second order comes from linear Functions:

- max pooling saves where each window's maximum came from (an :class:`_Argmax`); its backward
  is ``MaxPoolScatter`` (add each output gradient at its argmax), whose backward is the same
  Function with ``gather`` (read an input-shaped array at the argmaxes), whose backward is the
  scatter;
- average pooling's backward is its adjoint ``AvgPool2dAdjoint`` (spread each gradient over its
  window), whose backward is average pooling itself; the same holds for the adaptive average.

In the ordinary backward (arrays in) the rules call the kernels directly; under
``create_graph`` (Tensors in) they call the Functions. Arguments are checked once, by
:mod:`autograd.kernels._args` (shared with the convolutions), as PyTorch takes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, linear_jvp, name_node
from ..kernels import _args
from ..kernels import pool as _k
from ..tensor import Tensor
from ._linear import LinearOp
from ._util import float_tensor
from .conv import _as_batched, _functional, _restore
from .registry import Sample, register

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
]  # fmt: skip


# ------------------------------------------------------------------------- max: scatter/gather
class _Argmax:
    """Where each output of a max pool took its value from, for a given input shape.

    ``window`` holds the kernel's in-window offsets ``i*kw + j`` (max_pool2d, with ``geom``) or
    is None when ``flat`` already holds flat in-plane indices (adaptive max pool).
    """

    __slots__ = ("x_shape", "window", "geom", "_flat")

    def __init__(self, x_shape: tuple, window: Any, geom: Any, flat: Any = None) -> None:
        self.x_shape, self.window, self.geom, self._flat = tuple(x_shape), window, geom, flat

    def flat(self) -> np.ndarray:
        """int64 index ``ih*W + iw`` of each output's source in its plane (-1: none)."""
        if self._flat is None:
            k, s, p, d, _ = self.geom
            at = self.window.astype(np.int64)
            oh, ow = at.shape[2:]
            ih = np.arange(oh).reshape(-1, 1) * s[0] - p[0] + (at // k[1]) * d[0]
            iw = np.arange(ow) * s[1] - p[1] + (at % k[1]) * d[1]
            self._flat = np.where(at >= 0, ih * self.x_shape[3] + iw, -1)
        return self._flat

    def scatter(self, g: np.ndarray) -> np.ndarray:
        if self.window is not None:
            return _k.max_pool2d_backward(g, self.window, self.x_shape, *self.geom)
        return _k.adaptive_max_pool2d_backward(g, self._flat, self.x_shape)

    def gather(self, h: np.ndarray) -> np.ndarray:
        n, c, hh, ww = self.x_shape
        flat = self.flat()
        planes = np.ascontiguousarray(h).reshape(n, c, hh * ww)
        index = flat.reshape(n, c, -1)
        out = np.take_along_axis(planes, np.maximum(index, 0), axis=2)
        if self.window is not None and (index < 0).any():
            out = np.where(index < 0, 0, out)
        return out.reshape(flat.shape)


def _argmax_map(v: Any, where: _Argmax, gather: bool) -> Any:
    if type(v) is np.ndarray:
        return where.gather(v) if gather else where.scatter(v)
    return MaxPoolScatter.apply(v, where=where, gather=gather)


class MaxPoolScatter(Function):
    """``gx``: each output gradient added at its window's argmax (max pooling's backward); with
    ``gather``, its adjoint: an input-shaped array read at every window's argmax. Both are
    linear, and the backward of each is the other."""

    @staticmethod
    def forward(ctx, v, where, gather):
        ctx.where, ctx.gather = where, gather
        return where.gather(v) if gather else where.scatter(v)

    @staticmethod
    def backward(ctx, g):
        return _argmax_map(g, ctx.where, not ctx.gather)

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class _MaxPool(Function):
    """The rules of the max pools, whose forward saves an :class:`_Argmax` as ``ctx.where``."""

    @staticmethod
    def backward(ctx, g, *_):
        return _argmax_map(g, ctx.where, gather=False)

    @staticmethod
    def jvp(ctx, tx, *args, indices, **kwargs):
        t = ctx.where.gather(tx)  # each output's tangent is its window's argmax's
        return (t, None) if indices else t


class MaxPool2d(_MaxPool):
    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, geom, indices):
        y, window = _k.max_pool2d_forward(x, *geom)
        ctx.where = _Argmax(x.shape, window, geom)
        return (y, ctx.where.flat().copy()) if indices else y


_AMAX_NODE = "AdaptiveMaxPool2DBackward0"


class AdaptiveMaxPool2d(_MaxPool):
    node_name = _AMAX_NODE

    @staticmethod
    def forward(ctx, x, output_size, indices):
        y, flat = _k.adaptive_max_pool2d_forward(x, output_size)
        ctx.where = _Argmax(x.shape, None, None, flat)
        return (y, flat.copy()) if indices else y


# ------------------------------------------------------------------------- average pooling
def _avg_forward(x: np.ndarray, geom: Any) -> np.ndarray:
    if geom[0] == "adaptive":
        return _k.adaptive_avg_pool2d_forward(x, geom[1])
    return _k.avg_pool2d_forward(x, *geom)


def _avg_spread(g: np.ndarray, geom: Any, x_shape: tuple) -> np.ndarray:
    if geom[0] == "adaptive":
        return _k.adaptive_avg_pool2d_backward(g, x_shape)
    return _k.avg_pool2d_backward(g, x_shape, *geom)


class AvgPool2d(LinearOp):
    """Average pooling; ``params`` is the kernel's arguments or ``("adaptive", output_size)``."""

    node_name = "AvgPool2DBackward0"
    array_map = staticmethod(_avg_forward)
    array_adjoint = staticmethod(_avg_spread)


# ------------------------------------------------------------------------- max_pool1d/2d
def _max_pool(
    op: str, nd: int, input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
    ceil_mode: bool, return_indices: bool,
) -> Any:  # fmt: skip
    x = float_tensor(input, "input")
    geom = _args.pool_args(op, nd, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    unbatched = x.ndim == nd + 1
    out = MaxPool2d.apply(_as_batched(x, nd), geom=geom, indices=bool(return_indices))
    # PyTorch's max_pool1d squeezes a 2-D pool
    node = "SqueezeBackward1" if nd == 1 else "MaxPool2DWithIndicesBackward0"
    if return_indices:
        return _restore(out[0], nd, unbatched, node), _restore(out[1], nd, unbatched)
    return _restore(out, nd, unbatched, node)


def _draw_window(draw: Any, nd: int, dilation: bool) -> tuple:
    from hypothesis import strategies as st

    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    p = tuple(draw(st.integers(0, ki // 2)) for ki in k)
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if dilation else (1,) * nd
    # Inputs at least one dilated window long: no window then lies in the padding only.
    top = 5 if nd == 2 else 7
    spatial = tuple(draw(st.integers(di * (ki - 1) + 1, top)) for di, ki in zip(d, k))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
    kwargs = {"kernel_size": k, "padding": p, "ceil_mode": draw(st.booleans())}
    if draw(st.booleans()):
        kwargs["stride"] = s
    if dilation:
        kwargs["dilation"] = d
    return shape, kwargs


def _sample_max_pool(nd: int) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        shape, kwargs = _draw_window(draw, nd, True)
        kwargs["return_indices"] = draw(st.booleans())
        return Sample((draw(testing.arrays(shape, dtype)),), kwargs)

    return sample


@register(sample=_sample_max_pool(1), torch=_functional("max_pool1d"))
def max_pool1d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """1-D max pooling over ``(N, C, L)`` (or ``(C, L)``) input; see :func:`max_pool2d`.

    Examples
    --------
    >>> import autograd
    >>> autograd.max_pool1d(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[3., 2.]]])
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)  # fmt: skip


@register(sample=_sample_max_pool(2), torch=_functional("max_pool2d"))
def max_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding, dilation : int or tuple of 1 or 2 ints
        ``stride`` defaults to ``kernel_size``; ``padding`` (implicit -inf) is at most half the
        kernel.
    ceil_mode : bool
        Round the output size up (a window must still start inside the input or left padding).
    return_indices : bool
        Also return, per output, the flat index ``h*W + w`` of its maximum in its input plane
        (int64), as PyTorch does.

    Returns
    -------
    Tensor, or (Tensor, Tensor) with ``return_indices``

    Notes
    -----
    Ties go to the first maximum in row-major window order and NaN wins (PyTorch's rule); the
    gradient of an output goes to that one element.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> autograd.max_pool2d(x, 2, return_indices=True)
    (tensor([[[[4.]]]]), tensor([[[[2]]]]))
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)  # fmt: skip


# ------------------------------------------------------------------------- avg_pool1d/2d
def _avg_pool(
    op: str, nd: int, input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
    count_include_pad: bool, divisor_override: Any,
) -> Tensor:  # fmt: skip
    x = float_tensor(input, "input")
    k, s, p, _, ceil = _args.pool_args(op, nd, x.shape, kernel_size, stride, padding, 1, ceil_mode)
    geom = (k, s, p, ceil, bool(count_include_pad), _args.divisor_arg(op, divisor_override))
    y = AvgPool2d.apply(_as_batched(x, nd), params=geom)
    node = "SqueezeBackward1" if nd == 1 else "AvgPool2DBackward0"  # avg_pool1d squeezes
    return _restore(y, nd, x.ndim == nd + 1, node)


def _sample_avg_pool(nd: int) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        shape, kwargs = _draw_window(draw, nd, False)
        kwargs["count_include_pad"] = draw(st.booleans())
        if nd == 2 and draw(st.booleans()):
            kwargs["divisor_override"] = draw(st.integers(1, 5))
        return Sample((draw(testing.arrays(shape, dtype)),), kwargs)

    return sample


@register(sample=_sample_avg_pool(1), torch=_functional("avg_pool1d"))
def avg_pool1d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
    ceil_mode: bool = False, count_include_pad: bool = True,
) -> Tensor:  # fmt: skip
    """1-D average pooling over ``(N, C, L)`` (or ``(C, L)``) input; see :func:`avg_pool2d`.

    Examples
    --------
    >>> import autograd
    >>> autograd.avg_pool1d(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[2., 1.]]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)  # fmt: skip


@register(sample=_sample_avg_pool(2), torch=_functional("avg_pool2d"))
def avg_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:  # fmt: skip
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding : int or tuple of 1 or 2 ints
        ``stride`` defaults to ``kernel_size``; zero ``padding`` is at most half the kernel.
    ceil_mode : bool
        Round the output size up.
    count_include_pad : bool
        Whether the zero padding counts in each window's divisor.
    divisor_override : int, optional
        Divide every window's sum by this instead.

    Examples
    --------
    >>> import autograd
    >>> autograd.avg_pool2d(autograd.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)  # fmt: skip


# ------------------------------------------------------------------------- adaptive pooling
def _sample_adaptive(max_pool: bool) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        ndim = draw(st.sampled_from([3, 4]))
        shape = tuple(draw(st.integers(1, 2)) for _ in range(ndim - 2))
        shape += (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
        size = st.integers(1, 4)
        out = draw(st.one_of(size, st.tuples(st.one_of(size, st.none()), size)))
        kwargs: dict = {"output_size": out}
        if max_pool:
            kwargs["return_indices"] = draw(st.booleans())
        return Sample((draw(testing.arrays(shape, dtype)),), kwargs)

    return sample


@register(sample=_sample_adaptive(False), torch=_functional("adaptive_avg_pool2d"))
def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive windows to ``output_size`` (1 = global average pooling).

    Output cell ``i`` of an axis of length ``S`` pools ``[floor(i*S/out), ceil((i+1)*S/out))``.
    A None entry in ``output_size`` keeps that input size.

    Examples
    --------
    >>> import autograd
    >>> autograd.adaptive_avg_pool2d(autograd.arange(8.0).reshape(1, 2, 2, 2), 1)
    tensor([[[[1.5000]],
    <BLANKLINE>
             [[5.5000]]]])
    """
    op = "adaptive_avg_pool2d"
    x = float_tensor(input, "input")
    size = _args.adaptive_output_size(op, x.shape, output_size)
    # PyTorch takes a mean for a 1 x 1 output
    node = "MeanBackward1" if tuple(size) == (1, 1) else "AdaptiveAvgPool2DBackward0"
    return _restore(AvgPool2d.apply(_as_batched(x, 2), params=("adaptive", size)), 2, x.ndim == 3,
                    node)  # fmt: skip


@register(sample=_sample_adaptive(True), torch=_functional("adaptive_max_pool2d"))
def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over PyTorch's adaptive windows (see :func:`adaptive_avg_pool2d`).

    With ``return_indices`` also returns the int64 flat in-plane index of each maximum. Ties go
    to the first maximum, NaN wins.

    Examples
    --------
    >>> import autograd
    >>> autograd.adaptive_max_pool2d(autograd.tensor([[[[1.0, 4.0, 2.0]]]]), (1, 2))
    tensor([[[[4., 4.]]]])
    """
    op = "adaptive_max_pool2d"
    x = float_tensor(input, "input")
    size = _args.adaptive_output_size(op, x.shape, output_size)
    unbatched = x.ndim == 3
    out = AdaptiveMaxPool2d.apply(_as_batched(x, 2), output_size=size, indices=bool(return_indices))
    if return_indices:
        return _restore(out[0], 2, unbatched, _AMAX_NODE), _restore(out[1], 2, unbatched)
    return _restore(out, 2, unbatched, _AMAX_NODE)


# ------------------------------------------------------------------- adaptive 1-D pooling
def _adaptive_1d_size(op: str, x: Tensor, output_size: Any) -> int:
    """An adaptive 1-D pool's ``output_size`` (an int or a 1-tuple) for ``(N, C, L)`` or
    ``(C, L)`` input, or an error naming the argument."""
    if x.ndim not in (2, 3):
        raise ValueError(
            f"{op}: expected input of shape (N, C, L) or (C, L), got shape {tuple(x.shape)}"
        )
    size = output_size
    if isinstance(size, (tuple, list)) and len(size) == 1:
        size = size[0]
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise TypeError(f"{op}: output_size must be a positive int, got {output_size!r}")
    return int(size)


def _sample_adaptive_1d(max_pool: bool) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        shape = tuple(draw(st.integers(1, 2)) for _ in range(draw(st.sampled_from([1, 2]))))
        x = draw(testing.arrays(shape + (draw(st.integers(1, 6)),), dtype))
        kwargs: dict = {"output_size": draw(st.integers(1, 4))}
        if max_pool:
            kwargs["return_indices"] = draw(st.booleans())
        return Sample((x,), kwargs)

    return sample


@register(sample=_sample_adaptive_1d(False), torch=_functional("adaptive_avg_pool1d"))
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive windows (see :func:`adaptive_avg_pool2d`) of
    ``(N, C, L)`` or ``(C, L)`` input to length ``output_size``.

    Examples
    --------
    >>> import autograd
    >>> autograd.adaptive_avg_pool1d(autograd.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2)
    tensor([[[1.5000, 3.5000]]])
    """
    x = float_tensor(input, "input")
    size = _adaptive_1d_size("adaptive_avg_pool1d", x, output_size)
    y = adaptive_avg_pool2d(x.unsqueeze(-2), (1, size)).squeeze(-2)
    return name_node(y, "SqueezeBackward1")  # PyTorch's too squeezes a 2-D pool


@register(sample=_sample_adaptive_1d(True), torch=_functional("adaptive_max_pool1d"))
def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over PyTorch's adaptive windows of ``(N, C, L)`` or ``(C, L)`` input to length
    ``output_size``; with ``return_indices`` also the int64 position of each maximum. Ties go
    to the first maximum, NaN wins.

    Examples
    --------
    >>> import autograd
    >>> autograd.adaptive_max_pool1d(autograd.tensor([[[1.0, 4.0, 2.0, 3.0]]]), 2)
    tensor([[[4., 3.]]])
    """
    x = float_tensor(input, "input")
    size = _adaptive_1d_size("adaptive_max_pool1d", x, output_size)
    out = adaptive_max_pool2d(x.unsqueeze(-2), (1, size), return_indices=bool(return_indices))
    if return_indices:
        return name_node(out[0].squeeze(-2), "SqueezeBackward1"), out[1].squeeze(-2)
    return name_node(out.squeeze(-2), "SqueezeBackward1")
