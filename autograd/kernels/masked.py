"""Masked selection for backward rules: ``g`` where a mask holds, exactly 0 elsewhere.

``np.where(mask, g, 0)`` branches on every element: on the irregular masks a ReLU or a clamp
produces (about half the entries set, in no pattern) it mispredicts so often that it costs some
6 ns an element, thirty times a compiled loop whose select LLVM turns into a branch-free blend.
The kernel takes one-dimensional C-contiguous arrays: a bool mask and a float32 or float64
gradient of the same length (two signatures in all), and fills a preallocated output. Until the
kernel pays for its compile (:class:`~autograd.kernels._jit.StandIn`), a NumPy twin that masks
the gradient's bits stands in (about half the kernel's speed, several times ``np.where``'s).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import StandIn, jit, prange

__all__ = ["flat_float_pair", "relu_backward", "relu_forward", "select_or_zero"]


@jit(warm=True)
def _select_or_zero(mask, g, out):
    zero = out.dtype.type(0)
    for i in range(g.size):
        out[i] = g[i] if mask[i] else zero


_BITS = {2: np.int16, 4: np.int32, 8: np.int64}


def bit_mask(mask: np.ndarray, itemsize: int) -> np.ndarray:
    """Signed integers of ``itemsize`` bytes: all ones where ``mask`` holds, all zeros elsewhere.

    ANDed with a float array viewed as integers of its width, it selects whole values without a
    branch per element (NumPy's masked copies mispredict on masks with no pattern).

    Examples
    --------
    >>> bit_mask(np.array([True, False]), 4)
    array([-1,  0], dtype=int32)
    """
    keep = mask.astype(_BITS[itemsize])
    np.negative(keep, out=keep)
    return keep


def _select_or_zero_numpy(mask, g, out):
    # _select_or_zero's result without a branch per element: g's bits AND all ones (mask set)
    # or all zeros (+0.0), so inf, NaN and -0.0 pass through exactly where the mask holds.
    keep = bit_mask(mask, g.itemsize)
    np.bitwise_and(g.view(keep.dtype), keep, out=out.view(keep.dtype))


_KERNEL = StandIn(_select_or_zero)


def select_or_zero(mask: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``np.where(mask, g, 0)`` for a bool ``mask`` and a float32/float64 ``g`` of one shape.

    Selecting, not multiplying: an inf or NaN in ``g`` where ``mask`` is False gives exactly 0.

    Parameters
    ----------
    mask : numpy.ndarray
        Bool array of ``g``'s shape.
    g : numpy.ndarray
        float32 or float64 array.

    Returns
    -------
    numpy.ndarray
        A new C-contiguous array of ``g``'s shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> select_or_zero(np.array([True, False, True]), np.array([np.inf, np.inf, np.nan]))
    array([inf,  0., nan])
    """
    out = np.empty(g.shape, g.dtype)
    flat = np.ascontiguousarray(mask).reshape(-1), np.ascontiguousarray(g).reshape(-1)
    _KERNEL.call(_select_or_zero, _select_or_zero_numpy, *flat, out.reshape(-1))
    return out


# ------------------------------------------------------------------------------------ ReLU
# A ReLU on a large activation (a convolution's output: megabytes) is bound by memory, which one
# core does not saturate: both directions run as parallel loops over the flat arrays (each
# iteration writes its own element). Backward through select_or_zero takes two passes (the mask
# ``y != 0``, then the selection) and a mask array as large as a quarter of the gradient; one
# loop that compares and selects reads ``y`` and ``g`` once. On 2 MB of float32: forward 127 us
# (``np.maximum``) against 46 on two threads, backward 468 (two passes) against 219 (one pass,
# one thread) and 97 (two threads).

#: Fewest values for which :func:`relu_forward` and :func:`relu_backward` use their loops
#: (below, NumPy's calls cost about as much and compile no other kernel).
RELU_KERNEL_MIN_SIZE = 1 << 16

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def flat_float_pair(g: Any, y: np.ndarray) -> bool:
    """Whether ``g`` and ``y`` are C-contiguous float32/float64 arrays of one shape and dtype:
    what a one-pass elementwise gradient loop takes (as flat views).

    Examples
    --------
    >>> flat_float_pair(np.ones(3), np.zeros(3)), flat_float_pair(np.ones(3), np.zeros(3, "f4"))
    (True, False)
    """
    return (
        type(g) is np.ndarray
        and g.dtype == y.dtype
        and g.dtype in _FLOATS
        and g.shape == y.shape
        and g.flags.c_contiguous
        and y.flags.c_contiguous
    )


@jit(parallel=True, warm=True, light=True)
def _relu_forward_flat(x, out):
    # np.maximum(x, 0): x where positive or NaN, +0.0 elsewhere (-0.0 included).
    zero = out.dtype.type(0)
    for i in prange(x.size):
        v = x[i]
        out[i] = v if (v > zero or v != v) else zero


def _relu_forward_flat_numpy(x, out):
    np.maximum(x, 0, out=out)


@jit(parallel=True, warm=True, light=True)
def _relu_backward_flat(y, g, out):
    # select_or_zero(y != 0, g): the gradient passes where the output is positive or NaN.
    zero = out.dtype.type(0)
    for i in prange(g.size):
        out[i] = g[i] if y[i] != zero else zero


def _relu_backward_flat_numpy(y, g, out):
    _select_or_zero_numpy(y != 0, g, out)


_RELU = StandIn(_relu_forward_flat, _relu_backward_flat)


def relu_forward(x: np.ndarray) -> np.ndarray | None:
    """``np.maximum(x, 0)`` (NaN kept, -0.0 to +0.0) in one parallel pass, for a large
    C-contiguous float32/float64 array; None otherwise (the caller then uses NumPy).

    Examples
    --------
    >>> relu_forward(np.ones(2)) is None  # small: NumPy's call
    True
    >>> x = np.full(1 << 16, -1.0)
    >>> x[0] = np.nan
    >>> relu_forward(x)[:2]
    array([nan,  0.])
    """
    if not flat_float_pair(x, x) or x.size < RELU_KERNEL_MIN_SIZE:
        return None
    out = np.empty(x.shape, x.dtype)
    _RELU.call(_relu_forward_flat, _relu_forward_flat_numpy, x.reshape(-1), out.reshape(-1))
    return out


def relu_backward(y: np.ndarray, g: Any) -> np.ndarray | None:
    """``g`` where ``y != 0`` (a ReLU's output: positive or NaN) and exactly 0 elsewhere, in one
    parallel pass, for large C-contiguous float arrays of one shape and dtype; None otherwise
    (the caller then selects with :func:`select_or_zero` or ``np.where``).

    Examples
    --------
    >>> relu_backward(np.zeros(2), np.ones(2)) is None  # small: the general selection
    True
    >>> y = np.zeros(1 << 16)
    >>> y[0] = np.nan
    >>> relu_backward(y, np.full(1 << 16, np.inf))[:2]
    array([inf,  0.])
    """
    if not flat_float_pair(g, y) or g.size < RELU_KERNEL_MIN_SIZE:
        return None
    out = np.empty(g.shape, g.dtype)
    flat = y.reshape(-1), g.reshape(-1), out.reshape(-1)
    _RELU.call(_relu_backward_flat, _relu_backward_flat_numpy, *flat)
    return out
