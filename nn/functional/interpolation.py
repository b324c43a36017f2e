"""``interpolate`` with all of PyTorch's non-antialiased modes, and ``upsample``.

``"nearest"`` on 3-D and 4-D input is the engine's op (:func:`autograd.interpolate`). The other
modes are separable: along each spatial axis the output is a weighted sum of a few input slices
(2 taps for the linear modes, 4 for bicubic, 1 for nearest), with index and weight tables
computed as PyTorch's CPU kernels compute them, in the input's precision. One
:class:`autograd.Function` per axis does it; its backward is the adjoint (each weighted output
slice added back onto its source) and is itself differentiable, for higher derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.extend import ArrayFunction, resize_output_size

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_CUBIC_A = -0.75
_DENSE_ADJOINT_MAX = 1 << 16  # axis sizes n * m up to which the adjoint is one dense GEMM


def _opmath(dtype: np.dtype) -> type:
    return np.float64 if dtype == np.float64 else np.float32


def _ratio(n: int, m: int, scale: float | None, align_corners: bool, t: type) -> Any:
    """PyTorch's ``area_pixel_compute_scale``: input step per output step."""
    if align_corners:
        return t(n - 1) / t(m - 1) if m > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(n) / t(m)


def _source(ratio: Any, m: int, align_corners: bool, cubic: bool, t: type) -> np.ndarray:
    """PyTorch's ``area_pixel_compute_source_index`` for every output index."""
    dst = np.arange(m, dtype=t)
    if align_corners:
        return ratio * dst
    src = ratio * (dst + t(0.5)) - t(0.5)
    return src if cubic else np.maximum(src, t(0))


def _guard(src: np.ndarray, n: int, t: type) -> tuple[np.ndarray, np.ndarray]:
    """Integer part (at most ``n - 1``) and fraction (in [0, 1]) of the source positions."""
    index = np.minimum(np.floor(src).astype(np.int64), n - 1)
    frac = np.clip(src - index.astype(t), t(0), t(1)).astype(t)
    return index, frac


def _taps(
    mode: str, n: int, m: int, scale: float | None, align_corners: bool, t: type
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(source indices, weights) per tap for one axis of input size ``n``, output size ``m``."""
    if mode in ("nearest", "nearest-exact"):
        if n == m:
            return [(np.arange(m), None)]
        if mode == "nearest" and m == 2 * n:
            return [(np.arange(m) // 2, None)]
        r = _ratio(n, m, scale, False, np.float32)
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        pos = (np.arange(m, dtype=np.float32) + offset) * r
        return [(np.minimum(np.floor(pos).astype(np.int64), n - 1), None)]
    ratio = _ratio(n, m, scale, align_corners, t)
    if mode == "bicubic":
        index, frac = _guard(_source(ratio, m, align_corners, True, t), n, t)
        a = t(_CUBIC_A)

        def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
            return ((a + 2) * x - (a + 3)) * x * x + 1

        def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

        one = t(1)
        weights = (far(frac + one), near(frac), near(one - frac), far(t(2) - frac))
        return [(np.clip(index - 1 + k, 0, n - 1), w) for k, w in enumerate(weights)]
    if n == m:  # PyTorch copies when the size does not change
        return [(np.arange(m), None)]
    index, frac = _guard(_source(ratio, m, align_corners, False, t), n, t)
    upper = index + (index < n - 1)
    return [(index, (t(1) - frac).astype(t)), (upper, frac)]


def _resample_array(x: np.ndarray, axis: int, taps: list) -> np.ndarray:
    """``sum_k w_k * x.take(idx_k, axis)``: each output slice a weighted sum of input slices."""
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for index, weight in taps:
        part = np.take(x, index, axis=axis)
        if weight is not None:
            part *= weight.astype(x.dtype).reshape(shape)
        out = part if out is None else np.add(out, part, out=out)
    return out


def _adjoint_array(g: np.ndarray, axis: int, taps: list, n: int) -> np.ndarray:
    """The transpose of :func:`_resample_array`: each weighted output slice added back onto
    its source. Source indices rise with the output index, so the slices reading one source
    form a run, summed at once by ``np.add.reduceat``."""
    m = g.shape[axis]
    out_shape = list(g.shape)
    out_shape[axis] = n
    if n * m <= _DENSE_ADJOINT_MAX:
        # Small axes: one GEMM with the (m, n) resampling matrix beats the segment sums.
        matrix = np.zeros((m, n), dtype=g.dtype)
        rows = np.arange(m)
        for index, weight in taps:
            np.add.at(matrix, (rows, index), 1 if weight is None else weight.astype(g.dtype))
        before, after = math.prod(g.shape[:axis]), math.prod(g.shape[axis + 1 :])
        if after == 1:
            return (g.reshape(before, m) @ matrix).reshape(out_shape)
        return np.matmul(matrix.T, g.reshape(before, m, after)).reshape(out_shape)
    shape = [1] * g.ndim
    shape[axis] = -1
    out = np.zeros(out_shape, dtype=g.dtype)
    for index, weight in taps:
        part = g if weight is None else g * weight.astype(g.dtype).reshape(shape)
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        where: list[Any] = [slice(None)] * g.ndim
        where[axis] = index[starts]
        out[tuple(where)] += np.add.reduceat(part, starts, axis=axis)
    return out


class _Resample(ArrayFunction):
    """Resampling along one axis with fixed taps; linear in ``x``."""

    @staticmethod
    def forward(ctx, x, axis, taps):
        ctx.axis, ctx.taps, ctx.n = axis, taps, x.shape[axis]
        return _resample_array(x, axis, taps)

    @staticmethod
    def backward(ctx, g):
        if type(g) is np.ndarray:
            return _adjoint_array(g, ctx.axis, ctx.taps, ctx.n)
        return _ResampleAdjoint.apply(g, axis=ctx.axis, taps=ctx.taps, n=ctx.n)

    @staticmethod
    def jvp(ctx, t, axis, taps):
        return _resample_array(t, axis, taps)


class _ResampleAdjoint(ArrayFunction):
    """Gradients of :class:`_Resample` added back onto their sources (its adjoint), so that
    higher derivatives are resamplings again."""

    @staticmethod
    def forward(ctx, g, axis, taps, n):
        ctx.axis, ctx.taps = axis, taps
        return _adjoint_array(g, axis, taps, n)

    @staticmethod
    def backward(ctx, h):
        if type(h) is np.ndarray:
            return _resample_array(h, ctx.axis, ctx.taps)
        return _Resample.apply(h, axis=ctx.axis, taps=ctx.taps)

    @staticmethod
    def jvp(ctx, t, axis, taps, n):
        return _adjoint_array(t, axis, taps, n)


def _resample_axis(x: Tensor, axis: int, taps: list) -> Tensor:
    taps = [(np.ascontiguousarray(i, dtype=np.int64), w) for i, w in taps]
    return _Resample.apply(x, axis=axis, taps=taps)


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize ``(N, C, *spatial)`` input by ``size`` or ``scale_factor``, as
    ``torch.nn.functional.interpolate``.

    Parameters
    ----------
    input : Tensor
        3-D ``(N, C, L)``, 4-D ``(N, C, H, W)`` or 5-D ``(N, C, D, H, W)``, floating point.
    size : int or sequence of ints, optional
        Output spatial size. Exactly one of ``size`` and ``scale_factor`` is given.
    scale_factor : float or sequence of floats, optional
        Output size ``floor(input_size * scale_factor)`` per axis; the factor itself sets the
        sampling step unless ``recompute_scale_factor`` is true.
    mode : str
        ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D), ``"bilinear"`` (4-D),
        ``"bicubic"`` (4-D, Keys' kernel with ``a = -0.75``, edges replicated; when a
        ``scale_factor`` leaves the size unchanged the input is still resampled, and the
        gradient is that resampling's adjoint, where PyTorch copies the gradient through),
        ``"trilinear"`` (5-D) or ``"area"`` (adaptive average pooling, 3-D and 4-D).
    align_corners : bool, optional
        Linear and cubic modes only: with ``True`` the corner pixels of input and output are
        aligned (step ``(in - 1) / (out - 1)``); by default (``False``) pixel centres are, with
        step ``in / out`` (or ``1 / scale_factor``).
    recompute_scale_factor : bool, optional
        Derive the step from the sizes even when ``scale_factor`` is given.
    antialias : bool
        Only ``False``: the antialiasing filters are not available.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.tensor([[[1.0, 2.0, 3.0]]])
    >>> nn.functional.interpolate(x, size=5, mode="linear", align_corners=True)
    tensor([[[1.0000, 1.5000, 2.0000, 2.5000, 3.0000]]])
    >>> nn.functional.interpolate(x, scale_factor=2, mode="linear")
    tensor([[[1.0000, 1.2500, 1.7500, 2.2500, 2.7500, 3.0000]]])
    """
    fn = "interpolate"
    if mode not in _MODES:
        raise ValueError(f"{fn}: mode must be one of {list(_MODES)}, got {mode!r}")
    if antialias:
        raise ValueError(f"{fn}: antialias=True is not supported; resample without it")
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if not input.is_floating_point():
        raise TypeError(f"{fn}: input must be a floating-point tensor, got dtype {input.dtype}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(
            f"{fn}: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape {input.shape}"
        )
    nd = input.ndim - 2
    if mode in _DIMS and _DIMS[mode] != nd:
        raise ValueError(
            f"{fn}: got {input.ndim}-D input, but {mode} mode needs {_DIMS[mode] + 2}-D input"
        )
    interpolating = mode in _DIMS
    if align_corners is not None and not interpolating:
        raise ValueError(
            f"{fn}: align_corners option can only be set with the interpolating modes: "
            f"linear | bilinear | bicubic | trilinear, not mode={mode!r}"
        )
    spatial = tuple(input.shape[2:])
    out, scales = resize_output_size(fn, spatial, size, scale_factor, recompute_scale_factor)
    if min(out) < 1 or min(spatial) < 1:
        raise ValueError(
            f"{fn}: input and output sizes should be greater than 0, got input size {spatial} "
            f"and output size {out}"
        )
    if mode == "area":
        if nd == 1:
            pooled = autograd.adaptive_avg_pool2d(input.unsqueeze(2), (1, out[0]))
            return pooled.squeeze(2)
        if nd == 2:
            return autograd.adaptive_avg_pool2d(input, out)
        raise ValueError(f"{fn}: mode 'area' takes a 3-D or 4-D input, got shape {input.shape}")
    if mode == "nearest" and nd < 3:
        return autograd.interpolate(input, size, scale_factor, mode, None, recompute_scale_factor)
    t = _opmath(np.dtype(input.dtype))
    corners = bool(align_corners)
    y = input
    for axis, (n, m, s) in enumerate(zip(spatial, out, scales)):
        y = _resample_axis(y, axis + 2, _taps(mode, n, m, s, corners, t))
    return y


def upsample(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`interpolate` (as in PyTorch).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.upsample(autograd.zeros(1, 1, 2), scale_factor=2).shape
    (1, 1, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_bilinear(
    input: Tensor, size: int | Sequence[int] | None = None, scale_factor: Any = None
) -> Tensor:
    """Bilinear resizing with ``align_corners=True`` (PyTorch's deprecated helper).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.upsample_bilinear(autograd.zeros(1, 1, 2, 2), scale_factor=2).shape
    (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, "bilinear", True)


def upsample_nearest(
    input: Tensor, size: int | Sequence[int] | None = None, scale_factor: Any = None
) -> Tensor:
    """Nearest resizing (PyTorch's deprecated helper).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.upsample_nearest(autograd.zeros(1, 1, 2, 2), size=3).shape
    (1, 1, 3, 3)
    """
    return interpolate(input, size, scale_factor, "nearest")
