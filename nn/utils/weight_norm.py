"""``nn.utils.weight_norm`` (legacy): ``weight = g * v / ||v||`` recomputed by a forward
pre-hook from the parameters ``weight_g`` and ``weight_v``, PyTorch's older form of
:func:`nn.utils.parametrizations.weight_norm` (same math, the legacy state_dict keys).
"""

from __future__ import annotations

import warnings

import autograd
from autograd import Tensor

from ..module import Module
from ..parameter import Parameter
from ._weight_hooks import parameter_to_hook, remove_hook
from .parametrizations import _norm_except_dim, _weight_norm

__all__ = ["weight_norm", "remove_weight_norm", "WeightNorm"]


class WeightNorm:
    """The forward pre-hook that sets ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        weight = parameter_to_hook(module, name, WeightNorm, "weight_norm")
        fn = WeightNorm(name, dim)
        with autograd.no_grad():
            g = _norm_except_dim(weight, fn.dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g.detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with autograd.no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: tuple) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into a magnitude ``<name>_g`` and a direction ``<name>_v``
    (Salimans & Kingma, 2016); a forward pre-hook recomputes ``<name> = g * v / ||v||``, the
    norm taken over every dim but ``dim`` (``None``: over all).

    Deprecated in PyTorch in favour of :func:`nn.utils.parametrizations.weight_norm`, and warns
    as PyTorch does.

    Examples
    --------
    >>> import warnings
    >>> import autograd, nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = nn.utils.weight_norm(nn.Linear(2, 3))
    >>> list(m.state_dict()), m.weight_g.shape
    (['bias', 'weight_g', 'weight_v'], (3, 1))
    """
    warnings.warn(
        "torch.nn.utils.weight_norm is deprecated in favor of "
        "torch.nn.utils.parametrizations.weight_norm.",
        FutureWarning,
        stacklevel=2,
    )
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`weight_norm`: ``<name>`` becomes one parameter again.

    Examples
    --------
    >>> import warnings
    >>> import nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = nn.utils.weight_norm(nn.Linear(2, 3))
    >>> list(nn.utils.remove_weight_norm(m).state_dict())
    ['bias', 'weight']
    """
    return remove_hook(module, name, WeightNorm, "weight_norm")
