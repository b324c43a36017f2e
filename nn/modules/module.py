"""``torch.nn.modules.module``: the :class:`Module` base class.

Examples
--------
>>> from nn.modules.module import Module
>>> import nn
>>> Module is nn.Module
True
"""

from ..module import Module, RemovableHandle

__all__ = ["Module", "RemovableHandle"]
