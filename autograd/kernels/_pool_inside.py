"""2-D pooling kernels for the common case where every window lies inside the input.

No padding and no ceil-mode overhang, so these need no per-window bounds: they index flat
arrays with ``np.uint64`` offsets and hand each ``prange`` task a run of whole planes
(``_TASKS`` runs at most), with literal-stride fast paths for the 2x2 window. Each keeps the
comparison or summation order of its general twin in :mod:`autograd.kernels._pool_kernels`,
which the drivers in :mod:`autograd.kernels.pool` use for every other geometry.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._jit import jit, prange
from autograd.kernels._pool_kernels import _TASKS


@jit(inline=True)
def _max_row_2x2(xf, r0, r1, ow_n, yf, af, o0):
    # One output row of the 2x2 window, stride 2, from input rows r0 and r1 (flat offsets);
    # whether a window held NaN. Without one, the window's first maximum in row-major order is
    # each row's first maximum, the top one unless the bottom one is greater: plain
    # comparisons, which LLVM turns into vector selects (the sequential rule's NaN tests keep
    # it scalar). With one, what it wrote is wrong and the caller redoes the row.
    nan = False
    for ow in range(ow_n):
        w0 = np.uint64(ow * 2)
        w1 = w0 + np.uint64(1)
        a0, a1 = xf[r0 + w0], xf[r0 + w1]
        b0, b1 = xf[r1 + w0], xf[r1 + w1]
        nan |= (a0 != a0) | (a1 != a1) | (b0 != b0) | (b1 != b1)
        top = a1 > a0
        bottom = b1 > b0
        a = a1 if top else a0
        b = b1 if bottom else b0
        lower = b > a
        yf[o0 + np.uint64(ow)] = b if lower else a
        at_top = np.int8(1) if top else np.int8(0)
        at_bottom = np.int8(3) if bottom else np.int8(2)
        af[o0 + np.uint64(ow)] = at_bottom if lower else at_top
    return nan


@jit(parallel=True, warm=True)
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
        p0, p1 = t * planes // tasks, (t + 1) * planes // tasks
        window_2x2 = kh == 2 and kw == 2 and sw == 2 and dh == 1 and dw == 1
        if window_2x2:
            # Plain comparisons, noting a NaN in a window on the way (in the same pass: a pass
            # of its own to look for one cost as much as the pooling); a task that met one is
            # done again below by the sequential rule.
            nan = False
            if sh == 2 and H == 2 * oh_n:
                # The planes' rows tile the input two by two: one run of output rows.
                for r in range(p0 * oh_n, p1 * oh_n):
                    r0 = np.uint64(r * 2 * W)
                    o0 = np.uint64(r * ow_n)
                    nan |= _max_row_2x2(xf, r0, r0 + np.uint64(W), ow_n, yf, af, o0)
            else:
                for p in range(p0, p1):
                    for oh in range(oh_n):
                        r0 = np.uint64((p * H + oh * sh) * W)
                        o0 = np.uint64((p * oh_n + oh) * ow_n)
                        nan |= _max_row_2x2(xf, r0, r0 + np.uint64(W), ow_n, yf, af, o0)
            if not nan:
                continue
        for p in range(p0, p1):
            for oh in range(oh_n):
                r0 = np.uint64((p * H + oh * sh) * W)
                o0 = np.uint64((p * oh_n + oh) * ow_n)
                if window_2x2:
                    # The sequential rule: NaN wins, the last one selected.
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


@jit(parallel=True, warm=True)
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


@jit(parallel=True, warm=True)
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
