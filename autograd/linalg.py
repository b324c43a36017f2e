"""PyTorch's ``torch.linalg``: after ``import autograd as torch``, ``torch.linalg.solve(A, B)``.

Ops PyTorch keeps only in this namespace are declared with ``register(namespace="linalg")``;
those it also has at the top level (``det``, ``slogdet``, ``matrix_power``, ...) are the same
functions as ``autograd.det`` and friends.

Examples
--------
>>> import autograd
>>> autograd.linalg.det(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
tensor(-2.)
"""

from __future__ import annotations

from .ops import linalg as _products
from .ops import matrix as _matrix
from .ops.registry import NAMESPACES as _NAMESPACES

det = _matrix.det
inv = _matrix.inverse
slogdet = _matrix.slogdet
matrix_power = _matrix.matrix_power
matmul = _products.matmul

globals().update(_NAMESPACES["linalg"])

__all__ = sorted(["det", "inv", "slogdet", "matrix_power", "matmul", *_NAMESPACES["linalg"]])
