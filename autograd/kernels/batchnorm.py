"""Batch normalization in training mode over an ``(N, C, L)`` array: one kernel per direction.

Written with NumPy, a training step's batch norm is about ten passes over the activations
(the channel sums, the centered copy, its squares, the scaled output, and as many backward),
each with its own temporary. Here the forward reads the input twice for the statistics (two
passes, so the variance does not cancel) and once more to write the output; the backward reads
the gradient and the input once for the two channel sums and once more to write the input's
gradient. Per-channel quantities are accumulated in float64; elements are read and written in
the arrays' dtype (float32 or float64, the two signatures).

The sums use ``fastmath={"reassoc", "contract"}``: vector partial sums and fused multiply-adds,
while inf and NaN still propagate as in IEEE arithmetic (a NaN input gives its channel NaN, as
in PyTorch). Arrays are C-contiguous; ``out``/``dx`` are preallocated by the caller.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

__all__ = ["batch_norm_forward", "batch_norm_backward"]


@jit(fastmath={"reassoc", "contract"})
def _channel_stats(x, mean, var):
    n, c, length = x.shape
    m = n * length
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
        mean[j] = mu
        var[j] = q / m


@jit(fastmath={"reassoc", "contract"})
def _affine(x, mean, scale, shift, out):
    n, c, length = x.shape
    for i in range(n):
        for j in range(c):
            mu, s, t = mean[j], scale[j], shift[j]
            for k in range(length):
                out[i, j, k] = (x[i, j, k] - mu) * s + t


@jit(fastmath={"reassoc", "contract"})
def _grad_sums(g, x, mean, gsum, gxc):
    n, c, length = x.shape
    for j in range(c):
        mu = mean[j]
        s = 0.0
        q = 0.0
        for i in range(n):
            for k in range(length):
                gv = g[i, j, k]
                s += gv
                q += gv * (x[i, j, k] - mu)
        gsum[j] = s
        gxc[j] = q


@jit(fastmath={"reassoc", "contract"})
def _input_grad(g, x, mean, scale, k1, k2, dx):
    n, c, length = x.shape
    for i in range(n):
        for j in range(c):
            mu, s, a, b = mean[j], scale[j], k1[j], k2[j]
            for k in range(length):
                dx[i, j, k] = g[i, j, k] * s - (x[i, j, k] - mu) * a - b


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
        The normalized ``(N, C, L)`` output, then the channel mean, biased variance and
        ``1 / sqrt(var + eps)``, each ``(C,)`` in ``x``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> out, mean, var, invstd = batch_norm_forward(np.array([[[1.0]], [[3.0]]]), None, None, 0.0)
    >>> out.ravel(), mean, var
    (array([-1.,  1.]), array([2.]), array([1.]))
    """
    c = x.shape[1]
    mean64, var64 = np.empty(c), np.empty(c)
    _channel_stats(x, mean64, var64)
    dt = x.dtype
    mean, var = mean64.astype(dt), var64.astype(dt)
    invstd = (1.0 / np.sqrt(var + dt.type(eps))).astype(dt, copy=False)
    scale = invstd if weight is None else invstd * weight
    shift = np.zeros(c, dt) if bias is None else bias
    out = np.empty_like(x)
    _affine(x, mean, scale, shift, out)
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
        The forward's ``(C,)`` statistics.
    weight : numpy.ndarray or None
        ``(C,)`` weight.
    need_input : bool
        Whether to compute the input's gradient (else None is returned for it).

    Returns
    -------
    dx, dweight, dbias : numpy.ndarray
        ``dx`` of ``x``'s shape (or None); ``dweight = sum(g * xhat)`` and ``dbias = sum(g)``
        per channel.

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
    m = x.shape[0] * x.shape[2]
    dt = x.dtype
    gsum64, gxc64 = np.empty(c), np.empty(c)
    _grad_sums(g, x, mean, gsum64, gxc64)
    gsum, gxc = gsum64.astype(dt), gxc64.astype(dt)
    dx = None
    if need_input:
        scale = invstd if weight is None else invstd * weight
        # dx = g * scale - (x - mean) * k1 - k2: the closed form with per-channel coefficients.
        k1 = scale * invstd * invstd / dt.type(m) * gxc
        k2 = scale / dt.type(m) * gsum
        dx = np.empty_like(x)
        _input_grad(g, x, mean, scale, k1, k2, dx)
    return dx, gxc * invstd, gsum
