"""``torch.nn.modules.batchnorm``: BatchNorm1d/2d/3d, SyncBatchNorm and their base class.

``_BatchNorm`` is the base of every batch-norm layer here; ``_NormBase`` names the same class,
so ``isinstance(m, _NormBase)`` finds the batch-norm layers as it does in PyTorch (where it also
covers the instance norms, which this library does not have as layers).

Examples
--------
>>> import nn
>>> from nn.modules.batchnorm import _BatchNorm
>>> [isinstance(m, _BatchNorm) for m in (nn.BatchNorm1d(2), nn.LayerNorm(2))]
[True, False]
"""

from ..layers.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm
from ..layers.sync_batchnorm import SyncBatchNorm

_NormBase = _BatchNorm  # the batch-norm layers are the only _NormBase here

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"]
