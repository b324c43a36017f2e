"""``torch.nn.modules.pixelshuffle``: PixelShuffle, PixelUnshuffle.

Examples
--------
>>> from nn.modules.pixelshuffle import PixelShuffle
>>> PixelShuffle(2).upscale_factor
2
"""

from ..layers.misc import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]
