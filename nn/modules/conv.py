"""``torch.nn.modules.conv``: the convolution layers and their base class ``_ConvNd``.

Examples
--------
>>> import nn
>>> from nn.modules.conv import _ConvNd
>>> [isinstance(m, _ConvNd) for m in (nn.Conv3d(1, 1, 1), nn.ConvTranspose2d(1, 1, 1))]
[True, True]
"""

from ..layers.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    _ConvNd,  # noqa: F401 - PyTorch's path
)

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]
