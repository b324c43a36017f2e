"""PyTorch-style neural-network building blocks on top of ``autograd``.

Examples
--------
>>> import autograd, nn
>>> class Affine(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.w = nn.Parameter(autograd.ones(2))
...     def forward(self, x):
...         return x * self.w
>>> list(Affine().state_dict())
['w']
"""

from ._engine import require_numbagrad_engine

require_numbagrad_engine()

# ---- module system: modules, parameters, containers
from .parameter import Buffer, Parameter
from .module import Module
from .layers.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

# ---- init, utils, data, checkpoints
from . import init, utils, data
from .serialization import load, save

# ---- losses
from .losses import *

# ---- layers and functional
from . import functional
from .layers.activation import *
from .layers.attention import *
from .layers.conv import *
from .layers.distance import *
from .layers.dropout import *
from .layers.embedding import *
from .layers.instancenorm import *
from .layers.linear import *
from .layers.misc import *
from .layers.normalization import *
from .layers.pooling import *
from .layers.recurrent import *
from .layers.transformer import *
from .layers.sync_batchnorm import SyncBatchNorm
from . import parallel

# ---- PyTorch's module paths (nn.modules.conv, nn.modules.loss, ...)
from . import modules
