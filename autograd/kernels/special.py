"""Special functions NumPy lacks (erf), and GELU and SiLU, as compiled elementwise loops.

erf
---
In float64, ``math.erf`` value by value. In float32 a loop calling the C library cannot
vectorize (262 144 values took 2.3 ms), so float32 values take an approximation with no call:
below ``|x| = 0.9``, ``x P(x^2)`` with ``P`` of degree 6; above, ``1 - exp(-x^2) R(t)`` with
``t = 1 / (1 + x / 2)`` and ``R`` of degree 8 (``|x|`` clamped at 4, where float32's erf is 1).
Both polynomials were fitted here, by least squares on Chebyshev nodes, to ``erf(x) / x`` and
``erfc(x) exp(x^2)`` (relative errors below 3.3e-10 and 2.7e-10), and are evaluated in float64;
``exp`` is the kernels' float32 one (:mod:`autograd.kernels._exp`). The result is within 0.74
ulp of the exact value (a correctly rounded one is within 0.5).

GELU
----
``gelu(x) = x Phi(x)`` with ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``, and its derivative
``Phi(x) + x phi(x)``: each one pass in float32 (:func:`gelu_forward`, :func:`gelu_backward`),
where NumPy takes five and eight passes around the erf. float64 keeps those passes.

SiLU
----
``silu(x) = x s`` with ``s = sigmoid(x)`` (the kernels' one-pass sigmoid,
:mod:`autograd.kernels.logistic`), and its derivative ``s (1 + x (1 - s))``: one pass each way
in float32 (:func:`silu_forward`, :func:`silu_backward`) where NumPy took two and five
(a 256 x 1 024 float32 tensor's forward and backward: 0.79 -> 0.25 ms; PyTorch's 0.18).

The float32 kernels run on the kernel threads for a megabyte of arrays or more while the pool is
warm (``light``): amid OpenBLAS's threaded products (a transformer's feed-forward block) a
parallel GELU made a step 2 ms slower, so there the serial loops run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba.extending import overload

from ._exp import exp, sigmoid32
from ._jit import StandIn, jit, prange

__all__ = ["erf", "gelu_backward", "gelu_forward", "silu_backward", "silu_forward"]

# erf(x) / x = P(x^2) for |x| < _SPLIT, lowest degree first.
_P0, _P1, _P2 = 1.1283791669547378, -0.3761263590010299, 0.1128372539688646
_P3, _P4, _P5 = -0.026860979091201363, 0.0052048705772263, -0.000818592631497019
_P6 = 8.553011913487974e-05
# erfc(a) exp(a^2) = R(1 / (1 + a / 2)) for _SPLIT <= a <= _CLAMP, lowest degree first.
_R0, _R1, _R2 = -0.00012452375385200288, 0.2844028788012011, 0.2634849932497741
_R3, _R4, _R5 = 0.33178300117843146, -0.06176850412388943, 0.49398849413478524
_R6, _R7, _R8 = -0.4001973190120018, 0.07816719814938383, 0.010350120230372477
_SPLIT = np.float32(0.9)
_CLAMP = np.float32(4.0)
_SQRT1_2 = np.float32(1 / math.sqrt(2))
_INV_SQRT_2PI = np.float32(1 / math.sqrt(2 * math.pi))
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)


def _erf32(v: Any) -> Any:
    """erf of one float32 without a call (see the module docstring); NaN gives NaN.

    Examples
    --------
    >>> float(_erf32(np.float32(0.5))) == float(np.float32(math.erf(0.5)))
    True
    """
    x = np.float64(v)
    s = x * x
    p = _P6
    p = p * s + _P5
    p = p * s + _P4
    p = p * s + _P3
    p = p * s + _P2
    p = p * s + _P1
    p = p * s + _P0
    near = x * p
    a = abs(v)
    a = a if a > _SPLIT else _SPLIT
    a = a if a < _CLAMP else _CLAMP
    t = 1.0 / (1.0 + 0.5 * np.float64(a))
    r = _R8
    r = r * t + _R7
    r = r * t + _R6
    r = r * t + _R5
    r = r * t + _R4
    r = r * t + _R3
    r = r * t + _R2
    r = r * t + _R1
    r = r * t + _R0
    far = 1.0 - np.float64(exp(-(a * a))) * r
    far = far if v >= 0 else -far
    out = near if abs(v) < _SPLIT else far
    return np.float32(out) if v == v else v


@overload(_erf32, inline="always")
def _erf32_overload(v: Any) -> Any:
    return _erf32


@jit
def _erf_flat(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = math.erf(x[i])


@jit(parallel=True, light=True, error_model="numpy", fastmath={"contract"})
def _erf_flat32(x: np.ndarray, out: np.ndarray) -> None:
    for i in prange(x.size):
        out[i] = _erf32(x[i])


@jit(parallel=True, light=True, error_model="numpy", fastmath={"contract"})
def _gelu_forward_flat(x: np.ndarray, y: np.ndarray, c: np.ndarray) -> None:
    for i in prange(x.size):
        v = x[i]
        cdf = _HALF * (_ONE + _erf32(v * _SQRT1_2))
        c[i] = cdf
        y[i] = v * cdf


@jit(parallel=True, light=True, error_model="numpy", fastmath={"contract"})
def _gelu_backward_flat(g: np.ndarray, x: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    for i in prange(x.size):
        v = x[i]
        out[i] = g[i] * (c[i] + v * (_INV_SQRT_2PI * exp(-_HALF * v * v)))


@jit(parallel=True, light=True, error_model="numpy", fastmath={"contract"})
def _silu_forward_flat(x: np.ndarray, y: np.ndarray, s: np.ndarray) -> None:
    for i in prange(x.size):
        v = x[i]
        sig = sigmoid32(v, exp(-abs(v)))
        s[i] = sig
        y[i] = v * sig


@jit(parallel=True, light=True, error_model="numpy")
def _silu_backward_flat(g: np.ndarray, x: np.ndarray, s: np.ndarray, out: np.ndarray) -> None:
    for i in prange(x.size):
        sig = s[i]
        out[i] = g[i] * (sig * (_ONE + x[i] * (_ONE - sig)))


def _silu_forward_numpy(x, y, s):
    # The SiLU kernels' stand-in until they pay for their compile: the same arithmetic in passes.
    with np.errstate(invalid="ignore"):  # -inf * sigmoid(-inf) = -inf * 0: NaN, as the kernel
        e = np.exp(-np.abs(x))
        r = 1 / (1 + e)
        np.copyto(s, np.where(x >= 0, r, e * r))
        np.multiply(x, s, out=y)


def _silu_backward_numpy(g, x, s, out):
    np.multiply(g, s * (1 + x * (1 - s)), out=out)


_SILU = StandIn(_silu_forward_flat, _silu_backward_flat)
_F32 = np.dtype(np.float32)


def _flat32(*arrays: np.ndarray) -> bool:
    # Whether the arrays are C-contiguous float32 arrays of one shape (what the kernels take).
    first = arrays[0]
    return all(a.dtype == _F32 and a.shape == first.shape and a.flags.c_contiguous for a in arrays)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float array, elementwise (same shape and dtype).

    Examples
    --------
    >>> erf(np.array([0.0, 1.0, -np.inf]))
    array([ 0.        ,  0.84270079, -1.        ])
    """
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    (_erf_flat32 if flat.dtype == _F32 else _erf_flat)(flat, out)
    return out.reshape(np.shape(x))


def gelu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(x Phi(x), Phi(x))`` of a C-contiguous float32 array in one pass; None for any other
    array (the caller computes it with NumPy).

    Examples
    --------
    >>> y, c = gelu_forward(np.array([0.0, 1.0], np.float32))
    >>> y.tolist(), c.tolist()
    ([0.0, 0.8413447141647339], [0.5, 0.8413447141647339])
    """
    if not _flat32(x):
        return None
    y, c = np.empty_like(x), np.empty_like(x)
    _gelu_forward_flat(x.reshape(-1), y.reshape(-1), c.reshape(-1))
    return y, c


def gelu_backward(g: np.ndarray, x: np.ndarray, c: np.ndarray) -> np.ndarray | None:
    """``g (Phi(x) + x phi(x))``, given ``c = Phi(x)``, in one pass, for C-contiguous float32
    arrays of one shape; None for others.

    Examples
    --------
    >>> x = np.array([0.0, 1.0], np.float32)
    >>> gx = gelu_backward(np.ones(2, np.float32), x, gelu_forward(x)[1])
    >>> [round(v, 6) for v in gx.tolist()]
    [0.5, 1.083315]
    """
    if not _flat32(g, x, c):
        return None
    out = np.empty_like(x)
    _gelu_backward_flat(g.reshape(-1), x.reshape(-1), c.reshape(-1), out.reshape(-1))
    return out


def silu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(x sigmoid(x), sigmoid(x))`` of a C-contiguous float32 array in one pass; None for any
    other array (the caller computes it with NumPy).

    Examples
    --------
    >>> y, s = silu_forward(np.array([0.0, -np.inf, np.inf], np.float32))
    >>> y.tolist(), s.tolist()
    ([0.0, nan, inf], [0.5, 0.0, 1.0])
    """
    if not _flat32(x):
        return None
    y, s = np.empty_like(x), np.empty_like(x)
    _SILU.call(_silu_forward_flat, _silu_forward_numpy, x.reshape(-1), y.reshape(-1), s.reshape(-1))
    return y, s


def silu_backward(g: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """``g s (1 + x (1 - s))``, given ``s = sigmoid(x)``, in one pass, for C-contiguous float32
    arrays of one shape; None for others.

    Examples
    --------
    >>> x = np.array([0.0, 2.0], np.float32)
    >>> gx = silu_backward(np.ones(2, np.float32), x, silu_forward(x)[1])
    >>> [round(v, 6) for v in gx.tolist()]
    [0.5, 1.090784]
    """
    if not _flat32(g, x, s):
        return None
    out = np.empty_like(x)
    args = (g.reshape(-1), x.reshape(-1), s.reshape(-1), out.reshape(-1))
    _SILU.call(_silu_backward_flat, _silu_backward_numpy, *args)
    return out
