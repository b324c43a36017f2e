"""Backward: topological order, gradient routing, un-broadcasting, accumulation, graph freeing.

Nothing else in the library walks the graph. A node is the ``Context`` of one ``Function.apply``;
its ``_next`` says where each input's gradient goes: a leaf Tensor, a node (its output 0),
``(node, output_nr)``, or nowhere (None).

A rule may return :data:`~autograd.function.ZERO_GRAD`, an exact zero: a node that receives
nothing else passes it on without running its rule (so ``0 / 0`` upstream cannot make it NaN, as
with PyTorch's efficient zero tensors), and it is read as zeros wherever a gradient is read.

Gradients arriving at one place are summed into the first one's array when nothing else can see
it, and a leaf keeps the array it is handed when nothing else can: a weight shared by the steps
of a recurrence costs no new array per step. A row-major leaf's gradient is row-major, as in
PyTorch (``Tensor.grad`` has its parameter's layout), so optimizers update it in place.

A product's rule (``Function._accumulates``) is offered what is summed so far where each input's
gradient goes: it may add its product into that sum by one accumulating GEMM, or, where more
uses are still to deliver and its product is thin, hand back the product's factors
(:class:`~autograd.function._Stacked`), which the engine joins with the other uses' and computes
by one GEMM when the sum is read (a leaf's when it is final, a node's when the node runs).
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Sequence
from numbers import Number
from typing import Any

import numpy as np

from . import _gc_pacing, grad_mode
from .function import _ACCUMULATED, ZERO_GRAD, Context, _backward_offering, _Stacked
from .tensor import Tensor, tensor_method


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        Outputs to differentiate. A non-scalar output needs its ``grad_tensors`` entry.
    grad_tensors : Tensor, array or sequence, optional
        d(loss)/d(output) for each output; defaults to 1 for one-element outputs. A list or
        tuple holds one per output; for a single output, any array NumPy can read (a number,
        a NumPy array, another library's tensor) is its gradient.
    retain_graph : bool, optional
        Keep saved tensors so backward can run again; defaults to ``create_graph``.
    create_graph : bool
        Record the backward pass so higher derivatives can be taken.
    inputs : sequence of Tensor, optional
        Accumulate only into these leaves.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor(3.0, requires_grad=True)
    >>> autograd.backward(x * x)
    >>> x.grad
    tensor(6.)
    """
    outs = _as_tuple(tensors, "tensors")
    grads = _seed_grads(outs, grad_tensors, create_graph)
    only = None
    if inputs is not None:
        only = {id(t): t for t in _as_tuple(inputs, "inputs")}
    _run(outs, grads, create_graph if retain_graph is None else retain_graph, create_graph,
         accumulate_only=only)  # fmt: skip


@tensor_method(name="backward")
def _tensor_backward(
    self: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

    ``gradient`` is required unless self has one element. See :func:`autograd.backward`.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).backward(gradient=autograd.tensor([1.0, 0.5]))
    >>> (x * 3).sum().backward()  # adds to x.grad
    >>> x.grad
    tensor([5., 5.])
    """
    backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
    only_inputs: bool = True,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    ``only_inputs`` is accepted and ignored, as in PyTorch (where it is deprecated);
    ``materialize_grads=True`` gives zeros instead of None for unused inputs.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor(2.0, requires_grad=True)
    >>> (g,) = autograd.grad(x**3, x, create_graph=True)
    >>> g
    tensor(12., grad_fn=<MulBackward0>)
    >>> autograd.grad(g, x)
    (tensor(12.),)
    """
    if is_grads_batched:
        raise RuntimeError(
            "grad: is_grads_batched=True is not supported; loop over the batch of grad_outputs"
        )
    if materialize_grads:
        allow_unused = True
    outs = _as_tuple(outputs, "outputs")
    ins = _as_tuple(inputs, "inputs")
    for i, t in enumerate(ins):
        if not t._requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] does not require grad")
    seeds = _seed_grads(outs, grad_outputs, create_graph)
    captured = _run(outs, seeds, create_graph if retain_graph is None else retain_graph,
                    create_graph, capture=ins)  # fmt: skip
    result = []
    for i, g in enumerate(captured):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: inputs[{i}] was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            t = ins[i]
            result.append(Tensor._make(np.zeros(t.shape, t.dtype)) if materialize_grads else None)
        else:
            result.append(g if isinstance(g, Tensor) else Tensor._make(g))
    return tuple(result)


def _as_tuple(x: Any, name: str) -> tuple[Tensor, ...]:
    seq = (x,) if isinstance(x, Tensor) else tuple(x)
    for i, t in enumerate(seq):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}[{i}]: expected a Tensor, got {type(t).__name__}")
    return seq


def _gradient_array(g: Any, i: int, dtype: np.dtype) -> np.ndarray:
    """``g``, an output's gradient given as an array of real numbers, in the output's dtype."""
    what = f"{type(g).__module__}.{type(g).__qualname__}"
    try:
        a = None if isinstance(g, (str, bytes)) else np.asarray(g)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        a = None
    if a is None or a.dtype.kind not in "iuf":
        kind = what if a is None else f"{what} of dtype {a.dtype}"
        raise TypeError(
            f"backward: the gradient of tensors[{i}] must be a Tensor or an array of real "
            f"numbers, got {kind}"
        )
    return a.astype(dtype, copy=False)


def _seed_grads(outs: tuple, given: Any, create_graph: bool) -> list:
    if given is None or isinstance(given, Tensor):
        given = [given] * len(outs) if given is None else [given]
    elif len(outs) == 1 and (
        isinstance(given, (Number, str, bytes)) or hasattr(given, "__array__")
    ):
        given = [given]  # one output's gradient as an array (NumPy's, or any with __array__)
    given = list(given)
    if len(given) != len(outs):
        raise ValueError(
            f"grad_tensors: got {len(given)} gradients for {len(outs)} outputs (a list or "
            "tuple holds one gradient per output)"
        )
    seeds = []
    for i, (t, g) in enumerate(zip(outs, given)):
        if not t._requires_grad:
            raise RuntimeError(
                f"tensors[{i}] does not require grad and does not have a grad_fn: nothing to "
                "differentiate (did you forget requires_grad=True, or run under no_grad?)"
            )
        if g is None:
            if t._array.size != 1:
                raise RuntimeError(
                    f"backward: grad can be implicitly created only for outputs with one "
                    f"element; tensors[{i}] has shape {t.shape}, so pass `gradient`"
                )
            g = np.ones_like(t._array)
        else:
            g = g._array if isinstance(g, Tensor) and not create_graph else g
            if not isinstance(g, Tensor):
                g = _gradient_array(g, i, t.dtype)
            if tuple(g.shape) != t.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {tuple(g.shape)} but tensors[{i}] has shape "
                    f"{t.shape}"
                )
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._make(g)
        seeds.append(g)
    return seeds


def _run(
    outs: tuple,
    seeds: list,
    retain_graph: bool,
    create_graph: bool,
    capture: tuple | None = None,
    accumulate_only: dict | None = None,
) -> list:
    """The backward loop: count consumers, then process nodes whose consumers are all done."""
    # Where captured gradients (autograd.grad) are read: leaf id or (node id, output_nr).
    want: dict = {}
    if capture is not None:
        for k, t in enumerate(capture):
            key = id(t) if t.grad_fn is None else (id(t.grad_fn), t._output_nr)
            want.setdefault(key, []).append(k)
    captured: list = [None] * (len(capture) if capture is not None else 0)

    buffers: dict[Context, list] = {}
    roots = []
    leaf_outs = []
    for t, g in zip(outs, seeds):
        if t.grad_fn is None:
            leaf_outs.append((t, g))
        else:
            buf = buffers.get(t.grad_fn)
            if buf is None:
                buf = buffers[t.grad_fn] = [None] * (len(t.grad_fn._output_meta) // 3)
                roots.append(t.grad_fn)
            slot = t._output_nr
            buf[slot] = _sum(buf[slot], g)

    # A leaf's gradient is final once every edge into it has delivered: then its hooks run and
    # it is accumulated, while the rest of the graph is still being processed.
    dependents, pending = _count_dependents(roots)
    for t, _ in leaf_outs:
        _expect_leaf(pending, t)

    def finish(entry: list) -> None:
        leaf, g = entry[0], entry[2]
        entry[2] = None  # the caller's entry must not keep g alive: _accumulate may steal it
        if g is None:
            return
        if type(g) is _Stacked:
            g = g.value()
        if g is ZERO_GRAD:
            g = _zeros(leaf.shape, leaf.dtype, create_graph)
        g = _run_hooks(leaf._hooks, g, create_graph)
        keys = want.get(id(leaf))
        if keys is not None:
            for k in keys:
                captured[k] = g
        elif capture is None and (accumulate_only is None or id(leaf) in accumulate_only):
            _accumulate(leaf, g, create_graph)
            g = None
            if leaf._post_accumulate_hooks:
                for hook in list(leaf._post_accumulate_hooks):
                    hook(leaf)

    callbacks: list = []
    _callback_stack().append(callbacks)
    try:
        prev_mode = grad_mode._set_grad_enabled_raw(create_graph)
        try:
            for t, g in leaf_outs:
                entry = _leaf_arrives(pending, t, g)
                if entry is not None:
                    finish(entry)
            leaf_outs = g = None
            # Nothing captured and no anomaly mode: common nodes may take the direct call below.
            plain = not (want or grad_mode._state.anomaly)
            stacked: set = set()  # nodes whose output gradients hold _Stacked products
            ready = [n for n in roots if dependents[n] == 0]
            while ready:
                node = ready.pop()
                grads = buffers.pop(node)
                through = None
                if stacked and node in stacked:  # products stacked for its outputs
                    stacked.discard(node)
                    if plain and _hands_on(node, grads):
                        through = grads[0].transposed()  # a transpose passes its stack on
                        grads[0] = None
                    else:
                        for nr, g in enumerate(grads):
                            if type(g) is _Stacked:
                                grads[nr] = g.value()
                        g = None
                if through is not None:
                    in_grads = [through] + [None] * (len(node._next) - 1)
                    through = None
                elif (
                    plain
                    and len(grads) == 1
                    and grads[0] is not None
                    and grads[0] is not ZERO_GRAD
                    and not (node._hooks or node._retained or node._prehooks)
                    and not (node._posthooks or node._tensor_mode)
                ):
                    # The common node: one output, one gradient, nothing reads or changes it on
                    # the way, so its rule is called directly (what _call_backward does, less
                    # the hooks and checks that have nothing to do here).
                    node._create_graph = create_graph
                    if node._fn._accumulates and not create_graph:
                        sums, stack = _grad_sums(node, pending, buffers, dependents)
                        result = _backward_offering(node, sums, grads[0], stack=stack)
                        sums = None
                    else:
                        result = node._fn.backward(node, grads[0])
                    if type(result) is not tuple:
                        result = (result,)
                    if len(result) != len(node._next):
                        result = _gradient_per_input(node, result)
                    in_grads = list(result)
                    result = None  # the tuple must not keep the gradients referenced (stealing)
                elif _passes_zero(node, grads, want):
                    # Only exact zeros arrive: the rule would give zeros (or 0 * inf), so each
                    # input that needs one gets an exact zero without running it.
                    in_grads = [None if e is None else ZERO_GRAD for e in node._next]
                else:
                    _materialize_zeros(node, grads, create_graph)
                    _before_node(node, grads, create_graph, want, captured)
                    node._create_graph = create_graph
                    in_grads = list(_call_backward(node, grads, create_graph))
                grads.clear()  # the list may still be bound below (buf): let go of the arrays
                grads = None
                if not retain_graph:
                    node._saved = None
                    node._freed = True
                for i, edge in enumerate(node._next):
                    if edge is None:
                        continue
                    g = in_grads[i]
                    in_grads[i] = None  # a fresh gradient is then referenced only from here
                    if g is not None and g is not ZERO_GRAD and g is not _ACCUMULATED:
                        meta = node._input_meta
                        if (
                            not (
                                type(g) is np.ndarray
                                and g.shape == meta[2 * i]
                                and g.dtype.char == meta[2 * i + 1]
                            )
                            and type(g) is not _Stacked
                        ):  # a stacked product fits by construction
                            if not create_graph and isinstance(g, Tensor):
                                g = g._array  # a heavy rule may have called differentiable ops
                            g = _fit(node, g, meta[2 * i], meta[2 * i + 1])
                    if isinstance(edge, Tensor):
                        entry = _leaf_arrives(pending, edge, g)
                        g = None
                        if entry is not None:
                            finish(entry)
                        continue
                    if g is None:
                        continue
                    if type(edge) is tuple:
                        parent, nr = edge
                    else:
                        parent, nr = edge, 0
                    buf = buffers.get(parent)
                    if buf is None:
                        buf = buffers[parent] = [None] * (len(parent._output_meta) // 3)
                    if g is not _ACCUMULATED:  # else the rule added it into buf[nr]
                        if type(g) is _Stacked:
                            stacked.add(parent)
                        buf[nr] = g if buf[nr] is None else _sum(buf[nr], g)
                    g = None
                    dependents[parent] -= 1
                    if dependents[parent] == 0:
                        ready.append(parent)
            in_grads = None
            # Leaves still waiting sit behind a node that never became ready (a backward that
            # returned None for one of its inputs): they get what did arrive.
            while pending:
                finish(pending.popitem()[1])
        finally:
            grad_mode._set_grad_enabled_raw(prev_mode)
        for callback in callbacks:  # a callback may queue another: the loop sees it
            callback()
    finally:
        _callback_stack().pop()
    return captured


def _sum(total: Any, g: Any) -> Any:
    """``total + g`` for gradients arriving at one place (``total`` None: none yet), where
    :data:`~autograd.function.ZERO_GRAD` adds nothing.

    Called as ``_sum(slot[i], g)``. When nothing but that slot references ``total``, an array
    owning its memory, ``g`` is added into it in place (as PyTorch's engine does): a weight
    shared by every step of a recurrence then sums its gradients without a new array per step.
    """
    if total is None or total is ZERO_GRAD:
        return g
    if g is ZERO_GRAD:
        return total
    if (
        type(total) is np.ndarray
        and type(g) is np.ndarray
        and total.shape == g.shape
        and total.dtype == g.dtype
        and total.flags.owndata
        and total.flags.writeable
        and sys.getrefcount(total) <= _SLOT_REFS
    ):
        total += g
        return total
    if type(total) is _Stacked or type(g) is _Stacked:
        return _sum_stacked(total, g)
    return total + g


def _sum_stacked(total: Any, g: Any) -> Any:
    """:func:`_sum` where either is a :class:`~autograd.function._Stacked` product: its rows
    joined, or an array added to its base; a stack that cannot join (another layout or dtype)
    is computed and added to the other's base."""
    if type(total) is not _Stacked:
        total, g = g, total  # the sum is commutative; the stack holds the result
    if type(g) is _Stacked:
        if total.joins(g):
            return total
        g.add(total.value())
        return g
    total.add(g)
    return total


#: Smallest sum (elements) offered to an accumulating rule: for fewer, the rule's accumulating
#: GEMM gains nothing on a GEMM and an addition (see ``autograd.kernels._blas.add_product``), and
#: looking costs about a microsecond a node.
_OFFER_MIN_ELEMENTS = 1 << 15


def _addable(total: Any, shape: tuple, char: str) -> Any:
    """``total`` when :func:`_sum` would add a gradient of ``shape`` and dtype ``char`` into it
    in place and it has at least :data:`_OFFER_MIN_ELEMENTS` elements, else None. Called as
    ``_addable(slot[i], ...)``, as :func:`_sum` is."""
    if (
        type(total) is np.ndarray
        and total.size >= _OFFER_MIN_ELEMENTS
        and total.shape == shape
        and total.dtype.char == char
        and total.flags.owndata
        and total.flags.writeable
        and sys.getrefcount(total) <= _SLOT_REFS
    ):
        return total
    return None


def _grad_sums(
    node: Context, pending: dict, buffers: dict, dependents: dict
) -> tuple[tuple | None, tuple | None]:
    """What an accumulating rule (``Function._accumulates``) of ``node`` is offered: per input,
    the gradient summed so far where that input's gradient goes (a leaf's entry, a node's output
    buffer), when it may be added into in place (:func:`_addable`), or None (None when there is
    none); and per input whether its gradient may come back as a
    :class:`~autograd.function._Stacked` product, as the number of uses still to deliver (0: it
    may not): where other uses' gradients arrive after this one (a leaf, or a node such as the
    one transposed weight of a recurrence), or the sum is one already (None when no input
    may)."""
    meta = node._input_meta
    sums = stack = None
    for i, edge in enumerate(node._next):
        if edge is None:
            continue
        shape = meta[2 * i]
        big = len(shape) == 2 and shape[0] * shape[1] >= _STACK_MIN_ENTRIES
        # The sums are read in place, never bound to a local: _addable counts their references.
        if isinstance(edge, Tensor):
            entry = pending.get(id(edge))
            if entry is None:
                continue
            uses = entry[1]  # edges still to deliver, this one included
            more = big and (uses > 1 or type(entry[2]) is _Stacked)
            total = _addable(entry[2], shape, meta[2 * i + 1])
        else:
            parent, nr = edge if type(edge) is tuple else (edge, 0)
            buf = buffers.get(parent)
            uses = dependents[parent]
            if buf is None:
                more = big and uses > 1
                if big and uses == 1 and parent._fn._transposes:
                    uses, more = _uses_behind(parent, pending)  # a weight transposed for this use
                total = None
            else:
                more = big and (uses > 1 or type(buf[nr]) is _Stacked)
                total = _addable(buf[nr], shape, meta[2 * i + 1])
        if more:
            if stack is None:
                stack = [0] * len(node._next)
            stack[i] = uses
        if total is not None:
            if sums is None:
                sums = [None] * len(node._next)
            sums[i] = total
    return (None if sums is None else tuple(sums)), (None if stack is None else tuple(stack))


_STACK_MIN_ENTRIES = _Stacked.min_entries


def _plain_leaf_transpose(node: Context) -> bool:
    """Whether ``node`` is a transpose (``Function._transposes``) of a leaf matrix that nothing
    reads or changes on the way (no hooks, no retained gradient, not a tensor-mode Function)."""
    return (
        node._fn._transposes
        and isinstance(node._next[0], Tensor)
        and len(node._input_meta[0]) == 2
        and not (
            node._hooks or node._retained or node._prehooks or node._posthooks or node._tensor_mode
        )
    )


def _uses_behind(node: Context, pending: dict) -> tuple[int, bool]:
    """For a plain transpose ``node`` of a leaf (``w.t()`` made for one use, as ``F.linear``
    makes it at each call): how many of the leaf's uses are still to deliver, and whether a
    stacked product may pass through ``node`` to join them (more are to come, or the leaf's sum
    is a stack already); ``(0, False)`` for any other node."""
    if not _plain_leaf_transpose(node):
        return 0, False
    entry = pending.get(id(node._next[0]))
    if entry is None:
        return 0, False
    return entry[1], entry[1] > 1 or type(entry[2]) is _Stacked


def _hands_on(node: Context, grads: list) -> bool:
    """Whether ``node`` hands its stacked gradient on transposed without its rule: a plain
    transpose of a leaf matrix whose one output gradient is a stack."""
    return len(grads) == 1 and type(grads[0]) is _Stacked and _plain_leaf_transpose(node)


def _zeros(shape: tuple, dtype: Any, create_graph: bool) -> Any:
    z = np.zeros(shape, dtype)
    return Tensor._make(z) if create_graph else z


def _passes_zero(node: Context, grads: list, want: dict) -> bool:
    """Whether ``node`` passes exact zeros on without its rule: nothing but ZERO_GRAD arrived,
    and nothing reads its gradients (hooks, ``retain_grad``, a captured output)."""
    zero = False
    for g in grads:
        if g is ZERO_GRAD:
            zero = True
        elif g is not None:
            return False
    if not zero:
        return False
    if node._hooks or node._retained or node._prehooks or node._posthooks:
        return False
    return not (want and any((id(node), nr) in want for nr in range(len(grads))))


def _materialize_zeros(node: Context, grads: list, create_graph: bool) -> None:
    """Replace each ZERO_GRAD among ``node``'s output gradients by zeros of that output."""
    meta = node._output_meta
    for nr, g in enumerate(grads):
        if g is ZERO_GRAD:
            grads[nr] = _zeros(meta[3 * nr], meta[3 * nr + 1], create_graph)


def _expect_leaf(pending: dict, leaf: Tensor) -> None:
    """Count one more edge into ``leaf``; its entry is ``[leaf, edges left, summed grad]``."""
    entry = pending.get(id(leaf))
    if entry is None:
        pending[id(leaf)] = [leaf, 1, None]
    else:
        entry[1] += 1


def _leaf_arrives(pending: dict, leaf: Tensor, g: Any) -> list | None:
    """Add one incoming gradient (None: that edge delivered nothing); the entry once final."""
    entry = pending[id(leaf)]
    entry[1] -= 1
    if g is not None and g is not _ACCUMULATED:  # _ACCUMULATED: the rule added it into entry[2]
        entry[2] = _sum(entry[2], g)
    if entry[1]:
        return None
    del pending[id(leaf)]
    return entry


def queue_callback(callback: Any) -> None:
    """Run ``callback()`` when the backward pass now running has finished.

    Call it from a hook during backward (PyTorch's ``Variable._execution_engine.queue_callback``):
    the callback runs after every gradient of that pass was accumulated, in the order queued.

    Examples
    --------
    >>> import autograd
    >>> from autograd.engine import queue_callback
    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
    >>> seen = []
    >>> h = x.register_hook(lambda g: queue_callback(lambda: seen.append(x.grad)))
    >>> (x * 3).sum().backward()
    >>> seen
    [tensor([3., 3.])]
    """
    stack = _callback_stack()
    if not stack:
        raise RuntimeError(
            "queue_callback: no backward pass is running; call it from a hook during backward"
        )
    if not callable(callback):
        raise TypeError(f"queue_callback: expected a callable, got {type(callback).__name__}")
    stack[-1].append(callback)


_local = threading.local()


def _callback_stack() -> list:
    """One list of queued callbacks per backward pass running in this thread (innermost last)."""
    stack = getattr(_local, "callbacks", None)
    if stack is None:
        stack = _local.callbacks = []
    return stack


def _count_dependents(roots: list) -> tuple[dict, dict]:
    """For every node reachable from ``roots``: how many edges of the graph point into it; and
    for every leaf reached, its pending-gradient entry (see ``_expect_leaf``)."""
    dependents = dict.fromkeys(roots, 0)
    pending: dict = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node._freed:
            raise RuntimeError(
                f"{node.name()}: trying to backward through the graph a second time (or directly "
                "access saved tensors after they have already been freed). Saved intermediate "
                "values of the graph are freed when you call .backward() or autograd.grad(). "
                "Specify retain_graph=True if you need to backward through the graph a second time."
            )
        for edge in node._next:
            if edge is None:
                continue
            if isinstance(edge, Tensor):
                _expect_leaf(pending, edge)
                continue
            parent = edge[0] if type(edge) is tuple else edge
            if parent in dependents:
                dependents[parent] += 1
            else:
                dependents[parent] = 1
                stack.append(parent)
    return dependents, pending


def _before_node(node: Context, grads: list, create_graph: bool, want: dict, captured: list):
    """Fill missing output grads with zeros, run tensor hooks, retain_grad and captures."""
    meta = node._output_meta  # per output: shape, dtype character, non-differentiable
    # None stays for a non-Tensor output (shape None), and for every output of a node that does
    # not materialize gradients (ctx.set_materialize_grads(False)).
    materialize = node._materialize
    for nr in range(len(grads)):
        if grads[nr] is None and materialize and meta[3 * nr] is not None:
            grads[nr] = np.zeros(meta[3 * nr], dtype=meta[3 * nr + 1])
            if create_graph:
                grads[nr] = Tensor._make(grads[nr])
    if node._hooks:
        for nr, hooks in node._hooks.items():
            if grads[nr] is not None:
                grads[nr] = _run_hooks(hooks, grads[nr], create_graph)
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr]
                g = g if isinstance(g, Tensor) else Tensor._make(g.copy())
                t._grad = g if t._grad is None else t._grad + g
    if want:
        for nr in range(len(grads)):
            keys = want.get((id(node), nr))
            if keys:
                for k in keys:
                    captured[k] = grads[nr]


def _call_backward(node: Context, grads: list, create_graph: bool) -> tuple:
    if node._prehooks:
        grads = list(_run_node_hooks(node, node._prehooks, (tuple(grads),), grads, create_graph))
    if node._tensor_mode:  # a user's Function: backward receives Tensors, as in PyTorch
        grads = [g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in grads]
    result = node._fn.backward(node, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != len(node._next):
        result = _gradient_per_input(node, result)
    if node._posthooks:
        meta = node._input_meta
        result = tuple(
            _zeros(meta[2 * i], meta[2 * i + 1], create_graph) if g is ZERO_GRAD else g
            for i, g in enumerate(result)
        )
        result = _run_node_hooks(node, node._posthooks, (result, tuple(grads)), result,
                                 create_graph)  # fmt: skip
    if grad_mode._state.anomaly:
        for i, g in enumerate(result):
            if g is None or g is ZERO_GRAD:
                continue
            if not np.all(np.isfinite(np.asarray(_raw(g)))):
                where = "".join(node._stack[-3:]) if node._stack else "(unknown)\n"
                raise RuntimeError(
                    f"Function '{node.name()}' returned nan/inf values in its "
                    f"{i}th output.\nThe forward call that created it:\n{where}"
                )
    return result


def _gradient_per_input(node: Context, result: tuple) -> tuple:
    """``result`` cut to one gradient per input of ``node``, or the error of a rule that returned
    the wrong number."""
    n = len(node._next)
    if len(result) > n and all(g is None for g in result[n:]):
        return result[:n]  # gradients for optional arguments that were not passed
    raise RuntimeError(
        f"{node._fn.__name__}.backward returned {len(result)} gradients, but forward took "
        f"{n} inputs; return one per input (None where there is none)"
    )


def _run_node_hooks(node: Context, hooks: list, args: tuple, current: Any, create_graph: bool):
    """Node hooks see Tensors (None stays None); a non-None result replaces ``current``."""

    def as_tensors(gs: Any) -> tuple:
        return tuple(g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in gs)

    current = tuple(current)
    for hook in list(hooks):
        out = hook(*(as_tensors(a) for a in args))
        if out is None:
            continue
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(current):
            raise RuntimeError(
                f"hook {getattr(hook, '__name__', hook)!r} on {node.name()} returned "
                f"{len(out)} gradients, expected {len(current)}"
            )
        current = tuple(
            g if g is None or create_graph else (g._array if isinstance(g, Tensor) else g)
            for g in out
        )
        args = (current, *args[1:])
    return current


def _raw(g: Any) -> Any:
    return g._array if isinstance(g, Tensor) else g


def _fit(node: Context, g: Any, shape: tuple, dtype: str) -> Any:
    """Un-broadcast ``g`` to the input's shape and cast it to the input's dtype (a character)."""
    if not isinstance(g, (np.ndarray, Tensor)):
        g = np.asarray(g, dtype=dtype)
    gshape = g.shape
    if gshape != shape:
        g = unbroadcast(g, shape)
        if g.shape != shape:
            raise RuntimeError(
                f"{node.name()}.backward returned a gradient of shape {tuple(gshape)} for an "
                f"input of shape {shape}"
            )
    if g.dtype.char != dtype:
        g = g.to(np.dtype(dtype)) if isinstance(g, Tensor) else g.astype(dtype)
    return g


#: Fewest elements of a gradient that :func:`unbroadcast` sums over its leading axes by a GEMV.
_GEMV_MIN_SIZE = 1024
_GEMV_DTYPE = np.dtype(np.float32)
_ones: dict[int, np.ndarray] = {}  # float32 vectors of ones, by length


def _leading_sums(g: np.ndarray, shape: tuple) -> np.ndarray | None:
    """``g`` summed over its leading axes to ``shape`` (a bias's gradient: ``(rows, n)`` to
    ``(n,)`` or ``(1, n)``) as one matrix-vector product ``ones @ g``, when that is the whole
    reduction and ``g`` a large enough C-contiguous float32 array of at least two columns; else
    None.

    NumPy's column sums add ``g`` row after row: a 1024 x 384 gradient took 36 us, the GEMV 15
    (1024 x 512: 78 -> 26), and the GEMV's sums are the more accurate of the two in float32
    (65 536 rows of 0.1: relative error 6.5e-5 against 6.2e-4). One column is a contiguous
    run, which NumPy sums pairwise (1.5e-7 against the GEMV's 9.7e-6): it keeps NumPy's sum,
    as a scalar parameter's gradient does. Float64 keeps NumPy's sums, whose rounding follows
    PyTorch's more closely: a float64 program trained by L-BFGS (which amplifies the last bits
    of a gradient over its line searches) drifted from PyTorch's printed losses in the ninth
    digit with the GEMV.
    """
    if g.size < _GEMV_MIN_SIZE or g.dtype != _GEMV_DTYPE or not g.flags.c_contiguous:
        return None
    extra = g.ndim - len(shape)
    k = extra  # the summed axes must be g's first k
    while k < g.ndim and shape[k - extra] == 1:
        k += 1
    if k == 0 or g.shape[k:] != shape[k - extra :]:
        return None
    rows = math.prod(g.shape[:k])
    if g.size // rows < 2:
        return None
    ones = _ones.get(rows)
    if ones is None:
        if len(_ones) >= 64:
            _ones.clear()
        ones = _ones[rows] = np.ones(rows, g.dtype)
    return np.matmul(ones, g.reshape(rows, g.size // rows)).reshape(shape)


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``g.shape``."""
    extra = g.ndim - len(shape)
    if extra < 0:
        return g
    if type(g) is np.ndarray:
        sums = _leading_sums(g, shape)
        if sums is not None:
            return sums
    if extra:
        g = g.sum(axis=tuple(range(extra)))
        if isinstance(g, np.generic):  # NumPy sums an array to a scalar at 0-d
            g = np.asarray(g)
    axes = tuple(i for i, (s, gs) in enumerate(zip(shape, g.shape)) if s == 1 and gs != 1)
    if axes:
        sums = _axis_sums(g, axes) if type(g) is np.ndarray else None
        g = g.sum(axis=axes, keepdims=True) if sums is None else sums
    return g


def _no_axis_sums(g: np.ndarray, axes: tuple) -> np.ndarray | None:
    return None


#: ``g.sum(axis=axes, keepdims=True)`` by a faster way, or None for NumPy's: the ops layer sets
#: its compiled sums over middle axes here (:func:`set_axis_sums`), the engine importing no
#: kernels.
_axis_sums: Callable[[np.ndarray, tuple], np.ndarray | None] = _no_axis_sums


def set_axis_sums(fn: Callable[[np.ndarray, tuple], np.ndarray | None]) -> None:
    """Let :func:`unbroadcast` sum a gradient over the axes it broadcast along with ``fn(g,
    axes)`` (NumPy's sums, bit for bit, or None where ``fn`` does not take them).

    Examples
    --------
    >>> import autograd
    >>> from autograd import engine
    >>> engine._axis_sums is not engine._no_axis_sums  # the ops layer's, since import
    True
    """
    global _axis_sums
    _axis_sums = fn


def _run_hooks(hooks: list | None, g: Any, create_graph: bool) -> Any:
    if not hooks:
        return g
    for hook in list(hooks):
        t = g if isinstance(g, Tensor) else Tensor._make(g)
        new = hook(t)
        if new is not None:
            if not isinstance(new, Tensor) or new.shape != t.shape:
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} must return None or a Tensor of "
                    f"shape {t.shape}, got {new!r:.80}"
                )
            g = new if create_graph else new._array
    return g


def _accumulate(leaf: Tensor, g: Any, create_graph: bool) -> None:
    current = leaf._grad
    if create_graph:
        g = g if isinstance(g, Tensor) else Tensor._make(g)
        leaf._grad = g if current is None else current + g
        return
    if current is None:
        # The same array may be routed to several leaves or belong to the caller: copy it,
        # unless nothing else can see it (a fresh array referenced only from this call chain).
        # A row-major leaf gets a row-major gradient, as in PyTorch, so that optimizers and
        # later accumulations run on it without a copy.
        row_major = leaf._array.flags.c_contiguous
        if _owned(g) and g.dtype == leaf.dtype and (g.flags.c_contiguous or not row_major):
            leaf._grad = Tensor._make(g)
        else:
            order = "C" if row_major else "K"
            leaf._grad = Tensor._make(np.array(g, dtype=leaf.dtype, copy=True, order=order))
    elif current.grad_fn is not None or current._requires_grad:
        leaf._grad = Tensor._make(current._array + g)
    else:
        current._array += g
        current._vc[0] += 1


def _owned(g: Any) -> bool:
    """Whether ``g`` is a writable array that only the engine references, owning its memory or
    viewing the whole of an array that only it references (a transposed product, say).

    References when called from ``_accumulate``: its parameter, the caller's local, and
    ``getrefcount``'s own argument, the baseline ``_OWNED_REFS`` measured below; a base array
    has the view's reference, the local ``base`` and ``getrefcount``'s (``_BASE_REFS``).
    """
    if type(g) is not np.ndarray or not g.flags.writeable:
        return False
    if sys.getrefcount(g) > _OWNED_REFS + 1:
        return False
    if g.flags.owndata:
        return True
    base = g.base
    return (
        type(base) is np.ndarray
        and base.flags.owndata
        and base.size == g.size
        and (g.flags.c_contiguous or g.flags.f_contiguous)  # each element of base, once
        and sys.getrefcount(base) <= _BASE_REFS
    )


def _refs_in_callee(x: Any) -> int:
    return sys.getrefcount(x)


def _refs_baseline() -> int:
    x = np.empty(1)
    return _refs_in_callee(x)


def _slot_refs_baseline() -> int:
    slot = [np.empty(1)]
    return _refs_in_callee(slot[0])


def _base_refs_baseline() -> int:
    view = np.empty((1, 2)).T
    base = view.base
    return sys.getrefcount(base)


_OWNED_REFS = _refs_baseline()
_BASE_REFS = _base_refs_baseline()
_SLOT_REFS = _slot_refs_baseline()
_gc_pacing.install()
