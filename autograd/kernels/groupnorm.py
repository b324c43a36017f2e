"""Layer and group normalization: one kernel per direction over rows of ``(B, G, D, L)``.

Each of the ``B * G`` rows (a sample's group of channels, or a sample's normalized dims for
layer norm: ``G = L = 1``) is standardized over its ``D * L`` values, then scaled and shifted by
``(G, D)`` parameters. Written with NumPy that is about six passes each way, each a ufunc call
with its own temporary: a transformer's layer norm over 1 024 rows of 128 took 0.17 ms forward
and 0.33 backward, where these kernels take 0.10 and 0.12. The forward reads a row twice for its
statistics (two passes, so the variance does not cancel) and once more to write the
standardized row and the output; the backward reads the output gradient and the standardized
row once for the row's two sums and the parameters' gradients, and once more to write the
input's gradient.

Row statistics and the parameters' gradients are accumulated in float64, and the standardized
row is computed in float64 and rounded once (the centering may cancel most of each value);
other elements are read and written in the arrays' dtype (float32 or float64: two signatures
per kernel; float16 takes the NumPy path). The sums use ``fastmath={"reassoc", "contract"}``:
vector partial sums and fused multiply-adds, while inf and NaN still propagate as in IEEE
arithmetic. An absent weight or bias reaches a kernel as an empty array. On a megabyte or more
the forward runs a block of rows per kernel thread while the pool is warm (``light``: after
another parallel kernel, not amid a transformer's products; 8 192 rows of 256: 1.2 -> 0.6 ms).
Until the kernels pay for their compile (:class:`~autograd.kernels._jit.StandIn`), the same
arithmetic in NumPy stands in.
"""

from __future__ import annotations

import numpy as np

from ._jit import StandIn, jit, prange
from ._rows import chunk_rows, row_parts

__all__ = ["group_norm_forward", "group_norm_backward"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit(parallel=True, light=True, fastmath={"reassoc", "contract"}, error_model="numpy", warm=True)
def _forward(x, w, b, groups, eps, out, xhat, invstd, parts):
    # parts: blocks of rows, one per thread (the serial twin runs them one after another).
    rows = x.shape[0]
    for p in prange(parts):
        _forward_rows(x, w, b, groups, eps, out, xhat, invstd, rows * p // parts,
                      rows * (p + 1) // parts)  # fmt: skip


@jit(fastmath={"reassoc", "contract"}, error_model="numpy")
def _forward_rows(x, w, b, groups, eps, out, xhat, invstd, lo, hi):
    # error_model="numpy": a constant row with eps = 0 divides by zero into inf and NaN (as
    # PyTorch's), rather than raising.
    # x, out, xhat: (R, D, L) with R = B * G; w, b: (G, D) or empty; invstd: (R,); rows lo..hi.
    rows, d, length = x.shape
    k = d * length
    xf, hf, of = x.reshape(rows, k), xhat.reshape(rows, k), out.reshape(rows, k)
    to = out.dtype.type
    one = to(1)
    zero = np.float64(0.0)  # float64 sums in Python as well: 0.0 + a float32 is a float32
    # Each stage (the statistics, the standardized rows, the affine map) as a pass over a
    # chunk of rows that stays in cache, rather than the stages of one row after another:
    # 1 024 rows of 128, 80-87 -> 62 us (the kernel).
    means = np.empty(rows, np.float64)
    invs = np.empty(rows, np.float64)
    chunk = chunk_rows(k, x.itemsize)
    for r0 in range(lo, hi, chunk):
        r1 = min(r0 + chunk, hi)
        for r in range(r0, r1):
            s = zero
            for e in range(k):
                s += xf[r, e]
            mu = s / k
            q = zero
            for e in range(k):
                v = xf[r, e] - mu
                q += v * v
            means[r] = mu
            invs[r] = 1.0 / np.sqrt(q / k + eps)
        for r in range(r0, r1):
            mu, inv = means[r], invs[r]
            for e in range(k):  # in float64, rounded once: x - mean may cancel most of x
                hf[r, e] = to((xf[r, e] - mu) * inv)
            invstd[r] = to(inv)
        for r in range(r0, r1):
            gi = r % groups
            if length == 1:  # layer norm: a parameter per value of the row
                for e in range(k):
                    sc = w[gi, e] if w.size else one
                    sh = b[gi, e] if b.size else to(0)
                    of[r, e] = hf[r, e] * sc + sh
            else:
                for c in range(d):
                    sc = w[gi, c] if w.size else one
                    sh = b[gi, c] if b.size else to(0)
                    for j in range(length):
                        out[r, c, j] = xhat[r, c, j] * sc + sh


@jit(fastmath={"reassoc", "contract"}, warm=True)
def _backward(g, xhat, invstd, w, groups, need_input, dx, dw, db):
    # g, xhat, dx: (R, D, L); w: (G, D) or empty; dw, db: (G, D) float64, zero on entry; dx is
    # written only with need_input. Serial: two threads on halves of the rows took as long as
    # one on all of them here (8 192 rows of 256, 1.3-1.4 ms), where the forward halves.
    rows, d, length = g.shape
    k = d * length
    gf, hf, df = g.reshape(rows, k), xhat.reshape(rows, k), dx.reshape(rows, k)
    to = dx.dtype.type
    one = to(1)
    zero = np.float64(0.0)  # float64 sums in Python as well
    for r in range(rows):
        gi = r % groups
        s1 = zero
        s2 = zero
        if length == 1:
            for e in range(k):
                gv = gf[r, e]
                h = hf[r, e]
                dw[gi, e] += gv * h
                db[gi, e] += gv
                gw = gv * (w[gi, e] if w.size else one)
                s1 += gw
                s2 += gw * h
        else:
            for c in range(d):
                wc = w[gi, c] if w.size else one
                sw = zero
                sb = zero
                for j in range(length):
                    gv = g[r, c, j]
                    h = xhat[r, c, j]
                    sw += gv * h
                    sb += gv
                dw[gi, c] += sw
                db[gi, c] += sb
                s1 += wc * sb
                s2 += wc * sw
        if need_input:
            # dx = invstd * (g' - mean(g') - xhat * mean(g' * xhat)), g' = g * w
            inv = invstd[r]
            k1, k2 = to(s2 / k), to(s1 / k)
            if length == 1:
                for e in range(k):
                    gw = gf[r, e] * (w[gi, e] if w.size else one)
                    df[r, e] = (gw - hf[r, e] * k1 - k2) * inv
            else:
                for c in range(d):
                    wc = w[gi, c] if w.size else one
                    for j in range(length):
                        dx[r, c, j] = (g[r, c, j] * wc - xhat[r, c, j] * k1 - k2) * inv


def _forward_numpy(x, w, b, groups, eps, out, xhat, invstd, parts):
    # _forward's arithmetic in NumPy passes (float64 row statistics).
    rows, d, length = x.shape
    xr = x.reshape(rows, d * length)
    mean = np.einsum("ij->i", xr, dtype=np.float64) / xr.shape[1]
    c = xr - mean[:, None]  # float64
    inv = 1.0 / np.sqrt(np.einsum("ij,ij->i", c, c) / xr.shape[1] + eps)
    invstd[:] = inv
    np.multiply(c, inv[:, None], out=xhat.reshape(c.shape), casting="same_kind")
    per_group = xhat.reshape(-1, groups, d, length)
    o = out.reshape(per_group.shape)
    if w.size:
        np.multiply(per_group, w[:, :, None], out=o)
    else:
        o[...] = per_group
    o += b[:, :, None] if b.size else o.dtype.type(0)  # + 0 as the kernel: -0 becomes 0


def _backward_numpy(g, xhat, invstd, w, groups, need_input, dx, dw, db):
    # _backward's arithmetic in NumPy passes.
    rows, d, length = g.shape
    g4 = g.reshape(-1, groups, d, length)
    h4 = xhat.reshape(g4.shape)
    dw += np.einsum("bgdl,bgdl->gd", g4, h4, dtype=np.float64)
    db += np.einsum("bgdl->gd", g4, dtype=np.float64)
    if need_input:
        gw = g4 * w[:, :, None] if w.size else g4
        gr = gw.reshape(rows, d * length)
        hr = xhat.reshape(gr.shape)
        k1 = (np.einsum("ij,ij->i", gr, hr, dtype=np.float64) / gr.shape[1]).astype(g.dtype)
        k2 = (np.einsum("ij->i", gr, dtype=np.float64) / gr.shape[1]).astype(g.dtype)
        out = dx.reshape(gr.shape)
        np.multiply(hr, k1[:, None], out=out)
        np.subtract(gr, out, out=out)
        out -= k2[:, None]
        out *= invstd[:, None]


_KERNELS = StandIn(_forward, _backward)


def _absent(a: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    return np.empty((0, 0), dtype) if a is None else a


def group_norm_forward(
    x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, groups: int, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardize each row of ``x`` (``(R, D, L)``, ``R = B * groups``), then scale and shift.

    Parameters
    ----------
    x : numpy.ndarray
        C-contiguous float array ``(B * groups, D, L)``: row ``r`` belongs to group
        ``r % groups``.
    weight, bias : numpy.ndarray or None
        ``(groups, D)`` arrays of ``x``'s dtype.
    groups : int
    eps : float
        Added to the variance before the square root.

    Returns
    -------
    out, xhat : numpy.ndarray
        The output and the standardized input, of ``x``'s shape and dtype.
    invstd : numpy.ndarray
        ``1 / sqrt(var + eps)`` per row, ``(R,)`` in ``x``'s dtype.

    Examples
    --------
    >>> out, xhat, invstd = group_norm_forward(np.array([[[1.0], [3.0]]]), None, None, 1, 0.0)
    >>> out.ravel(), invstd
    (array([-1.,  1.]), array([1.]))
    """
    out, xhat = np.empty_like(x), np.empty_like(x)
    invstd = np.empty(x.shape[0], x.dtype)
    w, b = _absent(weight, x.dtype), _absent(bias, x.dtype)
    args = (x, w, b, int(groups), float(eps), out, xhat, invstd, row_parts(3 * x.nbytes))
    if x.dtype in _DTYPES:
        _KERNELS.call(_forward, _forward_numpy, *args)
    else:
        _forward_numpy(*args)
    return out, xhat, invstd


def group_norm_backward(
    g: np.ndarray,
    xhat: np.ndarray,
    invstd: np.ndarray,
    weight: np.ndarray | None,
    groups: int,
    need_input: bool,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of :func:`group_norm_forward`: the input's, the weight's and the bias's.

    ``dx = invstd * (g' - mean(g') - xhat * mean(g' * xhat))`` per row, ``g' = g * weight``.

    Parameters
    ----------
    g, xhat : numpy.ndarray
        C-contiguous ``(R, D, L)`` arrays of one dtype: the output's gradient and the
        forward's standardized input.
    invstd : numpy.ndarray
        The forward's ``(R,)`` ``1 / sqrt(var + eps)``.
    weight : numpy.ndarray or None
        ``(groups, D)`` weight.
    groups : int
    need_input : bool
        Whether to compute the input's gradient (else None is returned for it).

    Returns
    -------
    dx : numpy.ndarray or None
        Of ``g``'s shape and dtype.
    dweight, dbias : numpy.ndarray
        ``sum(g * xhat)`` and ``sum(g)`` per ``(group, D)``, in ``g``'s dtype.

    Examples
    --------
    >>> g, xhat = np.array([[[1.0], [0.0]]]), np.array([[[-1.0], [1.0]]])
    >>> dx, dw, db = group_norm_backward(g, xhat, np.array([1.0]), None, 1, True)
    >>> dx.ravel(), dw.ravel(), db.ravel()
    (array([0., 0.]), array([-1.,  0.]), array([1., 0.]))
    """
    d = g.shape[1]
    dw, db = np.zeros((groups, d)), np.zeros((groups, d))
    dx = np.empty_like(g)  # untouched (its memory unused) unless need_input
    args = (g, xhat, invstd, _absent(weight, g.dtype), int(groups), need_input, dx, dw, db)
    if g.dtype in _DTYPES:
        _KERNELS.call(_backward, _backward_numpy, *args)
    else:
        _backward_numpy(*args)
    return (dx if need_input else None), dw.astype(g.dtype), db.astype(g.dtype)
