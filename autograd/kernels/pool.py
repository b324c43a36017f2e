"""2-D pooling kernels on NumPy arrays (NCHW layout, float32 or float64).

Layouts
-------
Input ``x`` is ``(N, C, H, W)``; outputs are ``(N, C, OH, OW)`` with ``OH`` from
:func:`pool_output_size`. Window ``(oh, ow)`` covers rows ``oh*sh - ph + i*dh`` for
``i < kh`` and columns likewise; positions outside the input are padding.

Every kernel runs a ``prange`` over the ``N*C`` planes only: a plane's windows may overlap, so
one iteration owns each plane and the scatter-adds of the backward passes never race. No
fastmath anywhere: NaN must propagate exactly as in PyTorch.

Semantics (PyTorch's CPU kernels)
---------------------------------
- Max pool: padding never wins (it acts as -inf). A window's value is its first maximum in
  row-major order, except that NaN wins and the *last* NaN is the one selected
  (``val > max or isnan(val)``). A window with only -inf selects its first in-bounds element.
  ``argmax`` stores the winner's offset ``i*kw + j`` inside the window (-1 for a window
  without in-bounds elements), as int8 when ``kh*kw <= 127``, else int16 or int32.
- Avg pool: the window sum divided by ``divisor_override`` if given, else by the window area
  clipped to the padded input (``count_include_pad=True``) or to the input
  (``count_include_pad=False``).

Adaptive pooling lives in :mod:`autograd.kernels.adaptive_pool` and is re-exported here.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._args import Pair, float_nchw, gradient, pair
from autograd.kernels._jit import jit, prange
from autograd.kernels.adaptive_pool import (
    adaptive_avg_pool2d_backward,
    adaptive_avg_pool2d_forward,
    adaptive_max_pool2d_backward,
    adaptive_max_pool2d_forward,
)

__all__ = [
    "pool_output_size",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "adaptive_avg_pool2d_forward",
    "adaptive_avg_pool2d_backward",
    "adaptive_max_pool2d_forward",
    "adaptive_max_pool2d_backward",
]


# --------------------------------------------------------------------------------------------
# Numba kernels


@jit
def _tap_range(start, dilation, k, size):
    # Taps t in [lo, hi) of a window starting at `start` whose positions start + t*dilation
    # fall inside [0, size); computed once per window so the inner loops carry no bounds tests.
    lo = 0
    if start < 0:
        lo = (-start + dilation - 1) // dilation
    hi = 0
    if size - 1 - start >= 0:
        hi = min(k, (size - 1 - start) // dilation + 1)
    return lo, max(lo, hi)


@jit
def _valid_range(n_out, stride, offset, size):
    # Output positions o in [lo, hi) whose input index o*stride + offset lies in [0, size).
    lo = 0
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = 0
    if size - 1 - offset >= 0:
        hi = min(n_out, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


@jit
def _tap_table(n_out, stride, pad, dilation, k, size):
    # Per output position along one axis: first and end tap of its window.
    table = np.empty((n_out, 2), dtype=np.int64)
    for o in range(n_out):
        table[o, 0], table[o, 1] = _tap_range(o * stride - pad, dilation, k, size)
    return table


# Hot loops index flat planes with np.uint64 offsets: Numba then skips its negative-index
# wraparound test, which was measured to cost 25-40% here (and to block vectorization).


@jit(parallel=True)
def _max_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, y, argmax):
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    rows = _tap_table(oh_n, sh, ph, dh, kh, H)
    cols = _tap_table(ow_n, sw, pw, dw, kw, W)
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = x[n, c].reshape(H * W)
        out = y[n, c].reshape(oh_n * ow_n)
        out_at = argmax[n, c].reshape(oh_n * ow_n)
        for oh in range(oh_n):
            h0 = oh * sh - ph
            i_lo, i_hi = rows[oh, 0], rows[oh, 1]
            for ow in range(ow_n):
                w0 = ow * sw - pw
                j_lo, j_hi = cols[ow, 0], cols[ow, 1]
                o = np.uint64(oh * ow_n + ow)
                if i_lo >= i_hi or j_lo >= j_hi:
                    out[o] = -np.inf
                    out_at[o] = -1
                    continue
                # Starting from the first element equals PyTorch's start from -inf: it wins
                # every comparison -inf would have made. Branch-free selects: the branchy
                # form mispredicts on every other element of random data.
                best = plane[np.uint64((h0 + i_lo * dh) * W + w0 + j_lo * dw)]
                at = i_lo * kw + j_lo
                for i in range(i_lo, i_hi):
                    base = (h0 + i * dh) * W + w0
                    for j in range(j_lo, j_hi):
                        v = plane[np.uint64(base + j * dw)]
                        take = (v > best) | (v != v)
                        best = v if take else best
                        at = i * kw + j if take else at
                out[o] = best
                out_at[o] = at


# The "inside" kernels below serve the common case where every window lies inside the input
# (no padding, no ceil-mode overhang). They index flat arrays and hand each prange task a run
# of whole planes (_TASKS runs at most): per-plane views, allocations and tasks were measured
# to cost more than the work on 32x32 planes.
_TASKS = 64


@jit(parallel=True)
def _max_forward_inside(x, kh, kw, sh, sw, dh, dw, y, argmax):
    # Same comparison order and NaN rule as _max_forward; taps outside, an output row inside,
    # so the inner loop is a vectorizable run of selects.
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    xf = x.reshape(x.size)
    yf = y.reshape(y.size)
    af = argmax.reshape(argmax.size)
    planes = N * C
    tasks = min(planes, _TASKS)
    for t in prange(tasks):
        for p in range(t * planes // tasks, (t + 1) * planes // tasks):
            for oh in range(oh_n):
                r0 = np.uint64((p * H + oh * sh) * W)
                o0 = np.uint64((p * oh_n + oh) * ow_n)
                if kh == 2 and kw == 2 and sw == 2 and dh == 1 and dw == 1:
                    # The common 2x2 window, stride 2: four taps in registers, one store per
                    # output; the literal stride lets LLVM vectorize the loads as shuffles.
                    r1 = r0 + np.uint64(W)
                    for ow in range(ow_n):
                        w0 = np.uint64(ow * 2)
                        w1 = w0 + np.uint64(1)
                        best = xf[r0 + w0]
                        v = xf[r0 + w1]
                        take = (v > best) | (v != v)
                        best = v if take else best
                        at = 1 if take else 0
                        v = xf[r1 + w0]
                        take = (v > best) | (v != v)
                        best = v if take else best
                        at = 2 if take else at
                        v = xf[r1 + w1]
                        take = (v > best) | (v != v)
                        yf[o0 + np.uint64(ow)] = v if take else best
                        af[o0 + np.uint64(ow)] = 3 if take else at
                    continue
                for ow in range(ow_n):
                    yf[o0 + np.uint64(ow)] = xf[r0 + np.uint64(ow * sw)]
                    af[o0 + np.uint64(ow)] = 0
                for i in range(kh):
                    r = r0 + np.uint64(i * dh * W)
                    for j in range(kw):
                        if i == 0 and j == 0:
                            continue
                        tap = i * kw + j
                        for ow in range(ow_n):
                            o = o0 + np.uint64(ow)
                            v = xf[r + np.uint64(ow * sw + j * dw)]
                            best = yf[o]
                            take = (v > best) | (v != v)
                            yf[o] = v if take else best
                            af[o] = tap if take else af[o]


@jit(parallel=True)
def _max_backward(gy, argmax, kh, kw, sh, sw, ph, pw, dh, dw, gx):
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    # Offset -> flat shift inside the plane; a table lookup instead of a division.
    shift = np.empty(kh * kw, dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            shift[i * kw + j] = (i * dh - ph) * W + j * dw - pw
    gf = gy.reshape(gy.size)
    af = argmax.reshape(argmax.size)
    xf = gx.reshape(gx.size)
    planes = N * C
    tasks = min(planes, _TASKS)
    for t in prange(tasks):
        for p in range(t * planes // tasks, (t + 1) * planes // tasks):
            base = p * H * W
            for u in range(H * W):
                xf[np.uint64(base + u)] = 0.0
            o0 = p * oh_n * ow_n
            for oh in range(oh_n):
                for ow in range(ow_n):
                    o = np.uint64(o0 + oh * ow_n + ow)
                    at = af[o]
                    if at >= 0:
                        xf[np.uint64(base + oh * sh * W + ow * sw + shift[at])] += gf[o]


@jit
def _avg_table(n_out, stride, pad, k, size, include_pad):
    # Per output position along one axis: clipped window [lo, hi) and the length the divisor
    # counts (PyTorch: the window clipped to the padded input, or to the input).
    table = np.empty((n_out, 3), dtype=np.int64)
    for o in range(n_out):
        lo = o * stride - pad
        hi = min(lo + k, size + pad)
        padded = hi - lo
        lo = max(lo, 0)
        hi = min(hi, size)
        table[o, 0] = lo
        table[o, 1] = max(lo, hi)
        table[o, 2] = padded if include_pad else hi - lo
    return table


@jit
def _tap_columns(kw, ow_n, sw, pw, W):
    # For each window column j: the output columns [lo, hi) whose tap j is inside the input.
    cols = np.empty((kw, 2), dtype=np.int64)
    for j in range(kw):
        cols[j, 0], cols[j, 1] = _valid_range(ow_n, sw, j - pw, W)
    return cols


@jit(parallel=True)
def _avg_forward(x, kh, kw, sh, sw, ph, pw, include_pad, divisor, y):
    # Taps outside, an output row inside: the inner loop is a strided vector add.
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    rows = _avg_table(oh_n, sh, ph, kh, H, include_pad)
    wins = _avg_table(ow_n, sw, pw, kw, W, include_pad)
    cols = _tap_columns(kw, ow_n, sw, pw, W)
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = x[n, c]
        acc = np.empty(ow_n, dtype=x.dtype)
        for oh in range(oh_n):
            acc[:] = 0.0
            for ih in range(rows[oh, 0], rows[oh, 1]):
                src = plane[ih]
                for j in range(kw):
                    for ow in range(cols[j, 0], cols[j, 1]):
                        acc[ow] += src[np.uint64(ow * sw + j - pw)]
            out = y[n, c, oh]
            for ow in range(ow_n):
                div = divisor if divisor != 0 else rows[oh, 2] * wins[ow, 2]
                # An empty window (possible in ceil mode) gives 0, as in PyTorch.
                out[ow] = acc[ow] / div if div != 0 else 0.0


@jit(parallel=True)
def _avg_backward(gy, kh, kw, sh, sw, ph, pw, include_pad, divisor, gx):
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    rows = _avg_table(oh_n, sh, ph, kh, H, include_pad)
    wins = _avg_table(ow_n, sw, pw, kw, W, include_pad)
    cols = _tap_columns(kw, ow_n, sw, pw, W)
    for p in prange(N * C):
        n = p // C
        c = p % C
        plane = gx[n, c]
        plane[:, :] = 0.0
        share = np.empty(ow_n, dtype=gx.dtype)
        for oh in range(oh_n):
            g = gy[n, c, oh]
            for ow in range(ow_n):
                div = divisor if divisor != 0 else rows[oh, 2] * wins[ow, 2]
                share[ow] = g[ow] / div if div != 0 else 0.0
            for ih in range(rows[oh, 0], rows[oh, 1]):
                dst = plane[ih]
                for j in range(kw):
                    for ow in range(cols[j, 0], cols[j, 1]):
                        dst[np.uint64(ow * sw + j - pw)] += share[ow]


@jit(parallel=True)
def _avg_forward_inside(x, kh, kw, sh, sw, div, y):
    # Windows inside the input share one divisor. The summation order is _avg_forward's, so
    # the two agree bit for bit; `div` is a float64, as the int divisor is promoted there.
    N, C, H, W = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    xf = x.reshape(x.size)
    yf = y.reshape(y.size)
    planes = N * C
    tasks = min(planes, _TASKS)
    for t in prange(tasks):
        for p in range(t * planes // tasks, (t + 1) * planes // tasks):
            for oh in range(oh_n):
                r0 = np.uint64((p * H + oh * sh) * W)
                o0 = np.uint64((p * oh_n + oh) * ow_n)
                if kh == 2 and kw == 2 and sw == 2:
                    r1 = r0 + np.uint64(W)
                    for ow in range(ow_n):
                        w0 = np.uint64(ow * 2)
                        w1 = w0 + np.uint64(1)
                        total = ((xf[r0 + w0] + xf[r0 + w1]) + xf[r1 + w0]) + xf[r1 + w1]
                        yf[o0 + np.uint64(ow)] = total / div
                    continue
                for ow in range(ow_n):
                    yf[o0 + np.uint64(ow)] = 0.0
                for i in range(kh):
                    r = r0 + np.uint64(i * W)
                    for j in range(kw):
                        for ow in range(ow_n):
                            yf[o0 + np.uint64(ow)] += xf[r + np.uint64(ow * sw + j)]
                for ow in range(ow_n):
                    yf[o0 + np.uint64(ow)] = yf[o0 + np.uint64(ow)] / div


@jit(parallel=True)
def _avg_backward_inside(gy, kh, kw, div, gx):
    # Windows that tile the input from its corner (stride == kernel, no padding, one divisor):
    # each input element is written once with its window's share, as whole contiguous rows;
    # the rows and columns past the last window get zero.
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    gf = gy.reshape(gy.size)
    xf = gx.reshape(gx.size)
    span = ow_n * kw
    planes = N * C
    tasks = min(planes, _TASKS)
    for t in prange(tasks):
        share = np.empty(ow_n, dtype=gx.dtype)
        for p in range(t * planes // tasks, (t + 1) * planes // tasks):
            for oh in range(oh_n):
                g0 = np.uint64((p * oh_n + oh) * ow_n)
                for ow in range(ow_n):
                    share[np.uint64(ow)] = gf[g0 + np.uint64(ow)] / div
                if kh == 2 and kw == 2:
                    # Both rows of the 2x2 windows in one pass.
                    r0 = np.uint64((p * H + oh * 2) * W)
                    r1 = r0 + np.uint64(W)
                    for iw in range(span):
                        v = share[np.uint64(iw >> 1)]
                        xf[r0 + np.uint64(iw)] = v
                        xf[r1 + np.uint64(iw)] = v
                    for iw in range(span, W):
                        xf[r0 + np.uint64(iw)] = 0.0
                        xf[r1 + np.uint64(iw)] = 0.0
                    continue
                for i in range(kh):
                    row = np.uint64((p * H + oh * kh + i) * W)
                    for iw in range(span):
                        xf[row + np.uint64(iw)] = share[np.uint64(iw // kw)]
                    for iw in range(span, W):
                        xf[row + np.uint64(iw)] = 0.0
            for u in range((p * H + oh_n * kh) * W, (p + 1) * H * W):
                xf[np.uint64(u)] = 0.0


@jit
def _source_map(n_in, n_out, stride, pad, k):
    # Non-overlapping windows: the one output position whose window holds each input position
    # along an axis, or -1.
    src = np.full(n_in, -1, dtype=np.int64)
    for i in range(n_in):
        o = (i + pad) // stride
        if (i + pad) - o * stride < k and o < n_out:
            src[i] = o
    return src


@jit(parallel=True)
def _avg_backward_tiled(gy, kh, kw, sh, sw, ph, pw, include_pad, divisor, gx):
    # For windows that do not overlap (stride >= kernel): each input element gathers its one
    # share, so gx is written once with no zeroing pass (measured 1.4x faster than scatter).
    N, C, H, W = gx.shape
    oh_n, ow_n = gy.shape[2], gy.shape[3]
    rows = _avg_table(oh_n, sh, ph, kh, H, include_pad)
    wins = _avg_table(ow_n, sw, pw, kw, W, include_pad)
    row_src = _source_map(H, oh_n, sh, ph, kh)
    col_src = _source_map(W, ow_n, sw, pw, kw)
    for p in prange(N * C):
        n = p // C
        c = p % C
        share = np.empty(ow_n + 1, dtype=gx.dtype)
        share[ow_n] = 0.0  # the share of positions no window covers
        for ih in range(H):
            dst = gx[n, c, ih]
            oh = row_src[ih]
            if oh < 0:
                dst[:] = 0.0
                continue
            g = gy[n, c, oh]
            for ow in range(ow_n):
                div = divisor if divisor != 0 else rows[oh, 2] * wins[ow, 2]
                share[ow] = g[ow] / div
            for iw in range(W):
                at = col_src[np.uint64(iw)]
                dst[np.uint64(iw)] = share[np.uint64(at if at >= 0 else ow_n)]


# --------------------------------------------------------------------------------------------
# Argument handling


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Return a pooling output's length along one axis, with PyTorch's ``ceil_mode`` rule.

    ``floor`` (or ``ceil``) of ``(size + 2*padding - dilation*(kernel - 1) - 1) / stride``, plus
    one; in ceil mode a last window that would start beyond the input and its left padding is
    dropped.

    Examples
    --------
    >>> pool_output_size(5, 2, 2, 0)
    2
    >>> pool_output_size(5, 2, 2, 0, ceil_mode=True)
    3
    >>> pool_output_size(4, 2, 2, 1, ceil_mode=True)  # a 4th window would start in the padding
    3
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _geometry(
    x_shape: tuple[int, ...],
    kernel: int | Pair,
    stride: int | Pair | None,
    padding: int | Pair,
    dilation: int | Pair,
    ceil_mode: bool,
) -> tuple[Pair, Pair, Pair, Pair, Pair]:
    k = pair("kernel_size", kernel, 1)
    s = k if stride is None or stride == () else pair("stride", stride, 1)
    p = pair("padding", padding, 0)
    d = pair("dilation", dilation, 1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"padding {p} must be at most half of kernel_size {k}")
    out = tuple(
        pool_output_size(x_shape[2 + a], k[a], s[a], p[a], d[a], bool(ceil_mode)) for a in (0, 1)
    )
    if min(out) < 1:
        raise ValueError(
            f"input spatial size {tuple(x_shape[2:])} gives an empty output {out} for "
            f"kernel_size {k}, stride {s}, padding {p}, dilation {d}"
        )
    return k, s, p, d, out  # type: ignore[return-value]


def _inside(x_shape: tuple, k: Pair, s: Pair, p: Pair, d: Pair, out: tuple) -> bool:
    # No padding and every window (ceil mode included) ends inside the input.
    return p == (0, 0) and all(
        (out[a] - 1) * s[a] + (k[a] - 1) * d[a] < x_shape[2 + a] for a in (0, 1)
    )


def _argmax_dtype(window: int) -> type[np.signedinteger]:
    if window <= np.iinfo(np.int8).max:
        return np.int8
    if window <= np.iinfo(np.int16).max:
        return np.int16
    return np.int32


# --------------------------------------------------------------------------------------------
# Public functions


def max_pool2d_forward(
    x: np.ndarray,
    kernel: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    ceil_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling over ``(kh, kw)`` windows, as PyTorch's ``max_pool2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        float32 or float64.
    kernel, stride, padding, dilation : int or (int, int)
        ``stride`` defaults to ``kernel``. ``padding`` is at most half the kernel.
    ceil_mode : bool
        Use ceil instead of floor for the output size (see :func:`pool_output_size`).

    Returns
    -------
    y : ndarray, shape (N, C, OH, OW)
    argmax : ndarray of int8/int16/int32, shape (N, C, OH, OW)
        Offset ``i*kw + j`` of each window's winner (see the module docstring). Pass it to
        :func:`max_pool2d_backward` with the same geometry.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> y, argmax = max_pool2d_forward(x, 2)
    >>> y.ravel(), argmax.ravel()
    (array([5.]), array([1], dtype=int8))
    """
    x = float_nchw("x", x)
    k, s, p, d, out = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
    y = np.empty((*x.shape[:2], *out), dtype=x.dtype)
    argmax = np.empty(y.shape, dtype=_argmax_dtype(k[0] * k[1]))
    if y.size:
        if _inside(x.shape, k, s, p, d, out):
            _max_forward_inside(x, *k, *s, *d, y, argmax)
        else:
            _max_forward(x, *k, *s, *p, *d, y, argmax)
    return y, argmax


def max_pool2d_backward(
    gy: np.ndarray,
    argmax: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d_forward`: each ``gy`` goes to its window's winner.

    Overlapping windows add up (``stride < kernel``). Arguments are those of the forward call
    plus the output gradient ``gy`` (same shape as ``y``) and the saved ``argmax``.

    Returns
    -------
    ndarray, shape x_shape
        ``gx``, same dtype as ``gy``.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> y, argmax = max_pool2d_forward(x, 2)
    >>> max_pool2d_backward(np.ones_like(y), argmax, x.shape, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    k, s, p, d, out = _geometry(x_shape, kernel, stride, padding, dilation, ceil_mode)
    gy = gradient("gy", gy, x_shape, out)
    argmax = np.ascontiguousarray(argmax)
    if argmax.shape != gy.shape or argmax.dtype.kind != "i":
        raise ValueError(f"argmax must be an integer array of shape {gy.shape}")
    gx = np.empty(x_shape, dtype=gy.dtype)
    if gx.size:
        _max_backward(gy, argmax, *k, *s, *p, *d, gx)
    return gx


def _divisor(divisor_override: int | None) -> int:
    if divisor_override is None:
        return 0
    if isinstance(divisor_override, bool) or int(divisor_override) != divisor_override:
        raise TypeError(f"divisor_override must be an int, got {divisor_override!r}")
    if divisor_override == 0:
        raise ValueError("divisor_override must be non-zero")
    return int(divisor_override)


def avg_pool2d_forward(
    x: np.ndarray,
    kernel: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Average pooling, as PyTorch's ``avg_pool2d`` (no dilation, as there).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel, stride, padding, ceil_mode
        As in :func:`max_pool2d_forward`.
    count_include_pad : bool
        Count zero padding in the divisor (never the part of a ceil-mode window beyond it).
    divisor_override : int, optional
        Divide every window sum by this instead.

    Returns
    -------
    ndarray, shape (N, C, OH, OW)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d_forward(x, 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = float_nchw("x", x)
    k, s, p, _, out = _geometry(x.shape, kernel, stride, padding, 1, ceil_mode)
    div = _divisor(divisor_override)
    y = np.empty((*x.shape[:2], *out), dtype=x.dtype)
    if y.size:
        if _inside(x.shape, k, s, p, (1, 1), out):
            # Inside the input every window counts kh*kw elements, padding or not.
            _avg_forward_inside(x, *k, *s, float(div or k[0] * k[1]), y)
        else:
            _avg_forward(x, *k, *s, *p, bool(count_include_pad), div, y)
    return y


def avg_pool2d_backward(
    gy: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d_forward` (same arguments, plus ``gy`` and ``x_shape``).

    Returns
    -------
    ndarray, shape x_shape
        ``gx``: each window spreads ``gy / divisor`` over its in-bounds elements.

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    k, s, p, _, out = _geometry(x_shape, kernel, stride, padding, 1, ceil_mode)
    gy = gradient("gy", gy, x_shape, out)
    div = _divisor(divisor_override)
    gx = np.empty(x_shape, dtype=gy.dtype)
    if gx.size:
        if s == k and _inside(x_shape, k, s, p, (1, 1), out):
            _avg_backward_inside(gy, *k, float(div or k[0] * k[1]), gx)
            return gx
        tiled = s[0] >= k[0] and s[1] >= k[1]
        backward = _avg_backward_tiled if tiled else _avg_backward
        backward(gy, *k, *s, *p, bool(count_include_pad), div, gx)
    return gx
