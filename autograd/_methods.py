"""Op methods and operators of Tensor; each delegates to the function of the same name in ops.

Kept apart from ``tensor.py`` so that file stays about storage and autograd state. ``ops`` is
bound by ``autograd/__init__.py`` once the ops package is imported (ops import Tensor, so the
binding cannot happen at import time here).
"""

from __future__ import annotations

from typing import Any

ops: Any = None


def _sizes(args: tuple) -> tuple:
    """Accept both ``f(2, 3)`` and ``f((2, 3))`` as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


class TensorMethods:
    """Mixin holding Tensor's operators and the methods whose arguments differ from the op
    function's (the plain one-to-one op methods are in ``_op_methods.NamedOpMethods``)."""

    __slots__ = ()

    # ---- methods whose arguments differ from the function form
    def reshape(self, *shape: Any) -> Any:
        """Method form of :func:`autograd.reshape`; ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        return ops.reshape(self, _sizes(shape))

    def view(self, *shape: Any) -> Any:
        """Like ``reshape`` (numbagrad copies only when NumPy must)."""
        return ops.reshape(self, _sizes(shape))

    def permute(self, *dims: Any) -> Any:
        """Method form of :func:`autograd.permute`."""
        return ops.permute(self, _sizes(dims))

    def expand(self, *sizes: Any) -> Any:
        """Method form of :func:`autograd.expand`; -1 keeps a size."""
        return ops.expand(self, _sizes(sizes))

    def repeat(self, *sizes: Any) -> Any:
        """Method form of :func:`autograd.repeat`."""
        return ops.repeat(self, _sizes(sizes))

    def tile(self, *dims: Any) -> Any:
        """Method form of :func:`autograd.tile`."""
        return ops.tile(self, _sizes(dims))

    def flip(self, *dims: Any) -> Any:
        """Method form of :func:`autograd.flip`."""
        return ops.flip(self, _sizes(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        """Method form of :func:`autograd.roll`."""
        return ops.roll(self, shifts, dims)

    def t(self) -> Any:
        """Transpose a tensor of at most 2 dimensions."""
        if self.ndim > 2:
            raise ValueError(f"t(): expected a tensor with <= 2 dimensions, got {self.ndim}")
        return self if self.ndim < 2 else ops.transpose(self, 0, 1)

    @property
    def T(self) -> Any:
        """All dimensions reversed."""
        return self if self.ndim < 2 else ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Any:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self.ndim < 2:
            raise ValueError(f"mT: expected a tensor with >= 2 dimensions, got {self.ndim}")
        return ops.transpose(self, -2, -1)

    def where(self, condition: Any, other: Any) -> Any:
        """``where(condition, self, other)``."""
        return ops.where(condition, self, other)

    # ---- operators
    def __add__(self, other: Any) -> Any:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Any:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Any:
        return ops.sub(self, other)

    def __rsub__(self, other: Any) -> Any:
        return ops.sub(other, self)

    def __mul__(self, other: Any) -> Any:
        return ops.mul(self, other)

    def __rmul__(self, other: Any) -> Any:
        return ops.mul(other, self)

    def __truediv__(self, other: Any) -> Any:
        return ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return ops.div(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Any:
        return ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Any:
        return ops.remainder(other, self)

    def __pow__(self, other: Any) -> Any:
        return ops.pow(self, other)

    def __rpow__(self, other: Any) -> Any:
        return ops.pow(other, self)

    def __matmul__(self, other: Any) -> Any:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return ops.matmul(other, self)

    def __neg__(self) -> Any:
        return ops.neg(self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return ops.abs(self)

    def __invert__(self) -> Any:
        return ops.logical_not(self)

    def __and__(self, other: Any) -> Any:
        return ops.logical_and(self, other)

    def __rand__(self, other: Any) -> Any:
        return ops.logical_and(other, self)

    def __or__(self, other: Any) -> Any:
        return ops.logical_or(self, other)

    def __ror__(self, other: Any) -> Any:
        return ops.logical_or(other, self)

    def __xor__(self, other: Any) -> Any:
        return ops.logical_xor(self, other)

    def __rxor__(self, other: Any) -> Any:
        return ops.logical_xor(other, self)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return ops.eq(self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return ops.ne(self, other)

    def __lt__(self, other: Any) -> Any:
        return ops.lt(self, other)

    def __le__(self, other: Any) -> Any:
        return ops.le(self, other)

    def __gt__(self, other: Any) -> Any:
        return ops.gt(self, other)

    def __ge__(self, other: Any) -> Any:
        return ops.ge(self, other)

    def __getitem__(self, index: Any) -> Any:
        return ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        ops.setitem_(self, index, value)

    def __iadd__(self, other: Any) -> Any:
        return ops.add_(self, other)

    def __isub__(self, other: Any) -> Any:
        return ops.sub_(self, other)

    def __imul__(self, other: Any) -> Any:
        return ops.mul_(self, other)

    def __itruediv__(self, other: Any) -> Any:
        return ops.div_(self, other)

    # ---- NumPy interoperability: NumPy functions applied to Tensors stay differentiable
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return ops.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return ops.array_function(func, args, kwargs)
