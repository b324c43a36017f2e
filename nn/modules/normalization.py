"""``torch.nn.modules.normalization``: LayerNorm and GroupNorm.

Examples
--------
>>> from nn.modules.normalization import LayerNorm
>>> list(LayerNorm(4).state_dict())
['weight', 'bias']
"""

from ..layers.normalization import GroupNorm, LayerNorm

__all__ = ["LayerNorm", "GroupNorm"]
