"""``torch.nn.modules.upsampling``: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d.

Examples
--------
>>> import autograd
>>> from nn.modules.upsampling import Upsample
>>> Upsample(scale_factor=2)(autograd.zeros(1, 1, 2, 2)).shape
(1, 1, 4, 4)
"""

from ..layers.misc import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
