"""Forward-mode automatic differentiation, with PyTorch's ``torch.autograd.forward_ad`` surface.

Inside ``with dual_level():`` a tensor made by :func:`make_dual` carries a tangent. Every op
applied to it computes its output's tangent right away, with the op's forward-mode rule (its
``jvp``, declared next to its backward rule), so one pass gives the Jacobian-vector product
``J @ tangent``. :func:`unpack_dual` reads it back. Leaving the level drops every tangent.

Every op of the library has such a rule. A custom :class:`autograd.Function` gets one by defining
``jvp(ctx, *tangents)``: each Tensor argument arrives as its tangent's array (zeros when it has
none), the inputs' values are ``ctx.primals`` (``ctx.has_tangent`` says which inputs carry a
tangent), and the rule returns the output's tangent. An op without a rule raises a RuntimeError
naming it. Reverse mode run inside a level (``autograd.grad(..., create_graph=True)``) carries
tangents through the backward pass too: the tangent of a gradient is a Hessian-vector product.

Examples
--------
>>> import autograd
>>> import autograd.forward_ad as fwAD
>>> x = autograd.tensor([0.0, 1.0])
>>> with fwAD.dual_level():
...     y = autograd.sin(autograd.exp(fwAD.make_dual(x, autograd.ones(2))))
...     fwAD.unpack_dual(y).tangent
tensor([ 0.5403, -2.4784])

A custom Function needs only ``forward`` and ``jvp`` for forward mode (``backward`` is for
reverse mode); ``jvp`` reads the inputs as ``ctx.primals``. Then a Hessian-vector product
(forward-over-reverse):

>>> class Exp(autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         return x.exp()
...     @staticmethod
...     def jvp(ctx, u):
...         (x,) = ctx.primals
...         return u * x.exp()
>>> with fwAD.dual_level():
...     fwAD.unpack_dual(Exp.apply(fwAD.make_dual(autograd.tensor([0.0]), autograd.ones(1))))[1]
tensor([1.])
>>> w = autograd.tensor([1.0, 2.0], requires_grad=True)
>>> with fwAD.dual_level():
...     d = fwAD.make_dual(w, autograd.tensor([1.0, 0.0]))
...     (g,) = autograd.grad((d**3).sum(), d, create_graph=True)
...     fwAD.unpack_dual(g).tangent  # H v for H = diag(6 w)
tensor([6., 0.])
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import NamedTuple

from . import grad_mode
from .tensor import Tensor

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor"]  # fmt: skip


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the primal (a view) and its tangent (or None)."""

    primal: Tensor
    tangent: Tensor | None


class TangentMap:
    """Tensor -> tangent, keyed by identity (a Tensor's ``==`` is elementwise), holding no
    reference to the tensor: an entry goes away with its tensor."""

    __slots__ = ("_entries", "__weakref__")

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, Tensor]] = {}

    def get(self, tensor: Tensor) -> Tensor | None:
        entry = self._entries.get(id(tensor))
        if entry is None or entry[0]() is not tensor:
            return None
        return entry[1]

    def __setitem__(self, tensor: Tensor, tangent: Tensor) -> None:
        key = id(tensor)
        owner = weakref.ref(self)

        def forget(_: weakref.ref) -> None:
            live = owner()
            if live is not None:
                live._entries.pop(key, None)

        self._entries[key] = (weakref.ref(tensor, forget), tangent)


def enter_dual_level() -> int:
    """Start forward-mode AD in this thread (returns the level, 0); levels do not nest.

    Examples
    --------
    >>> import autograd.forward_ad as fwAD
    >>> fwAD.enter_dual_level()
    0
    >>> fwAD.exit_dual_level()
    """
    if grad_mode._state.tangents is not None:
        raise RuntimeError(
            "enter_dual_level: a dual level is already active in this thread; nested forward "
            "AD levels are not supported"
        )
    grad_mode._state.tangents = TangentMap()
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """End forward-mode AD in this thread: every tangent of the level is dropped.

    Examples
    --------
    >>> import autograd.forward_ad as fwAD
    >>> _ = fwAD.enter_dual_level()
    >>> fwAD.exit_dual_level()
    """
    if grad_mode._state.tangents is None:
        raise RuntimeError("exit_dual_level: no dual level is active")
    if level not in (None, 0):
        raise RuntimeError(f"exit_dual_level: level {level} is not the active level 0")
    grad_mode._state.tangents = None


@contextlib.contextmanager
def dual_level() -> Iterator[int]:
    """Context manager for a forward-mode AD level (see the module's example).

    Examples
    --------
    >>> import autograd, autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(autograd.tensor(2.0), autograd.tensor(1.0))
    ...     fwAD.unpack_dual(autograd.exp(d)).tangent
    tensor(7.3891)
    """
    level = enter_dual_level()
    try:
        yield level
    finally:
        exit_dual_level()


def _level(fn: str, level: int | None) -> TangentMap:
    tangents = grad_mode._state.tangents
    if tangents is None:
        raise RuntimeError(f"{fn}: no dual level is active; use `with forward_ad.dual_level():`")
    if level not in (None, 0):
        raise RuntimeError(f"{fn}: level {level} is not the active level 0")
    return tangents


def _untangled_view(tensor: Tensor) -> Tensor:
    """A view of ``tensor`` sharing its history (if any) but not its tangent."""
    if not tensor.requires_grad:
        return Tensor._make(tensor._array)
    state = grad_mode._state
    tangents, state.tangents = state.tangents, None
    try:
        return tensor.view_as(tensor)
    finally:
        state.tangents = tangents


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of ``tensor`` carrying ``tangent`` (same shape; a floating-point tensor).

    Examples
    --------
    >>> import autograd, autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     fwAD.unpack_dual(fwAD.make_dual(autograd.ones(2), autograd.zeros(2))).tangent
    tensor([0., 0.])
    """
    tangents = _level("make_dual", level)
    for name, t in (("tensor", tensor), ("tangent", tangent)):
        if not isinstance(t, Tensor):
            raise TypeError(f"make_dual: {name} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"make_dual: {name} must be floating point, got dtype {t.dtype}")
    if tangent.shape != tensor.shape:
        raise ValueError(
            f"make_dual: tangent has shape {tangent.shape}, expected the tensor's {tensor.shape}"
        )
    dual = _untangled_view(tensor)
    tangents[dual] = tangent.detach().to(tensor.dtype)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a tensor; the tangent is None for a tensor without one.

    Examples
    --------
    >>> import autograd, autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     fwAD.unpack_dual(autograd.ones(1)).tangent is None
    True
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a Tensor, got {type(tensor).__name__}")
    tangents = grad_mode._state.tangents
    tangent = None if tangents is None else tangents.get(tensor)
    return UnpackedDualTensor(_untangled_view(tensor), tangent)
