"""NumPy twins of the max-pool kernels, standing in while those are not compiled yet.

:class:`~autograd.kernels._jit.StandIn` runs these until the kernels pay for their compile (they
were compiled on this machine before, or these have paid their rent). Each takes its kernel's
arguments and fills its outputs with the same values: the same winner rule (the first maximum in
row-major order; NaN wins, the last NaN selected) and, for the gradient, the same additions in
the same order.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels.masked import bit_mask


def max_forward_inside(x, kh, kw, sh, sw, dh, dw, y, argmax):
    # _max_forward_inside: every window inside x; the taps visited in the kernel's order, each
    # taking the place of the best so far where it is greater or NaN (on contiguous copies of
    # the taps: NumPy's loops are slow along the short rows of strided views).
    oh, ow = y.shape[2:]
    best = np.empty(y.shape, dtype=y.dtype)
    at = np.zeros(y.shape, dtype=argmax.dtype)
    v = np.empty(y.shape, dtype=y.dtype)
    taken = np.empty(y.shape, dtype=bool)
    for k in range(kh * kw):
        i, j = divmod(k, kw)
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
        np.copyto(best if k == 0 else v, x[:, :, rows, cols])
        if k == 0:
            continue
        np.greater(v, best, out=taken)
        taken |= v != v
        # Both without a branch per element (masked copies mispredict on data with no pattern):
        # k is larger than every tap before it; the tap's bits replace the best's where taken.
        np.maximum(at, taken * k, out=at)
        keep = bit_mask(taken, best.itemsize)
        b, t = best.view(keep.dtype), v.view(keep.dtype)
        np.bitwise_xor(t, b, out=t)  # best ^ ((tap ^ best) & keep): the tap where taken
        np.bitwise_and(t, keep, out=t)
        np.bitwise_xor(b, t, out=b)
    y[...] = best
    argmax[...] = at


def max_backward(gy, argmax, kh, kw, sh, sw, ph, pw, dh, dw, gx):
    # _max_backward: each gy entry added to its window's winner, in output order.
    n, c, h, w = gx.shape
    oh, ow = gy.shape[2:]
    at = argmax.astype(np.int64)
    i, j = at // kw, at % kw
    rows = np.arange(oh)[:, None] * sh + i * dh - ph
    cols = np.arange(ow) * sw + j * dw - pw
    planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    flat = (planes + rows * w + cols).reshape(-1)
    keep = (at >= 0).reshape(-1)
    out = gx.reshape(-1)
    out[:] = 0
    if sh >= (kh - 1) * dh + 1 and sw >= (kw - 1) * dw + 1:
        out[flat[keep]] += gy.reshape(-1)[keep]  # windows apart: each position at most once
    else:
        np.add.at(out, flat[keep], gy.reshape(-1)[keep])
