"""NumPy twins of the im2col + GEMM convolution paths, standing in while their kernels are cold.

:class:`~autograd.kernels._jit.StandIn` runs these in place of the ``gemm``, ``gemm_wide`` and
``batched`` paths until those paths' copy kernels pay for their compile (compiled on this
machine before, or after their rent, ``STAND_IN_SECONDS``). They take the drivers' arguments
and compute the same products on the same column matrices (zero padding included), built with a
strided view and one copy instead of compiled loops; only the order of the GEMMs' additions
differs. The column matrix is ``(C_group * kh * kw, N * OH * OW)``, so that the copy runs along
output rows.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels._args import ConvGeometry, conv_output_size


def _padded(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    ph, pw = g.padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x  # np.pad's own bookkeeping costs more than this
    return xp


def _columns(xp: np.ndarray, c0: int, cg: int, kh: int, kw: int, oh: int, ow: int,
             g: ConvGeometry) -> np.ndarray:  # fmt: skip
    # Channels c0 .. c0 + cg of the padded input as a (cg * kh * kw, N * oh * ow) matrix.
    (sh, sw), (dh, dw) = g.stride, g.dilation
    n = xp.shape[0]
    s = xp.strides
    view = np.lib.stride_tricks.as_strided(
        xp[:, c0 : c0 + cg], (cg, kh, kw, n, oh, ow),
        (s[1], s[2] * dh, s[3] * dw, s[0], s[2] * sh, s[3] * sw), writeable=False,
    )  # fmt: skip
    return view.reshape(cg * kh * kw, n * oh * ow)


def _rows(gy: np.ndarray, o0: int, og: int) -> np.ndarray:
    # Output channels o0 .. o0 + og of gy as an (og, N * oh * ow) matrix.
    return gy[:, o0 : o0 + og].transpose(1, 0, 2, 3).reshape(og, -1)


def forward(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    """``y = conv(x, w) + b`` (an empty ``b``: no bias), as the drivers' ``FORWARD`` entries."""
    n, o, (cg, kh, kw) = x.shape[0], w.shape[0], w.shape[1:]
    og = o // g.groups
    oh, ow = (conv_output_size(x.shape[2 + a], w.shape[2 + a], g.stride[a], g.padding[a],
                               g.dilation[a]) for a in (0, 1))  # fmt: skip
    xp = _padded(x, g)
    y = np.empty((n, o, oh, ow), dtype=x.dtype)
    for j in range(g.groups):
        cols = _columns(xp, j * cg, cg, kh, kw, oh, ow, g)
        out = w[j * og : (j + 1) * og].reshape(og, -1) @ cols
        y[:, j * og : (j + 1) * og] = out.reshape(og, n, oh, ow).transpose(1, 0, 2, 3)
    if b.size:
        y += b.reshape(-1, 1, 1)
    return y


def input_grad(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    """``gx``, as the drivers' ``INPUT_GRAD`` entries (``gy`` may be spatially short)."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // g.groups
    (sh, sw), (ph, pw), (dh, dw) = g.stride, g.padding, g.dilation
    oh, ow = gy.shape[2:]
    # Channel-major, so each tap adds a (cg, n, oh, ow) block of the product as it lies.
    gxp = np.zeros((c, n, h + 2 * ph, wd + 2 * pw), dtype=w.dtype)
    for j in range(g.groups):
        d = w[j * og : (j + 1) * og].reshape(og, -1).T @ _rows(gy, j * og, og)
        d = d.reshape(cg, kh, kw, n, oh, ow)
        planes = gxp[j * cg : (j + 1) * cg]
        for i in range(kh):
            for t in range(kw):
                rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
                cols = slice(t * dw, t * dw + sw * (ow - 1) + 1, sw)
                planes[:, :, rows, cols] += d[:, i, t]
    return np.ascontiguousarray(gxp[:, :, ph : ph + h, pw : pw + wd].transpose(1, 0, 2, 3))


def weight_grad(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> tuple[np.ndarray, None]:
    """``(gw, None)``, as the drivers' ``WEIGHT_GRAD`` entries (``gy`` may be spatially short)."""
    o, cg, kh, kw = w_shape
    og = o // g.groups
    oh, ow = gy.shape[2:]
    xp = _padded(x, g)
    gw = np.empty(w_shape, dtype=x.dtype)
    for j in range(g.groups):
        cols = _columns(xp, j * cg, cg, kh, kw, oh, ow, g)
        gw[j * og : (j + 1) * og] = (_rows(gy, j * og, og) @ cols.T).reshape(og, cg, kh, kw)
    return gw, None
