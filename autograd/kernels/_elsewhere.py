"""Compiling, once this process exits, the kernels its stand-in paths served.

A :class:`~autograd.kernels._jit.StandIn` family that has never been compiled on this machine
runs its stand-in path, and hands the first call of each of its kernels (or drivers) to
:func:`later`, which keeps what the call's arguments look like (an array's shape, dtype, layout
and write flag; other arguments as they are). When the process exits, the families still cold are
compiled by a worker process at the lowest priority: it rebuilds such arguments (zeros) and runs
the calls with every family ready, so Numba compiles the kernels they take, for the same
argument types, into its disk cache (every kernel is ``cache=True``), where the next run finds
them. The worker's results are thrown away. It keeps running after this process exits (a Ctrl-C
meant for the program does not reach it), and workers take turns through a lock file, so a
second one loads what the first compiled.

Why after and not during: on a machine with few cores, a compile running beside the program takes
a core (or a hyperthread's half of one) from the program's own threads, and costs it about as much
as compiling in-process would. A program that runs long enough still compiles a family in-process
once its stand-in has paid rent (:data:`~autograd.kernels._jit.STAND_IN_SECONDS`); its calls are
then not handed over.

A call is kept only when it can be replayed: a kernel or driver reachable by module and name (or
a ``functools.partial`` of one) and arguments that pickle, at most :data:`MAX_BYTES` of arrays. No
worker starts from a process that multiprocessing or MPI started (its parent or rank 0 does), from
a frozen application, or with ``AUTOGRAD_COMPILE_ELSEWHERE=0`` in the environment: families then
compile in-process once their rent is paid.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: Calls whose array arguments would hold more bytes than this are not kept (the worker
#: allocates them to replay the call).
MAX_BYTES = 256 << 20

__all__ = ["enabled", "later", "hand_over", "wait"]

_lock = threading.Lock()
_calls: list[tuple[Any, Callable[..., Any], tuple]] = []  # (family, fn, argument specs)
_worker: subprocess.Popen | None = None
_forked = False
_RANKS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")


def enabled() -> bool:
    """Whether cold families' calls are compiled by a worker at exit: not turned off with
    ``AUTOGRAD_COMPILE_ELSEWHERE=0``, not in a forked, spawned or MPI child (rank > 0).

    Examples
    --------
    >>> isinstance(enabled(), bool)
    True
    """
    if _forked or os.environ.get("AUTOGRAD_COMPILE_ELSEWHERE", "1") == "0":
        return False
    if any(os.environ.get(rank, "0") != "0" for rank in _RANKS):
        return False
    return multiprocessing.parent_process() is None


class _Array:
    """What an array argument looks like to Numba: rebuilt as zeros of that kind."""

    __slots__ = ("shape", "dtype", "layout", "writeable")

    def __init__(self, a: np.ndarray) -> None:
        self.shape, self.dtype, self.writeable = a.shape, a.dtype.str, a.flags.writeable
        self.layout = "C" if a.flags.c_contiguous else "F" if a.flags.f_contiguous else "A"

    def build(self) -> np.ndarray:
        if self.layout == "A":  # neither C nor F contiguous: every other element of a row
            a = np.zeros((*self.shape[:-1], 2 * self.shape[-1]), self.dtype)[..., ::2]
        else:
            a = np.zeros(self.shape, self.dtype, order=self.layout)
        a.setflags(write=self.writeable)
        return a


def _spec(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return _Array(a)
    return tuple(_spec(b) for b in a) if type(a) is tuple else a


def _build(a: Any) -> Any:
    if isinstance(a, _Array):
        return a.build()
    return tuple(_build(b) for b in a) if type(a) is tuple else a


def _nbytes(a: Any) -> int:
    if isinstance(a, np.ndarray):
        return a.nbytes
    return sum(_nbytes(b) for b in a) if type(a) is tuple else 0


def later(family: Any, fn: Callable[..., Any], args: tuple) -> bool:
    """Keep what ``fn(*args)`` looks like, to hand to the worker at exit if ``family`` (a
    :class:`~autograd.kernels._jit.StandIn`) is still cold then. Returns whether it was kept."""
    if not enabled() or _nbytes(args) > MAX_BYTES:
        return False
    with _lock:
        _calls.append((family, fn, _spec(args)))
    return True


def hand_over() -> int:
    """Start the worker on the kept calls whose families are still cold; return how many.

    Runs at exit; a program (a benchmark) may call it earlier, then :func:`wait`.
    """
    global _worker
    with _lock:
        calls = [(fn, specs) for family, fn, specs in _calls if not family.ready]
        _calls.clear()
    if not calls or not enabled() or getattr(sys, "frozen", False) or not sys.executable:
        return 0
    folder = None
    try:
        folder = tempfile.mkdtemp(prefix="autograd-compile-")
        paths = []
        for i, (fn, specs) in enumerate(calls):
            # A kernel by its module and name (pickling a Numba dispatcher would copy its
            # code); a partial of a module-level function as itself.
            name = (getattr(fn, "__module__", None), getattr(fn, "__qualname__", None))
            target = name if None not in name and "<" not in name[1] else fn
            path = os.path.join(folder, f"{i}.pickle")
            try:
                with open(path, "wb") as f:
                    pickle.dump((target, specs), f, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # a closure, or an argument that does not pickle
                with contextlib.suppress(OSError):
                    os.remove(path)
                continue
            paths.append(path)
        if not paths:
            shutil.rmtree(folder, ignore_errors=True)
            return 0
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, AUTOGRAD_COMPILE_ELSEWHERE="0", OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")  # fmt: skip
        _worker = subprocess.Popen(
            [sys.executable, "-c", _BOOT, root, folder, *paths],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # not stopped by a Ctrl-C meant for this program
        )
    except Exception:  # no temporary folder, no interpreter to start: compile next time
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
    return len(paths)


# The worker imports the autograd this process runs: its folder goes first on the path unless
# the path has it already (an installed package: then ahead of the standard library it could
# shadow a module there).
_BOOT = (
    "import sys; sys.argv[1] in sys.path or sys.path.insert(0, sys.argv[1]); "
    "from autograd.kernels._elsewhere import main; main(sys.argv[2], sys.argv[3:])"
)


def wait(timeout: float | None = None) -> bool:
    """Wait (at most ``timeout`` seconds) for the worker :func:`hand_over` started; True when
    none is left running.

    Examples
    --------
    >>> wait()
    True
    """
    if _worker is None:
        return True
    try:
        _worker.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _forget_in_child() -> None:
    # A forked child (a DataLoader worker) leaves compiling to its parent.
    global _forked, _lock
    _forked, _lock = True, threading.Lock()
    _calls.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(hand_over)


def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    import importlib

    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def main(folder: str, paths: list[str]) -> None:
    """The worker: read the calls kept in ``paths`` (removing ``folder``), wait for any other
    worker to finish, then run each with every family ready."""
    calls = []
    try:
        for path in paths:
            with contextlib.suppress(Exception), open(path, "rb") as f:
                calls.append(pickle.load(f))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    with _turn():
        from autograd.kernels import _jit

        _jit.STAND_IN_SECONDS = 0.0
        for target, specs in calls:
            with contextlib.suppress(Exception):  # the call's result and errors do not matter
                fn = _resolve(*target) if isinstance(target, tuple) else target
                fn(*_build(specs))


@contextlib.contextmanager
def _turn() -> Any:
    # One worker at a time on this machine: the next one then loads what this one compiled.
    try:
        import fcntl
    except ImportError:  # no flock: workers may overlap, which costs time only
        yield
        return
    with open(os.path.join(tempfile.gettempdir(), "autograd-compile.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
