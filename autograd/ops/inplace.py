"""In-place ops. Each bumps the tensor's version counter so backward can detect stale saves.

Outside graph recording (``no_grad``, or no operand requires grad) an in-place op is one NumPy
call writing into the tensor's array: this is the optimizers' hot path. When the graph is being
recorded, the op is computed out of place from a snapshot of the old value and the tensor is
rebased onto the new node, as PyTorch does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import grad_mode
from ..function import Function
from ..random import default_generator
from ..tensor import Tensor
from . import arithmetic as ar
from ._mutate import run_inplace
from ._table import zeros_like_grad
from ._util import as_tensor
from .registry import register


def _arr(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


class Overwrite(Function):
    """The new value of ``fill_``, ``zero_`` or ``copy_`` when a graph is recorded.

    The result never reads the old values (so an inf or NaN there does not leak into it): the
    old tensor gets a zero gradient, the source the gradient (summed by the engine over the
    broadcast, cast to its dtype).
    """

    @staticmethod
    def forward(ctx, old, src):
        return np.array(np.broadcast_to(src, old.shape), dtype=old.dtype)

    @staticmethod
    def backward(ctx, g):
        return zeros_like_grad(g), g

    @staticmethod
    def jvp(ctx, t_old, t_src):
        return t_src if ctx.has_tangent[1] else 0.0  # the old values are not read


@register(method=True)
def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2).zero_()
    tensor([0., 0.])
    """
    return fill_(self, 0)


@register(method=True)
def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or one-element tensor) in place.

    As in PyTorch, an ``expand()``ed tensor (whose elements share memory) can be filled outside
    graph recording, since every element gets the same value.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2).fill_(7)
    tensor([7., 7.])
    """
    v = _arr(value)
    if np.size(v) != 1:
        raise ValueError(
            f"fill_: value must be a number or a one-element tensor, got shape {np.shape(v)}"
        )

    def graph(t: Tensor) -> Tensor:
        return Overwrite.apply(t, value.reshape(()) if isinstance(value, Tensor) else v)

    fill = np.asarray(v).item()
    return run_inplace(self, "fill_", lambda a: a.fill(fill), graph, (value,), overlap_ok=True)


@register(method=True)
def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 2).copy_(autograd.tensor([1.0, 2.0]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    s = as_tensor(src, "src")

    def graph(t: Tensor) -> Tensor:
        return Overwrite.apply(t, s)

    return run_inplace(
        self, "copy_", lambda a: np.copyto(a, s._array, casting="unsafe"), graph, (s,), ("src",)
    )


def _add_combined(
    self: Tensor, op: str, ufunc: Any, combine: Any, tensor1: Any, tensor2: Any, value: float
) -> Tensor:
    """``self += value * combine(tensor1, tensor2)`` in place (``ufunc`` on the fast path)."""
    a1, a2 = _arr(tensor1), _arr(tensor2)

    def fast(a: np.ndarray) -> None:
        part = ufunc(a1, a2, dtype=a.dtype)
        if value != 1:
            part *= value
        np.add(a, part, out=a, casting="same_kind")

    return run_inplace(
        self, op, fast, lambda t: t + combine(tensor1, tensor2) * value,
        (tensor1, tensor2), ("tensor1", "tensor2"),
    )  # fmt: skip


@register(method=True)
def addcmul_(self: Tensor, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
    """In-place ``self += value * tensor1 * tensor2``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2).addcmul_(autograd.ones(2), autograd.full((2,), 3.0), value=2)
    tensor([6., 6.])
    """
    return _add_combined(self, "addcmul_", np.multiply, ar.mul, tensor1, tensor2, value)


@register(method=True)
def addcdiv_(self: Tensor, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
    """In-place ``self += value * tensor1 / tensor2``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2).addcdiv_(autograd.ones(2), autograd.full((2,), 4.0), value=2)
    tensor([0.5000, 0.5000])
    """
    return _add_combined(self, "addcdiv_", np.divide, ar.div, tensor1, tensor2, value)


@register(method=True)
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of N(mean, std**2) from the global generator (see ``manual_seed``).

    Examples
    --------
    >>> import autograd
    >>> _ = autograd.manual_seed(0)
    >>> autograd.empty(1000).normal_(2.0, 0.5).mean().item() > 1.9
    True
    """
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    _check_random_target(self, "normal_")
    self._array[...] = default_generator.normal(mean, std, self.shape)
    self._vc[0] += 1
    return self


@register(method=True)
def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of U[a, b) from the global generator.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.empty(100).uniform_(-1, 1)
    >>> bool((x >= -1).all() and (x < 1).all())
    True
    """
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    _check_random_target(self, "uniform_")
    self._array[...] = default_generator.uniform(a, b, self.shape)
    self._vc[0] += 1
    return self


@register(method=True)
def bernoulli_(self: Tensor, p: float = 0.5) -> Tensor:
    """Fill with 1 with probability ``p``, else 0.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.empty(10).bernoulli_(1.0)
    >>> x.sum().item()
    10.0
    """
    if not 0 <= p <= 1:
        raise ValueError(f"bernoulli_: p must be in [0, 1], got {p}")
    _check_random_target(self, "bernoulli_")
    self._array[...] = default_generator.random(self.shape) < p
    self._vc[0] += 1
    return self


def _check_random_target(self: Tensor, op: str) -> None:
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(self).__name__}")
    if grad_mode._state.grad_enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
            "wrap it in autograd.no_grad()"
        )
