"""Shape layers: Flatten, Unflatten, Fold, Unfold, PixelShuffle, PixelUnshuffle; and the
Upsample family."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Tensor

from .. import functional as F
from ..module import Module

__all__ = [
    "Flatten", "Unflatten", "Fold", "Unfold", "PixelShuffle", "PixelUnshuffle", "Upsample",
    "UpsamplingBilinear2d", "UpsamplingNearest2d",
]  # fmt: skip

_Pair = int | Sequence[int]


class Flatten(Module):
    """Flatten dims ``start_dim`` .. ``end_dim`` into one (default: all but the batch dim).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Flatten()(autograd.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Unflatten(1, (3, 4))(autograd.zeros(2, 12)).shape
    (2, 3, 4)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Upsample(Module):
    """Upsample by ``scale_factor`` or to ``size`` with :func:`nn.functional.interpolate`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Upsample(scale_factor=2)(autograd.zeros(1, 1, 2, 3)).shape
    (1, 1, 4, 6)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, int) else scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        kwargs = {}
        if self.align_corners is not None:
            kwargs["align_corners"] = self.align_corners
        if self.recompute_scale_factor is not None:
            kwargs["recompute_scale_factor"] = self.recompute_scale_factor
        return F.interpolate(input, self.size, self.scale_factor, self.mode, **kwargs)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class _SlidingBlocks(Module):
    """Fold and Unfold: the geometry of their sliding blocks, stored as given, and its repr."""

    def __init__(
        self, kernel_size: _Pair, dilation: _Pair = 1, padding: _Pair = 0, stride: _Pair = 1
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Unfold(_SlidingBlocks):
    """Sliding local blocks as columns, :func:`nn.functional.unfold` (im2col).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Unfold(kernel_size=(2, 3))(autograd.zeros(2, 5, 3, 4)).shape
    (2, 30, 4)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(_SlidingBlocks):
    """Columns of sliding blocks summed back into an image, :func:`nn.functional.fold`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.Fold(output_size=(4, 5), kernel_size=2)(autograd.zeros(1, 12, 12)).shape
    (1, 3, 4, 5)
    """

    def __init__(
        self, output_size: _Pair, kernel_size: _Pair, dilation: _Pair = 1, padding: _Pair = 0,
        stride: _Pair = 1,
    ) -> None:  # fmt: skip
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()


class PixelShuffle(Module):
    """``(*, C r^2, H, W)`` -> ``(*, C, H r, W r)``, :func:`nn.functional.pixel_shuffle`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.PixelShuffle(3)(autograd.zeros(1, 9, 4, 4)).shape
    (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H r, W r)`` -> ``(*, C r^2, H, W)``, :func:`nn.functional.pixel_unshuffle`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.PixelUnshuffle(3)(autograd.zeros(1, 1, 12, 12)).shape
    (1, 9, 4, 4)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class UpsamplingNearest2d(Upsample):
    """Nearest 2-D upsampling, ``Upsample(mode="nearest")``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.UpsamplingNearest2d(scale_factor=2)(autograd.zeros(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(
        self, size: _Pair | None = None, scale_factor: float | Sequence[float] | None = None
    ) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-D upsampling with aligned corners, ``Upsample(mode="bilinear",
    align_corners=True)``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.UpsamplingBilinear2d(scale_factor=2)(autograd.zeros(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(
        self, size: _Pair | None = None, scale_factor: float | Sequence[float] | None = None
    ) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
