"""Data loading with PyTorch's module layout: ``nn.data.dataset``, ``nn.data.sampler``,
``nn.data.dataloader`` (``torch.utils.data`` -> ``nn.data``).

Examples
--------
>>> import autograd, nn
>>> ds = nn.data.TensorDataset(autograd.arange(6.0).reshape(3, 2))
>>> [b[0].shape for b in nn.data.DataLoader(ds, batch_size=2)]
[(2, 2), (1, 2)]
"""

from .dataset import *
from .sampler import *
from .dataloader import *
from .distributed import DistributedSampler
from . import dataset, sampler, dataloader, distributed, transforms
