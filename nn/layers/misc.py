"""Shape layers: Flatten, Unflatten; and Upsample."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Tensor

from .. import functional as F
from ..module import Module

__all__ = ["Flatten", "Unflatten", "Upsample"]


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
