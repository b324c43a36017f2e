"""NumPy's own BLAS GEMM, callable from inside compiled (and parallel) kernels.

Why
---
A pipeline of serial kernels and GEMMs (Winograd's transform, GEMM, transform) that runs on
several threads at once used to hand each thread's share to a Python worker thread
(:func:`autograd.kernels._jit.run_shares`): waking one and taking the interpreter's lock costs
0.08-0.14 ms on a virtual machine, per call. Called from a kernel, the GEMM runs on the kernel
thread itself: the whole pipeline is one parallel region, started in a microsecond or two.

How
---
NumPy's wheels ship OpenBLAS built with 64-bit integers, which exports ``cblas_sgemm`` and
``cblas_dgemm`` under a suffixed name (``scipy_cblas_sgemm64_`` since NumPy 2, ``cblas_sgemm64_``
before). :data:`AVAILABLE` says whether one of them was found in the BLAS library NumPy loaded
(located through ``threadpoolctl``). Its address is registered with LLVM under a fixed name, so
the compiled code that calls it is cached on disk like any other kernel and finds it again in
the next process. Without it (a NumPy built on another BLAS, say) the callers keep their
NumPy path: nothing here is called.

A kernel thread that calls BLAS must find it at one thread (its own threads would wait for
each other's): callers hold it so (:func:`one_thread`).

Not used for single products: sharing the rows of a mid-size product between the kernel
threads beat OpenBLAS's own threads on the product alone (a 64 x 256 x 256 weight gradient: 66
-> 41 us) but lost inside a training step (MLP step 0.50 -> 0.60 ms, batch-128 LSTM step 37 ->
65 ms): the kernel threads and OpenBLAS's then take turns on the cores, and each spins a while
after its work, on the core the other one needs next.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np
from numba import types

from autograd.kernels import _jit
from autograd.kernels._jit import jit

__all__ = [
    "AVAILABLE",
    "add_product",
    "gemm_nt",
    "gemm_rows",
    "gemm_tn",
    "in_one_kernel",
    "one_thread",
    "small_on_one_thread",
]

# Names of CBLAS GEMM with 64-bit integers (single, double precision) and of OpenBLAS's thread
# count (get, set), by NumPy generation.
_CANDIDATES = (
    ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_", "scipy_openblas_get_num_threads64_",
     "scipy_openblas_set_num_threads64_"),
    ("cblas_sgemm64_", "cblas_dgemm64_", "openblas_get_num_threads64_",
     "openblas_set_num_threads64_"),
)  # fmt: skip
_SGEMM, _DGEMM = "autograd_cblas_sgemm", "autograd_cblas_dgemm"

_i32, _i64, _ptr = types.int32, types.int64, types.voidptr


def _signature(real: Any) -> Any:
    # cblas_?gemm(layout, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    return types.void(
        _i32, _i32, _i32, _i64, _i64, _i64, real, _ptr, _i64, _ptr, _i64, real, _ptr, _i64
    )


_sgemm = types.ExternalFunction(_SGEMM, _signature(types.float32))
_dgemm = types.ExternalFunction(_DGEMM, _signature(types.float64))

_ROW_MAJOR, _NO_TRANS = 101, 111


def _blas_path() -> str | None:
    try:
        import threadpoolctl
    except ImportError:
        return None
    for lib in threadpoolctl.ThreadpoolController().select(internal_api="openblas").lib_controllers:
        return lib.filepath
    return None


def _register() -> bool:
    """Find NumPy's 64-bit-integer CBLAS GEMMs and give LLVM their addresses; whether found."""
    import llvmlite.binding as llvm

    path = _blas_path()
    if path is None:
        return False
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return False
    global _get_threads, _set_threads
    for single, double, get, set_ in _CANDIDATES:
        try:
            found = getattr(lib, single), getattr(lib, double)
            _get_threads, _set_threads = getattr(lib, get), getattr(lib, set_)
        except AttributeError:
            continue
        for name, fn in zip((_SGEMM, _DGEMM), found):
            llvm.add_symbol(name, ctypes.cast(fn, ctypes.c_void_p).value)
        global _from_python
        _from_python = {}
        for char, fn, real in zip("fd", found, (ctypes.c_float, ctypes.c_double)):
            fn.restype = None
            fn.argtypes = [*(ctypes.c_int,) * 3, *(ctypes.c_int64,) * 3, real, ctypes.c_void_p,
                           ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, real, ctypes.c_void_p,
                           ctypes.c_int64]  # fmt: skip
            _from_python[char] = fn
        _get_threads.restype = ctypes.c_int
        _set_threads.argtypes = [ctypes.c_int]
        _set_threads.restype = None
        return True
    return False


_get_threads: Any = None
_set_threads: Any = None
_from_python: dict[str, Any] = {}  # dtype char -> the CBLAS GEMM, called through ctypes
_TRANS = 112
#: Fewest multiply-adds (``m * n * k``) of a product :func:`add_product` takes on. Below, the
#: accumulating GEMM (the general one: OpenBLAS's small-matrix kernels only write) and the call
#: through ctypes cost more than the pass over the sum they save: 64 x 8 x 256 took 9.3 us
#: against 5.5 for a GEMM and an addition, 128 x 32 x 256 21.7 against 35.1.
ADD_MIN_MULTIPLY_ADDS = 1 << 20


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Hold NumPy's OpenBLAS at one thread meanwhile (only when :data:`AVAILABLE`, from the main
    thread): what :func:`autograd.kernels._jit._single_threaded_blas` does for every BLAS loaded,
    through OpenBLAS's own functions (a microsecond, not five).

    Examples
    --------
    >>> with one_thread():
    ...     pass
    """
    held = _get_threads() if AVAILABLE else 1
    if held != 1:
        _set_threads(1)
    try:
        yield
    finally:
        if held != 1:
            _set_threads(held)


#: Seconds OpenBLAS's idle worker threads keep polling for work after a product they shared:
#: about 2**28 processor cycles (its default ``OPENBLAS_THREAD_TIMEOUT``), a tenth of a second.
BLAS_SPIN_SECONDS = 0.1
#: The largest product (multiply-adds) :func:`small_on_one_thread` keeps on one thread: its
#: second thread saves at most about 0.1 ms here (64 x 512 x 512: 242 -> 152 us).
HOLD_MAX_MULTIPLY_ADDS = 1 << 24
#: Products up to this many multiply-adds OpenBLAS runs on one thread by itself (65536 times its
#: default ``GEMM_MULTITHREAD_THRESHOLD`` of 4): no hold needed.
_BLAS_SERIAL_MULTIPLY_ADDS = 1 << 18


def small_on_one_thread(multiply_adds: int) -> bool:
    """Whether a product of ``multiply_adds`` should run on one OpenBLAS thread
    (:func:`one_thread`): one that OpenBLAS would share between its threads, small enough that
    the second thread saves little (at most :data:`HOLD_MAX_MULTIPLY_ADDS`), while the kernels'
    thread pool is in use (a parallel region ended within :data:`BLAS_SPIN_SECONDS`), on the
    main thread (the one that can hold BLAS).

    Why: after a product it shared, OpenBLAS's worker keeps polling for work for about a tenth
    of a second, on the core the kernels' threads want for their next parallel region. In
    PyTorch's CIFAR-10 tutorial network (two convolutions, then three small linear layers), each
    convolution ran 1.6-3x slower inside the step than alone, and a step at batch 64 took
    11.1-11.3 ms; with its linear layers' products on one thread, 5.2-5.4 ms. A program that runs no
    parallel kernels (a multi-layer perceptron's products and small elementwise ops) keeps
    OpenBLAS's threads.

    Examples
    --------
    >>> small_on_one_thread(64 * 64 * 64)  # OpenBLAS keeps it on one thread anyway
    False
    """
    return (
        _BLAS_SERIAL_MULTIPLY_ADDS < multiply_adds <= HOLD_MAX_MULTIPLY_ADDS
        and AVAILABLE
        and time.perf_counter() - _jit._pool_last_used < BLAS_SPIN_SECONDS
        and threading.current_thread() is threading.main_thread()
    )


#: Whether the kernels may call BLAS (:func:`gemm_rows`): NumPy's OpenBLAS with 64-bit integers,
#: and compiled kernels (under ``NUMBA_DISABLE_JIT`` they are Python, which cannot call it).
AVAILABLE = not numba.config.DISABLE_JIT and _register()


@jit
def gemm_rows(a, b, c, r0, r1, beta):
    """``c[r0:r1] = a[r0:r1] @ b + beta * c[r0:r1]`` for C-contiguous matrices of one float
    dtype, by one BLAS call on the calling thread (only when :data:`AVAILABLE`).

    Examples
    --------
    >>> a, b = np.arange(6.0).reshape(3, 2), np.ones((2, 2))
    >>> c = np.zeros((3, 2))
    >>> if AVAILABLE:
    ...     gemm_rows(a, b, c, 1, 3, 0.0)
    ... else:
    ...     c[1:] = a[1:] @ b
    >>> c
    array([[0., 0.],
           [5., 5.],
           [9., 9.]])
    """
    if r1 > r0:
        k = a.shape[1]
        _gemm(_NO_TRANS, _NO_TRANS, r1 - r0, b.shape[1], k, a[r0:r1], k, b, b.shape[1],
              c[r0:r1], beta)  # fmt: skip


@jit(inline=True)
def _gemm(ta, tb, m, n, k, a, lda, b, ldb, c, beta):
    # c (m, n, C-contiguous) = op(a) @ op(b) + beta * c by one CBLAS call (row-major); an empty
    # product as BLAS does it: with k == 0, beta == 0 overwrites c, whatever it held.
    if m == 0 or n == 0:
        return
    if k == 0:
        for i in range(m):
            for j in range(n):
                c[i, j] = 0.0 if beta == 0.0 else beta * c[i, j]
        return
    if a.itemsize == 4:
        _sgemm(_ROW_MAJOR, ta, tb, m, n, k, np.float32(1.0), a.ctypes, lda, b.ctypes, ldb,
               np.float32(beta), c.ctypes, n)  # fmt: skip
    else:
        _dgemm(_ROW_MAJOR, ta, tb, m, n, k, 1.0, a.ctypes, lda, b.ctypes, ldb, np.float64(beta),
               c.ctypes, n)  # fmt: skip


@jit
def gemm_nt(a, b, c, beta):
    """``c = a @ b.T + beta * c`` for C-contiguous matrices of one float dtype, ``a`` ``(m, k)``
    and ``b`` ``(n, k)``, by one BLAS call on the calling thread (only when :data:`AVAILABLE`):
    a product over a long shared axis (a weight gradient's columns) with no transposed copy.

    Examples
    --------
    >>> a, b = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    >>> c = np.ones((2, 2))
    >>> if AVAILABLE:
    ...     gemm_nt(a, b, c, 1.0)
    ... else:
    ...     c += a @ b.T
    >>> c
    array([[ 4.,  4.],
           [13., 13.]])
    """
    m, k = a.shape
    _gemm(_NO_TRANS, _TRANS, m, b.shape[0], k, a, k, b, k, c, beta)


@jit
def gemm_tn(a, b, c, beta):
    """``c = a.T @ b + beta * c`` for C-contiguous matrices of one float dtype, ``a`` ``(k, m)``
    and ``b`` ``(k, n)``, by one BLAS call on the calling thread (only when :data:`AVAILABLE`):
    a transposed weight's product without a transposed copy of the weight.

    Examples
    --------
    >>> a, b = np.arange(6.0).reshape(3, 2), np.ones((3, 2))
    >>> c = np.zeros((2, 2))
    >>> if AVAILABLE:
    ...     gemm_tn(a, b, c, 0.0)
    ... else:
    ...     c[:] = a.T @ b
    >>> c
    array([[6., 6.],
           [9., 9.]])
    """
    k, m = a.shape
    _gemm(_TRANS, _NO_TRANS, m, b.shape[1], k, a, m, b, b.shape[1], c, beta)


def in_one_kernel() -> bool:
    """Whether a pipeline of layout kernels and GEMMs can run here as one parallel kernel that
    calls BLAS from its threads: BLAS callable from kernels (:data:`AVAILABLE`), kernel threads
    that can run (not in a forked child of an OpenMP pool), and the main thread, the one that can
    hold BLAS at one thread meanwhile (:func:`one_thread`).

    Examples
    --------
    >>> in_one_kernel() == (AVAILABLE and not _jit._SERIAL_ONLY)
    True
    """
    return (
        AVAILABLE
        and not _jit._SERIAL_ONLY
        and threading.current_thread() is threading.main_thread()
    )


def _operand(x: np.ndarray) -> tuple[int, int] | None:
    # (transpose flag, leading dimension) of a row-major CBLAS operand, or None if not one.
    if x.flags.c_contiguous:
        return _NO_TRANS, max(1, x.shape[1])
    if x.flags.f_contiguous:
        return _TRANS, max(1, x.shape[0])
    return None


def add_product(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
    """``c += a @ b`` by one BLAS GEMM (``beta = 1``), without an array for the product; whether
    it was done. Nothing is done (False) unless ``a``, ``b`` and ``c`` are NumPy matrices of one
    dtype, float32 or float64, each C- or F-contiguous (a transposed view is F-contiguous), ``c``
    writeable and of the product's shape, the product at least :data:`ADD_MIN_MULTIPLY_ADDS`
    multiply-adds, and the library's OpenBLAS is found. The caller then adds the product itself.

    The sums are BLAS's own: as a GEMM into a new array and an addition, up to the order in which
    the partial sums of a long inner dimension meet ``c``.

    Examples
    --------
    >>> a, b = np.ones((128, 64)), np.ones((64, 128))
    >>> c = np.full((128, 128), 0.5)
    >>> if not add_product(a, b, c):  # no OpenBLAS found: the caller's way
    ...     c += a @ b
    >>> float(c[0, 0])
    64.5
    """
    gemm = _from_python.get(c.dtype.char) if type(c) is np.ndarray else None
    if (
        gemm is None
        or type(a) is not np.ndarray
        or type(b) is not np.ndarray
        or a.ndim != 2
        or b.ndim != 2
        or a.dtype != c.dtype
        or b.dtype != c.dtype
        or c.shape != (a.shape[0], b.shape[1])
        or a.shape[1] != b.shape[0]
        or c.size * a.shape[1] < ADD_MIN_MULTIPLY_ADDS
        or not c.flags.writeable
    ):
        return False
    if not c.flags.c_contiguous:
        if not c.flags.f_contiguous:
            return False
        a, b, c = b.T, a.T, c.T  # c^T += b^T a^T, with c^T C-contiguous
    op_a, op_b = _operand(a), _operand(b)
    if op_a is None or op_b is None:
        return False
    (m, k), n = a.shape, b.shape[1]
    with one_thread() if small_on_one_thread(m * k * n) else contextlib.nullcontext():
        gemm(_ROW_MAJOR, op_a[0], op_b[0], m, n, k, 1.0, a.ctypes.data, op_a[1], b.ctypes.data,
             op_b[1], 1.0, c.ctypes.data, n)  # fmt: skip
    return True
