"""Function and Context: the one way a differentiable op is made, for the library and for users.

A ``Function`` subclass writes ``forward(ctx, *args)`` on NumPy arrays (every Tensor argument
arrives as its array) and ``backward(ctx, *grad_outputs)``. ``backward`` receives arrays and
returns arrays in the common case; when the engine runs with ``create_graph=True`` it receives
Tensors instead (and ``ctx.saved_tensors`` gives Tensors connected to the graph), so a backward
written with operators and methods that arrays and Tensors share -- ``g * (1 - y * y)``,
``g @ w.T``, ``.sum(axis, keepdims=True)``, ``np.exp(x)`` -- is itself differentiable.

The engine un-broadcasts the returned gradients to each input's shape and accumulates them;
a backward never repeats that logic.
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

from . import grad_mode
from .tensor import Tensor


class Context:
    """What ``forward`` leaves for ``backward``; it is also the graph node (``tensor.grad_fn``).

    Attributes
    ----------
    needs_input_grad : tuple of bool
        For each argument of ``apply``: whether a gradient for it is wanted.

    Examples
    --------
    >>> import autograd
    >>> class Scale(autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, k):
    ...         ctx.k = k
    ...         return x * k
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g * ctx.k, None  # k is a plain number: no gradient
    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Scale.apply(x, 3.0)
    >>> y.grad_fn.needs_input_grad
    (True, False)
    >>> y.sum().backward()
    >>> x.grad
    tensor([3., 3.])
    """

    # Class-level defaults keep node creation cheap: an instance only stores what differs.
    _saved: tuple | None = ()
    _saved_src: tuple = ()
    _create_graph = False
    _freed = False
    _non_differentiable: tuple = ()
    # Per input: None (no gradient wanted), a leaf Tensor, the grad_fn of output 0, or
    # (grad_fn, output_nr). Metadata is flat and holds dtype characters, not dtypes: tuples of
    # atoms nested at most two deep, which the collector's young passes stop tracking before they
    # grow old, so a live node costs its full collections two containers (itself and its edges)
    # rather than seven (see autograd/_gc_pacing.py).
    _next: tuple = ()
    _input_meta: tuple = ()  # per input: shape, dtype.char (None, None: no gradient wanted)
    _output_meta: tuple = ()  # per output: shape, dtype.char, non_differentiable
    _hooks: dict[int, list] | None = None
    _retained: dict[int, Any] | None = None
    _stack: list[str] | None = None
    _prehooks: list | None = None  # node hooks (register_prehook / register_hook)
    _posthooks: list | None = None
    _metadata: dict | None = None
    _tangents: tuple | None = None  # (input tangents, output tangents) under a dual level

    def __init__(self, fn: type[Function], needs_input_grad: tuple[bool, ...]) -> None:
        self._fn = fn
        self.needs_input_grad = needs_input_grad

    def name(self) -> str:
        """PyTorch's name of this node: ``"MulBackward0"`` for the Function ``Mul``.

        Examples
        --------
        >>> import autograd
        >>> (autograd.ones(2, requires_grad=True) * 2).grad_fn.name()
        'MulBackward0'
        """
        return f"{self._fn.__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """Per argument of the forward call, ``(node, output_nr)``: where its gradient goes --
        the node that made it, an :class:`AccumulateGrad` node for a leaf that requires grad,
        or ``(None, 0)``.

        Examples
        --------
        >>> import autograd
        >>> x = autograd.ones(2, requires_grad=True)
        >>> y = (x * 2).sum()
        >>> y.grad_fn.next_functions[0][0].name()
        'MulBackward0'
        >>> y.grad_fn.next_functions[0][0].next_functions[0][0].variable is x
        True
        """
        out = []
        for edge in self._next:
            if edge is None:
                out.append((None, 0))
            elif isinstance(edge, Tensor):
                out.append((AccumulateGrad(edge), 0))
            elif type(edge) is tuple:
                out.append(edge)
            else:
                out.append((edge, 0))
        return tuple(out)

    @property
    def metadata(self) -> dict:
        """A dict for the user's own notes on this node (PyTorch's ``grad_fn.metadata``)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_prehook(self, hook: Any) -> Any:
        """Call ``hook(grad_outputs)`` before this node's backward; a non-None result (a tuple)
        replaces the gradients with respect to the node's outputs.

        Examples
        --------
        >>> import autograd
        >>> x = autograd.ones(2, requires_grad=True)
        >>> y = x * 3
        >>> h = y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
        >>> y.sum().backward()
        >>> x.grad
        tensor([30., 30.])
        """
        return self._add_node_hook("_prehooks", hook)

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's backward; a non-None
        result (a tuple) replaces the gradients it passes on to its inputs.

        Examples
        --------
        >>> import autograd
        >>> x = autograd.ones(2, requires_grad=True)
        >>> y = x * 3
        >>> h = y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, gi[1]))  # gi[1]: the 3
        >>> y.sum().backward()
        >>> x.grad
        tensor([4., 4.])
        """
        return self._add_node_hook("_posthooks", hook)

    def _add_node_hook(self, attr: str, hook: Any) -> Any:
        from .tensor import RemovableHandle

        if not callable(hook):
            raise TypeError(f"{self.name()}: a hook must be callable, got {type(hook).__name__}")
        hooks = getattr(self, attr)
        if hooks is None:
            hooks = []
            setattr(self, attr, hooks)
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` (inputs, outputs or intermediates of forward) for backward.

        Pass the very objects forward received or returned: a saved input is tied to the
        argument it came from (every argument arrives as its own array object, even when two
        Tensors share storage), so it is checked against in-place changes of that Tensor when
        backward reads it, and under ``create_graph`` rebuilt with that Tensor's history.
        """
        self._saved = arrays

    def mark_non_differentiable(self, *arrays: np.ndarray) -> None:
        """Declare outputs (e.g. indices) that never carry a gradient."""
        self._non_differentiable = arrays

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved: arrays, or Tensors when backward is building a graph."""
        if self._freed:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to read "
                "saved tensors after they were freed). Pass retain_graph=True to the first "
                "backward() or autograd.grad() if you need to go through the graph again."
            )
        for src in self._saved_src:
            if src is not None and src[1][0] != src[2]:
                raise RuntimeError(
                    f"{self.name()}: one of the tensors saved for backward was modified by an "
                    f"in-place operation (its version is now {src[1][0]}, expected {src[2]}). "
                    "Use an out-of-place op or clone() the tensor before changing it."
                )
        saved = self._saved
        if not self._create_graph:
            return saved
        return tuple(self._as_graph_tensor(a, src) for a, src in zip(saved, self._saved_src))

    saved_arrays = saved_tensors

    def _as_graph_tensor(self, array: Any, src: tuple | None) -> Any:
        """Rebuild a saved value as a Tensor wired into the graph (for create_graph)."""
        if not isinstance(array, np.ndarray):
            return array
        if src is None:
            return Tensor._make(array)
        kind, _, _, index = src
        if kind == "out":
            nd = self._output_meta[3 * index + 2]
            rebuilt = Tensor._make(array, not nd, None if nd else self, index)
        else:
            edge = self._next[index]
            if isinstance(edge, Tensor):
                return edge
            if edge is None:
                rebuilt = Tensor._make(array)
            elif type(edge) is tuple:
                rebuilt = Tensor._make(array, True, edge[0], edge[1])
            else:
                rebuilt = Tensor._make(array, True, edge, 0)
        carried = self._tangents
        tangents = grad_mode._state.tangents
        if carried is not None and tangents is not None:
            tangent = carried[kind == "out"][index]
            if tangent is not None:
                tangents[rebuilt] = tangent
        return rebuilt


class AccumulateGrad:
    """The node that accumulates a leaf's gradient into its ``.grad`` (in ``next_functions``).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(1, requires_grad=True)
    >>> node, _ = (x * 2).grad_fn.next_functions[0]
    >>> node.name(), node.variable is x, node.next_functions
    ('AccumulateGrad', True, ())
    """

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class Function:
    """Base class of every differentiable op.

    Subclasses define two static methods and are called through ``apply``::

        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 2 * x * grad

    For forward mode a subclass also defines ``jvp(ctx, *tangents)``, returning the output's
    tangent; it reads the inputs as ``ctx.primals`` (see :mod:`autograd.forward_ad`).

    Examples
    --------
    >>> import autograd
    >>> class Cube(autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x**2 * grad
    >>> x = autograd.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward(autograd.ones(1))
    >>> x.grad
    tensor([12.])
    """

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arrays of ``args`` and record the node if a grad is needed."""
        arrays = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._array)
                if a._requires_grad:
                    record = True
            else:
                arrays.append(a)
        if not (record and grad_mode._state.grad_enabled):
            ctx = Context(cls, _NO_GRADS.get(len(args)) or (False,) * len(args))
            out = cls.forward(ctx, *arrays, **kwargs)
            if type(out) is np.ndarray:
                result = Tensor._make(out)
            elif isinstance(out, tuple):
                result = tuple(Tensor._make(_as_array(o, cls)) for o in out)
            else:
                result = Tensor._make(_as_array(out, cls))
            if grad_mode._state.tangents is not None:
                _forward_tangents(cls, ctx, args, kwargs, result)
            return result

        needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        ctx = Context(cls, needs)
        # Each argument gets its own array object, so a saved array names the one argument it
        # came from (``y * y.detach()`` shares one array between a graph and a detached Tensor).
        if len(arrays) == 2:
            if arrays[0] is arrays[1] and args[0] is not args[1]:
                arrays[1] = arrays[1].view()
        elif len(arrays) > 2:
            _distinct_arrays(args, arrays)
        out = cls.forward(ctx, *arrays, **kwargs)
        next_ = []
        input_meta = []
        for a, n in zip(args, needs):
            if n:
                fn = a.grad_fn
                next_.append(a if fn is None else (fn, a._output_nr) if a._output_nr else fn)
                input_meta += (a._array.shape, a._array.dtype.char)
            else:
                next_.append(None)
                input_meta += (None, None)
        ctx._next = tuple(next_)
        ctx._input_meta = tuple(input_meta)
        if grad_mode._state.anomaly:
            ctx._stack = traceback.format_stack()[:-1]
        if type(out) is np.ndarray and not ctx._non_differentiable:
            nd = out.dtype.kind != "f"
            ctx._output_meta = (out.shape, out.dtype.char, nd)
            result = Tensor._make(out, not nd, None if nd else ctx, 0)
            if ctx._saved:
                ctx._saved_src = tuple(
                    [_source(s, args, arrays, (out,), (result,)) for s in ctx._saved]
                )
            if grad_mode._state.tangents is not None:
                _forward_tangents(cls, ctx, args, kwargs, result)
            return result
        single = not isinstance(out, tuple)
        raw = (out,) if single else out
        outs = tuple(_as_array(o, cls) for o in raw)
        if ctx._saved and any(r is not o for r, o in zip(raw, outs)):
            # A ufunc on a 0-d array returns a NumPy scalar: save the array wrapping it, so the
            # saved output is still known as this node's output (version check, create_graph).
            wrapped = {id(r): o for r, o in zip(raw, outs) if r is not o}
            ctx._saved = tuple(wrapped.get(id(s), s) for s in ctx._saved)
        nd_ids = {id(a) for a in ctx._non_differentiable}
        nds = [id(o) in nd_ids or o.dtype.kind != "f" for o in outs]
        ctx._output_meta = tuple(x for o, nd in zip(outs, nds) for x in (o.shape, o.dtype.char, nd))
        results = tuple(
            Tensor._make(o, not nd, None if nd else ctx, i)
            for i, (o, nd) in enumerate(zip(outs, nds))
        )
        if ctx._saved:
            ctx._saved_src = tuple(_source(s, args, arrays, outs, results) for s in ctx._saved)
        if grad_mode._state.tangents is not None:
            _forward_tangents(cls, ctx, args, kwargs, results[0] if single else results)
        return results[0] if single else results


_NO_GRADS = {n: (False,) * n for n in range(8)}


def linear_jvp(ctx: Context, *tangents: Any, **kwargs: Any) -> Any:
    """The forward-mode rule of an op that is linear in its Tensor inputs (reshape, sum,
    indexing, concatenation, ...): the op itself, applied to the tangents.

    Examples
    --------
    >>> import numpy as np, autograd, autograd.forward_ad as fwAD
    >>> class Double(autograd.Function):
    ...     forward = staticmethod(lambda ctx, x: 2 * x)
    ...     backward = staticmethod(lambda ctx, g: 2 * g)
    ...     jvp = staticmethod(autograd.function.linear_jvp)
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(autograd.ones(2), autograd.tensor([1.0, 3.0]))
    ...     fwAD.unpack_dual(Double.apply(d)).tangent
    tensor([2., 6.])
    """
    fn = ctx._fn
    return fn.forward(Context(fn, ctx.needs_input_grad), *tangents, **kwargs)


def _forward_tangents(cls: type, ctx: Context, args: tuple, kwargs: dict, result: Any) -> None:
    """Forward mode: give ``result`` its tangent, ``cls.jvp(ctx, *tangents, **kwargs)``, when an
    input has one. Each Tensor argument reaches the rule as its tangent's array (zeros for one
    without a tangent), every other argument as itself; the rule returns one array (or None) per
    output, computed from what ``forward`` saved on ``ctx``."""
    tangents = grad_mode._state.tangents
    incoming = [tangents.get(a) if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in incoming):
        return
    jvp = getattr(cls, "jvp", None)
    if jvp is None:
        raise RuntimeError(
            f"{cls.__name__}: this op has no forward-mode AD rule (jvp); differentiate it in "
            "reverse mode (backward, autograd.grad)"
        )
    # The rule reads the inputs' values as ``ctx.primals`` and which of them carry a tangent
    # as ``ctx.has_tangent`` (a term for an input without one can be skipped). An integer or
    # bool Tensor (an index, a mask) never has a tangent: the rule gets its values.
    ctx.primals = tuple(a._array if isinstance(a, Tensor) else a for a in args)
    ctx.has_tangent = tuple(t is not None for t in incoming)
    arrays = [
        t._array if t is not None
        else (np.zeros_like(a._array) if a._array.dtype.kind == "f" else a._array)
        if isinstance(a, Tensor) else a
        for a, t in zip(args, incoming)
    ]  # fmt: skip
    with grad_mode.no_grad():
        out = jvp(ctx, *arrays, **kwargs)
    outs = result if isinstance(result, tuple) else (result,)
    out_tangents = out if isinstance(out, tuple) else (out,)
    made: list = [None] * len(outs)
    for i, (o, t) in enumerate(zip(outs, out_tangents)):
        if t is not None and o.dtype.kind == "f":
            if not (type(t) is np.ndarray and t.shape == o.shape and t.dtype == o.dtype):
                t = np.array(np.broadcast_to(np.asarray(t, dtype=o.dtype), o.shape))
            # Tangents are never written in place, so one may share memory with another.
            made[i] = tangents[o] = Tensor._make(t)
    # Under create_graph a saved input or output is rebuilt as a new Tensor: it gets its
    # tangent back from here, so a backward pass run under a dual level carries tangents
    # (forward-over-reverse).
    ctx._tangents = (tuple(incoming), tuple(made))


def _as_array(out: Any, fn: type) -> np.ndarray:
    if isinstance(out, np.ndarray):
        return out
    if isinstance(out, Tensor):
        return out._array
    if isinstance(out, (int, float, bool, np.generic)):
        return np.asarray(out)
    raise TypeError(
        f"{fn.__name__}.forward must return arrays (or a tuple of them), got {type(out).__name__}"
    )


def _distinct_arrays(args: tuple, arrays: list) -> None:
    """Replace an array that an earlier, different argument also passed by a view of it."""
    seen: dict[int, int] = {}
    for i, arr in enumerate(arrays):
        if isinstance(arr, np.ndarray):
            first = seen.setdefault(id(arr), i)
            if first != i and args[first] is not args[i]:
                arrays[i] = arr.view()


def _source(saved: Any, args: tuple, arrays: list, outs: tuple, results: tuple) -> tuple | None:
    """Identify a saved array as an input or output so it can be version-checked and rebuilt.

    ``arrays`` are the objects forward received, one distinct object per argument (see
    ``Function.apply``), so a saved input is tied to the argument position it came from.
    Returns ``(kind, version_counter, version_at_save, index)`` or None for an intermediate.
    """
    for i, a in enumerate(arrays):
        if saved is a and isinstance(args[i], Tensor):
            vc = args[i]._vc
            return ("in", vc, vc[0], i)
    for j, o in enumerate(outs):
        if saved is o:
            vc = results[j]._vc
            return ("out", vc, vc[0], j)
    return None
