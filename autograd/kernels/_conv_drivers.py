"""The convolution paths' drivers: GEMM drivers (im2col, or the wide stride-1 layout, in chunks
of samples, one OpenBLAS GEMM per chunk and group, and the copies back; on a batch, one such
pipeline per kernel thread over its share of the samples, in the strided layout as one parallel
kernel, :mod:`autograd.kernels._conv_pipes`), the pointwise path's (one GEMM per sample, on a
batch each kernel thread its share, :mod:`autograd.kernels._conv_pointwise`), the phases
kernel's (:mod:`autograd.kernels._conv_phases`) and the direct one-pass backward.
Python loops run over chunks and groups only; the per-element work is in ``_conv_gemm``'s and
``_conv_direct``'s Numba kernels.

They execute what :func:`autograd.kernels._conv_plan.plan` chose (via ``conv.py``); the
conditions they test themselves are exactness (the wide weight-gradient layout redoes a chunk
whose input holds inf or NaN in the plain layout, and the one-pass backward reports such an
input) and where a one-kernel form can run (:func:`phases_here`, ``_by_kernel``,
``_pointwise_by_kernel``).
"""

from __future__ import annotations

import math
import threading
import types
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import numpy as np

from autograd.kernels import _blas, _conv_plan
from autograd.kernels import _conv_dense as dense
from autograd.kernels import _conv_direct as direct
from autograd.kernels import _conv_gemm as gemm
from autograd.kernels import _conv_phases as phases
from autograd.kernels import _conv_pipes as pipes
from autograd.kernels import _conv_pointwise as pointwise
from autograd.kernels import winograd as wino
from autograd.kernels._args import ConvGeometry, conv_output_size
from autograd.kernels._jit import StandIn, get_num_threads, run_parallel, run_shares

_scratch = threading.local()
T = TypeVar("T")


def scratch(name: str, size: int, dtype: np.dtype) -> np.ndarray:
    """A 1-D array of ``size`` elements of ``dtype`` with arbitrary contents, this thread's
    ``name`` buffer: each call returns the same memory (grown when asked for more).

    A driver's columns and GEMM outputs are scratch that every call fills before reading; a
    fresh ``np.empty`` of a megabyte comes from the operating system zeroed page by page, and
    the page faults (in the BLAS threads that first write it) cost a small layer more than its
    GEMM. So each thread keeps its buffers; no two live uses in a thread may share a name.

    Examples
    --------
    >>> a = scratch("doc", 4, np.dtype(np.float64))
    >>> b = scratch("doc", 3, np.dtype(np.float64))
    >>> b.size, np.shares_memory(a, b)
    (3, True)
    """
    pool = _scratch.__dict__.setdefault("pool", {})
    buf = pool.get((name, dtype))
    if buf is None or buf.size < size:
        buf = pool[(name, dtype)] = np.empty(size, dtype=dtype)
    return buf[:size]


def _chunk(n: int, k: int, L: int, itemsize: int, budget: int | None = None) -> int:
    budget = _conv_plan.LIMITS.cols_budget_bytes if budget is None else budget
    return max(1, min(n, budget // max(1, k * L * itemsize)))


# The layout kernels the GEMM drivers call: their serial twins, in a pipeline per thread or
# between BLAS's multi-threaded GEMMs (see _pipelined).
_LAYOUT = ("_im2col", "_col2im", "_ol_to_nol", "_nol_to_ol", "_pad_planes", "_unpad_planes",
           "_im2col_wide", "_col2im_wide", "_wide_to_nchw", "_nchw_to_wide")  # fmt: skip
_SERIAL = types.SimpleNamespace(
    **{name: getattr(getattr(gemm, name), "serial", getattr(gemm, name)) for name in _LAYOUT}
)


def _pipelined(share: bool, n: int, run: Callable[..., Any]) -> list[Any]:
    """``run(lo, hi, budget)`` over samples ``0 .. n - 1``: with ``share`` (what
    :func:`_shares` says), on each kernel thread, its share of the batch with serial layout
    kernels, BLAS at one thread and chunks of about a core's L2 cache; else the whole batch on
    this thread with BLAS's threads and large chunks, the layout kernels serial still.
    Returns ``run``'s results, one per share.

    A pipeline per thread keeps each chunk's columns in its core's cache from the layout kernel
    that writes them to the GEMM that reads them (and back), where the whole batch's columns
    (tens of megabytes) go out to memory and back; it needs a batch to share out.

    Parallel layout kernels between multi-threaded GEMMs lost more than they gained: their
    OpenMP threads spin for a while after each kernel (see "Threading layer" in
    :mod:`autograd.kernels._jit`), on the cores OpenBLAS's threads then want. Serial, a batch of
    four 128-channel 7x7 maps ran fwd+bwd in 1.5 ms instead of 2.3, a strided 64->128
    convolution of four 28x28 maps in 2.6 instead of 3.3.

    Here the shares go to Python worker threads (:func:`autograd.kernels._jit.run_shares`). The
    strided layout's pipelines run as one parallel kernel instead wherever it can run and is
    compiled (:func:`_run_pipes`); this form stands in for it meanwhile.
    """
    limits = _conv_plan.LIMITS
    if share:
        budget = limits.pipeline_chunk_bytes
        return run_shares(n, lambda lo, hi: run(lo, hi, budget))
    return [run(0, n, limits.cols_budget_bytes)]


def _shares(n: int, out: np.ndarray, w_shape: tuple, wide: bool) -> bool:
    # Whether a column path runs pipelines on a batch of n samples whose GEMM columns are out's
    # pixels (the output, or the output gradient), as the plan decided: the wide layout is the
    # whole batch's (its buffers are this thread's).
    pixels = out.shape[2] * out.shape[3]
    return not wide and _conv_plan.pipelined(n, pixels, math.prod(w_shape))


# --------------------------------------------------------------------------------------------
# GEMM drivers: Python loops over chunks of samples and over groups only.


class _Chunks:
    """A GEMM driver's layout and buffers.

    Per group, ``og`` output channels and ``K`` rows of columns (``cg * kh * kw``); chunks of
    ``nc`` samples of ``lc`` columns each (in the wide layout, stride 1 only, a row is ``wp``
    long and a padded plane ``pitch``). One columns buffer, ``mats`` ``(og, columns)`` buffers
    and, for the wide layout, a padded-planes buffer ``pad`` are reused by every chunk.
    Iterating gives each chunk's ``(n0, n1)``.
    """

    def __init__(
        self, x_shape: tuple, w_shape: tuple, out_hw: tuple, g: ConvGeometry, wide: bool,
        dtype: np.dtype, mats: int, lo: int = 0, hi: int | None = None,
        budget: int | None = None,
    ) -> None:  # fmt: skip
        self.g = g
        p, d, groups = g.padding, g.dilation, g.groups
        self.N, self.C, H, W = x_shape
        self.O, self.cg, self.kh, self.kw = w_shape
        self.og, self.K = self.O // groups, self.cg * self.kh * self.kw
        self.oh, self.ow = out_hw
        self.wp = W + 2 * p[1]
        self.pitch = (H + 2 * p[0]) * self.wp + (self.kw - 1) * d[1]
        self.lc = self.oh * self.wp if wide else self.oh * self.ow
        self.lo, self.hi = lo, self.N if hi is None else hi
        self.nc = _chunk(self.hi - self.lo, self.K, self.lc, dtype.itemsize, budget)
        self.several = self.nc < self.hi - self.lo  # more than one chunk
        self.cols = scratch("cols", self.K * self.nc * self.lc, dtype)
        self.mats = [scratch(f"mat{i}", self.og * self.nc * self.lc, dtype) for i in range(mats)]
        rows = self.nc * self.C if wide else 0
        self.pad = scratch("pad", rows * self.pitch, dtype).reshape(rows, self.pitch)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for n0 in range(self.lo, self.hi, self.nc):
            yield n0, min(self.hi, n0 + self.nc)

    def views(self, n0: int, n1: int, wide: bool) -> list[np.ndarray]:
        """The chunk's ``(K, m)`` columns and ``(og, m)`` matrices in the layout asked."""
        m = (n1 - n0) * (self.oh * self.wp if wide else self.oh * self.ow)
        return [self.cols[: self.K * m].reshape(self.K, m)] + [
            buf[: self.og * m].reshape(self.og, m) for buf in self.mats
        ]

    def im2col(self, x: np.ndarray, n0: int, n1: int, j: int, wide: bool, cols: np.ndarray) -> None:
        """Group ``j``'s columns of samples ``n0:n1`` (wide: of the planes padded into ``pad``)."""
        (s, p, d, _), cg, kh, kw = self.g, self.cg, self.kh, self.kw
        if wide:
            lc = self.oh * self.wp
            _SERIAL._im2col_wide(self.pad, self.C, j * cg, cg, kh, kw, *d, self.wp, lc, cols)
        else:
            _SERIAL._im2col(x, n0, n1, j * cg, cg, kh, kw, *s, *p, *d, self.oh, self.ow, cols)

    def gy_rows(self, gy: np.ndarray, n0: int, j: int, wide: bool, out: np.ndarray) -> None:
        """Group ``j``'s output gradient of the chunk from ``n0`` as ``(og, columns)``."""
        if wide:
            _SERIAL._nchw_to_wide(gy, n0, j * self.og, self.wp, out)
        else:
            gy3 = gy.reshape(self.N, self.O, self.oh * self.ow)
            _SERIAL._nol_to_ol(gy3, n0, j * self.og, out)


def forward_gemm(
    x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray, y: np.ndarray, wide: bool,
    kernel: bool = True,
) -> None:  # fmt: skip
    # y = conv(x, w) + b (b empty: no bias, added while the output is copied out of the GEMM's
    # layout). wide (stride 1 only): garbage in its extra columns only reaches dropped columns.
    # kernel: pipelines by the one parallel kernel where it runs (see _in_kernel).
    twin = partial(forward_gemm, wide=False, kernel=False)
    share = _shares(x.shape[0], y, w.shape, wide)
    if kernel and _by_kernel(share, _forward_pipes, twin, x, w, g, b, y):
        return

    def run(lo: int, hi: int, budget: int) -> None:
        c = _Chunks(x.shape, w.shape, y.shape[2:], g, wide, x.dtype, 1, lo, hi, budget)
        w3 = w.reshape(g.groups, c.og, c.K)
        y3 = y.reshape(c.N, c.O, c.oh * c.ow)
        for n0, n1 in c:
            cols, out = c.views(n0, n1, wide)
            if wide:
                _SERIAL._pad_planes(x, n0, n1, *g.padding, c.pitch, c.pad)
            for j in range(g.groups):
                c.im2col(x, n0, n1, j, wide, cols)
                np.matmul(w3[j], cols, out=out)
                if wide:
                    _SERIAL._wide_to_nchw(out, b, n0, j * c.og, c.wp, y)
                else:
                    _SERIAL._ol_to_nol(out, b, n0, j * c.og, y3)

    _pipelined(share, x.shape[0], run)


def backward_input_gemm(
    gy: np.ndarray, w: np.ndarray, g: ConvGeometry, gx: np.ndarray, wide: bool,
    kernel: bool = True,
) -> None:  # fmt: skip
    # gx = W^T gy then col2im. wide (stride 1 only) multiplies the junk columns' zeros by w,
    # exact only for a finite w.
    twin = partial(backward_input_gemm, wide=False, kernel=False)
    share = _shares(gx.shape[0], gy, w.shape, wide)
    if kernel and _by_kernel(share, _input_pipes, twin, gy, w, g, gx):
        return
    (s, p, d, groups), (_, cg, kh, kw) = g, w.shape

    def run(lo: int, hi: int, budget: int) -> None:
        c = _Chunks(gx.shape, w.shape, gy.shape[2:], g, wide, gy.dtype, 1, lo, hi, budget)
        w3 = w.reshape(groups, c.og, c.K)
        for n0, n1 in c:
            cols, gyt = c.views(n0, n1, wide)
            for j in range(groups):
                c.gy_rows(gy, n0, j, wide, gyt)
                np.matmul(w3[j].T, gyt, out=cols)
                if wide:
                    _SERIAL._col2im_wide(cols, c.C, j * cg, cg, kh, kw, *d, c.wp, c.lc, c.pad)
                else:
                    _SERIAL._col2im(cols, n0, j * cg, cg, kh, kw, *s, *p, *d, c.oh, c.ow, gx)
            if wide:
                _SERIAL._unpad_planes(c.pad[: (n1 - n0) * c.C], n0, *p, gx)

    _pipelined(share, gx.shape[0], run)


def backward_weight_gemm(
    x: np.ndarray, gy: np.ndarray, g: ConvGeometry, gw: np.ndarray, can_wide: bool,
    kernel: bool = True,
) -> None:  # fmt: skip
    # gw = cols gy^T. The wide layout (stride 1 only) is exact only for finite x (its garbage
    # columns meet zeros of gy_t); _pad_planes counts non-finite values while copying, and a
    # chunk holding any is redone in the plain layout, so x is never summed just to check.
    twin = partial(backward_weight_gemm, can_wide=False, kernel=False)
    share = _shares(x.shape[0], gy, gw.shape, can_wide)
    if kernel and _by_kernel(share, _weight_pipes, twin, x, gy, g, gw):
        return

    def run(lo: int, hi: int, budget: int) -> np.ndarray:
        c = _Chunks(x.shape, gw.shape, gy.shape[2:], g, can_wide, x.dtype, 1, lo, hi, budget)
        total = gw if lo == 0 else np.empty_like(gw)  # the first share writes gw itself
        sums = _WeightSums(c, total.reshape(g.groups, c.og, c.K))
        for n0, n1 in c:
            wide = can_wide and _SERIAL._pad_planes(x, n0, n1, *g.padding, c.pitch, c.pad) == 0
            cols, gyt = c.views(n0, n1, wide)
            for j in range(g.groups):
                c.im2col(x, n0, n1, j, wide, cols)
                c.gy_rows(gy, n0, j, wide, gyt)
                sums.add(j, cols, gyt, n0 == lo)
        sums.finish()
        return total

    _sum_into(gw, _pipelined(share, x.shape[0], run))


def _sum_into(total: np.ndarray, parts: list[np.ndarray]) -> None:
    # The shares' partial sums, the first of which is ``total`` itself.
    for p in parts[1:]:
        total += p


#: A share's weight gradient summed over at least this many GEMM columns (its samples times
#: their output pixels) is taken as ``cols @ gy^T``, ``(K, og)``, and copied into the weight's
#: ``(og, K)`` layout once at the end. OpenBLAS runs that orientation 10-50 % faster (an 8 -> 72
#: weight over 2048 columns: 0.09 -> 0.045 ms; 64 -> 576 over 3136: 2.3 -> 1.9 ms), and over
#: this many columns the copy costs a few percent of the GEMMs; over fewer it can cost more
#: than it saves (256 -> 2304 over 196 columns: 0.05 ms saved, 0.34 ms of copy).
TRANSPOSED_MIN_COLUMNS = 512


class _WeightSums:
    """One share's weight gradient, summed over its chunks group by group into ``gw3``
    ``(groups, og, K)``: in the faster ``(K, og)`` orientation over enough columns (see
    :data:`TRANSPOSED_MIN_COLUMNS`), else in ``gw3``'s own."""

    def __init__(self, c: _Chunks, gw3: np.ndarray) -> None:
        self.gw3 = gw3
        self.transposed = (c.hi - c.lo) * c.lc >= TRANSPOSED_MIN_COLUMNS
        groups, dt = gw3.shape[0], gw3.dtype
        if self.transposed:
            self.acc = scratch("gw_t", groups * c.K * c.og, dt).reshape(groups, c.K, c.og)
        self.part = np.empty((c.og, c.K), dtype=dt) if c.several and not self.transposed else None

    def add(self, j: int, cols: np.ndarray, gyt: np.ndarray, first: bool) -> None:
        """Group ``j``'s sums (+)= the chunk's ``gyt @ cols.T``; ``first``: the share's first."""
        if self.transposed:
            acc = self.acc[j]
            if first:
                np.matmul(cols, gyt.T, out=acc)
            elif not _blas.add_product(cols, gyt.T, acc):
                acc += cols @ gyt.T
        elif first:
            np.matmul(gyt, cols.T, out=self.gw3[j])
        else:
            self.gw3[j] += np.matmul(gyt, cols.T, out=self.part)

    def finish(self) -> None:
        """Copy the sums into ``gw3`` (when they were taken transposed)."""
        if self.transposed:
            for j in range(self.gw3.shape[0]):
                _transpose_into(self.acc[j], self.gw3[j])


def _transpose_into(src: np.ndarray, dst: np.ndarray) -> None:
    # dst = src.T, 64 rows of src at a time: NumPy's transposing copy of a whole 2304 x 256
    # matrix took 2.4 ms here (its strided reads thrash the cache), in these blocks 0.34.
    for k0 in range(0, src.shape[0], 64):
        dst[:, k0 : k0 + 64] = src[k0 : k0 + 64].T


def backward_weight_batched(
    x: np.ndarray, gy: np.ndarray, g: ConvGeometry, gw: np.ndarray, bias_grad: bool
) -> np.ndarray | None:
    # groups == 1 with few products per output: one small GEMM per sample, cols[n] (K, L) @
    # gy[n].T (L, O), on gy exactly as it lies (no copy of it into a (O, N*L) matrix, which
    # cost as much as the products here), then the per-sample results summed. The GEMMs are
    # small enough that OpenBLAS runs them on the calling thread, so its worker threads do
    # not spin against Numba's. With bias_grad, a row of ones under the columns makes the
    # same GEMMs return gy's sums too (cheaper than another pass over gy).
    s, p, d, _ = g
    N = x.shape[0]
    O, cg, kh, kw = gw.shape
    K = cg * kh * kw
    rows = K + 1 if bias_grad else K
    oh, ow = gy.shape[2:]
    L = oh * ow
    nc = _chunk(N, rows, L, x.itemsize)
    cols_buf = np.empty(rows * nc * L, dtype=x.dtype)
    gy3 = gy.reshape(N, O, L)
    total = np.zeros((rows, O), dtype=x.dtype)
    for n0 in range(0, N, nc):
        n1 = min(N, n0 + nc)
        cols = cols_buf[: rows * (n1 - n0) * L].reshape(rows, (n1 - n0) * L)
        gemm._im2col(x, n0, n1, 0, cg, kh, kw, *s, *p, *d, oh, ow, cols[:K])
        if bias_grad:
            cols[K] = 1.0
        per_sample = cols.reshape(rows, n1 - n0, L).transpose(1, 0, 2)
        total += np.matmul(per_sample, gy3[n0:n1].transpose(0, 2, 1)).sum(axis=0)
    gw.reshape(O, K)[...] = total[:K].T
    return total[K].copy() if bias_grad else None


def forward_and_weight_gemm(
    x: np.ndarray, w: np.ndarray, gy: np.ndarray, g: ConvGeometry, y: np.ndarray, gw: np.ndarray,
    kernel: bool = True,
) -> None:  # fmt: skip
    # y = conv(x, w) and gw = weight gradient of conv at (x, gy) on the strided layout, each
    # chunk's columns built once for both products.
    twin = partial(forward_and_weight_gemm, kernel=False)
    share = _shares(x.shape[0], y, w.shape, False)
    if kernel and _by_kernel(share, _forward_weight_pipes, twin, x, w, gy, g, y, gw):
        return
    no_bias = np.empty(0, dtype=x.dtype)

    def run(lo: int, hi: int, budget: int) -> np.ndarray:
        c = _Chunks(x.shape, w.shape, y.shape[2:], g, False, x.dtype, 2, lo, hi, budget)
        total = gw if lo == 0 else np.empty_like(gw)  # the first share writes gw itself
        w3 = w.reshape(g.groups, c.og, c.K)
        sums = _WeightSums(c, total.reshape(g.groups, c.og, c.K))
        y3 = y.reshape(c.N, c.O, c.oh * c.ow)
        for n0, n1 in c:
            cols, out, gyt = c.views(n0, n1, False)
            for j in range(g.groups):
                c.im2col(x, n0, n1, j, False, cols)
                np.matmul(w3[j], cols, out=out)
                _SERIAL._ol_to_nol(out, no_bias, n0, j * c.og, y3)
                c.gy_rows(gy, n0, j, False, gyt)
                sums.add(j, cols, gyt, n0 == lo)
        sums.finish()
        return total

    _sum_into(gw, _pipelined(share, x.shape[0], run))


# --------------------------------------------------------------------------------------------
# The pipelines as one parallel kernel (_conv_pipes), the strided layout only. Until it is
# compiled on this machine, the pipelines on Python worker threads above stand in.

#: How many times the usual rent (``_jit.STAND_IN_SECONDS``) the worker threads' pipelines stand
#: in for the kernel: it takes about 7.5 s to compile (a dtype), and the stand-in is only 1.0-1.3x
#: as slow, so it pays after half a minute or more of pipelines.
PIPES_RENT = 10.0

_PIPES = StandIn(getattr(pipes._pipes, "dispatcher", pipes._pipes), rent=PIPES_RENT)


def pipes_cold() -> bool:
    """Whether the column pipelines' kernel is still cold (its worker-thread form stands in)."""
    return _PIPES.cold()


def _in_kernel(share: bool) -> bool:
    # Whether a batch shared out to pipelines (see _shares) runs them by the one kernel here.
    return share and _blas.in_one_kernel()


def _by_kernel(share: bool, fn: Callable[..., None], twin: Callable[..., None], *args: Any) -> bool:
    # fn(*args), the pipelines as one kernel, if the batch is shared out and the kernel can run
    # here (the pipelines on worker threads, twin(*args), standing in while it is cold); whether
    # it was done. A read-only array stays with the worker threads: the kernel writes its image
    # argument for one operation, so Numba cannot compile it for a read-only one (nor should
    # another signature cost a compile for an input that rare).
    if not (_in_kernel(share) and _writeable(args)):
        return False
    _PIPES.call(fn, twin, *args)
    return True


def _writeable(args: tuple) -> bool:
    # Whether every array of args is writeable (a read-only one would be another signature).
    return all(a.flags.writeable for a in args if isinstance(a, np.ndarray))


def _empty(ndim: int, dtype: np.dtype) -> np.ndarray:
    return np.empty((0,) * ndim, dtype=dtype)


def _run_pipes(
    op: int, img: np.ndarray, gy: np.ndarray | None, y: np.ndarray | None, w: np.ndarray,
    g: ConvGeometry, b: np.ndarray | None, gw: np.ndarray | None,
) -> None:  # fmt: skip
    # _conv_pipes._pipes for op on img (x, or gx for the input gradient), each thread's share of
    # the samples chunked to the pipelines' cache budget. w gives the weight's shape (and values,
    # unless op is WEIGHT); the weight gradient, when asked, is summed from the threads' parts.
    dt = img.dtype
    N = img.shape[0]
    O, cg, kh, kw = w.shape
    groups = g.groups
    og, K = O // groups, cg * kh * kw
    oh, ow = (y if y is not None else gy).shape[2:]  # type: ignore[union-attr]
    L = oh * ow
    nw = get_num_threads()
    nc = _chunk(-(-N // nw), K, L, dt.itemsize, _conv_plan.LIMITS.pipeline_chunk_bytes)
    cbuf = scratch("pipe_cols", nw * K * nc * L, dt).reshape(nw, K * nc * L)
    mats = scratch("pipe_mats", 2 * nw * og * nc * L, dt).reshape(2, nw, og * nc * L)
    w3 = w.reshape(groups, og, K)
    transposed = gw is not None and (N // nw) * L >= TRANSPOSED_MIN_COLUMNS
    shape = (nw, groups, K, og) if transposed else (nw, groups, og, K)
    parts = _empty(4, dt)
    if gw is not None:
        parts = scratch("pipe_parts", int(np.prod(shape)), dt).reshape(shape)
    bias = b if b is not None else _empty(1, dt)
    with _blas.one_thread():
        run_parallel(pipes._pipes, op, nw, img, _empty(4, dt) if gy is None else gy,
                     _empty(4, dt) if y is None else y, w3, bias, kh, kw, *g.stride,
                     *g.padding, *g.dilation, nc, cbuf, mats, parts, transposed)  # fmt: skip
    if gw is None:
        return
    total = parts[0]
    for part in parts[1:]:
        total += part
    gw3 = gw.reshape(groups, og, K)
    for j in range(groups):
        if transposed:
            _transpose_into(total[j], gw3[j])
        else:
            gw3[j] = total[j]


# --------------------------------------------------------------------------------------------
# The pointwise path's products as one parallel kernel (_conv_pointwise), each kernel thread on
# its share of the samples; one batched matmul on BLAS's threads stands in until it is compiled.

_POINTWISE = StandIn(getattr(pointwise.pointwise, "dispatcher", pointwise.pointwise))


def _pointwise_by_kernel(n: int, fn: Callable[..., T], twin: Callable[..., T],
                         *args: Any) -> tuple[T] | None:  # fmt: skip
    """``(fn(*args),)``, a pointwise product on the kernel threads, when a batch of ``n``
    samples takes them (:func:`autograd.kernels._conv_plan.pointwise_shared`) and the kernel
    can run here on these arrays (``twin(*args)``, the batched matmul, standing in while it is
    cold); else None, and nothing is done.

    Fwd+bwd with a bias (the bias gradient summed in the weight gradient's pass), batched
    matmul -> kernel threads: 32 64->128 32x32 maps 14.7-15.0 -> 9.3 ms, 64 32->32 16x16
    1.49-1.52 -> 0.88-0.95, 16 512->128 7x7 2.76-3.06 -> 1.97-2.06, 8 256->256 14x14 3.62-3.69
    -> 2.82-2.92, 4 128->64 8x8 0.235-0.25 -> 0.19-0.21, 2 64->64 56x56 1.50-1.77 -> 1.25.
    The batched matmul runs each
    sample's GEMM on BLAS's two threads, which then keep polling for work on the core the next
    kernel wants (see :func:`autograd.kernels._blas.small_on_one_thread`).
    """
    if not (_conv_plan.pointwise_shared(n) and _blas.in_one_kernel() and _writeable(args)):
        return None
    return (_POINTWISE.call(fn, twin, *args),)


def _run_pointwise(
    op: int, x3: np.ndarray, gy3: np.ndarray, y3: np.ndarray, w2: np.ndarray, b: np.ndarray,
    parts: np.ndarray | None = None, sums: np.ndarray | None = None,
) -> None:  # fmt: skip
    # _conv_pointwise.pointwise for op, on every kernel thread (one part of the weight
    # gradient each), OpenBLAS held at one thread.
    dt = x3.dtype
    nw = get_num_threads() if parts is None else parts.shape[0]
    parts = _empty(3, dt) if parts is None else parts
    sums = np.empty((0, 0), np.float64) if sums is None else sums
    with _blas.one_thread():
        run_parallel(pointwise.pointwise, op, nw, x3, gy3, y3, w2, b, parts, sums)


def _forward_pipes(
    x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray, y: np.ndarray
) -> None:
    _run_pipes(pipes.FORWARD, x, None, y, w, g, b, None)


def _input_pipes(gy: np.ndarray, w: np.ndarray, g: ConvGeometry, gx: np.ndarray) -> None:
    _run_pipes(pipes.INPUT, gx, gy, None, w, g, None, None)


def _weight_pipes(x: np.ndarray, gy: np.ndarray, g: ConvGeometry, gw: np.ndarray) -> None:
    _run_pipes(pipes.WEIGHT, x, gy, None, gw, g, None, gw)


def _forward_weight_pipes(
    x: np.ndarray, w: np.ndarray, gy: np.ndarray, g: ConvGeometry, y: np.ndarray, gw: np.ndarray
) -> None:
    _run_pipes(pipes.FORWARD_WEIGHT, x, gy, y, w, g, _empty(1, x.dtype), gw)


# --------------------------------------------------------------------------------------------
# 4x4 stride-2 convolutions by parity phases and Winograd F(2x2, 2x2) (_conv_phases), one
# parallel kernel. Where it cannot run (a batch smaller than the threads, a thread other than
# the main one, a read-only array) or while it is cold, the strided column path stands in
# (see ``conv._run``).

#: How many times the usual rent (``_jit.STAND_IN_SECONDS``) the column path stands in for the
#: phases kernel: it takes about 8 s to compile (a dtype), the column path 1.1-1.3x as long.
PHASES_RENT = 3.0

PHASES = StandIn(getattr(phases._phases, "dispatcher", phases._phases), rent=PHASES_RENT)

#: Bytes of one thread's chunk of the phases kernel (its input transform and GEMM outputs),
#: well within a core's L2 cache: 32 32x32 maps, 32 -> 64 channels, fwd / input gradient /
#: weight gradient / forward with weight gradient took 2.1 / 2.8 / 2.9 / 4.4 ms with chunks of
#: 256 KB, 2.4 / 3.3 / 2.9 / 4.8 with 1 MB, 2.9 / 4.5 / 3.0 / 5.0 with 4 MB.
PHASES_CHUNK_BYTES = 256 * 1024
#: ... but at least this many GEMM columns (tiles) a chunk, as for Winograd: thinner GEMMs run
#: at a fraction of BLAS's rate, and each chunk of a weight gradient reads and writes its sums.
PHASES_MIN_COLUMNS = 64


def phases_here(*args: Any) -> bool:
    """Whether the phases kernel can run on these arguments here: BLAS callable from kernels on
    this thread, a batch (the first argument's) to share between the threads, and arrays
    that may be written (Numba would compile another signature for a read-only one)."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    return (
        _blas.in_one_kernel()
        and arrays[0].shape[0] >= get_num_threads()
        and all(a.flags.writeable for a in arrays)
    )


def _run_phases(
    op: int, x: np.ndarray, gy: np.ndarray, out: np.ndarray, w: np.ndarray, b: np.ndarray,
    gw: np.ndarray | None,
) -> np.ndarray | None:  # fmt: skip
    # _conv_phases._phases for op; x is the forward's input (empty for INPUT), gy the output
    # gradient (empty for FORWARD), out y or gx. w gives the weight's values (its shape only for
    # WEIGHT); the weight gradient, when asked, is written into gw and the bias gradient (the
    # sums of gy's planes) returned.
    dt = out.dtype if out.size else x.dtype
    nw = get_num_threads()
    O, C = w.shape[:2]
    if op == phases.INPUT:
        N, (H, W) = gy.shape[0], out.shape[2:]
        v_rows, m_rows = 25 * O, 36 * C  # the four phases at once (see _conv_phases.SLOT)
    else:
        N, (H, W) = x.shape[0], x.shape[2:]
        v_rows, m_rows = 9 * 4 * C, 9 * O
    tiles = (H // 4) * (W // 4)
    per_sample = (v_rows + m_rows) * tiles * dt.itemsize
    share = -(-N // nw)
    nc = min(share, max(PHASES_CHUNK_BYTES // per_sample, -(-PHASES_MIN_COLUMNS // tiles)))
    slack = 25 * phases.ROW_SLACK if op == phases.INPUT else 0
    vbuf = scratch("phase_v", nw * (v_rows * nc * tiles + slack), dt).reshape(nw, -1)
    mbuf = scratch("phase_m", nw * m_rows * nc * tiles, dt).reshape(nw, -1)
    # Zero-padded input planes: one of x, or a chunk's of gy.
    planes = (H + 2) * (W + 2) if op != phases.INPUT else nc * O * (H // 2 + 2) * (W // 2 + 2)
    pads = scratch("phase_pads", nw * planes, dt).reshape(nw, planes)
    u = _empty(3, dt)
    uq = _empty(3, dt)
    slot = phases.FORWARD_SLOTS
    if op == phases.INPUT:
        uq = np.empty((36, C, O), dtype=dt)
        phases.flipped_transform(w, phases.SLOT, phases.SIGN, uq)
        slot = phases.SLOT
    elif op != phases.WEIGHT:
        u = np.empty((9, O, 4 * C), dtype=dt)
        phases.weight_transform(w, u)
    weights = gw is not None
    parts, gsums = _empty(4, dt), _empty(2, dt)
    if weights:
        parts = scratch("phase_parts", nw * 9 * 4 * C * O, dt).reshape(nw, 9, 4 * C, O)
        gsums = scratch("phase_sums", nw * O, dt).reshape(nw, O)
    with _blas.one_thread():
        run_parallel(phases._phases, op, nw, x, gy, out, u, uq, phases.BLOCK, slot, b, nc, vbuf,
                     mbuf, pads, parts, gsums)  # fmt: skip
    if not weights:
        return None
    phases.weight_back_transform(parts.sum(axis=0), gw)
    return gsums.sum(axis=0)


def _forward_phases(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    y = np.empty(output_shape(x.shape, w.shape, g), dtype=x.dtype)
    _run_phases(phases.FORWARD, x, _empty(4, x.dtype), y, w, b, None)
    return y


def input_phases(
    gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry, b: np.ndarray | None = None
) -> np.ndarray:
    """The input gradient (a transposed convolution) by the phases kernel, plus the bias ``b``
    (one per input channel; None or empty: none), added as the kernel writes ``gx``."""
    gx = np.empty(x_shape, dtype=w.dtype)
    b = _empty(1, gy.dtype) if b is None else b
    _run_phases(phases.INPUT, _empty(4, gy.dtype), gy, gx, w, b, None)
    return gx


def _weight_phases(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    gw = np.empty(w_shape, dtype=x.dtype)
    no = _empty(4, x.dtype)
    gb = _run_phases(phases.WEIGHT, x, gy, no, gw, _empty(1, x.dtype), gw)
    return gw, gb


def forward_and_weight_phases(
    x: np.ndarray, w: np.ndarray, gy: np.ndarray, g: ConvGeometry, y: np.ndarray, gw: np.ndarray
) -> None:
    """``y = conv(x, w)`` and ``gw``, the weight gradient at ``(x, gy)``, of a 4x4 stride-2
    convolution by the phases kernel, one input transform per chunk for both (a transposed
    convolution's backward)."""
    _run_phases(phases.FORWARD_WEIGHT, x, gy, y, w, _empty(1, x.dtype), gw)


def direct_one_pass(
    x: np.ndarray | None, gy: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], g: ConvGeometry,
    input_grad: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:  # fmt: skip
    # Stride-1 direct backward, one pass over gy (_conv_direct._direct_backward_wide): gx when
    # input_grad (w must then be finite), and the weight and bias gradients when x is given
    # (else w may be any array of the weight's shape). Returns (gx, gw, gb), None for what was
    # not asked; gw and gb are also None when x holds inf or NaN (the caller takes an exact
    # path then).
    p, d = g.padding, g.dilation
    N, C = x_shape[:2]
    O, cg, kh, kw = w.shape
    k = cg * kh * kw
    dtype = gy.dtype
    tasks = min(N * (C // cg), direct._TASKS)
    gx = np.empty(x_shape if input_grad else (0, 0, 0, 0), dtype=dtype)
    parts = np.empty((0, 0) if x is None else (tasks, O * (k + 1)), dtype=dtype)
    bad = np.zeros(tasks, dtype=np.int64)
    xs = np.empty((0, 0, 0, 0), dtype=dtype) if x is None else x
    direct._direct_backward_wide(xs, gy, w, *p, *d, gx, parts, bad)
    gx_out = gx if input_grad else None
    if x is None or bad.any():
        return gx_out, None, None
    total = parts.sum(axis=0).reshape(O, k + 1)
    return gx_out, np.ascontiguousarray(total[:, :k]).reshape(w.shape), total[:, k].copy()


# --------------------------------------------------------------------------------------------
# One function per path of each product, by the plan's path names. Arrays are C-contiguous and
# of one dtype; an empty bias array means no bias.


def output_shape(x_shape: tuple, w_shape: tuple, g: ConvGeometry) -> tuple[int, int, int, int]:
    oh, ow = (conv_output_size(x_shape[2 + a], w_shape[2 + a], g.stride[a], g.padding[a],
                               g.dilation[a]) for a in (0, 1))  # fmt: skip
    return x_shape[0], w_shape[0], oh, ow


def add_channel_bias(y: np.ndarray, b: np.ndarray) -> None:
    """``y += b`` over the channels of an NCHW ``y``, in place.

    Added as one ``(C*H*W,)`` row per sample: NumPy's broadcast of ``b[:, None, None]`` runs an
    inner loop per plane row, about twice as slow on small maps (a 4x4 map: 12.7 us against 6.5).

    Examples
    --------
    >>> y = np.zeros((2, 3, 1, 2))
    >>> add_channel_bias(y, np.array([1.0, 2.0, 3.0]))
    >>> y[1, :, 0, 1]
    array([1., 2., 3.])
    """
    if not y.flags.c_contiguous:  # a reshape would copy: add through the broadcast
        y += b.reshape(-1, 1, 1)
        return
    n, c, h, w = y.shape
    y.reshape(n, c * h * w)[...] += np.repeat(b, h * w)


def channel_sums(gy: np.ndarray) -> np.ndarray:
    """``gy.sum(axis=(0, 2, 3))`` for an NCHW array: a convolution's bias gradient.

    Summed over the samples as rows of ``C*H*W`` values, then over each channel's run: NumPy's
    reduction over axes 0, 2 and 3 at once takes 2-7x as long on maps of up to 8x8.

    Examples
    --------
    >>> channel_sums(np.ones((2, 3, 4, 5)))
    array([40., 40., 40.])
    """
    n, c, h, w = gy.shape
    if not gy.flags.c_contiguous or n == 0 or c == 0:
        return gy.sum(axis=(0, 2, 3))
    return gy.reshape(n, c * h * w).sum(axis=0).reshape(c, h * w).sum(axis=1)


def _forward_empty(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    y = np.zeros(output_shape(x.shape, w.shape, g), dtype=x.dtype)
    if b.size:
        add_channel_bias(y, b)
    return y


def _forward_winograd(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    return wino.winograd_forward(x, w, g.padding, bias=b if b.size else None)


def _forward_direct(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    # The direct kernels start every output from its bias (zero without one).
    y = np.empty(output_shape(x.shape, w.shape, g), dtype=x.dtype)
    bz = b if b.size else np.zeros(w.shape[0], dtype=x.dtype)
    if g.stride == (1, 1):
        direct._direct_forward_wide(x, w, bz, *g.padding, *g.dilation, y)
    else:
        direct._direct_forward(x, w, bz, *g.stride, *g.padding, *g.dilation, y)
    return y


def _forward_taps(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    # The loops over the taps inside the input, at any stride: padding is never multiplied.
    y = np.empty(output_shape(x.shape, w.shape, g), dtype=x.dtype)
    bz = b if b.size else np.zeros(w.shape[0], dtype=x.dtype)
    direct._direct_forward(x, w, bz, *g.stride, *g.padding, *g.dilation, y)
    return y


def _forward_pointwise(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    # x itself is the column matrix of each sample (see _pointwise_by_kernel).
    (N, C, H, W), O = x.shape, w.shape[0]
    y = np.empty((N, O, H, W), dtype=x.dtype)
    args = (x.reshape(N, C, H * W), y.reshape(N, O, H * W), w.reshape(O, C), b)
    if not _pointwise_by_kernel(N, _forward_pointwise_kernel, _forward_pointwise_batched, *args):
        _forward_pointwise_batched(*args)
    return y


def _forward_pointwise_batched(x3: np.ndarray, y3: np.ndarray, w2: np.ndarray,
                               b: np.ndarray) -> None:  # fmt: skip
    np.matmul(w2, x3, out=y3)
    if b.size:
        add_channel_bias(y3[..., None], b)


def _forward_pointwise_kernel(x3: np.ndarray, y3: np.ndarray, w2: np.ndarray,
                              b: np.ndarray) -> None:  # fmt: skip
    _run_pointwise(pointwise.FORWARD, x3, _empty(3, x3.dtype), y3, w2, b)


def _dense_matrix(w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    # The dense path's matrix of w, (C*H*W, O*OH*OW), with one more row below it for the
    # forward's bias (see _forward_dense; the backward takes the rows above it). A step's
    # backward multiplies by the matrix its forward built from the same weight: each thread
    # keeps the last few, each with the bits of the weight it came from, and builds again only
    # when those differ (comparing 18 KB of weight costs a few microseconds, building a 512 KB
    # matrix about forty), then in place, writing only the weight's entries (the matrix is
    # used before this returns again).
    cache = _dense_cache.__dict__.setdefault("matrices", {})
    key = (w.shape, w.dtype.str, tuple(x_shape[1:]), g)
    bits = w.view(f"u{w.dtype.itemsize}")
    hit = cache.pop(key, None)
    if hit is not None and np.array_equal(hit[0], bits):
        cache[key] = hit
        return hit[1]
    _, _, oh, ow = output_shape(x_shape, w.shape, g)
    pairs = dense.tap_pairs(x_shape[2:], (oh, ow), w.shape[2:], g)
    rows = x_shape[1] * x_shape[2] * x_shape[3]
    if hit is None:
        t = np.empty((rows + 1, w.shape[0] * oh * ow), w.dtype)
        dense.matrix(w, pairs, t[:rows])
    else:  # the previous weight's matrix (the step before): its zeros are in place
        t = hit[1]
        dense.matrix(w, pairs, t[:rows], zero=False)
    cache[key] = (bits.copy(), t)
    if len(cache) > _DENSE_CACHED:
        del cache[next(iter(cache))]  # the least recently built
    return t


_dense_cache = threading.local()
_DENSE_CACHED = 8  # matrices kept per thread, each at most Limits.dense_max_matrix entries


def _forward_dense(x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray) -> np.ndarray:
    # One GEMM of the batch's rows with the dense matrix: NCHW in, NCHW out. A bias rides in
    # the GEMM, as the matrix's last row against a column of ones after the input's rows: a
    # 64 KB copy of x instead of a pass over y after the GEMM (whose threads left half of y
    # in the other core's cache).
    y = np.empty(output_shape(x.shape, w.shape, g), dtype=x.dtype)
    N, K = x.shape[0], x[0].size
    t = _dense_matrix(w, x.shape, g)
    if not b.size:
        np.matmul(x.reshape(N, K), t[:K], out=y.reshape(N, -1))
        return y
    t[K] = np.repeat(b, y.shape[2] * y.shape[3])
    rows = np.empty((N, K + 1), dtype=x.dtype)
    rows[:, :K] = x.reshape(N, K)
    rows[:, K] = 1.0
    np.matmul(rows, t, out=y.reshape(N, -1))
    return y


def _forward_gemm(
    x: np.ndarray, w: np.ndarray, g: ConvGeometry, b: np.ndarray, *, wide: bool,
    kernel: bool = True,
) -> np.ndarray:  # fmt: skip
    # kernel=False: pipelines on the worker threads, even where their kernel could run.
    y = np.empty(output_shape(x.shape, w.shape, g), dtype=x.dtype)
    forward_gemm(x, w, g, b, y, wide, kernel)
    return y


FORWARD: dict[str, Callable[..., np.ndarray]] = {
    "empty": _forward_empty,
    "winograd": _forward_winograd,
    "direct": _forward_direct,
    "direct_wide": _forward_direct,
    "direct_taps": _forward_taps,
    "pointwise": _forward_pointwise,
    "dense": _forward_dense,
    "phases": _forward_phases,
    "gemm": partial(_forward_gemm, wide=False),
    "gemm_wide": partial(_forward_gemm, wide=True),
}


def _input_empty(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    return np.zeros(x_shape, dtype=w.dtype)


def _input_winograd(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    return wino.winograd_backward_input(gy, w, x_shape, g.padding)


def _input_one_pass(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    return direct_one_pass(None, gy, w, x_shape, g, input_grad=True)[0]  # type: ignore[return-value]


def _input_direct(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    gx = np.empty(x_shape, dtype=w.dtype)
    direct._direct_backward_input(gy, w, *g.stride, *g.padding, *g.dilation, gx)
    return gx


def _input_pointwise(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    (N, C, H, W), O = x_shape, w.shape[0]
    gx = np.empty(x_shape, dtype=w.dtype)
    args = (gx.reshape(N, C, H * W), gy.reshape(N, O, H * W), w.reshape(O, C))
    if not _pointwise_by_kernel(N, _input_pointwise_kernel, _input_pointwise_batched, *args):
        _input_pointwise_batched(*args)
    return gx


def _input_pointwise_batched(gx3: np.ndarray, gy3: np.ndarray, w2: np.ndarray) -> None:
    np.matmul(w2.T, gy3, out=gx3)


def _input_pointwise_kernel(gx3: np.ndarray, gy3: np.ndarray, w2: np.ndarray) -> None:
    _run_pointwise(pointwise.INPUT, gx3, gy3, _empty(3, gx3.dtype), w2, _empty(1, gx3.dtype))


def _input_dense(gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry) -> np.ndarray:
    gx = np.empty(x_shape, dtype=w.dtype)
    N = x_shape[0]
    t = _dense_matrix(w, x_shape, g)
    np.matmul(gy.reshape(N, -1), t[: t.shape[0] - 1].T, out=gx.reshape(N, -1))
    return gx


def _input_gemm(
    gy: np.ndarray, w: np.ndarray, x_shape: tuple, g: ConvGeometry, *, wide: bool,
    kernel: bool = True,
) -> np.ndarray:  # fmt: skip
    gx = np.empty(x_shape, dtype=w.dtype)
    backward_input_gemm(gy, w, g, gx, wide, kernel)
    return gx


INPUT_GRAD: dict[str, Callable[..., np.ndarray]] = {
    "empty": _input_empty,
    "winograd": _input_winograd,
    "direct_one_pass": _input_one_pass,
    "direct": _input_direct,
    "pointwise": _input_pointwise,
    "dense": _input_dense,
    "phases": input_phases,
    "gemm": partial(_input_gemm, wide=False),
    "gemm_wide": partial(_input_gemm, wide=True),
}

# Weight gradients: (x, gy, w_shape, g, bias_grad) -> (gw, gb). gb is the bias gradient when the
# path gets it from data it reads anyway, else None; gw is None when the one-pass kernel found
# inf or NaN in x (the caller plans again).
Grads = tuple["np.ndarray | None", "np.ndarray | None"]


def _weight_empty(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    return np.zeros(w_shape, dtype=x.dtype), None


def _weight_winograd(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    return wino.winograd_backward_weight(x, gy, w_shape, g.padding), None


def _weight_one_pass(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    _, gw, gb = direct_one_pass(x, gy, np.empty(w_shape, x.dtype), x.shape, g, False)
    return gw, gb


def _weight_pointwise(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    # gw = sum_n gy[n] @ x[n].T on the arrays as they lie, no im2col (see _pointwise_by_kernel).
    (N, C, H, W), O = x.shape, w_shape[0]
    args = (x.reshape(N, C, H * W), gy.reshape(N, O, H * W), np.empty((O, C), x.dtype), bias)
    done = _pointwise_by_kernel(N, _weight_pointwise_kernel, _weight_pointwise_batched, *args)
    sums = _weight_pointwise_batched(*args) if done is None else done[0]
    return args[2].reshape(w_shape), sums


def _weight_pointwise_batched(x3: np.ndarray, gy3: np.ndarray, gw2: np.ndarray,
                              bias: bool) -> np.ndarray | None:  # fmt: skip
    # One batched GEMM, its per-sample products then summed; the bias gradient is left to the
    # caller (a pass over gy either way).
    np.sum(np.matmul(gy3, x3.transpose(0, 2, 1)), axis=0, out=gw2)
    return None


def _weight_pointwise_kernel(x3: np.ndarray, gy3: np.ndarray, gw2: np.ndarray,
                             bias: bool) -> np.ndarray | None:  # fmt: skip
    # Each thread's part of gw, and with bias of gy's sums, summed here.
    dt, nw = x3.dtype, get_num_threads()
    O, C = gw2.shape
    parts = scratch("pointwise_parts", nw * O * C, dt).reshape(nw, O, C)
    sums = np.empty((nw, O) if bias else (0, 0), np.float64)
    _run_pointwise(pointwise.WEIGHT, x3, gy3, _empty(3, dt), _empty(2, dt), _empty(1, dt),
                   parts, sums)  # fmt: skip
    np.sum(parts, axis=0, out=gw2)
    if not bias:
        return None
    with np.errstate(over="ignore"):  # beyond the dtype's range: inf, as its own sums give
        return sums.sum(axis=0).astype(dt)


def _weight_direct(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    gw = np.empty(w_shape, dtype=x.dtype)
    direct._direct_backward_weight(x, gy, *g.stride, *g.padding, *g.dilation, gw)
    return gw, None


def _weight_batched(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    gw = np.empty(w_shape, dtype=x.dtype)
    return gw, backward_weight_batched(x, gy, g, gw, bias)


def _weight_dense(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool
) -> Grads:
    # The dense matrix's gradient, transposed (gy^T x: the faster of the two GEMM orders), then
    # folded onto the taps; the bias gradient from gy's rows as they lie.
    N, O = x.shape[0], w_shape[0]
    gy2 = gy.reshape(N, -1)
    x2 = x.reshape(N, -1)
    gt = scratch("dense_grad", gy2.shape[1] * x2.shape[1], x.dtype)
    gt = np.matmul(gy2.T, x2, out=gt.reshape(gy2.shape[1], x2.shape[1]))
    pairs = dense.tap_pairs(x.shape[2:], gy.shape[2:], w_shape[2:], g)
    gw = np.empty(w_shape, dtype=x.dtype)
    dense.fold(gt, pairs, gw)
    return gw, (gy2.sum(axis=0).reshape(O, -1).sum(axis=1) if bias else None)


def _weight_gemm(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, bias: bool, *, wide: bool,
    kernel: bool = True,
) -> Grads:  # fmt: skip
    gw = np.empty(w_shape, dtype=x.dtype)
    backward_weight_gemm(x, gy, g, gw, wide, kernel)
    return gw, None


WEIGHT_GRAD: dict[str, Callable[..., Grads]] = {
    "empty": _weight_empty,
    "winograd": _weight_winograd,
    "direct_one_pass": _weight_one_pass,
    "direct": _weight_direct,
    "pointwise": _weight_pointwise,
    "dense": _weight_dense,
    "batched": _weight_batched,
    "phases": _weight_phases,
    "gemm": partial(_weight_gemm, wide=False),
    "gemm_wide": partial(_weight_gemm, wide=True),
}
