"""``torch.nn.modules.fold``: Fold, Unfold.

Examples
--------
>>> from nn.modules.fold import Unfold
>>> Unfold(kernel_size=2).kernel_size
2
"""

from ..layers.misc import Fold, Unfold

__all__ = ["Fold", "Unfold"]
