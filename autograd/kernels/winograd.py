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

Layouts: ``V[e, c, n*TH*TP + ty*TP + tx]`` with ``e = 4*a + b`` (row ``a``, column ``b`` of
the 4x4 transformed tile), ``TH = ceil(OH / 2)`` tile rows and ``TP = ceil(OW / 2) + 1`` tiles
per tile row for the output being tiled. The extra tile of each row is junk (dropped by the
output transform; zero in the weight gradient's ``Z``, so it adds nothing): with it, every entry
of every tile's patch sits at a constant offset of a flat, parity-split copy of the padded
plane, so the transforms are long unit-stride loops that LLVM vectorizes (measured 2-2.5x
faster than loops over the short rows of tiles), for ``TP/TW - 1`` extra GEMM columns. The
copy is per plane into a small private buffer, so padding (or a short ``gy``) is never
materialised for the whole batch and the tile loops carry no bounds tests.

Threads: the transforms are serial Numba kernels (``nogil``); each of ``get_num_threads()``
Python worker threads runs whole chunks of samples, transform -> GEMM (BLAS held at one thread
meanwhile) -> transform, on its own share of the batch. Alternating Numba's parallel kernels
with OpenBLAS's multi-threaded GEMM was measured to slow both down 2x and more (BLAS workers
spin after a GEMM while Numba's threads want the same two cores); a thread that owns a whole
pipeline has nothing to fight. A worker writes only its own samples of the output; weight
gradient workers return partial sums that the caller adds.

Winograd mixes the values of a tile, so an inf or NaN would reach outputs the direct method
keeps it away from; callers must use the direct/GEMM path when an input is not finite
(:func:`all_finite`). Only zero padding of at most 2 is supported (:func:`winograd_applies`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import threadpoolctl

from autograd.kernels._jit import get_num_threads
from autograd.kernels._winograd_kernels import (
    _grad_transform,
    _input_transform,
    _input_transform_tiles,
    _output_transform,
    _weight_grad_transform,
    _weight_transform,
)

__all__ = [
    "all_finite",
    "winograd_applies",
    "winograd_forward",
    "winograd_backward_input",
    "winograd_backward_weight",
]

# Upper bound on one worker's chunk: transformed input plus GEMM output (V and M, or V and Z).
# About a core's L2 (2 MB here), so the GEMM reads what the transform just wrote from cache;
# it also bounds the scratch memory of a call to a few MB whatever the batch.
_CHUNK_BYTES = 2 * 1024 * 1024

# Dispatch thresholds (see winograd_applies), measured on the project's 2-core machine (float32,
# fwd + both backward, N = 32, pad 1; time ratio Winograd / im2col + GEMM, noisy shared cores):
#   C->O 32x32 28x28: 0.47 | 64->64 32x32: 0.55 | 32->64 14x14: 0.7 | 16->16 28x28: 0.75
#   16->32 14x14: ~1.1 | 32->32 7x7: 1.2 | 256->256 7x7: 1.2 | 64->64 4x4: 1.6 | 3->32 32x32: 1.4
# Small images lose to the junk tile per tile row and per-plane overheads; thin layers (RGB
# input) to GEMMs too thin to pay for the transforms.
_MIN_CHANNELS = 16
_MIN_OUTPUT_PIXELS = 144


# --------------------------------------------------------------------------------------------
# Drivers


def winograd_applies(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
) -> bool:
    """Whether the Winograd path handles this convolution and is expected to be faster.

    Geometry: a 3x3 kernel, stride 1, dilation 1, one group, padding at most 2 per axis.
    Crossover (measured, see ``_MIN_CHANNELS`` and ``_MIN_OUTPUT_PIXELS``): with few input or
    output channels the Winograd GEMMs are too thin to pay for the transforms, and tiny images
    waste most of each tile.

    Examples
    --------
    >>> winograd_applies((8, 64, 16, 16), (64, 64, 3, 3), (1, 1), (1, 1), (1, 1), 1)
    True
    >>> winograd_applies((8, 64, 16, 16), (64, 64, 3, 3), (2, 2), (1, 1), (1, 1), 1)
    False
    """
    if w_shape[2:] != (3, 3) or stride != (1, 1) or dilation != (1, 1) or groups != 1:
        return False
    if max(padding) > 2:
        return False
    oh = x_shape[2] + 2 * padding[0] - 2
    ow = x_shape[3] + 2 * padding[1] - 2
    return min(x_shape[1], w_shape[0]) >= _MIN_CHANNELS and oh * ow >= _MIN_OUTPUT_PIXELS


def all_finite(*arrays: np.ndarray) -> bool:
    """True when every array is free of inf and NaN (a sum that overflows also says False).

    Examples
    --------
    >>> all_finite(np.ones(3), np.array([1.0, np.inf]))
    False
    """
    return all(bool(np.isfinite(a.sum())) for a in arrays)


# Worker threads and the BLAS thread setting (see the module docstring).
_pool: ThreadPoolExecutor | None = None
_blas_lock = threading.Lock()
_blas_users = 0
_blas_saved: list[int] = []
_blas_libs: list = []


def _blas_controllers() -> list:
    global _blas_libs
    if not _blas_libs:
        _blas_libs = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas_libs


def _blas_enter() -> None:
    # Single-threaded BLAS while any Winograd call runs its workers (a count, so concurrent
    # calls from several Python threads restore the user's setting only when the last leaves).
    global _blas_users, _blas_saved
    with _blas_lock:
        if _blas_users == 0:
            libs = _blas_controllers()
            _blas_saved = [lib.get_num_threads() for lib in libs]
            for lib in libs:
                lib.set_num_threads(1)
        _blas_users += 1


def _blas_exit() -> None:
    global _blas_users
    with _blas_lock:
        _blas_users -= 1
        if _blas_users == 0:
            for lib, n in zip(_blas_controllers(), _blas_saved):
                lib.set_num_threads(n)


def _split(n: int, work: Callable[[int, int], object]) -> list:
    # Run work(lo, hi) on contiguous shares of range(n), one per thread, and return results.
    workers = min(n, get_num_threads())
    if workers <= 1 or numba.config.DISABLE_JIT:
        return [work(0, n)]
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(numba.config.NUMBA_NUM_THREADS, "winograd")
    bounds = [n * i // workers for i in range(workers + 1)]
    _blas_enter()
    try:
        futures = [_pool.submit(work, bounds[i], bounds[i + 1]) for i in range(1, workers)]
        results = [work(bounds[0], bounds[1])]
        results += [f.result() for f in futures]
    finally:
        _blas_exit()
    return results


def _chunk(n: int, per_sample: int) -> int:
    return max(1, min(n, _CHUNK_BYTES // max(1, per_sample)))


def _even(nc_max: int, n: int) -> int:
    # The chunk size that splits n samples into the fewest chunks of at most nc_max, evenly
    # (a short last chunk runs its transforms and a thin GEMM at a worse rate).
    chunks = -(-n // max(1, nc_max))
    return -(-n // max(1, chunks))


def _tiles(oh: int, ow: int) -> tuple[int, int]:
    # Tile rows, and tiles per tile row with one extra (junk) tile: see the module docstring.
    return (oh + 1) // 2, (ow + 1) // 2 + 1


def _transform_conv(src: np.ndarray, u: np.ndarray, ph: int, pw: int, out: np.ndarray) -> None:
    # out[n, k] = sum_j conv3x3(src[n, j] zero-padded by (ph, pw), filter whose Winograd
    # transform is u[:, k, j]), chunk by chunk over the samples.
    N, J = src.shape[:2]
    K, oh, ow = out.shape[1:]
    th, tw = _tiles(oh, ow)
    tpi = th * tw
    nc_max = _chunk(N, 16 * (J + K) * tpi * src.itemsize)

    def work(lo: int, hi: int) -> None:
        nc = _even(nc_max, hi - lo)
        size = nc * tpi
        v_buf = np.empty(16 * J * size, dtype=src.dtype)
        m_buf = np.empty(16 * K * size, dtype=src.dtype)
        for n0 in range(lo, hi, nc):
            n1 = min(hi, n0 + nc)
            T = (n1 - n0) * tpi
            v = v_buf[: 16 * J * T].reshape(16, J, T)
            m = m_buf[: 16 * K * T].reshape(16, K, T)
            _input_transform(src, n0, n1, ph, pw, th, tw, v)
            np.matmul(u, v, out=m)
            _output_transform(m, n0, th, tw, out)

    _split(N, work)


def winograd_forward(x: np.ndarray, w: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """``conv2d`` of ``x`` (N, C, H, W) with a 3x3 ``w`` (O, C, 3, 3), stride 1, by Winograd.

    ``x`` and ``w`` are C-contiguous, of one float dtype and finite; ``padding`` is
    ``(ph, pw)``, zero padding on both sides, each in 0..2.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> winograd_forward(x, np.ones((1, 1, 3, 3)), (0, 0))[0, 0]
    array([[45., 54.],
           [81., 90.]])
    """
    N, C, H, W = x.shape
    O = w.shape[0]
    y = np.empty((N, O, H + 2 * padding[0] - 2, W + 2 * padding[1] - 2), dtype=x.dtype)
    u = np.empty((16, O, C), dtype=x.dtype)
    _weight_transform(w, False, u)
    _transform_conv(x, u, padding[0], padding[1], y)
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
    O, C = w.shape[:2]
    gx = np.empty(x_shape, dtype=gy.dtype)
    u = np.empty((16, C, O), dtype=gy.dtype)
    _weight_transform(w, True, u)
    _transform_conv(gy, u, 2 - padding[0], 2 - padding[1], gx)
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
    N, C = x.shape[:2]
    O = w_shape[0]
    th, tw = _tiles(*gy.shape[2:])
    tpi = th * tw
    nc_max = _chunk(N, 16 * (C + O) * tpi * x.itemsize)

    def work(lo: int, hi: int) -> np.ndarray:
        nc = _even(nc_max, hi - lo)
        size = nc * tpi
        v_buf = np.empty(16 * C * size, dtype=x.dtype)
        z_buf = np.empty(16 * O * size, dtype=x.dtype)
        s = np.empty((16, O, C), dtype=x.dtype)
        part = np.empty_like(s)
        for n0 in range(lo, hi, nc):
            n1 = min(hi, n0 + nc)
            T = (n1 - n0) * tpi
            z = z_buf[: 16 * O * T].reshape(16, O, T)
            v = v_buf[: 16 * C * T].reshape(16, T, C)
            _input_transform_tiles(x, n0, n1, padding[0], padding[1], th, tw, v)
            _grad_transform(gy, n0, n1, th, tw, z)
            if n0 == lo:
                np.matmul(z, v, out=s)
            else:
                np.matmul(z, v, out=part)
                s += part
        return s

    parts = _split(N, work)
    s = parts[0]
    for p in parts[1:]:
        s += p
    gw = np.empty(w_shape, dtype=x.dtype)
    _weight_grad_transform(s, gw)
    return gw
