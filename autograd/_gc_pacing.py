"""Keep Python's cyclic garbage collector from rescanning a large live graph again and again.

A recorded graph is freed by reference counting alone (a node refers to the nodes it came from,
never back), yet every node is a container the collector tracks. Python runs a full collection
whenever the oldest generation has grown by a quarter, and each one scans every live node: a
graph of 50 000 ops gets scanned several times over while it is recorded, which makes the cost
per op grow with the size of the graph.

When graphs of many nodes have been alive, this module raises the number of middle-generation
collections between two full ones (the third value of ``gc.get_threshold()``) in proportion to the
largest number of nodes alive since the last full collection (counted at the start of each
middle-generation collection, the only ones that bring a full one nearer), so a full collection
comes once per ``_ALLOCATIONS_PER_NODE`` tracked allocations per such node at most: its cost,
spread over the ops recorded meanwhile, stays flat. The largest number, not the current one: the
nodes of a freed graph still count as grown-old objects in Python's own rule, which would otherwise
run a full collection at the start of each next graph. Young collections run as before (short-lived
reference cycles are found as soon as they would be), full ones still run (old cycles are still
collected), and the user's threshold comes back after the first full collection that finds no large
graph alive. A threshold the user sets meanwhile with ``gc.set_threshold`` is respected: it becomes
the value restored.

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

_user_threshold: int | None = None  # the third threshold to restore, while ours is set
_our_threshold: int | None = None  # the third threshold we set (None: the user's is in force)
_peak_nodes = 0  # the most nodes seen alive since the last full collection


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


def update() -> None:
    """Set the third GC threshold from the most nodes alive since the last full collection, or
    restore the user's."""
    global _user_threshold, _our_threshold, _peak_nodes
    t0, t1, t2 = gc.get_threshold()
    if _our_threshold is not None and t2 != _our_threshold:
        _our_threshold = None  # the user changed the thresholds: theirs is the one to restore
    base = t2 if _our_threshold is None else _user_threshold
    if t0 <= 0 or base <= 0:  # the user turned automatic (full) collection off
        return
    _peak_nodes = max(_peak_nodes, live_nodes())
    wanted = _peak_nodes * _ALLOCATIONS_PER_NODE // (t0 * max(t1, 1))
    if wanted > base:
        if wanted != t2:
            gc.set_threshold(t0, t1, wanted)
        _user_threshold, _our_threshold = base, wanted
    elif _our_threshold is not None:
        gc.set_threshold(t0, t1, base)
        _user_threshold = _our_threshold = None


def paced() -> bool:
    """Whether the third GC threshold is currently raised for a large live graph."""
    return _our_threshold is not None


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    # Called by the collector before and after each collection. Only a middle-generation
    # collection adds to the count that decides the next full one, so the threshold is set at
    # the start of those (and after a full one): the decision then sees a threshold that matches
    # the graphs alive since the last full collection. The young collections, ten times as many,
    # do not pay for counting the nodes.
    global _peak_nodes
    generation = info["generation"]
    if phase == "start":
        if generation:
            update()
    elif generation == 2:
        _peak_nodes = 0
        update()


def install() -> None:
    """Register the pacing with the collector (once); it runs at the start of every collection
    and acts at the start of the middle-generation ones and after the full ones."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)
