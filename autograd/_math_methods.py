"""Tensor's named math methods: ``x.exp()``, ``x.eq(y)``, ``x.sum(dim)``, ... each delegating to
the function of the same name in ``autograd.ops`` (bound as ``_methods.ops`` at import).

Methods whose arguments differ from the function form (``reshape(*shape)``, ``permute(*dims)``,
``T``, ...) and the operators live in ``_methods.py``.
"""

from __future__ import annotations

from typing import Any

from . import _methods


class MathMethods:
    """Mixin: elementwise, comparison and reduction methods, one per op."""

    __slots__ = ()

    # ---- elementwise
    def add(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.add`."""
        return _methods.ops.add(self, *args, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sub`."""
        return _methods.ops.sub(self, *args, **kwargs)

    def mul(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mul`."""
        return _methods.ops.mul(self, *args, **kwargs)

    def div(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.div`."""
        return _methods.ops.div(self, *args, **kwargs)

    def true_divide(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.true_divide`."""
        return _methods.ops.true_divide(self, *args, **kwargs)

    def subtract(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.subtract`."""
        return _methods.ops.subtract(self, *args, **kwargs)

    def multiply(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.multiply`."""
        return _methods.ops.multiply(self, *args, **kwargs)

    def divide(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.divide`."""
        return _methods.ops.divide(self, *args, **kwargs)

    def neg(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.neg`."""
        return _methods.ops.neg(self, *args, **kwargs)

    def negative(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.negative`."""
        return _methods.ops.negative(self, *args, **kwargs)

    def pow(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.pow`."""
        return _methods.ops.pow(self, *args, **kwargs)

    def abs(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.abs`."""
        return _methods.ops.abs(self, *args, **kwargs)

    def absolute(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.absolute`."""
        return _methods.ops.absolute(self, *args, **kwargs)

    def sign(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sign`."""
        return _methods.ops.sign(self, *args, **kwargs)

    def reciprocal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.reciprocal`."""
        return _methods.ops.reciprocal(self, *args, **kwargs)

    def square(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.square`."""
        return _methods.ops.square(self, *args, **kwargs)

    def sqrt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sqrt`."""
        return _methods.ops.sqrt(self, *args, **kwargs)

    def rsqrt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.rsqrt`."""
        return _methods.ops.rsqrt(self, *args, **kwargs)

    def exp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.exp`."""
        return _methods.ops.exp(self, *args, **kwargs)

    def expm1(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.expm1`."""
        return _methods.ops.expm1(self, *args, **kwargs)

    def log(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log`."""
        return _methods.ops.log(self, *args, **kwargs)

    def log1p(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log1p`."""
        return _methods.ops.log1p(self, *args, **kwargs)

    def log2(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log2`."""
        return _methods.ops.log2(self, *args, **kwargs)

    def log10(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log10`."""
        return _methods.ops.log10(self, *args, **kwargs)

    def sin(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sin`."""
        return _methods.ops.sin(self, *args, **kwargs)

    def cos(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.cos`."""
        return _methods.ops.cos(self, *args, **kwargs)

    def tan(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tan`."""
        return _methods.ops.tan(self, *args, **kwargs)

    def tanh(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tanh`."""
        return _methods.ops.tanh(self, *args, **kwargs)

    def sigmoid(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sigmoid`."""
        return _methods.ops.sigmoid(self, *args, **kwargs)

    def relu(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.relu`."""
        return _methods.ops.relu(self, *args, **kwargs)

    def erf(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.erf`."""
        return _methods.ops.erf(self, *args, **kwargs)

    def floor(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.floor`."""
        return _methods.ops.floor(self, *args, **kwargs)

    def ceil(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.ceil`."""
        return _methods.ops.ceil(self, *args, **kwargs)

    def round(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.round`."""
        return _methods.ops.round(self, *args, **kwargs)

    def trunc(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.trunc`."""
        return _methods.ops.trunc(self, *args, **kwargs)

    def clamp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clamp`."""
        return _methods.ops.clamp(self, *args, **kwargs)

    def clip(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clip`."""
        return _methods.ops.clip(self, *args, **kwargs)

    def maximum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.maximum`."""
        return _methods.ops.maximum(self, *args, **kwargs)

    def minimum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.minimum`."""
        return _methods.ops.minimum(self, *args, **kwargs)

    def lerp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.lerp`."""
        return _methods.ops.lerp(self, *args, **kwargs)

    def floor_divide(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.floor_divide`."""
        return _methods.ops.floor_divide(self, *args, **kwargs)

    def remainder(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.remainder`."""
        return _methods.ops.remainder(self, *args, **kwargs)

    def clone(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clone`."""
        return _methods.ops.clone(self, *args, **kwargs)

    # ---- compare
    def eq(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.eq`."""
        return _methods.ops.eq(self, *args, **kwargs)

    def ne(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.ne`."""
        return _methods.ops.ne(self, *args, **kwargs)

    def lt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.lt`."""
        return _methods.ops.lt(self, *args, **kwargs)

    def le(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.le`."""
        return _methods.ops.le(self, *args, **kwargs)

    def gt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.gt`."""
        return _methods.ops.gt(self, *args, **kwargs)

    def ge(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.ge`."""
        return _methods.ops.ge(self, *args, **kwargs)

    def greater(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.greater`."""
        return _methods.ops.greater(self, *args, **kwargs)

    def less(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.less`."""
        return _methods.ops.less(self, *args, **kwargs)

    def greater_equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.greater_equal`."""
        return _methods.ops.greater_equal(self, *args, **kwargs)

    def less_equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.less_equal`."""
        return _methods.ops.less_equal(self, *args, **kwargs)

    def not_equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.not_equal`."""
        return _methods.ops.not_equal(self, *args, **kwargs)

    def logical_and(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_and`."""
        return _methods.ops.logical_and(self, *args, **kwargs)

    def logical_or(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_or`."""
        return _methods.ops.logical_or(self, *args, **kwargs)

    def logical_not(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_not`."""
        return _methods.ops.logical_not(self, *args, **kwargs)

    def logical_xor(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_xor`."""
        return _methods.ops.logical_xor(self, *args, **kwargs)

    def isnan(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.isnan`."""
        return _methods.ops.isnan(self, *args, **kwargs)

    def isinf(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.isinf`."""
        return _methods.ops.isinf(self, *args, **kwargs)

    def isfinite(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.isfinite`."""
        return _methods.ops.isfinite(self, *args, **kwargs)

    def allclose(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.allclose`."""
        return _methods.ops.allclose(self, *args, **kwargs)

    def equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.equal`."""
        return _methods.ops.equal(self, *args, **kwargs)

    # ---- reduce
    def sum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sum`."""
        return _methods.ops.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mean`."""
        return _methods.ops.mean(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.prod`."""
        return _methods.ops.prod(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.max`."""
        return _methods.ops.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.min`."""
        return _methods.ops.min(self, *args, **kwargs)

    def amax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.amax`."""
        return _methods.ops.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.amin`."""
        return _methods.ops.amin(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.argmax`."""
        return _methods.ops.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.argmin`."""
        return _methods.ops.argmin(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.var`."""
        return _methods.ops.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.std`."""
        return _methods.ops.std(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logsumexp`."""
        return _methods.ops.logsumexp(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.norm`."""
        return _methods.ops.norm(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.cumsum`."""
        return _methods.ops.cumsum(self, *args, **kwargs)

    def cumprod(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.cumprod`."""
        return _methods.ops.cumprod(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.all`."""
        return _methods.ops.all(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.any`."""
        return _methods.ops.any(self, *args, **kwargs)

    def softmax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.softmax`."""
        return _methods.ops.softmax(self, *args, **kwargs)

    def log_softmax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log_softmax`."""
        return _methods.ops.log_softmax(self, *args, **kwargs)
