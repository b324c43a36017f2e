"""Layers: each a Module with PyTorch's constructor arguments, state_dict names and init."""

from .container import *
from .activation import *
from .attention import *
from .conv import *
from .distance import *
from .dropout import *
from .embedding import *
from .instancenorm import *
from .linear import *
from .misc import *
from .normalization import *
from .pooling import *
from .recurrent import *
from .transformer import *
