"""Helpers shared by the layer files: parameter creation, fan-in for default init, and the base
of the layers that are one :mod:`nn.functional` call."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Tensor

from .. import init
from ..module import Module
from ..parameter import Parameter


def new_parameter(shape: tuple[int, ...], dtype: Any = None, device: Any = None) -> Parameter:
    """An uninitialized parameter of ``shape`` (float32 unless ``dtype`` says otherwise).

    A layer's ``device`` argument is checked here, where its tensors are made (as PyTorch's
    ``factory_kwargs`` reach ``torch.empty``): anything but the CPU raises RuntimeError."""
    return Parameter(autograd.empty(shape, dtype=dtype, device=device))


def optional_parameter(
    module: Any,
    name: str,
    shape: tuple[int, ...],
    present: bool,
    dtype: Any = None,
    device: Any = None,
) -> None:
    """Give ``module`` an uninitialized parameter ``name`` of ``shape`` if ``present``; else
    register ``name`` as None, as PyTorch does, so the attribute exists and ``state_dict`` has
    no entry for it."""
    if present:
        setattr(module, name, new_parameter(shape, dtype, device))
    else:
        module.register_parameter(name, None)


def affine_parameters(
    module: Any, shape: tuple[int, ...], affine: bool, bias: bool, dtype: Any = None
) -> None:
    """Give a normalization layer its ``weight`` and ``bias`` of ``shape`` when ``affine``
    (``bias`` alone can be turned off); what it lacks is registered as None."""
    optional_parameter(module, "weight", shape, affine, dtype)
    optional_parameter(module, "bias", shape, affine and bias, dtype)


def reset_affine_parameters(module: Any) -> None:
    """A normalization layer's default: ``weight`` ones and ``bias`` zeros, where it has them."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


def fan_in(weight: Any) -> int:
    """PyTorch's fan-in: ``size(1)`` times the receptive field (trailing dims)."""
    shape = tuple(weight.shape)
    if len(shape) < 2:
        raise ValueError(f"fan_in: needs a weight with at least 2 dims, got shape {shape}")
    return shape[1] * math.prod(shape[2:])


def tuple_of(value: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    """``value`` repeated ``n`` times if it is an int, else checked to have ``n`` entries."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    out = tuple(value)
    if len(out) != n or not all(isinstance(v, int) for v in out):
        raise ValueError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
    return out


class FunctionalLayer(Module):
    """A layer whose forward is one call, ``_functional(input, **options)``, with the attributes
    named in ``_options`` passed as keywords. Its repr lists those settings in that order
    (``inplace`` last and only when True, ``training`` never), as PyTorch's activation layers
    show them.

    Subclasses keep PyTorch's constructor (it stores the settings) and name the function.

    Examples
    --------
    >>> import autograd, nn
    >>> from nn.layers._util import FunctionalLayer
    >>> class Clamp(FunctionalLayer):
    ...     _functional = staticmethod(nn.functional.hardtanh)
    ...     _options = ("min_val", "max_val", "inplace")
    ...     def __init__(self, min_val: float, max_val: float, inplace: bool = False) -> None:
    ...         super().__init__()
    ...         self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
    >>> Clamp(0.0, 2.0)
    Clamp(min_val=0.0, max_val=2.0)
    >>> Clamp(0.0, 2.0, inplace=True)(autograd.tensor([-1.0, 3.0]))
    tensor([0., 2.])
    """

    _functional: Callable[..., Any]
    _options: tuple[str, ...] = ()

    def forward(self, input: Tensor) -> Any:
        return self._functional(input, **{name: getattr(self, name) for name in self._options})

    def extra_repr(self) -> str:
        shown = [
            f"{name}={getattr(self, name)}"
            for name in self._options
            if name not in ("inplace", "training")
        ]
        if "inplace" in self._options and self.inplace:
            shown.append("inplace=True")
        return ", ".join(shown)
