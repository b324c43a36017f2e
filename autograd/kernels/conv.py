"""2-D convolution kernels on NumPy arrays (NCHW layout, float32 or float64).

Layouts
-------
- input ``x``: ``(N, C, H, W)``; weight ``w``: ``(O, C // groups, kh, kw)``; output
  ``y``: ``(N, O, OH, OW)`` with ``OH = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1`` (likewise OW).
- Output channel ``o`` belongs to group ``o // (O // groups)`` and sees input channels
  ``g*Cg .. (g+1)*Cg - 1`` with ``Cg = C // groups``.
- Padding is zero padding, ``(ph, pw)`` on both sides. There is no bias: the caller adds it.

Strategy
--------
Dense convolutions (``groups == 1``, or groups with at least 8 channels each way) are im2col +
GEMM, in chunks of samples whose column matrix stays under ``_COLS_BUDGET_BYTES`` whatever the
batch. A chunk's columns are ``cols[K, Nc*Lc]`` with ``K = Cg*kh*kw``, so each chunk and group
is one large ``np.matmul`` (OpenBLAS) on contiguous operands: ``W[O, K] @ cols`` forward,
``W.T @ gy_t`` then col2im for the input gradient, ``cols @ gy_t.T`` for the weight gradient.
Stride-1 convolutions use the "wide" column layout of :mod:`autograd.kernels._conv_gemm`
(a few garbage columns per output row, one memcpy per column-matrix row); other strides use
the plain layout. 1x1 convolutions with stride 1 and no padding use ``x`` itself as the column
matrix. Depthwise and other thin-group convolutions run direct Numba kernels
(:mod:`autograd.kernels._conv_direct`) instead, since their GEMMs would be tiny.

3x3 stride-1 dense convolutions with enough channels take the Winograd F(2x2, 3x3) path of
:mod:`autograd.kernels.winograd` instead (2.25x fewer multiply-adds; crossover and limits in
``winograd_applies``), unless an input holds inf or NaN, which Winograd would smear over a tile.

Numba kernels run a ``prange`` over (sample, channel) pairs, each owning its rows of ``cols``
or its gradient plane, so no two iterations write the same element, and no BLAS call runs
inside a ``prange``. The wide layouts multiply garbage by zero in backward, exact only when
that garbage is finite, so the backward passes check ``x`` (weight gradient) or ``w`` (input
gradient) for non-finite values with one cheap sum and fall back to the plain layout.

Transposed convolution
----------------------
``conv_transpose2d`` is the adjoint of ``conv2d`` and needs no kernel of its own. With the
transposed-conv weight ``w`` of PyTorch shape ``(C_in, C_out // groups, kh, kw)`` (the same array
is a valid conv2d weight of shape ``(O, C // groups, kh, kw)`` with ``O = C_in``, ``C = C_out``):

- forward: ``y = conv2d_backward_input(x, w, (N, C_out, Hout, Wout), stride, padding, dilation,
  groups)`` where ``Hout = (H - 1)*sh - 2*ph + dh*(kh - 1) + output_padding_h + 1``;
- grad input: ``conv2d_forward(gy, w, stride, padding, dilation, groups)[:, :, :H, :W]``;
- grad weight: ``conv2d_backward_weight(gy, x, w.shape, stride, padding, dilation, groups)``.

For this the two backward kernels accept a ``gy`` whose spatial size is smaller than the conv
output size of ``x_shape`` (the missing outputs then have zero gradient), which is what
``output_padding >= stride`` with dilation produces.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels import _conv_direct as direct
from autograd.kernels import _conv_gemm as gemm
from autograd.kernels import winograd as wino
from autograd.kernels._args import Pair, float_nchw, pair

__all__ = [
    "conv_output_size",
    "conv2d_forward",
    "conv2d_backward_input",
    "conv2d_backward_weight",
]

# Upper bound on one chunk's column matrix. Large enough for efficient GEMMs, small enough that
# a big batch never allocates hundreds of megabytes.
_COLS_BUDGET_BYTES = 24 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# Argument handling


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Return the length of a convolution's output along one spatial axis.

    ``(size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1``, as in PyTorch.

    Examples
    --------
    >>> conv_output_size(28, 3, 1, 1, 1)
    28
    >>> conv_output_size(7, 3, 2, 0, 1)
    3
    """
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _check(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: int | Pair,
    padding: int | Pair,
    dilation: int | Pair,
    groups: int,
) -> tuple[Pair, Pair, Pair, int, int]:
    s = pair("stride", stride, 1)
    p = pair("padding", padding, 0)
    d = pair("dilation", dilation, 1)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    C, O, cg = x_shape[1], w_shape[0], w_shape[1]
    if C % groups or O % groups:
        raise ValueError(f"channels must be divisible by groups={groups}: in {C}, out {O}")
    if cg != C // groups:
        raise ValueError(
            f"weight shape {tuple(w_shape)} expects {cg * groups} input channels "
            f"with groups={groups}, got {C}"
        )
    oh = conv_output_size(x_shape[2], w_shape[2], s[0], p[0], d[0])
    ow = conv_output_size(x_shape[3], w_shape[3], s[1], p[1], d[1])
    if oh < 1 or ow < 1:
        raise ValueError(
            f"input spatial size {tuple(x_shape[2:])} (padding {p}) is smaller than the "
            f"dilated kernel {tuple(w_shape[2:])} (dilation {d})"
        )
    return s, p, d, oh, ow


def _use_direct(groups: int, cg: int, og: int) -> bool:
    # Thin groups make tiny GEMMs that cost more in copies than they save in FLOPs. Measured
    # (3x3, fwd + both backward): 2 channels a group, direct 2.3x faster; 4 and 8, even;
    # 16, GEMM 2.8x faster.
    return groups > 1 and min(cg, og) < 8


def _chunk(n: int, k: int, L: int, itemsize: int) -> int:
    return max(1, min(n, _COLS_BUDGET_BYTES // max(1, k * L * itemsize)))


def _is_pointwise(w_shape: tuple[int, ...], s: Pair, p: Pair, groups: int) -> bool:
    return w_shape[2:] == (1, 1) and s == (1, 1) and p == (0, 0) and groups == 1


def _check_gy(gy: np.ndarray, n: int, o: int, oh: int, ow: int, dtype: np.dtype) -> None:
    if gy.dtype != dtype:
        raise TypeError(f"gy has dtype {gy.dtype}, expected {dtype}")
    if gy.shape[:2] != (n, o) or gy.shape[2] > oh or gy.shape[3] > ow:
        raise ValueError(f"gy has shape {gy.shape}, expected {(n, o, oh, ow)}")


# --------------------------------------------------------------------------------------------
# GEMM drivers: Python loops over chunks of samples and over groups only.


def _wide_ok(s: Pair, finite: np.ndarray) -> bool:
    # The wide layout multiplies garbage columns by zero; that is exact only if they are finite
    # (0 * inf = nan). A sum is a cheap, conservative finiteness test of the array they come from.
    return s == (1, 1) and bool(np.isfinite(finite.sum()))


def _forward_gemm(
    x: np.ndarray, w: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int, y: np.ndarray
) -> None:
    N, C, H, W = x.shape
    O, cg, kh, kw = w.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = y.shape[2:]
    w3 = w.reshape(groups, og, K)
    # Garbage in the wide layout's extra columns only reaches columns that are dropped.
    wide = s == (1, 1)
    wp = W + 2 * p[1]
    pitch = (H + 2 * p[0]) * wp + (kw - 1) * d[1]
    lc = oh * wp if wide else oh * ow
    nc = _chunk(N, K, lc, x.itemsize)
    cols_buf = np.empty(K * nc * lc, dtype=x.dtype)
    out_buf = np.empty(og * nc * lc, dtype=x.dtype)
    xpad = np.empty((nc * C, pitch) if wide else (0, 0), dtype=x.dtype)
    y3 = y.reshape(N, O, oh * ow)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        m = (n1 - n0) * lc
        cols = cols_buf[: K * m].reshape(K, m)
        out = out_buf[: og * m].reshape(og, m)
        if wide:
            gemm._pad_planes(x, n0, n1, p[0], p[1], pitch, xpad)
        for g in range(groups):
            if wide:
                gemm._im2col_wide(xpad, C, g * cg, cg, kh, kw, d[0], d[1], wp, lc, cols)
            else:
                gemm._im2col(x, n0, n1, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, cols)
            np.matmul(w3[g], cols, out=out)
            if wide:
                gemm._wide_to_nchw(out, n0, g * og, wp, y)
            else:
                gemm._ol_to_nol(out, n0, g * og, y3)


def _backward_input_gemm(
    gy: np.ndarray, w: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int, gx: np.ndarray
) -> None:
    N, C, H, W = gx.shape
    O, cg, kh, kw = w.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = gy.shape[2:]
    w3 = w.reshape(groups, og, K)
    wide = _wide_ok(s, w)
    wp = W + 2 * p[1]
    pitch = (H + 2 * p[0]) * wp + (kw - 1) * d[1]
    lc = oh * wp if wide else oh * ow
    nc = _chunk(N, K, lc, gy.itemsize)
    cols_buf = np.empty(K * nc * lc, dtype=gy.dtype)
    gyt_buf = np.empty(og * nc * lc, dtype=gy.dtype)
    gxpad = np.empty((nc * C, pitch) if wide else (0, 0), dtype=gy.dtype)
    gy3 = gy.reshape(N, O, oh * ow)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        m = (n1 - n0) * lc
        cols = cols_buf[: K * m].reshape(K, m)
        gyt = gyt_buf[: og * m].reshape(og, m)
        for g in range(groups):
            if wide:
                gemm._nchw_to_wide(gy, n0, g * og, wp, gyt)
            else:
                gemm._nol_to_ol(gy3, n0, g * og, gyt)
            np.matmul(w3[g].T, gyt, out=cols)
            if wide:
                gemm._col2im_wide(cols, C, g * cg, cg, kh, kw, d[0], d[1], wp, lc, gxpad)
            else:
                gemm._col2im(cols, n0, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, gx)
        if wide:
            gemm._unpad_planes(gxpad[: (n1 - n0) * C], n0, p[0], p[1], gx)


def _backward_weight_gemm(
    x: np.ndarray, gy: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int, gw: np.ndarray
) -> None:
    N, C, H, W = x.shape
    O, cg, kh, kw = gw.shape
    og, K = O // groups, cg * kh * kw
    oh, ow = gy.shape[2:]
    wide = _wide_ok(s, x)
    wp = W + 2 * p[1]
    pitch = (H + 2 * p[0]) * wp + (kw - 1) * d[1]
    lc = oh * wp if wide else oh * ow
    nc = _chunk(N, K, lc, x.itemsize)
    gw3 = gw.reshape(groups, og, K)
    part_t = np.empty((K, og), dtype=x.dtype)
    cols_buf = np.empty(K * nc * lc, dtype=x.dtype)
    gyt_buf = np.empty(og * nc * lc, dtype=x.dtype)
    xpad = np.empty((nc * C, pitch) if wide else (0, 0), dtype=x.dtype)
    gy3 = gy.reshape(N, O, oh * ow)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        m = (n1 - n0) * lc
        cols = cols_buf[: K * m].reshape(K, m)
        gyt = gyt_buf[: og * m].reshape(og, m)
        if wide:
            gemm._pad_planes(x, n0, n1, p[0], p[1], pitch, xpad)
        for g in range(groups):
            if wide:
                gemm._im2col_wide(xpad, C, g * cg, cg, kh, kw, d[0], d[1], wp, lc, cols)
                gemm._nchw_to_wide(gy, n0, g * og, wp, gyt)
            else:
                gemm._im2col(x, n0, n1, g * cg, cg, kh, kw, *s, *p, *d, oh, ow, cols)
                gemm._nol_to_ol(gy3, n0, g * og, gyt)
            # cols @ gyt.T (a (K, og) result) was measured ~20% faster than gyt @ cols.T.
            np.matmul(cols, gyt.T, out=part_t)
            if n0:
                gw3[g] += part_t.T
            else:
                gw3[g] = part_t.T


# --------------------------------------------------------------------------------------------
# Public functions


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Cross-correlate ``x`` with ``w`` as PyTorch's ``conv2d`` does, without bias.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input, float32 or float64.
    w : ndarray, shape (O, C // groups, kh, kw)
        Weight, same dtype as ``x``.
    stride, padding, dilation : int or (int, int)
        Per-axis (height, width) stride, zero padding on both sides, and dilation.
    groups : int
        Number of channel groups; ``C`` and ``O`` must both be divisible by it.

    Returns
    -------
    ndarray, shape (N, O, OH, OW)
        New C-contiguous array ``y[n, o] = sum_{c, i, j} w[o, c, i, j] *
        xpad[n, g*Cg + c, oh*sh + i*dh, ow*sw + j*dw]``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_forward(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x = float_nchw("x", x)
    w = float_nchw("w", w)
    if w.dtype != x.dtype:
        raise TypeError(f"x and w must share a dtype, got {x.dtype} and {w.dtype}")
    s, p, d, oh, ow = _check(x.shape, w.shape, stride, padding, dilation, groups)
    N, C = x.shape[:2]
    O, cg, kh, kw = w.shape
    og = O // groups
    if N == 0 or O == 0 or cg == 0:
        return np.zeros((N, O, oh, ow), dtype=x.dtype)
    if wino.winograd_applies(x.shape, w.shape, s, p, d, groups) and wino.all_finite(x, w):
        return wino.winograd_forward(x, w, p)
    y = np.empty((N, O, oh, ow), dtype=x.dtype)
    if _use_direct(groups, cg, og):
        if s == (1, 1):
            direct._direct_forward_wide(x, w, *p, *d, y)
        else:
            direct._direct_forward(x, w, *s, *p, *d, y)
    elif _is_pointwise(w.shape, s, p, groups):
        # x itself is the column matrix of each sample.
        L = oh * ow
        np.matmul(w.reshape(O, C), x.reshape(N, C, L), out=y.reshape(N, O, L))
    else:
        _forward_gemm(x, w, s, p, d, groups, y)
    return y


def conv2d_backward_input(
    gy: np.ndarray,
    w: np.ndarray,
    x_shape: tuple[int, int, int, int],
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of :func:`conv2d_forward` with respect to its input (GEMM + col2im).

    Parameters
    ----------
    gy : ndarray, shape (N, O, OH', OW')
        Gradient of the output. ``OH' <= OH`` and ``OW' <= OW`` (the conv output size of
        ``x_shape``); outputs beyond ``gy`` count as zero gradient, which is what
        ``conv_transpose2d``'s ``output_padding`` needs (see the module docstring).
    w : ndarray, shape (O, C // groups, kh, kw)
        The forward weight, same dtype as ``gy``.
    x_shape : (N, C, H, W)
        Shape of the forward input.
    stride, padding, dilation, groups
        As in :func:`conv2d_forward`.

    Returns
    -------
    ndarray, shape x_shape
        New C-contiguous array ``gx``; this is also ``conv_transpose2d(gy, w)``.

    Examples
    --------
    >>> gx = conv2d_backward_input(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), (1, 1, 3, 3))
    >>> gx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    gy = float_nchw("gy", gy)
    w = float_nchw("w", w)
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must have 4 entries, got {x_shape}")
    s, p, d, oh, ow = _check(x_shape, w.shape, stride, padding, dilation, groups)
    _check_gy(gy, x_shape[0], w.shape[0], oh, ow, w.dtype)
    N, C = x_shape[:2]
    O, cg, kh, kw = w.shape
    og = O // groups
    oh, ow = gy.shape[2:]
    if N == 0 or O == 0 or cg == 0:
        return np.zeros(x_shape, dtype=w.dtype)
    if wino.winograd_applies(x_shape, w.shape, s, p, d, groups) and wino.all_finite(gy, w):
        return wino.winograd_backward_input(gy, w, x_shape, p)
    gx = np.empty(x_shape, dtype=w.dtype)
    if _use_direct(groups, cg, og):
        if _wide_ok(s, w):
            direct._direct_backward_input_wide(gy, w, *p, *d, gx)
        else:
            direct._direct_backward_input(gy, w, *s, *p, *d, gx)
    elif _is_pointwise(w.shape, s, p, groups) and (oh, ow) == x_shape[2:]:
        L = oh * ow
        np.matmul(w.reshape(O, C).T, gy.reshape(N, O, L), out=gx.reshape(N, C, L))
    else:
        _backward_input_gemm(gy, w, s, p, d, groups, gx)
    return gx


def conv2d_backward_weight(
    x: np.ndarray,
    gy: np.ndarray,
    w_shape: tuple[int, int, int, int],
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of :func:`conv2d_forward` with respect to its weight (im2col + GEMM).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        The forward input.
    gy : ndarray, shape (N, O, OH', OW')
        Gradient of the output, same dtype as ``x``; ``OH' <= OH``, ``OW' <= OW`` as in
        :func:`conv2d_backward_input`.
    w_shape : (O, C // groups, kh, kw)
        Shape of the forward weight.
    stride, padding, dilation, groups
        As in :func:`conv2d_forward`.

    Returns
    -------
    ndarray, shape w_shape
        New C-contiguous array ``gw[o, c, i, j] = sum_{n, oh, ow} gy[n, o, oh, ow] *
        xpad[n, g*Cg + c, oh*sh + i*dh, ow*sw + j*dw]``.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d_backward_weight(x, np.ones((1, 1, 2, 2)), (1, 1, 2, 2))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    x = float_nchw("x", x)
    gy = float_nchw("gy", gy)
    w_shape = tuple(int(v) for v in w_shape)  # type: ignore[assignment]
    if len(w_shape) != 4:
        raise ValueError(f"w_shape must have 4 entries, got {w_shape}")
    s, p, d, oh, ow = _check(x.shape, w_shape, stride, padding, dilation, groups)
    _check_gy(gy, x.shape[0], w_shape[0], oh, ow, x.dtype)
    N = x.shape[0]
    O, cg, kh, kw = w_shape
    og = O // groups
    oh, ow = gy.shape[2:]
    if N == 0 or O == 0 or cg == 0:
        return np.zeros(w_shape, dtype=x.dtype)
    if wino.winograd_applies(x.shape, w_shape, s, p, d, groups) and wino.all_finite(x, gy):
        return wino.winograd_backward_weight(x, gy, w_shape, p)
    gw = np.empty(w_shape, dtype=x.dtype)
    if _use_direct(groups, cg, og):
        direct._direct_backward_weight(x, gy, *s, *p, *d, gw)
    else:
        _backward_weight_gemm(x, gy, s, p, d, groups, gw)
    return gw
