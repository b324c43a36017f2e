"""``torch.nn.modules.dropout``: the dropout layers and their base class ``_DropoutNd``.

Examples
--------
>>> import nn
>>> from nn.modules.dropout import Dropout, _DropoutNd
>>> isinstance(Dropout(0.2), _DropoutNd)
True
"""

from ..layers.dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    _DropoutNd,  # noqa: F401 - PyTorch's path
)

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"]
