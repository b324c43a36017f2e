"""Compiling, once this process exits, the kernels its stand-in paths served.

A :class:`~autograd.kernels._jit.StandIn` family that has never been compiled on this machine
runs its stand-in path, and hands the first call of each of its kernels (or drivers) to
:func:`later`. When the process exits, the families still cold are compiled by a worker
(``python -m autograd.kernels._elsewhere``, at the lowest priority) that runs those same calls
with every family ready: Numba compiles the kernels they take, for the same argument types, and
writes them to its disk cache (every kernel is ``cache=True``), where the next run finds them.
The worker's results are thrown away.

Why after and not during: on a machine with few cores, a compile running beside the program takes
a core (or a hyperthread's half of one) from the program's own threads, and costs it about as much
as compiling in-process would. A program that runs long enough still compiles a family in-process
once its stand-in has paid rent (:data:`~autograd.kernels._jit.STAND_IN_SECONDS`); its calls are
then not handed over.

A call is handed over only when it can be: a kernel or driver reachable by module and name (or a
``functools.partial`` of one), arguments that pickle, at most :data:`MAX_BYTES` of arrays, and not
in a forked child (a DataLoader worker). ``AUTOGRAD_COMPILE_ELSEWHERE=0`` in the environment turns
the worker off: families then compile in-process once their rent is paid, as before.
"""

from __future__ import annotations

import atexit
import contextlib
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

#: Calls whose array arguments hold more bytes than this are not handed over.
MAX_BYTES = 64 << 20

__all__ = ["enabled", "later", "hand_over", "wait"]

_lock = threading.Lock()
_calls: list[tuple[Any, Callable[..., Any], tuple]] = []  # (family, fn, args)
_worker: subprocess.Popen | None = None
_forked = False


def enabled() -> bool:
    """Whether cold families' calls are compiled by a worker at exit (``AUTOGRAD_COMPILE_ELSEWHERE``
    unset or not ``"0"``, and not in a forked child).

    Examples
    --------
    >>> isinstance(enabled(), bool)
    True
    """
    return not _forked and os.environ.get("AUTOGRAD_COMPILE_ELSEWHERE", "1") != "0"


def later(family: Any, fn: Callable[..., Any], args: tuple) -> None:
    """Keep ``fn(*args)`` to hand to the worker at exit, if ``family`` is still cold then.

    ``family`` has a ``ready`` attribute (a :class:`~autograd.kernels._jit.StandIn`). The
    arguments are kept as they are (only their types matter to the compile).
    """
    if enabled() and sum(a.nbytes for a in args if isinstance(a, np.ndarray)) <= MAX_BYTES:
        with _lock:
            _calls.append((family, fn, args))


def hand_over() -> int:
    """Start the worker on the kept calls whose families are still cold; return how many.

    Runs at exit; a program (a benchmark) may call it earlier, then :func:`wait`.

    Examples
    --------
    >>> hand_over()
    0
    """
    global _worker
    with _lock:
        calls = [(fn, args) for family, fn, args in _calls if not family.ready]
        _calls.clear()
    if not calls or not enabled():
        return 0
    folder = tempfile.mkdtemp(prefix="autograd-compile-")
    names = []
    for i, (fn, args) in enumerate(calls):
        # A kernel by its module and name (pickling a Numba dispatcher would copy its code); a
        # partial of a module-level function as itself.
        name = (getattr(fn, "__module__", None), getattr(fn, "__qualname__", None))
        target = name if None not in name and "<" not in name[1] else fn
        path = os.path.join(folder, f"{i}.pickle")
        try:
            with open(path, "wb") as f:
                pickle.dump((target, args), f, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a closure, or an argument that does not pickle
            with contextlib.suppress(OSError):
                os.remove(path)
            continue
        names.append(path)
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    try:
        _worker = subprocess.Popen(
            [sys.executable, "-m", "autograd.kernels._elsewhere", folder, *names],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # not stopped by a Ctrl-C meant for this program
        )
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    return len(names)


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


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(hand_over)


def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    import importlib

    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def main(folder: str, paths: list[str]) -> None:
    """The worker: run each call kept in ``paths`` with every family ready, then remove
    ``folder``."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    from autograd.kernels import _jit

    _jit.STAND_IN_SECONDS = 0.0
    try:
        for path in paths:
            with contextlib.suppress(Exception):  # the call's result and errors do not matter
                with open(path, "rb") as f:
                    target, args = pickle.load(f)
                (_resolve(*target) if isinstance(target, tuple) else target)(*args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
