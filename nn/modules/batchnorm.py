"""``torch.nn.modules.batchnorm``: BatchNorm1d/2d/3d, SyncBatchNorm and their base class.

``_BatchNorm`` is the base of every batch-norm layer here; ``_NormBase`` is the base of the
batch and the instance norms, as in PyTorch.

Examples
--------
>>> import nn
>>> from nn.modules.batchnorm import _BatchNorm
>>> [isinstance(m, _BatchNorm) for m in (nn.BatchNorm1d(2), nn.InstanceNorm1d(2))]
[True, False]
"""

from ..layers.normalization import (  # noqa: F401 - the base classes are public here
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    _BatchNorm,
    _NormBase,
)
from ..layers.sync_batchnorm import SyncBatchNorm

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"]
