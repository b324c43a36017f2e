"""Function transforms in the style of ``torch.func``: ``grad``, ``vjp``, ``jvp``, ``jacrev``,
``jacfwd`` and ``hessian`` take a function and return a function (or its results).

Transforms compose: ``grad(grad(f))`` is the second derivative. A transform applied to
arguments that already require grad (an outer transform is differentiating through it) records
its own backward pass, so the outer one can differentiate it again; at the outermost level the
results are detached.

Examples
--------
>>> import autograd
>>> from autograd.func import grad
>>> d2 = grad(grad(lambda x: x**3))
>>> d2(autograd.tensor(2.0))
tensor(12.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import forward_ad, grad_mode
from . import functional as _functional
from .engine import grad as _grad
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]


def _argnums(argnums: Any, n: int, fn: str) -> tuple[tuple[int, ...], bool]:
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums or any(not isinstance(a, int) or isinstance(a, bool) for a in nums):
        raise TypeError(f"{fn}: argnums must be an int or a tuple of ints, got {argnums!r}")
    out = []
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"{fn}: argnums {a} is out of range for {n} positional arguments")
        out.append(a % n)
    return tuple(out), single


def _split_aux(result: Any, has_aux: bool, fn: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{fn}: with has_aux=True the function must return (output, aux)")
    return result


def _detached(tree: Any) -> Any:
    """``tree`` (a Tensor, or tuples/lists/dicts of them) with every Tensor detached (keeping
    the tangents of an active dual level)."""
    if isinstance(tree, Tensor):
        return _functional._detach(tree)
    if isinstance(tree, (tuple, list)):
        return type(tree)(_detached(t) for t in tree)
    if isinstance(tree, dict):
        return {k: _detached(v) for k, v in tree.items()}
    return tree


def _leaves(args: tuple, nums: tuple, fn: str) -> tuple[list, bool]:
    """Arguments at ``nums`` as differentiable leaves; whether an outer transform is watching."""
    args = list(args)
    nested = False
    for a in nums:
        x = args[a]
        if not isinstance(x, Tensor):
            raise TypeError(f"{fn}: argument {a} must be a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"{fn}: argument {a} must be floating point, got dtype {x.dtype}")
        if x.requires_grad:
            nested = True
            args[a] = x.view_as(x)
        else:
            args[a] = _functional._fresh_leaf(x)  # with x's tangent under a dual level
    return args, nested


def grad_and_value(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """Like :func:`grad`, returning ``(gradient, value)`` (``((gradient, value), aux)`` with
    ``has_aux``).

    Examples
    --------
    >>> import autograd
    >>> from autograd.func import grad_and_value
    >>> grad_and_value(lambda x: (x * x).sum())(autograd.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "grad")
        with grad_mode.enable_grad():
            leaves, nested = _leaves(args, nums, "grad")
            out, aux = _split_aux(func(*leaves, **kwargs), has_aux, "grad")
            if not isinstance(out, Tensor) or out.numel() != 1:
                raise RuntimeError(
                    "grad: the function must return a tensor with one element, got "
                    f"{getattr(out, 'shape', type(out).__name__)}"
                )
            if out.requires_grad:
                # Under a dual level the backward pass is recorded, so it carries tangents.
                record = nested or grad_mode._state.tangents is not None
                gs = _grad(out, [leaves[a] for a in nums], create_graph=record, allow_unused=True)
            else:
                gs = (None,) * len(nums)
        gs = tuple(
            (g if nested else _detached(g)) if g is not None else leaves[a].detach() * 0
            for g, a in zip(gs, nums)
        )  # fmt: skip
        value = out if nested else _detached(out)
        result = (gs[0] if single else gs), value
        return (result, aux if nested else _detached(aux)) if has_aux else result

    return wrapper


def grad(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """The gradient of a function with a one-element output, as a function of the same
    arguments (with respect to argument ``argnums``, an int or a tuple of ints).

    Examples
    --------
    >>> import autograd
    >>> from autograd.func import grad
    >>> grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(autograd.ones(2), autograd.ones(2) * 3)
    (tensor([3., 3.]), tensor([1., 1.]))
    """
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = inner(*args, **kwargs)
        if has_aux:
            (g, _), aux = result
            return g, aux
        return result[0]

    return wrapper


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(output, vjp_fn)``: ``vjp_fn(cotangents)`` gives the vector-Jacobian product with
    respect to every primal (``(output, vjp_fn, aux)`` with ``has_aux``).

    Examples
    --------
    >>> import autograd
    >>> from autograd.func import vjp
    >>> out, vjp_fn = vjp(lambda x: x**2, autograd.tensor([1.0, 2.0]))
    >>> vjp_fn(autograd.ones(2))
    (tensor([2., 4.]),)
    """
    with grad_mode.enable_grad():
        leaves, nested = _leaves(primals, tuple(range(len(primals))), "vjp")
        out, aux = _split_aux(func(*leaves), has_aux, "vjp")
    outs = out if isinstance(out, tuple) else (out,)

    def vjp_fn(*cotangents: Any) -> tuple:
        cts = cotangents[0] if len(cotangents) == 1 and isinstance(out, tuple) else cotangents
        cts = tuple(cts) if isinstance(cts, (tuple, list)) else (cts,)
        if len(cts) != len(outs):
            raise RuntimeError(f"vjp_fn: expected {len(outs)} cotangents, got {len(cts)}")
        with grad_mode.enable_grad():
            gs = _functional._grads(outs, tuple(leaves), cts, nested, False, "vjp")
        return tuple(g if nested else _detached(g) for g in gs)

    shown = out if nested else (tuple(o.detach() for o in outs) if isinstance(out, tuple)
                                else out.detach())  # fmt: skip
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jvp(func: Callable, primals: Any, tangents: Any, *, has_aux: bool = False) -> tuple:
    """``(output, jvp_out)``: the function's output and the Jacobian-vector product with
    ``tangents`` (tuples, one per primal), by forward-mode AD: one pass of ``func`` on dual
    tensors (:mod:`autograd.forward_ad`), as ``torch.func.jvp``. An output that does not depend
    on the primals gets a zero tangent. Every op of ``func`` needs a forward-mode rule; a custom
    Function without ``jvp`` raises a RuntimeError naming it.

    Under an outer transform that differentiates the result (a primal or tangent requires
    grad), or inside an active dual level (levels do not nest), the product is computed by the
    double-backward trick instead, which stays differentiable.

    Examples
    --------
    >>> import autograd
    >>> from autograd.func import jvp
    >>> jvp(lambda x: x**3, (autograd.tensor([2.0]),), (autograd.tensor([1.0]),))
    (tensor([8.]), tensor([12.]))
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise TypeError(
            "jvp: primals and tangents must be tuples (one entry per argument), got "
            f"{type(primals).__name__} and {type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise RuntimeError(
            f"jvp: expected primals and tangents of the same length, got {len(primals)} "
            f"primals and {len(tangents)} tangents"
        )
    for i, (p, t) in enumerate(zip(primals, tangents)):
        for what, x in (("primals", p), ("tangents", t)):
            if not isinstance(x, Tensor):
                raise TypeError(f"jvp: {what}[{i}] must be a Tensor, got {type(x).__name__}")
        if p.shape != t.shape:
            raise RuntimeError(
                f"jvp: tangents[{i}] has shape {t.shape}, expected the primal's {p.shape}"
            )
    aux_box: list = []

    def plain(*xs: Any) -> Any:
        out, aux = _split_aux(func(*xs), has_aux, "jvp")
        aux_box.append(aux)
        return out

    nested = any(x.requires_grad for x in primals + tangents)
    if nested or grad_mode._state.tangents is not None:
        out, jv = _functional.jvp(plain, primals, tangents, create_graph=nested)
        return (out, jv, aux_box[0]) if has_aux else (out, jv)
    with forward_ad.dual_level():
        duals = tuple(forward_ad.make_dual(p, t) for p, t in zip(primals, tangents))
        out = plain(*duals)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError(
                    f"jvp: func must return a Tensor or a tuple of Tensors, got {type(o).__name__}"
                )
        pairs = [forward_ad.unpack_dual(o) for o in outs]
    values = tuple(p.primal for p in pairs)
    jvs = tuple(
        p.tangent
        if p.tangent is not None
        else Tensor._make(np.zeros(p.primal.shape, p.primal.dtype))
        for p in pairs
    )
    if isinstance(out, (tuple, list)):
        result = (type(out)(values), type(out)(jvs))
    else:
        result = (values[0], jvs[0])
    return (*result, aux_box[0]) if has_aux else result


def _jacobian_transform(strategy: str, name: str) -> Callable:
    def transform(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
        def wrapper(*args: Any) -> Any:
            nums, single = _argnums(argnums, len(args), name)
            aux_box: list = []

            def partial(*xs: Any) -> Any:
                full = list(args)
                for a, x in zip(nums, xs):
                    full[a] = x
                out, aux = _split_aux(func(*full), has_aux, name)
                aux_box.append(aux)
                return out

            chosen = tuple(args[a] for a in nums)
            nested = any(isinstance(x, Tensor) and x.requires_grad for x in chosen)
            jac = _functional.jacobian(
                partial, chosen[0] if single else chosen, create_graph=nested, strategy=strategy
            )
            return (jac, aux_box[0]) if has_aux else jac

        return wrapper

    transform.__name__ = transform.__qualname__ = name
    return transform


jacrev = _jacobian_transform("reverse-mode", "jacrev")
jacrev.__doc__ = """The Jacobian of ``func`` with respect to ``argnums``, by reverse mode.

Examples
--------
>>> import autograd
>>> from autograd.func import jacrev
>>> jacrev(lambda x: x**2)(autograd.tensor([1.0, 2.0]))
tensor([[2., 0.],
        [0., 4.]])
"""
jacfwd = _jacobian_transform("forward-mode", "jacfwd")
jacfwd.__doc__ = """The Jacobian of ``func`` with respect to ``argnums`` by forward-mode AD: one
dual pass (:mod:`autograd.forward_ad`) per input element, the cheap way for tall-thin
Jacobians. Under an outer transform that differentiates it (its arguments require grad) each
column is a double-backward Jacobian-vector product instead, differentiable again.

Examples
--------
>>> import autograd
>>> from autograd.func import jacfwd
>>> jacfwd(lambda x: x.sum() * x)(autograd.tensor([1.0, 2.0]))
tensor([[4., 1.],
        [2., 5.]])
"""


def hessian(func: Callable, argnums: Any = 0) -> Callable:
    """The Hessian of a function with a one-element output: ``jacfwd(jacrev(func))``, forward
    over reverse (the reverse-mode gradient's tangents, one dual pass per input element).

    Examples
    --------
    >>> import autograd
    >>> from autograd.func import hessian
    >>> hessian(lambda x: (x**3).sum())(autograd.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """

    def scalar(*args: Any) -> Tensor:
        out = func(*args)
        return out.reshape(()) if isinstance(out, Tensor) and out.numel() == 1 else out

    return jacfwd(jacrev(scalar, argnums), argnums)
