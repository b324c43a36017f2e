"""Winograd F(2x2, 3x3) convolution kernels: 3x3, stride 1, dilation 1, groups 1 (NCHW).

Why
---
A 3x3 convolution computed as im2col + GEMM spends ``9*C`` multiply-adds per output element.
Winograd's minimal filtering algorithm F(2x2, 3x3) computes each 2x2 output tile from a 4x4
input tile with 16 multiply-adds per input channel instead of 36, a 2.25x cut in the GEMM
work, at the price of cheap add/subtract transforms (all coefficients are 0, +-1 or +-1/2, so
float32 results stay within a few ulps of the direct sum's accuracy).

Algorithm (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016)
-------------------------------------------------------------------------------------
With ``B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]``,
``G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]`` and
``A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]``, a 2x2 output tile of channel ``o`` is
``A^T [sum_c (G w[o, c] G^T) * (B^T d_c B)] A`` where ``d_c`` is the 4x4 input patch (rows
``2*ty .. 2*ty + 3`` of the zero-padded plane) and ``*`` is the element-wise product. The sum
over ``c`` for each of the 16 element positions ``e`` is a matrix product, so the middle stage
is ONE stacked ``np.matmul`` of ``U[16, O, C] @ V[16, C, T]`` (``T`` = tiles of a chunk of
samples) that OpenBLAS runs at close to peak.

- Forward: ``V`` from ``x``, ``U`` from ``w``, output transform into ``y``.
- Input gradient: a 3x3 stride-1 convolution of ``gy`` zero-padded by ``2 - p`` with the
  flipped, transposed weight ``w[o, c, 2 - i, 2 - j]`` (as a ``(C, O)`` filter bank), so the same
  three stages with ``U`` built from that weight. ``gy`` may be spatially smaller than the
  conv output (``conv_transpose2d``'s output padding): reads beyond it are zeros.
- Weight gradient: ``gw[o, c] = G^T [sum_tiles (A gy_t A^T) * (B^T d_t B)] G`` summed over the
  2x2 tiles ``gy_t`` of ``gy`` (zero beyond it) and their input patches ``d_t``; the middle
  stage is ``Z[16, O, T] @ V[16, C, T]^T``, accumulated over chunks of samples.
- Both gradients (:func:`winograd_backward`, what ``autograd.conv2d``'s backward uses): each
  chunk runs the weight-gradient pipeline, then the input-gradient one, on shared buffers, and
  the gradient transform also sums ``gy``'s planes: the bias gradient, and the test of ``gy``'s
  finiteness, without another pass over ``gy`` (a tenth off a 32->64 14x14 layer's forward
  and backward, with the bias added in the output transform).

Layouts: ``V[e, c, n*TH*TP + ty*TP + tx]`` with ``e = 4*a + b`` (row ``a``, column ``b`` of
the 4x4 transformed tile), ``TH = ceil(OH / 2)`` tile rows and ``TP = ceil(OW / 2) + 1`` tiles
per tile row for the output being tiled. The extra tile of each row is junk (dropped by the
output transform; zero in the weight gradient's ``Z``, so it adds nothing): with it, every entry
of every tile's patch sits at a constant offset of a flat, parity-split copy of the padded
plane, so the transforms are long unit-stride loops that LLVM vectorizes (2-2.5x
faster than loops over the short rows of tiles), for ``TP/TW - 1`` extra GEMM columns. The
copy is per plane into a small private buffer, so padding (or a short ``gy``) is never
materialised for the whole batch and the tile loops carry no bounds tests.

Threads: the transforms are serial Numba kernels (``nogil``) and the GEMMs are BLAS calls made
from the kernel threads themselves (:mod:`autograd.kernels._blas`), BLAS held at one thread
meanwhile. A convolution is one or a few calls of a parallel kernel whose loop hands each thread
its share (``_winograd_kernels``): with at least as many samples as threads, each thread runs
whole chunks of its own samples, transform -> GEMM -> transform, and has nothing to wait for;
with fewer (one image), each chunk runs stage by stage, every stage split between the threads
(planes of a transform, rows of the 16 GEMMs), so that one image still uses every core. A
parallel region starts in a microsecond or two, where handing shares to Python worker threads
cost 0.08-0.14 ms a call on a virtual machine. Measured on 2 cores, float32 fwd / bwd (ms):
b1 128->128 32x32 1.45 -> 1.07 / 3.52 -> 2.45; b4 64->128 16x16 0.78 -> 0.57 / 1.68 -> 1.37;
b8 256->256 7x7 3.01 -> 2.27 / 7.33 -> 5.58; b64 64->64 14x14 3.60 -> 3.08 / 8.80 -> 7.44.

The stage kernels take about 25 s to compile (a parallel kernel's compile grows with all the
code it calls). Until they are compiled on a machine (in the disk cache or in this process),
the earlier path stands in: each of :func:`autograd.kernels._jit.get_num_threads` Python worker
threads runs its share of the samples (:func:`autograd.kernels._jit.run_shares`). It also runs
where the stage kernels cannot: BLAS not callable from kernels (a NumPy on another BLAS), a
thread other than the main one (only the main thread can hold BLAS at one thread), or a forked
child of an OpenMP pool. A worker writes only its own samples of the output; weight gradient
workers return partial sums that the caller adds.

Winograd mixes the values of a tile, so an inf or NaN would reach outputs the direct method
keeps it away from: the callers run it on finite operands only, and the geometry it supports
(3x3, stride 1, dilation 1, one group, zero padding of at most 2) is checked by the plan
(:mod:`autograd.kernels._conv_plan`), which also decides where it is faster.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograd.kernels import _blas, _conv_plan
from autograd.kernels._jit import StandIn, get_num_threads, run_parallel, run_shares
from autograd.kernels._winograd_kernels import (
    FIRST,
    GEMMS,
    GRADS,
    LAST,
    PIPELINES,
    _backward_stage,
    _conv_stage,
    _grad_transform,
    _input_transform,
    _input_transform_tiles,
    _output_transform,
    _weight_grad_transform,
    _weight_transform,
)

__all__ = [
    "winograd_forward",
    "winograd_backward",
    "winograd_backward_input",
    "winograd_backward_weight",
]


#: Fewest GEMM columns (tiles) a chunk of the stage kernels holds, cache budget or not: a thinner
#: GEMM runs at a fraction of BLAS's rate (b8 256->256 7x7, 20 tiles a sample: chunks of 2 samples
#: took 2.8 ms forward, of 4 samples 2.3; b64 64->64 14x14, 56 tiles a sample: 4 samples best).
MIN_GEMM_COLUMNS = 64


def _chunk(n: int, per_sample: int) -> int:
    budget = _conv_plan.LIMITS.winograd_chunk_bytes
    return max(1, min(n, budget // max(1, per_sample)))


def _even(nc_max: int, lo: int, hi: int) -> list[tuple[int, int]]:
    # Samples lo..hi-1 in the fewest chunks of at most nc_max, of sizes differing by at most
    # one (a short last chunk runs its transforms and a thin GEMM at a worse rate).
    n = hi - lo
    chunks = -(-n // max(1, nc_max))
    bounds = [lo + n * i // chunks for i in range(chunks + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def _tiles(oh: int, ow: int) -> tuple[int, int]:
    # Tile rows, and tiles per tile row with one extra (junk) tile: see the module docstring.
    return (oh + 1) // 2, (ow + 1) // 2 + 1


def _conv_chunk(
    src: np.ndarray, u: np.ndarray, n0: int, n1: int, pad: tuple[int, int], tiles: tuple[int, int],
    bias: np.ndarray, v_buf: np.ndarray, m_buf: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    # out[n, k] = bias[k] + sum_j conv3x3(src[n, j] zero-padded by pad, filter whose Winograd
    # transform is u[:, k, j]) for the samples n0..n1-1: transform -> GEMM -> transform.
    K, J = u.shape[1:]
    T = (n1 - n0) * tiles[0] * tiles[1]
    v = v_buf[: 16 * J * T].reshape(16, J, T)
    m = m_buf[: 16 * K * T].reshape(16, K, T)
    _input_transform(src, n0, n1, pad[0], pad[1], *tiles, v)
    np.matmul(u, v, out=m)
    _output_transform(m, n0, *tiles, bias, out)


def _weight_chunk(
    x: np.ndarray, gy: np.ndarray, n0: int, n1: int, pad: tuple[int, int],
    tiles: tuple[int, int], z_buf: np.ndarray, v_buf: np.ndarray, s: np.ndarray,
    part: np.ndarray, gsum: np.ndarray,
) -> None:  # fmt: skip
    # s[e, o, c] += the weight gradient's Winograd-domain sums over samples n0..n1-1 (part is
    # scratch of s's shape); gsum[o] gains the sums of gy's planes.
    O, C = gy.shape[1], x.shape[1]
    T = (n1 - n0) * tiles[0] * tiles[1]
    z = z_buf[: 16 * O * T].reshape(16, O, T)
    v = v_buf[: 16 * C * T].reshape(16, T, C)
    _input_transform_tiles(x, n0, n1, pad[0], pad[1], *tiles, v)
    _grad_transform(gy, n0, n1, *tiles, z, gsum)
    np.matmul(z, v, out=part)
    s += part


def _conv(
    src: np.ndarray, w: np.ndarray, flip: bool, pad: tuple[int, int], bias: np.ndarray,
    out: np.ndarray,
) -> None:  # fmt: skip
    # out = bias + the convolution of src with w (flip: its flipped transpose), by the parallel
    # kernel once compiled (rent, then buy: see _jit's "Stand-in paths"), else on run_shares.
    if _blas.in_one_kernel():
        _KERNELS.call(_conv_in_one_kernel, _conv_on_shares, src, w, flip, pad, bias, out)
    else:
        _conv_on_shares(src, w, flip, pad, bias, out)


def _conv_on_shares(
    src: np.ndarray, w: np.ndarray, flip: bool, pad: tuple[int, int], bias: np.ndarray,
    out: np.ndarray,
) -> None:  # fmt: skip
    u = np.empty((16, out.shape[1], src.shape[1]), dtype=src.dtype)
    _weight_transform(w, flip, u)
    _transform_conv(src, u, pad, bias, out)


def _conv_in_one_kernel(
    src: np.ndarray, w: np.ndarray, flip: bool, pad: tuple[int, int], bias: np.ndarray,
    out: np.ndarray,
) -> None:  # fmt: skip
    N, J = src.shape[:2]
    K = out.shape[1]
    th, tp = _tiles(*out.shape[2:])
    nw, nc, split = _stage_chunks(N, 16 * (J + K) * src.itemsize, th * tp)
    rows = nw if split else 1
    u = np.empty((16, K, J), dtype=src.dtype)
    v_buf = np.empty((rows, 16 * J * nc * th * tp), dtype=src.dtype)
    m_buf = np.empty((rows, 16 * K * nc * th * tp), dtype=src.dtype)

    def stage(which: int, n0: int, n1: int) -> None:
        run_parallel(_conv_stage, which, nw, n0, n1, src, w, flip, *pad, th, tp, bias, out, nc,
                     u, v_buf, m_buf)  # fmt: skip

    _run_stages(stage, N, nc, split)


def _stage_chunks(N: int, bytes_per_tile: int, tiles: int) -> tuple[int, int, bool]:
    """The stage kernels' threads, samples per chunk (a cache budget's worth, at least
    :data:`MIN_GEMM_COLUMNS` tiles), and whether each thread takes its own samples (at least as
    many samples as threads) or each stage is split between the threads."""
    nw = get_num_threads()
    nc = max(_chunk(N, bytes_per_tile * tiles), -(-MIN_GEMM_COLUMNS // tiles))
    split = N >= nw
    if split:
        nc = min(nc, -(-N // nw))
    return nw, nc, split


def _run_stages(stage: Callable[[int, int, int], None], N: int, nc: int, split: bool) -> None:
    """One convolution's calls of a stage kernel, ``stage(which, n0, n1)``, OpenBLAS held at
    one thread: each thread's pipelines over its samples, or chunk by chunk each stage in turn
    (FIRST computes the filter transform again for each chunk: cheap beside a stage)."""
    with _blas.one_thread():
        if split:
            stage(FIRST, 0, 0)
            stage(PIPELINES, 0, 0)
            return
        for n0, n1 in _even(nc, 0, N):
            stage(FIRST, n0, n1)
            stage(GEMMS, n0, n1)
            stage(LAST, n0, n1)


def _transform_conv(
    src: np.ndarray, u: np.ndarray, pad: tuple[int, int], bias: np.ndarray, out: np.ndarray
) -> None:
    # _conv_chunk over the whole batch, chunk by chunk on each worker's share of the samples.
    N, J = src.shape[:2]
    K = out.shape[1]
    tiles = _tiles(*out.shape[2:])
    tpi = tiles[0] * tiles[1]
    nc_max = _chunk(N, 16 * (J + K) * tpi * src.itemsize)

    def work(lo: int, hi: int) -> None:
        chunks = _even(nc_max, lo, hi)
        nc = max(n1 - n0 for n0, n1 in chunks)
        v_buf = np.empty(16 * J * nc * tpi, dtype=src.dtype)
        m_buf = np.empty(16 * K * nc * tpi, dtype=src.dtype)
        for n0, n1 in chunks:
            _conv_chunk(src, u, n0, n1, pad, tiles, bias, v_buf, m_buf, out)

    run_shares(N, work)


def _no_bias(n: int, dtype: np.dtype) -> np.ndarray:
    return np.zeros(n, dtype=dtype)


def winograd_forward(
    x: np.ndarray, w: np.ndarray, padding: tuple[int, int], bias: np.ndarray | None = None
) -> np.ndarray:
    """``conv2d`` of ``x`` (N, C, H, W) with a 3x3 ``w`` (O, C, 3, 3), stride 1, by Winograd.

    ``x`` and ``w`` are C-contiguous, of one float dtype and finite; ``padding`` is
    ``(ph, pw)``, zero padding on both sides, each in 0..2. ``bias`` (O,) of that dtype, if
    given, is added as the output is written.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> winograd_forward(x, np.ones((1, 1, 3, 3)), (0, 0), bias=np.array([0.5]))[0, 0]
    array([[45.5, 54.5],
           [81.5, 90.5]])
    """
    N, C, H, W = x.shape
    O = w.shape[0]
    y = np.empty((N, O, H + 2 * padding[0] - 2, W + 2 * padding[1] - 2), dtype=x.dtype)
    b = _no_bias(O, x.dtype) if bias is None else bias
    _conv(x, w, False, padding, b, y)
    return y


def winograd_backward_input(
    gy: np.ndarray, w: np.ndarray, x_shape: tuple[int, int, int, int], padding: tuple[int, int]
) -> np.ndarray:
    """Input gradient of :func:`winograd_forward`; ``gy`` may be spatially smaller than the
    output (the missing outputs have zero gradient).

    Examples
    --------
    >>> gy, w = np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))
    >>> winograd_backward_input(gy, w, (1, 1, 4, 4), (0, 0))[0, 0]
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]])
    """
    C = w.shape[1]
    gx = np.empty(x_shape, dtype=gy.dtype)
    _conv(gy, w, True, (2 - padding[0], 2 - padding[1]), _no_bias(C, gy.dtype), gx)
    return gx


def winograd_backward_weight(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple[int, int, int, int], padding: tuple[int, int]
) -> np.ndarray:
    """Weight gradient of :func:`winograd_forward`; ``gy`` may be spatially smaller than the
    output (the missing outputs have zero gradient).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> winograd_backward_weight(x, np.ones((1, 1, 2, 2)), (1, 1, 3, 3), (0, 0))[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    return _backward(x, gy, w_shape, padding, None)[1]


def winograd_backward(
    x: np.ndarray, gy: np.ndarray, w: np.ndarray, padding: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both gradients of :func:`winograd_forward` in one pass over the batch, and ``gy``'s sums.

    Each worker runs, chunk by chunk of its samples, the weight-gradient pipeline and then the
    input-gradient one, sharing scratch buffers (one handoff to the worker threads instead of
    two). ``x`` and ``w`` must be finite; ``gy`` is not checked beforehand: its per-channel
    sums, taken as the gradient transform reads it, come back in float64, and when one of them
    is not finite the caller must discard ``gx`` and ``gw`` (Winograd smears an inf or NaN over
    its tile) and use the exact path.

    Returns
    -------
    gx : ndarray, shape of ``x``
    gw : ndarray, shape of ``w``
    gsum : ndarray of float64, shape (O,)
        ``gy.sum(axis=(0, 2, 3))``: the bias gradient, and the finiteness test of ``gy``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> gx, gw, gsum = winograd_backward(x, np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), (0, 0))
    >>> gw[0, 0, 0], gsum
    (array([10., 14., 18.]), array([4.]))
    """
    gx, gw, gsum = _backward(x, gy, w.shape, padding, w)
    assert gx is not None
    return gx, gw, gsum


def _backward(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple[int, ...], padding: tuple[int, int],
    w: np.ndarray | None,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:  # fmt: skip
    # The weight gradient and gy's channel sums; with w, the input gradient too, in the same
    # pass, by the parallel kernel once compiled, else on run_shares.
    if _blas.in_one_kernel():
        return _KERNELS.call(_backward_in_one_kernel, _backward_on_shares, x, gy, w_shape,
                             padding, w)  # fmt: skip
    return _backward_on_shares(x, gy, w_shape, padding, w)


def _backward_in_one_kernel(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple[int, ...], padding: tuple[int, int],
    w: np.ndarray | None,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:  # fmt: skip
    N, C, H, W = x.shape
    O = w_shape[0]
    dt = x.dtype
    with_gx = w is not None
    tiles = _tiles(*gy.shape[2:]) + (_tiles(H, W) if with_gx else (0, 0))
    tpi = max(tiles[0] * tiles[1], tiles[2] * tiles[3])
    nw, nc, split = _stage_chunks(N, 16 * (C + O) * x.itemsize, tpi)
    rows = nw if split else 1
    # Pipelines: two buffers a thread, reused by both pipelines of a chunk. Stages: the weight
    # gradient's two and, with gx, the input gradient's two, all alive at once.
    bufs = np.empty((4 if with_gx and not split else 2, rows, 16 * max(C, O) * nc * tpi), dt)
    s = np.empty((rows, 16, O, C), dtype=dt)  # each part written by its first GEMM
    gsum = np.zeros((nw, O))
    gw = np.empty(w_shape, dtype=dt)
    gx = np.empty(x.shape if with_gx else (0, 0, 0, 0), dtype=dt)
    ub = np.empty((16, C, O) if with_gx else (16, 0, 0), dtype=dt)
    w_arg = w if with_gx else np.empty((0, 0, 3, 3), dtype=dt)
    no_bias = _no_bias(C, dt)

    def stage(which: int, n0: int, n1: int) -> None:
        run_parallel(_backward_stage, which, nw, n0, n1, x, gy, w_arg, *padding, tiles, nc,
                     with_gx, ub, s, gsum, no_bias, gx, gw, bufs)  # fmt: skip

    _run_stages(stage, N, nc, split)
    stage(GRADS, 0, 0)  # the parts' sum, transformed back, split between the threads
    return (gx if with_gx else None), gw, _sum_parts(list(gsum))


def _backward_on_shares(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple[int, ...], padding: tuple[int, int],
    w: np.ndarray | None,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:  # fmt: skip
    # Per chunk the weight-gradient pipeline, then the input-gradient one on the same buffers,
    # (Z or V_gy, V_x or M).
    N, C, H, W = x.shape
    O = w_shape[0]
    tiles_w = _tiles(*gy.shape[2:])
    tpi = tiles_w[0] * tiles_w[1]
    gx = ub = None
    if w is not None:
        gx = np.empty(x.shape, dtype=x.dtype)
        ub = np.empty((16, C, O), dtype=x.dtype)
        _weight_transform(w, True, ub)
        no_bias = _no_bias(C, x.dtype)
        pad_x = (2 - padding[0], 2 - padding[1])
        tiles_x = _tiles(H, W)
        tpi = max(tpi, tiles_x[0] * tiles_x[1])
    nc_max = _chunk(N, 16 * (C + O) * tpi * x.itemsize)

    def work(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        chunks = _even(nc_max, lo, hi)
        nc = max(n1 - n0 for n0, n1 in chunks)
        a_buf = np.empty(16 * O * nc * tpi, dtype=x.dtype)
        b_buf = np.empty(16 * C * nc * tpi, dtype=x.dtype)
        s, part = np.zeros((16, O, C), dtype=x.dtype), np.empty((16, O, C), dtype=x.dtype)
        gsum = np.zeros(O)
        for n0, n1 in chunks:
            _weight_chunk(x, gy, n0, n1, padding, tiles_w, a_buf, b_buf, s, part, gsum)
            if gx is not None:
                _conv_chunk(gy, ub, n0, n1, pad_x, tiles_x, no_bias, a_buf, b_buf, gx)
        return s, gsum

    parts = run_shares(N, work)
    gw = np.empty(w_shape, dtype=x.dtype)
    _weight_grad_transform(_sum_parts([p[0] for p in parts])[None], gw, 0, O)
    return gx, gw, _sum_parts([p[1] for p in parts])


#: How many times the usual rent (``_jit.STAND_IN_SECONDS``) run_shares stands in for the stage
#: kernels before they are compiled in-process: they take about 25 s to compile (a parallel
#: kernel's cost grows with all the code it calls) to save a tenth to a third of the time of
#: the convolutions they run. Until then, and meanwhile, the compile at exit prepares them for
#: the next run.
RENT = 15.0

#: The stage kernels (their parallel machine code), with run_shares standing in until they are
#: compiled.
_KERNELS = StandIn(
    *(getattr(k, "dispatcher", k) for k in (_conv_stage, _backward_stage)), rent=RENT
)


def _sum_parts(parts: list[np.ndarray]) -> np.ndarray:
    total = parts[0]
    for p in parts[1:]:
        total += p
    return total
