"""Tensor's named structure methods: ``x.flatten()``, ``x.gather(...)``, ``x.mm(y)``,
``x.add_(y)``, ... each delegating to the function of the same name in ``autograd.ops`` (bound as
``_methods.ops`` at import).

Methods whose arguments differ from the function form (``reshape(*shape)``, ``permute(*dims)``,
``T``, ...) and the operators live in ``_methods.py``.
"""

from __future__ import annotations

from typing import Any

from . import _methods


class StructureMethods:
    """Mixin: shape, indexing, linear-algebra and in-place methods, one per op."""

    __slots__ = ()

    # ---- shape
    def flatten(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.flatten`."""
        return _methods.ops.flatten(self, *args, **kwargs)

    def unflatten(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.unflatten`."""
        return _methods.ops.unflatten(self, *args, **kwargs)

    def squeeze(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.squeeze`."""
        return _methods.ops.squeeze(self, *args, **kwargs)

    def unsqueeze(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.unsqueeze`."""
        return _methods.ops.unsqueeze(self, *args, **kwargs)

    def transpose(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.transpose`."""
        return _methods.ops.transpose(self, *args, **kwargs)

    def movedim(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.movedim`."""
        return _methods.ops.movedim(self, *args, **kwargs)

    def swapaxes(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.swapaxes`."""
        return _methods.ops.swapaxes(self, *args, **kwargs)

    def swapdims(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.swapdims`."""
        return _methods.ops.swapdims(self, *args, **kwargs)

    def expand_as(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.expand_as`."""
        return _methods.ops.expand_as(self, *args, **kwargs)

    def broadcast_to(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.broadcast_to`."""
        return _methods.ops.broadcast_to(self, *args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.split`."""
        return _methods.ops.split(self, *args, **kwargs)

    def chunk(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.chunk`."""
        return _methods.ops.chunk(self, *args, **kwargs)

    def unbind(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.unbind`."""
        return _methods.ops.unbind(self, *args, **kwargs)

    def tril(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tril`."""
        return _methods.ops.tril(self, *args, **kwargs)

    def triu(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.triu`."""
        return _methods.ops.triu(self, *args, **kwargs)

    def diagonal(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.diagonal`."""
        return _methods.ops.diagonal(self, *args, **kwargs)

    def contiguous(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.contiguous`."""
        return _methods.ops.contiguous(self, *args, **kwargs)

    def view_as(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.view_as`."""
        return _methods.ops.view_as(self, *args, **kwargs)

    def reshape_as(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.reshape_as`."""
        return _methods.ops.reshape_as(self, *args, **kwargs)

    # ---- index
    def gather(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.gather`."""
        return _methods.ops.gather(self, *args, **kwargs)

    def scatter(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.scatter`."""
        return _methods.ops.scatter(self, *args, **kwargs)

    def scatter_add(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.scatter_add`."""
        return _methods.ops.scatter_add(self, *args, **kwargs)

    def index_select(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.index_select`."""
        return _methods.ops.index_select(self, *args, **kwargs)

    def masked_fill(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.masked_fill`."""
        return _methods.ops.masked_fill(self, *args, **kwargs)

    def masked_select(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.masked_select`."""
        return _methods.ops.masked_select(self, *args, **kwargs)

    def take_along_dim(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.take_along_dim`."""
        return _methods.ops.take_along_dim(self, *args, **kwargs)

    def nonzero(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.nonzero`."""
        return _methods.ops.nonzero(self, *args, **kwargs)

    # ---- linalg
    def matmul(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.matmul`."""
        return _methods.ops.matmul(self, *args, **kwargs)

    def mm(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mm`."""
        return _methods.ops.mm(self, *args, **kwargs)

    def bmm(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.bmm`."""
        return _methods.ops.bmm(self, *args, **kwargs)

    def dot(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.dot`."""
        return _methods.ops.dot(self, *args, **kwargs)

    def outer(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.outer`."""
        return _methods.ops.outer(self, *args, **kwargs)

    # ---- inplace
    def add_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.add_`."""
        return _methods.ops.add_(self, *args, **kwargs)

    def sub_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sub_`."""
        return _methods.ops.sub_(self, *args, **kwargs)

    def mul_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.mul_`."""
        return _methods.ops.mul_(self, *args, **kwargs)

    def div_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.div_`."""
        return _methods.ops.div_(self, *args, **kwargs)

    def pow_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.pow_`."""
        return _methods.ops.pow_(self, *args, **kwargs)

    def sqrt_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sqrt_`."""
        return _methods.ops.sqrt_(self, *args, **kwargs)

    def exp_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.exp_`."""
        return _methods.ops.exp_(self, *args, **kwargs)

    def neg_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.neg_`."""
        return _methods.ops.neg_(self, *args, **kwargs)

    def abs_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.abs_`."""
        return _methods.ops.abs_(self, *args, **kwargs)

    def zero_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.zero_`."""
        return _methods.ops.zero_(self, *args, **kwargs)

    def fill_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.fill_`."""
        return _methods.ops.fill_(self, *args, **kwargs)

    def copy_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.copy_`."""
        return _methods.ops.copy_(self, *args, **kwargs)

    def clamp_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clamp_`."""
        return _methods.ops.clamp_(self, *args, **kwargs)

    def clip_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.clip_`."""
        return _methods.ops.clip_(self, *args, **kwargs)

    def normal_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.normal_`."""
        return _methods.ops.normal_(self, *args, **kwargs)

    def uniform_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.uniform_`."""
        return _methods.ops.uniform_(self, *args, **kwargs)

    def addcmul_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.addcmul_`."""
        return _methods.ops.addcmul_(self, *args, **kwargs)

    def addcdiv_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.addcdiv_`."""
        return _methods.ops.addcdiv_(self, *args, **kwargs)

    def lerp_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.lerp_`."""
        return _methods.ops.lerp_(self, *args, **kwargs)

    def masked_fill_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.masked_fill_`."""
        return _methods.ops.masked_fill_(self, *args, **kwargs)

    def relu_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.relu_`."""
        return _methods.ops.relu_(self, *args, **kwargs)

    def sigmoid_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.sigmoid_`."""
        return _methods.ops.sigmoid_(self, *args, **kwargs)

    def tanh_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.tanh_`."""
        return _methods.ops.tanh_(self, *args, **kwargs)

    def bernoulli_(self, *args: Any, **kwargs: Any) -> Any:
        """Method form of :func:`autograd.bernoulli_`."""
        return _methods.ops.bernoulli_(self, *args, **kwargs)
