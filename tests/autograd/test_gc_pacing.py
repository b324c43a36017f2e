"""The collector and a large live graph: no repeated full collections while it is recorded, the
graph freed by reference counting, cycles still collected, the user's thresholds restored."""

from __future__ import annotations

import gc
import inspect
import os
import subprocess
import sys
import threading
import time
import weakref

import pytest

import autograd
from autograd import _gc_pacing


@pytest.fixture
def collector():
    """A clean collector with Python's default thresholds; the caller's state restored after."""
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.enable()
    gc.set_threshold(700, 10, 10)
    gc.collect()
    yield
    gc.set_threshold(*thresholds)
    _gc_pacing.update()
    if not enabled:
        gc.disable()


def _full_collections_while(fn):
    """Run ``fn()``; return its result and how many full collections ran meanwhile."""
    fulls = []

    def count(phase, info):
        if phase == "start" and info["generation"] == 2:
            fulls.append(1)

    gc.callbacks.append(count)
    try:
        result = fn()
    finally:
        gc.callbacks.remove(count)
    return result, len(fulls)


def _chain(n):
    x = autograd.randn(8, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0
    return x, y


def _ops_for_python_to_collect_fully():
    # Python runs a full collection once the objects that survived into the oldest generation
    # grow by a quarter of it; a chain this long grows the heap several times over (a node is
    # at least one tracked object) when nothing paces the collector.
    return max(20_000, 2 * len(gc.get_objects()))


def test_recording_a_long_chain_runs_no_full_collection(collector):
    n = _ops_for_python_to_collect_fully()
    (x, y), fulls = _full_collections_while(lambda: _chain(n))
    assert fulls <= 1
    y.sum().backward()
    assert x.grad.tolist() == [1.0] * 8


def test_without_pacing_python_collects_fully(collector):
    # The baseline the test above is measured against: the same chain with the callback off.
    n = _ops_for_python_to_collect_fully()
    gc.callbacks.remove(_gc_pacing._on_collection)
    try:
        _, fulls = _full_collections_while(lambda: _chain(n))
    finally:
        _gc_pacing.install()
        _gc_pacing.update()
    assert fulls >= 2


def test_graph_is_freed_after_backward_and_when_dropped(collector):
    before = _gc_pacing.live_nodes()
    x, y = _chain(5_000)
    assert _gc_pacing.live_nodes() - before == 5_000
    node = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    assert node() is None  # by reference counting: no collection ran or was needed
    assert _gc_pacing.live_nodes() == before
    _, y = _chain(5_000)
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None
    assert _gc_pacing.live_nodes() == before


def test_threshold_raised_while_the_graph_lives_and_restored_after(collector):
    x, y = _chain(20_000)
    gc.collect(0)  # the pacing sees the graph at every collection
    assert _gc_pacing.paced()
    assert gc.get_threshold()[2] > 10
    y.sum().backward()
    del y  # the graph is freed: young collections keep the pace, the next full one restores
    gc.collect(0)
    assert _gc_pacing.paced()
    gc.collect()
    assert not _gc_pacing.paced()
    assert gc.get_threshold() == (700, 10, 10)
    _, y = _chain(20_000)
    gc.collect(0)
    assert _gc_pacing.paced()
    gc.collect()
    assert _gc_pacing.paced()  # still alive after a full collection: still paced
    del y  # dropped without backward
    gc.collect()
    assert gc.get_threshold() == (700, 10, 10)


def test_a_threshold_the_user_sets_meanwhile_is_the_one_restored(collector):
    _, y = _chain(20_000)
    gc.collect(0)
    assert _gc_pacing.paced()
    gc.set_threshold(500, 20, 7)
    gc.collect(0)
    assert gc.get_threshold()[:2] == (500, 20)
    del y
    gc.collect()
    assert gc.get_threshold() == (500, 20, 7)


def test_reference_cycles_are_still_collected_while_a_large_graph_lives(collector):
    class Cycle:
        pass

    _, y = _chain(20_000)
    gc.collect(0)
    assert _gc_pacing.paced()
    c = Cycle()
    c.self = c
    dead = weakref.ref(c)
    del c
    # Young collections run as usual: allocating enough tracked objects finds the cycle.
    keep = [[] for _ in range(50_000)]
    assert dead() is None
    del keep
    old = Cycle()
    old.self = old
    dead = weakref.ref(old)
    gc.collect(1)  # now in the oldest generation: only a full collection finds it
    del old
    gc.collect()
    assert dead() is None
    assert y.grad_fn is not None


def test_a_disabled_collector_stays_disabled(collector):
    gc.disable()
    _, y = _chain(20_000)
    gc.collect(0)
    assert not gc.isenabled()
    del y
    gc.collect()
    assert gc.get_threshold() == (700, 10, 10)


_OLD_GC = pytest.mark.skipif(
    not _gc_pacing._SET_ASIDE, reason="nothing is set aside in this Python (see _gc_pacing)"
)


def _young_collections(n):
    """Allocate tracked objects that stay alive until ``n`` young collections have run."""
    runs = []

    def count(phase, info):
        if phase == "stop" and info["generation"] == 0:
            runs.append(1)

    gc.callbacks.append(count)
    keep = []
    try:
        while len(runs) < n:
            keep.append([])
    finally:
        gc.callbacks.remove(count)
    return keep


@_OLD_GC
def test_a_large_graph_is_set_aside_not_rescanned_by_middle_collections(collector):
    _, y = _chain(20_000)
    assert _gc_pacing.set_aside()
    assert gc.get_freeze_count() > 20_000  # the nodes, out of the generations
    middle = gc.get_objects(generation=1)
    assert not any(o is y.grad_fn for o in middle)
    del middle
    node = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    assert node() is None
    # The graph is gone: the next count of live nodes (every t1 young collections) returns all.
    _young_collections(gc.get_threshold()[1] + 1)
    assert not _gc_pacing.set_aside()
    assert gc.get_freeze_count() == 0


_CYCLE_WHILE_A_GRAPH_LIVES = """
import gc, weakref
import autograd
from autograd import _gc_pacing

class Cycle:
    pass

{young_collections}
gc.collect()
y = autograd.randn(8, requires_grad=True)
for _ in range(5_000):
    y = y * 1.0
c = Cycle()
c.self = c
dead = weakref.ref(c)
gc.collect(0)  # c survives a young collection: set aside with the graph
del c
gc.collect(1)  # a middle-generation collection does not see it
alive_after_middle = dead() is not None
fulls = []
gc.callbacks.append(lambda phase, info: fulls.append(info["generation"] == 2 and phase == "start"))
t0, t1, t2 = gc.get_threshold()
# The paced schedule allows t1 * t2 young collections (some ran while the graph was recorded)
# before a full one, which then runs at one of the next middle-generation collections.
keep = _young_collections(t1 * t2 // 2)
before_due = sum(fulls)
keep += _young_collections(t1 * t2 // 2 + 10 * t1)
print(_gc_pacing.set_aside() or True, alive_after_middle, before_due, sum(fulls), dead() is None)
"""


@_OLD_GC
def test_a_cycle_that_outlives_a_young_collection_waits_for_the_next_full_one():
    # In a fresh interpreter: in a large heap (a long test session) Python's own rule (a full
    # collection once the old generation has grown by a quarter) holds the full one back longer.
    helper = inspect.getsource(_young_collections)
    code = _CYCLE_WHILE_A_GRAPH_LIVES.format(young_collections=helper)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    _, alive_after_middle, before_due, fulls, collected = out
    assert alive_after_middle == "True"
    assert before_due == "0"  # set aside meanwhile: no full collection ...
    assert int(fulls) >= 1  # ... until it is due, and then it runs
    assert collected == "True"


@_OLD_GC
def test_a_full_collection_sees_everything_set_aside(collector):
    class Cycle:
        pass

    _, y = _chain(20_000)
    c = Cycle()
    c.self = c
    dead = weakref.ref(c)
    gc.collect(0)
    assert _gc_pacing.set_aside()
    del c
    gc.collect()
    assert dead() is None
    assert not _gc_pacing.set_aside()
    # The graph is alive but no longer growing: nothing is set aside ...
    _young_collections(2 * gc.get_threshold()[1] + 1)
    assert not _gc_pacing.set_aside()
    for _ in range(20_000):  # ... until it is recorded further
        y = y * 1.0
    assert _gc_pacing.set_aside()


@_OLD_GC
def test_a_graph_kept_alive_while_the_program_does_other_work_is_not_set_aside(collector):
    # A cycle that outlives a young collection then dies at the next middle-generation
    # collection, as without a graph.
    class Cycle:
        pass

    _, y = _chain(20_000)
    assert _gc_pacing.set_aside()
    keep = _young_collections(gc.get_threshold()[1] + 1)  # the next count: no growth
    assert not _gc_pacing.set_aside()
    assert gc.get_freeze_count() == 0
    c = Cycle()
    c.self = c
    dead = weakref.ref(c)
    gc.collect(0)
    del c
    keep += _young_collections(gc.get_threshold()[1] + 1)
    assert dead() is None
    assert y.grad_fn is not None
    del keep


_EXIT_WHILE_SET_ASIDE = """
import gc
import autograd
from autograd import _gc_pacing
from autograd.kernels import _jit

# The warm-start thread's allocations (Numba's code generator, the preloads) would otherwise
# run young collections of their own during the recording below, as many as a fresh machine's
# slower loads make: enough, on one, to bring the full collection that ends the setting aside.
_jit._wait_for_warm_start()

class Loud:
    def __init__(self, name):
        self.name = name
        self.self = self

    def __del__(self):
        print(self.name, flush=True)

gc.collect()
y = autograd.randn(8, requires_grad=True)
for i in range(20_000):
    y = y * 1.0
kept = Loud("kept")  # garbage only when the interpreter shuts down
dropped = Loud("dropped")
gc.collect(0)
del dropped
print(_gc_pacing.set_aside(), flush=True)
"""


@_OLD_GC
def test_finalizers_of_cycles_set_aside_run_at_exit():
    out = subprocess.run(
        [sys.executable, "-c", _EXIT_WHILE_SET_ASIDE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "True"
    assert sorted(out[1:]) == ["dropped", "kept"]


@_OLD_GC
def test_objects_the_user_froze_are_left_alone(collector):
    class Mine:
        pass

    mine = Mine()
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        _, y = _chain(20_000)
        gc.collect(0)
        assert not _gc_pacing.set_aside()
        assert gc.get_freeze_count() == frozen
        del y
        gc.collect()
        assert gc.get_freeze_count() == frozen
        assert not any(o is mine for o in gc.get_objects())
    finally:
        gc.unfreeze()


@_OLD_GC
def test_compile_sees_tensors_set_aside(collector):
    from autograd import _compile

    _, y = _chain(20_000)
    t = autograd.ones(3)
    gc.collect(0)
    assert _gc_pacing.set_aside()
    assert any(entry[0] is t for entry in _compile._live_tensors())
    # A step recorded meanwhile still sees an in-place change to a tensor set aside.
    scale = autograd.ones(3)
    gc.collect(0)

    @autograd.compile
    def f(x):
        scale.mul_(2.0)
        return x * scale

    x = autograd.ones(3, requires_grad=True)
    assert f(x).tolist() == [2.0] * 3
    assert f(x).tolist() == [4.0] * 3  # the in-place change made the call eager: it ran again
    assert y.grad_fn is not None


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="generations differ in Python 3.14's GC")
@pytest.mark.parametrize("op", ["mul", "add_tensors", "reshape", "neg"])
def test_a_recorded_node_leaves_two_containers_to_the_older_collections(collector, op):
    # What survives a young collection is scanned again by every middle-generation collection
    # and then by every full one while the graph lives. Per node that saves no array (what an op
    # saves is its own) that is the node and its edges tuple. Metadata tuples are shared between
    # nodes: fresh ones would survive the young pass (it meets a shape tuple only after the
    # tuple holding it) and double the scans.
    x = autograd.randn(4, 3, requires_grad=True)
    w = autograd.randn(4, 3)
    step = {
        "mul": lambda y: y * 1.0,
        "add_tensors": lambda y: y + w,
        "reshape": lambda y: y.reshape(3, 4).reshape(4, 3),
        "neg": lambda y: -y,
    }[op]
    gc.collect()
    before = len(gc.get_objects(generation=1)) + len(gc.get_objects(generation=2))
    y = x
    nodes = _gc_pacing.live_nodes()
    for _ in range(1_000):
        y = step(y)
    nodes = _gc_pacing.live_nodes() - nodes
    gc.collect(0)
    after = len(gc.get_objects(generation=1)) + len(gc.get_objects(generation=2))
    assert (after - before) / nodes < 2.1
    y.sum().backward()
    assert x.grad.shape == (4, 3)


class _Twice(autograd.Function):
    _array_mode = True  # a primitive: forward and backward on arrays

    @staticmethod
    def forward(ctx, x):
        ctx.factor = 2.0
        return x * 2.0

    @staticmethod
    def backward(ctx, g):
        return g * ctx.factor


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="generations differ in Python 3.14's GC")
def test_an_op_run_without_grad_first_still_records_compact_nodes(collector):
    # A node made without recording sets only what its forward sets. Run a few dozen times that
    # way first (an evaluation pass, inputs that need no gradient), an op used to leave every
    # node it recorded later, and every node at its first backward, with a dict of its own.
    with autograd.no_grad():
        for _ in range(100):
            _Twice.apply(autograd.ones(3))
    x = autograd.ones(3, requires_grad=True)
    gc.collect()
    before = len(gc.get_objects(generation=1)) + len(gc.get_objects(generation=2))
    y = x
    for _ in range(500):
        y = _Twice.apply(y) * 0.5
    gc.collect(0)
    after = len(gc.get_objects(generation=1)) + len(gc.get_objects(generation=2))
    assert (after - before) / 1000 < 2.1
    tracked = len(gc.get_objects())
    y.sum().backward()  # y keeps the graph alive: its nodes gain nothing tracked
    assert len(gc.get_objects()) - tracked <= 10
    assert x.grad.tolist() == [1.0] * 3


_RUN_OF_GRAPHS = """
import gc
import autograd
from autograd import _gc_pacing

def chain(n):
    y = autograd.randn(8, requires_grad=True)
    for _ in range(n):
        y = y * 1.0
    return y

def fulls_while_recording():
    fulls = []

    def count(phase, info):
        if phase == "start" and info["generation"] == 2:
            fulls.append(1)

    gc.callbacks.append(count)
    for _ in range(8):
        chain(5_000).sum().backward()
    gc.callbacks.remove(count)
    return len(fulls)

gc.collect()
paced = fulls_while_recording()
gc.callbacks.remove(_gc_pacing._on_collection)
gc.set_threshold(700, 10, 10)
gc.collect()
print(paced, fulls_while_recording())
"""


def test_graphs_recorded_one_after_another_do_not_each_start_with_a_full_collection():
    # The nodes of a freed graph still count as grown old in Python's own rule: without pacing,
    # a run of large graphs pays full collections over and over. Measured in a fresh interpreter:
    # in a process whose heap is far larger than the graphs (a long test session), Python's own
    # rule (a full collection once the old generation grows by a quarter) decides either way.
    out = subprocess.run(
        [sys.executable, "-c", _RUN_OF_GRAPHS], capture_output=True, text=True, check=True
    ).stdout
    paced, unpaced = map(int, out.split())
    assert unpaced >= 2
    assert paced <= unpaced // 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_another_thread_holds_the_pacing_lock_still_collects():
    held, release = threading.Event(), threading.Event()

    def hold():
        with _gc_pacing._lock:
            held.set()
            release.wait()

    # No collection in this process while the lock is held: it would wait for the holder.
    enabled = gc.isenabled()
    gc.disable()
    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        pid = os.fork()
        if pid == 0:  # the child: its first collection runs the pacing's callback
            code = 1
            try:
                gc.collect()
                code = 0
            finally:
                os._exit(code)
        deadline = time.monotonic() + 20
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if done[0] == 0:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        assert done[0] == pid, "the child hung in its first collection"
        assert os.waitstatus_to_exitcode(done[1]) == 0
    finally:
        release.set()
        holder.join()
        if enabled:
            gc.enable()
