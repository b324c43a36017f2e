"""``torch.nn.modules.container``: Sequential, ModuleList, ModuleDict, ParameterList,
ParameterDict.

Examples
--------
>>> import nn
>>> from nn.modules.container import Sequential
>>> len(Sequential(nn.Linear(2, 2), nn.ReLU()))
2
"""

from ..layers.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
