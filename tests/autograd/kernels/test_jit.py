"""Tests for autograd/kernels/_jit.py: thread controls and thread safety of parallel kernels."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numba
import numpy as np
import pytest
from fresh_process import run_json

from autograd.kernels import _jit, get_num_threads, set_num_threads


def _gnu_openmp() -> bool:
    try:
        from numba.np.ufunc import omppool
    except ImportError:
        return False
    return getattr(omppool, "openmp_vendor", None) == "GNU"


def test_threading_layer_is_chosen_deliberately():
    # GNU OpenMP where Numba has it (a launch in microseconds), else workqueue; settled when
    # the pool starts.
    get_num_threads()
    if "NUMBA_THREADING_LAYER" not in os.environ:
        expected = "omp" if _gnu_openmp() else "workqueue"
        assert numba.config.THREADING_LAYER == expected


SPIN = r"""
import ctypes, json, os, sys
import autograd
import numba

def gomp_loaded():
    with open("/proc/self/maps") as f:
        return "libgomp" in f.read()

loaded_at_import = gomp_loaded()
autograd.set_num_threads(2)  # starts the pool
levels = None
if numba.config.THREADING_LAYER == "omp":
    levels = ctypes.CDLL("libgomp.so.1").omp_get_max_active_levels()
print(json.dumps({"left": os.environ.get("GOMP_SPINCOUNT"), "levels": levels,
                  "loaded_at_import": loaded_at_import}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="Linux only")
def test_the_openmp_pool_starts_late_and_leaves_no_spin_setting_and_no_nesting(tmp_path):
    # Not at import: a PyTorch imported next loads its own OpenMP runtime. The spin count is
    # set for the moment Numba's OpenMP library loads only. Numba's launch turns nesting on; a
    # PyTorch sharing the runtime ran 100x slower so.
    env_before = {k: os.environ.pop(k) for k in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")
                  if k in os.environ}  # fmt: skip
    try:
        out = run_json(SPIN, tmp_path)
    finally:
        os.environ.update(env_before)
    assert out["loaded_at_import"] is False
    assert out["left"] is None
    assert out["levels"] in (None, 1)


FORKED = r"""
import importlib, json, os, pkgutil
import numba
import numpy as np
import autograd.kernels
from autograd.kernels import pool

# Every parallel kernel runs its own machine code on large arrays from the first call.
for info in pkgutil.iter_modules(autograd.kernels.__path__):
    module = importlib.import_module("autograd.kernels." + info.name)
    for f in vars(module).values():
        if getattr(f, "tier", None) is not None:
            f.tier.parallel = True
x = np.random.default_rng(0).standard_normal((64, 16, 32, 32))
expected = pool.avg_pool2d_forward(x, (2, 2), (2, 2))
layer = numba.threading_layer()  # raises unless a parallel region ran
pid = os.fork()
if pid == 0:
    ok = np.array_equal(pool.avg_pool2d_forward(x, (2, 2), (2, 2)), expected)
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
print(json.dumps({"layer": layer, "child": os.waitstatus_to_exitcode(status)}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_runs_the_parallel_kernels_serially(tmp_path):
    # GNU OpenMP cannot start a parallel region in a child forked after the parent used it
    # (Numba ends that process): the child's parallel kernels run their serial twins.
    out = run_json(FORKED, tmp_path)
    assert out["child"] == 0


def test_set_num_threads_round_trip():
    before = get_num_threads()
    try:
        set_num_threads(1)
        assert get_num_threads() == 1
        set_num_threads(10_000)  # clipped to the threads Numba launched
        assert get_num_threads() == numba.config.NUMBA_NUM_THREADS
    finally:
        set_num_threads(before)


def test_set_num_threads_limits_blas():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = get_num_threads()
    try:
        set_num_threads(1)
        blas = threadpoolctl.threadpool_info()
        assert all(lib["num_threads"] == 1 for lib in blas if lib["user_api"] == "blas")
    finally:
        set_num_threads(before)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_set_num_threads_errors(bad, error):
    with pytest.raises(error, match="set_num_threads"):
        set_num_threads(bad)


def test_parallel_kernels_keep_their_python_function():
    from autograd.kernels import _conv_gemm

    assert callable(getattr(_conv_gemm._im2col, "py_func", None))


CONCURRENT = r"""
import threading
import numpy as np
from autograd.kernels import pool

x = np.random.default_rng(0).standard_normal((64, 16, 32, 32))
expected = pool.avg_pool2d_forward(x, (2, 2), (2, 2))
errors = []

def work():
    for _ in range(20):
        if not np.array_equal(pool.avg_pool2d_forward(x, (2, 2), (2, 2)), expected):
            errors.append("mismatch")

threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
print("ok")
"""


def test_parallel_kernels_from_many_python_threads():
    # Numba's workqueue layer aborts the process on concurrent entry (_jit serializes it there);
    # OpenMP takes concurrent regions.
    root = Path(__file__).resolve().parents[3]
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


def test_jit_without_source_file_compiles_uncached():
    namespace: dict = {"jit": _jit.jit}
    exec("@jit\ndef double(v):\n    return 2 * v\n", namespace)
    assert namespace["double"](21) == 42


# --------------------------------------------------------------------------------------------
# run_shares: pipelines on the kernel threads


def _blas_threads() -> list[int]:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    info = threadpoolctl.threadpool_info()
    return [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]


def test_run_shares_covers_the_range_once_in_order():
    for n in (1, 2, 7, 100):
        shares = _jit.run_shares(n, lambda lo, hi: (lo, hi))
        assert shares[0][0] == 0 and shares[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(shares, shares[1:]))
        assert len(shares) == min(n, get_num_threads())


def test_run_shares_holds_blas_at_one_thread_and_restores_it():
    before = _blas_threads()
    during = _jit.run_shares(4, lambda lo, hi: _blas_threads())
    assert all(set(d) <= {1} for d in during)
    assert _blas_threads() == before


def test_run_shares_passes_on_a_workers_error_and_recovers():
    def work(lo, hi):
        if lo > 0:
            raise ValueError("share failed")
        return hi

    if get_num_threads() > 1:
        with pytest.raises(ValueError, match="share failed"):
            _jit.run_shares(8, work)
    assert sum(_jit.run_shares(8, lambda lo, hi: hi - lo)) == 8


# --------------------------------------------------------------------------------------------
# When a parallel kernel's own machine code is compiled

SCALE = """
@jit(parallel=True)
def scale(a, out):
    for i in prange(a.size):
        out[i] = 2 * a[i]
"""


def _scale_kernel():
    namespace: dict = {"jit": _jit.jit, "prange": _jit.prange}
    exec(SCALE, namespace)
    return namespace["scale"]


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_large_calls_run_the_serial_twin_until_it_has_run_long_enough(monkeypatch):
    scale = _scale_kernel()
    a = np.arange(_jit.PARALLEL_MIN_BYTES // 8 + 1, dtype=np.float64)
    out = np.empty_like(a)
    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 3600.0)
    for _ in range(3):
        scale(a, out)
        np.testing.assert_array_equal(out, 2 * a)
    assert len(scale.dispatcher.overloads) == 0 and len(scale.serial.overloads) == 1
    # The call that compiled the twin is not counted as running time.
    assert 0 < scale.tier.serial_seconds < 3600.0
    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", scale.tier.serial_seconds)
    out[:] = 0
    scale(a, out)
    np.testing.assert_array_equal(out, 2 * a)
    assert len(scale.dispatcher.overloads) == 1 and scale.tier.parallel


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_small_calls_never_compile_the_parallel_kernel(monkeypatch):
    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 0.0)
    scale = _scale_kernel()
    a = np.arange(10.0)
    out = np.empty_like(a)
    scale(a, out)
    np.testing.assert_array_equal(out, 2 * a)
    assert len(scale.dispatcher.overloads) == 0 and not scale.tier.parallel


THREAD_IDS = """
import numba

@jit(parallel=True, light=True)
def thread_ids(out):
    for i in prange(out.size):
        out[i] = numba.get_thread_id()
"""


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
@pytest.mark.skipif(not _gnu_openmp(), reason="the workqueue layer's threads never spin")
def test_a_light_kernel_wakes_no_sleeping_pool_below_its_limit(monkeypatch):
    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 0.0)
    namespace: dict = {"jit": _jit.jit, "prange": _jit.prange}
    exec(THREAD_IDS, namespace)
    thread_ids = namespace["thread_ids"]
    out = np.empty(_jit.PARALLEL_MIN_BYTES, np.int64)  # 8 MB: over the parallel minimum
    threads = get_num_threads()
    set_num_threads(2)
    try:
        _jit._ran_parallel()  # the pool just ran a region: its threads still spin
        thread_ids(out)
        assert thread_ids.tier.parallel and set(np.unique(out)) == {0, 1}
        monkeypatch.setattr(_jit, "_pool_last_used", 0.0)  # long idle: asleep
        thread_ids(out)
        assert set(np.unique(out)) == {0}  # the serial twin, on the calling thread
        assert _jit._pool_last_used == 0.0  # and no region ran
        monkeypatch.setattr(_jit, "COLD_POOL_MIN_BYTES", out.nbytes)
        thread_ids(out)  # as large as the limit: worth the wake
        assert _jit._pool_last_used > 0.0 and set(np.unique(out)) == {0, 1}
    finally:
        set_num_threads(threads)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_a_large_call_numba_cannot_type_raises_and_compiles_nothing(monkeypatch):
    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 3600.0)
    scale = _scale_kernel()
    a = np.arange(_jit.PARALLEL_MIN_BYTES // 8 + 1, dtype=np.float64)
    with pytest.raises(numba.core.errors.TypingError):
        scale(a, object())
    assert len(scale.dispatcher.overloads) == 0 and not scale.tier.parallel


CACHED = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from autograd.kernels import _jit
_jit.PARALLEL_COMPILE_AFTER_SECONDS = float(sys.argv[2])
import scale_kernel
a = np.arange(_jit.PARALLEL_MIN_BYTES // 8 + 1, dtype=np.float64)
out = np.empty_like(a)
scale_kernel.scale(a, out)
assert np.array_equal(out, 2 * a)
k = scale_kernel.scale
print(json.dumps([len(k.dispatcher.overloads), len(k.serial.overloads)]))
"""


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_parallel_kernel_in_the_disk_cache_runs_at_once(tmp_path):
    (tmp_path / "scale_kernel.py").write_text(
        "from autograd.kernels._jit import jit, prange\n\n\n" + SCALE
    )
    assert run_json(CACHED, tmp_path, "3600") == [0, 1]  # an empty cache: the serial twin serves
    assert run_json(CACHED, tmp_path, "0") == [1, 0]  # compiles at once, into the cache
    assert run_json(CACHED, tmp_path, "3600") == [1, 0]  # found in the cache: no serial twin


CALLER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import caller_kernel
k = caller_kernel.twice_next
print(json.dumps([k(1.0), sum(k.stats.cache_hits.values())]))
"""


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_a_cached_kernel_is_stale_when_a_function_it_calls_from_another_file_changes(tmp_path):
    helper = tmp_path / "next_helper.py"
    source = "from autograd.kernels._jit import jit\n\n\n@jit\ndef step(x):\n    return x + {}\n"
    helper.write_text(source.format("1.0"))
    (tmp_path / "caller_kernel.py").write_text(
        "from autograd.kernels._jit import jit\nfrom next_helper import step\n\n\n"
        "@jit\ndef twice_next(x):\n    return 2.0 * step(x)\n"
    )
    assert run_json(CALLER, tmp_path) == [4.0, 0]  # compiled, into the cache
    assert run_json(CALLER, tmp_path) == [4.0, 1]  # loaded from the cache
    helper.write_text(source.format("2.0"))  # the caller's own file is unchanged
    assert run_json(CALLER, tmp_path) == [6.0, 0]  # compiled again, not the old machine code
    assert run_json(CALLER, tmp_path) == [6.0, 1]


def test_run_shares_inside_a_share_runs_in_one_piece():
    inner = _jit.run_shares(8, lambda lo, hi: _jit.run_shares(10, lambda a, b: (a, b)))
    assert all(share == [(0, 10)] for share in inner)


def test_blas_holds_nest_and_restore_and_other_threads_leave_blas_alone():
    before = _blas_threads()
    with _jit._single_threaded_blas():
        with _jit._single_threaded_blas():
            assert set(_blas_threads()) <= {1}
        assert set(_blas_threads()) <= {1}  # the outer hold still holds
    assert _blas_threads() == before
    # OpenBLAS refuses more threads from a thread other than the main one, so a hold there
    # would be for good: it does nothing.
    seen = []

    def hold_in_thread():
        with _jit._single_threaded_blas():
            seen.append(_blas_threads())

    worker = threading.Thread(target=hold_in_thread)
    worker.start()
    worker.join(10)
    assert seen == [before] and _blas_threads() == before


WARM_START = """
import json, os, sys
import autograd
from autograd.kernels import _jit, conv

thread = _jit._warm_thread
pid = os.fork()  # waits for the thread, so the child inherits no lock it holds
if pid == 0:
    import numpy as np
    x = np.ones((1, 1, 4, 4), np.float32)
    w = np.ones((1, 1, 3, 3), np.float32)
    y = conv.conv2d_forward(x, w, (1, 1), (1, 1), (1, 1), 1)  # loads or compiles a kernel
    os._exit(0 if float(y[0, 0, 1, 1]) == 9.0 else 1)
alive_after_fork = thread.is_alive()
_, status = os.waitpid(pid, 0)
print(json.dumps({"thread": thread.name, "alive_after_fork": alive_after_fork,
                  "loaded": "numba.np.arraymath" in sys.modules, "child": status}))
"""


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing to load without the JIT")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_import_loads_numba_on_a_thread_that_a_fork_waits_for(tmp_path):
    out = run_json(WARM_START, tmp_path)
    assert out == {"thread": "autograd-numba-warm-start", "alive_after_fork": False,
                   "loaded": True, "child": 0}  # fmt: skip


def test_warm_start_is_started_once_and_not_without_the_jit():
    first = _jit._warm_thread
    _jit.load_numba_in_background()
    assert _jit._warm_thread is first
    code = "from autograd.kernels import _jit; print(_jit._warm_thread is None)"
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).resolve().parents[3])  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "True"


PRELOAD = """
import json, sys
import numpy as np
import autograd
from autograd.kernels import _jit, masked

_jit._warm_thread.join()
kernel = masked._select_or_zero
loaded = [str(sig) for sig in kernel.overloads]
if sys.argv[2] == "fill":  # compile the kernel, so that the next process finds it on disk
    masked._select_or_zero(np.ones(3, bool), np.ones(3, np.float32), np.empty(3, np.float32))
print(json.dumps({"preloaded": loaded, "listed": kernel in _jit._PRELOAD}))
"""


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_warm_start_loads_the_cached_machine_code_of_the_common_kernels(tmp_path):
    # An empty cache: nothing to load, and nothing is compiled at import.
    first = run_json(PRELOAD, tmp_path, "fill")
    assert first == {"preloaded": [], "listed": True}
    # The next process finds the kernel's machine code loaded when its warm start is done, as a
    # first call would have loaded it.
    second = run_json(PRELOAD, tmp_path, "read")
    assert len(second["preloaded"]) == 1 and "float32" in second["preloaded"][0]
    assert second["listed"]


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no warm start without the JIT")
def test_a_fork_stops_the_preload_where_it_is():
    # The hook a fork runs: the thread is joined, and any kernel left loads on its first call.
    _jit._wait_for_warm_start()
    assert _jit._stop_preload.is_set()
    assert _jit._warm_thread is None or not _jit._warm_thread.is_alive()


PRELOAD_RACE = """
import json, sys
import numpy as np
import autograd
from autograd.kernels import _jit, cross_entropy, masked, softmax

x = np.zeros((2, 3), np.float32)
if sys.argv[2] == "fill":  # three warm kernels into the disk cache, for the next process
    softmax._forward(x, True, np.empty_like(x), 1)
    cross_entropy._forward(
        x, np.zeros(2, np.int64), -100, np.empty_like(x), np.empty(2, x.dtype), 1
    )
masked._select_or_zero(np.ones(3, bool), np.ones(3, np.float32), np.empty(3, np.float32))
_jit._warm_thread.join()
others = [d for d in _jit._PRELOAD if d.overloads and d is not masked._select_or_zero]
print(json.dumps(len(others) if sys.argv[2] == "race" else len(_jit._cached_signatures(
    softmax._forward.serial))))  # a parallel kernel: its serial twin runs small arrays
"""


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")
def test_a_program_that_runs_kernels_at_once_stops_the_preload(tmp_path):
    # Its first kernel call waits for the code generator, then loads the kernel itself: from
    # then on the preload would only compete with it, and stops (after one load at most).
    assert run_json(PRELOAD_RACE, tmp_path, "fill") == 1  # compiled there, in the disk cache
    assert run_json(PRELOAD_RACE, tmp_path, "race") <= 1
