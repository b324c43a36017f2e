"""Fused optimizer updates: one compiled pass over a parameter and its state arrays.

These are the engine's public entry points to ``kernels/optim.py`` for ``optim`` (which may only
use autograd's public names). Each takes flat, C-contiguous arrays of one float dtype and updates
them in place; see each kernel's docstring for the update rule. Apply them to a Tensor through
:func:`autograd.run_inplace` so its version counter is bumped.
"""

from .kernels.optim import adam_update, amsgrad_update, sgd_update

__all__ = ["adam_update", "amsgrad_update", "sgd_update"]
