"""Keep Python's cyclic garbage collector from rescanning a large live graph again and again.

A recorded graph is freed by reference counting alone (a node refers to the nodes it came from,
never back), yet every node is a container the collector tracks. Python scans what survives a
young collection again at each middle-generation collection, and runs a full collection whenever
the oldest generation has grown by a quarter, each one scanning every live node: a graph of
50 000 ops gets scanned several times over while it is recorded, which makes the cost per op grow
with the size of the graph. Two measures keep it flat while graphs of many nodes are alive.

Full collections are paced. The number of middle-generation collections between two full ones
(the third value of ``gc.get_threshold()``) is raised in proportion to the largest number of nodes
alive since the last full collection, so a full collection comes once per
``_ALLOCATIONS_PER_NODE`` tracked allocations per such node at most: its cost, spread over the ops
recorded meanwhile, stays flat. The largest number, not the current one: the nodes of a freed graph
still count as grown-old objects in Python's own rule, which would otherwise run a full collection
at the start of each next graph. The user's threshold comes back after the first full collection
that finds no large graph alive; a threshold the user sets meanwhile with ``gc.set_threshold`` is
respected: it becomes the value restored.

Survivors are set aside. While the graph alive now is that large, what survives each young
collection goes to the collector's permanent generation (``gc.freeze``) instead of the middle
one: the middle-generation collections, which would scan it again, find nothing, and the next
full collection takes it all back first (``gc.unfreeze``), so it scans everything. Full
collections then come on the same schedule: after as many young collections as the paced
thresholds allow (``t1 * t2``), the set-aside objects return and the full collection is let run at
the next middle-generation one (its threshold is 0 until it has run). Every ``t1`` young
collections the live nodes are counted again, and when the graph has been freed or dropped to a
size that needs no pacing, the objects return at once.

What a user sees: young collections run as before (a reference cycle that dies before one is
found by it); a cycle that outlives a young collection while a large graph is alive waits for the
next full collection (``gc.collect()`` runs one at once, and sees everything); meanwhile
``gc.get_objects()`` and ``gc.get_referrers()`` do not list the objects set aside. Objects the
user froze themselves are left alone: nothing is set aside while the permanent generation holds
any (a ``gc.freeze()`` called while objects are set aside is undone with them). Python 3.14's
incremental collector has no middle generation to spare, and there only the pacing runs.

The number of live nodes is read without walking the graph: every instance of a class holds a
reference to its class, so the reference count of each node class (one per op, such as
``MulBackward0``) grows by one per live node of that class.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

from .function import Context

# Tracked allocations allowed per live node between two full collections. A node with its edges
# and metadata is a handful of tracked objects, so a full collection then costs a fraction of a
# scan per op recorded since the previous one.
_ALLOCATIONS_PER_NODE = 64

# Whether survivors may be set aside (see the module docstring).
_SET_ASIDE = sys.version_info < (3, 14)

_user_threshold: int | None = None  # the third threshold to restore, while ours is set
_our_threshold: int | None = None  # the third threshold we set (None: the user's is in force)
_peak_nodes = 0  # the most nodes seen alive since the last full collection
_large_now = False  # the nodes alive at the last count need pacing: survivors are set aside
_set_aside = False  # objects we set aside are in the permanent generation now
_young = 0  # young collections since the last full one, while setting aside
_full_due = False  # a full collection is due: its threshold stays 0 until it runs
_user_froze = False  # the permanent generation held the user's objects (checked again after a full)


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
    again).

    Examples
    --------
    >>> thaw()
    >>> set_aside()
    False
    """
    global _set_aside
    if _set_aside:
        gc.unfreeze()
        _set_aside = False


def update() -> None:
    """Set the third GC threshold from the most nodes alive since the last full collection, or
    restore the user's; and decide from the nodes alive now whether survivors are set aside."""
    global _user_threshold, _our_threshold, _peak_nodes, _large_now
    t0, t1, t2 = gc.get_threshold()
    if _our_threshold is not None and t2 != _our_threshold:
        _our_threshold = None  # the user changed the thresholds: theirs is the one to restore
    base = t2 if _our_threshold is None else _user_threshold
    if t0 <= 0 or base <= 0:  # the user turned automatic (full) collection off
        _large_now = False
        thaw()
        return
    live = live_nodes()
    _peak_nodes = max(_peak_nodes, live)
    per_full = t0 * max(t1, 1)
    _large_now = _SET_ASIDE and live * _ALLOCATIONS_PER_NODE // per_full > base
    if not _large_now:
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
    # After a young collection (its survivors are in the middle generation): set them aside while
    # the graph alive is large, until a full collection is due.
    global _young, _full_due, _set_aside, _user_froze
    if not _large_now or _full_due:
        return
    _young += 1
    t0, t1, t2 = gc.get_threshold()
    if _young >= max(t1, 1) * t2:
        # As many young collections as Python's rule with the paced threshold would have let run
        # before a full one: everything returns, and the next middle collection brings it on.
        thaw()
        _full_due = True
        update()
        return
    if t1 > 0 and _young % t1 == 0:
        update()  # what a middle-generation collection would count: the graph may be gone
        if not _large_now:
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
    # do not pay for counting the nodes (but for every t1-th one while survivors are set aside,
    # when no middle collection runs).
    global _peak_nodes, _young, _full_due, _user_froze
    generation = info["generation"]
    if phase == "start":
        if generation == 2:
            thaw()  # a full collection sees everything
        if generation:
            update()
    elif generation == 0:
        if _large_now:
            _after_young()
    elif generation == 2:
        _peak_nodes = _young = 0
        _full_due = _user_froze = False
        update()


def install() -> None:
    """Register the pacing with the collector (once); it runs at the start of every collection
    and acts at the start of the middle-generation ones, after the full ones and, while a large
    graph is alive, after the young ones."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)
