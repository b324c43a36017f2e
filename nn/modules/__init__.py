"""PyTorch's ``torch.nn.modules`` paths: one thin module per PyTorch file, re-exporting the
layers of :mod:`nn.layers` (and the base classes programs subclass or test with
``isinstance``), so ``from nn.modules.loss import _Loss`` and ``nn.modules.conv.Conv2d`` work as
they do with ``torch.nn``.

Examples
--------
>>> import nn
>>> nn.modules.conv.Conv2d is nn.Conv2d
True
>>> from nn.modules.batchnorm import _BatchNorm
>>> isinstance(nn.BatchNorm2d(3), _BatchNorm)
True
"""

from .module import Module
from .activation import *
from .batchnorm import *
from .container import *
from .conv import *
from .distance import *
from .dropout import *
from .flatten import *
from .fold import *
from .instancenorm import *
from .linear import *
from .loss import *
from .normalization import *
from .pixelshuffle import *
from .pooling import *
from .rnn import *
from .sparse import *
from .transformer import *
from .upsampling import *
from . import (
    activation, batchnorm, container, conv, distance, dropout, flatten, fold, instancenorm,
    linear, loss, module, normalization, pixelshuffle, pooling, rnn, sparse, transformer,
    upsampling, utils,
)  # fmt: skip
