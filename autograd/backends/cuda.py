"""``autograd.backends.cuda``: CUDA's switches, as PyTorch has them without CUDA.

``matmul.allow_tf32`` is a settable attribute (``False``, PyTorch's default) with no effect.

Examples
--------
>>> import autograd
>>> autograd.backends.cuda.is_built(), autograd.backends.cuda.matmul.allow_tf32
(False, False)
"""

from __future__ import annotations

import types

from .._absent import answers

__all__ = ["is_built", "matmul"]

matmul = types.SimpleNamespace(
    allow_tf32=False,
    allow_fp16_reduced_precision_reduction=True,
    allow_bf16_reduced_precision_reduction=True,
)


@answers(False)
def is_built() -> bool:
    """Always ``False``: numbagrad is not built with CUDA."""
