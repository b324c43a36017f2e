"""Keep Python's cyclic garbage collector from rescanning a large live graph again and again.

A recorded graph is freed by reference counting alone (a node refers to the nodes it came from,
never back), yet every node is a container the collector tracks. Python scans what survives a
young collection again at the next middle-generation collection, and runs a full collection
whenever the oldest generation has grown by a quarter, each one scanning every live node: a graph
of 50 000 ops gets scanned several times over while it is recorded, which makes the cost per op
grow with the size of the graph. Two measures keep it flat.

Full collections are paced. While graphs of many nodes are alive, the number of
middle-generation collections between two full ones (the third value of ``gc.get_threshold()``)
is raised in proportion to the largest number of nodes alive since the last full collection, so
a full collection comes once per ``_ALLOCATIONS_PER_NODE`` tracked allocations per such node at
most: its cost, spread over the ops recorded meanwhile, stays flat. The largest number, not the
current one: the nodes of a freed graph still count as grown-old objects in Python's own rule,
which would otherwise run a full collection at the start of each next graph. The user's threshold
comes back after the first full collection that finds no large graph alive; a threshold the user
sets meanwhile with ``gc.set_threshold`` is respected: it becomes the value restored.

Survivors are set aside while a large graph is being recorded. When the graph alive is that large
and grew by at least one node per ``_ALLOCATIONS_PER_NEW_NODE`` tracked allocations since the
last count (mostly recording, not a program that keeps a graph and goes on with other work), what
survives each young collection goes to the collector's permanent generation (``gc.freeze``)
instead of the middle one, which would scan it again. Setting aside resets Python's own counts,
so no middle or full collection is triggered meanwhile; the nodes are counted again every ``t1``
young collections instead, and the set-aside objects return to the oldest generation
(``gc.unfreeze``) at the first count that finds the graph no longer growing or large, at the
start of every full collection (``gc.collect()`` included, so it sees everything), when
:func:`everything_listed` asks (``autograd.compile`` lists the live tensors), and once as
many young collections have run as the paced thresholds allow between two full ones
(``t1 * t2``): the third threshold is then 0 until the full collection has run, which Python
starts at one of the next middle-generation collections (once its other rule, a quarter of
growth of the oldest generation since the last full collection, holds).

What a user sees: young collections run as before (a reference cycle that dies before one is
found by it). While a large graph is being recorded, a cycle that outlives a young collection
waits for the set-aside objects to return and then for the next full collection, like one that
outlives a middle collection otherwise; ``gc.collect()`` finds it at once. Meanwhile
``gc.get_objects()``, ``gc.get_referrers()`` and ``gc.collect(1)`` do not see the objects set
aside. Objects the user froze are left alone: nothing is set aside while the permanent generation
holds any, but a ``gc.freeze()`` called while objects are set aside is undone with them. Nothing
is set aside at interpreter exit (finalizers of set-aside cycles run as usual), in Python 3.12
(whose collector puts immortal objects in the permanent generation itself), in Python 3.14's
incremental collector, or in a free-threaded build.

The number of live nodes is read without walking the graph: every instance of a class holds a
reference to its class, so the reference count of each node class (one per op, such as
``MulBackward0``) grows by one per live node of that class.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import sysconfig
import threading
from collections.abc import Iterator
from typing import Any

from .function import Context

# Tracked allocations allowed per live node between two full collections. A node with its edges
# and metadata is a handful of tracked objects, so a full collection then costs a fraction of a
# scan per op recorded since the previous one.
_ALLOCATIONS_PER_NODE = 64

# Survivors are set aside while the graph grows by at least one node per this many tracked
# allocations (recording a chain of ops makes one per four to five).
_ALLOCATIONS_PER_NEW_NODE = 8

# Whether survivors may be set aside at all (see the module docstring). Python 3.12's collector
# moves immortal objects to the permanent generation itself, which would read as the user's.
_SET_ASIDE = (
    sys.version_info < (3, 12) or (3, 13) <= sys.version_info < (3, 14)
) and not sysconfig.get_config_var("Py_GIL_DISABLED")

# Collections run in whichever thread allocates; the state below changes under this lock.
_lock = threading.RLock()
_user_threshold: int | None = None  # the third threshold to restore, while ours is set
_our_threshold: int | None = None  # the third threshold we set (None: the user's is in force)
_peak_nodes = 0  # the most nodes seen alive since the last full collection
_last_live = 0  # the nodes alive at the last count
_recording = False  # at the last count: a large graph, growing; survivors are set aside
_set_aside = False  # objects we set aside are in the permanent generation now
_young = 0  # young collections since the last full one, while setting aside
_full_due = False  # a full collection is due: its threshold stays 0 until it runs
_user_froze = False  # the permanent generation held the user's objects (checked again after a full)
_paused = 0  # callers that need every object listed (nothing is set aside meanwhile)


def live_nodes() -> int:
    """How many graph nodes (``Context`` objects) are alive now.

    Examples
    --------
    >>> import autograd
    >>> from autograd._gc_pacing import live_nodes
    >>> before = live_nodes()
    >>> y = autograd.ones(2, requires_grad=True) * 2
    >>> live_nodes() - before
    1
    >>> del y
    >>> live_nodes() - before
    0
    """
    live = 0
    stack = Context.__subclasses__()  # node classes, and the renamed ones below them
    while stack:
        node = stack.pop()
        idle = node.__dict__.get("_idle_refs")  # None: a class still being made
        if idle is not None:
            live += sys.getrefcount(node) - idle
        stack += node.__subclasses__()
    return max(0, live)


def thaw() -> None:
    """Return the objects set aside to the oldest generation, where ``gc.get_objects()`` lists
    them and the next full collection scans them (the next young collection may set aside
    again; :func:`everything_listed` prevents that).

    Examples
    --------
    >>> thaw()
    >>> set_aside()
    False
    """
    global _set_aside, _paused
    with _lock:
        if _set_aside:
            _paused += 1  # a collection started in between (a signal handler's) sets nothing aside
            try:
                gc.unfreeze()
                _set_aside = False
            finally:
                _paused -= 1


@contextlib.contextmanager
def everything_listed() -> Iterator[None]:
    """Meanwhile ``gc.get_objects()`` lists every tracked object: the objects set aside return,
    and no young collection (in any thread) sets aside again.

    Examples
    --------
    >>> with everything_listed():
    ...     objects = gc.get_objects()
    """
    global _paused
    with _lock:
        _paused += 1
        thaw()
    try:
        yield
    finally:
        with _lock:
            _paused -= 1


def update(count_growth: bool = True) -> None:
    """Set the third GC threshold from the most nodes alive since the last full collection, or
    restore the user's; and decide from the nodes alive now, and how many more there are than
    at the last count, whether survivors are set aside (``count_growth`` False: keep the last
    decision on growth, for a count that follows the last one at once)."""
    global _user_threshold, _our_threshold, _peak_nodes, _last_live, _recording, _full_due
    with _lock:
        t0, t1, t2 = gc.get_threshold()
        if _our_threshold is not None and t2 != _our_threshold:
            # The user changed the thresholds: theirs is the one to restore, and in force now.
            _our_threshold = None
            _full_due = False
        base = t2 if _our_threshold is None else _user_threshold
        if t0 <= 0 or base <= 0:  # the user turned automatic (full) collection off
            _recording = False
            thaw()
            return
        live = live_nodes()
        _peak_nodes = max(_peak_nodes, live)
        per_full = t0 * max(t1, 1)
        large = live * _ALLOCATIONS_PER_NODE // per_full > base
        if count_growth:
            growing = (live - _last_live) * _ALLOCATIONS_PER_NEW_NODE >= per_full
            _last_live = live
        else:
            growing = _recording
        _recording = _SET_ASIDE and large and growing
        if not _recording:
            thaw()
        wanted = 0 if _full_due else _peak_nodes * _ALLOCATIONS_PER_NODE // per_full
        if wanted > base or _full_due:
            if wanted != t2:
                gc.set_threshold(t0, t1, wanted)
            _user_threshold, _our_threshold = base, wanted
        elif _our_threshold is not None:
            gc.set_threshold(t0, t1, base)
            _user_threshold = _our_threshold = None


def paced() -> bool:
    """Whether the third GC threshold is currently raised for a large live graph (not while it
    is 0 for a full collection that is due)."""
    return _our_threshold is not None and not _full_due


def set_aside() -> bool:
    """Whether objects that survived young collections are set aside now (see the module
    docstring)."""
    return _set_aside


def _after_young() -> None:
    # After a young collection (its survivors are in the middle generation): set them aside
    # while a large graph is being recorded, until a full collection is due.
    global _young, _full_due, _set_aside, _user_froze
    if not _recording or _full_due or _paused:
        return
    _young += 1
    t0, t1, t2 = gc.get_threshold()
    t1 = max(t1, 1)
    if _young >= t1 * t2:
        # As many young collections as the paced thresholds allow before a full one:
        # everything returns, and the next middle-generation collection may start it.
        thaw()
        _full_due = True
        update()
        return
    if _young % t1 == 0:
        update()  # what a middle-generation collection would count: the graph may be done
        if not _recording:
            return
    if not _set_aside:
        if _user_froze or gc.get_freeze_count():
            _user_froze = True  # the permanent generation is the user's: leave it alone
            return
        _set_aside = True
    gc.freeze()


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    # Called by the collector before and after each collection. Only a middle-generation
    # collection adds to the count that decides the next full one, so the threshold is set at
    # the start of those (and after a full one): the decision then sees a threshold that matches
    # the graphs alive since the last full collection. The young collections, ten times as many,
    # do not pay for counting the nodes (but every t1-th one does while a large graph is being
    # recorded, when no middle-generation collection runs).
    global _peak_nodes, _young, _full_due, _user_froze
    generation = info["generation"]
    with _lock:
        if phase == "start":
            if generation == 2:
                thaw()  # a full collection sees everything
            if generation:
                update()
        elif generation == 0:
            if _recording:
                _after_young()
        elif generation == 2:
            _peak_nodes = _young = 0
            _full_due = _user_froze = False
            update(count_growth=False)  # the nodes were counted at its start


def _after_fork_in_child() -> None:
    # A thread of the parent may have held the lock (or a pause) at the fork: the child has
    # neither that thread nor a way to wait for it.
    global _lock, _paused
    _lock = threading.RLock()
    _paused = 0


def _stop_setting_aside() -> None:
    # At exit: the collections of interpreter shutdown see everything (finalizers run).
    global _paused
    with _lock:
        _paused += 1
        thaw()


def install() -> None:
    """Register the pacing with the collector (once); it runs at the start of every collection
    and acts at the start of the middle-generation and full ones, after the full ones and,
    while a large graph is being recorded, after the young ones."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)
        atexit.register(_stop_setting_aside)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
