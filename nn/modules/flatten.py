"""``torch.nn.modules.flatten``: Flatten and Unflatten.

Examples
--------
>>> import autograd
>>> from nn.modules.flatten import Flatten
>>> Flatten()(autograd.zeros(2, 3, 4)).shape
(2, 12)
"""

from ..layers.misc import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
