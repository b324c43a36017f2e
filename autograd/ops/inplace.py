"""In-place ops. Each bumps the tensor's version counter so backward can detect stale saves.

Outside graph recording (``no_grad``, or no operand requires grad) an in-place op is one NumPy
call writing into the tensor's array: this is the optimizers' hot path. When the graph is being
recorded, the op is computed out of place from a snapshot of the old value and the tensor is
rebased onto the new node, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import grad_mode
from ..random import default_generator
from ..tensor import Tensor
from . import arithmetic as ar
from . import elementwise as el
from . import transcendental as tr
from ._util import as_tensor

__all__ = [
    "add_", "sub_", "mul_", "div_", "pow_", "sqrt_", "exp_", "neg_", "abs_", "zero_", "fill_",
    "copy_", "clamp_", "clip_", "normal_", "uniform_", "addcmul_", "addcdiv_", "lerp_",
    "relu_", "sigmoid_", "tanh_", "bernoulli_", "run_inplace",
]  # fmt: skip


def _records(self: Tensor, others: tuple) -> bool:
    if not grad_mode._state.grad_enabled:
        return False
    return self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)


def run_inplace(
    self: Tensor,
    op: str,
    fast: Callable[[np.ndarray], Any],
    graph: Callable[[Tensor], Tensor],
    others: tuple = (),
) -> Tensor:
    """Apply an in-place op: ``fast(array)`` writes into ``self``'s array when nothing is being
    recorded; otherwise ``graph(old)`` computes the new value out of place and ``self`` is rebased
    onto it. Either way the version counter is bumped, so backward still detects a saved tensor
    that was changed.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> x = autograd.tensor([1.0, 4.0])
    >>> autograd.run_inplace(x, "sqrt_", lambda a: np.sqrt(a, out=a), autograd.sqrt)
    tensor([1., 2.])
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(self).__name__}")
    if not self._array.flags.writeable:  # NumPy's own error would blame broadcasting
        what = (
            "a read-only broadcast view (from expand/broadcast_to)"
            if 0 in self._array.strides
            else "backed by a read-only array"
        )
        raise RuntimeError(f"{op}: this tensor is {what}; clone() it before writing in place")
    if not _records(self, others):
        try:
            fast(self._array)
        except TypeError as e:  # e.g. float into an int tensor (NumPy's UFuncTypeError)
            raise RuntimeError(
                f"{op}: result type can't be cast to dtype {self.dtype} ({e})"
            ) from None
        except ValueError as e:
            raise ValueError(
                f"{op}: operand does not broadcast to shape {self.shape} ({e})"
            ) from None
        self._vc[0] += 1
        return self
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
            "wrap the update in autograd.no_grad() or use the out-of-place op"
        )
    if self._base is not None and self._base._requires_grad:
        raise RuntimeError(
            f"{op}: in-place change of a view of a tensor that requires grad is not supported; "
            "clone() the view first or use the out-of-place op"
        )
    if self._array.dtype.kind != "f":
        raise RuntimeError(f"{op}: an in-place op recorded for autograd needs a float tensor")
    old = Tensor._make(self._array.copy(), self._requires_grad, self.grad_fn, self._output_nr)
    new = graph(old)
    if new.shape != self.shape:
        raise ValueError(f"{op}: result shape {new.shape} does not match tensor shape {self.shape}")
    self._array[...] = new._array
    self.grad_fn = new.grad_fn
    self._output_nr = new._output_nr
    self._requires_grad = new._requires_grad
    self._vc[0] += 1
    return self


def _arr(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


def add_(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """In-place ``self += alpha * other``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.zeros(2)
    >>> x.add_(autograd.ones(2), alpha=3)
    tensor([3., 3.])
    """
    o = _arr(other)

    def fast(a: np.ndarray) -> None:
        if alpha == 1:
            np.add(a, o, out=a, casting="same_kind")
        else:
            np.add(a, np.multiply(o, alpha, dtype=a.dtype), out=a, casting="same_kind")

    return run_inplace(self, "add_", fast, lambda t: ar.add(t, other, alpha=alpha), (other,))


def sub_(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """In-place ``self -= alpha * other``.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2).sub_(0.5)
    tensor([0.5000, 0.5000])
    """
    return add_(self, ar.neg(other) if isinstance(other, Tensor) else -other, alpha)


def mul_(self: Tensor, other: Any) -> Tensor:
    """In-place ``self *= other``.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2).mul_(4)
    tensor([4., 4.])
    """
    o = _arr(other)
    return run_inplace(
        self, "mul_", lambda a: np.multiply(a, o, out=a, casting="same_kind"),
        lambda t: ar.mul(t, other), (other,),
    )  # fmt: skip


def div_(self: Tensor, other: Any) -> Tensor:
    """In-place ``self /= other`` (true division).

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2).div_(4)
    tensor([0.2500, 0.2500])
    """
    o = _arr(other)
    return run_inplace(
        self, "div_", lambda a: np.divide(a, o, out=a, casting="same_kind"),
        lambda t: ar.div(t, other), (other,),
    )  # fmt: skip


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``self **= exponent``.

    Examples
    --------
    >>> import autograd
    >>> autograd.full((2,), 3.0).pow_(2)
    tensor([9., 9.])
    """
    e = _arr(exponent)
    return run_inplace(
        self, "pow_", lambda a: np.power(a, e, out=a, casting="same_kind"),
        lambda t: ar.pow(t, exponent), (exponent,),
    )  # fmt: skip


def _unary_inplace(name: str, ufunc: Callable, op: Callable) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return run_inplace(self, name, lambda a: ufunc(a, out=a), op)

    method.__name__ = name
    method.__doc__ = f"In-place :func:`autograd.{name[:-1]}`."
    return method


sqrt_ = _unary_inplace("sqrt_", np.sqrt, el.sqrt)
exp_ = _unary_inplace("exp_", np.exp, tr.exp)
neg_ = _unary_inplace("neg_", np.negative, el.neg)
abs_ = _unary_inplace("abs_", np.abs, el.abs)
tanh_ = _unary_inplace("tanh_", np.tanh, tr.tanh)
relu_ = _unary_inplace("relu_", lambda a, out: np.maximum(a, 0, out=out), el.relu)
sigmoid_ = _unary_inplace(
    "sigmoid_", lambda a, out: np.copyto(out, tr._sigmoid_array(a)), tr.sigmoid
)


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2).zero_()
    tensor([0., 0.])
    """
    return fill_(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or one-element tensor) in place.

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
        return ar.add(t * 0, value if isinstance(value, Tensor) else float(value))

    return run_inplace(self, "fill_", lambda a: a.fill(np.asarray(v).item()), graph, (value,))


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
        return ar.add(t * 0, s.to(t.dtype))

    return run_inplace(
        self, "copy_", lambda a: np.copyto(a, s._array, casting="unsafe"), graph, (s,)
    )


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """In-place :func:`autograd.clamp`.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([-3.0, 3.0]).clamp_(-1, 1)
    tensor([-1.,  1.])
    """
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    lo, hi = _arr(min), _arr(max)
    return run_inplace(
        self, "clamp_", lambda a: np.clip(a, lo, hi, out=a),
        lambda t: ar.clamp(t, min, max), (min, max),
    )  # fmt: skip


clip_ = clamp_


def addcmul_(self: Tensor, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
    """In-place ``self += value * tensor1 * tensor2``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2).addcmul_(autograd.ones(2), autograd.full((2,), 3.0), value=2)
    tensor([6., 6.])
    """
    a1, a2 = _arr(tensor1), _arr(tensor2)

    def fast(a: np.ndarray) -> None:
        prod = np.multiply(a1, a2, dtype=a.dtype)
        if value != 1:
            prod *= value
        np.add(a, prod, out=a, casting="same_kind")

    return run_inplace(
        self, "addcmul_", fast, lambda t: t + ar.mul(tensor1, tensor2) * value, (tensor1, tensor2)
    )


def addcdiv_(self: Tensor, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
    """In-place ``self += value * tensor1 / tensor2``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2).addcdiv_(autograd.ones(2), autograd.full((2,), 4.0), value=2)
    tensor([0.5000, 0.5000])
    """
    a1, a2 = _arr(tensor1), _arr(tensor2)

    def fast(a: np.ndarray) -> None:
        q = np.divide(a1, a2, dtype=a.dtype)
        if value != 1:
            q *= value
        np.add(a, q, out=a, casting="same_kind")

    return run_inplace(
        self, "addcdiv_", fast, lambda t: t + ar.div(tensor1, tensor2) * value, (tensor1, tensor2)
    )


def lerp_(self: Tensor, end: Any, weight: Any) -> Tensor:
    """In-place ``self += weight * (end - self)``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(1).lerp_(autograd.ones(1), 0.5)
    tensor([0.5000])
    """
    e, w = _arr(end), _arr(weight)

    def fast(a: np.ndarray) -> None:
        a += np.multiply(w, np.subtract(e, a), dtype=a.dtype)

    return run_inplace(self, "lerp_", fast, lambda t: ar.lerp(t, end, weight), (end, weight))


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
