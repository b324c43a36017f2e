"""Losses: functions (``nn.mse_loss``, ``nn.cross_entropy``, ...) and Modules (``nn.MSELoss``...).

Examples
--------
>>> import autograd, nn
>>> nn.CrossEntropyLoss()(autograd.tensor([[0.0, 0.0]]), autograd.tensor([1]))
tensor(0.6931)
"""

from .functional import *
from .likelihood import *
from .margin import *
from .modules import *
from .margin_modules import *
from .functional import __all__ as _functional_all
from .likelihood import __all__ as _likelihood_all
from .margin import __all__ as _margin_all
from .modules import __all__ as _modules_all
from .margin_modules import __all__ as _margin_modules_all

__all__ = _functional_all + _likelihood_all + _margin_all + _modules_all + _margin_modules_all
