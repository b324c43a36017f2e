"""The single place that sets Numba flags for the kernels package.

Every kernel in :mod:`autograd.kernels` is a plain Python function of arrays wrapped by
:func:`jit`. Under ``NUMBA_DISABLE_JIT=1`` Numba returns the Python function itself, so the
kernels run (slowly) as ordinary Python, ``numba.prange`` degrading to ``range``; that is how
the test suite covers the source lines.

Threading layer
---------------
Waking a sleeping thread takes tens of microseconds on a virtual machine (a ``workqueue``
launch, Numba's layer without OpenMP, costs 0.1-0.14 ms here even for an empty loop), so a step
of a few dozen parallel kernels spent milliseconds only starting them. OpenMP threads spin for a
while after a parallel region instead, and the next region starts in a microsecond or two. Their
default spin (GNU OpenMP: 300 000 turns, several milliseconds) fights OpenBLAS, whose threads a
convolution wakes between its Numba kernels (im2col, GEMM, col2im, ...): each waits for the
other's threads to yield. So where Numba has GNU OpenMP the kernels use the ``omp`` layer with a
short spin, :data:`OMP_SPIN_COUNT` turns (about half a millisecond): a small CNN's SGD step took
5.0 ms against 6.3 on ``workqueue`` and 6.0 on ``omp`` with the default spin. Elsewhere the
layer is ``workqueue``. A user can choose the layer with the ``NUMBA_THREADING_LAYER``
environment variable, and the spin with ``GOMP_SPINCOUNT`` or ``OMP_WAIT_POLICY``.

The pool starts at the first call that needs it, not at import (:func:`_start_pool`). Two
libraries in one process share one GNU OpenMP runtime when the second finds it loaded: PyTorch
imported after the pool started runs on it, with its short spin (a small MLP step of PyTorch's
took 0.4 ms instead of 0.3); imported before, PyTorch keeps its own runtime.

GNU OpenMP cannot start a parallel region in a process forked from one that has used it (Numba
ends the child), so in a forked child (a ``DataLoader`` worker, say) the parallel kernels run
their serial twins. ``workqueue`` aborts the whole process when two Python threads enter a
parallel region at once, so while it is in use parallel kernels are serialized by a
process-wide lock.

Serial twins
------------
A parallel kernel called with less than :data:`PARALLEL_MIN_BYTES` of array arguments runs a
serial copy of itself: waking a sleeping thread pool costs about what a serial pass over 1 MB
does.

A *light* kernel (``jit(light=True)``: one pass over memory, as ReLU's) runs its serial copy up
to :data:`COLD_POOL_MIN_BYTES` unless the pool ran a parallel region within the last
:data:`WARM_POOL_SECONDS`, while its threads still spin (on the ``workqueue`` layer, whose
threads never spin, it always does; the clock is the process's, whichever thread ran the
region). Once they sleep, waking them took 0.3 ms here: after a product on OpenBLAS's threads
(a linear layer's), a ReLU over 2 MB took 0.41 ms on two threads and 0.16 on one. After a
convolution's parallel region it still takes 0.05.

Compiling a kernel's parallel version takes several times as long as its serial twin (seconds
where the twin takes a fraction of one), which a program that calls it on large arrays a few
times (an evaluation pass over a test set after training on small batches) never wins back. So
a parallel kernel's own machine code is compiled only when it pays: at once when it is in the
disk cache already, otherwise once the serial twin has spent
:data:`PARALLEL_COMPILE_AFTER_SECONDS` on large arrays (rent, then buy: a program that keeps
calling it loses less than that second to the wait, one that calls it briefly never pays for the
compile). From then on that kernel runs in parallel on large arrays.

Stand-in paths
--------------
The same economics hold between kernels: a path whose kernels cost seconds to compile can have
another path, a little slower, whose kernels are compiled already or need no compile (the NumPy
twins of the column, pooling, batch-norm and optimizer kernels, say). :class:`StandIn` keeps such
a family of kernels out of use until it pays: at once when the family has been compiled on this
machine before (its disk cache holds machine code for the current source), otherwise once its
stand-in path has run :data:`STAND_IN_SECONDS` where the family would have. Meanwhile the first
call of each of its kernels is kept, and when the process exits, a worker process compiles the
families still cold by running those calls (:mod:`autograd.kernels._elsewhere`), so the next run
finds them in the disk cache. A short program (a first run that trains a small model for a few
seconds) never waits for these families' compile; a long one pays at most the rent before
compiling here.

Pipelines
---------
Some kernels are a pipeline of serial Numba kernels and NumPy GEMMs over chunks of a batch
(Winograd's transform, GEMM, transform). :func:`run_shares` runs such a pipeline on each of
:func:`get_num_threads` threads, each owning a contiguous share of the batch, with BLAS held at
one thread meanwhile, so no stage waits for another's threads. Its handoff to Python worker
threads costs 0.08-0.14 ms on a virtual machine; where a kernel can call BLAS itself
(:mod:`autograd.kernels._blas`), a parallel kernel whose loop hands out the shares does the same
in one parallel region (:func:`run_parallel`), and ``run_shares`` stands in until it is compiled.

Warm start
----------
Before a process runs its first kernel, Numba loads its own code generator: the modules that
implement NumPy and Python for compiled code, and their registries (about 0.15-0.25 s here),
even when the kernel's machine code comes from the disk cache (a few milliseconds more). Left to
the first call, that load lands in the middle of the first training step. ``import autograd``
therefore starts one thread that does it (:func:`load_numba_in_background`) under Numba's
compiler lock, while the program goes on loading data and building its model; a kernel called
before it is done waits for the lock instead of loading it again. A fork waits for the thread
first, so no child inherits a lock it holds; so does the interpreter's exit (a program that
ends within a quarter second of its import waits for the rest). Processes started by
:mod:`multiprocessing` (data-loading workers) skip it.

Then the thread loads, from the disk cache, the machine code of the kernels marked
``jit(warm=True)``: those of a small model's step (convolution's direct and dense kernels,
batch norm, pooling, ReLU's masked select, cross-entropy, softmax, SGD and Adam), a dozen or two
whose first calls would otherwise each spend a few milliseconds loading it in the first step
(LeNet's first epoch on the digits took twice a later one). One signature per kernel, the one
with the fewest float64 arrays: a float32 model's. Each load holds the compiler lock for that
signature only, so a kernel the program calls meanwhile waits for that much at most. The loads
are Python work that shares the interpreter's lock with the program, so the thread stops as soon
as the program loads a kernel itself, or waits for the lock to do so (a program that trains at
once after its import runs as if there were no preload; one that loads data or builds a model
first finds its kernels ready), at the end of the program's main thread and at a fork; the
kernels left load on their first call, as before. Nothing is compiled at import time:
compilation happens on the first call of each kernel (and is cached on disk, ``cache=True``),
and the kernels' threads start on the first parallel call.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numba
import numba.core.caching
import numba.core.event
import numpy as np

from . import _elsewhere

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: Spins (GNU OpenMP's ``GOMP_SPINCOUNT``) an idle ``omp`` thread waits for the next parallel
#: region before it sleeps: about half a millisecond (see "Threading layer").
OMP_SPIN_COUNT = 10_000


def _load_gnu_openmp() -> bool:
    """Load Numba's OpenMP pool library with the kernels' spin count; whether it is GNU OpenMP.

    GNU OpenMP reads its settings once, when the library loads: ``GOMP_SPINCOUNT`` is set for
    that moment only (unless the user set it or ``OMP_WAIT_POLICY``), so that another OpenMP
    library loaded later keeps its defaults.
    """
    ours = "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ
    if ours:
        os.environ["GOMP_SPINCOUNT"] = str(OMP_SPIN_COUNT)
    try:
        from numba.np.ufunc import omppool
    except ImportError:  # no OpenMP runtime on this machine
        return False
    finally:
        if ours:
            del os.environ["GOMP_SPINCOUNT"]
    return getattr(omppool, "openmp_vendor", None) == "GNU"


_pool_lock = threading.Lock()
_pool_started = False


def _start_pool() -> None:
    """Start Numba's thread pool, once, before anything of Numba's would: every call that can
    (a parallel kernel, ``set_num_threads``, ``get_num_threads``) comes here first.

    The layer is ``omp`` when Numba has GNU OpenMP (loaded now, with the kernels' spin count),
    else ``workqueue``. Starting late leaves a program the time to import PyTorch first: PyTorch
    then loads its own OpenMP library, where one imported after this shares the runtime and its
    short spin (an MLP step of PyTorch's took 0.3-0.4 ms instead of 0.3).

    The launch turns on nested parallelism for the launching thread; this turns it off again.
    The kernels never nest parallel regions, and PyTorch sharing the runtime ran an LSTM step
    100x slower with it on.
    """
    global _pool_started
    if _pool_started:
        return
    with _pool_lock:
        if _pool_started or numba.config.DISABLE_JIT:
            _pool_started = True
            return
        chosen = os.environ.get("NUMBA_THREADING_LAYER")
        if chosen is None or chosen == "omp":
            gnu = _load_gnu_openmp()
            if chosen is None:
                numba.config.THREADING_LAYER = "omp" if gnu else "workqueue"
        from numba.np.ufunc.parallel import _launch_threads

        _launch_threads()
        if numba.config.THREADING_LAYER == "omp":
            try:
                ctypes.CDLL("libgomp.so.1").omp_set_max_active_levels(1)
            except (OSError, AttributeError):  # not under that name: nesting stays as set
                pass
        _pool_started = True


#: True in a process forked from this one after Numba's pool started on GNU OpenMP: that
#: runtime cannot start a parallel region in a forked child (Numba ends the process), so
#: parallel kernels run their serial twins there.
_SERIAL_ONLY = False


def _after_fork_in_child() -> None:
    global _SERIAL_ONLY
    try:
        launched = numba.threading_layer()
    except ValueError:  # no parallel region yet: the child may start its own runtime
        launched = None
    _SERIAL_ONLY = launched == "omp"


os.register_at_fork(after_in_child=_after_fork_in_child)

_PARALLEL_LOCK = threading.Lock()

#: Below this many bytes of array arguments a parallel kernel runs its serial twin.
PARALLEL_MIN_BYTES = 1 << 20

#: Fewest bytes of array arguments for which a light kernel wakes a sleeping pool (see "Serial
#: twins"): its serial pass then costs more than the wake.
COLD_POOL_MIN_BYTES = 16 << 20

#: Seconds after a parallel region ends during which the pool's threads surely still spin (see
#: "Threading layer": :data:`OMP_SPIN_COUNT` turns last about half a millisecond).
WARM_POOL_SECONDS = 3e-4

_pool_last_used = 0.0  # time.perf_counter() when the last parallel region ended


def _pool_warm() -> bool:
    # The workqueue layer's threads sleep as soon as a region ends: never warm.
    if numba.config.THREADING_LAYER == "workqueue":
        return False
    return time.perf_counter() - _pool_last_used < WARM_POOL_SECONDS


def _ran_parallel() -> None:
    global _pool_last_used
    _pool_last_used = time.perf_counter()


#: Seconds a serial twin runs on arrays of at least :data:`PARALLEL_MIN_BYTES` before its parallel
#: kernel is compiled (not counting when that is in the disk cache already). Read at each call.
PARALLEL_COMPILE_AFTER_SECONDS = 1.0

#: Seconds a stand-in path runs in place of a :class:`StandIn` family of kernels never compiled
#: on this machine, before that family is compiled and used. Read at each call. A family takes
#: about 1-3 s to compile and its stand-in about twice its kernels' time, so after this much the
#: stand-in has cost about what the compile would have (rent, then buy).
STAND_IN_SECONDS = 4.0

__all__ = [
    "jit", "prange", "run_shares", "run_parallel", "set_num_threads", "get_num_threads", "StandIn"
]  # fmt: skip

prange = numba.prange


_warm_thread: threading.Thread | None = None


def load_numba_in_background() -> None:
    """Start loading Numba's code generator on a thread of its own (see "Warm start").

    Does nothing under ``NUMBA_DISABLE_JIT``, when a load was started already, or in a child
    process started by :mod:`multiprocessing` (a data-loading worker, which runs no kernel).

    Examples
    --------
    >>> load_numba_in_background()  # started by ``import autograd``: a second call is a no-op
    >>> _wait_for_warm_start()
    """
    global _warm_thread
    if _warm_thread is not None or numba.config.DISABLE_JIT:
        return
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return
    _warm_thread = threading.Thread(target=_load_numba, name="autograd-numba-warm-start")
    _warm_thread.start()


def _load_numba() -> None:
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    try:
        with global_compiler_lock:
            cpu_target.target_context.refresh()
    except Exception:  # noqa: S110 - the first kernel call loads it again and reports the error
        return
    main = threading.main_thread()
    kernels = list(_PRELOAD)
    loaded = sum(len(d.overloads) for d in kernels)  # by the program, while the lock was held
    # One signature per kernel, the one with the fewest float64 arrays (a float32 model's): a
    # float64 twin's load would only compete with the program's own start.
    for dispatcher in kernels:
        sigs = _cached_signatures(dispatcher)
        if not main.is_alive() or _stop_preload.is_set():
            return  # the program is ending, or forking: the rest loads on first call
        if sum(len(d.overloads) for d in kernels) > loaded or _calls_a_new_kernel(main):
            return  # the program runs kernels already: it loads what it calls, alone
        try:
            loaded += _load_cached(dispatcher, sigs[0]) if sigs else 0
        except Exception:  # noqa: S112 - unreadable: the first call compiles, as ever
            continue


def _calls_a_new_kernel(thread: threading.Thread) -> bool:
    # Whether the thread is in a kernel's first call for its signatures (loading or compiling
    # it, or waiting for the compiler lock to do so): Numba's dispatcher runs
    # ``_compile_for_args`` on every call whose signature it has not loaded yet.
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name == "_compile_for_args":
            return True
        frame = frame.f_back
    return False


def _cached_signatures(dispatcher: Any) -> list:
    # The signatures the disk cache holds for the dispatcher's current source (none when the
    # source changed since), those with fewer float64 arrays first.
    try:
        index = dispatcher._cache._cache_file._load_index()
    except Exception:  # no disk cache for it, or an unreadable one
        return []
    sigs = list(dict.fromkeys(key[0] for key in index))
    return sorted(sigs, key=lambda sig: sum(str(getattr(t, "dtype", "")) == "float64" for t in sig))


def _load_cached(dispatcher: Any, sig: Any) -> int:
    # One signature's machine code from the disk cache, as its first call would load it (never
    # a compile); 1 if it was added.
    from numba.core.compiler_lock import global_compiler_lock

    with global_compiler_lock:
        if tuple(sig) in dispatcher.overloads:
            return 0
        cres = dispatcher._cache.load_overload(sig, dispatcher.targetctx)
        if cres is None or cres.objectmode:
            return 0
        dispatcher.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        dispatcher.add_overload(cres)
        return 1


def _wait_for_warm_start() -> None:
    thread = _warm_thread
    if thread is not None and thread is not threading.current_thread():
        _stop_preload.set()
        thread.join()


#: Dispatchers whose cached machine code the warm-start thread loads (``jit(warm=True)``).
_PRELOAD: list = []
_stop_preload = threading.Event()


os.register_at_fork(before=_wait_for_warm_start)


def _serialize_parallel() -> bool:
    return numba.config.THREADING_LAYER == "workqueue" and not numba.config.DISABLE_JIT


def jit(
    fn: F | None = None, *, parallel: bool = False, fastmath: bool | set[str] = False,
    error_model: str = "python", inline: bool = False, warm: bool = False,
    min_bytes: int | None = None, light: bool = False,
) -> F:  # fmt: skip
    """Compile ``fn`` with Numba in nopython mode, caching the machine code on disk.

    Parameters
    ----------
    fn : callable, optional
        A plain Python function of NumPy arrays and scalars. When omitted, ``jit`` returns a
        decorator, so both ``@jit`` and ``@jit(parallel=True)`` work.
    parallel : bool
        Let ``prange`` loops run on Numba's thread pool. Only use it where each ``prange``
        iteration writes its own slice of the output.
    fastmath : bool or set of str
        ``True`` allows all of LLVM's fast-math flags: only for accumulation loops whose inputs
        cannot hold NaN or Inf by contract; never for pooling. A set names flags one by one:
        ``{"reassoc", "contract"}`` lets a sum keep vector partial sums and fuse multiply-adds
        (a different rounding order) while inf and NaN still propagate as in IEEE arithmetic.
    error_model : {"python", "numpy"}
        ``"numpy"`` lets a float division by zero give inf/NaN instead of raising; without the
        per-division check LLVM can vectorize loops that divide (optimizer updates).
    inline : bool
        Inline the function's body into each kernel that calls it, before that kernel is
        compiled (Numba's ``inline="always"``): its ``prange`` loops then run in the caller's
        thread pool, and an argument the caller passes as a constant (a flag choosing the
        forward or the backward loop) is a constant in the compiled code. One body then serves
        a forward and a backward kernel with no extra argument to dispatch on.
    warm : bool
        One of the kernels of a small model's step (the common layers, losses and optimizers):
        the warm-start thread loads the machine code the disk cache holds for it (for a
        parallel kernel, its serial twin's), so that the first step does not (see "Warm
        start").
    min_bytes : int, optional
        A parallel kernel's fewest bytes of array arguments for its parallel machine code
        (default :data:`PARALLEL_MIN_BYTES`): lower for a kernel called many times in a row, as
        an optimizer's update is once per parameter, whose threads are still spinning from the
        call before (see "Threading layer").
    light : bool
        A parallel kernel that makes one pass over memory: below :data:`COLD_POOL_MIN_BYTES` it
        runs in parallel only while the pool is warm (see "Serial twins").

    Returns
    -------
    callable
        The Numba dispatcher (or, for parallel kernels on the ``workqueue`` layer, a thin wrapper
        that holds a lock around it). Its ``py_func`` attribute is the original function.

    Examples
    --------
    >>> import numpy as np
    >>> @jit
    ... def total(a):
    ...     s = 0.0
    ...     for v in a:
    ...         s += v
    ...     return s
    >>> float(total(np.arange(4.0)))
    6.0
    """

    def wrap(f: F) -> F:
        # Functions without a source file (a REPL, a doctest) cannot be cached on disk.
        cache = not f.__code__.co_filename.startswith("<")
        options = {"cache": cache, "nogil": True, "fastmath": fastmath, "error_model": error_model}
        if inline:
            options["inline"] = "always"
        dispatcher = numba.njit(parallel=parallel, **options)(f)
        _stamp_calls(dispatcher, f)
        if not parallel or numba.config.DISABLE_JIT:
            if warm and cache and not numba.config.DISABLE_JIT:
                _PRELOAD.append(dispatcher)
            return dispatcher
        # Waking the thread pool costs more than the whole job on small arrays: a serial twin of
        # the same source runs those.
        serial = numba.njit(parallel=False, **options)(_renamed(f, "_serial"))
        _stamp_calls(serial, f)
        if warm and cache:
            _PRELOAD.append(serial)  # the small arrays of a small model's step
        tier = _Tier(dispatcher, serial)

        @functools.wraps(f)
        def dispatch(*args: Any) -> Any:
            size = 0
            for a in args:
                if type(a) is np.ndarray:
                    size += a.nbytes
            if size < (PARALLEL_MIN_BYTES if min_bytes is None else min_bytes) or _SERIAL_ONLY:
                return serial(*args)
            if light and size < COLD_POOL_MIN_BYTES and not _pool_warm():
                return serial(*args)
            _start_pool()  # before the probe too: parallel code loaded from disk launches it
            if not tier.parallel and not tier.promote(args):
                return tier.run_serial(args)
            return _launch(dispatcher, args)

        dispatch.py_func = f  # type: ignore[attr-defined]
        dispatch.dispatcher = dispatcher  # type: ignore[attr-defined]
        dispatch.serial = serial  # type: ignore[attr-defined]
        dispatch.tier = tier  # type: ignore[attr-defined]
        return dispatch  # type: ignore[return-value]

    if fn is None:
        return wrap  # type: ignore[return-value]
    return wrap(fn)


def run_parallel(kernel: Callable[..., T], *args: Any) -> T:
    """``kernel(*args)`` by the parallel machine code of a :func:`jit` ``(parallel=True)`` kernel,
    whatever the size of its arrays.

    For kernels whose ``prange`` loops deal out explicit shares of the work, one per thread (see
    ``_winograd_kernels``): their serial twin would run every share on one thread. The caller
    decides they are worth it (and that they are compiled: :class:`StandIn`); in a forked child
    of an OpenMP pool they cannot run, so callers check :data:`_SERIAL_ONLY` first.

    Examples
    --------
    >>> @jit(parallel=True)
    ... def shares(out):
    ...     for i in prange(out.size):
    ...         out[i] = i
    >>> out = np.zeros(2)
    >>> run_parallel(shares, out)
    >>> out
    array([0., 1.])
    """
    dispatcher = getattr(kernel, "dispatcher", kernel)
    if numba.config.DISABLE_JIT:
        return dispatcher(*args)
    _start_pool()
    return _launch(dispatcher, args)


def _launch(dispatcher: Callable[..., T], args: tuple) -> T:
    # A parallel region (one at a time on workqueue), its end noted for light kernels.
    try:
        if not _serialize_parallel():
            return dispatcher(*args)
        with _PARALLEL_LOCK:
            return dispatcher(*args)
    finally:
        _ran_parallel()


class _Tier:
    """When a parallel kernel's own machine code is worth compiling (see "Serial twins").

    ``parallel`` turns true once and stays so; until then large calls run the serial twin, timed.
    The disk cache is looked at on the first large call only: typing the arguments to find the
    signature costs several microseconds an argument, a serial pass over 1 MB about a hundred.
    """

    __slots__ = ("dispatcher", "serial", "parallel", "serial_seconds", "probed")

    def __init__(self, dispatcher: Any, serial: Any) -> None:
        self.dispatcher = dispatcher
        self.serial = serial
        self.parallel = False
        self.serial_seconds = 0.0
        self.probed = False

    def promote(self, args: tuple) -> bool:
        """Whether the parallel kernel should run ``args`` (and every large call after them)."""
        if self.serial_seconds >= PARALLEL_COMPILE_AFTER_SECONDS or (
            not self.probed and self._compiled(args)
        ):
            self.parallel = True
        self.probed = True
        return self.parallel

    def _compiled(self, args: tuple) -> bool:
        # In memory (compiled by this process) or in the disk cache, for the types of ``args``.
        try:
            sig = tuple(self.dispatcher.typeof_pyval(a) for a in args)
            if sig in self.dispatcher.overloads:
                return True
            cache = self.dispatcher._cache
            return cache.load_overload(sig, self.dispatcher.targetctx) is not None
        except Exception:  # untypable arguments (the twin reports them) or an unreadable cache
            return False

    def run_serial(self, args: tuple) -> Any:
        """Run the serial twin on large ``args``, counting the seconds it runs (not compiles)."""
        known = len(self.serial.overloads)
        start = time.perf_counter()
        out = self.serial(*args)
        if len(self.serial.overloads) == known:
            self.serial_seconds += time.perf_counter() - start
        return out


class StandIn:
    """Whether a family of kernels runs yet, or another path stands in for it (see "Stand-in
    paths").

    Parameters
    ----------
    *kernels : callable
        The family: functions made by :func:`jit`. It is ready at once when each has machine
        code in memory or in the disk cache for its current source (any signature), otherwise
        once :meth:`run` has timed ``rent`` x :data:`STAND_IN_SECONDS` of stand-in work.
    rent : float
        For a family whose compile costs many times a usual one's, or whose stand-in is only a
        little slower: how many times :data:`STAND_IN_SECONDS` its stand-in runs first.

    Examples
    --------
    >>> @jit
    ... def twice(a):
    ...     return 2 * a
    >>> family = StandIn(twice)
    >>> family.cold() == (not numba.config.DISABLE_JIT and STAND_IN_SECONDS > 0)
    True
    >>> family.run(True, sum, [1, 2])  # stand-in work, timed
    3
    >>> twice(1.0)
    2.0
    >>> family.cold()  # compiled in this process now
    False
    """

    __slots__ = ("kernels", "ready", "seconds", "probed", "handed", "rent")

    def __init__(self, *kernels: Callable, rent: float = 1.0) -> None:
        self.kernels = kernels
        self.rent = rent
        self.ready = False
        self.seconds = 0.0
        self.probed = False
        self.handed: set[int] = set()  # ids of the functions kept for the worker

    def cold(self) -> bool:
        """True while a stand-in path should run in the family's place."""
        if self.ready:
            return False
        if all(_has_machine_code(k, probe_disk=not self.probed) for k in self.kernels):
            self.ready = True
        elif self.seconds >= STAND_IN_SECONDS * self.rent:
            self.ready = True
        self.probed = True
        return not self.ready

    def compile_elsewhere(self, fn: Callable[..., Any], *args: Any) -> None:
        """Keep ``fn(*args)`` for the worker that compiles, at exit, what is still cold (see
        "Stand-in paths"): the first call of each ``fn`` the family stands in for."""
        if not self.ready and id(fn) not in self.handed and _elsewhere.later(self, fn, args):
            self.handed.add(id(fn))

    def call(self, kernel: Callable[..., T], twin: Callable[..., T], *args: Any) -> T:
        """``kernel(*args)`` once the family is ready; until then ``twin(*args)``, which takes
        the kernel's arguments and computes its results, its time counted as rent (and the
        call kept for the worker that compiles the kernel at exit)."""
        if self.cold():
            self.compile_elsewhere(kernel, *args)
            return self.run(True, twin, *args)
        return kernel(*args)

    def run(self, stand_in: bool, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, its seconds counted as the stand-in's when ``stand_in`` (unless the call
        compiled a kernel)."""
        if not stand_in:
            return fn(*args)
        # A call that compiled (the stand-in's first calls) is not counted: besides compiling,
        # a process's first compile loads much of Numba, outside its compile events.
        compiling = numba.core.event.TimingListener()
        start = time.perf_counter()
        with numba.core.event.install_listener("numba:compile", compiling):
            out = fn(*args)
        if not compiling.done:
            self.seconds += time.perf_counter() - start
        return out


def _has_machine_code(kernel: Callable, probe_disk: bool) -> bool:
    # Compiled in this process (for any signature), or, with probe_disk, in the disk cache for
    # the current source. A parallel kernel answers for the serial twin its small calls run.
    d = getattr(kernel, "serial", kernel)
    if not isinstance(d, numba.core.dispatcher.Dispatcher):
        return True  # NUMBA_DISABLE_JIT: plain Python
    if d.overloads:
        return True
    if not probe_disk:
        return False
    try:
        return bool(d._cache._cache_file._load_index())
    except Exception:  # no disk cache for it, or an unreadable one
        return False


def _stamp_calls(dispatcher: Any, f: Callable) -> None:
    """Make ``dispatcher``'s disk cache stale when a function it calls from another file of its
    folder changes, not only when its own file does.

    Numba stamps a kernel's cached machine code with a digest of its own source file alone,
    though the code holds, compiled in, every jitted function and overload it calls (the
    kernels' ``exp``, the row loops, the BLAS caller): after a change to one of those, an
    unchanged kernel file kept loading the old code. Here the stamp also holds a digest of each
    file of the kernel's folder whose functions it calls (found through the function's globals,
    recursively), computed when Numba first reads it: by then the kernel's module has been
    imported whole, helpers defined below the kernel included.
    """
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if type(cache_file) is not numba.core.caching.IndexDataCacheFile:
        return  # not cached (no source file), or a Numba whose index works otherwise
    own = cache_file.__dict__.pop("_source_stamp", None)
    cache_file.__class__ = _CallsStampedIndex
    cache_file.__dict__["_kernel"] = f
    cache_file._source_stamp = own


class _CallsStampedIndex(numba.core.caching.IndexDataCacheFile):
    """Numba's cache index, stamped with the files a kernel calls into as well (see
    :func:`_stamp_calls`)."""

    @property
    def _source_stamp(self) -> Any:
        d = self.__dict__
        stamp = d.get("_calls_stamp")
        if stamp is None:
            f = d["_kernel"]
            own = f.__code__.co_filename
            folder = os.path.dirname(own) + os.sep
            files = sorted(p for p in _called_files(f, folder) if p != own)
            digests = tuple(_digest(p) for p in files)
            stamp = (d["_own_stamp"], digests) if digests else d["_own_stamp"]
            spec = getattr(sys.modules.get(f.__module__), "__spec__", None)
            if not getattr(spec, "_initializing", False):  # else helpers below it may be missing
                d["_calls_stamp"] = stamp
        return stamp

    @_source_stamp.setter
    def _source_stamp(self, value: Any) -> None:
        self.__dict__["_own_stamp"] = value
        self.__dict__.pop("_calls_stamp", None)


def _called_files(f: Callable, folder: str) -> set[str]:
    # Source files in `folder` of the functions (and modules) f names, and of those theirs name.
    files: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [f]
    while stack:
        g = stack.pop()
        g = getattr(g, "py_func", g)  # a dispatcher: its Python function
        code = getattr(g, "__code__", None)
        if code is None or id(g) in seen:
            continue
        seen.add(id(g))
        codes = [code]
        names: set[str] = set()
        while codes:  # the function's code and the code objects nested in it
            c = codes.pop()
            names.update(c.co_names)
            codes.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        scope = getattr(g, "__globals__", {})
        for name in names:
            obj = scope.get(name)
            if isinstance(obj, types.ModuleType):
                path = getattr(obj, "__file__", None) or ""
            else:
                obj = getattr(obj, "py_func", obj)
                path = getattr(getattr(obj, "__code__", None), "co_filename", "")
            if path.startswith(folder):
                files.add(path)
                if not isinstance(obj, types.ModuleType):
                    stack.append(obj)
    return files


@functools.cache
def _digest_of(path: str, mtime: float, size: int) -> bytes:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def _digest(path: str) -> bytes:
    st = os.stat(path)
    return _digest_of(path, st.st_mtime, st.st_size)


def _renamed(f: Callable, suffix: str) -> Callable:
    """A copy of ``f`` with its own qualified name, so Numba's disk cache keeps it apart."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__ + suffix, f.__defaults__,
                           f.__closure__)  # fmt: skip
    g.__qualname__ = f.__qualname__ + suffix
    g.__module__ = f.__module__
    return g


def set_num_threads(n: int) -> None:
    """Set how many threads the kernels use: Numba's pool and the BLAS library together.

    Parameters
    ----------
    n : int
        Number of threads, at least 1. Numba cannot use more threads than it launched
        (``numba.config.NUMBA_NUM_THREADS``, by default the number of cores), so its share is
        clipped to that; BLAS gets ``n``.

    Notes
    -----
    Numba's setting is local to the calling Python thread. BLAS threads are limited through
    ``threadpoolctl`` when it is installed; without it only Numba's pool is changed.

    Examples
    --------
    >>> before = get_num_threads()
    >>> set_num_threads(1)
    >>> get_num_threads()
    1
    >>> set_num_threads(before)
    """
    global _blas_limiter
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads: n must be >= 1, got {n}")
    if not numba.config.DISABLE_JIT:
        _start_pool()
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        import threadpoolctl
    except ImportError:
        return
    # A limiter that is never exited stays in force; drop the previous one first so limits do
    # not stack (restore_original_limits would undo a user's own settings, so it is not used).
    _blas_limiter = threadpoolctl.threadpool_limits(limits=n, user_api="blas")


_blas_limiter: Any = None


def get_num_threads() -> int:
    """Return the number of threads Numba kernels use in the calling Python thread.

    Examples
    --------
    >>> get_num_threads() >= 1
    True
    """
    if numba.config.DISABLE_JIT:
        return 1
    if not _pool_started:
        _start_pool()
    return int(numba.get_num_threads())


# --------------------------------------------------------------------------------------------
# Pipelines on worker threads

_shares_lock = threading.Lock()
_workers: ThreadPoolExecutor | None = None


def _forget_workers_in_child() -> None:
    # A forked child (a DataLoader worker, say) inherits the pool object but none of its
    # threads, and maybe a lock held by a thread that does not exist there: work submitted to
    # them would wait forever, so the child starts afresh.
    global _workers, _shares_lock
    _workers = None
    _shares_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_workers_in_child)


def run_shares(n: int, work: Callable[[int, int], T]) -> list[T]:
    """Run ``work(lo, hi)`` on contiguous shares of ``range(n)``, one per kernel thread.

    For pipelines of serial (``nogil``) Numba kernels and NumPy GEMMs: each of
    :func:`get_num_threads` threads (the calling one included) runs its share, while BLAS is held
    at one thread. Calls from several Python threads take turns; a call from inside a share runs
    its work in one piece on that thread.

    Parameters
    ----------
    n : int
        Number of items (samples) to share out.
    work : callable
        ``work(lo, hi)`` processes items ``lo .. hi - 1``; it must only write what belongs to
        them, and call no parallel kernel.

    Returns
    -------
    list
        ``work``'s results, in the order of the shares (one share when ``n`` is 1 or one thread
        is in use).

    Examples
    --------
    >>> run_shares(10, lambda lo, hi: sum(range(lo, hi)))[0] <= 45
    True
    >>> sum(run_shares(10, lambda lo, hi: sum(range(lo, hi))))
    45
    """
    workers = min(n, get_num_threads())
    if workers <= 1 or getattr(_in_share, "active", False):
        return [work(0, n)]
    bounds = [n * i // workers for i in range(workers + 1)]
    with _shares_lock, _single_threaded_blas():
        global _workers
        if _workers is None:
            _workers = ThreadPoolExecutor(numba.config.NUMBA_NUM_THREADS, "autograd-kernels")
        futures = [
            _workers.submit(_share, work, bounds[i], bounds[i + 1]) for i in range(1, workers)
        ]
        try:
            first = _share(work, bounds[0], bounds[1])
        finally:
            rest = [f.result() for f in futures]
    return [first, *rest]


_in_share = threading.local()


def _share(work: Callable[[int, int], T], lo: int, hi: int) -> T:
    _in_share.active = True
    try:
        return work(lo, hi)
    finally:
        _in_share.active = False


_holds = 0
_held_counts: list[int] = []


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Hold the BLAS libraries at one thread meanwhile (nested holds count: the last one out
    restores the thread counts the first one found).

    :func:`run_shares` holds while its shares run, each share's GEMMs on its own thread.

    Only the main thread holds: OpenBLAS ignores a request for more threads from any other
    thread, so a hold there could not be undone and would leave BLAS at one thread for good.
    Elsewhere this does nothing.

    Examples
    --------
    >>> import numpy as np
    >>> with _single_threaded_blas():
    ...     float((np.ones((2, 3)) @ np.ones(3)).sum())
    6.0
    """
    global _holds, _held_counts
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _holds == 0:
        _held_counts = [lib.get_num_threads() for lib in _blas_libraries()]
        for lib, count in zip(_blas_libraries(), _held_counts):
            if count != 1:
                lib.set_num_threads(1)
    _holds += 1
    try:
        yield
    finally:
        _holds -= 1
        if _holds == 0:
            for lib, count in zip(_blas_libraries(), _held_counts):
                if count != 1:
                    lib.set_num_threads(count)


@functools.cache
def _blas_libraries() -> list:
    # The BLAS libraries loaded in this process (found once: the search walks every loaded
    # shared object).
    try:
        import threadpoolctl
    except ImportError:
        return []
    return threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
