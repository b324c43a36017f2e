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
gradient) for non-finite values (one cheap sum, or a count while copying) and fall back to the
plain layout.

``conv2d_backward`` returns the input, weight and bias gradients from one call; the Winograd
and the stride-1 direct paths then read ``gy`` once for all three.

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
from autograd.kernels import winograd as wino
from autograd.kernels._args import Pair, float_nchw
from autograd.kernels._conv_drivers import (
    _backward_input_gemm,
    _backward_weight_batched,
    _backward_weight_gemm,
    _direct_backward,
    _forward_and_weight_gemm,
    _forward_gemm,
    _wide_ok,
)
from autograd.kernels._conv_paths import (
    _BATCHED_MAX_K,
    _check,
    _check_gy,
    _direct_dense,
    _direct_stride1,
    _is_pointwise,
    _use_direct,
    conv_output_size,
)

__all__ = [
    "conv_output_size",
    "conv2d_forward",
    "conv2d_backward_input",
    "conv2d_backward_weight",
    "conv2d_backward",
    "conv2d_forward_and_weight_grad",
]


# --------------------------------------------------------------------------------------------
# One product each


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
    bias: np.ndarray | None = None,
    finite: bool | None = None,
) -> np.ndarray:
    """Cross-correlate ``x`` with ``w`` as PyTorch's ``conv2d`` does, plus an optional bias.

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
    bias : ndarray, shape (O,), optional
        Added to each output channel, inside the kernels where they copy the output anyway.
    finite : bool, optional
        Whether ``x`` and ``w`` are known to be free of inf and NaN (a caller that already
        checked, e.g. to reuse the answer in backward); None checks here when a path needs it.
        False (or a failed check) keeps inf and NaN where the direct sum puts them.

    Returns
    -------
    ndarray, shape (N, O, OH, OW)
        New C-contiguous array ``y[n, o] = b[o] + sum_{c, i, j} w[o, c, i, j] *
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
    b = _bias(bias, O, x.dtype)
    if N == 0 or O == 0 or cg == 0:
        y = np.zeros((N, O, oh, ow), dtype=x.dtype)
        if b.size:
            y += b.reshape(-1, 1, 1)
        return y
    if wino.winograd_applies(x.shape, w.shape, s, p, d, groups) and _finite(finite, x, w):
        return wino.winograd_forward(x, w, p, bias=b if b.size else None)
    y = np.empty((N, O, oh, ow), dtype=x.dtype)
    if _use_direct(groups, cg, og) or _direct_dense(w.shape, s, groups):
        # The direct kernels start every output from its bias (zero without one).
        bz = b if b.size else np.zeros(O, dtype=x.dtype)
        if s == (1, 1):
            direct._direct_forward_wide(x, w, bz, *p, *d, y)
        else:
            direct._direct_forward(x, w, bz, *s, *p, *d, y)
    elif _is_pointwise(w.shape, s, p, groups):
        # x itself is the column matrix of each sample.
        L = oh * ow
        np.matmul(w.reshape(O, C), x.reshape(N, C, L), out=y.reshape(N, O, L))
        if b.size:
            y += b.reshape(-1, 1, 1)
    else:
        _forward_gemm(x, w, s, p, d, groups, y, b)
    return y


def _finite(known: bool | None, *arrays: np.ndarray) -> bool:
    # The caller's answer when it has one: the check reads whole arrays (~0.1 ms per MB).
    return wino.all_finite(*arrays) if known is None else bool(known)


def _bias(bias: np.ndarray | None, O: int, dtype: np.dtype) -> np.ndarray:
    # An empty array stands for "no bias" inside the kernels (one signature either way).
    if bias is None:
        return np.empty(0, dtype=dtype)
    b = np.ascontiguousarray(bias, dtype=dtype)
    if b.shape != (O,):
        raise ValueError(f"bias has shape {b.shape}, expected ({O},)")
    return b


def conv2d_backward_input(
    gy: np.ndarray,
    w: np.ndarray,
    x_shape: tuple[int, int, int, int],
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
    finite: bool | None = None,
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
    finite : bool, optional
        Whether ``gy`` and ``w`` are known to be finite; as in :func:`conv2d_forward`.

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
    if wino.winograd_applies(x_shape, w.shape, s, p, d, groups) and _finite(finite, gy, w):
        return wino.winograd_backward_input(gy, w, x_shape, p)
    if _direct_stride1(w.shape, s, groups) and _wide_ok(s, w):
        return _direct_backward(None, gy, w, x_shape, p, d, input_grad=True)[0]
    gx = np.empty(x_shape, dtype=w.dtype)
    if _use_direct(groups, cg, og):
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
    bias_grad: bool = False,
    finite: bool | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
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
    bias_grad : bool
        Also return the bias gradient.
    finite : bool, optional
        Whether ``x`` and ``gy`` are known to be finite; as in :func:`conv2d_forward`.

    Returns
    -------
    ndarray, shape w_shape
        New C-contiguous array ``gw[o, c, i, j] = sum_{n, oh, ow} gy[n, o, oh, ow] *
        xpad[n, g*Cg + c, oh*sh + i*dh, ow*sw + j*dw]``.
    (ndarray, ndarray of shape (O,))
        With ``bias_grad``: ``gw`` and the bias gradient ``gy.sum(axis=(0, 2, 3))``, which some
        paths get from data they read anyway.

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
    gw = gb = None
    if N == 0 or O == 0 or cg == 0:
        gw = np.zeros(w_shape, dtype=x.dtype)
    elif wino.winograd_applies(x.shape, w_shape, s, p, d, groups) and _finite(finite, x, gy):
        gw = wino.winograd_backward_weight(x, gy, w_shape, p)
    elif _direct_stride1(w_shape, s, groups) and finite is not False:
        # One pass over gy; it leaves gw None when x holds inf or NaN (exact paths below).
        _, gw, gb = _direct_backward(x, gy, np.empty(w_shape, x.dtype), x.shape, p, d, False)
    if gw is None and _is_pointwise(w_shape, s, p, groups) and (oh, ow) == x.shape[2:]:
        # gw = sum_n gy[n] @ x[n].T: one batched GEMM on the arrays as they are (no im2col),
        # its per-sample products then summed (measured ~2x faster than the column path).
        L = oh * ow
        parts = np.matmul(gy.reshape(N, O, L), x.reshape(N, x.shape[1], L).transpose(0, 2, 1))
        gw = parts.sum(axis=0).reshape(w_shape)
    elif gw is None:
        gw = np.empty(w_shape, dtype=x.dtype)
        if _use_direct(groups, cg, og):
            if s == (1, 1):
                gb = np.empty(O, dtype=x.dtype)
                direct._direct_backward_weight_s1(x, gy, *p, *d, gw, gb)
            else:
                direct._direct_backward_weight(x, gy, *s, *p, *d, gw)
        elif groups == 1 and cg * kh * kw <= _BATCHED_MAX_K:
            gb = _backward_weight_batched(x, gy, s, p, d, gw, bias_grad)
        else:
            _backward_weight_gemm(x, gy, s, p, d, groups, gw)
    if not bias_grad:
        return gw
    return gw, (gy.sum(axis=(0, 2, 3)) if gb is None else gb)


# --------------------------------------------------------------------------------------------
# Several results from one call, sharing the reads of their operands


def conv2d_backward(
    x: np.ndarray,
    gy: np.ndarray,
    w: np.ndarray,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
    output_mask: tuple[bool, bool, bool] = (True, True, True),
    finite: tuple[bool | None, bool | None] = (None, None),
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Gradients of ``conv2d_forward(x, w) + b`` with respect to ``x``, ``w`` and ``b`` at once.

    Where a path can, ``gy`` is read once for all of them: the fused Winograd backward, and the
    stride-1 direct kernels (thin groups, few input channels). Elsewhere this is
    :func:`conv2d_backward_input` and :func:`conv2d_backward_weight`, with ``gy`` checked for
    inf and NaN at most once for both.

    Parameters
    ----------
    x, gy, w : ndarray
        The forward input ``(N, C, H, W)``, the output gradient ``(N, O, OH, OW)`` and the
        weight ``(O, C // groups, kh, kw)``, all of one dtype.
    stride, padding, dilation, groups
        As in :func:`conv2d_forward`.
    output_mask : (bool, bool, bool)
        Which of the input, weight and bias gradients to compute.
    finite : (bool or None, bool or None)
        Whether ``x`` and ``w`` are known to be free of inf and NaN; None checks where a path
        needs it.

    Returns
    -------
    (ndarray or None, ndarray or None, ndarray or None)
        ``gx`` of x's shape, ``gw`` of w's shape and ``gb = gy.sum(axis=(0, 2, 3))``, each None
        when its ``output_mask`` entry is False.

    Examples
    --------
    >>> x, gy, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))
    >>> gx, gw, gb = conv2d_backward(x, gy, w)
    >>> gx[0, 0], gw[0, 0], gb
    (array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]]), array([[4., 4.],
           [4., 4.]]), array([4.]))
    """
    x = float_nchw("x", x)
    gy = float_nchw("gy", gy)
    w = float_nchw("w", w)
    if not x.dtype == gy.dtype == w.dtype:
        raise TypeError(f"x, gy and w must share a dtype, got {x.dtype}, {gy.dtype}, {w.dtype}")
    s, p, d, oh, ow = _check(x.shape, w.shape, stride, padding, dilation, groups)
    _check_gy(gy, x.shape[0], w.shape[0], oh, ow, x.dtype)
    if len(output_mask) != 3:
        raise ValueError(f"output_mask must be 3 bools (input, weight, bias), got {output_mask!r}")
    need_x, need_w, need_b = (bool(v) for v in output_mask)
    fx, fw = finite
    gx = gw = gb = fg = None
    winograd = wino.winograd_applies(x.shape, w.shape, s, p, d, groups)
    if winograd and x.size and gy.size and w.size:
        # Each operand is checked once for all the products that need it (a check reads it all).
        fx = _finite(fx, x) if need_w else fx
        fw = _finite(fw, w) if need_x else fw
    if x.size and gy.size and w.size and need_w:
        if need_x and winograd and fx and fw:
            gx, gw, gsum = wino.winograd_backward(x, gy, w, p)
            if np.isfinite(gsum).all():
                return gx, gw, (gsum.astype(x.dtype) if need_b else None)
            gx = gw = None
            fg = False  # gy holds inf or NaN: the exact paths below
        elif (
            _direct_stride1(w.shape, s, groups)
            and (need_x or fx is not False)
            and (not need_x or _wide_ok(s, w))
        ):
            # With x known to hold inf or NaN only gx comes from this pass.
            xs = None if fx is False else x
            gx, gw, gb = _direct_backward(xs, gy, w, x.shape, p, d, input_grad=need_x)
            fx = False if gw is None else fx  # x holds inf or NaN
    if need_b and gb is None:
        gb = gy.sum(axis=(0, 2, 3))
    if fg is None and winograd:
        # One check of gy for both products, from the bias gradient's sums when there are any.
        fg = bool(np.isfinite(gb).all()) if gb is not None else wino.all_finite(gy)
    if need_x and gx is None:
        gx = conv2d_backward_input(gy, w, x.shape, s, p, d, groups, finite=_both(fg, fw))
    if need_w and gw is None:
        gw = conv2d_backward_weight(x, gy, w.shape, s, p, d, groups, finite=_both(fx, fg))
    return gx, (gw if need_w else None), (gb if need_b else None)


def _both(a: bool | None, b: bool | None) -> bool | None:
    # Known finite only if both are; known non-finite if either is; else unknown.
    if a is False or b is False:
        return False
    return True if a and b else None


def conv2d_forward_and_weight_grad(
    x: np.ndarray,
    w: np.ndarray,
    gy: np.ndarray,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """``conv2d_forward(x, w)`` and ``conv2d_backward_weight(x, gy, w.shape)`` in one call.

    The two share ``x``'s column matrix; ``conv_transpose2d``'s backward needs exactly this
    pair (the input gradient is a convolution of the output gradient, the weight gradient the
    same convolution's weight gradient). Where the paths would not share anything (Winograd,
    direct, pointwise, stride 1, ``gy`` cut short) this is the two calls.

    Examples
    --------
    >>> x, w, gy = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))
    >>> y, gw = conv2d_forward_and_weight_grad(x, w, gy, stride=2)
    >>> y[0, 0], gw[0, 0]
    (array([[4., 4.],
           [4., 4.]]), array([[4., 4.],
           [4., 4.]]))
    """
    x = float_nchw("x", x)
    w = float_nchw("w", w)
    gy = float_nchw("gy", gy)
    s, p, d, oh, ow = _check(x.shape, w.shape, stride, padding, dilation, groups)
    O, cg, kh, kw = w.shape
    shared = (
        s != (1, 1)
        and x.dtype == w.dtype == gy.dtype
        and gy.shape == (x.shape[0], O, oh, ow)
        and x.shape[0] > 0
        and O > 0
        and cg > 0
        and not _use_direct(groups, cg, O // groups)
    )
    if not shared:
        y = conv2d_forward(x, w, s, p, d, groups)
        return y, conv2d_backward_weight(x, gy, w.shape, s, p, d, groups)
    y = np.empty((x.shape[0], O, oh, ow), dtype=x.dtype)
    gw = np.empty(w.shape, dtype=x.dtype)
    _forward_and_weight_gemm(x, w, gy, s, p, d, groups, y, gw)
    return y, gw
