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
    """Mixin holding Tensor's op methods and operators."""

    __slots__ = ()

    # ---- elementwise
    def add(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.add`."""
        return ops.add(self, *args, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sub`."""
        return ops.sub(self, *args, **kwargs)

    def mul(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mul`."""
        return ops.mul(self, *args, **kwargs)

    def div(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.div`."""
        return ops.div(self, *args, **kwargs)

    def true_divide(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.true_divide`."""
        return ops.true_divide(self, *args, **kwargs)

    def subtract(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.subtract`."""
        return ops.subtract(self, *args, **kwargs)

    def multiply(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.multiply`."""
        return ops.multiply(self, *args, **kwargs)

    def divide(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.divide`."""
        return ops.divide(self, *args, **kwargs)

    def neg(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.neg`."""
        return ops.neg(self, *args, **kwargs)

    def negative(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.negative`."""
        return ops.negative(self, *args, **kwargs)

    def pow(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.pow`."""
        return ops.pow(self, *args, **kwargs)

    def abs(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.abs`."""
        return ops.abs(self, *args, **kwargs)

    def absolute(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.absolute`."""
        return ops.absolute(self, *args, **kwargs)

    def sign(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sign`."""
        return ops.sign(self, *args, **kwargs)

    def reciprocal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.reciprocal`."""
        return ops.reciprocal(self, *args, **kwargs)

    def square(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.square`."""
        return ops.square(self, *args, **kwargs)

    def sqrt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sqrt`."""
        return ops.sqrt(self, *args, **kwargs)

    def rsqrt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.rsqrt`."""
        return ops.rsqrt(self, *args, **kwargs)

    def exp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.exp`."""
        return ops.exp(self, *args, **kwargs)

    def expm1(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.expm1`."""
        return ops.expm1(self, *args, **kwargs)

    def log(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log`."""
        return ops.log(self, *args, **kwargs)

    def log1p(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log1p`."""
        return ops.log1p(self, *args, **kwargs)

    def log2(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log2`."""
        return ops.log2(self, *args, **kwargs)

    def log10(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log10`."""
        return ops.log10(self, *args, **kwargs)

    def sin(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sin`."""
        return ops.sin(self, *args, **kwargs)

    def cos(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.cos`."""
        return ops.cos(self, *args, **kwargs)

    def tan(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tan`."""
        return ops.tan(self, *args, **kwargs)

    def tanh(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tanh`."""
        return ops.tanh(self, *args, **kwargs)

    def sigmoid(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sigmoid`."""
        return ops.sigmoid(self, *args, **kwargs)

    def relu(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.relu`."""
        return ops.relu(self, *args, **kwargs)

    def erf(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.erf`."""
        return ops.erf(self, *args, **kwargs)

    def floor(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.floor`."""
        return ops.floor(self, *args, **kwargs)

    def ceil(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.ceil`."""
        return ops.ceil(self, *args, **kwargs)

    def round(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.round`."""
        return ops.round(self, *args, **kwargs)

    def trunc(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.trunc`."""
        return ops.trunc(self, *args, **kwargs)

    def clamp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clamp`."""
        return ops.clamp(self, *args, **kwargs)

    def clip(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clip`."""
        return ops.clip(self, *args, **kwargs)

    def maximum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.maximum`."""
        return ops.maximum(self, *args, **kwargs)

    def minimum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.minimum`."""
        return ops.minimum(self, *args, **kwargs)

    def lerp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.lerp`."""
        return ops.lerp(self, *args, **kwargs)

    def floor_divide(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.floor_divide`."""
        return ops.floor_divide(self, *args, **kwargs)

    def remainder(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.remainder`."""
        return ops.remainder(self, *args, **kwargs)

    def clone(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clone`."""
        return ops.clone(self, *args, **kwargs)

    # ---- compare
    def eq(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.eq`."""
        return ops.eq(self, *args, **kwargs)

    def ne(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.ne`."""
        return ops.ne(self, *args, **kwargs)

    def lt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.lt`."""
        return ops.lt(self, *args, **kwargs)

    def le(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.le`."""
        return ops.le(self, *args, **kwargs)

    def gt(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.gt`."""
        return ops.gt(self, *args, **kwargs)

    def ge(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.ge`."""
        return ops.ge(self, *args, **kwargs)

    def greater(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.greater`."""
        return ops.greater(self, *args, **kwargs)

    def less(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.less`."""
        return ops.less(self, *args, **kwargs)

    def greater_equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.greater_equal`."""
        return ops.greater_equal(self, *args, **kwargs)

    def less_equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.less_equal`."""
        return ops.less_equal(self, *args, **kwargs)

    def not_equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.not_equal`."""
        return ops.not_equal(self, *args, **kwargs)

    def logical_and(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_and`."""
        return ops.logical_and(self, *args, **kwargs)

    def logical_or(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_or`."""
        return ops.logical_or(self, *args, **kwargs)

    def logical_not(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_not`."""
        return ops.logical_not(self, *args, **kwargs)

    def logical_xor(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logical_xor`."""
        return ops.logical_xor(self, *args, **kwargs)

    def isnan(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.isnan`."""
        return ops.isnan(self, *args, **kwargs)

    def isinf(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.isinf`."""
        return ops.isinf(self, *args, **kwargs)

    def isfinite(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.isfinite`."""
        return ops.isfinite(self, *args, **kwargs)

    def allclose(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.allclose`."""
        return ops.allclose(self, *args, **kwargs)

    def equal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.equal`."""
        return ops.equal(self, *args, **kwargs)

    # ---- reduce
    def sum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sum`."""
        return ops.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mean`."""
        return ops.mean(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.prod`."""
        return ops.prod(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.max`."""
        return ops.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.min`."""
        return ops.min(self, *args, **kwargs)

    def amax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.amax`."""
        return ops.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.amin`."""
        return ops.amin(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.argmax`."""
        return ops.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.argmin`."""
        return ops.argmin(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.var`."""
        return ops.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.std`."""
        return ops.std(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.logsumexp`."""
        return ops.logsumexp(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.norm`."""
        return ops.norm(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.cumsum`."""
        return ops.cumsum(self, *args, **kwargs)

    def cumprod(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.cumprod`."""
        return ops.cumprod(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.all`."""
        return ops.all(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.any`."""
        return ops.any(self, *args, **kwargs)

    def softmax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.softmax`."""
        return ops.softmax(self, *args, **kwargs)

    def log_softmax(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.log_softmax`."""
        return ops.log_softmax(self, *args, **kwargs)

    # ---- shape
    def flatten(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.flatten`."""
        return ops.flatten(self, *args, **kwargs)

    def unflatten(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.unflatten`."""
        return ops.unflatten(self, *args, **kwargs)

    def squeeze(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.squeeze`."""
        return ops.squeeze(self, *args, **kwargs)

    def unsqueeze(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.unsqueeze`."""
        return ops.unsqueeze(self, *args, **kwargs)

    def transpose(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.transpose`."""
        return ops.transpose(self, *args, **kwargs)

    def movedim(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.movedim`."""
        return ops.movedim(self, *args, **kwargs)

    def swapaxes(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.swapaxes`."""
        return ops.swapaxes(self, *args, **kwargs)

    def swapdims(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.swapdims`."""
        return ops.swapdims(self, *args, **kwargs)

    def expand_as(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.expand_as`."""
        return ops.expand_as(self, *args, **kwargs)

    def broadcast_to(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.broadcast_to`."""
        return ops.broadcast_to(self, *args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.split`."""
        return ops.split(self, *args, **kwargs)

    def chunk(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.chunk`."""
        return ops.chunk(self, *args, **kwargs)

    def unbind(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.unbind`."""
        return ops.unbind(self, *args, **kwargs)

    def tril(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tril`."""
        return ops.tril(self, *args, **kwargs)

    def triu(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.triu`."""
        return ops.triu(self, *args, **kwargs)

    def diagonal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.diagonal`."""
        return ops.diagonal(self, *args, **kwargs)

    def contiguous(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.contiguous`."""
        return ops.contiguous(self, *args, **kwargs)

    def view_as(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.view_as`."""
        return ops.view_as(self, *args, **kwargs)

    def reshape_as(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.reshape_as`."""
        return ops.reshape_as(self, *args, **kwargs)

    # ---- index
    def gather(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.gather`."""
        return ops.gather(self, *args, **kwargs)

    def scatter(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.scatter`."""
        return ops.scatter(self, *args, **kwargs)

    def scatter_add(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.scatter_add`."""
        return ops.scatter_add(self, *args, **kwargs)

    def index_select(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.index_select`."""
        return ops.index_select(self, *args, **kwargs)

    def masked_fill(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.masked_fill`."""
        return ops.masked_fill(self, *args, **kwargs)

    def masked_select(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.masked_select`."""
        return ops.masked_select(self, *args, **kwargs)

    def take_along_dim(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.take_along_dim`."""
        return ops.take_along_dim(self, *args, **kwargs)

    def nonzero(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.nonzero`."""
        return ops.nonzero(self, *args, **kwargs)

    # ---- linalg
    def matmul(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.matmul`."""
        return ops.matmul(self, *args, **kwargs)

    def mm(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mm`."""
        return ops.mm(self, *args, **kwargs)

    def bmm(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.bmm`."""
        return ops.bmm(self, *args, **kwargs)

    def dot(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.dot`."""
        return ops.dot(self, *args, **kwargs)

    def outer(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.outer`."""
        return ops.outer(self, *args, **kwargs)

    # ---- inplace
    def add_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.add_`."""
        return ops.add_(self, *args, **kwargs)

    def sub_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sub_`."""
        return ops.sub_(self, *args, **kwargs)

    def mul_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mul_`."""
        return ops.mul_(self, *args, **kwargs)

    def div_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.div_`."""
        return ops.div_(self, *args, **kwargs)

    def pow_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.pow_`."""
        return ops.pow_(self, *args, **kwargs)

    def sqrt_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sqrt_`."""
        return ops.sqrt_(self, *args, **kwargs)

    def exp_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.exp_`."""
        return ops.exp_(self, *args, **kwargs)

    def neg_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.neg_`."""
        return ops.neg_(self, *args, **kwargs)

    def abs_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.abs_`."""
        return ops.abs_(self, *args, **kwargs)

    def zero_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.zero_`."""
        return ops.zero_(self, *args, **kwargs)

    def fill_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.fill_`."""
        return ops.fill_(self, *args, **kwargs)

    def copy_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.copy_`."""
        return ops.copy_(self, *args, **kwargs)

    def clamp_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clamp_`."""
        return ops.clamp_(self, *args, **kwargs)

    def clip_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clip_`."""
        return ops.clip_(self, *args, **kwargs)

    def normal_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.normal_`."""
        return ops.normal_(self, *args, **kwargs)

    def uniform_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.uniform_`."""
        return ops.uniform_(self, *args, **kwargs)

    def addcmul_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.addcmul_`."""
        return ops.addcmul_(self, *args, **kwargs)

    def addcdiv_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.addcdiv_`."""
        return ops.addcdiv_(self, *args, **kwargs)

    def lerp_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.lerp_`."""
        return ops.lerp_(self, *args, **kwargs)

    def masked_fill_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.masked_fill_`."""
        return ops.masked_fill_(self, *args, **kwargs)

    def relu_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.relu_`."""
        return ops.relu_(self, *args, **kwargs)

    def sigmoid_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sigmoid_`."""
        return ops.sigmoid_(self, *args, **kwargs)

    def tanh_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tanh_`."""
        return ops.tanh_(self, *args, **kwargs)

    def bernoulli_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.bernoulli_`."""
        return ops.bernoulli_(self, *args, **kwargs)

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
