"""Data-parallel training across processes (PyTorch's ``torch.nn.parallel`` layout).

Examples
--------
>>> import nn
>>> nn.parallel.DistributedDataParallel.__name__
'DistributedDataParallel'
"""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
