"""Embedding: a lookup table of learned vectors; EmbeddingBag: reduced bags of them."""

from __future__ import annotations

from typing import Any

import autograd
from autograd import Tensor
from autograd.extend import check_device

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._util import new_parameter

__all__ = ["Embedding", "EmbeddingBag"]


class _EmbeddingTable(Module):
    """What Embedding and EmbeddingBag share: the checked ``padding_idx``, the lookup options,
    the ``(num_embeddings, embedding_dim)`` weight and its N(0, 1) init with that row zeroed."""

    def _init_table(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None,
        max_norm: float | None,
        norm_type: float,
        scale_grad_by_freq: bool,
        sparse: bool,
        _weight: Tensor | None,
        _freeze: bool,
        dtype: Any,
    ) -> None:
        name = type(self).__name__
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"{name}: padding_idx must be within num_embeddings ({num_embeddings}), "
                    f"got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = new_parameter((num_embeddings, embedding_dim), dtype)
            self.weight.requires_grad_(not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"{name}: _weight must have shape {(num_embeddings, embedding_dim)}, got "
                    f"{tuple(_weight.shape)}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with autograd.no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def _pretrained_size(cls, embeddings: Tensor) -> tuple[int, int]:
        if embeddings.ndim != 2:
            raise ValueError(
                f"{cls.__name__}.from_pretrained: embeddings must be 2-D, got {embeddings.shape}"
            )
        rows, cols = embeddings.shape
        return rows, cols

    def _lookup_repr(self) -> str:
        s = ""
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s


class Embedding(_EmbeddingTable):
    """``weight[input]`` for integer ``input``; ``weight`` is ``(num_embeddings, embedding_dim)``.

    Default init N(0, 1), with the ``padding_idx`` row zeroed; that row gets no gradient.
    ``max_norm`` renormalizes looked-up rows in place (see :func:`nn.functional.embedding`).

    Examples
    --------
    >>> import autograd, nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb(autograd.tensor([[0, 2], [4, 0]])).shape
    (2, 2, 3)
    >>> emb.weight[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device)
        self._init_table(
            num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
            sparse, _weight, _freeze, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
            self.scale_grad_by_freq, self.sparse,
        )  # fmt: skip

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding ``embeddings`` (2-D), frozen by default.

        Examples
        --------
        >>> import autograd, nn
        >>> emb = nn.Embedding.from_pretrained(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> emb(autograd.tensor([1])), emb.weight.requires_grad
        (tensor([[3., 4.]]), False)
        """
        rows, cols = cls._pretrained_size(embeddings)
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
            _weight=embeddings, _freeze=freeze,
        )  # fmt: skip

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        s += self._lookup_repr()
        if self.sparse:
            s += ", sparse=True"
        return s


class EmbeddingBag(_EmbeddingTable):
    """Sums, means or maxima of bags of embeddings, :func:`nn.functional.embedding_bag`.

    ``weight`` is ``(num_embeddings, embedding_dim)``, initialized N(0, 1) with the
    ``padding_idx`` row zeroed (indices equal to ``padding_idx`` are left out of their bags).

    Examples
    --------
    >>> import autograd, nn
    >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(autograd.tensor([1, 2, 4, 5, 4]), autograd.tensor([0, 2])).shape
    (2, 3)
    >>> bag(autograd.tensor([[1, 2], [4, 5]])).shape
    (2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device)
        self.mode = mode
        self.include_last_offset = include_last_offset
        self._init_table(
            num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
            sparse, _weight, False, dtype,
        )  # fmt: skip

    def forward(
        self,
        input: Tensor,
        offsets: Tensor | None = None,
        per_sample_weights: Tensor | None = None,
    ) -> Tensor:
        return F.embedding_bag(
            input, self.weight, offsets, self.max_norm, self.norm_type,
            self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
            self.include_last_offset, self.padding_idx,
        )  # fmt: skip

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An EmbeddingBag holding ``embeddings`` (2-D), frozen by default.

        Examples
        --------
        >>> import autograd, nn
        >>> bag = nn.EmbeddingBag.from_pretrained(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> bag(autograd.tensor([[0, 1]]))
        tensor([[2., 3.]])
        """
        rows, cols = cls._pretrained_size(embeddings)
        bag = cls(
            rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
            include_last_offset, padding_idx,
        )  # fmt: skip
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}" + self._lookup_repr()
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
