"""Batch normalization in training mode over an ``(N, C, L)`` array: one kernel per direction.

Written with NumPy, a training step's batch norm is about ten passes over the activations
(the channel sums, the centered copy, its squares, the scaled output, and as many backward),
each with its own temporary. Here the forward reads the input twice for the statistics (two
passes, so the variance does not cancel) and once more to write the output; the backward reads
the gradient and the input once for the two channel sums and once more to write the input's
gradient. Per-channel quantities are accumulated, kept and returned in float64; elements are read
and written in the arrays' dtype (float32 or float64: two signatures per kernel). An absent
weight or bias reaches a kernel as an empty array, so there is no third signature.

Each kernel runs its passes one channel at a time, or, on short feature maps in a batch (fewer
than :data:`SHORT_ROWS` elements per sample and channel), along whole samples: per-element float64
sums over the batch, then per channel, with the channel coefficients spread to per-element arrays
(a channel's run of 4-49 elements is too short for a vector loop of its own).

The sums use ``fastmath={"reassoc", "contract"}``: vector partial sums and fused multiply-adds,
while inf and NaN still propagate as in IEEE arithmetic (a NaN input gives its channel NaN, as
in PyTorch). The arrays given to the two functions here are C-contiguous.

Until the kernels pay for their compile (:class:`~autograd.kernels._jit.StandIn`: compiled on
this machine before, or after their rent, ``STAND_IN_SECONDS``), the same arithmetic in NumPy
stands in: a few more passes, no compile.
"""

from __future__ import annotations

import numpy as np

from ._jit import StandIn, jit

__all__ = ["batch_norm_forward", "batch_norm_backward"]


#: Below this many elements per sample and channel (a feature map of under 64 pixels), with at
#: least :data:`ROWS_MIN_BATCH` samples, the kernels run along whole samples (see
#: :func:`_forward_rows`): 1.2-4.6x faster on maps of 49 pixels down to 4 (at 64 pixels, and
#: for a few samples, the per-element coefficients it spreads cost what it saves).
SHORT_ROWS = 64
ROWS_MIN_BATCH = 16


@jit(fastmath={"reassoc", "contract"}, warm=True)
def _forward(x, w, b, eps, out, mean, var, invstd):
    # One channel at a time: two reads for the statistics, one write; an empty w or b is absent.
    n, c, length = x.shape
    m = n * length
    if length < SHORT_ROWS and n >= ROWS_MIN_BATCH:
        _forward_rows(x, w, b, eps, out, mean, var, invstd)
        return
    for j in range(c):
        s = 0.0
        for i in range(n):
            for k in range(length):
                s += x[i, j, k]
        mu = s / m
        q = 0.0
        for i in range(n):
            for k in range(length):
                d = x[i, j, k] - mu
                q += d * d
        v = q / m
        inv = 1.0 / np.sqrt(v + eps)
        scale = inv * w[j] if w.size else inv
        shift = b[j] if b.size else 0.0
        # The coefficients in the arrays' dtype keep the loop at its vector width.
        to = out.dtype.type
        sc, sh, mu_ = to(scale), to(shift), to(mu)
        for i in range(n):
            for k in range(length):
                out[i, j, k] = (x[i, j, k] - mu_) * sc + sh
        mean[j] = mu
        var[j] = v
        invstd[j] = inv


@jit(fastmath={"reassoc", "contract"}, warm=True)
def _backward(g, x, mean, invstd, w, need_input, dx, gxhat, gsum):
    # One channel at a time: one read of g and x for both sums, one more to write dx.
    n, c, length = x.shape
    m = n * length
    if length < SHORT_ROWS and n >= ROWS_MIN_BATCH:
        _backward_rows(g, x, mean, invstd, w, need_input, dx, gxhat, gsum)
        return
    for j in range(c):
        mu = mean[j]
        s = 0.0
        q = 0.0
        for i in range(n):
            for k in range(length):
                gv = g[i, j, k]
                s += gv
                q += gv * (x[i, j, k] - mu)
        inv = invstd[j]
        gsum[j] = s
        gxhat[j] = q * inv
        if need_input:
            scale = inv * w[j] if w.size else inv
            # dx = scale * (g - mean(g) - xhat * mean(g * xhat)), xhat = (x - mu) * inv
            # The coefficients in the arrays' dtype keep the loop at its vector width.
            to = dx.dtype.type
            k1 = to(scale * inv * inv * q / m)
            k2 = to(scale * s / m)
            sc, mu_ = to(scale), to(mu)
            for i in range(n):
                for k in range(length):
                    dx[i, j, k] = g[i, j, k] * sc - (x[i, j, k] - mu_) * k1 - k2


@jit(fastmath={"reassoc", "contract"}, inline=True)
def _forward_rows(x, w, b, eps, out, mean, var, invstd):
    # _forward's passes along whole samples: a channel's run of `length` elements is too short
    # for its own vector loop (each would end in a horizontal sum), while a sample's C * length
    # elements are one long loop. Per-element float64 sums over the batch, then per channel
    # over its run; the per-channel coefficients spread to per-element arrays.
    n, c, length = x.shape
    m = n * length
    cl = c * length
    xf = x.reshape(n, cl)
    of = out.reshape(n, cl)
    acc = np.zeros(cl)
    for i in range(n):
        for e in range(cl):
            acc[e] += xf[i, e]
    mu_e = np.empty(cl)
    for j in range(c):
        s = 0.0
        for k in range(j * length, (j + 1) * length):
            s += acc[k]
        mean[j] = s / m
        mu_e[j * length : (j + 1) * length] = s / m
    acc[:] = 0.0
    for i in range(n):
        for e in range(cl):
            d = xf[i, e] - mu_e[e]
            acc[e] += d * d
    to = out.dtype.type
    mu_t, sc_t, sh_t = np.empty(cl, out.dtype), np.empty(cl, out.dtype), np.empty(cl, out.dtype)
    for j in range(c):
        q = 0.0
        for k in range(j * length, (j + 1) * length):
            q += acc[k]
        v = q / m
        inv = 1.0 / np.sqrt(v + eps)
        var[j] = v
        invstd[j] = inv
        run = slice(j * length, (j + 1) * length)
        mu_t[run] = to(mean[j])
        sc_t[run] = to(inv * w[j] if w.size else inv)
        sh_t[run] = to(b[j] if b.size else 0.0)
    for i in range(n):
        for e in range(cl):
            of[i, e] = (xf[i, e] - mu_t[e]) * sc_t[e] + sh_t[e]


@jit(fastmath={"reassoc", "contract"}, inline=True)
def _backward_rows(g, x, mean, invstd, w, need_input, dx, gxhat, gsum):
    # _backward's passes along whole samples, as _forward_rows.
    n, c, length = x.shape
    m = n * length
    cl = c * length
    gf = g.reshape(n, cl)
    xf = x.reshape(n, cl)
    mu_e = np.empty(cl)
    for j in range(c):
        mu_e[j * length : (j + 1) * length] = mean[j]
    acc_s = np.zeros(cl)
    acc_q = np.zeros(cl)
    for i in range(n):
        for e in range(cl):
            gv = gf[i, e]
            acc_s[e] += gv
            acc_q[e] += gv * (xf[i, e] - mu_e[e])
    to = dx.dtype.type
    mu_t, sc_t = np.empty(cl, dx.dtype), np.empty(cl, dx.dtype)
    k1_t, k2_t = np.empty(cl, dx.dtype), np.empty(cl, dx.dtype)
    for j in range(c):
        s = 0.0
        q = 0.0
        for k in range(j * length, (j + 1) * length):
            s += acc_s[k]
            q += acc_q[k]
        inv = invstd[j]
        gsum[j] = s
        gxhat[j] = q * inv
        scale = inv * w[j] if w.size else inv
        run = slice(j * length, (j + 1) * length)
        mu_t[run] = to(mean[j])
        sc_t[run] = to(scale)
        k1_t[run] = to(scale * inv * inv * q / m)
        k2_t[run] = to(scale * s / m)
    if need_input:
        df = dx.reshape(n, cl)
        for i in range(n):
            for e in range(cl):
                df[i, e] = gf[i, e] * sc_t[e] - (xf[i, e] - mu_t[e]) * k1_t[e] - k2_t[e]


def _forward_numpy(x, w, b, eps, out, mean, var, invstd):
    # _forward's arithmetic in NumPy passes: float64 statistics (einsum sums along the channel
    # axis several times faster than ndarray.sum), the output in x's dtype.
    m = x.shape[0] * x.shape[2]
    mean[:] = np.einsum("ijk->j", x, dtype=np.float64) / m
    d = x - mean[:, None]
    var[:] = np.einsum("ijk,ijk->j", d, d) / m
    invstd[:] = 1.0 / np.sqrt(var + eps)
    scale = invstd * w if w.size else invstd
    to = out.dtype
    np.multiply(x - mean.astype(to)[:, None], scale.astype(to)[:, None], out=out)
    out += b.astype(to)[:, None] if b.size else to.type(0)  # + 0 as the kernel: -0 becomes 0


def _backward_numpy(g, x, mean, invstd, w, need_input, dx, gxhat, gsum):
    # _backward's arithmetic in NumPy passes.
    m = x.shape[0] * x.shape[2]
    to = x.dtype
    s = np.einsum("ijk->j", g, dtype=np.float64)
    q = np.einsum("ijk,ijk->j", g, x - mean[:, None], dtype=np.float64)
    gsum[:] = s
    gxhat[:] = q * invstd
    if need_input:
        scale = invstd * w if w.size else invstd
        k1 = (scale * invstd * invstd * q / m).astype(to)[:, None]
        k2 = (scale * s / m).astype(to)[:, None]
        np.multiply(g, scale.astype(to)[:, None], out=dx)
        dx -= (x - mean.astype(to)[:, None]) * k1
        dx -= k2


_KERNELS = StandIn(_forward, _backward)


def _absent(a: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    return np.empty(0, dtype) if a is None else a


def batch_norm_forward(
    x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Normalize ``x`` of shape ``(N, C, L)`` with its per-channel batch statistics.

    Parameters
    ----------
    x : numpy.ndarray
        C-contiguous float32 or float64 ``(N, C, L)`` array.
    weight, bias : numpy.ndarray or None
        ``(C,)`` arrays of ``x``'s dtype.
    eps : float
        Added to the variance before the square root.

    Returns
    -------
    out, mean, var, invstd : numpy.ndarray
        The normalized ``(N, C, L)`` output in ``x``'s dtype, then the channel mean, biased
        variance and ``1 / sqrt(var + eps)``, each ``(C,)`` float64.

    Examples
    --------
    >>> import numpy as np
    >>> out, mean, var, invstd = batch_norm_forward(np.array([[[1.0]], [[3.0]]]), None, None, 0.0)
    >>> out.ravel(), mean, var
    (array([-1.,  1.]), array([2.]), array([1.]))
    """
    c = x.shape[1]
    mean, var, invstd = np.empty(c), np.empty(c), np.empty(c)
    out = np.empty_like(x)
    w, b = _absent(weight, x.dtype), _absent(bias, x.dtype)
    _KERNELS.call(_forward, _forward_numpy, x, w, b, float(eps), out, mean, var, invstd)
    return out, mean, var, invstd


def batch_norm_backward(
    g: np.ndarray,
    x: np.ndarray,
    mean: np.ndarray,
    invstd: np.ndarray,
    weight: np.ndarray | None,
    need_input: bool,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of :func:`batch_norm_forward`: input, ``sum(g * xhat)`` and ``sum(g)``.

    ``dx = scale * (g - mean(g) - xhat * mean(g * xhat))``, ``scale = invstd * weight``.

    Parameters
    ----------
    g, x : numpy.ndarray
        C-contiguous ``(N, C, L)`` arrays of one dtype (float32 or float64).
    mean, invstd : numpy.ndarray
        The forward's ``(C,)`` float64 statistics.
    weight : numpy.ndarray or None
        ``(C,)`` weight.
    need_input : bool
        Whether to compute the input's gradient (else None is returned for it).

    Returns
    -------
    dx, dweight, dbias : numpy.ndarray
        ``dx`` of ``x``'s shape and dtype (or None); ``dweight = sum(g * xhat)`` and
        ``dbias = sum(g)`` per channel, float64.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0]], [[3.0]]])
    >>> _, mean, _, invstd = batch_norm_forward(x, None, None, 0.0)
    >>> dx, dw, db = batch_norm_backward(np.array([[[1.0]], [[0.0]]]), x, mean, invstd, None, True)
    >>> dx.ravel(), dw, db
    (array([0., 0.]), array([-1.]), array([1.]))
    """
    c = x.shape[1]
    gxhat, gsum = np.empty(c), np.empty(c)
    dx = np.empty_like(x) if need_input else np.empty((0, 0, 0), x.dtype)
    w = _absent(weight, x.dtype)
    _KERNELS.call(_backward, _backward_numpy, g, x, mean, invstd, w, need_input, dx, gxhat, gsum)
    return (dx if need_input else None), gxhat, gsum
