"""Convolution layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Tensor

from .. import functional as F
from ..module import Module
from ._util import new_parameter, optional_parameter, tuple_of
from .linear import _reset_affine

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared constructor, init and repr of the convolution layers (PyTorch's _ConvNd)."""

    _n: int = 2
    _transposed: bool = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int],
        padding: str | int | Sequence[int],
        dilation: int | Sequence[int],
        output_padding: int | Sequence[int],
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self._n
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                f"both be divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = tuple_of(kernel_size, n, f"{name}: kernel_size")
        self.stride = tuple_of(stride, n, f"{name}: stride")
        self.dilation = tuple_of(dilation, n, f"{name}: dilation")
        self.output_padding = tuple_of(output_padding, n, f"{name}: output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{name}: padding string must be 'same' or 'valid', got {padding!r}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(
                    f"{name}: padding='same' is not supported for strided convolutions"
                )
            self.padding = padding
            if padding == "same":
                pads: list[int] = []
                for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                    total = d * (k - 1)
                    pads += [total // 2, total - total // 2]
            else:
                pads = [0] * (2 * n)
        else:
            self.padding = tuple_of(padding, n, f"{name}: padding")
            pads = [p for p in reversed(self.padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = pads
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = new_parameter(shape, dtype, device)
        optional_parameter(self, "bias", (out_channels,), bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform(a=sqrt(5)), i.e. ``U(+-1/sqrt(fan_in))``, where
        fan_in = ``weight.shape[1] * prod(kernel_size)`` (for transposed convolutions that is
        ``out_channels / groups``, as in PyTorch); the bias uses the same bound."""
        _reset_affine(self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self._n
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
            padding_mode, device, dtype,
        )  # fmt: skip

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._n - 1]
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)`` (or ``(C_in, L)``) inputs; PyTorch's arguments.

    ``weight``: ``(out_channels, in_channels / groups, kernel_size)``. Default init
    ``U(+-1/sqrt(fan_in))`` for weight and bias, ``fan_in = in_channels / groups * kernel_size``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Conv1d(2, 4, 3, padding=1)(autograd.ones(5, 2, 7)).shape
    (5, 4, 7)
    """

    _n = 1


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) inputs; PyTorch's arguments.

    ``weight``: ``(out_channels, in_channels / groups, kH, kW)``. Default init
    ``U(+-1/sqrt(fan_in))`` for weight and bias, ``fan_in = in_channels / groups * kH * kW``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Conv2d(1, 6, 5)(autograd.ones(2, 1, 12, 12)).shape
    (2, 6, 8, 8)
    """

    _n = 2


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)`` (or ``(C_in, D, H, W)``) inputs; PyTorch's
    arguments (see :func:`nn.functional.conv3d` for how it is computed).

    ``weight``: ``(out_channels, in_channels / groups, kD, kH, kW)``. Default init
    ``U(+-1/sqrt(fan_in))`` for weight and bias, ``fan_in = in_channels / groups * kD * kH * kW``.

    Examples
    --------
    >>> import autograd, nn
    >>> conv = nn.Conv3d(2, 4, 3, stride=(1, 2, 2), padding=1)
    >>> conv(autograd.ones(1, 2, 5, 8, 8)).shape
    (1, 4, 5, 4, 4)
    >>> [tuple(v.shape) for v in conv.state_dict().values()]
    [(4, 2, 3, 3, 3), (4,)]
    """

    _n = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}"
            )
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding,
            groups, bias, padding_mode, device, dtype,
        )  # fmt: skip

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """The output_padding giving ``output_size`` (PyTorch's rule), or the constructor's."""
        if output_size is None:
            return self.output_padding
        n = self._n
        output_size = list(output_size)
        if len(output_size) not in (n, n + 1, n + 2):
            raise ValueError(
                f"{type(self).__name__}: output_size must have {n} (or {n} + 1 or {n} + 2) "
                f"entries, got {output_size}"
            )
        output_size = output_size[-n:]
        spatial = tuple(input.shape[-n:])
        result = []
        for d in range(n):
            min_size = (
                (spatial[d] - 1) * self.stride[d]
                - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            max_size = min_size + self.stride[d] - 1
            if not min_size <= output_size[d] <= max_size:
                raise ValueError(
                    f"{type(self).__name__}: requested output size {output_size} is not "
                    f"reachable: dim {d} must be in [{min_size}, {max_size}] for input {spatial}"
                )
            result.append(output_size[d] - min_size)
        return tuple(result)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        conv = F.conv_transpose1d if self._n == 1 else F.conv_transpose2d
        output_padding = self._output_padding(input, output_size)
        return conv(
            input, self.weight, self.bias, self.stride, self.padding, output_padding,
            self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution ("deconvolution"); PyTorch's arguments.

    ``weight``: ``(in_channels, out_channels / groups, kernel_size)``; default init
    ``U(+-1/sqrt(fan_in))`` with ``fan_in = out_channels / groups * kernel_size`` (PyTorch's).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.ConvTranspose1d(2, 3, 4, stride=2, padding=1)(autograd.ones(1, 2, 5)).shape
    (1, 3, 10)
    """

    _n = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"); PyTorch's arguments.

    ``weight``: ``(in_channels, out_channels / groups, kH, kW)``; default init
    ``U(+-1/sqrt(fan_in))`` with ``fan_in = out_channels / groups * kH * kW`` (PyTorch's).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1)(autograd.ones(1, 2, 5, 5)).shape
    (1, 3, 10, 10)
    """

    _n = 2
