"""Layer and group normalization: one kernel per direction over rows of ``(B, G, D, L)``.

Each of the ``B * G`` rows (a sample's group of channels, or a sample's normalized dims for
layer norm: ``G = L = 1``) is standardized over its ``D * L`` values, then scaled and shifted by
``(G, D)`` parameters. Written with NumPy that is about six passes each way, each a ufunc call
with its own temporary: a transformer's layer norm over 1 024 rows of 128 took 0.17 ms forward
and 0.33 backward, where these kernels take 0.10 and 0.12. The forward reads a row twice for its
statistics (two passes, so the variance does not cancel) and once more to write the output; it
keeps only each row's mean and ``1 / std`` (as PyTorch does), not the standardized input, so it
writes one array where it used to write two (8 192 rows of 256: 1.36 -> 1.0 ms on one thread,
and 8 MB less held by the graph). The backward reads the output gradient and the input once for
the row's two sums and the parameters' gradients, recomputing the standardized row on the way
into a row of scratch, and once more to write the input's gradient (1.5 -> 1.24 ms, with the
sums below).

Row statistics are accumulated in float64, and the standardized row is computed in float64
and rounded once (the centering may cancel most of each value), forward and backward alike
(:func:`standardized`). The parameters' gradients are accumulated in float64 too; layer norm's
backward first sums a few rows' worth in the dtype (:data:`SUM_ROWS`, :data:`SUM_VALUES`).
Other elements are read and written in the arrays' dtype (float32 or float64: two signatures
per kernel; float16 takes the NumPy path). The sums use ``fastmath={"reassoc", "contract"}``:
vector partial sums and fused multiply-adds, while inf and NaN still propagate as in IEEE
arithmetic. An absent bias reaches a kernel as an empty array, an absent weight as an empty
array (forward) or ones (backward). On a megabyte or more each direction runs a block of rows
per kernel thread while the pool is warm (``light``: after another parallel kernel, not amid a
transformer's products; 8 192 rows of 256: forward 1.0 -> 0.52 ms). The backward's blocks sum
their parameters' gradients apart, then add them; it gains little from a second thread here
(1.77 -> 1.65-1.83 ms before the sums in the dtype), being compute-bound.
Until the kernels pay for their compile (:class:`~autograd.kernels._jit.StandIn`), the same
arithmetic in NumPy stands in.
"""

from __future__ import annotations

import numpy as np

from ._jit import StandIn, jit, prange
from ._rows import chunk_rows, row_parts

__all__ = ["group_norm_forward", "group_norm_backward", "standardized"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit(parallel=True, light=True, fastmath={"reassoc", "contract"}, error_model="numpy", warm=True)
def _forward(x, w, b, groups, eps, out, mean, invstd, parts):
    # parts: blocks of rows, one per thread (the serial twin runs them one after another).
    rows = x.shape[0]
    for p in prange(parts):
        _forward_rows(x, w, b, groups, eps, out, mean, invstd, rows * p // parts,
                      rows * (p + 1) // parts)  # fmt: skip


@jit(fastmath={"reassoc", "contract"}, error_model="numpy")
def _forward_rows(x, w, b, groups, eps, out, mean, invstd, lo, hi):
    # error_model="numpy": a constant row with eps = 0 divides by zero into inf and NaN (as
    # PyTorch's), rather than raising.
    # x, out: (R, D, L) with R = B * G; w, b: (G, D) or empty; mean, invstd: (R,) float64;
    # rows lo..hi.
    rows, d, length = x.shape
    k = d * length
    xf, of = x.reshape(rows, k), out.reshape(rows, k)
    to = out.dtype.type
    one = to(1)
    zero = np.float64(0.0)  # float64 sums in Python as well: 0.0 + a float32 is a float32
    # Each stage (the statistics, then the output) as a pass over a chunk of rows that stays in
    # cache, rather than the stages of one row after another.
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
            mean[r] = mu
            invstd[r] = 1.0 / np.sqrt(q / k + eps)
        for r in range(r0, r1):
            mu, inv = mean[r], invstd[r]
            gi = r % groups
            # The standardized value (see standardized), then scaled and shifted in the dtype.
            if length == 1:  # layer norm: a parameter per value of the row
                for e in range(k):
                    sc = w[gi, e] if w.size else one
                    sh = b[gi, e] if b.size else to(0)
                    of[r, e] = to((xf[r, e] - mu) * inv) * sc + sh
            else:
                for c in range(d):
                    sc = w[gi, c] if w.size else one
                    sh = b[gi, c] if b.size else to(0)
                    for j in range(length):
                        out[r, c, j] = to((x[r, c, j] - mu) * inv) * sc + sh


@jit(parallel=True, light=True, fastmath={"reassoc", "contract"}, warm=True)
def _backward(g, x, mean, invstd, w, groups, need_input, dx, dw, db):
    # g, x, dx: (R, D, L); mean, invstd: (R,) float64; w: (G, D), ones for no weight; dw, db:
    # (parts, G, D) float64, zero on entry: a block of rows per part (one per thread; the serial
    # twin runs them one after another), each summing its own parameters' gradients; dx is
    # written only with need_input.
    rows = g.shape[0]
    parts = dw.shape[0]
    for p in prange(parts):
        _backward_rows(g, x, mean, invstd, w, groups, need_input, dx, dw[p], db[p],
                       rows * p // parts, rows * (p + 1) // parts)  # fmt: skip


#: Layer norm's backward: rows whose parameters' gradients are summed in the dtype before they
#: are added to the float64 sums, and values of a row summed in the dtype (vector lanes) before
#: they are added to the row's float64 sums. Each dtype sum then adds at most a few dozen
#: values; float64 sums throughout took over a third longer (8 192 rows of 256: 1.72 against
#: 1.24 ms), the work being compute-bound here.
SUM_ROWS = 32
SUM_VALUES = 512


@jit(fastmath={"reassoc", "contract"}, inline="always")
def _layer_values(g, x, w, mu, iv, h, pw, pb):
    # Values of one layer-norm row (1-D slices): the standardized values into h, the
    # parameters' gradients added into pw, pb; returns the sums of g * w and g * w * h, in the
    # dtype. Inlined: called, the loop did not vectorize (1.8 against 1.1 ms).
    to = h.dtype.type
    t1 = to(0)
    t2 = to(0)
    for e in range(g.size):
        gv = g[e]
        he = to((x[e] - mu) * iv)
        h[e] = he
        pw[e] += gv * he
        pb[e] += gv
        gw = gv * w[e]
        t1 += gw
        t2 += gw * he
    return t1, t2


@jit(fastmath={"reassoc", "contract"})
def _backward_rows(g, x, mean, invstd, w, groups, need_input, dx, dw, db, lo, hi):
    # Rows lo..hi of _backward, into dw, db: (G, D). The standardized row is recomputed from x
    # as the forward computes it, bit for bit, once: into a row of scratch that stays in cache
    # for the second pass.
    rows, d, length = g.shape
    k = d * length
    gf, xf, df = g.reshape(rows, k), x.reshape(rows, k), dx.reshape(rows, k)
    to = dx.dtype.type
    zero = np.float64(0.0)  # float64 sums in Python as well
    hrow = np.empty(k, dx.dtype)
    # Layer norm: the parameters' gradients of the last rows, in the dtype (see SUM_ROWS).
    part_w = np.zeros((groups, k if length == 1 else 0), dx.dtype)
    part_b = np.zeros_like(part_w)
    for r in range(lo, hi):
        gi = r % groups
        mu, iv = mean[r], invstd[r]
        s1 = zero
        s2 = zero
        if length == 1:
            pw, pb, gr, xr, wr = part_w[gi], part_b[gi], gf[r], xf[r], w[gi]
            for e0 in range(0, k, SUM_VALUES):
                e1 = e0 + SUM_VALUES
                t1, t2 = _layer_values(gr[e0:e1], xr[e0:e1], wr[e0:e1], mu, iv, hrow[e0:e1],
                                       pw[e0:e1], pb[e0:e1])  # fmt: skip
                s1 += t1
                s2 += t2
            if (r - lo) % SUM_ROWS == SUM_ROWS - 1 or r == hi - 1:
                for i in range(groups):
                    for e in range(k):
                        dw[i, e] += part_w[i, e]
                        db[i, e] += part_b[i, e]
                        part_w[i, e] = 0
                        part_b[i, e] = 0
        else:
            for c in range(d):
                wc = w[gi, c]
                sw = zero
                sb = zero
                for j in range(length):
                    gv = g[r, c, j]
                    h = to((x[r, c, j] - mu) * iv)
                    hrow[c * length + j] = h
                    sw += gv * h
                    sb += gv
                dw[gi, c] += sw
                db[gi, c] += sb
                s1 += wc * sb
                s2 += wc * sw
        if need_input:
            # dx = invstd * (g' - mean(g') - xhat * mean(g' * xhat)), g' = g * w
            inv = to(iv)
            k1, k2 = to(s2 / k), to(s1 / k)
            if length == 1:
                for e in range(k):
                    gw = gf[r, e] * w[gi, e]
                    df[r, e] = (gw - hrow[e] * k1 - k2) * inv
            else:
                for c in range(d):
                    wc = w[gi, c]
                    for j in range(length):
                        e = c * length + j
                        dx[r, c, j] = (g[r, c, j] * wc - hrow[e] * k1 - k2) * inv


def standardized(x: np.ndarray, mean: np.ndarray, invstd: np.ndarray) -> np.ndarray:
    """``(x - mean) * invstd`` per row of ``x`` (``(R, ...)``), computed in float64 and rounded
    once to ``x``'s dtype: the standardized input the kernels compute, bit for bit.

    Examples
    --------
    >>> standardized(np.array([[1.0, 3.0]], np.float32), np.array([2.0]), np.array([1.0]))
    array([[-1.,  1.]], dtype=float32)
    """
    stats = (-1,) + (1,) * (x.ndim - 1)
    with np.errstate(invalid="ignore"):  # an inf row gives NaN, as the kernels' rows do
        h = (x - mean.reshape(stats)) * invstd.reshape(stats)  # in float64, as the statistics
    return h.astype(x.dtype, copy=False)


def _forward_numpy(x, w, b, groups, eps, out, mean, invstd, parts):
    # _forward's arithmetic in NumPy passes (float64 row statistics).
    rows, d, length = x.shape
    xr = x.reshape(rows, d * length)
    mean[:] = np.einsum("ij->i", xr, dtype=np.float64) / xr.shape[1]
    c = xr - mean[:, None]  # float64
    invstd[:] = 1.0 / np.sqrt(np.einsum("ij,ij->i", c, c) / xr.shape[1] + eps)
    o = out.reshape(-1, groups, d, length)
    out.reshape(xr.shape)[...] = standardized(xr, mean, invstd)
    if w.size:
        np.multiply(o, w[:, :, None], out=o)
    o += b[:, :, None] if b.size else o.dtype.type(0)  # + 0 as the kernel: -0 becomes 0


def _backward_numpy(g, x, mean, invstd, w, groups, need_input, dx, dw, db):
    # _backward's arithmetic in NumPy passes.
    rows, d, length = g.shape
    g4 = g.reshape(-1, groups, d, length)
    h4 = standardized(x, mean, invstd).reshape(g4.shape)
    dw[0] += np.einsum("bgdl,bgdl->gd", g4, h4, dtype=np.float64)
    db[0] += np.einsum("bgdl->gd", g4, dtype=np.float64)
    if need_input:
        gw = g4 * w[:, :, None]
        gr = gw.reshape(rows, d * length)
        hr = h4.reshape(gr.shape)
        k1 = (np.einsum("ij,ij->i", gr, hr, dtype=np.float64) / gr.shape[1]).astype(g.dtype)
        k2 = (np.einsum("ij->i", gr, dtype=np.float64) / gr.shape[1]).astype(g.dtype)
        out = dx.reshape(gr.shape)
        np.multiply(hr, k1[:, None], out=out)
        np.subtract(gr, out, out=out)
        out -= k2[:, None]
        out *= invstd.astype(g.dtype)[:, None]


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
    out : numpy.ndarray
        The output, of ``x``'s shape and dtype.
    mean, invstd : numpy.ndarray
        Each row's mean and ``1 / sqrt(var + eps)``, ``(R,)`` float64: what
        :func:`group_norm_backward` and :func:`standardized` read with ``x``.

    Examples
    --------
    >>> out, mean, invstd = group_norm_forward(np.array([[[1.0], [3.0]]]), None, None, 1, 0.0)
    >>> out.ravel(), mean, invstd
    (array([-1.,  1.]), array([2.]), array([1.]))
    """
    out = np.empty_like(x)
    mean, invstd = np.empty(x.shape[0]), np.empty(x.shape[0])
    w, b = _absent(weight, x.dtype), _absent(bias, x.dtype)
    args = (x, w, b, int(groups), float(eps), out, mean, invstd, row_parts(2 * x.nbytes))
    if x.dtype in _DTYPES:
        _KERNELS.call(_forward, _forward_numpy, *args)
    else:
        _forward_numpy(*args)
    return out, mean, invstd


def group_norm_backward(
    g: np.ndarray,
    x: np.ndarray,
    mean: np.ndarray,
    invstd: np.ndarray,
    weight: np.ndarray | None,
    groups: int,
    need_input: bool,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of :func:`group_norm_forward`: the input's, the weight's and the bias's.

    ``dx = invstd * (g' - mean(g') - xhat * mean(g' * xhat))`` per row, ``g' = g * weight``,
    with ``xhat`` the standardized input (:func:`standardized`), recomputed from ``x``.

    Parameters
    ----------
    g, x : numpy.ndarray
        C-contiguous ``(R, D, L)`` arrays of one dtype: the output's gradient and the
        forward's input.
    mean, invstd : numpy.ndarray
        The forward's ``(R,)`` float64 statistics.
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
    >>> g, x = np.array([[[1.0], [0.0]]]), np.array([[[1.0], [3.0]]])
    >>> dx, dw, db = group_norm_backward(g, x, np.array([2.0]), np.array([1.0]), None, 1, True)
    >>> dx.ravel(), dw.ravel(), db.ravel()
    (array([0., 0.]), array([-1.,  0.]), array([1., 0.]))
    """
    d = g.shape[1]
    parts = row_parts(3 * g.nbytes) if g.dtype in _DTYPES else 1  # dx counted, used or not
    dw, db = np.zeros((parts, groups, d)), np.zeros((parts, groups, d))
    dx = np.empty_like(g)  # untouched (its memory unused) unless need_input
    w = np.ones((groups, d), g.dtype) if weight is None else weight  # times 1: exact
    args = (g, x, mean, invstd, w, int(groups), need_input, dx, dw, db)
    if g.dtype in _DTYPES:
        _KERNELS.call(_backward, _backward_numpy, *args)
    else:
        _backward_numpy(*args)
    dw, db = dw.sum(axis=0), db.sum(axis=0)  # the parts' sums, in float64
    return (dx if need_input else None), dw.astype(g.dtype), db.astype(g.dtype)
