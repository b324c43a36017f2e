"""Losses: functions (``nn.mse_loss``, ``nn.cross_entropy``, ...) and Modules (``nn.MSELoss``...).

Examples
--------
>>> import autograd, nn
>>> nn.CrossEntropyLoss()(autograd.tensor([[0.0, 0.0]]), autograd.tensor([1]))
tensor(0.6931)
"""

from .functional import *
from .modules import *
from .functional import __all__ as _functional_all
from .modules import __all__ as _modules_all

__all__ = _functional_all + _modules_all
