"""``autograd.compile``: record the ops a function runs, then replay them without the Tensor layer.

Eager execution pays, per op, for what makes it eager: wrapping arrays in Tensors, recording a
graph node with its edges and metadata, and, in backward, an engine that discovers the graph
and routes each gradient. A function that runs the same ops on the same shapes every call (a
model's forward, a recurrent cell over a fixed number of steps) can pay for that once.

How
---
A call records the primitives it runs (each ``Function.apply`` of an array-mode primitive: its
class, where each argument came from, its other arguments) while running eagerly. A second
call with the same guards records again; when the two recordings agree, the third call and
every one after it replays: each primitive's ``forward`` runs on arrays, in the recorded order,
and the outputs come back as Tensors of one graph node, whose backward runs the primitives'
``backward`` rules in reverse order, summing and un-broadcasting gradients as the engine does.
The results are the eager ones (the same rules on the same arrays; a gradient that three or
more uses sum may round differently, as the order of the sum may differ). A replay holds each
intermediate array only until the last primitive that reads it, as eager code drops its
temporaries (what a rule saves for the backward, its context keeps): its peak memory is the
eager call's, and new arrays reuse memory still in cache.

Guards and fallbacks
--------------------
A recording is keyed by what the call can see cheaply: each Tensor argument's shape, dtype and
``requires_grad``, every other argument's value, grad mode, and, for a module, its modules'
``training`` flags and the identity of its parameters and buffers. Tensors the function reads
without receiving them (a module's parameters, a closure's tensors) are bound as objects: their
values may change between calls (an optimizer step), their shapes and dtypes may not. A tensor
passed as an argument and also read by the function on its own (from a closure) is one tensor to
a recording, read from the argument in a replay: pass such a tensor one way only (a module's
own parameters and buffers passed as arguments make it run eagerly).

A function is run eagerly, every time, for a key whose recordings show anything a replay could
not repeat: a Tensor value read into Python (``item``, ``bool``, ``tolist``, ``numpy``,
NumPy conversion: the control flow may depend on it), a tensor made inside the call outside a
primitive (``zeros``, ``rand``, a comparison or ``argmax``, which make their tensors directly:
a new object each call), an in-place change of any
tensor (any Tensor alive is compared before and after a recorded call), a ``backward`` or another
change of a ``.grad``, a hook, a user's ``Function`` in tensor mode, two recordings that differ,
or outputs that are not Tensors made by the call. Calls under ``no_grad`` or anomaly detection run
eagerly too. Under a dual level (forward-mode AD) a replay gives its outputs tangents through
each primitive's forward-mode rule. Higher-order gradients through a replayed call are not
available: its backward raises with ``create_graph=True`` (call the function itself for those).
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _gc_pacing, grad_mode
from .engine import _addable, _fit, _sum
from .function import (
    _ACCUMULATED,
    ZERO_GRAD,
    ArrayFunction,
    Function,
    _as_array,
    _backward_offering,
    _Stacked,
)
from .tensor import Tensor

__all__ = ["compile"]

_new = object.__new__
_local = threading.local()

#: Guard keys a compiled function records at most; calls with further keys (input shapes that
#: keep changing) run eagerly.
MAX_KEYS = 64

# Tensor methods that hand a value to Python: reading one during a recording makes it eager.
_VALUE_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__",
                "__array__", "__complex__")  # fmt: skip


class _Op:
    """One recorded primitive: where each argument comes from, and its output slots; plus what
    a replay reads without looking it up again (the arguments' slots, where gradients go)."""

    __slots__ = ("fn", "node", "args", "kwargs", "needs", "outs", "single", "in_meta", "out_meta",
                 "forward", "backward", "slots", "fill", "template", "grads_to",
                 "accumulates")  # fmt: skip

    def __init__(self, fn: type, args: tuple, kwargs: dict, needs: tuple, outs: tuple,
                 single: bool, in_meta: tuple, out_meta: tuple) -> None:  # fmt: skip
        self.fn, self.node, self.args, self.kwargs = fn, fn._node, args, kwargs
        self.needs, self.outs, self.single = needs, outs, single
        self.in_meta, self.out_meta = in_meta, out_meta
        self.forward, self.backward = fn.forward, fn.backward
        self.accumulates = fn._accumulates
        # All arguments Tensors: their slots; otherwise constants with slots filled in.
        every = all(kind == "s" for kind, _ in args)
        self.slots = tuple(v for _, v in args) if every else None
        self.fill = tuple((j, v) for j, (kind, v) in enumerate(args) if kind == "s")
        self.template = tuple(None if kind == "s" else v for kind, v in args)
        self.grads_to = tuple(
            (j, v, *in_meta[j])
            for j, ((kind, v), need) in enumerate(zip(args, needs))
            if kind == "s" and need
        )


class _Recording:
    """What one eager call ran, as a program over numbered array slots.

    Slots ``0 .. n_inputs - 1`` are the call's Tensor arguments, then each external Tensor in the
    order first met, then each primitive's outputs. An argument of an op is ``("s", slot)`` or
    ``("c", value)`` for anything that is not a Tensor.
    """

    def __init__(self, inputs: list[Tensor]) -> None:
        self.slot: dict[int, int] = {}
        self.tensors: list[Tensor] = []  # every Tensor seen, kept alive so ids stay unique
        self.versions: list[int] = []
        self.externals: list[Tensor] = []
        self.ops: list[_Op] = []
        self.saved: set[int] = set()
        self.bad: str | None = None
        for t in inputs:
            if id(t) in self.slot:
                self.bad = "the same Tensor is passed twice"
            self._add(t)
        self.n_inputs = len(inputs)

    def _add(self, t: Tensor) -> int:
        k = self.slot[id(t)] = len(self.tensors)
        self.tensors.append(t)
        self.versions.append((t._vc, t._vc[0]))
        return k

    def record(self, fn: type, args: tuple, kwargs: dict, out: Any) -> None:
        if self.bad:
            return
        if not fn._array_mode:
            self.bad = f"{fn.__name__} is a Function in tensor mode"
            return
        srcs = []
        for a in args:
            if isinstance(a, Tensor):
                k = self.slot.get(id(a))
                if k is None:
                    k = self._add(a)
                    self.externals.append(a)
                srcs.append(("s", k))
            else:
                srcs.append(("c", a))
        outs = out if isinstance(out, tuple) else (out,)
        node = next((o.grad_fn for o in outs if isinstance(o, Tensor) and o.grad_fn), None)
        needs = node.needs_input_grad if node is not None else (False,) * len(args)
        in_meta = tuple(
            (a.shape, a._array.dtype.char) if isinstance(a, Tensor) else None for a in args
        )
        slots, out_meta = [], []
        for o in outs:
            if not isinstance(o, Tensor):
                self.bad = f"{fn.__name__} returned a {type(o).__name__}"
                return
            slots.append(self._add(o))
            out_meta.append((o.shape, o._array.dtype.char, not o.requires_grad))
        self.ops.append(_Op(fn, tuple(srcs), kwargs, tuple(needs), tuple(slots),
                            not isinstance(out, tuple), in_meta, tuple(out_meta)))  # fmt: skip
        # The call's own and bound tensors that a rule saved: version-checked at backward, as
        # the eager graph checks them.
        for src in node._saved_src if node is not None else ():
            if src is not None and src[0] == "in" and srcs[src[3]][0] == "s":
                self.saved.add(srcs[src[3]][1])

    def finish(self, result: Any) -> None:
        """Check what only the end of the call shows; name the outputs' slots."""
        self.outputs = ()
        if self.bad:
            return
        outs: list = []
        self.structure = _flatten(result, outs)
        if self.structure is None or not outs:
            self.bad = "the function returned something other than (tuples or lists of) Tensors"
            return
        made = set(range(len(self.tensors))) - set(range(self.n_inputs))
        made -= {self.slot[id(t)] for t in self.externals}
        slots = tuple(self.slot.get(id(o), -1) for o in outs)
        if any(k not in made for k in slots) or len(set(slots)) < len(slots):
            self.bad = "an output is not a distinct Tensor made by the call"
            return
        for t, (counter, v) in zip(self.tensors, self.versions):
            # A view made after its op recorded it shares its base's counter from then on: the
            # base (an argument of that op, so recorded too) answers for both.
            if t._vc is counter and counter[0] != v:
                self.bad = "a tensor was changed in place"
                return
            if t._hooks or t._retains_grad or t._post_accumulate_hooks:
                if self.slot[id(t)] >= self.n_inputs:
                    self.bad = "a tensor has a hook or retains its gradient"
                    return
        for t in self.tensors[self.n_inputs :]:
            node = t.grad_fn
            if node is not None and (node._hooks or node._prehooks or node._posthooks):
                self.bad = "a graph node has a hook"
                return
        self.outputs = slots
        self.ext_slots = tuple(self.slot[id(t)] for t in self.externals)
        self.n_slots = len(self.tensors)
        # Only the program is kept: the call's tensors (its graph) go with the call.
        self.tensors = self.versions = self.slot = None  # type: ignore[assignment]

    def same_as(self, other: _Recording) -> bool:
        """Whether two recordings ran the same program on the same external tensors."""
        if len(self.ops) != len(other.ops) or self.outputs != other.outputs:
            return False
        if self.structure != other.structure:
            return False
        if len(self.externals) != len(other.externals):
            return False
        if any(a is not b for a, b in zip(self.externals, other.externals)):
            return False
        for a, b in zip(self.ops, other.ops):
            if a.fn is not b.fn or a.outs != b.outs or a.needs != b.needs:
                return False
            if a.out_meta != b.out_meta or not _same_values(a.kwargs, b.kwargs):
                return False
            if len(a.args) != len(b.args):
                return False
            for (ka, va), (kb, vb) in zip(a.args, b.args):
                if ka != kb or (va != vb if ka == "s" else not _same_values(va, vb)):
                    return False
        return True


def _flatten(result: Any, leaves: list) -> Any:
    """The nesting of tuples and lists around ``result``'s Tensors (appended to ``leaves``), or
    None when it holds anything else."""
    if isinstance(result, Tensor):
        leaves.append(result)
        return True
    if isinstance(result, (tuple, list)):
        parts = tuple(_flatten(r, leaves) for r in result)
        return None if None in parts else (type(result), parts)
    return None


def _unflatten(structure: Any, leaves: Any) -> Any:
    if structure is True:
        return next(leaves)
    kind, parts = structure
    items = [_unflatten(p, leaves) for p in parts]
    if kind is tuple or kind is list:
        return kind(items)
    return kind(*items)  # a named tuple (``max(dim=...)``'s values and indices)


def _same_values(a: Any, b: Any) -> bool:
    """Equality of recorded non-Tensor arguments; arrays by value, anything odd as unequal."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_values(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or a is b
    except Exception:  # an object whose == is not a truth value
        return a is b


# --------------------------------------------------------------------------------------------
# Recording: Function.apply and the value reads are wrapped while a call records


def _recording_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    out = _REAL_APPLY(cls, *args, **kwargs)
    rec = getattr(_local, "recording", None)
    if rec is not None:
        rec.record(cls, args, kwargs, out)
    return out


def _value_read(name: str) -> Callable:
    real = getattr(Tensor, name)

    @functools.wraps(real)
    def read(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        rec = getattr(_local, "recording", None)
        if rec is not None and not rec.bad:
            rec.bad = f"Tensor.{name} read a value into Python"
        return real(self, *args, **kwargs)

    return read


class _Detach(ArrayFunction):
    """``Tensor.detach`` as a recorded primitive: the same array, outside the graph."""

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return None

    @staticmethod
    def jvp(ctx, t):
        return None  # a detached tensor carries no tangent either


def _recording_detach(self: Tensor) -> Tensor:
    out = _REAL_DETACH(self)
    rec = getattr(_local, "recording", None)
    if rec is not None:
        rec.record(_Detach, (self,), {}, out)
    return out


_REAL_DETACH = Tensor.detach
_REAL_APPLY = Function.apply.__func__  # type: ignore[attr-defined]
_swap_lock = threading.Lock()
_swapped = 0  # recordings in progress (any thread)


def _live_tensors() -> list[tuple]:
    """Every Tensor alive, with what a call could change of it without a primitive: its version,
    its gradient, whether it requires grad. A recording compares these before and after the call,
    so an in-place change, a ``backward`` or a ``.grad`` assignment anywhere makes it eager."""
    # By type, not isinstance: a dead weak proxy among the objects would raise on the latter.
    # Objects the GC pacing sets aside while a large graph is recorded are listed only so.
    with _gc_pacing.everything_listed():
        objects = gc.get_objects()
    return [
        (t, t._vc, t._vc[0], t._grad, t._requires_grad)
        for t in objects
        if issubclass(type(t), Tensor)
    ]


def _changed(before: list[tuple]) -> bool:
    for t, counter, version, grad, requires_grad in before:
        if t._vc is counter and counter[0] != version:
            return True
        if t._grad is not grad or t._requires_grad != requires_grad:
            return True
    return False


def _record(fn: Callable, args: tuple, kwargs: dict, inputs: list[Tensor]) -> tuple:
    """Run ``fn`` eagerly, recording what it runs; returns (its result, the recording)."""
    global _swapped
    rec = _Recording(inputs)
    before = _live_tensors()
    grad_enabled = grad_mode._state.grad_enabled
    with _swap_lock:
        if _swapped == 0:
            Function.apply = classmethod(_recording_apply)  # type: ignore[method-assign]
            Tensor.detach = _recording_detach  # type: ignore[method-assign]
            for name in _VALUE_READS:
                if hasattr(Tensor, name):
                    setattr(Tensor, name, _READS[name])
        _swapped += 1
    _local.recording = rec
    state = grad_mode._state
    was_recording, state.recording = state.recording, True
    try:
        result = fn(*args, **kwargs)
    finally:
        _local.recording = None
        state.recording = was_recording
        with _swap_lock:
            _swapped -= 1
            if _swapped == 0:
                Function.apply = classmethod(_REAL_APPLY)  # type: ignore[method-assign]
                Tensor.detach = _REAL_DETACH  # type: ignore[method-assign]
                for name in _VALUE_READS:
                    if name in _REAL_READS:
                        setattr(Tensor, name, _REAL_READS[name])
    if not rec.bad and _changed(before):
        rec.bad = "a tensor alive before the call was changed (in place, its grad, requires_grad)"
    if not rec.bad and grad_mode._state.grad_enabled != grad_enabled:
        rec.bad = "the call changed grad mode"
    before = None
    rec.finish(result)
    return result, rec


_REAL_READS = {name: getattr(Tensor, name) for name in _VALUE_READS if hasattr(Tensor, name)}
_READS = {name: _value_read(name) for name in _REAL_READS}


# --------------------------------------------------------------------------------------------
# Replay


class _Program:
    """A recording that replays: its ops, and which bound tensors it reads."""

    def __init__(self, rec: _Recording) -> None:
        self.ops = rec.ops
        self.n_slots = rec.n_slots
        self.n_inputs = rec.n_inputs
        self.externals = rec.externals
        self.ext_meta = tuple(
            (t.shape, t._array.dtype.char, t.requires_grad) for t in rec.externals
        )
        self.outputs = rec.outputs
        self.structure = rec.structure
        meta = {k: m for op in rec.ops for k, m in zip(op.outs, op.out_meta)}
        self.out_meta = tuple(meta[k] for k in rec.outputs)
        # Per op, the slots no later op reads and the call does not return: the replay lets
        # their arrays go after it, as eager code drops its temporaries (whatever a rule saved
        # for the backward, its context keeps). Without this every intermediate of the call
        # stays alive to its end, and each new array comes from fresh, cache-cold memory.
        last: dict[int, int] = {}
        for i, op in enumerate(rec.ops):
            for kind, v in op.args:
                if kind == "s":
                    last[v] = i
            for k in op.outs:
                last.setdefault(k, i)  # an output nothing reads goes at once
        kept = set(rec.outputs)
        dead: list[list[int]] = [[] for _ in rec.ops]
        for k, i in last.items():
            if k not in kept:
                dead[i].append(k)
        self.dead = tuple(tuple(d) for d in dead)
        # Slots of the arguments of CompiledFunction.apply: the inputs, then the externals.
        self.arg_slots = tuple(range(rec.n_inputs)) + rec.ext_slots
        self.saved = tuple(i for i, k in enumerate(self.arg_slots) if k in rec.saved)
        # Per op, per argument that is a matrix of _Stacked.min_entries or more: how many
        # gradients its slot gets from this op and the ops before it (whose rules the backward
        # runs later), when more than this one, so that a product's gradient may come back
        # stacked (see autograd.function._Stacked), else 0 (self.more; None: no such argument).
        # self.stacks: whether the backward offers stacking to the op at all.
        sent: dict[int, int] = {}
        more: list[tuple | None] = []
        stacks: list[bool] = []
        for op in rec.ops:
            uses = [0] * len(op.args)
            big = False
            for j, v, shape, _ in op.grads_to:
                sent[v] = sent.get(v, 0) + 1
                if len(shape) == 2 and shape[0] * shape[1] >= _Stacked.min_entries:
                    big = True
                    uses[j] = sent[v] if sent[v] > 1 else 0
            more.append(tuple(uses) if any(uses) else None)
            stacks.append(big and op.accumulates)
        self.more = tuple(more)
        self.stacks = tuple(stacks)

    def externals_unchanged(self) -> bool:
        for t, (shape, char, rg) in zip(self.externals, self.ext_meta):
            if t._array.shape != shape or t._array.dtype.char != char or t._requires_grad != rg:
                return False
        return True


class CompiledFunction(ArrayFunction):
    """The graph node of a replayed call: forward runs the recorded primitives' forwards, backward
    their backward rules in reverse order."""

    node_name = "CompiledFunctionBackward"

    @staticmethod
    def forward(ctx, program, *arrays):
        S: list = [None] * program.n_slots
        for k, a in zip(program.arg_slots, arrays):
            S[k] = a
        ctxs = []
        # Forward mode reads every slot after the call (ctx.slot_values): nothing goes then.
        release = grad_mode._state.tangents is None
        for op, dead in zip(program.ops, program.dead):
            c = _new(op.node)
            c._fn = op.fn
            c.needs_input_grad = op.needs
            if op.slots is not None:
                vals = [S[k] for k in op.slots]
            else:
                vals = list(op.template)
                for j, k in op.fill:
                    vals[j] = S[k]
            out = op.forward(c, *vals, **op.kwargs) if op.kwargs else op.forward(c, *vals)
            if op.single:
                S[op.outs[0]] = out if type(out) is np.ndarray else _as_array(out, op.fn)
            else:
                for k, o in zip(op.outs, out):
                    S[k] = o if type(o) is np.ndarray else _as_array(o, op.fn)
            ctxs.append(c)
            if release:
                for k in dead:
                    S[k] = None
        # The per-op state rides in the saved tuple, which the engine drops after a backward
        # that does not retain the graph; the inputs saved with it are version-checked.
        ctx.save_for_backward(*(arrays[i] for i in program.saved), ctxs)
        ctx.program = program
        if grad_mode._state.tangents is not None:
            ctx.slot_values = S  # for the forward-mode rule, which runs next
        outs = tuple(S[k] for k in program.outputs)
        ctx.mark_non_differentiable(*(o for o, m in zip(outs, program.out_meta) if m[2]))
        return outs if len(outs) > 1 else outs[0]

    @staticmethod
    def jvp(ctx, program, *tangents):
        # Forward mode through the recorded primitives: each one's rule, in order, on the
        # tangents of its arguments (None: zero).
        S, ctxs = ctx.slot_values, ctx._saved[-1]
        T: list = [None] * program.n_slots
        for k, t, has in zip(program.arg_slots, tangents, ctx.has_tangent[1:]):
            T[k] = t if has else None
        for op, c in zip(program.ops, ctxs):
            incoming = [T[v] if kind == "s" else None for kind, v in op.args]
            if all(t is None for t in incoming):
                continue
            c.primals = tuple(S[v] if kind == "s" else v for kind, v in op.args)
            c.has_tangent = tuple(t is not None for t in incoming)
            arrays = [
                v if kind != "s"
                else t if t is not None
                else np.zeros_like(S[v]) if S[v].dtype.kind == "f" else S[v]
                for (kind, v), t in zip(op.args, incoming)
            ]  # fmt: skip
            out = op.fn.jvp(c, *arrays, **op.kwargs)
            for k, t in zip(op.outs, out if isinstance(out, tuple) else (out,)):
                if t is not None and S[k].dtype.kind == "f":
                    T[k] = np.broadcast_to(np.asarray(t, dtype=S[k].dtype), S[k].shape)
        outs = tuple(T[k] for k in program.outputs)
        return outs if len(outs) > 1 else outs[0]

    @staticmethod
    def backward(ctx, *grads):
        program = ctx.program
        *_, ctxs = ctx.saved_tensors
        if any(isinstance(g, Tensor) for g in grads):
            raise RuntimeError(
                "a call replayed by autograd.compile has no graph for higher-order gradients "
                "(backward with create_graph=True); call the function itself for those"
            )
        G: list = [None] * program.n_slots
        for k, g in zip(program.outputs, grads):
            G[k] = g
        ops = program.ops
        for i in range(len(ops) - 1, -1, -1):
            op = ops[i]
            if op.single:
                g = G[op.outs[0]]
                if g is None:
                    continue
                if type(g) is _Stacked:
                    g = g.value()
                zero = g is ZERO_GRAD
                gs = [g]
            else:
                gs = [g.value() if type(g) is _Stacked else g for g in (G[k] for k in op.outs)]
                if all(g is None for g in gs):
                    continue
                zero = all(g is ZERO_GRAD or g is None for g in gs)
            if zero:
                # Only exact zeros arrived: they pass on without the rule, as in the engine.
                for _, v, _, _ in op.grads_to:
                    if G[v] is None:
                        G[v] = ZERO_GRAD
                for k in op.outs:
                    G[k] = None
                continue
            c = ctxs[i]
            if not op.single:
                for nr, g in enumerate(gs):
                    if g is ZERO_GRAD or (g is None and c._materialize):
                        shape, char, _ = op.out_meta[nr]
                        gs[nr] = np.zeros(shape, dtype=char)
            if op.accumulates:  # as in the engine: the rule may add into a sum already there
                stack = _stack_offer(op, G, program.more[i]) if program.stacks[i] else None
                result = _backward_offering(c, _grad_sums(op, G), *gs, stack=stack)
            else:
                result = op.backward(c, *gs)
            gs = None
            if type(result) is not tuple:
                result = (result,)
            for j, v, shape, char in op.grads_to:
                g = result[j] if j < len(result) else None
                if g is None or g is _ACCUMULATED:  # _ACCUMULATED: already added into G[v]
                    continue
                if (
                    g is not ZERO_GRAD
                    and not (type(g) is np.ndarray and g.shape == shape and g.dtype.char == char)
                    and type(g) is not _Stacked  # a stacked product fits by construction
                ):
                    g = _fit(c, g, shape, char)
                # As the engine calls it (a sum may then be made in place).
                G[v] = g if G[v] is None else _sum(G[v], g)
            result = None
            for k in op.outs:
                G[k] = None  # done with: let the arrays go
        grads = (G[k] for k in program.arg_slots)
        return (None, *(g.value() if type(g) is _Stacked else g for g in grads))


def _stack_offer(op: _Op, G: list, more: tuple | None) -> tuple | None:
    # Per argument of op, the uses still to deliver when its product's gradient may come back
    # stacked (more ops send gradients to its slot, or the slot's sum is a stack already; see
    # autograd.engine._grad_sums), else 0.
    uses = None
    for j, v, _, _ in op.grads_to:
        if type(G[v]) is _Stacked:
            if uses is None:
                uses = list(more) if more is not None else [0] * len(op.args)
            uses[j] = max(uses[j], 1)
    return more if uses is None else tuple(uses)


def _grad_sums(op: _Op, G: list) -> tuple | None:
    # Per argument of op, the gradient summed so far in its slot when the rule may add into it
    # in place (see autograd.engine._grad_sums); None when there is none.
    sums = None
    for j, v, shape, char in op.grads_to:
        total = _addable(G[v], shape, char)
        if total is not None:
            if sums is None:
                sums = [None] * len(op.args)
            sums[j] = total
    return None if sums is None else tuple(sums)


class Compiled:
    """What :func:`compile` returns: calls ``fn`` through recordings and replays (see the
    module docstring); any other attribute is ``fn``'s (a compiled module still has its
    ``parameters()``, ``train()``, ``state_dict()``)."""

    def __init__(self, fn: Callable) -> None:
        self.__dict__["_fn"] = fn
        self.__dict__["_entries"] = {}
        self.__dict__["__wrapped__"] = fn
        for name in ("__module__", "__name__", "__qualname__", "__doc__"):
            if hasattr(fn, name):
                self.__dict__[name] = getattr(fn, name)

    def __getattr__(self, name: str) -> Any:
        fn = self.__dict__.get("_fn")
        if fn is None:  # while copy or pickle rebuilds an instance
            raise AttributeError(name)
        return getattr(fn, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["_fn"], name, value)

    def __repr__(self) -> str:
        return f"Compiled({self.__dict__['_fn']!r})"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fn = self.__dict__["_fn"]
        state = grad_mode._state
        if not state.grad_enabled or state.anomaly or getattr(_local, "recording", None):
            return fn(*args, **kwargs)
        key, inputs = _guard_key(fn, args, kwargs)
        if key is None:
            return fn(*args, **kwargs)
        entries = self.__dict__["_entries"]
        entry = entries.get(key)
        if entry is None and len(entries) >= MAX_KEYS:
            return fn(*args, **kwargs)  # shapes that keep changing: no more recordings
        if isinstance(entry, _Program):
            if entry.externals_unchanged():
                return _replay(entry, inputs)
            entry = None
        if entry == "eager":
            return fn(*args, **kwargs)
        result, rec = _record(fn, args, kwargs, inputs)
        if not rec.bad and _binds_an_input(fn, inputs):
            rec.bad = "an argument is also one of the module's parameters or buffers"
        if rec.bad:
            entries[key] = "eager"
        elif entry is None:
            entries[key] = rec
        elif rec.same_as(entry):
            entries[key] = _Program(rec)
        else:
            entries[key] = "eager"
        return result


def _replay(program: _Program, inputs: list[Tensor]) -> Any:
    out = CompiledFunction.apply(program, *inputs, *program.externals)
    if program.structure is True:
        return out
    return _unflatten(program.structure, iter(out if isinstance(out, tuple) else (out,)))


def _binds_an_input(fn: Callable, inputs: list[Tensor]) -> bool:
    # A tensor the function both receives and reads by itself would be read from the argument
    # of later calls too: for a module, its own parameters and buffers are refused as arguments.
    ids = {id(t) for t in inputs}
    for name in ("parameters", "buffers"):
        get = getattr(fn, name, None)
        if callable(get) and any(id(t) in ids for t in get()):
            return True
    return False


def _guard_key(fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, list[Tensor]]:
    """The recording key of a call, and its Tensor arguments in order (None: not keyable)."""
    parts: list = []
    inputs: list[Tensor] = []
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            inputs.append(a)
            parts.append((a.shape, a._array.dtype.char, a._requires_grad))
        else:
            try:
                hash(a)
            except TypeError:
                return None, inputs
            parts.append((type(a), a))
    parts.append(tuple(kwargs))
    modules = getattr(fn, "modules", None)
    if callable(modules):
        for m in modules():
            parts.append(getattr(m, "training", None))
        for name in ("parameters", "buffers"):
            get = getattr(fn, name, None)
            if callable(get):
                parts.append(tuple(id(t) for t in get()))
    return tuple(parts), inputs


def compile(
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict | None = None,
    disable: bool = False,
) -> Any:
    """Speed up a function or module that runs the same ops on the same shapes every call, by
    recording its primitives once and replaying them on arrays (PyTorch's ``torch.compile``).

    The first two calls with the same guards run eagerly and record; when they agree, later
    calls replay: each primitive's forward in order, and in backward one graph node running
    their backward rules, with none of the per-op Tensor and graph bookkeeping. Results and
    gradients are those of the eager calls. A call that a replay could not repeat (reading a
    value into Python, making or changing tensors outside the primitives, hooks; see
    ``autograd._compile``) runs eagerly, as does any call under ``no_grad``.

    Parameters
    ----------
    model : callable, optional
        A function of Tensors or a module; omitted, ``compile`` returns a decorator.
    fullgraph, dynamic, backend, mode, options
        PyTorch's tuning arguments, accepted for portability: there is one way to compile here.
    disable : bool
        Return ``model`` itself, uncompiled.

    Returns
    -------
    Compiled
        Callable as ``model`` is; other attributes are ``model``'s.

    Examples
    --------
    >>> import autograd
    >>> w = autograd.ones(3, requires_grad=True)
    >>> @autograd.compile
    ... def f(x):
    ...     return ((x * w).tanh() * 2).sum()
    >>> for _ in range(3):  # two recordings, then replays
    ...     y = f(autograd.ones(3))
    ...     y.backward()
    >>> y.grad_fn.name()
    'CompiledFunctionBackward'
    >>> w.grad  # three calls' gradients, 2 * (1 - tanh(1) ** 2) each
    tensor([2.5198, 2.5198, 2.5198])
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)  # fmt: skip
    if not callable(model):
        raise TypeError(f"compile: model must be callable, got {type(model).__name__}")
    if disable:
        return model
    return Compiled(model)
