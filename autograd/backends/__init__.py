"""``autograd.backends``: PyTorch's backend switches, as a CPU-only build has them.

``backends.cudnn.benchmark`` and ``backends.cudnn.deterministic`` are plain attributes a program
may set (they change nothing: numbagrad has no cuDNN); ``backends.mps.is_available()`` and
``backends.cuda.is_built()`` are ``False``.

Examples
--------
>>> import autograd
>>> autograd.backends.cudnn.benchmark = True
>>> autograd.backends.cudnn.is_available(), autograd.backends.mps.is_available()
(False, False)
>>> autograd.backends.cudnn.benchmark = False
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
