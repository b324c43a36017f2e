"""Kernels that stand-in paths served are compiled by a worker process at exit
(autograd.kernels._elsewhere), so that the next run finds them in the disk cache."""

from __future__ import annotations

import pickle

import numba
import numpy as np
import pytest
from fresh_process import run_json

from autograd.kernels import _elsewhere, _jit

needs_jit = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")

KERNEL = """
import numpy as np
from autograd.kernels._jit import jit


@jit
def double(a, out):
    for i in range(a.size):
        out[i] = 2 * a[i]


def double_numpy(a, out):
    np.multiply(a, 2, out=out)
"""

# Runs the family once with a long rent, hands its call to the worker (as at exit) and waits for
# it; prints whether the family was cold, how many calls went to the worker, how many kernels this
# process compiled, and the result.
RUN = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
os.environ["PYTHONPATH"] = os.pathsep.join([sys.argv[1], os.environ["PYTHONPATH"]])
os.environ["AUTOGRAD_COMPILE_ELSEWHERE"] = sys.argv[2]
import numpy as np
from autograd.kernels import _elsewhere, _jit
_jit.STAND_IN_SECONDS = 3600.0
import double_kernel as k
family = _jit.StandIn(k.double)
cold = family.cold()
out = np.empty(3)
family.call(k.double, k.double_numpy, np.arange(3.0), out)
handed = _elsewhere.hand_over()
if not _elsewhere.wait(timeout=240):
    _elsewhere._worker.kill()
    raise SystemExit("the worker did not finish in 240 s")
print(json.dumps([cold, handed, len(k.double.overloads), out.tolist()]))
"""


@needs_jit
def test_a_cold_family_is_compiled_by_the_worker_for_the_next_run(tmp_path):
    (tmp_path / "double_kernel.py").write_text(KERNEL)
    cold, handed, compiled, out = run_json(RUN, tmp_path, "1")
    assert (cold, handed, compiled, out) == (True, 1, 0, [0.0, 2.0, 4.0])
    # The next run finds the family in the disk cache: ready at once, nothing handed over.
    cold, handed, compiled, out = run_json(RUN, tmp_path, "1")
    assert (cold, handed, compiled, out) == (False, 0, 1, [0.0, 2.0, 4.0])


@needs_jit
def test_no_worker_when_turned_off(tmp_path):
    (tmp_path / "double_kernel.py").write_text(KERNEL)
    assert run_json(RUN, tmp_path, "0") == [True, 0, 0, [0.0, 2.0, 4.0]]
    assert run_json(RUN, tmp_path, "0")[0]  # still cold: nothing was compiled


class _Family:
    ready = False


def _twice(a):
    return 2 * a


def test_only_cold_families_and_calls_that_pickle_are_handed_over(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRAD_COMPILE_ELSEWHERE", "1")
    started = []
    monkeypatch.setattr(_elsewhere.subprocess, "Popen", lambda cmd, **kw: started.append(cmd))
    monkeypatch.setattr(_elsewhere.tempfile, "mkdtemp", lambda prefix: str(tmp_path))
    monkeypatch.setattr(_elsewhere, "_calls", [])
    monkeypatch.setattr(_elsewhere, "MAX_BYTES", 1000)
    cold, ready = _Family(), _Family()
    ready.ready = True
    assert _elsewhere.later(cold, _twice, (np.ones(2),))
    assert _elsewhere.later(ready, _twice, (np.ones(2),))  # compiled in-process meanwhile
    assert _elsewhere.later(cold, lambda a: a, (np.ones(2),))  # a closure: does not pickle
    assert not _elsewhere.later(cold, _twice, (np.ones(126),))  # more than MAX_BYTES
    assert _elsewhere.hand_over() == 1
    assert len(started) == 1 and started[0][-1] == str(tmp_path / "0.pickle")
    assert _elsewhere.hand_over() == 0  # each kept call once


def test_no_worker_from_a_child_process_or_an_mpi_rank_but_the_first(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_COMPILE_ELSEWHERE", "1")
    assert _elsewhere.enabled()
    monkeypatch.setenv("PMI_RANK", "1")
    assert not _elsewhere.enabled()
    monkeypatch.setenv("PMI_RANK", "0")
    assert _elsewhere.enabled()
    monkeypatch.setattr(_elsewhere.multiprocessing, "parent_process", lambda: object())
    assert not _elsewhere.enabled()


@pytest.mark.parametrize("make", [
    lambda: np.ones((3, 4), np.float32),
    lambda: np.ones((3, 4), order="F"),
    lambda: np.ones((3, 8))[:, ::2],
    lambda: np.broadcast_to(np.ones(4, np.int64), (3, 4)),
    lambda: np.ones(0, np.int8),
    lambda: np.array(2.0),
])  # fmt: skip
def test_the_worker_rebuilds_arguments_numba_types_alike(make):
    # The worker compiles for the types the program's call had: dtype, dimensions, layout and
    # the write flag; arrays in a tuple too, other arguments as they are.
    a = make()
    args = (a, (a, 3), 2.5, None)
    rebuilt = _elsewhere._build(pickle.loads(pickle.dumps(_elsewhere._spec(args))))
    assert [numba.typeof(v) for v in (rebuilt[0], rebuilt[1][0])] == [numba.typeof(a)] * 2
    assert rebuilt[1][1:] + rebuilt[2:] == (3, 2.5, None)
    assert rebuilt[0].shape == a.shape and not rebuilt[0].any()


def test_stand_in_keeps_the_first_call_of_each_function_it_can(monkeypatch):
    kept = []

    def later(family, fn, args):
        if args == ("too large",):
            return False
        kept.append((fn, args))
        return True

    monkeypatch.setattr(_elsewhere, "later", later)
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    family = _jit.StandIn(_twice)
    family.compile_elsewhere(_twice, "too large")  # refused: a later call may still be kept
    family.compile_elsewhere(_twice, 1.0)
    family.compile_elsewhere(_twice, 2.0)
    family.compile_elsewhere(len, [1])
    assert kept == [(_twice, (1.0,)), (len, ([1],))]
    family.ready = True
    family.compile_elsewhere(abs, -1)
    assert len(kept) == 2
