"""Instance normalization layers: InstanceNorm1d, InstanceNorm2d, InstanceNorm3d."""

from __future__ import annotations

import warnings
from typing import Any

from autograd import Tensor

from .. import functional as F
from .normalization import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    """Shared forward of the instance-norm layers (PyTorch's ``_InstanceNorm``): the state of
    the batch-norm layers (``_NormBase``), with PyTorch's defaults ``affine=False`` and
    ``track_running_stats=False``.

    In training (or when not tracking) each channel of each sample is normalized over its own
    spatial positions, and tracked running statistics move towards the batch average of the
    per-instance ones; in eval mode with tracking, the running statistics normalize.
    ``num_batches_tracked`` is kept for the state_dict but not counted, as in PyTorch.
    """

    _no_batch_dim = 2  # dims of an unbatched input; set by each subclass

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def _check_input_dim(self, input: Tensor) -> None:
        n = self._no_batch_dim
        if input.ndim not in (n, n + 1):
            raise ValueError(
                f"{type(self).__name__}: expected {n}D or {n + 1}D input (got {input.ndim}D "
                f"input of shape {tuple(input.shape)})"
            )

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: input must be a Tensor, got {type(input)}")
        self._check_input_dim(input)
        feature_dim = input.ndim - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"{type(self).__name__}: expected input's size at dim={feature_dim} to match "
                    f"num_features ({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can "
                "silence this warning by not passing in num_features, which is not used "
                "because affine=False",
                stacklevel=2,
            )
        if input.ndim == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization over ``(N, C, L)`` or unbatched ``(C, L)`` input (Ulyanov et
    al., 2016).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.InstanceNorm1d(1)(autograd.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization over ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    >>> list(m.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    >>> m(autograd.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization over ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.InstanceNorm3d(2)(autograd.randn(1, 2, 2, 3, 3)).shape
    (1, 2, 2, 3, 3)
    """

    _no_batch_dim = 4
