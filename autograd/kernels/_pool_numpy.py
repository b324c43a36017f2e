"""NumPy twins of the max-pool kernels, standing in while those are not compiled yet.

:class:`~autograd.kernels._jit.StandIn` runs these until the kernels pay for their compile (they
were compiled on this machine before, or these have run for a second). Each takes its kernel's
arguments and fills its outputs with the same values: the same winner rule (the first maximum in
row-major order; NaN wins, the last NaN selected) and, for the gradient, the same additions in
the same order.
"""

from __future__ import annotations

import numpy as np


def max_forward_inside(x, kh, kw, sh, sw, dh, dw, y, argmax):
    # _max_forward_inside: every window inside x.
    n, c, oh, ow = y.shape
    s = x.strides
    windows = np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw),
        writeable=False,
    ).reshape(n, c, oh, ow, kh * kw)  # fmt: skip
    nan = np.isnan(windows)
    last_nan = kh * kw - 1 - np.argmax(nan[..., ::-1], axis=-1)
    at = np.where(nan.any(axis=-1), last_nan, np.argmax(windows, axis=-1))
    argmax[...] = at
    y[...] = np.take_along_axis(windows, at[..., None], axis=-1)[..., 0]


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
    np.add.at(out, flat[keep], gy.reshape(-1)[keep])
