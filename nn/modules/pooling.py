"""``torch.nn.modules.pooling``: the pooling layers and their bases ``_MaxPoolNd`` and
``_AvgPoolNd``.

Examples
--------
>>> import nn
>>> from nn.modules.pooling import _MaxPoolNd
>>> isinstance(nn.MaxPool3d(2), _MaxPoolNd)
True
"""

from ..layers.pooling import (  # noqa: F401 - PyTorch's path
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    _AvgPoolNd,
    _MaxPoolNd,
)

__all__ = [
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
]  # fmt: skip
