"""Pooling layers: thin Modules over the engine's pooling ops (re-exported by nn.functional)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Tensor

from .. import functional as F
from ..module import Module

__all__ = [
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
]  # fmt: skip

_Size = int | Sequence[int]


def _single(v: _Size) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class _PoolNd(Module):
    """The sliding window every pooling layer with a kernel stores: ``kernel_size``, ``stride``
    (``kernel_size`` when not given) and ``padding``."""

    def __init__(self, kernel_size: _Size, stride: _Size | None, padding: _Size) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding


class _MaxPoolNd(_PoolNd):
    """MaxPool1d, 2d and 3d: the same arguments, a different functional."""

    _pool: Any = None

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        dilation: _Size = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(kernel_size, stride, padding)
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        return type(self)._pool(
            input, self.kernel_size, self.stride, self.padding, self.dilation,
            ceil_mode=self.ceil_mode, return_indices=self.return_indices,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, L)`` inputs; PyTorch's arguments.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.MaxPool1d(2)(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[3., 2.]]])
    """

    _pool = F.max_pool1d


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, H, W)`` inputs; PyTorch's arguments.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.MaxPool2d(2)(autograd.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """

    _pool = F.max_pool2d


class MaxPool3d(_MaxPoolNd):
    """Max over sliding ``(kD, kH, kW)`` windows of ``(N, C, D, H, W)`` inputs; PyTorch's
    arguments.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.MaxPool3d(2)(autograd.arange(16.0).reshape(1, 1, 2, 2, 4))
    tensor([[[[[13., 15.]]]]])
    """

    _pool = F.max_pool3d


class _AvgPoolNd(_PoolNd):
    """The average-pooling layers' common base (their repr), as PyTorch's."""

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, L)`` inputs; PyTorch's arguments.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AvgPool1d(2)(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[2., 1.]]])
    """

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        # stored as 1-tuples, as PyTorch does for this layer (and shows in its repr)
        super().__init__(
            _single(kernel_size), None if stride is None else _single(stride), _single(padding)
        )
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad,
        )  # fmt: skip


class _AvgPoolWithDivisor(_AvgPoolNd):
    """AvgPool2d and AvgPool3d: the same arguments, a different functional."""

    _pool: Any = None

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._pool(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip


class AvgPool2d(_AvgPoolWithDivisor):
    """Mean over sliding windows of ``(N, C, H, W)`` inputs; PyTorch's arguments.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AvgPool2d(2)(autograd.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """

    _pool = F.avg_pool2d


class AvgPool3d(_AvgPoolWithDivisor):
    """Mean over sliding ``(kD, kH, kW)`` windows of ``(N, C, D, H, W)`` inputs; PyTorch's
    arguments and divisor rules.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AvgPool3d(2)(autograd.arange(16.0).reshape(1, 1, 2, 2, 4))
    tensor([[[[[6.5000, 8.5000]]]]])
    """

    _pool = F.avg_pool3d


class _AdaptivePoolNd(Module):
    """The adaptive pooling layers' common base (PyTorch's ``_AdaptiveAvgPoolNd`` and
    ``_AdaptiveMaxPoolNd``): the target ``output_size`` and the repr."""

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed ``output_size`` (``1`` = global average pooling).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AdaptiveAvgPool2d(1)(autograd.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[1.5000]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max pooling to a fixed ``output_size`` (``1`` = global max pooling).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.AdaptiveMaxPool2d(1)(autograd.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[3.]]]])
    """

    def __init__(
        self, output_size: int | Sequence[int | None], return_indices: bool = False
    ) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)
