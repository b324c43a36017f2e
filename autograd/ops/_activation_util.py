"""Shared by the activation families: constants, input checks, torch lookups and samplers that
crowd values around kinks from both sides (never on them, so finite differences stay valid)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import as_tensor
from .registry import Sample
from .transcendental import _sigmoid_array
from .transcendental import sigmoid as _sigmoid_op

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)


def _sigmoid(v: Any) -> Any:
    return _sigmoid_op(v) if isinstance(v, Tensor) else _sigmoid_array(v)


def _float_input(op: str, input: Any) -> Tensor:
    t = input if isinstance(input, Tensor) else as_tensor(input)
    if t._array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {t._array.dtype}")
    return t


def _torch_f(name: str) -> Any:
    """PyTorch's ``torch.nn.functional.<name>``, for the registry's oracle comparison."""

    def call(torch, *args, **kwargs):
        return getattr(torch.nn.functional, name)(*args, **kwargs)

    return call


def _near_kinks(
    kinks: tuple = (), low: float = -3.0, high: float = 3.0, margin: float = 0.05, **kwargs: Any
) -> Any:
    """Sampler for ``f(x, **kwargs)`` whose values crowd around ``kinks`` from both sides but
    keep ``margin`` away from them, so finite differences stay valid (the conventions at the
    kinks themselves are tested against PyTorch in tests/autograd/test_activation.py)."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from .. import testing

        shape = draw(testing.shapes())
        x = draw(testing.arrays(shape, dtype, low=low, high=high, kinks=kinks))
        side = np.where(draw(testing.tie_mask(shape)), margin, -margin)
        for k in kinks:
            x = np.where(np.abs(x - k) < margin, k + side, x)
        return Sample((np.asarray(x, dtype=dtype),), dict(kwargs))

    return sample
