"""``torch.nn.modules.linear``: Identity, Linear, Bilinear.

Examples
--------
>>> from nn.modules.linear import Linear
>>> list(Linear(3, 2).state_dict())
['weight', 'bias']
"""

from ..layers.linear import Bilinear, Identity, Linear, Maxout

__all__ = ["Identity", "Linear", "Bilinear", "Maxout"]
