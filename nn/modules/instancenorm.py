"""``torch.nn.modules.instancenorm``: InstanceNorm1d, InstanceNorm2d, InstanceNorm3d.

Examples
--------
>>> from nn.modules.instancenorm import InstanceNorm2d, _InstanceNorm
>>> isinstance(InstanceNorm2d(3), _InstanceNorm)
True
"""

from ..layers.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "_InstanceNorm"]
