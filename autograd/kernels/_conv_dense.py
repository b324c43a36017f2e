"""Convolutions of small feature maps as one dense matrix product (the ``dense`` path).

On a map of a few pixels (a 4x4 map late in a small CNN, a 1x1 one after global pooling) a
convolution of one sample is a linear map from its ``C*H*W`` inputs to its ``O*OH*OW`` outputs,
and its matrix ``T`` is small: ``T[c*H*W + p, o*OH*OW + q] = w[o, c, tap]`` when input pixel
``p`` meets output pixel ``q`` through ``tap``, zero otherwise. Then, in NCHW as it lies::

    y  = x.reshape(N, C*H*W) @ T              (forward, plus the bias)
    gx = gy.reshape(N, O*OH*OW) @ T.T         (input gradient)
    gw = fold(gy.reshape(N, O*OH*OW).T @ x.reshape(N, C*H*W))   (weight gradient)

where ``fold`` sums the entries of each tap. No padded copies, column matrices or layout copies
surround the GEMM, and the GEMM has a whole batch of rows. What it pays is ``T``'s zeros: the
plan takes this path only where they are a small multiple of the true products
(``Limits.dense_max_waste``) and ``T`` is small (``Limits.dense_max_matrix``).

Exactness: the zeros of ``T`` multiply ``x`` (forward) and ``gy`` (input gradient), so those
need to be finite; the weight gradient sums only products of taps that exist, and is exact for
any values. Padding is never multiplied: a padded tap has no entry.

The pairs of pixels a tap joins depend on shapes and geometry only (:func:`tap_pairs`, cached).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from autograd.kernels._args import ConvGeometry
from autograd.kernels._jit import StandIn, jit


class TapPairs(NamedTuple):
    """Every (input pixel, output pixel, tap) triple of a geometry, in two orders.

    ``by_in`` lists ``(p, q, tap)`` rows sorted by input pixel ``p`` (then ``q``), with
    ``in_starts[p]:in_starts[p + 1]`` its rows for pixel ``p``; ``by_out`` the same triples
    sorted by output pixel ``q``, with ``out_starts``.
    """

    by_in: np.ndarray
    in_starts: np.ndarray
    by_out: np.ndarray
    out_starts: np.ndarray


def _axis_pairs(size: int, out: int, k: int, stride: int, pad: int, dil: int) -> np.ndarray:
    # (input index, output index, tap index) along one axis, for the taps inside the input.
    o, t = np.meshgrid(np.arange(out), np.arange(k), indexing="ij")
    i = o * stride - pad + t * dil
    keep = (i >= 0) & (i < size)
    return np.stack([i[keep], o[keep], t[keep]], axis=1)


@functools.lru_cache(maxsize=256)
def tap_pairs(
    in_hw: tuple[int, int], out_hw: tuple[int, int], k_hw: tuple[int, int], g: ConvGeometry
) -> TapPairs:
    """The triples of one geometry (see :class:`TapPairs`).

    Examples
    --------
    >>> pairs = tap_pairs((2, 2), (2, 2), (3, 3), ConvGeometry(padding=(1, 1)))
    >>> len(pairs.by_in)  # every output pixel of a 2x2 map sees all four inputs
    16
    >>> pairs.by_in[:2].tolist()  # input pixel 0 reaches output 0 by the centre tap, ...
    [[0, 0, 4], [0, 1, 3]]
    """
    (H, W), (OH, OW), (kh, kw) = in_hw, out_hw, k_hw
    rows = _axis_pairs(H, OH, kh, g.stride[0], g.padding[0], g.dilation[0])
    cols = _axis_pairs(W, OW, kw, g.stride[1], g.padding[1], g.dilation[1])
    r = np.repeat(rows, len(cols), axis=0)
    c = np.tile(cols, (len(rows), 1))
    p = r[:, 0] * W + c[:, 0]
    q = r[:, 1] * OW + c[:, 1]
    tap = r[:, 2] * kw + c[:, 2]
    triples = np.stack([p, q, tap], axis=1).astype(np.int64)
    by_in = triples[np.lexsort((q, p))]
    by_out = triples[np.lexsort((p, q))]
    in_starts = np.searchsorted(by_in[:, 0], np.arange(H * W + 1)).astype(np.int64)
    out_starts = np.searchsorted(by_out[:, 1], np.arange(OH * OW + 1)).astype(np.int64)
    pairs = TapPairs(by_in, in_starts, by_out, out_starts)
    for a in pairs:  # shared by every call of this geometry (cached)
        a.setflags(write=False)
    return pairs


def waste(
    in_hw: tuple[int, int], out_hw: tuple[int, int], k_hw: tuple[int, int], g: ConvGeometry
) -> float:
    """How many times the true products the dense matrix multiplies (1.0: no zeros in ``T``).

    Examples
    --------
    >>> waste((4, 4), (4, 4), (3, 3), ConvGeometry(padding=(1, 1)))
    2.56
    """
    n = len(tap_pairs(in_hw, out_hw, k_hw, g).by_in)
    dense = in_hw[0] * in_hw[1] * out_hw[0] * out_hw[1]
    return dense / n if n else float("inf")


# --------------------------------------------------------------------------------------------
# Kernels: the matrix from the weight, and the weight gradient from the matrix's gradient


@jit(warm=True)
def _matrix(w, by_in, in_starts, t, zero):
    # t[c*HW + p, o*OHW + q] = w[o, c, tap] over the triples, zero elsewhere; written row by
    # row (each row's triples are sorted by q), the innermost loop over o reading the weight
    # regrouped as (C, taps, O). Without zero, t holds a matrix of the same geometry already:
    # its zeros stay where they are, and only the weight's entries are written.
    O, C, kh, kw = w.shape
    HW = in_starts.shape[0] - 1
    OHW = t.shape[1] // O
    wt = np.empty((C, kh * kw, O), dtype=w.dtype)
    for o in range(O):
        for c in range(C):
            for i in range(kh):
                for j in range(kw):
                    wt[c, i * kw + j, o] = w[o, c, i, j]
    if zero:
        t[:] = 0.0
    for c in range(C):
        for p in range(HW):
            row = t[c * HW + p]
            for r in range(in_starts[p], in_starts[p + 1]):
                q, tap = by_in[r, 1], by_in[r, 2]
                for o in range(O):
                    row[o * OHW + q] = wt[c, tap, o]


@jit(warm=True)
def _fold(gt, by_out, out_starts, gw):
    # gw[o, c, tap] = sum over the tap's triples of gt[o*OHW + q, c*HW + p]: gt is the gradient
    # of T, transposed (the faster GEMM of the two orders), read row by row. The innermost loop
    # runs over the channels, independent sums in a (taps, C) block of one output channel, so
    # the adds overlap instead of waiting on one another.
    O, C = gw.shape[0], gw.shape[1]
    OHW = out_starts.shape[0] - 1
    HW = gt.shape[1] // C
    taps = gw.shape[2] * gw.shape[3]
    p_of = by_out[:, 0].copy()
    tap_of = by_out[:, 2].copy()
    acc = np.empty((taps, C), dtype=gw.dtype)
    g3 = gw.reshape(O, C, taps)
    for o in range(O):
        acc[:] = 0.0
        for q in range(OHW):
            row = gt[o * OHW + q]
            for r in range(out_starts[q], out_starts[q + 1]):
                p, tap = p_of[r], tap_of[r]
                for c in range(C):
                    acc[tap, c] += row[c * HW + p]
        for c in range(C):
            for tap in range(taps):
                g3[o, c, tap] = acc[tap, c]


def _matrix_numpy(w, by_in, in_starts, t, zero):
    """NumPy twin of :func:`_matrix` (stands in while the kernels are not compiled)."""
    O, C = w.shape[0], w.shape[1]
    HW = in_starts.shape[0] - 1
    t4 = t.reshape(C, HW, O, t.shape[1] // O)
    if zero:
        t4[...] = 0.0
    p, q, tap = by_in[:, 0], by_in[:, 1], by_in[:, 2]
    # Advanced indices split by a slice come first: the target is (pairs, C, O).
    t4[:, p, :, q] = w.reshape(O, C, -1)[:, :, tap].transpose(2, 1, 0)


def _fold_numpy(gt, by_out, out_starts, gw):
    """NumPy twin of :func:`_fold`."""
    O, C = gw.shape[0], gw.shape[1]
    OHW = out_starts.shape[0] - 1
    g4 = gt.reshape(O, OHW, C, gt.shape[1] // C)
    p, q, tap = by_out[:, 0], by_out[:, 1], by_out[:, 2]
    parts = g4[:, q, :, p]  # (pairs, O, C)
    sums = np.zeros((gw.shape[2] * gw.shape[3], O, C), dtype=gw.dtype)
    np.add.at(sums, tap, parts)
    gw[...] = sums.transpose(1, 2, 0).reshape(gw.shape)


#: The two kernels compile in about a second: their NumPy twins stand in until that pays (see
#: "Stand-in paths" in :mod:`autograd.kernels._jit`).
FAMILY = StandIn(_matrix, _fold)


def matrix(w: np.ndarray, pairs: TapPairs, t: np.ndarray, zero: bool = True) -> None:
    """Write the dense matrix of weight ``w`` into ``t``, shape ``(C*H*W, O*OH*OW)``; with
    ``zero`` False, ``t`` must hold a matrix of the same geometry (its zeros are kept: a
    training step's new weight rewrites only the weight's entries, a quarter to a half of
    ``t``)."""
    FAMILY.call(_matrix, _matrix_numpy, w, pairs.by_in, pairs.in_starts, t, zero)


def fold(gt: np.ndarray, pairs: TapPairs, gw: np.ndarray) -> None:
    """Write into ``gw`` the weight gradient whose dense matrix has gradient ``gt.T``."""
    FAMILY.call(_fold, _fold_numpy, gt, pairs.by_out, pairs.out_starts, gw)
