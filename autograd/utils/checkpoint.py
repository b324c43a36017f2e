"""Activation checkpointing: trade compute for memory by keeping no intermediate results of a
segment in forward and recomputing them in backward.

``checkpoint(fn, *args)`` runs ``fn`` under ``no_grad`` (so none of its intermediate tensors
stay alive) and records one :class:`~autograd.Function` node in their place. Its backward
reruns ``fn`` with gradients enabled, from the saved inputs and with the random-number state
the forward saw (so dropout masks repeat), and differentiates that fresh graph.

Gradients reach three kinds of tensors: the tensor arguments; with ``use_reentrant=False``,
the parameters of the modules ``fn`` is or closes over (they become inputs of the node, so
``autograd.grad`` sees them too); and any other leaf the recomputed graph reaches, whose
gradient is accumulated into its ``.grad`` during backward (PyTorch's reentrant behaviour).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..engine import grad as _grad
from ..forward_ad import make_dual, unpack_dual
from ..function import AccumulateGrad, ArrayFunction
from ..grad_mode import enable_grad, is_grad_enabled, no_grad
from ..random import default_generator
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Segment:
    """What the node needs to rerun the segment: the function, the arguments with the tensor
    positions to fill, the random state, and where tensors sit in the output."""

    def __init__(self, function: Callable, args: tuple, kwargs: dict, preserve_rng: bool):
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.preserve_rng = preserve_rng
        self.rng_state: Any = None
        self.structure: Any = None  # None: one tensor; else the output with tensors as None
        self.params: list[Tensor] = []  # further inputs of the node (use_reentrant=False)

    def call(self, tensors: Sequence[Tensor]) -> Any:
        args = list(self.args)
        for i, t in zip(self.tensor_positions, tensors):
            args[i] = t
        return self.function(*args, **self.kwargs)


def _tensor_outputs(out: Any, fn: str) -> tuple[list[Tensor], Any]:
    if isinstance(out, Tensor):
        return [out], None
    if isinstance(out, (tuple, list)):
        tensors = [o for o in out if isinstance(o, Tensor)]
        if tensors:
            return tensors, type(out)([None if isinstance(o, Tensor) else o for o in out])
    raise TypeError(
        f"{fn}: the checkpointed function must return a Tensor or a tuple of values holding "
        f"at least one Tensor, got {type(out).__name__}"
    )


class _Checkpoint(ArrayFunction):
    @staticmethod
    def forward(ctx, *arrays, segment: _Segment, n_args: int):
        ctx.segment = segment
        ctx.save_for_backward(*arrays[:n_args])
        if segment.preserve_rng:
            segment.rng_state = default_generator.get_state()
        with no_grad():
            out = segment.call([from_numpy(a) for a in arrays[:n_args]])
        tensors, segment.structure = _tensor_outputs(out, "checkpoint")
        arrays_out = tuple(t.detach().numpy() for t in tensors)
        return arrays_out[0] if segment.structure is None else arrays_out

    @staticmethod
    def jvp(ctx, *tangents, segment: _Segment, n_args: int):
        # Forward mode keeps nothing for later, so the segment simply runs again with dual
        # inputs under the active dual level (from the forward's random state): its own ops
        # give the tangents. Parameters reach it through ``segment.function`` itself, carrying
        # whatever tangents they have.
        duals = []
        for primal, tangent, has in zip(ctx.primals, tangents, ctx.has_tangent[:n_args]):
            t = from_numpy(primal)
            duals.append(make_dual(t, from_numpy(tangent)) if has else t)
        outer_state = default_generator.get_state()
        try:
            if segment.preserve_rng:
                default_generator.set_state(segment.rng_state)
            out = segment.call(duals)
        finally:
            default_generator.set_state(outer_state)
        found = [unpack_dual(t).tangent for t in _tensor_outputs(out, "checkpoint")[0]]
        arrays = tuple(None if t is None else t.numpy() for t in found)
        return arrays[0] if segment.structure is None else arrays

    @staticmethod
    def backward(ctx, *grads):
        segment: _Segment = ctx.segment
        saved = ctx.saved_tensors
        n_args = len(saved)
        create_graph = any(isinstance(g, Tensor) for g in grads)
        inputs = []
        for array, needs in zip(saved, ctx.needs_input_grad[:n_args]):
            if create_graph and isinstance(array, Tensor):
                inputs.append(array)  # the saved input itself: the gradient's graph reaches it
                continue
            t = array.detach() if isinstance(array, Tensor) else from_numpy(np.asarray(array))
            inputs.append(t.requires_grad_(needs) if t.is_floating_point() else t)
        outer_state = default_generator.get_state()
        try:
            if segment.preserve_rng:
                default_generator.set_state(segment.rng_state)
            with enable_grad():
                out = segment.call(inputs)
        finally:
            default_generator.set_state(outer_state)
        tensors, _ = _tensor_outputs(out, "checkpoint")
        roots, root_grads = [], []
        for t, g in zip(tensors, grads):
            if g is not None and t.requires_grad:
                roots.append(t)
                root_grads.append(g if isinstance(g, Tensor) else from_numpy(np.asarray(g)))
        declared = [t for t, needs in zip(inputs, ctx.needs_input_grad) if needs]
        params = segment.params
        declared += [p for p, needs in zip(params, ctx.needs_input_grad[n_args:]) if needs]
        others = _other_leaves(roots, declared)
        if roots and (declared or others):
            found = _grad(roots, declared + others, root_grads, allow_unused=True,
                          create_graph=create_graph)  # fmt: skip
        else:
            found = [None] * (len(declared) + len(others))
        with no_grad():
            for leaf, g in zip(others, found[len(declared) :]):
                if g is not None:
                    leaf.grad = g if leaf.grad is None else leaf.grad + g
        result, it = [], iter(found[: len(declared)])
        for needs in ctx.needs_input_grad:
            g = next(it) if needs else None
            if g is not None and not create_graph:
                g = g.numpy()
            result.append(g)
        return tuple(result)


def _other_leaves(roots: list[Tensor], declared: list[Tensor]) -> list[Tensor]:
    """Leaves requiring grad that the graph of ``roots`` reaches, other than ``declared``."""
    known = {id(t) for t in declared}
    stop = {id(t.grad_fn) for t in declared if t.grad_fn is not None}  # their history is not ours
    seen: set[int] = set()
    alive: list = []  # next_functions may build fresh node objects: keep them, so ids stay unique
    found: list[Tensor] = []
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    for r in roots:
        if r.grad_fn is None and r.requires_grad and id(r) not in known:
            known.add(id(r))
            found.append(r)
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in stop:
            continue
        seen.add(id(node))
        alive.append(node)
        if isinstance(node, AccumulateGrad):
            if id(node.variable) not in known:
                known.add(id(node.variable))
                found.append(node.variable)
            continue
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return found


def _closed_over(function: Callable, exclude: Iterable[Tensor]) -> list[Tensor]:
    """Tensors requiring grad that ``function`` reaches by construction: the parameters of a
    module it is, is bound to, or closes over (also inside lists, tuples, dicts and
    ``functools.partial``), and tensors it closes over directly."""
    skip = {id(t) for t in exclude}
    found: list[Tensor] = []

    def add(t: Tensor) -> None:
        if t.requires_grad and id(t) not in skip:
            skip.add(id(t))
            found.append(t)

    def visit(obj: Any, depth: int) -> None:
        if isinstance(obj, Tensor):
            add(obj)
        elif callable(getattr(obj, "parameters", None)) and hasattr(obj, "named_parameters"):
            for p in obj.parameters():
                add(p)
        elif depth > 0 and isinstance(obj, (list, tuple)):
            for o in obj:
                visit(o, depth - 1)
        elif depth > 0 and isinstance(obj, dict):
            for o in obj.values():
                visit(o, depth - 1)
        elif depth > 0 and isinstance(obj, functools.partial):
            visit(obj.func, depth - 1)
            visit(obj.args, depth - 1)
            visit(obj.keywords, depth - 1)
        elif depth > 0 and callable(obj):
            visit(getattr(obj, "__self__", None), depth - 1)
            for cell in getattr(obj, "__closure__", None) or ():
                try:
                    visit(cell.cell_contents, depth - 1)
                except ValueError:  # an empty cell
                    pass

    visit(function, 3)
    return found


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable | None = None,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediate tensors; they are
    recomputed during backward.

    Parameters
    ----------
    function : callable
        Returns a Tensor or a tuple holding Tensors.
    *args
        Its arguments; the Tensors among them are saved for the recomputation.
    use_reentrant : bool
        Pass it explicitly, as PyTorch asks (omitting it warns and means ``True``). With
        ``True`` only the tensor arguments are inputs of the node, so the output requires grad
        only when one of them does (PyTorch's reentrant rule), and other leaves get their
        gradients accumulated into ``.grad``. With ``False`` the parameters of the modules
        ``function`` is, is bound to or closes over are inputs too, so ``autograd.grad``
        returns their gradients; keyword arguments are allowed only then.
    preserve_rng_state : bool
        Rerun with the random state of the forward pass (same dropout masks).
    context_fn, determinism_check, debug, early_stop
        Accepted for PyTorch's signature; ``context_fn`` must be left unset.

    Examples
    --------
    >>> import autograd, nn
    >>> from autograd.utils.checkpoint import checkpoint
    >>> layer = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    >>> x = autograd.ones(2, 3, requires_grad=True)
    >>> y = checkpoint(layer, x, use_reentrant=False)
    >>> y.sum().backward()
    >>> x.grad.shape, layer[0].weight.grad.shape
    ((2, 3), (4, 3))
    """
    fn = "checkpoint"
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly; "
            "use_reentrant=False is recommended",
            stacklevel=2,
        )
        use_reentrant = True
    if context_fn is not None:
        raise ValueError(f"{fn}: context_fn is not supported; leave it unset")
    if kwargs and use_reentrant:
        raise ValueError(f"Unexpected keyword arguments: {','.join(kwargs)}")
    if not callable(function):
        raise TypeError(f"{fn}: function must be callable, got {type(function).__name__}")
    if not is_grad_enabled():
        return function(*args, **kwargs)
    segment = _Segment(function, args, kwargs, preserve_rng_state)
    tensors = [args[i] for i in segment.tensor_positions]
    params = segment.params = [] if use_reentrant else _closed_over(function, tensors)
    if use_reentrant and not any(t.requires_grad for t in tensors):
        warnings.warn(
            "None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2
        )
    out = _Checkpoint.apply(*tensors, *params, segment=segment, n_args=len(tensors))
    if segment.structure is None:
        return out
    outs = iter(out if isinstance(out, tuple) else (out,))
    return type(segment.structure)(next(outs) if s is None else s for s in segment.structure)


def checkpoint_sequential(
    functions: Any, segments: int, input: Tensor, use_reentrant: bool | None = None, **kwargs: Any
) -> Tensor:
    """Run a sequence of modules in ``segments`` chunks, checkpointing all but the last.

    Parameters
    ----------
    functions : Sequential or list of callables
    segments : int
        Number of chunks; the intermediate results inside each of the first ``segments - 1``
        chunks are recomputed in backward.
    input : Tensor
    use_reentrant : bool
        As in :func:`checkpoint`.
    preserve_rng_state : bool, keyword
        As in :func:`checkpoint`.

    Examples
    --------
    >>> import autograd, nn
    >>> from autograd.utils.checkpoint import checkpoint_sequential
    >>> net = nn.Sequential(*[nn.Linear(4, 4) for _ in range(4)])
    >>> x = autograd.ones(1, 4, requires_grad=True)
    >>> checkpoint_sequential(net, 2, x, use_reentrant=False).shape
    (1, 4)
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(f"Unexpected keyword arguments: {','.join(kwargs)}")
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly; use_reentrant=False is recommended",
            stacklevel=2,
        )
        use_reentrant = True
    if hasattr(functions, "children") and callable(functions.children):
        functions = list(functions.children())
    functions = list(functions)
    if not isinstance(segments, int) or not 1 <= segments <= max(len(functions), 1):
        raise ValueError(
            f"checkpoint_sequential: segments must be an int in [1, {len(functions)}], got "
            f"{segments!r}"
        )

    def run(start: int, end: int) -> Callable[[Tensor], Tensor]:
        chunk = functions[start : end + 1]

        def forward(x: Tensor) -> Tensor:
            for f in chunk:
                x = f(x)
            return x

        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)  # fmt: skip
    return run(end + 1, len(functions) - 1)(input)
