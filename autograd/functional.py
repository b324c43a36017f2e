"""Higher-level differentiation of functions: ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``vhp`` and ``hvp``, with PyTorch's ``torch.autograd.functional`` signatures and semantics.

``func`` takes one Tensor or a tuple of Tensors and returns one Tensor or a tuple of Tensors.
The results follow that structure: a single input and output give plain Tensors, tuples give
(nested) tuples. Unless ``create_graph=True`` the results are detached; with it they are
differentiable again (Hessians of Hessians). With ``strict=True`` an output that does not depend
on an input raises; otherwise its derivative is a tensor of zeros.

``jvp`` uses the double-backward trick (a vector-Jacobian product is linear in its vector, so
differentiating it once more in that vector gives the Jacobian-vector product), as PyTorch's.
``jacobian(..., strategy="forward-mode")`` runs forward-mode AD (:mod:`autograd.forward_ad`): one
dual pass per input element, so a tall-thin Jacobian costs few passes; ``hvp`` differentiates
the reverse-mode gradient in forward mode (forward-over-reverse). Both work inside an outer dual
level too: reverse passes run there carry the inputs' tangents, so transforms compose
(``jacfwd(jacrev(f))`` is a Hessian).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import forward_ad, grad_mode
from .engine import grad as _grad
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x: Any, what: str, fn: str) -> tuple[bool, tuple]:
    """``(was_tuple, tuple_of_tensors)``; anything but Tensors raises, naming ``what``."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{what}[{i}]" if is_tuple else what
            raise TypeError(
                f"{fn}: {where} must be a Tensor (or {what} a tuple of Tensors), got "
                f"{type(t).__name__}"
            )
    return is_tuple, items


def _shape_back(items: tuple, is_tuple: bool) -> Any:
    return items if is_tuple else items[0]


def _tangent_of(t: Tensor) -> Tensor | None:
    tangents = grad_mode._state.tangents
    return None if tangents is None else tangents.get(t)


def _fresh_leaf(t: Tensor) -> Tensor:
    """``t`` detached, requiring grad, with ``t``'s tangent when a dual level gives it one."""
    leaf = t.detach().requires_grad_(True)
    tangent = _tangent_of(t)
    return leaf if tangent is None else forward_ad.make_dual(leaf, tangent)


def _detach(t: Tensor) -> Tensor:
    """``t.detach()``, keeping the tangent ``t`` carries in an active dual level."""
    out = t.detach()
    tangent = _tangent_of(t)
    if tangent is not None:
        grad_mode._state.tangents[out] = tangent
    return out


def _prepare_inputs(inputs: tuple, create_graph: bool, fn: str) -> tuple:
    """Fresh leaves that require grad; under create_graph they stay connected to the inputs."""
    out = []
    for i, t in enumerate(inputs):
        if t.dtype.kind != "f":
            raise TypeError(
                f"{fn}: inputs[{i}] must be a floating-point tensor to differentiate, got "
                f"dtype {t.dtype}"
            )
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(_fresh_leaf(t))
    return tuple(out)


def _call(func: Callable, inputs: tuple, is_tuple: bool, fn: str) -> tuple[bool, tuple]:
    with grad_mode.enable_grad():
        outputs = func(*inputs) if is_tuple else func(inputs[0])
    return _as_tuple(outputs, "the outputs of func", fn)


def _validate_v(v: Any, refs: tuple, what: str, fn: str) -> tuple:
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(refs):
        raise RuntimeError(f"{fn}: v has {len(vs)} tensors but {what} has {len(refs)}")
    for i, (a, b) in enumerate(zip(vs, refs)):
        if a.shape != b.shape:
            raise RuntimeError(
                f"{fn}: v[{i}] has shape {a.shape} but {what}[{i}] has shape {b.shape}"
            )
    return vs


# When ``v`` may be omitted, for the outputs (vjp) or the inputs (jvp, vhp, hvp) it stands for.
_OMIT_V = {
    "the outputs": "when func returns a single tensor with one element",
    "inputs": "for a single input with one element",
}


def _v_or_ones(v: Any, refs: tuple, what: str, fn: str) -> tuple:
    """``v`` checked against ``refs``, or, when omitted, ones for ``refs``' single element."""
    if v is not None:
        return _validate_v(v, refs, what, fn)
    if len(refs) != 1 or refs[0].numel() != 1:
        raise RuntimeError(f"{fn}: v can be omitted only {_OMIT_V[what]}")
    return (Tensor._make(np.ones(refs[0].shape, dtype=refs[0].dtype)),)


def _grads(
    outputs: tuple, inputs: tuple, grad_outputs: tuple, create_graph: bool, strict: bool, fn: str,
    what: str = "output",
) -> tuple:  # fmt: skip
    """d(sum <outputs, grad_outputs>)/d(inputs), zeros (or an error if strict) where unused."""
    diff = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    # Under a dual level the backward pass is recorded, so its ops carry the tangents.
    create_graph = create_graph or grad_mode._state.tangents is not None
    if diff:
        got = _grad(
            [o for o, _ in diff], inputs, [g for _, g in diff], retain_graph=True,
            create_graph=create_graph, allow_unused=True,
        )  # fmt: skip
    else:
        got = (None,) * len(inputs)
    unused = (
        f"{fn}: the {what} of func is independent of input {{i}}; "
        "this is not allowed in strict mode"
    )
    return _zeros_for_none(got, inputs, strict, unused)


def _gradient(out: Tensor, inputs: tuple, strict: bool, fn: str) -> tuple:
    """The gradient of the scalar ``out`` with respect to ``inputs``, recorded (for a second
    differentiation)."""
    return _grads((out,), inputs, (Tensor._make(np.ones((), out.dtype)),), True, strict, fn)


def _zeros_for_none(got: Any, inputs: tuple, strict: bool, unused: str) -> tuple:
    """``got`` with each None replaced by zeros shaped like its input; with ``strict`` a None
    raises ``RuntimeError(unused.format(i=index))`` instead."""
    result = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(unused.format(i=i))
            g = Tensor._make(np.zeros(x.shape, dtype=x.dtype))
        result.append(g)
    return tuple(result)


def _finish(items: tuple, create_graph: bool) -> tuple:
    return items if create_graph else tuple(_detach(t) for t in items)


def vjp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The outputs of ``func(inputs)`` and the vector-Jacobian product ``v^T J``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.functional import vjp
    >>> out, g = vjp(lambda x: x**2, autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 1.0]))
    >>> g
    tensor([2., 4.])
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    with grad_mode.enable_grad():
        ins = _prepare_inputs(ins, create_graph, "vjp")
        out_tuple, outs = _call(func, ins, in_tuple, "vjp")
        vs = _v_or_ones(v, outs, "the outputs", "vjp")
        grads = _grads(outs, ins, vs, create_graph, strict, "vjp")
    return (
        _shape_back(_finish(outs, create_graph), out_tuple),
        _shape_back(_finish(grads, create_graph), in_tuple),
    )


def jvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The outputs of ``func(inputs)`` and the Jacobian-vector product ``J v``.

    Computed by the double-backward trick (two reverse passes, no forward-mode rule needed), as
    ``torch.autograd.functional.jvp``; :func:`autograd.func.jvp` is the one forward-mode pass.

    Examples
    --------
    >>> import autograd
    >>> from autograd.functional import jvp
    >>> out, jv = jvp(lambda x: x**3, autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 0.5]))
    >>> jv
    tensor([3., 6.])
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    vs = _v_or_ones(v, ins, "inputs", "jvp")
    with grad_mode.enable_grad():
        ins = _prepare_inputs(ins, create_graph, "jvp")
        out_tuple, outs = _call(func, ins, in_tuple, "jvp")
        # u is a dummy cotangent: g(u) = J^T u is linear in u, so d<g(u), v>/du = J v.
        us = tuple(Tensor._make(np.zeros(o.shape, dtype=o.dtype)).requires_grad_(True)
                   for o in outs)  # fmt: skip
        g_u = _grads(outs, ins, us, True, strict, "jvp")
        jv = _grads(g_u, us, vs, create_graph, strict, "jvp", what="double backward")
    return (
        _shape_back(_finish(outs, create_graph), out_tuple),
        _shape_back(_finish(jv, create_graph), out_tuple),
    )


def jacobian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j`` a tensor of shape
    ``outputs[i].shape + inputs[j].shape``.

    ``strategy="reverse-mode"`` takes one backward pass per output element,
    ``"forward-mode"`` one forward-mode AD pass (:mod:`autograd.forward_ad`) per input element:
    fewer passes for tall-thin Jacobians. Every op of ``func`` needs a forward-mode rule then
    (the library's all have one). ``vectorize`` is accepted for PyTorch compatibility; the passes
    run one by one either way.

    Unlike PyTorch, ``"forward-mode"`` also accepts ``create_graph=True`` (each column is then a
    double-backward Jacobian-vector product, differentiable again), ``strict=True`` and
    ``vectorize=False``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.functional import jacobian
    >>> jacobian(lambda x: x**2, autograd.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])

    A function of one input with many outputs: one forward pass instead of three backward ones.

    >>> jacobian(lambda t: autograd.stack([t, t**2, t**3]), autograd.tensor(2.0),
    ...          strategy="forward-mode")
    tensor([ 1.,  4., 12.])
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    if strategy == "forward-mode":
        if create_graph or grad_mode._state.tangents is not None:
            # Tangents are not differentiable, and dual levels do not nest: build the columns
            # from double-backward Jacobian-vector products instead.
            return _jacobian_by_columns(func, ins, in_tuple, create_graph, strict)
        return _jacobian_forward_mode(func, ins, in_tuple, strict)
    with grad_mode.enable_grad():
        ins = _prepare_inputs(ins, create_graph, "jacobian")
        out_tuple, outs = _call(func, ins, in_tuple, "jacobian")
        rows: list[list[list[Tensor]]] = []  # rows[i][j]: per element of output i, d/d input j
        for i, out in enumerate(outs):
            per_input: list[list[Tensor]] = [[] for _ in ins]
            for k in range(out.numel()):
                seed = np.zeros(out.numel(), dtype=out.dtype)
                seed[k] = 1
                vs = tuple(
                    Tensor._make(seed.reshape(o.shape)) if n == i
                    else Tensor._make(np.zeros(o.shape, dtype=o.dtype))
                    for n, o in enumerate(outs)
                )  # fmt: skip
                grads = _grads(outs, ins, vs, create_graph, strict, "jacobian")
                for j, g in enumerate(grads):
                    per_input[j].append(g)
            rows.append(per_input)
    from .ops import stack

    result = []
    for i, out in enumerate(outs):
        blocks = []
        for j, x in enumerate(ins):
            parts = rows[i][j]
            block = (
                stack(parts).reshape(out.shape + x.shape) if parts
                else Tensor._make(np.zeros(out.shape + x.shape, dtype=x.dtype))
            )  # fmt: skip
            blocks.append(block if create_graph else _detach(block))
        result.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(result) if out_tuple else result[0]


def _jacobian_forward_mode(func: Callable, ins: tuple, in_tuple: bool, strict: bool) -> Any:
    """The Jacobian by forward-mode AD: column ``k`` of input ``j`` is the tangent of the
    outputs when input ``j`` carries the basis vector ``e_k`` (one dual pass per column)."""
    from .ops import stack

    for i, t in enumerate(ins):
        if t.dtype.kind != "f":
            raise TypeError(
                f"jacobian: inputs[{i}] must be a floating-point tensor to differentiate, got "
                f"dtype {t.dtype}"
            )
    primals = tuple(t.detach() for t in ins)

    def run(j: int, seed: np.ndarray | None) -> tuple[bool, tuple, list]:
        with forward_ad.dual_level():
            args = list(primals)
            if seed is not None:
                args[j] = forward_ad.make_dual(primals[j], Tensor._make(seed))
            with grad_mode.enable_grad():
                out = func(*args) if in_tuple else func(args[0])
            out_tuple, outs = _as_tuple(out, "the outputs of func", "jacobian")
            tangents = [forward_ad.unpack_dual(o).tangent for o in outs]
        return out_tuple, tuple(o.detach() for o in outs), tangents

    columns: list[list[list]] = [[] for _ in ins]  # columns[j][k][i]: d output i / d x_j[k]
    out_tuple, outs = None, ()
    for j, x in enumerate(ins):
        for k in range(x.numel()):
            seed = np.zeros(x.numel(), dtype=x.dtype)
            seed[k] = 1
            out_tuple, outs, tangents = run(j, seed.reshape(x.shape))
            columns[j].append(tangents)
    if out_tuple is None:  # no input elements: one plain call gives the outputs' shapes
        out_tuple, outs, _ = run(0, None)
    result = []
    for i, out in enumerate(outs):
        blocks = []
        for j, x in enumerate(ins):
            cols = [c[i] for c in columns[j]]
            if strict and cols and all(c is None for c in cols):
                raise RuntimeError(
                    f"jacobian: output {i} of func is independent of input {j}; this is not "
                    "allowed in strict mode"
                )
            if any(c is not None for c in cols):  # columns on a new last axis, split to x's
                cols = [c if c is not None else Tensor._make(np.zeros(out.shape, out.dtype))
                        for c in cols]  # fmt: skip
                block = stack(cols, dim=-1).reshape(out.shape + x.shape)
            else:
                block = Tensor._make(np.zeros(out.shape + x.shape, dtype=x.dtype))
            blocks.append(block)
        result.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(result) if out_tuple else result[0]


def _jacobian_by_columns(
    func: Callable, ins: tuple, in_tuple: bool, create_graph: bool, strict: bool
) -> Any:
    """The Jacobian one input element at a time: column ``k`` is ``J e_k``, a double-backward
    Jacobian-vector product (differentiable again under ``create_graph``)."""
    from .ops import stack

    columns: list[list[tuple]] = [[] for _ in ins]  # columns[j][k]: J e_k for element k of j
    out_tuple, outs = False, ()
    for j, x in enumerate(ins):
        for k in range(x.numel()):
            seed = np.zeros(x.numel(), dtype=x.dtype)
            seed[k] = 1
            vs = tuple(
                Tensor._make(seed.reshape(y.shape)) if n == j
                else Tensor._make(np.zeros(y.shape, dtype=y.dtype))
                for n, y in enumerate(ins)
            )  # fmt: skip
            outs, jv = jvp(func, ins if in_tuple else ins[0], vs if in_tuple else vs[0],
                           create_graph, strict)  # fmt: skip
            out_tuple = isinstance(outs, tuple)
            columns[j].append(jv if out_tuple else (jv,))
    if not out_tuple:
        with grad_mode.no_grad():
            outs = func(*ins) if in_tuple else func(ins[0])
        out_tuple = isinstance(outs, (tuple, list))
    outs = tuple(outs) if out_tuple else (outs,)
    result = []
    for i, out in enumerate(outs):
        blocks = []
        for j, x in enumerate(ins):
            cols = [c[i] for c in columns[j]]
            if cols:  # stack columns on a new last axis, then split it back to x's shape
                block = stack(cols, dim=-1).reshape(out.shape + x.shape)
            else:
                block = Tensor._make(np.zeros(out.shape + x.shape, dtype=x.dtype))
            blocks.append(block if create_graph else _detach(block))
        result.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(result) if out_tuple else result[0]


def _scalar_func(func: Callable, fn: str) -> Callable:
    def wrapped(*args: Any) -> Tensor:
        out = func(*args)
        is_tuple, outs = _as_tuple(out, "the output of func", fn)
        if is_tuple and len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"{fn}: func must return a single tensor with one element")
        return outs[0].reshape(())

    return wrapped


def hessian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar function: for inputs ``i``, ``j`` a tensor of shape
    ``inputs[i].shape + inputs[j].shape``.

    The Jacobian of the reverse-mode gradient: reverse over reverse (one backward pass per
    input element) by default, forward over reverse (one dual pass per input element) with
    ``outer_jacobian_strategy="forward-mode"``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.functional import hessian
    >>> hessian(lambda x: (x**3).sum(), autograd.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    scalar = _scalar_func(func, "hessian")

    def gradient(*xs: Tensor) -> Any:
        # Leaves for the inner reverse pass (a forward-mode outer Jacobian passes dual tensors
        # that do not require grad; they keep their tangents: forward-over-reverse).
        xs = _prepare_inputs(xs, True, "hessian")
        grads = _gradient(scalar(*xs), xs, strict, "hessian")
        return grads if in_tuple else grads[0]

    return jacobian(
        gradient, ins if in_tuple else ins[0], create_graph, strict, vectorize,
        strategy=outer_jacobian_strategy,
    )  # fmt: skip


def vhp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The output of a scalar ``func`` and the vector-Hessian product ``v^T H``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.functional import vhp
    >>> vhp(lambda x: (x**3).sum(), autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 1.0]))[1]
    tensor([ 6., 12.])
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "vhp")
    vs = _v_or_ones(v, ins, "inputs", "vhp")
    scalar = _scalar_func(func, "vhp")
    with grad_mode.enable_grad():
        ins = _prepare_inputs(ins, create_graph, "vhp")
        out = scalar(*ins)
        g = _gradient(out, ins, strict, "vhp")
        hv = _grads(g, ins, vs, create_graph, strict, "vhp", what="gradient")
    return (out if create_graph else _detach(out)), _shape_back(_finish(hv, create_graph), in_tuple)


def hvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The output of a scalar ``func`` and the Hessian-vector product ``H v`` (equal to
    ``v^T H`` for the symmetric Hessians of twice-differentiable functions).

    Computed forward-over-reverse: the reverse-mode gradient, run with the inputs carrying ``v``
    as their tangent, has ``H v`` as its tangent (one forward and one backward pass). With
    ``create_graph=True``, inside an outer dual level, or when an op of ``func`` has no
    forward-mode rule (a custom Function without ``jvp``), it is reverse-over-reverse
    (:func:`vhp`), as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> from autograd.functional import hvp
    >>> hvp(lambda x: (x**3).sum(), autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 0.0]))[1]
    tensor([6., 0.])
    """
    if create_graph or grad_mode._state.tangents is not None:
        return vhp(func, inputs, v, create_graph, strict)
    in_tuple, ins = _as_tuple(inputs, "inputs", "hvp")
    vs = _v_or_ones(v, ins, "inputs", "hvp")
    scalar = _scalar_func(func, "hvp")
    try:
        with forward_ad.dual_level(), grad_mode.enable_grad():
            ins = _prepare_inputs(ins, False, "hvp")
            duals = tuple(forward_ad.make_dual(x, t) for x, t in zip(ins, vs))
            out = scalar(*duals)
            grads = _gradient(out, duals, strict, "hvp")
            tangents = [forward_ad.unpack_dual(g).tangent for g in grads]
    except RuntimeError as e:
        if "has no forward-mode AD rule" not in str(e):
            raise
        return vhp(func, inputs, v, create_graph, strict)
    unused = (
        "hvp: the gradient of func with respect to input {i} does not depend on the inputs; "
        "this is not allowed in strict mode"
    )
    hv = _zeros_for_none(tangents, ins, strict, unused)
    return out.detach(), _shape_back(hv, in_tuple)
