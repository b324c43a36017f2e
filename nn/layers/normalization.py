"""Normalization layers: BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import autograd
from autograd import Tensor
from autograd.extend import check_device

from .. import functional as F
from ..module import Module
from ._util import affine_parameters, reset_affine_parameters

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]


class _NormBase(Module):
    """Shared state of the batch- and instance-norm layers (PyTorch's _NormBase): affine
    parameters, running statistics and their state_dict versions."""

    _version = 2  # version 2 added num_batches_tracked, as in PyTorch

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        affine_parameters(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", autograd.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", autograd.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", autograd.tensor(0, dtype=autograd.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, batch counter 0."""
        if self.track_running_stats:
            with autograd.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight 1 and bias 0 (PyTorch's default)."""
        self.reset_running_stats()
        reset_affine_parameters(self)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError(
            f"{type(self).__name__}: use BatchNorm1d, BatchNorm2d or BatchNorm3d (the base class "
            "does not know how many dims its input has)"
        )

    def _load_from_state_dict(
        self, state_dict: dict, prefix: str, local_metadata: dict, *args: Any, **kwargs: Any
    ) -> None:
        # The remaining arguments (strict, missing_keys, unexpected_keys, error_msgs), by
        # position or by name, pass through unchanged to Module's.
        version = local_metadata.get("version", None) if local_metadata else None
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            # Checkpoints from before num_batches_tracked existed keep the current count.
            current = self.num_batches_tracked
            state_dict[key] = (
                current if current is not None else autograd.tensor(0, dtype=autograd.int64)
            )
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args, **kwargs)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Forward of the batch-norm layers (PyTorch's _BatchNorm)."""

    def _check_input(self, input: Tensor) -> None:
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels (dim 1), got input "
                f"shape {tuple(input.shape)}"
            )

    def _running_stats_factor(self) -> float:
        """Count a training batch (when tracking) and return the weight of its statistics in
        the running ones: ``momentum``, or ``1/n`` for the n-th batch with ``momentum=None``
        (a cumulative moving average)."""
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with autograd.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        return factor

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        factor = self._running_stats_factor()
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over ``(N, C)`` or ``(N, C, L)`` inputs (Ioffe & Szegedy, 2015).

    Training normalizes with the batch statistics (biased variance) and updates
    ``running_mean``/``running_var`` (unbiased variance) with ``momentum``, or with a cumulative
    average when ``momentum=None``; ``num_batches_tracked`` (int64) counts the training batches.
    ``eval()`` normalizes with the running statistics.

    Examples
    --------
    >>> import autograd, nn
    >>> bn = nn.BatchNorm1d(2)
    >>> y = bn(autograd.tensor([[1.0, 2.0], [3.0, 6.0]]))
    >>> bn.running_mean, bn.num_batches_tracked
    (tensor([0.2000, 0.4000]), tensor(1))
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over ``(N, C, H, W)`` inputs; see :class:`BatchNorm1d`.

    Examples
    --------
    >>> import autograd, nn
    >>> bn = nn.BatchNorm2d(3).eval()
    >>> bn(autograd.ones(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalization over ``(N, C, D, H, W)`` inputs; see :class:`BatchNorm1d`.

    Examples
    --------
    >>> import autograd, nn
    >>> bn = nn.BatchNorm3d(3)
    >>> bn(autograd.randn(2, 3, 4, 4, 4)).shape
    (2, 3, 4, 4, 4)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 5:
            raise ValueError(f"BatchNorm3d: expected 5D input (got {input.ndim}D input)")


class _ElementwiseAffineNorm(Module):
    """LayerNorm and GroupNorm: optional elementwise ``weight`` and ``bias``, created on
    ``device`` (checked even when there are none) once the subclass knows their shape, and
    reset to ones and zeros (PyTorch's default)."""

    def _affine_parameters(
        self, shape: tuple[int, ...], affine: bool, bias: bool, dtype: Any, device: Any
    ) -> None:
        check_device(device)
        affine_parameters(self, shape, affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_affine_parameters(self)


class LayerNorm(_ElementwiseAffineNorm):
    """Normalize over the trailing ``normalized_shape`` dims (Ba et al., 2016); elementwise
    ``weight`` (ones) and ``bias`` (zeros) when ``elementwise_affine``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.LayerNorm(2)(autograd.tensor([[1.0, 3.0]]))
    tensor([[-1.0000,  1.0000]], grad_fn=<...>)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._affine_parameters(self.normalized_shape, elementwise_affine, bias, dtype, device)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(_ElementwiseAffineNorm):
    """Group normalization (Wu & He, 2018): channels split into ``num_groups`` groups, each
    normalized per sample; per-channel ``weight`` (ones) and ``bias`` (zeros) when ``affine``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.GroupNorm(2, 4)(autograd.randn(3, 4, 5)).shape
    (3, 4, 5)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._affine_parameters((num_channels,), affine, bias, dtype, device)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
