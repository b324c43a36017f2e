"""Data loading with PyTorch's module layout: ``nn.data.dataset``, ``nn.data.dataloader``.

Examples
--------
>>> import autograd, nn
>>> ds = nn.data.TensorDataset(autograd.arange(6.0).reshape(3, 2))
>>> [b[0].shape for b in nn.data.DataLoader(ds, batch_size=2)]
[(2, 2), (1, 2)]
"""

from .dataset import *
from .dataloader import *
from . import dataset, dataloader
from . import transforms
