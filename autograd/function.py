"""Function and Context: the one way a differentiable op is made, for the library and for users.

A user's ``Function`` subclass is PyTorch's: ``forward(ctx, *args)`` receives the Tensors
themselves and runs with grad mode off; its outputs are then attached to the node.
``backward(ctx, *grad_outputs)`` receives Tensors (and ``ctx.saved_tensors`` gives Tensors); with
``create_graph=True`` it runs with grad mode on, so a backward written with differentiable ops is
itself differentiable. ``jvp(ctx, *tangents)`` gives forward mode.

The library's own primitives (every Function defined in ``autograd.ops``) run in array mode, the
engine's fast path: ``forward`` receives each Tensor argument as its NumPy array, and ``backward``
receives arrays -- or Tensors under ``create_graph=True``, so a rule written with operators and
methods that arrays and Tensors share (``g * (1 - y * y)``, ``g @ w.T``, ``np.exp(x)``) is itself
differentiable. That is the one switch: the class attribute ``_array_mode``, set for every
Function in ``autograd.ops`` and inherited by subclasses; library code elsewhere (``nn``,
``autograd.utils``) opts in by subclassing :class:`ArrayFunction`.

The engine un-broadcasts the returned gradients to each input's shape and accumulates them;
a backward never repeats that logic.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any

import numpy as np

from . import grad_mode
from .tensor import Tensor

_new = object.__new__


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
    # atoms nested at most two deep, shared between nodes (see ``_interned``), so a live node
    # costs the collector's older passes two containers (itself and its edges) rather than
    # seven (see autograd/_gc_pacing.py).
    _next: tuple = ()
    # per input: shape, dtype.char; (None, None): no gradient wanted; (False, False): no Tensor
    _input_meta: tuple = ()
    # per output: shape, dtype.char, non_differentiable; (None, None, True): no Tensor
    _output_meta: tuple = ()
    _hooks: dict[int, list] | None = None
    _retained: dict[int, Any] | None = None
    _stack: list[str] | None = None
    _prehooks: list | None = None  # node hooks (register_prehook / register_hook)
    _posthooks: list | None = None
    _metadata: dict | None = None
    _tangents: tuple | None = None  # (input tangents, output tangents) under a dual level
    _materialize = True  # missing output gradients reach backward as zeros (not None)
    _dirty: tuple = ()
    _saved_forward: tuple | None = None
    _in_jvp = False
    _name = "Backward0"  # each Function's node class sets its own (see Function)
    _tensor_mode = False

    def __init__(self, fn: type[Function], needs_input_grad: tuple[bool, ...]) -> None:
        self._fn = fn
        self.needs_input_grad = needs_input_grad

    def name(self) -> str:
        """PyTorch's name of this node: ``"MulBackward0"`` for ``a * b``, ``"MyFnBackward"`` for
        a user's Function ``MyFn`` (``type(grad_fn).__name__`` is the same name).

        Examples
        --------
        >>> import autograd
        >>> (autograd.ones(2, requires_grad=True) * 2).grad_fn.name()
        'MulBackward0'
        """
        return self._name

    def __repr__(self) -> str:
        if self._tensor_mode:
            return f"<{type(self).__module__}.{self._name} object at {id(self):#x}>"
        return f"<{self._name} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """Per Tensor argument of the forward call, ``(node, output_nr)``: where its gradient
        goes -- the node that made it, an :class:`AccumulateGrad` node for a leaf that requires
        grad, or ``(None, 0)`` for a Tensor that needs no gradient. Arguments that are no
        Tensor (a dim, a Python number) have no entry, as in PyTorch.

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
        meta = self._input_meta
        for i, edge in enumerate(self._next):
            if edge is None:
                if meta[2 * i] is not False:
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

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (inputs, outputs, or None) of forward for backward.

        Pass the very objects forward received or returned: a saved input is tied to the
        argument it came from, so it is checked against in-place changes when backward reads
        it, and under ``create_graph`` it carries its history. (Intermediates may be saved too,
        but backward then cannot differentiate through them a second time.) A library
        primitive saves arrays the same way (see the module docstring).

        Examples
        --------
        >>> import autograd
        >>> class Square(autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x, None)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         x, nothing = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = autograd.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward()
        >>> x.grad
        tensor([6.])
        """
        if self._tensor_mode:
            for i, t in enumerate(tensors):
                if t is not None and not isinstance(t, Tensor):
                    raise TypeError(
                        "save_for_backward can only save tensors (or None), but argument "
                        f"{i} is of type {type(t).__name__}"
                    )
        self._saved = tensors

    def save_for_forward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``jvp`` (forward mode), where ``ctx.saved_tensors`` gives them.

        Examples
        --------
        >>> import autograd, autograd.forward_ad as fwAD
        >>> class Square(autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_forward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def jvp(ctx, t):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * t
        >>> with fwAD.dual_level():
        ...     y = Square.apply(fwAD.make_dual(autograd.tensor([3.0]), autograd.ones(1)))
        ...     fwAD.unpack_dual(y).tangent
        tensor([6.])
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, (Tensor, np.ndarray)):
                raise TypeError(
                    "save_for_forward can only save tensors (or None), but argument "
                    f"{i} is of type {type(t).__name__}"
                )
        self._saved_forward = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Declare outputs (e.g. indices) that never carry a gradient: they do not require grad,
        and backward receives a zero gradient for them.

        Examples
        --------
        >>> import autograd
        >>> class ArgMax(autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         i = x.argmax()
        ...         ctx.mark_non_differentiable(i)
        ...         ctx.save_for_backward(i)
        ...         return x.max(), i
        ...     @staticmethod
        ...     def backward(ctx, g, g_index):
        ...         (i,) = ctx.saved_tensors
        ...         grad = autograd.zeros(3)
        ...         grad[i] = g
        ...         return grad
        >>> x = autograd.tensor([1.0, 5.0, 2.0], requires_grad=True)
        >>> value, index = ArgMax.apply(x)
        >>> index.requires_grad
        False
        >>> value.backward()
        >>> x.grad
        tensor([0., 1., 0.])
        """
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward modified in place (and returns): each becomes an output
        of this node, with this node as its ``grad_fn``. A leaf that requires grad cannot be
        modified in place (a RuntimeError, as in PyTorch).

        Examples
        --------
        >>> import autograd
        >>> class Double_(autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         x.mul_(2)
        ...         ctx.mark_dirty(x)
        ...         return x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return 2 * g
        >>> a = autograd.ones(2, requires_grad=True)
        >>> b = a.clone()
        >>> Double_.apply(b) is b, b.grad_fn.name()
        (True, 'Double_Backward')
        >>> b.sum().backward()
        >>> a.grad
        tensor([2., 2.])
        """
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"mark_dirty: argument {i} must be a Tensor, got {type(t).__name__}"
                )
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward receives zeros (True, the default) or None for output gradients
        that nothing sent.

        Examples
        --------
        >>> import autograd
        >>> class Pair(autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.set_materialize_grads(False)
        ...         return x * 2, x * 3
        ...     @staticmethod
        ...     def backward(ctx, g1, g2):
        ...         return (0 if g1 is None else 2 * g1) + (0 if g2 is None else 3 * g2)
        >>> x = autograd.ones(2, requires_grad=True)
        >>> Pair.apply(x)[1].sum().backward()
        >>> x.grad
        tensor([3., 3.])
        """
        if not isinstance(value, bool):
            raise TypeError(f"set_materialize_grads: expected a bool, got {type(value).__name__}")
        self._materialize = value

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
        if self._in_jvp and self._saved_forward is not None:
            return self._saved_forward
        saved = self._saved
        if self._tensor_mode and self._saved_src:
            # A saved output is kept as its array (the node must not hold its own output):
            # rebuilt here as a Tensor whose grad_fn is this node.
            return tuple(
                self._output_tensor(s, src[3]) if src is not None and src[0] == "out" else s
                for s, src in zip(saved, self._saved_src)
            )  # fmt: skip
        if not self._create_graph:
            return saved
        return tuple(self._as_graph_tensor(a, src) for a, src in zip(saved, self._saved_src))

    saved_arrays = saved_tensors

    def _output_tensor(self, array: np.ndarray, index: int) -> Tensor:
        nd = self._output_meta[3 * index + 2]
        return Tensor._make(array, not nd, None if nd else self, index)

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

    # The switch between the two calling conventions (see the module docstring): True for the
    # library's primitives, which take and return arrays; False (PyTorch's) for everything else.
    _array_mode: bool = False
    _node: type[Context] = Context
    #: A primitive whose backward may add an input's gradient into the gradient already summed
    #: for that input (offered in :data:`_GRAD_OFFER`) and return :data:`_ACCUMULATED` in its
    #: place: a product's rule then runs one GEMM that accumulates (BLAS's ``beta = 1``) instead
    #: of a GEMM into a new array and a pass adding it, for a weight that many uses share (a
    #: recurrence). Only the library's own primitives and their subclasses there have it: a
    #: subclass elsewhere (which may change what the rule returns) does not inherit it.
    _accumulates: bool = False
    #: The rule transposes a matrix's gradient and nothing else (``t()``, ``transpose``): the
    #: engine may hand a stacked product (:class:`_Stacked`) through it, transposed, without
    #: running it. As ``_accumulates``, only the library's own primitives have it.
    _transposes: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_array_mode" not in cls.__dict__ and cls.__module__.startswith("autograd.ops."):
            cls._array_mode = True
        if not cls.__module__.startswith("autograd.ops."):
            if "_accumulates" not in cls.__dict__:
                cls._accumulates = False
            if "_transposes" not in cls.__dict__:
                cls._transposes = False
        # The node class, named as PyTorch names it: ``MulBackward0`` for a primitive (a class
        # may declare ``node_name``), ``MyFnBackward`` for a user's Function.
        if cls._array_mode:
            name = cls.__dict__.get("node_name") or f"{cls.__name__}Backward0"
        else:
            name = f"{cls.__name__}Backward"
        cls._node = type(name, (Context,), {
            "_name": name, "_tensor_mode": not cls._array_mode,
            "__module__": "autograd.function", "__doc__": f"The graph node of {cls.__name__}.",
        })  # fmt: skip
        node = cls._node
        _seed_attribute_names(node)
        # Every live node refers to its class: the class's reference count above this one is the
        # number of its nodes alive (read without walking the graph by autograd/_gc_pacing.py).
        node._idle_refs = sys.getrefcount(node)

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx: Context, inputs: tuple, output: Any) -> Any:
        """PyTorch's other style: a ``forward(*args)`` without ``ctx`` and this method, called
        after it with the inputs and the output, to save what backward needs."""
        raise NotImplementedError("setup_context is not overridden")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record the node if a gradient is needed."""
        if not cls._array_mode:
            return _apply_tensors(cls, args, kwargs)
        # One pass over the arguments gathers what forward receives and, in case a gradient is
        # wanted, the node's edges and input metadata (a node is recorded on most calls). Per
        # argument: its array (or itself), whether it needs a gradient, its edge (see _next) and
        # its metadata (see _input_meta). One and two arguments, most ops, are unrolled.
        n = len(args)
        if n == 2:
            a, b = args
            if isinstance(a, Tensor):
                a_arr = a._array
                if a._requires_grad:
                    fn = a.grad_fn
                    a_edge = a if fn is None else (fn, a._output_nr) if a._output_nr else fn
                    a_meta, a_needs = (a_arr.shape, a_arr.dtype.char), True
                else:
                    a_edge, a_meta, a_needs = None, _NO_GRAD_META, False
            else:
                a_arr, a_edge, a_meta, a_needs = a, None, _NOT_TENSOR_META, False
            if isinstance(b, Tensor):
                b_arr = b._array
                if b._requires_grad:
                    fn = b.grad_fn
                    b_edge = b if fn is None else (fn, b._output_nr) if b._output_nr else fn
                    b_meta, b_needs = (b_arr.shape, b_arr.dtype.char), True
                else:
                    b_edge, b_meta, b_needs = None, _NO_GRAD_META, False
            else:
                b_arr, b_edge, b_meta, b_needs = b, None, _NOT_TENSOR_META, False
            record = a_needs or b_needs
            arrays = [a_arr, b_arr]
            needs, next_, input_meta = (a_needs, b_needs), (a_edge, b_edge), a_meta + b_meta
        elif n == 1:
            (a,) = args
            if isinstance(a, Tensor):
                a_arr = a._array
                if a._requires_grad:
                    fn = a.grad_fn
                    a_edge = a if fn is None else (fn, a._output_nr) if a._output_nr else fn
                    record, input_meta = True, (a_arr.shape, a_arr.dtype.char)
                else:
                    a_edge, record, input_meta = None, False, _NO_GRAD_META
            else:
                a_arr, a_edge, record, input_meta = a, None, False, _NOT_TENSOR_META
            arrays, needs, next_ = [a_arr], (record,), (a_edge,)
        else:
            arrays, needs, next_, input_meta, record = _gather(args)
        state = _STATE
        if not (record and state.grad_enabled):
            ctx = _new(cls._node)  # as Context.__init__, one call fewer
            ctx._fn = cls
            ctx.needs_input_grad = _NO_GRADS.get(n) or (False,) * n
            out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
            if type(out) is np.ndarray:
                result = Tensor._make(out)
            elif isinstance(out, tuple):
                result = tuple(Tensor._make(_as_array(o, cls)) for o in out)
            else:
                result = Tensor._make(_as_array(out, cls))
            if state.tangents is not None:
                _forward_tangents(cls, ctx, args, kwargs, result)
            return result

        ctx = _new(cls._node)
        ctx._fn = cls
        ctx.needs_input_grad = needs
        # Each argument gets its own array object, so a saved array names the one argument it
        # came from (``y * y.detach()`` shares one array between a graph and a detached Tensor).
        if n == 2:
            if arrays[0] is arrays[1] and args[0] is not args[1]:
                arrays[1] = arrays[1].view()
        elif n > 2:
            _distinct_arrays(args, arrays)
        out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        ctx._next = next_
        ctx._input_meta = _METAS.get(input_meta) or _interned(input_meta)
        if state.anomaly:
            ctx._stack = traceback.format_stack()[:-1]
        if type(out) is np.ndarray and not ctx._non_differentiable:
            nd = out.dtype.kind != "f"
            meta = (out.shape, out.dtype.char, nd)
            ctx._output_meta = _METAS.get(meta) or _interned(meta)
            result = Tensor._make(out, not nd, None if nd else ctx, 0)
            saved = ctx._saved
            if saved:
                if len(saved) == 1 and saved[0] is out:  # the output alone (exp, tanh, ...)
                    ctx._saved_src = (("out", result._vc, 0, 0),)  # a new Tensor: version 0
                elif n == 2 and len(saved) == 2:
                    # The operands of a product (mul, matmul, div), or either, as _sources
                    # finds them without its search: an operand that came as a Tensor
                    # (``a_arr is not a``) is version-checked, a number or array is not.
                    s0, s1 = saved
                    ok0 = s0 is None or (s0 is arrays[0] and (a_arr is not a or s0 is not out))
                    ok1 = s1 is None or (s1 is arrays[1] and (b_arr is not b or s1 is not out))
                    if ok0 and ok1:
                        src0 = src1 = None
                        if s0 is not None and a_arr is not a:
                            src0 = ("in", a._vc, a._vc[0], 0)
                        if s1 is not None and b_arr is not b:
                            src1 = ("in", b._vc, b._vc[0], 1)
                        ctx._saved_src = (src0, src1)
                    else:
                        ctx._saved_src = _sources(saved, args, arrays, (out,), (result,))
                else:
                    ctx._saved_src = _sources(saved, args, arrays, (out,), (result,))
            if state.tangents is not None:
                _forward_tangents(cls, ctx, args, kwargs, result)
            return result
        single = not isinstance(out, tuple)
        raw = (out,) if single else out
        nd_ids = {id(a) for a in ctx._non_differentiable} if ctx._non_differentiable else ()
        outs_list = []
        meta = []
        results_list = []
        for i, o in enumerate(raw):
            if type(o) is not np.ndarray:
                o = _as_array(o, cls)
            nd = o.dtype.kind != "f" or id(o) in nd_ids
            outs_list.append(o)
            meta += (o.shape, o.dtype.char, nd)
            results_list.append(Tensor._make(o, not nd, None if nd else ctx, i))
        outs = tuple(outs_list)
        if ctx._saved and any(r is not o for r, o in zip(raw, outs)):
            # A ufunc on a 0-d array returns a NumPy scalar: save the array wrapping it, so the
            # saved output is still known as this node's output (version check, create_graph).
            wrapped = {id(r): o for r, o in zip(raw, outs) if r is not o}
            ctx._saved = tuple(wrapped.get(id(s), s) for s in ctx._saved)
        ctx._output_meta = _interned(tuple(meta))
        results = tuple(results_list)
        if ctx._saved:
            ctx._saved_src = _sources(ctx._saved, args, arrays, outs, results)
        if state.tangents is not None:
            _forward_tangents(cls, ctx, args, kwargs, results[0] if single else results)
        return results[0] if single else results


_NO_GRADS = {n: (False,) * n for n in range(8)}

# What recording and backward set on a node, in that order. CPython keeps an object's attributes
# in a compact array while each name is in its class's shared table of names; that table takes
# new names only during the class's first few dozen instances, and an instance that later sets a
# name missing from it gets a dict of its own: one more container for the collector to scan and
# slower attributes. Nodes made without recording (under no_grad, or for inputs that need no
# gradient) set only what their forward sets, so an op run that way a few dozen times first would
# give each later graph node of its class a dict, and backward (which sets the last two) would
# give one to every node made before it first ran. A throwaway instance enters the names first.
_NODE_ATTRIBUTES = (
    "_fn", "needs_input_grad", "_saved", "_next", "_input_meta", "_output_meta", "_saved_src",
    "_create_graph", "_freed",
)  # fmt: skip


def _seed_attribute_names(node_class: type) -> None:
    """Enter the names every recorded node sets in ``node_class``'s shared table of names."""
    seed = _new(node_class)
    for name in _NODE_ATTRIBUTES:
        setattr(seed, name, None)


_STATE = grad_mode._state  # the grad mode's per-thread state (one object, read each call)
_NO_GRAD_META = (None, None)  # a Tensor argument that needs no gradient
_NOT_TENSOR_META = (False, False)  # an argument that is no Tensor: no place in next_functions

# One tuple object per distinct node metadata (see ``Context._input_meta``), shared by the nodes
# that have it. A metadata tuple holds a shape tuple, and the collector's young pass reaches the
# shape only after the tuple that holds it, too late to stop tracking the outer one: a fresh
# metadata tuple per node would survive into the middle generation and be scanned again there,
# which made the cost per op grow with the size of a live graph. A shared one is old and
# untracked; the fresh tuple that looked it up dies at once. Cleared when full (many shapes).
_METAS: dict[tuple, tuple] = {}
_METAS_MAX = 4096


def _interned(meta: tuple) -> tuple:
    """The shared tuple equal to ``meta`` (``meta`` itself the first time it is seen)."""
    found = _METAS.get(meta)
    if found is None:
        if len(_METAS) >= _METAS_MAX:
            _METAS.clear()
        found = _METAS[meta] = meta
    return found


def _gather(args: tuple) -> tuple[list, tuple, tuple, tuple, bool]:
    """``Function.apply``'s pass over any number of arguments: the arrays forward receives,
    which arguments need a gradient, the node's edges and input metadata, and whether any
    argument needs a gradient."""
    arrays = []
    needs = []
    next_ = []
    input_meta = []
    record = False
    for a in args:
        if isinstance(a, Tensor):
            array = a._array
            arrays.append(array)
            if a._requires_grad:
                record = True
                needs.append(True)
                fn = a.grad_fn
                next_.append(a if fn is None else (fn, a._output_nr) if a._output_nr else fn)
                input_meta += (array.shape, array.dtype.char)
                continue
            input_meta += _NO_GRAD_META
        else:
            arrays.append(a)
            input_meta += _NOT_TENSOR_META
        needs.append(False)
        next_.append(None)
    return arrays, tuple(needs), tuple(next_), tuple(input_meta), record


class _ZeroGrad:
    """The type of :data:`ZERO_GRAD`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ZERO_GRAD"


#: An exact zero gradient (PyTorch's efficient zero tensor), for a backward rule to return for an
#: input whose derivative is zero everywhere it exists (``sgn``'s). The engine passes it on without
#: running the rules it meets, so an ``inf`` or a ``0`` divisor upstream cannot turn it into NaN,
#: and materializes it as zeros where a gradient is read: a leaf, a hook, a captured input.
ZERO_GRAD = _ZeroGrad()


class _Accumulated:
    """The type of :data:`_ACCUMULATED`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_ACCUMULATED"


#: What an accumulating rule (:attr:`Function._accumulates`) returns for an input whose gradient
#: it added into the array offered in :data:`_GRAD_OFFER`: the gradient has arrived, and its sum
#: is already where it goes. Only the engine and ``autograd.compile``'s replay offer arrays, and
#: only they see this.
_ACCUMULATED = _Accumulated()


class _GradOffer(threading.local):
    """Per thread: the node whose accumulating rule is running and what it is offered: per
    input, the gradient summed so far where its gradient goes, or None (``sums``); and whether
    that input's gradient may come back as a :class:`_Stacked` product (``stack``). Kept per
    thread, not on the node: two threads may run the backward of one graph at once."""

    node: Any = None
    sums: tuple | None = None
    stack: tuple | None = None


#: Set by the engine and the replay around an accumulating rule's call (see :class:`_GradOffer`).
_GRAD_OFFER = _GradOffer()


def _backward_offering(
    ctx: Any, sums: tuple | None, *grads: Any, stack: tuple | None = None
) -> Any:
    """``ctx``'s backward rule on ``grads``, offered ``sums`` and ``stack`` (see
    :class:`_GradOffer`) while it runs; a plain call when there is nothing to offer."""
    if sums is None and stack is None:
        return ctx._fn.backward(ctx, *grads)
    offer = _GRAD_OFFER
    offer.sums, offer.stack, offer.node = sums, stack, ctx
    try:
        return ctx._fn.backward(ctx, *grads)
    finally:
        offer.node = offer.sums = offer.stack = None


class _Stacked:
    """A weight's gradient from several uses, ``sum_i a_i.T @ g_i`` (plus ``base``), kept as the
    rows of its factors until the engine hands it on: then one GEMM over all the rows.

    A weight that a recurrence multiplies at every step (``h @ w_hh`` over 20 steps) gets one
    product per step in its gradient, each with a batch's few rows as its inner dimension: a thin
    GEMM that BLAS runs far below its rate. Stacked, they are one GEMM with all the steps' rows
    (16 rows, 512 x 2048 weight, 20 steps: 4.1 ms -> 2.4, the copies included). The engine (and
    ``autograd.compile``'s replay) offers stacking where more uses' gradients are still to come
    (``_GradOffer.stack``, with how many): a leaf's sum, or a node's output (the one transpose of
    a recurrent layer's weight). A product rule then returns one of these
    (:func:`autograd.ops.linalg._grad_product`), the engine joins them into the first, and
    computes the array when the sum is read. Each use's rows are copied in as they arrive, so a
    hook or an optimizer step that changes an operand later changes nothing here. The rows held
    are bounded (:meth:`capacity`): when full, they are computed into ``base`` and stacking goes
    on.

    Parameters
    ----------
    a, g : numpy.ndarray
        ``(m, k)`` and ``(m, n)`` of one float dtype: the gradient is ``a.T @ g``.
    column_major : bool
        The gradient is laid out column by column (its operand was, see ``_mm_like``).
    uses : int
        How many uses' gradients are expected in all (this one included): the rows to reserve.
    """

    __slots__ = ("a", "g", "rows", "column_major", "base")

    #: The rows a stack may hold: twice the gradient's size in bytes, and at least this many.
    floor_bytes = 4 << 20
    #: Fewest entries of a gradient that is stacked: smaller products gain nothing stacked (20
    #: steps of 8 rows, a 64 x 256 weight: the copies cost what the GEMMs save), and the engine
    #: offers stacking only for inputs of at least this size.
    min_entries = 1 << 16

    def __init__(self, a: np.ndarray, g: np.ndarray, column_major: bool, uses: int = 1) -> None:
        (m, k), n = a.shape, g.shape[1]
        cap = max(m, min(m * max(1, uses), self.capacity(k, n, g.itemsize)))
        self.a = np.empty((cap, k), a.dtype)
        self.g = np.empty((cap, n), g.dtype)
        self.a[:m] = a
        self.g[:m] = g
        self.rows = m
        self.column_major = column_major
        self.base: np.ndarray | None = None  # gradients that arrived as arrays, and full stacks

    @classmethod
    def capacity(cls, k: int, n: int, itemsize: int) -> int:
        """The most rows a stack of a ``(k, n)`` gradient holds (see :attr:`floor_bytes`)."""
        return max(cls.floor_bytes, 2 * k * n * itemsize) // ((k + n) * itemsize)

    @classmethod
    def fits(cls, m: int, k: int, n: int, itemsize: int) -> bool:
        """Whether a stack of a ``(k, n)`` gradient holds two uses of ``m`` rows."""
        return 2 * m <= cls.capacity(k, n, itemsize)

    def joins(self, other: _Stacked) -> bool:
        """Take ``other``'s rows (and base) in; False, nothing taken, when they differ in layout,
        dtype or shape."""
        a, g = self.a, self.g
        if (
            other.column_major != self.column_major
            or other.g.dtype != g.dtype
            or other.a.shape[1] != a.shape[1]
            or other.g.shape[1] != g.shape[1]
        ):
            return False
        m, start = other.rows, self.rows
        if start + m > len(a):
            cap = self.capacity(a.shape[1], g.shape[1], g.itemsize)
            if start + m > cap:  # full: computed so far, and the rows start again
                self.add(self._product())
                start = 0
            if start + m > len(a):
                rows = max(start + m, min(cap, 2 * len(a)))
                self.a, self.g = (
                    np.empty((rows, a.shape[1]), a.dtype),
                    np.empty((rows, g.shape[1]), g.dtype),
                )
                self.a[:start], self.g[:start] = a[:start], g[:start]
        self.a[start : start + m] = other.a[:m]
        self.g[start : start + m] = other.g[:m]
        self.rows = start + m
        if other.base is not None:
            self.add(other.base)
        return True

    def transposed(self) -> _Stacked:
        """This stack as the stack of the transposed gradient (its factors swapped; in place)."""
        self.a, self.g = self.g, self.a
        self.column_major = not self.column_major
        if self.base is not None:
            self.base = self.base.T
        return self

    def add(self, g: np.ndarray) -> None:
        """Add an array gradient to the sum."""
        self.base = g if self.base is None else self.base + g

    def _product(self) -> np.ndarray:
        a, g = self.a[: self.rows], self.g[: self.rows]
        return np.matmul(g.T, a).T if self.column_major else np.matmul(a.T, g)

    def value(self) -> np.ndarray:
        """The sum as a new array (transposed view of one when column-major)."""
        out = self._product()
        if self.base is not None:
            out += self.base
        return out


class ArrayFunction(Function):
    """A Function in array mode, the engine's fast path that the library's primitives use:
    ``forward`` receives each Tensor argument as its NumPy array and returns arrays; ``backward``
    receives arrays (Tensors under ``create_graph=True``, so a rule written with what arrays and
    Tensors share stays differentiable). Exported by :mod:`autograd.extend`.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd.extend import ArrayFunction
    >>> class Exp(ArrayFunction):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = np.exp(x)
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y
    >>> x = autograd.zeros(2, requires_grad=True)
    >>> Exp.apply(x).sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """

    _array_mode = True


def _apply_tensors(cls: type[Function], args: tuple, kwargs: dict) -> Any:
    """``Function.apply`` for a user's Function (PyTorch's convention): forward receives the
    Tensors and runs with grad mode off; its Tensor outputs are then attached to the node."""
    record = grad_mode._state.grad_enabled and any(
        isinstance(a, Tensor) and a._requires_grad for a in args
    )
    needs = tuple([record and isinstance(a, Tensor) and a._requires_grad for a in args])
    ctx = cls._node(cls, needs)
    custom_setup = cls.setup_context is not Function.setup_context
    # Forward runs on the primal values only: no graph, and no tangents (jvp gives those).
    state = grad_mode._state
    prev, tangents = grad_mode._set_grad_enabled_raw(False), state.tangents
    state.tangents = None
    try:
        if custom_setup:
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        grad_mode._set_grad_enabled_raw(prev)
        state.tangents = tangents
    single = not isinstance(out, tuple)
    raw = (out,) if single else out
    # Arrays are accepted as outputs (wrapped); other objects pass through untouched.
    outs = tuple(Tensor._make(o) if isinstance(o, np.ndarray) else o for o in raw)
    if not record:
        if grad_mode._state.tangents is not None:
            _forward_tangents(cls, ctx, args, kwargs, outs[0] if single else outs)
        return outs[0] if single else outs

    ctx._next = tuple(
        (a if a.grad_fn is None else (a.grad_fn, a._output_nr)) if n else None
        for a, n in zip(args, needs)
    )
    ctx._input_meta = _interned(
        tuple(
            x
            for a, n in zip(args, needs)
            for x in (
                (a._array.shape, a._array.dtype.char)
                if n
                else (None, None)
                if isinstance(a, Tensor)
                else (False, False)
            )
        )
    )
    if grad_mode._state.anomaly:
        ctx._stack = traceback.format_stack()[:-2]
    dirty = {id(t) for t in ctx._dirty}
    nd_ids = {id(t) for t in ctx._non_differentiable}
    arg_ids = {id(a) for a in args if isinstance(a, Tensor)}
    meta = []
    results = []
    seen: set[int] = set()
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            meta += (None, None, True)  # no gradient slot: backward receives None for it
            results.append(o)
            continue
        nd = id(o) in nd_ids or o._array.dtype.kind not in "fc"
        meta += (o._array.shape, o._array.dtype.char, nd)
        grad_fn = None if nd else ctx
        if id(o) in dirty:
            if o.grad_fn is None and o._requires_grad:
                raise RuntimeError(
                    f"{cls.__name__}: a leaf Variable that requires grad has been used in an "
                    "in-place operation (an input passed to mark_dirty). Pass a clone() of it."
                )
            # Modified in place: the input itself now comes out of this node.
            o.grad_fn, o._requires_grad, o._output_nr = grad_fn, not nd, i
            o._vc[0] += 1
            r = o
        elif id(o) in arg_ids or id(o) in seen or o.grad_fn is not None or o._requires_grad:
            # An input returned as it is (or a Tensor that has a history of its own): the output
            # is a new Tensor sharing its storage and version counter, as a view would.
            r = Tensor._make(o._array, not nd, grad_fn, i)
            r._vc = o._vc
            r._base = o if o._base is None else o._base
        else:
            o.grad_fn, o._requires_grad, o._output_nr = grad_fn, not nd, i
            r = o
        seen.add(id(o))
        results.append(r)
    ctx._output_meta = _interned(tuple(meta))
    if ctx._saved:
        ctx._saved, ctx._saved_src = _tensor_sources(ctx._saved, args, raw, outs)
    result = results[0] if single else tuple(results)
    if grad_mode._state.tangents is not None:
        _forward_tangents(cls, ctx, args, kwargs, result)
    return result


def _tensor_sources(saved: tuple, args: tuple, raw: tuple, outs: tuple) -> tuple[tuple, tuple]:
    """What a user's Function saved, as kept on its node: a saved output as its array (rebuilt
    on reading, so the node holds no reference to its own output), everything else as it is;
    with each one's version at saving, checked when backward reads it."""
    kept, sources = [], []
    for s in saved:
        if s is None:
            kept.append(None)
            sources.append(None)
            continue
        j = next((j for j, o in enumerate(raw) if o is s), -1)
        if j >= 0:
            kept.append(outs[j]._array)
            sources.append(("out", s._vc, s._vc[0], j))
        else:
            kept.append(s)
            sources.append(("in", s._vc, s._vc[0], -1))
    return tuple(kept), tuple(sources)


_RENAMED: dict[tuple[type, str], type] = {}


def name_node(t: Tensor, name: str) -> Tensor:
    """Give the node that made ``t`` PyTorch's name for the composite op that returned ``t``.

    A composite op (``mse_loss`` written as ``((x - y) ** 2).mean()``) ends in a primitive's
    node; PyTorch computes it in one node of its own, which tutorials print
    (``loss.grad_fn`` is ``<MseLossBackward0 ...>``). The node keeps its behaviour; its
    ``name()``, ``type(node).__name__`` and repr change. Call it on a result the op has just
    made, never on one of its inputs. Returns ``t``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.function import name_node
    >>> x = autograd.ones(2, requires_grad=True)
    >>> name_node((x * x).mean(), "SquaredMeanBackward0").grad_fn.name()
    'SquaredMeanBackward0'
    """
    node = t.grad_fn
    if node is not None:
        cls = type(node)
        renamed = _RENAMED.get((cls, name))
        if renamed is None:
            renamed = type(name, (cls,), {"_name": name, "__module__": cls.__module__})
            _RENAMED[cls, name] = renamed
            renamed._idle_refs = sys.getrefcount(renamed)  # as for every node class
        node.__class__ = renamed
    return t


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
    return fn.forward(fn._node(fn, ctx.needs_input_grad), *tangents, **kwargs)


def _forward_tangents(cls: type, ctx: Context, args: tuple, kwargs: dict, result: Any) -> None:
    """Forward mode: give ``result`` its tangent, ``cls.jvp(ctx, *tangents, **kwargs)``, when an
    input has one. Each Tensor argument reaches the rule as its tangent (a Tensor for a user's
    Function, an array for a primitive; zeros for one without a tangent), every other argument
    as itself; the rule returns one tangent (or None) per output, computed from what
    ``forward`` saved on ``ctx``."""
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
    if cls._array_mode:
        # The rule reads the inputs' values as ``ctx.primals`` and which of them carry a
        # tangent as ``ctx.has_tangent`` (a term for an input without one can be skipped). An
        # integer or bool Tensor (an index, a mask) never has a tangent: the rule gets its values.
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
    else:
        # A user's rule (PyTorch's convention) receives Tensors: zeros for a floating input
        # without a tangent, None for an integer one. It computes tangents from primal values:
        # no graph, and no tangents of its own.
        ctx.primals = args
        ctx.has_tangent = tuple(t is not None for t in incoming)
        arrays = [
            (t if t is not None else Tensor._make(np.zeros_like(a._array))
             if a._array.dtype.kind == "f" else None)
            if isinstance(a, Tensor) else a
            for a, t in zip(args, incoming)
        ]  # fmt: skip
        ctx._in_jvp = True
        grad_mode._state.tangents = None
        try:
            with grad_mode.no_grad():
                out = jvp(ctx, *arrays, **kwargs)
        finally:
            ctx._in_jvp = False
            grad_mode._state.tangents = tangents
    outs = result if isinstance(result, tuple) else (result,)
    out_tangents = out if isinstance(out, tuple) else (out,)
    made: list = [None] * len(outs)
    for i, (o, t) in enumerate(zip(outs, out_tangents)):
        if t is not None and isinstance(o, Tensor) and o.dtype.kind == "f":
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


def _sources(saved: tuple, args: tuple, arrays: list, outs: tuple, results: tuple) -> tuple:
    """Identify each saved array as an input or output so it can be version-checked and rebuilt.

    ``arrays`` are the objects forward received, one distinct object per argument (see
    ``Function.apply``), so a saved input is tied to the argument position it came from.
    Per saved array: ``(kind, version_counter, version_at_save, index)``, or None for an
    intermediate.
    """
    found = []
    for s in saved:
        src = None
        if s is None or not isinstance(s, np.ndarray):  # None, or a number: nothing to check
            found.append(src)
            continue
        for i, a in enumerate(arrays):
            if s is a and isinstance(args[i], Tensor):
                vc = args[i]._vc
                src = ("in", vc, vc[0], i)
                break
        else:
            for j, o in enumerate(outs):
                if s is o:
                    vc = results[j]._vc
                    src = ("out", vc, vc[0], j)
                    break
        found.append(src)
    return tuple(found)
